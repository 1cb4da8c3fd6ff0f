"""A transfer under one consent: everything proven, nothing taken on the relay's word."""

from __future__ import annotations

import dataclasses

import pytest

from chains.apps.disclosure import make_disclosed_record
from chains.apps.records import create_record, get_record_key
from chains.core.app import StateOverlay
from chains.core.errors import ErrorCode
from chains.core.records import commit_record
from chains.core.state_tree import ProofLeaf, StateProof, StateTree
from chains.core.state_tree.hashing import compute_leaf_hash
from chains.core.state_tree.proof import get_bitmap_len
from chains.core.types import ChainId, Hash32, Version
from chains.core.wire import state_proof_from_proto, state_proof_to_proto
from consortium.v1 import relay_pb2
from relay.consent import make_signed_consent
from relay.light_client import create_client
from relay.transfer import verify_transfer
from tests.app_helpers import DictState

from .support import START_MS, certify, make_header
from .test_consent import BANK, ENTERPRISE, FINANCE, OWNER, REGISTRY, identity, make_consent

TAX, INDUSTRY = ChainId("tax-1"), ChainId("industry-1")
NOW = START_MS + 200_000
FILING_ID = f"{ENTERPRISE}:2025-Q1:vat"
FILING = {"tax_due": 125_000, "paid": True, "period": "2025-Q1", "enterprise": ENTERPRISE}
PRODUCTION_ID = f"{ENTERPRISE}:r-2025-q1"
NEIGHBOUR = "91440300MA5NEIGHB9"
NEIGHBOUR_FILING_ID = f"{NEIGHBOUR}:2025-Q1:vat"
PRODUCTION = {"output_value": 3_600_000, "product": "chairs", "enterprise": ENTERPRISE}


def build_chain(records: list[tuple[str, str, dict, bytes]], extra: dict | None = None):
    """A source chain's state with these records (and ``extra`` keys): its tree and seeds."""
    overlay = StateOverlay(DictState())
    for kind, record_id, fields, seed in records:
        create_record(overlay, kind, record_id, fields, seed, height=1)
    tree = StateTree()
    root = tree.apply_updates(Version(1), {**overlay.get_writes(), **(extra or {})})
    return tree, root


TAX_TREE, TAX_ROOT = build_chain(
    [
        ("filing", FILING_ID, FILING, b"f" * 32),
        ("filing", f"{ENTERPRISE}:2025-Q2:vat", FILING, b"g" * 32),
        ("inv", "oice/1", {"x": 1}, b"i" * 32),
        ("filing", NEIGHBOUR_FILING_ID, {**FILING, "enterprise": NEIGHBOUR}, b"n" * 32),
    ],
    REGISTRY,
)
INDUSTRY_TREE, INDUSTRY_ROOT = build_chain([("production", PRODUCTION_ID, PRODUCTION, b"p" * 32)])
CLIENTS = {
    TAX: create_client(TAX, certify(make_header(10, state_root=TAX_ROOT)), 3_600_000, 10_000),
    INDUSTRY: create_client(
        INDUSTRY,
        certify(make_header(20, chain_id=INDUSTRY, state_root=INDUSTRY_ROOT)),
        3_600_000,
        10_000,
    ),
}
SEEDS = {
    NEIGHBOUR_FILING_ID: b"n" * 32,
    FILING_ID: b"f" * 32,
    PRODUCTION_ID: b"p" * 32,
    f"{ENTERPRISE}:2025-Q2:vat": b"g" * 32,
}


def disclose(chain, height, tree, kind, record_id, fields, names) -> relay_pb2.DisclosedRecord:
    """What an honest source node hands the relay for these fields of the record."""
    head, proof = tree.get_with_proof(get_record_key(kind, record_id), Version(1))
    committed = commit_record(fields, SEEDS.get(record_id, b"i" * 32))
    return make_disclosed_record(chain, height, kind, record_id, head, proof, committed, names)


def filing(names=("paid", "tax_due", "enterprise")):
    return disclose(TAX, 10, TAX_TREE, "filing", FILING_ID, FILING, names)


def other_filing():
    """The enterprise's Q2 filing, which the consent does not name."""
    return disclose(TAX, 10, TAX_TREE, "filing", f"{ENTERPRISE}:2025-Q2:vat", FILING, ["paid"])


def production(names=("output_value", "enterprise")):
    return disclose(INDUSTRY, 20, INDUSTRY_TREE, "production", PRODUCTION_ID, PRODUCTION, names)


def make_transfer(*records, consent=None) -> relay_pb2.Transfer:
    return relay_pb2.Transfer(
        signed_consent=make_signed_consent(OWNER, consent or make_consent()),
        identity=identity(OWNER.public_key, tree=TAX_TREE),
        records=list(records) or [filing(), production()],
    )


