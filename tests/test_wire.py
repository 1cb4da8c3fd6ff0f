"""Proofs survive the trip through protobuf bytes, and garbage never crashes a decoder."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chains.core.errors import ConsortiumError, ErrorCode
from chains.core.merkle import MerkleTree, compute_leaf_hash, verify_inclusion
from chains.core.records import (
    commit_record,
    decode_field_value,
    disclose_fields,
    encode_field_value,
    verify_disclosure,
)
from chains.core.state_tree import StateTree, verify_state_proof
from chains.core.wire import (
    decode_disclosure,
    decode_inclusion_proof,
    decode_state_proof_message,
    disclosure_to_proto,
    inclusion_proof_to_proto,
    state_proof_to_proto,
)

INVOICE = {
    "number": "44031900-00000042",
    "seller": "91440300MA5EXAMPLE",
    "buyer": "91440300MA5BUYER01",
    "amount_fen": 1_234_500,
    "tax_fen": 160_485,
    "red_letter": False,
}
SEED = b"record seed for the wire tests.."


def test_inclusion_proof_round_trips_and_verifies() -> None:
    leaves = [f"tx-{i}".encode() for i in range(11)]
    tree = MerkleTree.from_leaves(leaves)
    proof = tree.get_inclusion_proof(6)
    again = decode_inclusion_proof(inclusion_proof_to_proto(proof).SerializeToString())
    assert again == proof
    verdict = verify_inclusion(
        compute_leaf_hash(leaves[6]),
        again.leaf_index,
        again.tree_size,
        again.hashes,
        tree.get_root(),
    )
    assert verdict.ok


@pytest.mark.parametrize("present", [True, False])
def test_state_proof_round_trips_and_verifies(present: bool) -> None:
    tree = StateTree()
    root = tree.apply_updates(1, {f"invoice/{i}".encode(): f"v{i}".encode() for i in range(50)})
    key = b"invoice/7" if present else b"invoice/unknown"
    value, proof = tree.get_with_proof(key, 1)
    again = decode_state_proof_message(state_proof_to_proto(proof).SerializeToString())
    assert again == proof
    assert (value is not None) == present
    assert verify_state_proof(root, key, value, again).ok


def test_disclosure_round_trips_and_verifies() -> None:
    committed = commit_record(INVOICE, SEED)
    disclosure = disclose_fields(committed, ["buyer", "amount_fen"])
    data = disclosure_to_proto(committed.commitment, disclosure).SerializeToString()
    commitment, again = decode_disclosure(data)
    assert commitment == committed.commitment
    assert again == disclosure
    assert verify_disclosure(commitment, again).ok


def test_disclosure_with_a_proof_for_another_tree_size_is_refused() -> None:
    committed = commit_record(INVOICE, SEED)
    message = disclosure_to_proto(committed.commitment, disclose_fields(committed, ["buyer"]))
    message.fields[0].proof.tree_size += 1
    with pytest.raises(ConsortiumError) as caught:
        decode_disclosure(message.SerializeToString())
    assert caught.value.code is ErrorCode.RECORD_MALFORMED


@pytest.mark.parametrize("value", ["", "发票", 0, -1, 128, 2**80, True, False, b"", b"\x00\xff"])
def test_field_values_decode_back_to_themselves(value: object) -> None:
    decoded = decode_field_value(encode_field_value(value))  # type: ignore[arg-type]
    assert decoded == value and type(decoded) is type(value)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x03\x00\x00\x00\x02\x00\x01",  # 1 spelled with a needless leading zero
        b"\x04\x00\x00\x00\x01\x02",  # a bool that is neither 0 nor 1
        b"\x02\x00\x00\x00\x01\xff",  # not UTF-8
        b"\x01\x00\x00\x00\x05abc",  # length disagrees
        b"\x09\x00\x00\x00\x00",  # unknown tag
    ],
)
def test_non_canonical_values_are_refused(data: bytes) -> None:
    with pytest.raises(ConsortiumError) as caught:
        decode_field_value(data)
    assert caught.value.code is ErrorCode.RECORD_MALFORMED


@given(st.binary(max_size=400))
def test_garbage_never_raises_anything_but_the_typed_error(data: bytes) -> None:
    for decode in (decode_inclusion_proof, decode_state_proof_message, decode_disclosure):
        with contextlib.suppress(ConsortiumError):
            decode(data)
