"""Named types for domain values, so that signatures say what a value means."""

from __future__ import annotations

import hashlib
from typing import NewType

Hash32 = NewType("Hash32", bytes)
"""A SHA-256 digest: exactly 32 bytes."""

Height = NewType("Height", int)
"""A block height; the first block has height 1."""

Round = NewType("Round", int)
"""A consensus round within one height, starting at 0."""

Version = NewType("Version", int)
"""A version of the state tree; the state after the block at height h is version h."""

ChainId = NewType("ChainId", str)
"""The identifier of one chain, e.g. ``tax-1``; part of every signed message."""

HASH_LEN = 32


def compute_sha256(data: bytes) -> Hash32:
    """SHA-256 of ``data``: the one hash function of the consortium (DESIGN §3)."""
    return Hash32(hashlib.sha256(data).digest())


def is_hash32(value: object) -> bool:
    """True when ``value`` is a bytes object of exactly 32 bytes."""
    return isinstance(value, bytes) and len(value) == HASH_LEN