def check(transfer: relay_pb2.Transfer, clients=CLIENTS):
    return verify_transfer(transfer, clients, TAX, BANK, FINANCE, NOW)


def assert_refused(transfer: relay_pb2.Transfer, code: ErrorCode, clients=CLIENTS) -> None:
    outcome = check(transfer, clients)
    assert outcome.verdict.code == code, outcome.verdict
    assert outcome.data_set is None


def test_an_honest_transfer_yields_the_verified_data_set() -> None:
    outcome = check(make_transfer())
    assert outcome.verdict.ok, outcome.verdict
    data = outcome.data_set
    assert (data.consent_id, data.enterprise, data.bank, data.application_id) == (
        "consent-1",
        ENTERPRISE,
        BANK,
        "loan-1",
    )
    first, second = data.records
    assert (first.chain_id, first.height, first.kind, first.record_id) == (
        TAX,
        10,
        "filing",
        FILING_ID,
    )
    assert dict(first.fields) == {"paid": True, "tax_due": 125_000, "enterprise": ENTERPRISE}
    assert first.commitment == commit_record(FILING, SEEDS[FILING_ID]).commitment
    assert dict(second.fields) == {"output_value": 3_600_000, "enterprise": ENTERPRISE}
    assert second.chain_id == INDUSTRY and second.height == 20


# A relay that alters what it carries.


def test_a_relay_that_alters_one_disclosed_value_is_caught() -> None:
    record = filing()
    record.disclosure.fields[0].value = b"\x04\x00\x00\x00\x01\x00"  # paid: False
    assert_refused(make_transfer(record), ErrorCode.RECORD_COMMITMENT_MISMATCH)


def test_fields_beyond_the_consent_are_refused() -> None:
    assert_refused(
        make_transfer(filing(("paid", "period", "tax_due"))), ErrorCode.CONSENT_SCOPE_EXCEEDED
    )
    other = other_filing()
    assert_refused(make_transfer(other), ErrorCode.CONSENT_SCOPE_EXCEEDED)


def test_only_the_enterprises_own_records_with_their_owner_field_pass() -> None:
    # Another enterprise's filing, even when the consent names it.
    consent = make_consent()
    consent.scopes[0].records.add(
        kind="filing", id=NEIGHBOUR_FILING_ID, fields=["tax_due", "enterprise"]
    )
    neighbour = disclose(
        TAX,
        10,
        TAX_TREE,
        "filing",
        NEIGHBOUR_FILING_ID,
        {**FILING, "enterprise": NEIGHBOUR},
        ["tax_due", "enterprise"],
    )
    assert_refused(make_transfer(neighbour, consent=consent), ErrorCode.NOT_RECORD_OWNER)
    # The enterprise's own filing without its owner field.
    assert_refused(make_transfer(filing(("paid", "tax_due"))), ErrorCode.NOT_RECORD_OWNER)
    # A kind no consent discloses.
    record = disclose(TAX, 10, TAX_TREE, "inv", "oice/1", {"x": 1}, ["x"])
    consent = make_consent()
    consent.scopes[0].records.add(kind="inv", id="oice/1", fields=["x"])
    assert_refused(make_transfer(record, consent=consent), ErrorCode.NOT_RECORD_OWNER)


def test_a_disclosure_of_another_record_is_refused() -> None:
    record = filing()
    other = other_filing()
    record.disclosure.CopyFrom(other.disclosure)
    assert_refused(make_transfer(record), ErrorCode.RECORD_COMMITMENT_MISMATCH)


def test_a_head_naming_another_record_under_the_same_key_is_refused() -> None:
    # rec/inv/oice/1 is also the key of kind "inv/oice", id "1".
    record = disclose(TAX, 10, TAX_TREE, "inv", "oice/1", {"x": 1}, ["x"])
    record.kind, record.id = "inv/oice", "1"
    consent = make_consent()
    consent.scopes[0].records.add(kind="inv/oice", id="1", fields=["x"])
    assert_refused(make_transfer(record, consent=consent), ErrorCode.RECORD_MALFORMED)


# Proofs that do not prove.


def test_a_head_proof_against_a_zero_or_foreign_root_is_refused() -> None:
    zero_root = {
        **CLIENTS,
        TAX: create_client(
            TAX, certify(make_header(10, state_root=b"\x00" * 32)), 3_600_000, 10_000
        ),
    }
    assert_refused(make_transfer(filing()), ErrorCode.STATE_ROOT_MISMATCH, clients=zero_root)
    foreign, _ = build_chain([("filing", FILING_ID, FILING, b"f" * 32)], REGISTRY)
    record = disclose(TAX, 10, foreign, "filing", FILING_ID, FILING, ["paid"])
    assert_refused(make_transfer(record), ErrorCode.STATE_ROOT_MISMATCH)


