"""Nodes of the state tree, their keys, and their byte encodings.

A node is stored under a *node key* naming ``(version, depth, path)``, as in
Jellyfish's ``NodeKey``: the version that wrote it, its depth (0 for the
root), and ``path``, the first ``depth`` bits of the key hashes below it as an
integer. A node key is written once and never rewritten, so old versions stay
readable until pruning, and a store needs no reference counts.

In memory a node key is one packed integer, ``(path << 9 | depth) << 64 |
version``, and a node is its encoding (bytes): neither is a container, so a
store of millions of nodes costs the garbage collector nothing, and reading a
node touches one object. On disk (and on the wire) a node key is
:func:`encode_node_key`: ``version`` (u64 BE) || ``depth`` (u16 BE) ||
``path`` left-aligned in ``ceil(depth / 8)`` bytes, unused low bits zero.

Node encodings (canonical; :func:`decode_node` accepts nothing else):

* leaf: ``0x01`` || key_hash (32) || value bytes;
* internal: ``0x02`` || left_hash (32) || right_hash (32) || left_version (8)
  || right_version (8); an empty child has the placeholder hash and the
  version ``EMPTY_CHILD_VERSION`` (all ones); at most one child is empty.
  A non-empty child's node key is ``(child_version, depth + 1, 2 * path + side)``.
"""

from __future__ import annotations

from chains.core.errors import ConsortiumError, ErrorCode
from chains.core.state_tree.hashing import KEY_BITS, PLACEHOLDER_HASH
from chains.core.types import HASH_LEN

NodeKey = int
"""A packed ``(version, depth, path)``; see :func:`compute_node_key`."""

LEAF_KIND = 0x01
INTERNAL_KIND = 0x02
LEAF_PREFIX = bytes((LEAF_KIND,))
INTERNAL_PREFIX = bytes((INTERNAL_KIND,))
INTERNAL_NODE_LEN = 1 + 2 * HASH_LEN + 2 * 8

EMPTY_CHILD_VERSION = b"\xff" * 8
"""The child version field of an empty child."""
MAX_VERSION = (1 << 64) - 2
"""The largest version: versions are u64, and all ones marks an empty child."""

VERSION_MASK = (1 << 64) - 1
DEPTH_MASK = (1 << 9) - 1

LeafNode = tuple[bytes, bytes]
"""A decoded leaf: ``(key_hash, value)``."""
InternalNode = tuple[bytes, bytes, int | None, int | None]
"""A decoded internal node: ``(left_hash, right_hash, left_version, right_version)``."""


def compute_node_key(version: int, depth: int, path: int) -> NodeKey:
    """The packed node key of the node written at ``version`` at ``(depth, path)``."""
    return ((path << 9 | depth) << 64) | version


def get_node_key_parts(node_key: NodeKey) -> tuple[int, int, int]:
    """``(version, depth, path)`` of a packed node key."""
    return node_key & VERSION_MASK, (node_key >> 64) & DEPTH_MASK, node_key >> 73


def is_leaf_node(node: bytes) -> bool:
    """True when the encoded ``node`` is a leaf."""
    return node[0] == LEAF_KIND


def _malformed(message: str) -> ConsortiumError:
    return ConsortiumError(ErrorCode.MALFORMED_INPUT, message)


def encode_node_key(node_key: NodeKey) -> bytes:
    """Canonical bytes of ``node_key``: version (8) || depth (2) || left-aligned path."""
    # One int to_bytes: (version << 16 | depth) above the path, left-aligned to whole bytes.
    # Every node a block writes or makes stale is encoded, so this is on the hot path.
    depth = (node_key >> 64) & DEPTH_MASK
    pad = -depth & 7
    head = (node_key & VERSION_MASK) << 16 | depth
    aligned = (node_key >> 73) << pad
    return (head << (depth + pad) | aligned).to_bytes(10 + (depth + pad) // 8, "big")


def decode_node_key(data: bytes) -> NodeKey:
    """The node key encoded in ``data``; ConsortiumError(MALFORMED_INPUT) if not canonical."""
    if not isinstance(data, bytes) or len(data) < 10:
        raise _malformed("a node key has at least 10 bytes")
    version = int.from_bytes(data[:8], "big")
    depth = int.from_bytes(data[8:10], "big")
    if version > MAX_VERSION or depth > KEY_BITS:
        raise _malformed(f"node key version {version} or depth {depth} out of range")
    path_len = (depth + 7) // 8
    if len(data) != 10 + path_len:
        raise _malformed(f"a node key at depth {depth} has {10 + path_len} bytes")
    pad = path_len * 8 - depth
    aligned = int.from_bytes(data[10:], "big")
    if aligned & ((1 << pad) - 1):
        raise _malformed("unused bits of a node key path must be zero")
    return compute_node_key(version, depth, aligned >> pad)


def encode_leaf_node(key_hash: bytes, value: bytes) -> bytes:
    """Canonical bytes of a leaf holding ``value`` for the key with ``key_hash``."""
    return LEAF_PREFIX + key_hash + value


def encode_internal_node(
    left_hash: bytes, right_hash: bytes, left_version: int | None, right_version: int | None
) -> bytes:
    """Canonical bytes of an internal node; a child version None means an empty child."""
    versions = [
        EMPTY_CHILD_VERSION if v is None else v.to_bytes(8, "big")
        for v in (left_version, right_version)
    ]
    return INTERNAL_PREFIX + left_hash + right_hash + versions[0] + versions[1]


def decode_node(data: bytes) -> LeafNode | InternalNode:
    """The node encoded in ``data``; ConsortiumError(MALFORMED_INPUT) if not canonical."""
    if not isinstance(data, bytes) or not data:
        raise _malformed("a node encoding is non-empty bytes")
    kind = data[0]
    if kind == LEAF_KIND:
        if len(data) < 1 + HASH_LEN:
            raise _malformed("a leaf encoding holds a 32-byte key hash")
        return (data[1 : 1 + HASH_LEN], data[1 + HASH_LEN :])
    if kind != INTERNAL_KIND or len(data) != INTERNAL_NODE_LEN:
        raise _malformed(f"not a leaf or an {INTERNAL_NODE_LEN}-byte internal node")
    children: list[tuple[bytes, int | None]] = []
    for side in (0, 1):
        child_hash = data[1 + side * HASH_LEN : 1 + (side + 1) * HASH_LEN]
        raw_version = data[65 + side * 8 : 73 + side * 8]
        empty_hash = child_hash == PLACEHOLDER_HASH
        if empty_hash != (raw_version == EMPTY_CHILD_VERSION):
            raise _malformed("a child is empty exactly when its version field is all ones")
        children.append((child_hash, None if empty_hash else int.from_bytes(raw_version, "big")))
    (left_hash, left_version), (right_hash, right_version) = children
    if left_version is None and right_version is None:
        raise _malformed("an internal node has at least one non-empty child")
    return (left_hash, right_hash, left_version, right_version)
