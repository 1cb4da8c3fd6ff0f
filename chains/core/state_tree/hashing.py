"""Domain-separated hashes of the state tree (DESIGN §3 "State root").

Every hash input starts with a tag string, so that a leaf can never be read as
an internal node (or the other way round), and no input can be mistaken for an
RFC 6962 tx-tree input, which starts with the byte 0x00 (leaf) or 0x01 (node).
The leaf and node tags have the same length, so their inputs differ in the tag
itself and not only in length.
"""

from __future__ import annotations

from hashlib import sha256

from chains.core.types import Hash32

LEAF_TAG = b"consortium.v1/state-tree/leaf:"
"""Prefix of a leaf hash input: ``LEAF_TAG || key_hash || value_hash``."""
NODE_TAG = b"consortium.v1/state-tree/node:"
"""Prefix of an internal node hash input: ``NODE_TAG || left_hash || right_hash``."""
EMPTY_TAG = b"consortium.v1/state-tree/empty"
"""Preimage of the placeholder hash of an empty subtree."""

PLACEHOLDER_HASH = Hash32(sha256(EMPTY_TAG).digest())
"""The hash of an empty subtree (and the root of the empty tree), at every depth."""

KEY_BITS = 256
"""Paths are SHA-256 key hashes, so the tree is 256 levels deep before compression."""


def compute_key_hash(key: bytes) -> Hash32:
    """The 256-bit path of ``key`` in the tree: SHA-256 of the key bytes."""
    return Hash32(sha256(key).digest())


def compute_value_hash(value: bytes) -> Hash32:
    """The hash a leaf commits to for ``value``: SHA-256 of the value bytes."""
    return Hash32(sha256(value).digest())


def compute_leaf_hash(key_hash: bytes, value_hash: bytes) -> Hash32:
    """Hash of a leaf holding the key with ``key_hash`` and the value with ``value_hash``."""
    return Hash32(sha256(LEAF_TAG + key_hash + value_hash).digest())


def compute_node_hash(left_hash: bytes, right_hash: bytes) -> Hash32:
    """Hash of an internal node from its children's hashes (placeholder for an empty child)."""
    return Hash32(sha256(NODE_TAG + left_hash + right_hash).digest())


def compute_key_int(key_hash: bytes) -> int:
    """``key_hash`` as a 256-bit big-endian integer: bit ``d`` of the path is ``>> (255 - d)``."""
    return int.from_bytes(key_hash, "big")
