"""A naive reference for the state tree, written straight from the definition.

No versions-as-nodes, no compression tricks, no caching: a dict per version,
and roots and proofs computed recursively over the sorted key hashes. Slow,
obviously right, and only for small trees.
"""

from __future__ import annotations

from hashlib import sha256

from chains.core.state_tree.hashing import LEAF_TAG, NODE_TAG, PLACEHOLDER_HASH
from chains.core.state_tree.proof import ProofLeaf, StateProof

Leaf = tuple[bytes, bytes]  # (key_hash, value_hash)


def get_bit(key_hash: bytes, depth: int) -> int:
    """Bit ``depth`` of ``key_hash``, most significant first."""
    return key_hash[depth // 8] >> (7 - depth % 8) & 1


def get_leaves(items: dict[bytes, bytes]) -> list[Leaf]:
    """The leaves of ``items``, sorted by key hash."""
    return sorted((sha256(k).digest(), sha256(v).digest()) for k, v in items.items())


def compute_naive_subtree_root(leaves: list[Leaf], depth: int) -> bytes:
    """Root of the subtree at ``depth`` holding ``leaves`` (all on one path to ``depth``)."""
    if not leaves:
        return PLACEHOLDER_HASH
    if len(leaves) == 1:
        key_hash, value_hash = leaves[0]
        return sha256(LEAF_TAG + key_hash + value_hash).digest()
    left = [leaf for leaf in leaves if get_bit(leaf[0], depth) == 0]
    right = [leaf for leaf in leaves if get_bit(leaf[0], depth) == 1]
    left_root = compute_naive_subtree_root(left, depth + 1)
    right_root = compute_naive_subtree_root(right, depth + 1)
    return sha256(NODE_TAG + left_root + right_root).digest()


def compute_naive_root(items: dict[bytes, bytes]) -> bytes:
    """The state root of ``items`` by definition."""
    return compute_naive_subtree_root(get_leaves(items), 0)


def compute_naive_proof(items: dict[bytes, bytes], key: bytes) -> StateProof:
    """The canonical proof for ``key`` in ``items`` by definition."""
    key_hash = sha256(key).digest()
    leaves = get_leaves(items)
    depth = 0
    siblings: list[bytes] = []
    bits: list[int] = []
    while len(leaves) > 1:
        bit = get_bit(key_hash, depth)
        same = [leaf for leaf in leaves if get_bit(leaf[0], depth) == bit]
        other = [leaf for leaf in leaves if get_bit(leaf[0], depth) != bit]
        sibling = compute_naive_subtree_root(other, depth + 1)
        bits.append(sibling != PLACEHOLDER_HASH)
        if sibling != PLACEHOLDER_HASH:
            siblings.append(sibling)
        leaves = same
        depth += 1
    leaf = ProofLeaf(*leaves[0]) if leaves else None
    bitmap = bytearray((depth + 7) // 8)
    for d, present in enumerate(bits):
        if present:
            bitmap[d // 8] |= 0x80 >> (d % 8)
    return StateProof(key_hash, leaf, depth, bytes(bitmap), tuple(siblings))


class NaiveStateMap:
    """The reference model: a full copy of the key-value map per retained version."""

    def __init__(self) -> None:
        self.versions: dict[int, dict[bytes, bytes]] = {}
        self.latest: dict[bytes, bytes] = {}

    def apply_updates(self, version: int, updates: dict[bytes, bytes | None]) -> None:
        """Apply a batch as ``version``."""
        state = dict(self.latest)
        for key, value in updates.items():
            if value is None:
                state.pop(key, None)
            else:
                state[key] = value
        self.latest = state
        self.versions[version] = state

    def prune(self, below_version: int) -> None:
        """Forget versions below ``below_version``."""
        self.versions = {v: s for v, s in self.versions.items() if v >= below_version}
