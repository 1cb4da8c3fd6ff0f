"""Every refusal of the Merkle verifiers and of the tree, each with its stable code.

Includes the two classic attacks on Merkle trees: passing an interior node off
as a leaf (second preimage), and Bitcoin's duplicated last node (CVE-2012-2459).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from chains.core.errors import ConsortiumError, ErrorCode
from chains.core.merkle import (
    EMPTY_ROOT,
    MAX_TREE_SIZE,
    MerkleTree,
    compute_leaf_hash,
    compute_node_hash,
    compute_root,
    compute_root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
    verify_leaf_inclusion,
)

LEAVES = [b"tx-%d" % i for i in range(13)]
TREE = MerkleTree.from_leaves(LEAVES)
ROOT = TREE.get_root()
PROOF_5 = list(TREE.get_inclusion_proof(5).hashes)
LEAF_5 = compute_leaf_hash(LEAVES[5])


# ---- inclusion ------------------------------------------------------------


def test_the_good_proof_verifies() -> None:
    assert verify_inclusion(LEAF_5, 5, 13, PROOF_5, ROOT).ok
    assert verify_leaf_inclusion(LEAVES[5], 5, 13, PROOF_5, ROOT).ok
    assert verify_inclusion(LEAF_5, 5, 13, tuple(PROOF_5), ROOT).ok


@pytest.mark.parametrize("index", [13, 14, 1 << 70, -1])
def test_index_out_of_range(index: int) -> None:
    verdict = verify_inclusion(LEAF_5, index, 13, PROOF_5, ROOT)
    assert verdict.code == ErrorCode.MERKLE_INDEX_OUT_OF_RANGE


@pytest.mark.parametrize("size", [0, -1, MAX_TREE_SIZE + 1])
def test_impossible_tree_size(size: int) -> None:
    assert verify_inclusion(LEAF_5, 0, size, [], ROOT).code == ErrorCode.MERKLE_TREE_SIZE


@pytest.mark.parametrize(
    "proof",
    [PROOF_5[:-1], [*PROOF_5, PROOF_5[-1]], [], [ROOT, *PROOF_5], PROOF_5 * 2],
    ids=["short", "long", "empty", "prefixed", "doubled"],
)
def test_wrong_proof_length(proof: list[bytes]) -> None:
    assert verify_inclusion(LEAF_5, 5, 13, proof, ROOT).code == ErrorCode.MERKLE_PROOF_LENGTH


@pytest.mark.parametrize("bad", [b"", b"\x00" * 31, b"\x00" * 33, "00" * 32, None, 7])
def test_hashes_of_the_wrong_length(bad: object) -> None:
    proof = [*PROOF_5[:2], bad, *PROOF_5[3:]]
    assert verify_inclusion(LEAF_5, 5, 13, proof, ROOT).code == ErrorCode.MERKLE_HASH_LENGTH
    assert verify_inclusion(LEAF_5, 5, 13, PROOF_5, bad).code == ErrorCode.MERKLE_HASH_LENGTH
    assert verify_inclusion(bad, 5, 13, PROOF_5, ROOT).code == ErrorCode.MERKLE_HASH_LENGTH


def test_root_mismatch() -> None:
    other = compute_root([b"something else"])
    assert verify_inclusion(LEAF_5, 5, 13, PROOF_5, other).code == ErrorCode.MERKLE_ROOT_MISMATCH
    assert verify_leaf_inclusion(b"tx-6", 5, 13, PROOF_5, ROOT).code == (
        ErrorCode.MERKLE_ROOT_MISMATCH
    )


@pytest.mark.parametrize(
    ("leaf", "index", "size", "proof", "root"),
    [
        (LEAF_5, "5", 13, PROOF_5, ROOT),
        (LEAF_5, 5, 13.0, PROOF_5, ROOT),
        (LEAF_5, True, 13, PROOF_5, ROOT),
        (LEAF_5, 5, 13, b"".join(PROOF_5), ROOT),
        (LEAF_5, 5, 13, iter(PROOF_5), ROOT),
        (LEAF_5, 5, 13, None, ROOT),
    ],
)
def test_arguments_of_the_wrong_type(
    leaf: object, index: object, size: object, proof: object, root: object
) -> None:
    verdict = verify_inclusion(leaf, index, size, proof, root)  # type: ignore[arg-type]
    assert verdict.code == ErrorCode.MALFORMED_INPUT


def test_leaf_data_must_be_bytes() -> None:
    assert verify_leaf_inclusion("tx-5", 5, 13, PROOF_5, ROOT).code == ErrorCode.MALFORMED_INPUT  # type: ignore[arg-type]


# ---- second preimage: an interior node passed off as a leaf ------------------


def test_interior_node_presented_as_leaf_data_does_not_verify() -> None:
    """The data ``left || right`` of an interior node hashes as a leaf, not as the node.

    In the 4-leaf tree, node (0,1) = H(0x01 || h0 || h1). Claiming "a 2-leaf
    tree whose leaf 0 is h0 || h1" has the same root as the 4-leaf tree when
    hashed without prefixes; with RFC 6962 prefixes it does not.
    """
    leaves = [b"a", b"b", b"c", b"d"]
    tree = MerkleTree.from_leaves(leaves)
    h0, h1, h2, h3 = (tree.get_leaf_hash(i) for i in range(4))
    node01, node23 = compute_node_hash(h0, h1), compute_node_hash(h2, h3)
    assert tree.get_root() == compute_node_hash(node01, node23)
    forged_leaf = h0 + h1
    assert compute_leaf_hash(forged_leaf) != node01
    verdict = verify_leaf_inclusion(forged_leaf, 0, 2, [node23], tree.get_root())
    assert verdict.code == ErrorCode.MERKLE_ROOT_MISMATCH
    # Same at the true size: the shape forbids the short path.
    verdict = verify_leaf_inclusion(forged_leaf, 0, 4, [node23], tree.get_root())
    assert verdict.code == ErrorCode.MERKLE_PROOF_LENGTH
    # And as a leaf hash: a node hash at the true size needs the full-length path.
    verdict = verify_inclusion(node01, 0, 4, [node23], tree.get_root())
    assert verdict.code == ErrorCode.MERKLE_PROOF_LENGTH


def test_leaf_and_node_hashes_come_from_disjoint_preimages() -> None:
    h1, h2 = compute_leaf_hash(b"Hello"), compute_leaf_hash(b"World")
    assert h1 != h2
    assert compute_node_hash(h1, h2) != compute_leaf_hash(h1 + h2)
    assert compute_node_hash(h1, h2) != compute_node_hash(h2, h1)


# ---- CVE-2012-2459: duplicated last node ------------------------------------


def test_duplicating_the_last_leaf_changes_the_root() -> None:
    a, b, c = b"a", b"b", b"c"
    assert compute_root([a, b, c]) != compute_root([a, b, c, c])
    assert MerkleTree.from_leaves([a, b, c]).get_root() != compute_root([a, b, c, c])
    # Deeper: an odd node at an upper level is promoted, not duplicated.
    six = [b"%d" % i for i in range(6)]
    assert compute_root(six) != compute_root([*six, six[4], six[5]])


def test_no_proof_for_a_duplicated_leaf() -> None:
    three = MerkleTree.from_leaves([b"a", b"b", b"c"])
    four = MerkleTree.from_leaves([b"a", b"b", b"c", b"c"])
    root3 = three.get_root()
    # Index 3 does not exist in a tree of 3 leaves, whatever the proof.
    for proof in ([], list(four.get_inclusion_proof(3).hashes)):
        verdict = verify_leaf_inclusion(b"c", 3, 3, proof, root3)
        assert verdict.code == ErrorCode.MERKLE_INDEX_OUT_OF_RANGE
    # A proof borrowed from the 4-leaf tree does not prove against the 3-leaf root.
    borrowed = list(four.get_inclusion_proof(3).hashes)
    verdict = verify_leaf_inclusion(b"c", 2, 3, borrowed, root3)
    assert verdict.code == ErrorCode.MERKLE_PROOF_LENGTH
    borrowed_2 = list(four.get_inclusion_proof(2).hashes)
    verdict = verify_leaf_inclusion(b"c", 2, 3, borrowed_2, root3)
    assert verdict.code == ErrorCode.MERKLE_PROOF_LENGTH
    # Nor against the 4-leaf shape with the 3-leaf root.
    verdict = verify_leaf_inclusion(b"c", 3, 4, borrowed, root3)
    assert verdict.code == ErrorCode.MERKLE_ROOT_MISMATCH
    # The honest proofs still work.
    assert verify_leaf_inclusion(b"c", 2, 3, list(three.get_inclusion_proof(2).hashes), root3).ok


def test_a_duplicated_tail_is_not_consistent_with_the_shorter_tree() -> None:
    three = MerkleTree.from_leaves([b"a", b"b", b"c"])
    four = MerkleTree.from_leaves([b"a", b"b", b"c", b"c"])
    # It is an honest extension (a fourth leaf "c"), so consistency holds...
    proof = list(four.get_consistency_proof(3).hashes)
    assert verify_consistency(3, 4, three.get_root(), four.get_root(), proof).ok
    # ...but claiming the two roots are the same tree at size 3 or 4 is refused.
    assert not verify_consistency(3, 3, three.get_root(), four.get_root(), []).ok
    assert not verify_consistency(4, 4, three.get_root(), four.get_root(), []).ok


# ---- consistency ------------------------------------------------------------

ROOT_7 = TREE.get_root(7)
CONSISTENCY_7_13 = list(TREE.get_consistency_proof(7, 13).hashes)


def test_good_consistency_proof_verifies() -> None:
    assert verify_consistency(7, 13, ROOT_7, ROOT, CONSISTENCY_7_13).ok


@pytest.mark.parametrize(("size1", "size2"), [(8, 7), (-1, 13), (7, -1), (7, MAX_TREE_SIZE + 1)])
def test_consistency_bad_sizes(size1: int, size2: int) -> None:
    verdict = verify_consistency(size1, size2, ROOT_7, ROOT, CONSISTENCY_7_13)
    assert verdict.code == ErrorCode.MERKLE_TREE_SIZE


def test_consistency_wrong_length_hash_and_root() -> None:
    proof = CONSISTENCY_7_13
    assert verify_consistency(7, 13, ROOT_7, ROOT, proof[:-1]).code == (
        ErrorCode.MERKLE_PROOF_LENGTH
    )
    assert verify_consistency(7, 13, ROOT_7, ROOT, [*proof, ROOT]).code == (
        ErrorCode.MERKLE_PROOF_LENGTH
    )
    assert verify_consistency(7, 13, ROOT_7[:31], ROOT, proof).code == ErrorCode.MERKLE_HASH_LENGTH
    assert verify_consistency(7, 13, ROOT_7, ROOT + b"x", proof).code == (
        ErrorCode.MERKLE_HASH_LENGTH
    )
    assert verify_consistency(7, 13, ROOT_7, ROOT, [b"x" * 31, *proof[1:]]).code == (
        ErrorCode.MERKLE_HASH_LENGTH
    )
    assert verify_consistency(7, 13, ROOT, ROOT, proof).code == ErrorCode.MERKLE_ROOT_MISMATCH
    assert verify_consistency(7, 13, ROOT_7, ROOT_7, proof).code == ErrorCode.MERKLE_ROOT_MISMATCH
    assert verify_consistency(0, 13, ROOT_7, ROOT, []).code == ErrorCode.MERKLE_ROOT_MISMATCH
    assert verify_consistency(0, 13, EMPTY_ROOT, ROOT, []).ok
    assert verify_consistency(7, 13, ROOT_7, ROOT, "proof").code == ErrorCode.MALFORMED_INPUT  # type: ignore[arg-type]
    assert verify_consistency(7.0, 13, ROOT_7, ROOT, proof).code == ErrorCode.MALFORMED_INPUT  # type: ignore[arg-type]


def test_a_consistency_proof_for_a_rewritten_history_fails() -> None:
    rewritten = MerkleTree.from_leaves([*LEAVES[:6], b"rewritten", *LEAVES[7:]])
    proof = list(rewritten.get_consistency_proof(7, 13).hashes)
    verdict = verify_consistency(7, 13, ROOT_7, rewritten.get_root(), proof)
    assert verdict.code == ErrorCode.MERKLE_ROOT_MISMATCH


# ---- the tree refuses impossible requests -------------------------------------


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda: TREE.get_inclusion_proof(13), ErrorCode.MERKLE_INDEX_OUT_OF_RANGE),
        (lambda: TREE.get_inclusion_proof(-1), ErrorCode.MERKLE_INDEX_OUT_OF_RANGE),
        (lambda: TREE.get_inclusion_proof(5, 5), ErrorCode.MERKLE_INDEX_OUT_OF_RANGE),
        (lambda: TREE.get_inclusion_proof(0, 14), ErrorCode.MERKLE_TREE_SIZE),
        (lambda: TREE.get_inclusion_proof(0, 0), ErrorCode.MERKLE_INDEX_OUT_OF_RANGE),
        (lambda: TREE.get_root(14), ErrorCode.MERKLE_TREE_SIZE),
        (lambda: TREE.get_root(-1), ErrorCode.MERKLE_TREE_SIZE),
        (lambda: TREE.get_consistency_proof(8, 7), ErrorCode.MERKLE_TREE_SIZE),
        (lambda: TREE.get_consistency_proof(1, 14), ErrorCode.MERKLE_TREE_SIZE),
        (lambda: TREE.get_leaf_hash(13), ErrorCode.MERKLE_INDEX_OUT_OF_RANGE),
        (lambda: MerkleTree().append_leaf("text"), ErrorCode.MALFORMED_INPUT),
        (lambda: MerkleTree().append_leaf_hash(b"short"), ErrorCode.MERKLE_HASH_LENGTH),
        (lambda: compute_leaf_hash(None), ErrorCode.MALFORMED_INPUT),
        (lambda: compute_node_hash("a", b"b"), ErrorCode.MALFORMED_INPUT),
        (lambda: compute_root_from_leaf_hashes([b"short"]), ErrorCode.MERKLE_HASH_LENGTH),
        (lambda: MerkleTree([ROOT, b"short"]), ErrorCode.MERKLE_HASH_LENGTH),
    ],
)
def test_tree_refusals(call: Callable[[], object], code: ErrorCode) -> None:
    with pytest.raises(ConsortiumError) as caught:
        call()
    assert caught.value.code == code
