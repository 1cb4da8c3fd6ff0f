"""Versions, pruning, the stale-node index and input errors of the state tree."""

from __future__ import annotations

import pytest

from chains.core.errors import ConsortiumError, ErrorCode
from chains.core.state_tree import (
    PLACEHOLDER_HASH,
    InMemoryNodeStore,
    RootRecord,
    StateTree,
    TreeBatch,
    compute_key_hash,
    compute_tree_batch,
)
from chains.core.state_tree.nodes import MAX_VERSION

UNAVAILABLE = ErrorCode.STATE_VERSION_UNAVAILABLE


def find_keys_sharing_prefix(bits: int, count: int) -> list[bytes]:
    """``count`` keys whose hashes share their first ``bits`` bits (a deep, thin subtree)."""
    found: dict[int, list[bytes]] = {}
    i = 0
    while True:
        key = i.to_bytes(4, "big")
        prefix = int.from_bytes(compute_key_hash(key), "big") >> (256 - bits)
        group = found.setdefault(prefix, [])
        group.append(key)
        if len(group) == count:
            return group
        i += 1


def test_old_versions_stay_readable() -> None:
    tree = StateTree()
    roots = [tree.apply_updates(v, {b"k": bytes([v]), bytes([v]): b"x"}) for v in range(1, 6)]
    for v in range(1, 6):
        assert tree.get_root(v) == roots[v - 1]
        assert tree.get(b"k", v) == bytes([v])
        assert tree.get(bytes([v + 1]), v) is None
    assert tree.get_latest_version() == 5 and tree.get_oldest_version() == 1


def test_empty_batch_creates_a_version_with_the_same_root() -> None:
    tree = StateTree()
    root = tree.apply_updates(1, {b"a": b"1"})
    assert tree.apply_updates(2, {}) == root
    assert tree.get(b"a", 2) == b"1"
    assert tree.get_latest_version() == 2


def test_deleting_an_absent_key_is_a_no_op() -> None:
    tree = StateTree()
    root = tree.apply_updates(1, {b"a": b"1", b"b": b"2", b"c": b"3"})
    count = tree.store.get_node_count()
    assert tree.apply_updates(2, {b"absent": None, b"also absent": None}) == root
    assert tree.store.get_node_count() == count  # nothing rewritten
    assert StateTree().apply_updates(1, {b"absent": None}) == PLACEHOLDER_HASH


def test_rewriting_the_same_value_writes_nothing() -> None:
    tree = StateTree()
    root = tree.apply_updates(1, {bytes([i]): b"v" for i in range(50)})
    count = tree.store.get_node_count()
    assert tree.apply_updates(2, {bytes([i]): b"v" for i in range(0, 50, 3)}) == root
    assert tree.store.get_node_count() == count


@pytest.mark.parametrize("version", [0, 1, 3, 4, 99])
def test_unwritten_versions_are_unavailable(version: int) -> None:
    tree = StateTree()
    tree.apply_updates(2, {b"a": b"1"})
    tree.apply_updates(5, {b"a": b"2"})
    for read in (tree.get_root, lambda v: tree.get(b"a", v), lambda v: tree.prove(b"a", v)):
        with pytest.raises(ConsortiumError) as caught:
            read(version)
        assert caught.value.code == UNAVAILABLE
    assert not tree.is_version_available(version)


def test_pruned_versions_are_unavailable_and_kept_ones_still_read() -> None:
    tree = StateTree()
    for v in range(1, 11):
        tree.apply_updates(v, {bytes([k]): bytes([v]) for k in range(v, v + 20)})
    tree.prune(6)
    assert tree.get_oldest_version() == 6
    for v in range(1, 6):
        with pytest.raises(ConsortiumError) as caught:
            tree.get(b"\x07", v)
        assert caught.value.code == UNAVAILABLE
    for v in range(6, 11):
        assert tree.get(bytes([v]), v) == bytes([v])
        assert tree.prove(bytes([v]), v).leaf is not None


