"""State proofs: verification verdicts, canonical encoding, and tampering."""

from __future__ import annotations

import dataclasses
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chains.core.errors import ConsortiumError, ErrorCode
from chains.core.state_tree import (
    PLACEHOLDER_HASH,
    ProofLeaf,
    StateProof,
    StateTree,
    decode_state_proof,
    encode_state_proof,
    verify_state_proof,
)

MALFORMED = ErrorCode.STATE_PROOF_MALFORMED
STATE_CODES = {
    MALFORMED,
    ErrorCode.STATE_ROOT_MISMATCH,
    ErrorCode.STATE_KEY_PRESENT,
    ErrorCode.STATE_KEY_ABSENT,
    ErrorCode.STATE_VALUE_MISMATCH,
}


@pytest.fixture(scope="module")
def tree() -> StateTree:
    """Version 1: 200 keys; version 2: some updated, some deleted."""
    tree = StateTree()
    tree.apply_updates(1, {f"k{i}".encode(): f"v{i}".encode() for i in range(200)})
    tree.apply_updates(2, {b"k0": b"new", b"k1": None, b"k2": None})
    return tree


AbsentCase = tuple[bytes, StateProof]


def get_absent_proofs(tree: StateTree) -> tuple[AbsentCase, AbsentCase]:
    """(key, proof) of an absence that ends in an empty subtree, and of one ending in a leaf."""
    empty = leaf = None
    for i in range(1000):
        key = f"absent{i}".encode()
        proof = tree.prove(key, 2)
        if proof.leaf is None:
            empty = empty or (key, proof)
        else:
            leaf = leaf or (key, proof)
    assert empty and leaf
    return empty, leaf


def test_membership_and_both_kinds_of_non_membership_verify(tree: StateTree) -> None:
    root = tree.get_root(2)
    assert verify_state_proof(root, b"k0", b"new", tree.prove(b"k0", 2)).ok
    assert verify_state_proof(root, b"k5", b"v5", tree.prove(b"k5", 2)).ok
    assert verify_state_proof(root, b"k1", None, tree.prove(b"k1", 2)).ok
    for key, proof in get_absent_proofs(tree):
        assert verify_state_proof(root, key, None, proof).ok


def test_placeholder_siblings_cost_a_bit_not_32_bytes(tree: StateTree) -> None:
    proof = tree.prove(b"k7", 2)
    encoded = encode_state_proof(proof)
    assert len(encoded) == 1 + 32 + 64 + 2 + (proof.depth + 7) // 8 + 32 * len(proof.siblings)
    assert PLACEHOLDER_HASH not in proof.siblings


def test_absence_claim_for_a_present_key_is_refused(tree: StateTree) -> None:
    verdict = verify_state_proof(tree.get_root(2), b"k5", None, tree.prove(b"k5", 2))
    assert verdict.code == ErrorCode.STATE_KEY_PRESENT


def test_presence_claim_for_an_absent_key_is_refused(tree: StateTree) -> None:
    root = tree.get_root(2)
    assert verify_state_proof(root, b"k1", b"v1", tree.prove(b"k1", 2)).code == (
        ErrorCode.STATE_KEY_ABSENT
    )
    for i in range(50):
        key = f"absent{i}".encode()
        verdict = verify_state_proof(root, key, b"x", tree.prove(key, 2))
        assert verdict.code == ErrorCode.STATE_KEY_ABSENT


def test_wrong_value_is_refused(tree: StateTree) -> None:
    verdict = verify_state_proof(tree.get_root(2), b"k0", b"v0", tree.prove(b"k0", 2))
    assert verdict.code == ErrorCode.STATE_VALUE_MISMATCH


def test_a_proof_against_another_versions_root_is_refused(tree: StateTree) -> None:
    for key, value in ((b"k5", b"v5"), (b"k0", b"new")):
        verdict = verify_state_proof(tree.get_root(1), key, value, tree.prove(key, 2))
        assert verdict.code == ErrorCode.STATE_ROOT_MISMATCH
    # An old membership proof does not prove the key still there.
    verdict = verify_state_proof(tree.get_root(2), b"k1", b"v1", tree.prove(b"k1", 1))
    assert verdict.code == ErrorCode.STATE_ROOT_MISMATCH


