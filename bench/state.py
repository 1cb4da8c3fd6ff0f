"""State tree benchmark: updates, proofs and verification at 10^4, 10^5 and 10^6 keys.

Updates are random existing keys getting new 32-byte values, applied in
batches of ``batch_size`` keys per version. Only ``apply_updates`` is timed;
old versions are pruned after each batch, outside the timing (a node prunes
in the background, as Jellyfish's pruner does). Each figure is the median of
several rounds, because the machine is shared.

The headline figures use ``batch_size`` = 1: every update is its own version,
so nothing is amortised and the figure is the cost of one update as such
(the most conservative throughput). ``growth`` is that per-update cost at
10^6 keys divided by the one at 10^4 keys.

Batches amortise the top ~log2(batch_size) levels over their updates, which
saves relatively more work in a small tree than in a big one, so the ratio
rises with the batch size: ``growth_by_batch_size`` shows that trade-off (and
``updates_per_s_1e5_by_batch_size`` the throughput it buys), and
``nodes_written_per_update_by_size`` shows the part that comes from the
tree's shape alone (the rest is cache misses in a bigger working set).
"""

from __future__ import annotations

import random
import resource
import statistics
import time

from chains.core.state_tree import StateTree, encode_state_proof, verify_state_proof

BATCH_SIZE = 1
"""Keys written per version in the headline figures: one, so nothing is amortised."""
BUILD_BATCH = 50_000
"""Keys per version while building a tree (build time is not a headline figure)."""
GROWTH_BATCH_SIZES = (1, 10, 100, 1000)


def build_tree(rng: random.Random, size: int) -> tuple[StateTree, list[bytes], int]:
    """A tree of ``size`` random keys, its keys, and its latest version."""
    tree = StateTree()
    keys: list[bytes] = []
    version = 0
    while len(keys) < size:
        chunk = [rng.randbytes(16) for _ in range(min(BUILD_BATCH, size - len(keys)))]
        keys += chunk
        version += 1
        tree.apply_updates(version, {key: rng.randbytes(32) for key in chunk})
        tree.prune(version)  # keep only the latest version: memory stays at one tree
    return tree, keys, version


