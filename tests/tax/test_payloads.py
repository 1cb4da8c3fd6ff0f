"""Malformed payloads, out-of-range fields and replays are refused and change nothing."""

from __future__ import annotations

import pytest

from chains.core.app import get_account_nonce
from chains.core.errors import ConsortiumError, ErrorCode
from chains.tax.app import TAX_APPLICATION, TX_ISSUE_INVOICE
from chains.tax.invoices import compute_tax_amount
from tests.apps.harness import AppHarness, assert_refused
from tests.tax import helpers
from tests.tax.helpers import (
    BUREAU_KEY,
    SELLER,
    TAX_TX_TYPES,
    assert_ok,
    get_valid_calls,
    make_world,
)

BAD_USCC = SELLER[:17] + ("0" if SELLER[17] != "0" else "1")  # wrong check character
LONG_TEXT = "x" * 513

# (tx type, field, bad value): each alone makes the type's valid payload unusable.
BAD_FIELDS = [
    ("tax.filing.submit", "enterprise", "tax-bureau"),
    ("tax.filing.submit", "enterprise", BAD_USCC),
    ("tax.filing.submit", "period", "2025-13"),
    ("tax.filing.submit", "period", "2025-Q5"),
    ("tax.filing.submit", "period", ""),
    ("tax.filing.submit", "tax_type", ""),
    ("tax.filing.submit", "tax_type", "vat/2"),
    ("tax.filing.submit", "taxable_amount", -1),
    ("tax.filing.submit", "tax_due", -1),
    ("tax.filing.submit", "tax_due", 10**15 + 1),
    ("tax.filing.submit", "filed_on", "2025-02-30"),
    ("tax.filing.submit", "filed_on", "15/04/2025"),
    ("tax.filing.submit", "record_seed", b""),
    ("tax.filing.submit", "record_seed", b"15 bytes short."),
    ("tax.filing.submit", "record_seed", bytes(65)),
    ("tax.payment.record", "payment_id", ""),
    ("tax.payment.record", "payment_id", "PAY 1"),
    ("tax.payment.record", "enterprise", BAD_USCC),
    ("tax.payment.record", "period", "Q1-2025"),
    ("tax.payment.record", "tax_type", "x" * 129),
    ("tax.payment.record", "amount", 0),
    ("tax.payment.record", "amount", -300),
    ("tax.payment.record", "paid_on", "2025-04-31"),
    ("tax.payment.record", "record_seed", b"short"),
    ("tax.invoice.issue", "invoice_number", ""),
    ("tax.invoice.issue", "invoice_number", "-INV"),
    ("tax.invoice.issue", "buyer", ""),
    ("tax.invoice.issue", "buyer", "buyer with spaces"),
    ("tax.invoice.issue", "amount", 0),
    ("tax.invoice.issue", "amount", -100_000),
    ("tax.invoice.issue", "tax_amount", 13_001),
    ("tax.invoice.issue", "tax_amount", 12_999),
    ("tax.invoice.issue", "tax_amount", -13_000),
    ("tax.invoice.issue", "tax_rate_bp", 1301),
    ("tax.invoice.issue", "tax_rate_bp", 10_001),
    ("tax.invoice.issue", "issued_on", "2025-3-1"),
    ("tax.invoice.issue", "description", LONG_TEXT),
    ("tax.invoice.issue", "record_seed", b""),
    ("tax.invoice.red_letter", "invoice_number", ""),
    ("tax.invoice.red_letter", "original_number", ""),
    ("tax.invoice.red_letter", "reason", ""),
    ("tax.invoice.red_letter", "reason", "   "),
    ("tax.invoice.red_letter", "reason", LONG_TEXT),
    ("tax.invoice.red_letter", "issued_on", "2025-00-01"),
    ("tax.invoice.red_letter", "record_seed", bytes(8)),
    ("tax.invoice.transfer", "invoice_number", ""),
    ("tax.invoice.transfer", "new_holder", ""),
    ("tax.invoice.transfer", "new_holder", "a/b"),
    ("tax.invoice.lock", "invoice_number", "INV 1"),
    ("tax.invoice.lock", "reimbursement_ref", LONG_TEXT),
    ("tax.invoice.reimburse", "invoice_number", ""),
    ("tax.invoice.reimburse", "reimbursement_ref", LONG_TEXT),
    ("tax.invoice.declare", "invoice_number", ""),
    ("tax.invoice.declare", "period", ""),
    ("tax.invoice.declare", "period", "2025-3"),
    ("tax.clearance.issue", "certificate_id", ""),
    ("tax.clearance.issue", "enterprise", BAD_USCC),
    ("tax.clearance.issue", "period_from", "2024-Q0"),
    ("tax.clearance.issue", "period_to", "24"),
    ("tax.clearance.issue", "period_from", "2025-Q1"),  # after period_to 2024-Q4
    ("tax.clearance.issue", "period_from", "2024"),  # a year against a quarter
    ("tax.clearance.issue", "period_to", "2024-12"),  # a month against a quarter
    ("tax.clearance.issue", "issued_on", "2025-13-10"),
    ("tax.clearance.issue", "valid_until", ""),
    ("tax.clearance.issue", "valid_until", "2025-01-09"),  # before issued_on
    ("tax.clearance.issue", "statement", ""),
    ("tax.clearance.issue", "statement", LONG_TEXT),
    ("tax.clearance.issue", "record_seed", b""),
    ("tax.clearance.revoke", "certificate_id", ""),
    ("tax.clearance.revoke", "reason", ""),
]


def _with(payload, field: str, value):
    changed = type(payload)()
    changed.CopyFrom(payload)
    setattr(changed, field, value)
    return changed


