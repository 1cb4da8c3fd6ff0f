"""The SQL store's node cache: bounded, keeps what is used, forgets what is pruned."""

from __future__ import annotations

import pytest

from chains.runtime.storage.node_cache import NodeCache


def node(key: int) -> bytes:
    return b"node %d" % key


@pytest.mark.parametrize("limit", [0, 1, 2, 7, 100])
def test_the_cache_never_holds_more_than_its_limit(limit: int) -> None:
    cache = NodeCache(limit)
    for key in range(300):
        cache.put(key, node(key))
        cache.get(key // 2)
        assert len(cache) <= limit
    cache.put_many({key: node(key) for key in range(1000, 1500)})
    assert len(cache) <= limit


def test_no_cache_caches_nothing() -> None:
    cache = NodeCache(0)
    cache.put(1, node(1))
    cache.put_many({2: node(2)})
    assert cache.get(1) is None and cache.get(2) is None and len(cache) == 0


def test_a_node_in_use_survives_and_an_unused_one_is_evicted() -> None:
    cache = NodeCache(10)  # two generations of 5
    cache.put(0, node(0))
    for key in range(1, 40):
        cache.put(key, node(key))
        assert cache.get(0) == node(0)  # read as often as the tree reads its root
    assert cache.get(1) is None
    assert cache.get(39) == node(39)


def test_one_write_bigger_than_a_generation_keeps_its_last_nodes() -> None:
    cache = NodeCache(10)
    cache.put_many({key: node(key) for key in range(20)})
    assert len(cache) == 5
    assert [key for key in range(20) if cache.get(key) is not None] == [15, 16, 17, 18, 19]


def test_discard_and_clear_forget_nodes() -> None:
    cache = NodeCache(10)
    for key in range(8):
        cache.put(key, node(key))  # 0-4 old, 5-7 young
    cache.discard([1, 6, 99])
    assert cache.get(1) is None and cache.get(6) is None
    assert cache.get(2) == node(2) and cache.get(7) == node(7)
    cache.clear()
    assert len(cache) == 0 and cache.get(2) is None
