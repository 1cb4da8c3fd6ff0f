"""Hypothesis: any tampering is refused with a code, and garbage never crashes a verifier."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from chains.core.errors import ConsortiumError, ErrorCode, Verdict
from chains.core.merkle import (
    MerkleTree,
    verify_consistency,
    verify_inclusion,
    verify_leaf_inclusion,
)

from . import naive

MERKLE_CODES = {
    ErrorCode.MERKLE_INDEX_OUT_OF_RANGE,
    ErrorCode.MERKLE_PROOF_LENGTH,
    ErrorCode.MERKLE_HASH_LENGTH,
    ErrorCode.MERKLE_ROOT_MISMATCH,
    ErrorCode.MERKLE_TREE_SIZE,
}

leaf_lists = st.lists(st.binary(max_size=12), min_size=1, max_size=40)


@st.composite
def trees_with_a_leaf(draw: st.DrawFn) -> tuple[list[bytes], MerkleTree, int]:
    leaves = draw(leaf_lists)
    return leaves, MerkleTree.from_leaves(leaves), draw(st.integers(0, len(leaves) - 1))


@given(trees_with_a_leaf(), st.data())
def test_flipping_any_proof_byte_is_refused(case: tuple, data: st.DataObject) -> None:
    leaves, tree, index = case
    proof = list(tree.get_inclusion_proof(index).hashes)
    root = tree.get_root()
    assert verify_leaf_inclusion(leaves[index], index, tree.size, proof, root).ok
    if not proof:
        return
    i = data.draw(st.integers(0, len(proof) - 1))
    byte = data.draw(st.integers(0, 31))
    mask = data.draw(st.integers(1, 255))
    item = bytearray(proof[i])
    item[byte] ^= mask
    proof[i] = bytes(item)
    verdict = verify_leaf_inclusion(leaves[index], index, tree.size, proof, root)
    assert verdict.code == ErrorCode.MERKLE_ROOT_MISMATCH


def _shape(index: int, size: int) -> tuple[int, int]:
    """The proof length and the left/right pattern a verifier derives from (index, size)."""
    inner = (index ^ (size - 1)).bit_length()
    border = (index >> inner).bit_count()
    return inner + border, (index & ((1 << inner) - 1)) | (((1 << border) - 1) << inner)


@given(trees_with_a_leaf(), st.integers(-3, 80), st.integers(-3, 80))
def test_another_index_or_size_is_refused(case: tuple, index2: int, size2: int) -> None:
    leaves, tree, index = case
    proof = list(tree.get_inclusion_proof(index).hashes)
    root = tree.get_root()
    if index2 != index and leaves[index2 % len(leaves)] != leaves[index]:
        verdict = verify_leaf_inclusion(leaves[index], index2, tree.size, proof, root)
        assert verdict.code in MERKLE_CODES
    # A proof binds the size only through its shape: e.g. leaf 0 climbs the same
    # way in trees of 5 to 8 leaves. That is why the size must come from the
    # trusted header; any size that changes the shape is refused.
    if size2 != tree.size and not (
        0 <= index < size2 and _shape(index, size2) == _shape(index, tree.size)
    ):
        verdict = verify_leaf_inclusion(leaves[index], index, size2, proof, root)
        assert verdict.code in MERKLE_CODES


@given(trees_with_a_leaf(), st.binary(max_size=12))
def test_another_leaf_is_refused(case: tuple, other: bytes) -> None:
    leaves, tree, index = case
    if other == leaves[index]:
        return
    proof = list(tree.get_inclusion_proof(index).hashes)
    verdict = verify_leaf_inclusion(other, index, tree.size, proof, tree.get_root())
    assert verdict.code == ErrorCode.MERKLE_ROOT_MISMATCH


@given(leaf_lists, st.data())
def test_consistency_tampering_is_refused(leaves: list[bytes], data: st.DataObject) -> None:
    tree = MerkleTree.from_leaves(leaves)
    size1 = data.draw(st.integers(1, tree.size))
    proof = list(tree.get_consistency_proof(size1).hashes)
    assert list(proof) == naive.proof(size1, leaves)
    root1, root2 = tree.get_root(size1), tree.get_root()
    assert verify_consistency(size1, tree.size, root1, root2, proof).ok
    if not proof:
        return
    i = data.draw(st.integers(0, len(proof) - 1))
    item = bytearray(proof[i])
    item[data.draw(st.integers(0, 31))] ^= data.draw(st.integers(1, 255))
    proof[i] = bytes(item)
    verdict = verify_consistency(size1, tree.size, root1, root2, proof)
    assert verdict.code == ErrorCode.MERKLE_ROOT_MISMATCH


def _call(verify: object, *args: object) -> None:
    """Run a verifier; anything but a Verdict or a ConsortiumError fails the test."""
    try:
        result = verify(*args)  # type: ignore[operator]
    except ConsortiumError:
        return
    assert isinstance(result, Verdict)
    if not result.ok:
        assert result.code != ErrorCode.ERROR_CODE_UNSPECIFIED


anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True),
    st.text(max_size=40),
    st.binary(max_size=40),
    st.binary(min_size=32, max_size=32),
    st.lists(st.binary(min_size=30, max_size=33), max_size=8),
    st.lists(st.one_of(st.none(), st.integers(), st.text(max_size=4)), max_size=4),
)
hashes = st.one_of(st.binary(min_size=32, max_size=32), anything)
proofs = st.one_of(st.lists(st.binary(min_size=32, max_size=32), max_size=70), anything)
counts = st.one_of(st.integers(-5, 100), st.integers(-(2**66), 2**66), anything)


@settings(max_examples=300)
@given(hashes, counts, counts, proofs, hashes)
def test_garbage_never_crashes_inclusion(
    leaf: object, index: object, size: object, proof: object, root: object
) -> None:
    _call(verify_inclusion, leaf, index, size, proof, root)
    _call(verify_leaf_inclusion, leaf, index, size, proof, root)


@settings(max_examples=300)
@given(counts, counts, hashes, hashes, proofs)
def test_garbage_never_crashes_consistency(
    size1: object, size2: object, root1: object, root2: object, proof: object
) -> None:
    _call(verify_consistency, size1, size2, root1, root2, proof)
