"""A bounded cache of state-tree nodes with two generations instead of an exact LRU.

The tree reads a node per level on every lookup and a block writes thousands
of nodes, so the cache's bookkeeping is on the node's hot path. An
``OrderedDict`` LRU pays a list move on every hit and an ordered insert and
eviction on every write. Two plain dicts do nearly as well for a fraction of
that: new and recently used nodes go into the young generation; when it is
full it becomes the old generation and the previous old one is dropped whole;
a hit in the old generation copies the node back into the young one. So the
cache holds at most ``limit`` nodes, and a node used at least once per
``limit / 2`` insertions is never evicted.

Nodes are write-once under their keys (see ``sql.py``), so a cached node can
never be stale; only pruning takes nodes out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import islice

from chains.core.state_tree.nodes import NodeKey


class NodeCache:
    """At most ``limit`` nodes by node key; ``limit`` 0 caches nothing."""

    def __init__(self, limit: int) -> None:
        self._generation = limit // 2 if limit > 1 else limit
        self._young: dict[NodeKey, bytes] = {}
        self._old: dict[NodeKey, bytes] = {}

    def __len__(self) -> int:
        return len(self._young) + len(self._old)

    def get(self, node_key: NodeKey) -> bytes | None:
        """The cached node, or None; a hit in the old generation makes it young again."""
        node = self._young.get(node_key)
        if node is None:
            node = self._old.get(node_key)
            if node is not None:
                self.put(node_key, node)
        return node

    def put(self, node_key: NodeKey, node: bytes) -> None:
        """Cache one node."""
        if self._generation:
            self._young[node_key] = node
            if len(self._young) >= self._generation:
                self._rotate()

    def put_many(self, nodes: Mapping[NodeKey, bytes]) -> None:
        """Cache the nodes of one write, in their order (the last ones are kept if too many)."""
        if self._generation and nodes:
            self._young.update(nodes)
            if len(self._young) >= self._generation:
                self._rotate()

    def discard(self, node_keys: Iterable[NodeKey]) -> None:
        """Forget these nodes (pruned from the store)."""
        young_pop, old_pop = self._young.pop, self._old.pop
        for node_key in node_keys:
            young_pop(node_key, None)
            old_pop(node_key, None)

    def clear(self) -> None:
        """Forget every node."""
        self._young = {}
        self._old = {}

    def _rotate(self) -> None:
        young = self._young
        if len(young) > self._generation:  # one write bigger than a generation: keep its end
            young = dict(islice(young.items(), len(young) - self._generation, None))
        self._old = young
        self._young = {}
