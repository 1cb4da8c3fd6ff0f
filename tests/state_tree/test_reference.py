"""The optimised tree agrees with the naive reference, byte for byte, on roots and proofs."""

from __future__ import annotations

import random

import pytest

from chains.core.state_tree import (
    PLACEHOLDER_HASH,
    StateTree,
    compute_key_hash,
    compute_leaf_hash,
    compute_value_hash,
    verify_state_proof,
)

from .reference import NaiveStateMap, compute_naive_proof, compute_naive_root


def test_empty_tree_has_the_placeholder_root() -> None:
    tree = StateTree()
    assert tree.apply_updates(0, {}) == PLACEHOLDER_HASH == compute_naive_root({})


def test_one_key_tree_root_is_its_leaf_hash() -> None:
    tree = StateTree()
    root = tree.apply_updates(1, {b"k": b"v"})
    assert root == compute_leaf_hash(compute_key_hash(b"k"), compute_value_hash(b"v"))


@pytest.mark.parametrize("seed", range(6))
def test_random_operations_match_the_reference_at_every_version(seed: int) -> None:
    rng = random.Random(seed)
    tree, model = StateTree(), NaiveStateMap()
    pool = [f"key-{i}".encode() for i in range(rng.choice((8, 40, 200)))]
    for version in range(1, 40):
        updates: dict[bytes, bytes | None] = {}
        for key in rng.sample(pool, rng.randrange(0, min(len(pool), 30))):
            roll = rng.random()
            if roll < 0.3:
                updates[key] = None
            elif roll < 0.4:
                updates[key] = model.latest.get(key, b"same")  # rewrite the same value
            else:
                updates[key] = rng.randbytes(rng.randrange(0, 6))
        root = tree.apply_updates(version, updates)
        model.apply_updates(version, updates)
        assert root == compute_naive_root(model.latest)
        if version % 7 == 0:
            tree.prune(version - 3)
            model.prune(version - 3)
    # Every retained version still reads and proves as the reference says.
    for version, state in model.versions.items():
        root = tree.get_root(version)
        assert root == compute_naive_root(state)
        for key in pool:
            value, proof = tree.get_with_proof(key, version)
            assert value == state.get(key) == tree.get(key, version)
            assert proof == compute_naive_proof(state, key)
            assert verify_state_proof(root, key, value, proof).ok


def test_a_larger_tree_matches_the_reference() -> None:
    rng = random.Random(99)
    tree, model = StateTree(), NaiveStateMap()
    keys = [rng.randbytes(8) for _ in range(3000)]
    for version, chunk in enumerate((keys[:2000], keys[1000:3000], keys[::3]), start=1):
        updates: dict[bytes, bytes | None] = {
            k: (None if rng.random() < 0.25 else rng.randbytes(4)) for k in chunk
        }
        assert tree.apply_updates(version, updates) == compute_naive_root(
            model.apply_updates(version, updates) or model.latest
        )
    for key in rng.sample(keys, 50):
        assert tree.prove(key, 3) == compute_naive_proof(model.latest, key)


def test_deleting_every_key_gives_the_empty_root_and_frees_the_nodes() -> None:
    tree = StateTree()
    keys = [bytes([i]) for i in range(100)]
    tree.apply_updates(1, {k: b"v" + k for k in keys})
    tree.apply_updates(2, {k: None for k in keys[:50]})
    assert tree.apply_updates(3, {k: None for k in keys[50:]}) == PLACEHOLDER_HASH
    tree.prune(3)
    assert tree.store.get_node_count() == 0
    assert tree.get(keys[0], 3) is None
    assert verify_state_proof(PLACEHOLDER_HASH, keys[0], None, tree.prove(keys[0], 3)).ok


def test_order_of_updates_in_a_batch_does_not_change_the_root() -> None:
    rng = random.Random(5)
    base = [(rng.randbytes(6), rng.randbytes(3)) for _ in range(300)]
    batch: list[tuple[bytes, bytes | None]] = [(k, None) for k, _ in base[:40]]
    batch += [(k, rng.randbytes(3)) for k, _ in base[100:200]]
    batch += [(rng.randbytes(7), rng.randbytes(3)) for _ in range(50)]
    roots = set()
    for _ in range(4):
        rng.shuffle(base)
        rng.shuffle(batch)
        tree = StateTree()
        tree.apply_updates(1, dict(base))
        roots.add(tree.apply_updates(2, dict(batch)))
    assert len(roots) == 1


def test_same_content_reached_by_different_histories_has_the_same_root() -> None:
    one, two = StateTree(), StateTree()
    one.apply_updates(1, {b"a": b"1", b"b": b"2", b"c": b"3"})
    one.apply_updates(2, {b"b": None, b"d": b"4"})
    two.apply_updates(7, {b"d": b"4"})
    two.apply_updates(8, {b"c": b"3", b"a": b"1"})
    assert one.get_root(2) == two.get_root(8)