def test_a_head_proof_for_another_key_or_value_is_refused() -> None:
    record = filing()
    other = other_filing()
    record.head_proof.CopyFrom(other.head_proof)
    assert_refused(make_transfer(record), ErrorCode.STATE_PROOF_MALFORMED)
    record = filing()
    record.head = record.head + b"\x00"
    assert_refused(make_transfer(record), ErrorCode.STATE_VALUE_MISMATCH)


@pytest.mark.parametrize("change", ["truncated", "extended"])
def test_a_truncated_or_extended_head_proof_is_refused(change: str) -> None:
    record = filing()
    if change == "truncated":
        del record.head_proof.siblings[-1]
    else:
        record.head_proof.siblings.append(b"\x11" * 32)
    assert_refused(make_transfer(record), ErrorCode.STATE_PROOF_MALFORMED)


def test_an_inner_node_passed_off_as_a_leaf_is_refused() -> None:
    # Leaf/node confusion: a well-shaped proof that ends one level early, at the inner
    # node above the head's leaf, presenting that node's two children as a "leaf" (key
    # hash, value hash). Leaves and nodes hash under different tags, so it cannot fit.
    record = filing()
    proof = state_proof_from_proto(record.head_proof)
    leaf_hash = compute_leaf_hash(proof.leaf.key_hash, proof.leaf.value_hash)
    deepest = proof.siblings[-1]
    depth = proof.depth - 1
    side = int.from_bytes(proof.key_hash, "big") >> (255 - depth) & 1
    children = (deepest, leaf_hash) if side else (leaf_hash, deepest)
    bits = int.from_bytes(proof.sibling_bitmap, "big") >> (len(proof.sibling_bitmap) * 8 - depth)
    bitmap_len = get_bitmap_len(depth)
    forged = StateProof(
        proof.key_hash,
        ProofLeaf(Hash32(children[0]), Hash32(children[1])),
        depth,
        (bits << (bitmap_len * 8 - depth)).to_bytes(bitmap_len, "big"),
        proof.siblings[:-1],
    )
    record.head_proof.CopyFrom(state_proof_to_proto(forged))
    assert_refused(make_transfer(record), ErrorCode.STATE_PROOF_MALFORMED)


def test_a_record_at_a_height_or_chain_the_client_does_not_trust_is_refused() -> None:
    record = filing()
    record.height = 11
    assert_refused(make_transfer(record), ErrorCode.CONSENSUS_STATE_NOT_FOUND)
    record = filing()
    record.chain_id = "customs-1"
    assert_refused(make_transfer(record), ErrorCode.CLIENT_NOT_FOUND)
    no_tax = {INDUSTRY: CLIENTS[INDUSTRY]}
    assert_refused(make_transfer(production()), ErrorCode.CLIENT_NOT_FOUND, clients=no_tax)


# The consent and the shape of the transfer.


def test_the_consent_is_checked_before_any_record() -> None:
    assert_refused(
        make_transfer(consent=make_consent(bank="bank-ccb-sz")), ErrorCode.CONSENT_WRONG_BANK
    )
    transfer = make_transfer()
    transfer.identity.CopyFrom(identity(OWNER.public_key, height=11))
    assert_refused(transfer, ErrorCode.CONSENSUS_STATE_NOT_FOUND)


def test_a_transfer_carries_each_record_once_and_at_least_one() -> None:
    assert_refused(make_transfer(filing(), filing()), ErrorCode.MALFORMED_INPUT)
    empty = make_transfer()
    del empty.records[:]
    assert_refused(empty, ErrorCode.MALFORMED_INPUT)
    garbage = make_transfer()
    garbage.signed_consent = b"\xff\xff"
    assert_refused(garbage, ErrorCode.MALFORMED_INPUT)


def test_a_refused_transfer_names_the_record_that_failed() -> None:
    record = production()
    record.disclosure.fields[0].salt = b"\x00" * 32
    outcome = check(make_transfer(filing(), record))
    assert outcome.verdict.code == ErrorCode.RECORD_COMMITMENT_MISMATCH
    assert PRODUCTION_ID in outcome.verdict.message and "industry-1" in outcome.verdict.message
    assert dataclasses.is_dataclass(outcome) and outcome.consent is not None


def test_a_disclosure_claiming_another_commitment_or_field_count_is_refused() -> None:
    # Its fields still prove against the head; what it says about itself must agree too.
    record = filing()
    record.disclosure.commitment = b"\x01" * 32
    assert_refused(make_transfer(record), ErrorCode.RECORD_COMMITMENT_MISMATCH)
