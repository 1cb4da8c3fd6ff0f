"""The optimised tree agrees with the naive RFC 6962 tree on every size, index and size pair."""

from __future__ import annotations

import pytest

from chains.core.errors import ErrorCode
from chains.core.merkle import (
    MerkleTree,
    compute_consistency_proof_length,
    compute_inclusion_proof_length,
    compute_leaf_hash,
    compute_root,
    compute_root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
    verify_leaf_inclusion,
)

from . import naive

MAX_SIZE = 70
LEAVES = [b"leaf %d" % i + bytes(i % 5) for i in range(MAX_SIZE)]


@pytest.fixture(scope="module")
def tree() -> MerkleTree:
    return MerkleTree.from_leaves(LEAVES)


@pytest.fixture(scope="module")
def roots() -> list[bytes]:
    return [naive.mth(LEAVES[:n]) for n in range(MAX_SIZE + 1)]


def test_roots_at_every_size(tree: MerkleTree, roots: list[bytes]) -> None:
    growing = MerkleTree()
    for n in range(MAX_SIZE + 1):
        assert tree.get_root(n) == roots[n], n
        assert growing.get_root() == roots[n], n
        assert compute_root(LEAVES[:n]) == roots[n], n
        leaf_hashes = [compute_leaf_hash(leaf) for leaf in LEAVES[:n]]
        assert compute_root_from_leaf_hashes(leaf_hashes) == roots[n], n
        assert MerkleTree(leaf_hashes).get_root() == roots[n], n
        if n < MAX_SIZE:
            assert growing.append_leaf(LEAVES[n]) == n


@pytest.mark.parametrize("size", range(1, MAX_SIZE + 1))
def test_inclusion_proofs_at_every_index(tree: MerkleTree, roots: list[bytes], size: int) -> None:
    for index in range(size):
        want = naive.path(index, LEAVES[:size])
        got = tree.get_inclusion_proof(index, size)
        assert (got.leaf_index, got.tree_size) == (index, size)
        assert list(got.hashes) == want, (index, size)
        assert compute_inclusion_proof_length(index, size) == len(want)
        assert verify_leaf_inclusion(LEAVES[index], index, size, want, roots[size]).ok
        leaf_hash = tree.get_leaf_hash(index)
        assert verify_inclusion(leaf_hash, index, size, want, roots[size]).ok


@pytest.mark.parametrize("size2", range(0, MAX_SIZE + 1))
def test_consistency_proofs_for_every_pair(
    tree: MerkleTree, roots: list[bytes], size2: int
) -> None:
    for size1 in range(size2 + 1):
        want = naive.proof(size1, LEAVES[:size2])
        got = tree.get_consistency_proof(size1, size2)
        assert (got.size1, got.size2) == (size1, size2)
        assert list(got.hashes) == want, (size1, size2)
        assert compute_consistency_proof_length(size1, size2) == len(want)
        assert verify_consistency(size1, size2, roots[size1], roots[size2], want).ok


@pytest.mark.parametrize("size", range(1, 20))
def test_an_inclusion_proof_proves_only_its_own_place(roots: list[bytes], size: int) -> None:
    """A path proves one leaf at one index in one tree: never another combination."""
    for index in range(size):
        path = naive.path(index, LEAVES[:size])
        for other_index in range(size):
            for other_leaf in (index, other_index):
                if (other_index, other_leaf) == (index, index):
                    continue
                verdict = verify_leaf_inclusion(
                    LEAVES[other_leaf], other_index, size, path, roots[size]
                )
                assert verdict.code in {
                    ErrorCode.MERKLE_PROOF_LENGTH,
                    ErrorCode.MERKLE_ROOT_MISMATCH,
                }, (index, other_index, other_leaf)
        for other_size in range(index + 1, MAX_SIZE + 1):
            if other_size != size:
                verdict = verify_leaf_inclusion(
                    LEAVES[index], index, other_size, path, roots[other_size]
                )
                assert not verdict.ok, (index, size, other_size)


@pytest.mark.parametrize("size2", range(2, 24))
def test_a_consistency_proof_proves_only_its_own_sizes(roots: list[bytes], size2: int) -> None:
    for size1 in range(1, size2):
        proof = naive.proof(size1, LEAVES[:size2])
        for other1 in range(1, size2 + 1):
            if other1 != size1:
                verdict = verify_consistency(other1, size2, roots[other1], roots[size2], proof)
                assert not verdict.ok, (size1, other1, size2)
        for other2 in range(size1 + 1, MAX_SIZE + 1):
            if other2 != size2:
                verdict = verify_consistency(size1, other2, roots[size1], roots[other2], proof)
                assert not verdict.ok, (size1, size2, other2)