def test_a_proof_for_another_key_is_refused(tree: StateTree) -> None:
    verdict = verify_state_proof(tree.get_root(2), b"k6", b"v5", tree.prove(b"k5", 2))
    assert verdict.code == MALFORMED


def malformed_variants(proof: StateProof) -> list[StateProof]:
    """Proofs with impossible shapes derived from a valid membership ``proof``."""
    r = dataclasses.replace
    depth, bitmap, siblings = proof.depth, proof.sibling_bitmap, proof.siblings
    assert proof.leaf is not None and siblings and depth % 8
    return [
        r(proof, key_hash=proof.key_hash[:31]),
        r(proof, leaf=ProofLeaf(proof.leaf.key_hash, proof.leaf.value_hash + b"\x00")),
        r(proof, leaf=(proof.leaf.key_hash, proof.leaf.value_hash)),  # type: ignore[arg-type]
        r(proof, depth=257, sibling_bitmap=b"\xff" * 33),
        r(proof, depth=-1),
        r(proof, depth=True),  # type: ignore[arg-type]
        r(proof, depth=str(depth)),  # type: ignore[arg-type]
        r(proof, siblings=(*siblings, siblings[0])),  # too many siblings
        r(proof, siblings=siblings[:-1]),  # too few
        r(proof, siblings=list(siblings)),  # type: ignore[arg-type]
        r(proof, siblings=(siblings[0][:31], *siblings[1:])),
        r(proof, sibling_bitmap=bitmap + b"\x00"),
        r(proof, sibling_bitmap=bitmap[:-1] + bytes([bitmap[-1] | 1])),  # padding bit set
        r(proof, sibling_bitmap=bytearray(bitmap)),  # type: ignore[arg-type]
        # An empty sibling spelled out instead of a zero bit:
        r(
            proof,
            depth=depth + 1,
            sibling_bitmap=_with_bit(bitmap, depth, depth + 1),
            siblings=(*siblings, PLACEHOLDER_HASH),
        ),
        # The deepest sibling empty: a one-leaf subtree is never split.
        r(proof, depth=depth + 1, sibling_bitmap=_with_bit(bitmap, None, depth + 1)),
        "not a proof",  # type: ignore[list-item]
    ]


