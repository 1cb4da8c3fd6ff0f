"""The versioned state tree: a compressed sparse Merkle tree over SHA-256 key hashes.

Shape (as in Diem's Jellyfish tree, but binary): the path of a key is the 256
bits of SHA-256(key), most significant first; a subtree holding exactly one
leaf is that leaf, placed as high as it can go; a subtree holding nothing is
the placeholder hash; every other subtree is an internal node, even when one
of its two children is empty. So the root depends only on the key-value
pairs, never on the order in which they were written.

Each version is one batch of updates. A batch walks down only the subtrees
that its sorted keys touch, so nodes shared by several updates are rehashed
once, and it writes new nodes under new node keys (old versions stay intact)
while recording the node keys it made stale, for pruning.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping
from hashlib import sha256

from chains.core.errors import ConsortiumError, ErrorCode
from chains.core.state_tree.hashing import LEAF_TAG, NODE_TAG, PLACEHOLDER_HASH
from chains.core.state_tree.nodes import (
    EMPTY_CHILD_VERSION,
    INTERNAL_PREFIX,
    LEAF_KIND,
    LEAF_PREFIX,
    MAX_VERSION,
    VERSION_MASK,
    NodeKey,
    compute_node_key,
    get_node_key_parts,
)
from chains.core.state_tree.proof import ProofLeaf, StateProof, get_bitmap_len
from chains.core.state_tree.store import InMemoryNodeStore, NodeStore, RootRecord, TreeBatch
from chains.core.types import Hash32, Version

Updates = Mapping[bytes, bytes | None]
"""A batch: key -> new value, or None to delete the key."""

EMPTY_ROOT = RootRecord(None, PLACEHOLDER_HASH)
"""The root of the empty tree."""

# An update result for one subtree is None (empty), or a tuple
# (hash, version8, pending_leaf), version8 being a version as 8 bytes:
# * pending_leaf None: an internal node (or an unchanged old subtree) stored
#   at this position and written at version8;
# * pending_leaf (key_hash, value, origin): a single leaf whose final depth is
#   not known yet (it rises while its siblings are empty); origin is
#   (node_key, depth, version8) of where it is stored now if it is an
#   unchanged old leaf, else None.
_Origin = tuple[NodeKey, int, bytes]
_PendingLeaf = tuple[bytes, bytes, _Origin | None]
_Placed = tuple[bytes, bytes, _PendingLeaf | None]
_Result = _Placed | None


def _unavailable(message: str) -> ConsortiumError:
    return ConsortiumError(ErrorCode.STATE_VERSION_UNAVAILABLE, message)


def _check_version_number(version: object) -> None:
    if type(version) is not int or not 0 <= version <= MAX_VERSION:
        raise ConsortiumError(ErrorCode.MALFORMED_INPUT, f"version {version!r} is out of range")


def compute_sorted_updates(updates: Updates) -> tuple[list[int], list[bytes], list[bytes | None]]:
    """Key-hash integers, key hashes and values of ``updates``, sorted by key hash."""
    if not isinstance(updates, Mapping):
        raise ConsortiumError(ErrorCode.MALFORMED_INPUT, "updates must be a mapping")
    items = []
    for key, value in updates.items():
        if not isinstance(key, bytes) or not (value is None or isinstance(value, bytes)):
            raise ConsortiumError(
                ErrorCode.MALFORMED_INPUT, "keys must be bytes; values bytes or None"
            )
        key_hash = sha256(key).digest()
        items.append((int.from_bytes(key_hash, "big"), key_hash, value))
    items.sort()  # key hashes are distinct, so only the first field is ever compared
    return [i[0] for i in items], [i[1] for i in items], [i[2] for i in items]


def compute_tree_batch(store: NodeStore, version: Version, updates: Updates) -> TreeBatch:
    """What applying ``updates`` on top of the latest version writes as ``version``.

    Reads ``store`` and changes nothing; :meth:`NodeStore.write_batch` applies it.
    """
    _check_version_number(version)
    latest = store.get_latest_version()
    if latest is not None and version <= latest:
        # No dedicated code yet: a non-increasing version is bad input from the caller.
        raise ConsortiumError(
            ErrorCode.MALFORMED_INPUT, f"version {version} is not above the latest {latest}"
        )
    base = EMPTY_ROOT if latest is None else store.get_root(latest)
    if base is None:
        raise _unavailable(f"the latest version {latest} has no root")
    ints, key_hashes, values = compute_sorted_updates(updates)
    if not ints:
        return TreeBatch(version, base, {}, ())

    new_nodes: dict[NodeKey, bytes] = {}
    stale: list[NodeKey] = []
    stale_append = stale.append
    get_node = store.get_node
    from_bytes = int.from_bytes
    version8 = version.to_bytes(8, "big")
    empty8 = EMPTY_CHILD_VERSION
    placeholder = PLACEHOLDER_HASH
    leaf_tag = LEAF_TAG
    node_tag = NODE_TAG
    leaf_prefix = LEAF_PREFIX
    internal_prefix = INTERNAL_PREFIX

    def fetch(node_key: NodeKey) -> bytes:
        node = get_node(node_key)
        if node is None:
            raise _unavailable(f"node {get_node_key_parts(node_key)} is missing from the store")
        return node

    def place_leaf(depth: int, path: int, leaf: _PendingLeaf) -> bytes:
        # Store the leaf at (depth, path) unless it is already there; return its version8.
        key_hash, value, origin = leaf
        if origin is not None:
            if origin[1] == depth:
                return origin[2]
            stale_append(origin[0])
        new_nodes[((path << 9 | depth) << 64) | version] = leaf_prefix + key_hash + value
        return version8

    def lift_if_leaf(depth: int, path: int, child: _Placed) -> _Placed:
        # An unchanged old child that lost its sibling must rise if it is a leaf.
        child_hash, child_version8, pending = child
        if pending is not None or child_version8 == version8:
            return child  # already pending, or an internal node written by this batch
        child_key = ((path << 9 | depth) << 64) | from_bytes(child_version8, "big")
        node = fetch(child_key)
        if node[0] == LEAF_KIND:
            origin = (child_key, depth, child_version8)
            return (child_hash, child_version8, (node[1:33], node[33:], origin))
        return child

    def combine(
        depth: int,
        path: int,
        left: _Result,
        right: _Result,
        old_key: NodeKey | None,
        old_node: bytes | None,
        old_hash: bytes | None,
    ) -> _Result:
        # Join the results of the two halves of the subtree at (depth, path).
        if left is None or right is None:
            only = left if right is None else right
            if only is None:
                if old_key is not None:
                    stale_append(old_key)
                return None
            if only[2] is None:
                only = lift_if_leaf(depth + 1, (path << 1) | (left is None), only)
            if only[2] is not None:  # one leaf left in this subtree: it rises
                if old_key is not None:
                    stale_append(old_key)
                return only
        child_depth = depth + 1
        if left is None:
            left_hash, left_version8 = placeholder, empty8
        else:
            left_hash, left_version8, pending = left
            if pending is not None:
                left_version8 = place_leaf(child_depth, path << 1, pending)
        if right is None:
            right_hash, right_version8 = placeholder, empty8
        else:
            right_hash, right_version8, pending = right
            if pending is not None:
                right_version8 = place_leaf(child_depth, (path << 1) | 1, pending)
        node = internal_prefix + left_hash + right_hash + left_version8 + right_version8
        if node == old_node:
            return (old_hash, (old_key & VERSION_MASK).to_bytes(8, "big"), None)
        new_nodes[((path << 9 | depth) << 64) | version] = node
        if old_key is not None:
            stale_append(old_key)
        return (sha256(node_tag + left_hash + right_hash).digest(), version8, None)

    def build(depth: int, path: int, entries: list[tuple], lo: int, hi: int) -> _Result:
        # A subtree from scratch; entries[lo:hi] are (key_int, key_hash, value,
        # origin, leaf_hash or None), sorted, all under (depth, path).
        if hi - lo == 1:
            _, key_hash, value, origin, leaf_hash = entries[lo]
            if leaf_hash is None:
                leaf_hash = sha256(leaf_tag + key_hash + sha256(value).digest()).digest()
            return (leaf_hash, version8, (key_hash, value, origin))
        if hi == lo:
            return None
        split = bisect_left(entries, (((path << 1) | 1) << (255 - depth),), lo, hi)
        child_depth = depth + 1
        left = build(child_depth, path << 1, entries, lo, split)
        right = build(child_depth, (path << 1) | 1, entries, split, hi)
        return combine(depth, path, left, right, None, None, None)

    def visit_leaf(
        depth: int, path: int, old_key: NodeKey, old_node: bytes, old_hash: bytes, lo: int, hi: int
    ) -> _Result:
        # Apply updates[lo:hi] to the subtree at (depth, path), which is one leaf.
        old_key_hash = old_node[1:33]
        old_value = old_node[33:]
        if hi - lo == 1 and key_hashes[lo] == old_key_hash:
            # The common case: the one update under this leaf is for its own key.
            value = values[lo]
            if value == old_value:
                origin = (old_key, depth, (old_key & VERSION_MASK).to_bytes(8, "big"))
                return (old_hash, origin[2], (old_key_hash, old_value, origin))
            stale_append(old_key)
            if value is None:
                return None
            leaf_hash = sha256(leaf_tag + old_key_hash + sha256(value).digest()).digest()
            return (leaf_hash, version8, (old_key_hash, value, None))
        old_int = from_bytes(old_key_hash, "big")
        old_entry = (
            old_int,
            old_key_hash,
            old_value,
            (old_key, depth, (old_key & VERSION_MASK).to_bytes(8, "big")),
            old_hash,
        )
        entries = []
        old_seen = False
        for i in range(lo, hi):
            key_int = ints[i]
            value = values[i]
            if key_int == old_int:
                old_seen = True
                if value == old_value:
                    entries.append(old_entry)
                    continue
                stale_append(old_key)
            if value is not None:
                entries.append((key_int, key_hashes[i], value, None, None))
        if not old_seen:
            entries.insert(bisect_left(entries, (old_int,)), old_entry)
        return build(depth, path, entries, 0, len(entries))

    def visit(
        depth: int, path: int, old_key: NodeKey | None, old_hash: bytes, lo: int, hi: int
    ) -> _Result:
        # Apply updates[lo:hi] to the subtree at (depth, path) stored under old_key.
        if old_key is None:
            entries = [
                (ints[i], key_hashes[i], values[i], None, None)
                for i in range(lo, hi)
                if values[i] is not None
            ]
            return build(depth, path, entries, 0, len(entries))
        old_node = get_node(old_key)  # inlined fetch: this is the hottest line
        if old_node is None:
            raise _unavailable(f"node {get_node_key_parts(old_key)} is missing from the store")
        if old_node[0] == LEAF_KIND:
            return visit_leaf(depth, path, old_key, old_node, old_hash, lo, hi)
        left_hash = old_node[1:33]
        right_hash = old_node[33:65]
        left_version8 = old_node[65:73]
        right_version8 = old_node[73:81]
        split = bisect_left(ints, (((path << 1) | 1) << (255 - depth)), lo, hi)
        child_depth = depth + 1
        left_path = path << 1
        right_path = left_path | 1
        if split > lo:
            left_key = None
            if left_version8 != empty8:
                left_key = ((left_path << 9 | child_depth) << 64) | from_bytes(left_version8, "big")
            left = visit(child_depth, left_path, left_key, left_hash, lo, split)
        else:
            left = None if left_version8 == empty8 else (left_hash, left_version8, None)
        if split < hi:
            right_key = None
            if right_version8 != empty8:
                right_key = ((right_path << 9 | child_depth) << 64) | from_bytes(
                    right_version8, "big"
                )
            right = visit(child_depth, right_path, right_key, right_hash, split, hi)
        else:
            right = None if right_version8 == empty8 else (right_hash, right_version8, None)
        return combine(depth, path, left, right, old_key, old_node, old_hash)

    try:
        result = visit(0, 0, base.root_key, base.root_hash, 0, len(ints))
    finally:
        # visit and build call themselves through closure cells: a reference cycle that
        # would keep this batch's working data alive until a full garbage collection.
        visit = build = None  # type: ignore[assignment]
    if result is None:
        root = EMPTY_ROOT
    else:
        root_hash, root_version8, pending = result
        if pending is not None:
            root_version8 = place_leaf(0, 0, pending)
        root_key = compute_node_key(from_bytes(root_version8, "big"), 0, 0)
        root = RootRecord(root_key, Hash32(root_hash))
    return TreeBatch(version, root, new_nodes, tuple(stale))


class StateTree:
    """A versioned authenticated key-value map over a :class:`NodeStore`.

    The state after the block at height h is version h; versions strictly
    increase. Any retained version can be read and proven; :meth:`prune`
    drops old versions.
    """

    def __init__(self, store: NodeStore | None = None) -> None:
        self._store: NodeStore = InMemoryNodeStore() if store is None else store

    @property
    def store(self) -> NodeStore:
        """The node store behind this tree."""
        return self._store

    def apply_updates(self, version: Version, updates: Updates) -> Hash32:
        """Write ``updates`` (key -> value, None deletes) as ``version``; return its root.

        Deleting an absent key is a no-op; an empty batch still creates the
        version, with the previous root.
        """
        batch = compute_tree_batch(self._store, version, updates)
        self._store.write_batch(batch)
        return batch.root.root_hash

    def get_latest_version(self) -> Version | None:
        """The newest version, or None before the first :meth:`apply_updates`."""
        return self._store.get_latest_version()

    def get_oldest_version(self) -> Version | None:
        """The oldest version still readable, or None before the first write."""
        return self._store.get_oldest_version()

    def is_version_available(self, version: Version) -> bool:
        """True when ``version`` was written and has not been pruned."""
        return type(version) is int and self._store.get_root(version) is not None

    def _get_root_record(self, version: Version) -> RootRecord:
        if type(version) is not int:
            raise ConsortiumError(ErrorCode.MALFORMED_INPUT, f"version {version!r} is not an int")
        root = self._store.get_root(version)
        if root is None:
            raise _unavailable(f"version {version} was never written or has been pruned")
        return root

    def get_root(self, version: Version) -> Hash32:
        """The state root of ``version``; STATE_VERSION_UNAVAILABLE if not retained."""
        return self._get_root_record(version).root_hash

    def _walk(
        self, key: bytes, version: Version
    ) -> tuple[bytes, bytes | None, int, int, list[bytes]]:
        # Follow the key's path for a proof. Returns (key_hash, encoded leaf where the path
        # ends or None, depth, sibling bits, non-empty siblings from the top);
        # sibling bit (255 - d) is set when the sibling at depth d + 1 is non-empty.
        if not isinstance(key, bytes):
            raise ConsortiumError(ErrorCode.MALFORMED_INPUT, "a key must be bytes")
        root = self._get_root_record(version)
        key_hash = sha256(key).digest()
        node_key = root.root_key
        siblings: list[bytes] = []
        if node_key is None:
            return key_hash, None, 0, 0, siblings
        key_int = int.from_bytes(key_hash, "big")
        get_node = self._store.get_node
        placeholder = PLACEHOLDER_HASH
        empty8 = EMPTY_CHILD_VERSION
        depth = 0
        bits = 0
        path = 0
        while True:
            node = get_node(node_key)
            if node is None:
                raise _unavailable(f"a node of version {version} is missing from the store")
            if node[0] == LEAF_KIND:
                return key_hash, node, depth, bits, siblings
            if key_int >> (255 - depth) & 1:
                sibling = node[1:33]
                child_version8 = node[73:81]
                path = (path << 1) | 1
            else:
                sibling = node[33:65]
                child_version8 = node[65:73]
                path <<= 1
            if sibling != placeholder:
                bits |= 1 << (255 - depth)
                siblings.append(sibling)
            depth += 1
            if child_version8 == empty8:
                return key_hash, None, depth, bits, siblings
            node_key = ((path << 9 | depth) << 64) | int.from_bytes(child_version8, "big")

    def get(self, key: bytes, version: Version) -> bytes | None:
        """The value of ``key`` at ``version``, or None when the key is absent."""
        # _walk's loop without the proof's siblings: every transaction reads a few keys
        # (is this invoice number taken?), so this loop is on the execution path, and
        # collecting siblings for no proof would double its cost.
        if not isinstance(key, bytes):
            raise ConsortiumError(ErrorCode.MALFORMED_INPUT, "a key must be bytes")
        node_key = self._get_root_record(version).root_key
        if node_key is None:
            return None
        key_hash = sha256(key).digest()
        key_int = int.from_bytes(key_hash, "big")
        get_node = self._store.get_node
        empty8 = EMPTY_CHILD_VERSION
        depth = 0
        path = 0
        while True:
            node = get_node(node_key)
            if node is None:
                raise _unavailable(f"a node of version {version} is missing from the store")
            if node[0] == LEAF_KIND:
                return node[33:] if node[1:33] == key_hash else None
            bit = key_int >> (255 - depth) & 1
            child_version8 = node[73:81] if bit else node[65:73]
            if child_version8 == empty8:
                return None
            depth += 1
            path = path << 1 | bit
            node_key = ((path << 9 | depth) << 64) | int.from_bytes(child_version8, "big")

    def get_with_proof(self, key: bytes, version: Version) -> tuple[bytes | None, StateProof]:
        """The value of ``key`` at ``version`` (None if absent) and a proof of it."""
        key_hash, leaf, depth, bits, siblings = self._walk(key, version)
        bitmap_len = get_bitmap_len(depth)
        bitmap = (bits >> (256 - bitmap_len * 8)).to_bytes(bitmap_len, "big")
        proof_leaf = None
        value = None
        if leaf is not None:
            leaf_key_hash = Hash32(leaf[1:33])
            leaf_value = leaf[33:]
            proof_leaf = ProofLeaf(leaf_key_hash, Hash32(sha256(leaf_value).digest()))
            if leaf_key_hash == key_hash:
                value = leaf_value
        proof = StateProof(Hash32(key_hash), proof_leaf, depth, bitmap, tuple(siblings))
        return value, proof

    def prove(self, key: bytes, version: Version) -> StateProof:
        """A proof of the value of ``key`` at ``version``, or of its absence."""
        return self.get_with_proof(key, version)[1]

    def prune(self, below_version: Version) -> int:
        """Drop versions below ``below_version`` and the nodes only they need.

        The latest version is always kept: ``below_version`` may not exceed it.
        Returns how many nodes were deleted.
        """
        _check_version_number(below_version)
        latest = self._store.get_latest_version()
        if latest is None or below_version > latest:
            raise ConsortiumError(
                ErrorCode.MALFORMED_INPUT,
                f"cannot prune below {below_version}: the latest version is {latest}",
            )
        return self._store.prune(below_version)