def measure_update_round(
    rng: random.Random,
    tree: StateTree,
    keys: list[bytes],
    version: int,
    batch_size: int,
    updates: int,
) -> tuple[float, float, int]:
    """One round of ``updates`` random updates in batches: seconds per update,
    nodes written per update, and the latest version."""
    store = tree.store
    batch_count = max(1, updates // batch_size)
    batches = [
        {key: rng.randbytes(32) for key in rng.sample(keys, batch_size)} for _ in range(batch_count)
    ]
    elapsed = 0.0
    written = 0
    for batch in batches:
        version += 1
        before = store.get_node_count()  # type: ignore[attr-defined]
        start = time.perf_counter()
        tree.apply_updates(version, batch)
        elapsed += time.perf_counter() - start
        written += store.get_node_count() - before  # type: ignore[attr-defined]
        tree.prune(version)
    done = batch_count * batch_size
    return elapsed / done, written / done, version


def measure_proofs(
    rng: random.Random, tree: StateTree, keys: list[bytes], version: int, count: int, rounds: int
) -> tuple[float, float]:
    """Median proofs per second and verifications per second, for present keys."""
    root = tree.get_root(version)
    prove_seconds: list[float] = []
    verify_seconds: list[float] = []
    for _ in range(rounds):
        sample = rng.sample(keys, count)
        start = time.perf_counter()
        proven = [(key, *tree.get_with_proof(key, version)) for key in sample]
        prove_seconds.append(time.perf_counter() - start)
        start = time.perf_counter()
        for key, value, proof in proven:
            if not verify_state_proof(root, key, value, proof):
                raise AssertionError("a fresh proof did not verify")
        verify_seconds.append(time.perf_counter() - start)
    return count / statistics.median(prove_seconds), count / statistics.median(verify_seconds)


def measure_proof_bytes(
    rng: random.Random, tree: StateTree, keys: list[bytes], version: int, count: int
) -> tuple[float, float]:
    """Mean encoded proof size for present keys, and for absent keys."""
    present = [len(encode_state_proof(tree.prove(k, version))) for k in rng.sample(keys, count)]
    absent = [len(encode_state_proof(tree.prove(rng.randbytes(17), version))) for _ in range(count)]
    return sum(present) / count, sum(absent) / count


def run(quick: bool = False) -> dict:
    """Build trees of three sizes, then measure them side by side; returns the figures."""
    rng = random.Random(20261127)
    small, medium, large = (2_000, 5_000, 20_000) if quick else (10_000, 100_000, 1_000_000)
    updates_per_round, rounds = (500, 3) if quick else (3_000, 5)
    proof_count = 500 if quick else 5_000
    sizes = (small, medium, large)

    figures: dict = {"batch_size": BATCH_SIZE, "sizes": list(sizes)}
    trees: dict[int, tuple[StateTree, list[bytes]]] = {}
    versions: dict[int, int] = {}
    for size in sizes:
        start = time.perf_counter()
        tree, keys, versions[size] = build_tree(rng, size)
        trees[size] = (tree, keys)
        figures[f"build_s_{size}"] = round(time.perf_counter() - start, 2)

    def measure_round(size: int, batch_size: int) -> tuple[float, float]:
        tree, keys = trees[size]
        seconds, written, versions[size] = measure_update_round(
            rng, tree, keys, versions[size], batch_size, updates_per_round
        )
        return seconds, written

    for size in sizes:  # warm-up, discarded: first rounds pay for cold caches
        measure_round(size, BATCH_SIZE)

    # Sizes alternate inside every round, so a load burst on the shared machine
    # hits all of them alike; ratios are medians of per-round ratios.
    per_update: dict[tuple[int, int], list[float]] = {}
    nodes_written: dict[str, float] = {}
    for batch_size in GROWTH_BATCH_SIZES:
        measured = sizes if batch_size in (BATCH_SIZE, 100) else (small, large)
        for _ in range(rounds):
            for size in measured:
                seconds, written = measure_round(size, batch_size)
                per_update.setdefault((size, batch_size), []).append(seconds)
                if batch_size == BATCH_SIZE:
                    nodes_written[str(size)] = round(written, 2)

    def get_growth(batch_size: int) -> float:
        pairs = zip(per_update[(large, batch_size)], per_update[(small, batch_size)], strict=True)
        return round(statistics.median(big / little for big, little in pairs), 3)

    def get_update_seconds(size: int, batch_size: int) -> float:
        return statistics.median(per_update[(size, batch_size)])

    tree, keys = trees[medium]
    proofs, verifies = measure_proofs(rng, tree, keys, versions[medium], proof_count, rounds)
    figures["proofs_per_s_1e5"] = round(proofs)
    figures["verifies_per_s_1e5"] = round(verifies)
    version = versions[medium]
    for _ in range(20):  # pruning cost, measured on its own
        version += 1
        tree.apply_updates(version, {k: b"p" for k in rng.sample(keys, 100)})
    start = time.perf_counter()
    pruned = tree.prune(version)
    prune_seconds = time.perf_counter() - start
    figures["prune_us_per_update_1e5"] = round(1e6 * prune_seconds / (20 * 100), 2)
    figures["nodes_pruned_per_update_1e5"] = round(pruned / (20 * 100), 1)

    tree, keys = trees[large]
    present, absent = measure_proof_bytes(rng, tree, keys, versions[large], proof_count)
    figures["proof_bytes_1e6"] = round(present, 1)
    figures["absence_proof_bytes_1e6"] = round(absent, 1)
    figures["nodes_1e6"] = tree.store.get_node_count()  # type: ignore[attr-defined]

    figures["updates_per_s_1e5"] = round(1 / get_update_seconds(medium, BATCH_SIZE))
    figures["updates_per_s_1e5_by_batch_size"] = {
        str(b): round(1 / get_update_seconds(medium, b)) for b in (BATCH_SIZE, 100)
    }
    figures["update_us_by_size"] = {
        str(size): round(1e6 * get_update_seconds(size, BATCH_SIZE), 2) for size in sizes
    }
    figures["nodes_written_per_update_by_size"] = nodes_written
    figures["growth"] = get_growth(BATCH_SIZE)
    figures["growth_by_batch_size"] = {str(b): get_growth(b) for b in GROWTH_BATCH_SIZES}
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return figures
