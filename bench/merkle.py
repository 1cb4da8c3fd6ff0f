"""RFC 6962 Merkle tree: ours (``chains.core.merkle``) against pymerkle 7, side by side.

Both trees use SHA-256 with the RFC 6962 prefixes (pymerkle's default
``security=True``: 0x00 for leaves, 0x01 for nodes), get the same leaves, and
must produce the same root, which is checked before anything is timed.

Measured, each as operations per second, median of a few rounds:

- append: build the whole tree leaf by leaf from leaf data;
- prove:  inclusion proofs for random indices over the full tree;
- verify: verify those proofs against the full tree's root, given the leaf hash.

``*_ratio`` is ours ÷ pymerkle's rate (median of per-round ratios): above 1
means ours is faster.
pymerkle's ``InmemoryTree`` also keeps each leaf's data (ours keeps hashes
only) and takes a lock per call; that is how it is meant to be used.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable

from pymerkle import InmemoryTree
from pymerkle import verify_inclusion as pymerkle_verify_inclusion

from chains.core.merkle import MerkleTree, verify_inclusion


def _timed(count: int, work: Callable[[], object]) -> float:
    """Operations per second of one call of ``work``, which does ``count`` operations."""
    start = time.perf_counter()
    work()
    return count / (time.perf_counter() - start)


def _compare(
    count: int, ours: Callable[[], object], theirs: Callable[[], object], repeats: int
) -> tuple[float, float, float]:
    """Median rates of ours and theirs, and the median of their per-round ratios.

    Ours and theirs alternate within each round, so a burst of load on the
    shared machine hits both sides of a ratio rather than one.
    """
    ours_rates, their_rates, ratios = [], [], []
    for _ in range(repeats):
        ours_rate = _timed(count, ours)
        their_rate = _timed(count, theirs)
        ours_rates.append(ours_rate)
        their_rates.append(their_rate)
        ratios.append(ours_rate / their_rate)
    return (
        statistics.median(ours_rates),
        statistics.median(their_rates),
        statistics.median(ratios),
    )


def run(quick: bool = False) -> dict:
    """Run the comparison; return the figures."""
    leaf_count = 2_000 if quick else 100_000
    proof_count = 500 if quick else 20_000
    repeats = 1 if quick else 3
    leaves = [b"tx:%012d:" % i + i.to_bytes(8, "big") * 3 for i in range(leaf_count)]
    indices = random.Random(6962).choices(range(leaf_count), k=proof_count)

    ours = MerkleTree()
    theirs = InmemoryTree(algorithm="sha256")

    def build_ours() -> None:
        nonlocal ours
        ours = MerkleTree()
        append = ours.append_leaf
        for leaf in leaves:
            append(leaf)

    def build_theirs() -> None:
        nonlocal theirs
        theirs = InmemoryTree(algorithm="sha256")
        append = theirs.append_entry
        for leaf in leaves:
            append(leaf)

    append_ours, append_theirs, append_ratio = _compare(
        leaf_count, build_ours, build_theirs, repeats
    )
    root = ours.get_root()
    if theirs.get_root() != root:
        raise AssertionError("pymerkle and ours disagree on the root: not a fair comparison")

    our_proofs: list = []
    their_proofs: list = []

    def prove_ours() -> None:
        prove = ours.get_inclusion_proof
        our_proofs[:] = [prove(i) for i in indices]

    def prove_theirs() -> None:
        prove = theirs.prove_inclusion
        their_proofs[:] = [prove(i + 1) for i in indices]  # pymerkle counts from 1

    prove_ours_rate, prove_theirs_rate, prove_ratio = _compare(
        proof_count, prove_ours, prove_theirs, repeats
    )

    our_cases = [
        (ours.get_leaf_hash(p.leaf_index), p.leaf_index, p.tree_size, p.hashes) for p in our_proofs
    ]
    their_cases = [
        (theirs.get_leaf(i + 1), proof) for i, proof in zip(indices, their_proofs, strict=True)
    ]
    if not all(verify_inclusion(*case, root) for case in our_cases):
        raise AssertionError("one of our proofs does not verify")

    def verify_ours() -> None:
        for leaf_hash, index, size, hashes in our_cases:
            if not verify_inclusion(leaf_hash, index, size, hashes, root):
                raise AssertionError("one of our proofs does not verify")

    def verify_theirs() -> None:
        for base, proof in their_cases:
            pymerkle_verify_inclusion(base, root, proof)  # raises InvalidProof on failure

    # Verifying is cheap, so it gets more rounds.
    verify_ours_rate, verify_theirs_rate, verify_ratio = _compare(
        proof_count, verify_ours, verify_theirs, 2 * repeats + 1
    )

    return {
        "leaves": leaf_count,
        "proofs": proof_count,
        "repeats": repeats,
        "verify_repeats": 2 * repeats + 1,
        "append_per_s": round(append_ours),
        "pymerkle_append_per_s": round(append_theirs),
        "append_ratio": round(append_ratio, 2),
        "prove_per_s": round(prove_ours_rate),
        "pymerkle_prove_per_s": round(prove_theirs_rate),
        "prove_ratio": round(prove_ratio, 2),
        "verify_per_s": round(verify_ours_rate),
        "pymerkle_verify_per_s": round(verify_theirs_rate),
        "verify_ratio": round(verify_ratio, 2),
    }