def _assert_never_executes(harness: AppHarness, raw: bytes, code: ErrorCode) -> None:
    """The mempool refuses ``raw`` with ``code``, and a block holding it is invalid."""
    before = harness.snapshot()
    assert_refused(harness.admit(raw), code)
    with pytest.raises(ConsortiumError) as raised:
        harness.run_block([raw])
    assert raised.value.code == ErrorCode.INVALID_BLOCK
    assert code.name in raised.value.message
    assert harness.snapshot() == before


def test_every_tax_type_has_bad_field_cases() -> None:
    assert {tx_type for tx_type, _, _ in BAD_FIELDS} == set(TAX_TX_TYPES)


@pytest.mark.parametrize(("tx_type", "field", "value"), BAD_FIELDS)
def test_a_bad_field_is_refused_and_changes_nothing(tx_type: str, field: str, value) -> None:
    harness = make_world()
    _, key, payload = get_valid_calls()[tx_type]
    bad = _with(payload, field, value)
    assert TAX_APPLICATION.rules[tx_type].check(payload) == ""
    assert TAX_APPLICATION.rules[tx_type].check(bad) != ""
    _assert_never_executes(
        harness, harness.make_tx(key, tx_type, bad), ErrorCode.INVALID_FIELD_VALUE
    )


@pytest.mark.parametrize("tx_type", TAX_TX_TYPES)
@pytest.mark.parametrize("garbage", [b"\xff", b"\x0a\xff\xff\xff\xff\x0f", b"\x08"])
def test_undecodable_payload_is_refused_and_changes_nothing(tx_type: str, garbage: bytes) -> None:
    harness = make_world()
    _, key, _ = get_valid_calls()[tx_type]
    _assert_never_executes(
        harness, harness.make_tx(key, tx_type, garbage), ErrorCode.MALFORMED_INPUT
    )


@pytest.mark.parametrize("tx_type", TAX_TX_TYPES)
def test_a_replayed_transaction_is_refused_and_changes_nothing(tx_type: str) -> None:
    harness = make_world()
    _, key, payload = get_valid_calls()[tx_type]
    raw = harness.make_tx(key, tx_type, payload)
    assert_ok(harness.run_block([raw])[0])
    _assert_never_executes(harness, raw, ErrorCode.STALE_NONCE)


@pytest.mark.parametrize("tx_type", TAX_TX_TYPES)
def test_an_old_nonce_is_refused_and_changes_nothing(tx_type: str) -> None:
    harness = make_world()
    _, key, payload = get_valid_calls()[tx_type]
    # World set-up used nonces 1.. of every sender: nonce 1 is spent for all of them.
    _assert_never_executes(
        harness, harness.make_tx(key, tx_type, payload, nonce=1), ErrorCode.STALE_NONCE
    )


@pytest.mark.parametrize("tx_type", TAX_TX_TYPES)
def test_a_transaction_for_another_chain_is_refused_and_changes_nothing(tx_type: str) -> None:
    harness = make_world()
    _, key, payload = get_valid_calls()[tx_type]
    raw = harness.make_tx(key, tx_type, payload, chain_id="industry-1")
    before = harness.snapshot()
    assert_refused(harness.admit(raw), ErrorCode.WRONG_CHAIN_ID)
    with pytest.raises(ConsortiumError) as raised:
        harness.run_block([raw])  # decoding for this chain refuses it before execution
    assert raised.value.code == ErrorCode.WRONG_CHAIN_ID
    assert harness.snapshot() == before


def test_a_nonce_too_far_ahead_waits_in_the_mempool_but_not_in_a_block() -> None:
    harness = make_world()
    _, key, payload = get_valid_calls()["tax.invoice.issue"]
    raw = harness.make_tx(
        key, TX_ISSUE_INVOICE, payload, nonce=get_account_nonce(harness.state, key.public_key) + 2
    )
    assert_ok(harness.admit(raw))  # the mempool holds it until the nonce before it arrives
    _assert_block_invalid(harness, raw, ErrorCode.NONCE_GAP)


def _assert_block_invalid(harness: AppHarness, raw: bytes, code: ErrorCode) -> None:
    before = harness.snapshot()
    with pytest.raises(ConsortiumError) as raised:
        harness.run_block([raw])
    assert raised.value.code == ErrorCode.INVALID_BLOCK
    assert code.name in raised.value.message
    assert harness.snapshot() == before


@pytest.mark.parametrize(
    ("amount", "rate", "expected"),
    [
        (100_000, 1300, 13_000),
        (1, 1300, 0),  # 0.13 fen rounds down
        (5, 1000, 1),  # 0.5 fen rounds half up
        (15, 1000, 2),  # 1.5 fen rounds half up
        (14, 1000, 1),  # 1.4 fen
        (99_999, 600, 6_000),  # 5999.94
        (10**15, 10_000, 10**15),
        (12_345, 0, 0),
    ],
)
def test_tax_amount_rounds_half_up(amount: int, rate: int, expected: int) -> None:
    assert compute_tax_amount(amount, rate) == expected
    payload = helpers.invoice(amount=amount, tax_rate_bp=rate, tax_amount=expected)
    assert TAX_APPLICATION.rules[TX_ISSUE_INVOICE].check(payload) == ""
    if expected > 0:
        assert TAX_APPLICATION.rules[TX_ISSUE_INVOICE].check(
            _with(payload, "tax_amount", expected - 1)
        )


def test_an_unknown_tax_type_is_refused() -> None:
    harness = make_world()
    raw = harness.make_tx(BUREAU_KEY, "tax.invoice.burn", b"")
    assert_refused(harness.admit(raw), ErrorCode.UNKNOWN_TX_TYPE)
