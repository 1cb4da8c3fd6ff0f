"""Where the state tree keeps its nodes: a small storage interface and an in-memory store.

The tree reads nodes one at a time (``get_node``) and writes each version as
one atomic :class:`TreeBatch`: the nodes it created, the node keys it made
stale, and the version's root. Like Jellyfish's stale-node index, stale node
keys are remembered by the version that made them stale, so pruning visits
only what it deletes and never scans the tree.

A node that became stale at version ``s`` is needed only by versions below
``s``; ``prune(below)`` therefore deletes every node that became stale at a
version ``<= below`` and forgets the roots of versions ``< below``.

Nodes travel as their canonical encodings (bytes), so a persistent store
(SQLAlchemy, later) is a plain key-value table: :func:`.nodes.encode_node_key`
bytes to node bytes, plus a roots table and a stale-index table written in
the same transaction. It would keep a bounded cache of the upper levels,
which every read and update passes through.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from chains.core.errors import ConsortiumError, ErrorCode
from chains.core.state_tree.nodes import NodeKey
from chains.core.types import Hash32, Version


@dataclass(frozen=True, slots=True)
class RootRecord:
    """The root of one version: its node key (None for the empty tree) and its hash."""

    root_key: NodeKey | None
    root_hash: Hash32


@dataclass(frozen=True, slots=True)
class TreeBatch:
    """Everything one version writes, applied atomically by :meth:`NodeStore.write_batch`."""

    version: Version
    root: RootRecord
    new_nodes: Mapping[NodeKey, bytes]
    """Encoded nodes (:mod:`.nodes`) by node key."""
    stale_keys: Sequence[NodeKey]
    """Node keys of older versions that this version no longer uses."""


class NodeStore(Protocol):
    """Storage of state-tree nodes, roots by version, and the stale-node index."""

    def get_node(self, node_key: NodeKey) -> bytes | None:
        """The encoded node stored under ``node_key``, or None (never written, or pruned)."""
        ...

    def get_root(self, version: Version) -> RootRecord | None:
        """The root of ``version``, or None if it was never written or was pruned."""
        ...

    def get_latest_version(self) -> Version | None:
        """The newest written version, or None before the first write."""
        ...

    def get_oldest_version(self) -> Version | None:
        """The oldest version still readable, or None before the first write."""
        ...

    def write_batch(self, batch: TreeBatch) -> None:
        """Store one version atomically: all of it or nothing."""
        ...

    def prune(self, below_version: Version) -> int:
        """Forget versions below ``below_version`` and the nodes only they used; count deleted."""
        ...


class InMemoryNodeStore:
    """A :class:`NodeStore` in Python dicts: for tests, benchmarks and simulation."""

    def __init__(self) -> None:
        # Integer keys and bytes values: the garbage collector never has to walk this dict.
        self._nodes: dict[NodeKey, bytes] = {}
        self._roots: dict[int, RootRecord] = {}
        self._versions: deque[int] = deque()  # written versions, oldest first
        self._stale: deque[tuple[int, Sequence[NodeKey]]] = deque()  # (stale since, keys)
        # The tree calls get_node once per level of every update and read: binding the
        # dict's own get spares a Python frame per call (same signature as the method).
        self.get_node = self._nodes.get  # type: ignore[method-assign]

    def get_node(self, node_key: NodeKey) -> bytes | None:
        """The encoded node stored under ``node_key``, or None."""
        return self._nodes.get(node_key)

    def get_root(self, version: Version) -> RootRecord | None:
        """The root of ``version``, or None if it was never written or was pruned."""
        return self._roots.get(version)

    def get_latest_version(self) -> Version | None:
        """The newest written version, or None before the first write."""
        return Version(self._versions[-1]) if self._versions else None

    def get_oldest_version(self) -> Version | None:
        """The oldest version still readable, or None before the first write."""
        return Version(self._versions[0]) if self._versions else None

    def get_node_count(self) -> int:
        """How many nodes are stored (live in some retained version, or not yet pruned)."""
        return len(self._nodes)

    def write_batch(self, batch: TreeBatch) -> None:
        """Store one version; checks come first so that a refused batch changes nothing."""
        version = batch.version
        if self._versions and version <= self._versions[-1]:
            raise ConsortiumError(
                ErrorCode.MALFORMED_INPUT,
                f"version {version} is not above the latest version {self._versions[-1]}",
            )
        self._nodes.update(batch.new_nodes)
        if batch.stale_keys:
            self._stale.append((version, batch.stale_keys))
        self._roots[version] = batch.root
        self._versions.append(version)

    def prune(self, below_version: Version) -> int:
        """Forget versions below ``below_version`` and every node only they used."""
        nodes = self._nodes
        deleted = 0
        stale = self._stale
        # A node made stale at version s is used only by versions < s <= below_version.
        while stale and stale[0][0] <= below_version:
            _, keys = stale.popleft()
            for key in keys:
                nodes.pop(key, None)
            deleted += len(keys)
        versions = self._versions
        while versions and versions[0] < below_version:
            del self._roots[versions.popleft()]
        return deleted
