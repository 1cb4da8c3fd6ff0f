"""Every record the tax chain writes is a valid field-committed record (DESIGN §3)."""

from __future__ import annotations

import dataclasses

import pytest

from chains.apps.records import (
    StoredRecord,
    decode_record_head,
    get_record_body_key,
    get_record_key,
    read_record,
)
from chains.core.errors import ErrorCode
from chains.core.records import (
    Disclosure,
    commit_record,
    disclose_fields,
    get_disclosed_values,
    verify_disclosure,
)
from chains.tax.app import (
    KIND_CLEARANCE,
    KIND_FILING,
    KIND_INVOICE,
    KIND_PAYMENT,
    TX_RECORD_PAYMENT,
    TX_RED_LETTER,
    TX_REIMBURSE_INVOICE,
    TX_REVOKE_CLEARANCE,
)
from tests.apps.harness import SNAPSHOT_BLOB_PREFIX, AppHarness
from tests.tax.helpers import (
    BUREAU_KEY,
    BUYER_KEY,
    SELLER,
    SELLER_KEY,
    assert_ok,
    make_world,
    payment,
    red_letter,
    reimburse,
    revoke,
)

FIELD_NAMES = {
    KIND_FILING: {
        "enterprise", "enterprise_name", "period", "tax_type", "taxable_amount", "tax_due",
        "tax_paid", "filed_on", "filed_by", "status",
    },
    KIND_PAYMENT: {
        "payment_id", "enterprise", "period", "tax_type", "amount", "paid_on", "recorded_by",
    },
    KIND_INVOICE: {
        "invoice_number", "invoice_type", "seller", "seller_name", "buyer", "holder", "amount",
        "tax_amount", "tax_rate_bp", "issued_on", "description", "status", "issued_height",
        "locked_by", "reimbursement_ref", "reimbursed_by", "reimbursed_height", "declared_period",
        "cancelled_by", "original_number", "transfers",
    },
    KIND_CLEARANCE: {
        "certificate_id", "enterprise", "enterprise_name", "period_from", "period_to",
        "issued_on", "valid_until", "statement", "issued_by", "status", "revoked_reason",
    },
}  # fmt: skip


def _world_with_every_kind() -> AppHarness:
    """The world after a payment, a reimbursement, a red letter and a revocation, so that
    each kind has a record in its first version and one updated."""
    harness = make_world()
    assert_ok(harness.run(BUREAU_KEY, TX_RECORD_PAYMENT, payment()))
    assert_ok(harness.run(BUYER_KEY, TX_REIMBURSE_INVOICE, reimburse(invoice_number="INV-HELD")))
    red = red_letter(invoice_number="RED-1", original_number="INV-NONE")
    refused = harness.run(SELLER_KEY, TX_RED_LETTER, red)
    assert refused.code == ErrorCode.INVOICE_NOT_FOUND  # and leaves no record behind
    assert_ok(harness.run(BUREAU_KEY, TX_REVOKE_CLEARANCE, revoke()))
    return harness


RECORDS = [
    (KIND_FILING, f"{SELLER}:2025-Q1:vat"),
    (KIND_PAYMENT, "PAY-1"),
    (KIND_INVOICE, "INV-HELD"),
    (KIND_INVOICE, "INV-DONE"),
    (KIND_CLEARANCE, "CERT-1"),
]


def _read(harness: AppHarness, kind: str, record_id: str) -> StoredRecord:
    record = read_record(harness.state, kind, record_id)
    assert record is not None, f"no {kind} {record_id}"
    return record


@pytest.fixture(scope="module")
def world() -> AppHarness:
    return _world_with_every_kind()


@pytest.mark.parametrize(("kind", "record_id"), RECORDS)
def test_the_head_commits_to_the_stored_fields(world, kind: str, record_id: str) -> None:
    record = _read(world, kind, record_id)
    raw_head = world.state.get(get_record_key(kind, record_id))
    assert raw_head is not None
    head = decode_record_head(raw_head)
    assert head.commitment == commit_record(record.fields, record.seed).commitment
    assert head.field_count == len(record.fields) == len(FIELD_NAMES[kind])
    assert set(record.fields) == FIELD_NAMES[kind]
    assert (head.kind, head.id) == (kind, record_id)


@pytest.mark.parametrize(("kind", "record_id"), RECORDS)
def test_the_status_or_amount_can_be_disclosed_alone(world, kind: str, record_id: str) -> None:
    record = _read(world, kind, record_id)
    head = decode_record_head(world.state.get(get_record_key(kind, record_id)))
    name = "status" if "status" in record.fields else "amount"
    disclosure = disclose_fields(record.get_committed(), [name])
    assert verify_disclosure(head.commitment, disclosure).ok
    assert get_disclosed_values(disclosure) == {name: record.fields[name]}
    assert len(disclosure.fields) == 1  # the other fields stay hidden


def test_a_tampered_disclosure_does_not_verify(world) -> None:
    record = _read(world, KIND_INVOICE, "INV-HELD")
    head = decode_record_head(world.state.get(get_record_key(KIND_INVOICE, "INV-HELD")))
    disclosure = disclose_fields(record.get_committed(), ["status"])
    forged_field = dataclasses.replace(disclosure.fields[0], value="issued")  # "reimbursed"
    forged = Disclosure(field_count=disclosure.field_count, fields=(forged_field,))
    assert verify_disclosure(head.commitment, forged).code == ErrorCode.RECORD_COMMITMENT_MISMATCH


def test_an_update_keeps_the_seed_and_the_unchanged_leaves() -> None:
    harness = make_world()
    before = _read(harness, KIND_INVOICE, "INV-HELD")
    assert_ok(harness.run(BUYER_KEY, TX_REIMBURSE_INVOICE, reimburse(invoice_number="INV-HELD")))
    after = _read(harness, KIND_INVOICE, "INV-HELD")
    assert after.seed == before.seed
    assert after.commitment != before.commitment
    old, new = before.get_committed(), after.get_committed()
    assert old.names == new.names
    changed = {
        name
        for name, a, b in zip(old.names, old.leaf_hashes, new.leaf_hashes, strict=True)
        if a != b
    }
    assert changed == {
        "status",
        "reimbursed_by",
        "reimbursed_height",
        "reimbursement_ref",
        "locked_by",
    }


def test_a_refused_transaction_leaves_no_record(world) -> None:
    assert read_record(world.state, KIND_INVOICE, "RED-1") is None


def test_a_change_to_a_record_shows_in_a_snapshot_through_its_new_body() -> None:
    # Bodies are blobs beside the tree; the harness's "nothing changed" snapshots see
    # them too, so a refused transaction that left a body behind would be caught.
    harness = make_world()
    before = harness.snapshot()
    assert_ok(harness.run(BUYER_KEY, TX_REIMBURSE_INVOICE, reimburse(invoice_number="INV-HELD")))
    after = _read(harness, KIND_INVOICE, "INV-HELD")
    added = set(harness.snapshot()) - set(before)
    assert SNAPSHOT_BLOB_PREFIX + get_record_body_key(after.commitment) in added