def test_prune_deletes_exactly_the_nodes_no_retained_version_uses() -> None:
    tree = StateTree()
    store = tree.store
    assert isinstance(store, InMemoryNodeStore)
    for v in range(1, 30):
        tree.apply_updates(v, {bytes([v % 7, k]): bytes([v]) for k in range(v % 5 + 1)})
    tree.prune(29)
    alone = StateTree()
    alone.apply_updates(1, {k: tree.get(k, 29) for k in _all_keys() if tree.get(k, 29)})
    assert tree.get_root(29) == alone.get_root(1)
    assert store.get_node_count() == alone.store.get_node_count()  # only live nodes remain


def _all_keys() -> list[bytes]:
    return [bytes([a, b]) for a in range(7) for b in range(5)]


def test_prune_is_idempotent_and_may_not_drop_the_latest_version() -> None:
    tree = StateTree()
    tree.apply_updates(1, {b"a": b"1"})
    tree.apply_updates(2, {b"a": b"2"})
    assert tree.prune(2) > 0
    assert tree.prune(2) == 0
    with pytest.raises(ConsortiumError) as caught:
        tree.prune(3)
    assert caught.value.code == ErrorCode.MALFORMED_INPUT
    assert tree.get(b"a", 2) == b"2"


@pytest.mark.parametrize("bad", [3, 2, -1, MAX_VERSION + 1, True, "4"])
def test_versions_must_strictly_increase(bad: object) -> None:
    tree = StateTree()
    tree.apply_updates(3, {b"a": b"1"})
    with pytest.raises(ConsortiumError) as caught:
        tree.apply_updates(bad, {b"a": b"2"})  # type: ignore[arg-type]
    assert caught.value.code == ErrorCode.MALFORMED_INPUT
    assert tree.get_latest_version() == 3 and tree.get(b"a", 3) == b"1"


@pytest.mark.parametrize("updates", [{"a": b"1"}, {b"a": "1"}, {b"a": 1}, [(b"a", b"1")]])
def test_bad_updates_are_refused(updates: object) -> None:
    with pytest.raises(ConsortiumError) as caught:
        StateTree().apply_updates(1, updates)  # type: ignore[arg-type]
    assert caught.value.code == ErrorCode.MALFORMED_INPUT


def test_a_refused_batch_changes_nothing_in_the_store() -> None:
    store = InMemoryNodeStore()
    tree = StateTree(store)
    tree.apply_updates(5, {b"a": b"1"})
    batch = TreeBatch(5, RootRecord(None, PLACEHOLDER_HASH), {123: b"\x01" + b"x" * 32}, ())
    with pytest.raises(ConsortiumError):
        store.write_batch(batch)
    assert store.get_node(123) is None and store.get_latest_version() == 5


def test_compute_tree_batch_reads_but_does_not_write() -> None:
    tree = StateTree()
    tree.apply_updates(1, {b"a": b"1"})
    batch = compute_tree_batch(tree.store, 2, {b"b": b"2"})
    assert batch.new_nodes and tree.get_latest_version() == 1


def test_deep_thin_subtrees_split_and_collapse() -> None:
    # Three keys sharing 14 bits: a chain of one-sided internal nodes, then a split.
    a, b, c = find_keys_sharing_prefix(14, 3)
    tree = StateTree()
    tree.apply_updates(1, {a: b"a"})
    r2 = tree.apply_updates(2, {b: b"b", c: b"c"})
    assert tree.prove(a, 2).depth >= 15
    # Deleting two of them lets the last one rise back to the root.
    r3 = tree.apply_updates(3, {b: None, c: None})
    assert r3 == tree.get_root(1) and tree.prove(a, 3).depth == 0
    tree.apply_updates(4, {b: b"b", c: b"c"})
    assert tree.get_root(4) == r2
    tree.prune(4)
    assert tree.get(c, 4) == b"c"


def test_a_missing_node_is_reported_as_unavailable() -> None:
    store = InMemoryNodeStore()
    tree = StateTree(store)
    tree.apply_updates(1, {b"a": b"1", b"b": b"2"})
    store._nodes.clear()  # simulate a store that lost data
    for act in (lambda: tree.get(b"a", 1), lambda: tree.apply_updates(2, {b"c": b"3"})):
        with pytest.raises(ConsortiumError) as caught:
            act()
        assert caught.value.code == UNAVAILABLE
