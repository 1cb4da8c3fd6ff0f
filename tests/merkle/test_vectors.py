"""RFC 6962 known-answer vectors (transparency-dev/merkle, certificate-transparency).

The vector data lives in ``vectors/rfc6962.json`` with its sources named. The
corruption probes mirror the ones transparency-dev/merkle runs against every
known-good proof: each must be refused, and with a stable code.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chains.core.errors import ErrorCode
from chains.core.merkle import (
    EMPTY_ROOT,
    MerkleTree,
    compute_leaf_hash,
    compute_node_hash,
    compute_root,
    verify_consistency,
    verify_inclusion,
)

VECTORS = json.loads((Path(__file__).parent / "vectors" / "rfc6962.json").read_text())
LEAVES = [bytes.fromhex(x) for x in VECTORS["leaves"]]
ROOTS = [bytes.fromhex(x) for x in VECTORS["roots"]]  # ROOTS[n - 1] is the root at size n
SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")


def _hexes(items: list[str]) -> list[bytes]:
    return [bytes.fromhex(x) for x in items]


def test_hasher_vectors() -> None:
    hasher = VECTORS["hasher"]
    assert EMPTY_ROOT.hex() == hasher["empty_root"]
    assert compute_leaf_hash(b"").hex() == hasher["empty_leaf_hash"]
    assert compute_leaf_hash(b"L123456").hex() == hasher["leaf_L123456_hash"]
    assert compute_node_hash(b"N123", b"N456").hex() == hasher["node_N123_N456_hash"]


def test_leaf_hashes() -> None:
    assert [compute_leaf_hash(leaf).hex() for leaf in LEAVES] == VECTORS["leaf_hashes"]


def test_roots_for_every_size() -> None:
    tree = MerkleTree()
    assert tree.get_root() == EMPTY_ROOT == compute_root([])
    for size, leaf in enumerate(LEAVES, start=1):
        tree.append_leaf(leaf)
        assert tree.get_root() == ROOTS[size - 1]
        assert compute_root(LEAVES[:size]) == ROOTS[size - 1]
    # Past sizes stay answerable after the tree has grown.
    for size in range(1, 9):
        assert tree.get_root(size) == ROOTS[size - 1]


def _inclusion_probes(
    index: int, size: int, proof: list[bytes], root: bytes, leaf: bytes
) -> list[tuple[str, tuple[bytes, int, int, list[bytes], bytes]]]:
    """transparency-dev's corruptInclusionProof, as (description, verify arguments)."""
    probes = [
        ("index - 1", (leaf, index - 1, size, proof, root)),
        ("index + 1", (leaf, index + 1, size, proof, root)),
        ("index ^ 2", (leaf, index ^ 2, size, proof, root)),
        ("size * 2", (leaf, index, size * 2, proof, root)),
        ("size / 2", (leaf, index, size // 2, proof, root)),
        ("wrong leaf", (compute_leaf_hash(b"WrongLeaf"), index, size, proof, root)),
        ("raw wrong leaf", (b"WrongLeaf", index, size, proof, root)),
        ("empty root", (leaf, index, size, proof, EMPTY_ROOT)),
        ("random root", (leaf, index, size, proof, SOME_HASH)),
        ("trailing garbage", (leaf, index, size, [*proof, b""], root)),
        ("trailing root", (leaf, index, size, [*proof, root], root)),
        ("preceding garbage", (leaf, index, size, [b"", *proof], root)),
        ("preceding root", (leaf, index, size, [root, *proof], root)),
    ]
    for i in range(len(proof)):
        wrong = list(proof)
        wrong[i] = bytes([wrong[i][0] ^ 8]) + wrong[i][1:]
        probes.append((f"modified proof[{i}] bit 3", (leaf, index, size, wrong, root)))
    if proof:
        probes.append(("removed component", (leaf, index, size, proof[:-1], root)))
    if len(proof) > 1:
        probes.append(
            ("inserted component", (leaf, index, size, [proof[0], SOME_HASH, *proof[1:]], root))
        )
    return probes


@pytest.mark.parametrize("vector", VECTORS["inclusion"], ids=lambda v: f"{v['index']}/{v['size']}")
def test_inclusion_vectors(vector: dict) -> None:
    index, size, proof = vector["index"], vector["size"], _hexes(vector["proof"])
    tree = MerkleTree.from_leaves(LEAVES)
    assert list(tree.get_inclusion_proof(index, size).hashes) == proof
    leaf = compute_leaf_hash(LEAVES[index])
    root = ROOTS[size - 1]
    assert verify_inclusion(leaf, index, size, proof, root).ok
    for description, args in _inclusion_probes(index, size, proof, root, leaf):
        verdict = verify_inclusion(*args)
        assert not verdict.ok, description
        assert verdict.code in {
            ErrorCode.MERKLE_INDEX_OUT_OF_RANGE,
            ErrorCode.MERKLE_PROOF_LENGTH,
            ErrorCode.MERKLE_HASH_LENGTH,
            ErrorCode.MERKLE_ROOT_MISMATCH,
            ErrorCode.MERKLE_TREE_SIZE,
        }, description


def _consistency_probes(
    size1: int, size2: int, root1: bytes, root2: bytes, proof: list[bytes]
) -> list[tuple[str, tuple[int, int, bytes, bytes, list[bytes]]]]:
    """transparency-dev's corruptConsistencyProof, as (description, verify arguments)."""
    probes = [
        ("size1 - 1", (size1 - 1, size2, root1, root2, proof)),
        ("size1 + 1", (size1 + 1, size2, root1, root2, proof)),
        ("size1 ^ 2", (size1 ^ 2, size2, root1, root2, proof)),
        ("size2 * 2", (size1, size2 * 2, root1, root2, proof)),
        ("size2 / 2", (size1, size2 // 2, root1, root2, proof)),
        ("wrong root1", (size1, size2, b"WrongRoot", root2, proof)),
        ("wrong root2", (size1, size2, root1, b"WrongRoot", proof)),
        ("other root1", (size1, size2, SOME_HASH, root2, proof)),
        ("other root2", (size1, size2, root1, SOME_HASH, proof)),
        ("swapped roots", (size1, size2, root2, root1, proof)),
        ("empty proof", (size1, size2, root1, root2, [])),
        ("trailing garbage", (size1, size2, root1, root2, [*proof, b""])),
        ("trailing root1", (size1, size2, root1, root2, [*proof, root1])),
        ("trailing root2", (size1, size2, root1, root2, [*proof, root2])),
        ("preceding garbage", (size1, size2, root1, root2, [b"", *proof])),
        ("preceding root1", (size1, size2, root1, root2, [root1, *proof])),
        ("preceding root2", (size1, size2, root1, root2, [root2, *proof])),
        ("preceding proof[0]", (size1, size2, root1, root2, [proof[0], *proof])),
        ("truncated proof", (size1, size2, root1, root2, proof[:-1])),
    ]
    for i in range(len(proof)):
        wrong = list(proof)
        wrong[i] = bytes([wrong[i][0] ^ 16]) + wrong[i][1:]
        probes.append((f"modified proof[{i}] bit 4", (size1, size2, root1, root2, wrong)))
    return probes


@pytest.mark.parametrize(
    "vector", VECTORS["consistency"], ids=lambda v: f"{v['size1']}->{v['size2']}"
)
def test_consistency_vectors(vector: dict) -> None:
    size1, size2, proof = vector["size1"], vector["size2"], _hexes(vector["proof"])
    tree = MerkleTree.from_leaves(LEAVES)
    assert list(tree.get_consistency_proof(size1, size2).hashes) == proof
    root1, root2 = ROOTS[size1 - 1], ROOTS[size2 - 1]
    assert verify_consistency(size1, size2, root1, root2, proof).ok
    if not proof:
        return  # as upstream: only non-trivial proofs are corrupted
    for description, args in _consistency_probes(size1, size2, root1, root2, proof):
        verdict = verify_consistency(*args)
        assert not verdict.ok, description
        assert verdict.code.name.startswith("MERKLE_"), description


# transparency-dev TestVerifyConsistency's edge table, with one deliberate
# difference: for size1 = 0 we also require root1 to be the empty tree's root
# (upstream accepts any root1 there), since that root is fully determined.
ROOT_A = compute_leaf_hash(b"don't care 1")
ROOT_B = compute_leaf_hash(b"don't care 2")


@pytest.mark.parametrize(
    ("size1", "size2", "root1", "root2", "proof", "want"),
    [
        (0, 0, ROOT_A, ROOT_B, [], ErrorCode.MERKLE_ROOT_MISMATCH),
        (1, 1, ROOT_A, ROOT_B, [], ErrorCode.MERKLE_ROOT_MISMATCH),
        (0, 0, EMPTY_ROOT, EMPTY_ROOT, [], None),
        (0, 0, ROOT_A, ROOT_A, [], ErrorCode.MERKLE_ROOT_MISMATCH),  # upstream accepts
        (0, 1, EMPTY_ROOT, ROOT_B, [], None),
        (0, 1, ROOT_A, ROOT_B, [], ErrorCode.MERKLE_ROOT_MISMATCH),  # upstream accepts
        (1, 1, ROOT_B, ROOT_B, [], None),
        (1, 0, ROOT_A, ROOT_B, [], ErrorCode.MERKLE_TREE_SIZE),
        (2, 1, ROOT_A, ROOT_B, [], ErrorCode.MERKLE_TREE_SIZE),
        (1, 2, ROOT_A, ROOT_B, [], ErrorCode.MERKLE_PROOF_LENGTH),
        (0, 0, EMPTY_ROOT, ROOT_B, [], ErrorCode.MERKLE_ROOT_MISMATCH),
        (1, 1, EMPTY_ROOT, ROOT_B, [], ErrorCode.MERKLE_ROOT_MISMATCH),
        (0, 0, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT], ErrorCode.MERKLE_PROOF_LENGTH),
        (0, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT], ErrorCode.MERKLE_PROOF_LENGTH),
        (1, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT], ErrorCode.MERKLE_PROOF_LENGTH),
    ],
)
def test_consistency_edge_cases(
    size1: int, size2: int, root1: bytes, root2: bytes, proof: list[bytes], want: ErrorCode | None
) -> None:
    verdict = verify_consistency(size1, size2, root1, root2, proof)
    if want is None:
        assert verdict.ok, verdict
    else:
        assert verdict.code == want, verdict


def test_single_entry_inclusion() -> None:
    """transparency-dev TestVerifyInclusionSingleEntry: leaf hash = root for one entry."""
    leaf = compute_leaf_hash(b"data")
    assert verify_inclusion(leaf, 0, 1, [], leaf).ok
    assert verify_inclusion(b"", 0, 1, [], leaf).code == ErrorCode.MERKLE_HASH_LENGTH
    assert verify_inclusion(leaf, 0, 1, [], b"").code == ErrorCode.MERKLE_HASH_LENGTH
    assert verify_inclusion(b"", 0, 1, [], b"").code == ErrorCode.MERKLE_HASH_LENGTH


@pytest.mark.parametrize(("index", "size"), [(0, 0), (0, 1), (1, 0), (2, 1)])
def test_inclusion_with_bad_root_or_leaf(index: int, size: int) -> None:
    """transparency-dev TestVerifyInclusion's probes: never accepted."""
    assert not verify_inclusion(SOME_HASH, index, size, [], b"").ok
    assert not verify_inclusion(b"", index, size, [], EMPTY_ROOT).ok
    assert not verify_inclusion(SOME_HASH, index, size, [], EMPTY_ROOT).ok