def _with_bit(bitmap: bytes, bit: int | None, depth: int) -> bytes:
    out = bytearray(bitmap) + bytes((depth + 7) // 8 - len(bitmap))
    if bit is not None:
        out[bit // 8] |= 0x80 >> (bit % 8)
    return bytes(out)


def test_impossible_shapes_are_refused_as_malformed(tree: StateTree) -> None:
    root = tree.get_root(2)
    key = next(f"k{i}".encode() for i in range(3, 200) if tree.prove(f"k{i}".encode(), 2).depth % 8)
    proof = tree.prove(key, 2)
    value = tree.get(key, 2)
    for bad in malformed_variants(proof):
        assert verify_state_proof(root, key, value, bad).code == MALFORMED, bad
        assert verify_state_proof(root, key, None, bad).code == MALFORMED, bad


def test_a_leaf_off_the_keys_path_is_refused(tree: StateTree) -> None:
    _, (key, proof) = get_absent_proofs(tree)
    assert proof.leaf is not None and proof.depth > 0
    off_path = next(
        leaf
        for leaf in (tree.prove(f"k{i}".encode(), 2).leaf for i in range(3, 200))
        if leaf is not None and leaf.key_hash[0] >> 7 != proof.key_hash[0] >> 7
    )
    moved = dataclasses.replace(proof, leaf=off_path)
    assert verify_state_proof(tree.get_root(2), key, None, moved).code == MALFORMED


@pytest.mark.parametrize(
    ("root", "key", "value"),
    [(b"\x00" * 31, b"k5", b"v5"), ("r" * 32, b"k5", b"v5"), (None, b"k5", b"v5")]
    + [(b"\x00" * 32, "k5", b"v5"), (b"\x00" * 32, b"k5", "v5"), (b"\x00" * 32, None, None)],
)
def test_bad_arguments_are_refused_not_crashed(
    tree: StateTree, root: object, key: object, value: object
) -> None:
    verdict = verify_state_proof(root, key, value, tree.prove(b"k5", 2))  # type: ignore[arg-type]
    assert verdict.code == MALFORMED


def test_encoding_round_trips(tree: StateTree) -> None:
    for key in [b"k0", b"k1", b"k50", *(f"absent{i}".encode() for i in range(30))]:
        proof = tree.prove(key, 2)
        encoded = encode_state_proof(proof)
        assert decode_state_proof(encoded) == proof
        assert encode_state_proof(decode_state_proof(encoded)) == encoded


def test_empty_tree_proof_round_trips_and_verifies() -> None:
    tree = StateTree()
    tree.apply_updates(0, {})
    proof = tree.prove(b"anything", 0)
    assert proof.depth == 0 and proof.leaf is None
    assert decode_state_proof(encode_state_proof(proof)) == proof
    assert verify_state_proof(PLACEHOLDER_HASH, b"anything", None, proof).ok
    assert verify_state_proof(PLACEHOLDER_HASH, b"anything", b"x", proof).code == (
        ErrorCode.STATE_KEY_ABSENT
    )


def check_tampered(root: bytes, key: bytes, value: bytes | None, tampered: bytes) -> None:
    """A changed encoding is refused: by the decoder, or by the verifier, with a state code."""
    try:
        proof = decode_state_proof(tampered)
    except ConsortiumError as error:
        assert error.code == MALFORMED
        return
    verdict = verify_state_proof(root, key, value, proof)
    assert not verdict.ok and verdict.code in STATE_CODES


def test_tampering_with_any_byte_or_bit_of_a_proof_is_rejected(tree: StateTree) -> None:
    root = tree.get_root(2)
    rng = random.Random(3)
    cases = [(b"k5", b"v5", tree.prove(b"k5", 2)), (b"k0", b"new", tree.prove(b"k0", 2))]
    cases += [(key, None, proof) for key, proof in get_absent_proofs(tree)]
    for key, value, proof in cases:
        encoded = encode_state_proof(proof)
        assert verify_state_proof(root, key, value, decode_state_proof(encoded)).ok
        for i in range(len(encoded)):
            for flip in (0x01, 0x80, rng.randrange(1, 256)):
                tampered = bytearray(encoded)
                tampered[i] ^= flip
                check_tampered(root, key, value, bytes(tampered))
        for cut in range(len(encoded)):
            check_tampered(root, key, value, encoded[:cut])
        for extra in (b"\x00", b"\x00" * 32, b"\xff" * 33):
            check_tampered(root, key, value, encoded + extra)


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=400))
def test_decoding_random_bytes_raises_only_a_malformed_error(data: bytes) -> None:
    try:
        proof = decode_state_proof(data)
    except ConsortiumError as error:
        assert error.code == MALFORMED
        return
    assert encode_state_proof(proof) == data


@settings(max_examples=300, deadline=None)
@given(
    kind=st.sampled_from([0, 1]),
    depth=st.integers(0, 256),
    bits=st.integers(0, (1 << 256) - 1),
    tail=st.binary(max_size=8),
    data=st.data(),
)
def test_decoding_near_valid_bytes_raises_only_a_malformed_error(
    kind: int, depth: int, bits: int, tail: bytes, data: st.DataObject
) -> None:
    bitmap_len = (depth + 7) // 8
    bitmap = (bits >> (256 - bitmap_len * 8)).to_bytes(bitmap_len, "big") if bitmap_len else b""
    count = int.from_bytes(bitmap, "big").bit_count()
    body = data.draw(st.binary(min_size=32 * count, max_size=32 * count))
    head = bytes([kind]) + data.draw(st.binary(min_size=32 + 64 * kind, max_size=32 + 64 * kind))
    encoded = head + depth.to_bytes(2, "big") + bitmap + body + tail
    try:
        proof = decode_state_proof(encoded)
    except ConsortiumError as error:
        assert error.code == MALFORMED
        return
    verdict = verify_state_proof(b"\x00" * 32, b"key", None, proof)
    assert verdict.code in STATE_CODES


def test_decoding_a_non_bytes_value_is_malformed() -> None:
    for bad in (None, "x" * 40, bytearray(40), 7):
        with pytest.raises(ConsortiumError) as caught:
            decode_state_proof(bad)  # type: ignore[arg-type]
        assert caught.value.code == MALFORMED
