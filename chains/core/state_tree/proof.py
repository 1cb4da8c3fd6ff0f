"""State proofs: membership and non-membership of a key under a state root.

A proof follows the key's path from the root down to where the path ends:
either at a leaf (the key's own leaf proves presence; another key's leaf,
alone in the subtree the key would fall into, proves absence) or at an empty
subtree (absence). It carries every sibling hash along that path, but empty
(placeholder) siblings cost one bit each in ``sibling_bitmap`` instead of 32
bytes. Only canonical proofs are accepted: exactly one proof exists for a key
under a root, so tampering with any byte of an encoded proof is detected.

Encoding (all integers big-endian)::

    kind (1 byte: 0x00 path ends in an empty subtree, 0x01 path ends in a leaf)
    key_hash (32)
    leaf_key_hash (32) || leaf_value_hash (32)        only when kind = 0x01
    depth (2): number of levels walked, 0..256
    sibling_bitmap (ceil(depth / 8)): bit d (MSB first) set = sibling at depth d+1
                                      is non-empty; unused low bits zero
    siblings (32 each): the non-empty siblings, from the root downwards
"""

from __future__ import annotations

from dataclasses import dataclass
from hashlib import sha256

from chains.core.errors import ACCEPTED, ConsortiumError, ErrorCode, Verdict, refuse
from chains.core.state_tree.hashing import KEY_BITS, LEAF_TAG, NODE_TAG, PLACEHOLDER_HASH
from chains.core.types import HASH_LEN, Hash32, is_hash32


@dataclass(frozen=True, slots=True)
class ProofLeaf:
    """The leaf where a proof's path ends: its key hash and its value hash."""

    key_hash: Hash32
    value_hash: Hash32


@dataclass(frozen=True, slots=True)
class StateProof:
    """Proof that a key holds a value, or holds none, under a state root.

    ``siblings[i]`` is the ``i``-th non-empty sibling from the root downwards;
    bit ``d`` of ``sibling_bitmap`` (most significant bit of byte 0 first) says
    whether the sibling of the path node at depth ``d + 1`` is non-empty.
    """

    key_hash: Hash32
    leaf: ProofLeaf | None
    depth: int
    sibling_bitmap: bytes
    siblings: tuple[Hash32, ...]


_EMPTY_KIND = 0x00
_LEAF_KIND = 0x01
_MALFORMED = ErrorCode.STATE_PROOF_MALFORMED


def get_bitmap_len(depth: int) -> int:
    """Bytes of the sibling bitmap of a proof of ``depth`` levels."""
    return (depth + 7) // 8


def get_state_proof_shape_error(proof: StateProof) -> str | None:
    """Why ``proof`` has an impossible shape, or None when its shape is canonical.

    Checks types and lengths, the bitmap against the siblings, that no sibling
    is spelled out as a placeholder, that the deepest sibling is non-empty (a
    subtree holding one leaf, or none, is never split in a canonical tree), and
    that a leaf lies on the key's path.
    """
    if not isinstance(proof, StateProof):
        return "not a StateProof"
    key_hash, leaf, depth = proof.key_hash, proof.leaf, proof.depth
    bitmap, siblings = proof.sibling_bitmap, proof.siblings
    if not is_hash32(key_hash):
        return "key hash is not 32 bytes"
    if leaf is not None and not (
        isinstance(leaf, ProofLeaf) and is_hash32(leaf.key_hash) and is_hash32(leaf.value_hash)
    ):
        return "leaf hashes are not 32 bytes"
    if type(depth) is not int or not 0 <= depth <= KEY_BITS:
        return f"depth must be an integer in 0..{KEY_BITS}"
    if not isinstance(bitmap, bytes) or len(bitmap) != get_bitmap_len(depth):
        return f"sibling bitmap of a proof of depth {depth} has {get_bitmap_len(depth)} bytes"
    if not isinstance(siblings, tuple):
        return "siblings must be a tuple"
    bits = int.from_bytes(bitmap, "big")
    pad = len(bitmap) * 8 - depth
    if bits & ((1 << pad) - 1):
        return "unused bits of the sibling bitmap must be zero"
    if bits.bit_count() != len(siblings):
        return "sibling bitmap does not match the number of siblings"
    for sibling in siblings:
        if not is_hash32(sibling):
            return "a sibling hash is not 32 bytes"
        if sibling == PLACEHOLDER_HASH:
            return "an empty sibling must be encoded in the bitmap, not spelled out"
    if depth and not bits >> pad & 1:
        return "the deepest sibling of a canonical proof is never empty"
    if leaf is not None and depth:
        shift = KEY_BITS - depth
        leaf_path = int.from_bytes(leaf.key_hash, "big") >> shift
        if leaf_path != int.from_bytes(key_hash, "big") >> shift:
            return "the proof's leaf is not on the key's path"
    return None


def compute_state_proof_root(proof: StateProof) -> Hash32:
    """The root that a well-shaped ``proof`` recomputes to (check the shape first)."""
    leaf = proof.leaf
    if leaf is None:
        node_hash = PLACEHOLDER_HASH
    else:
        node_hash = sha256(LEAF_TAG + leaf.key_hash + leaf.value_hash).digest()
    depth = proof.depth
    if not depth:
        return Hash32(node_hash)
    key_int = int.from_bytes(proof.key_hash, "big")
    bitmap = proof.sibling_bitmap
    bits = int.from_bytes(bitmap, "big")
    top = len(bitmap) * 8 - 1  # bitmap bit of depth d is bits >> (top - d)
    siblings = proof.siblings
    next_sibling = len(siblings)
    placeholder = PLACEHOLDER_HASH
    node_tag = NODE_TAG
    # Walk up from the bottom of the path: the deepest sibling is the last one.
    for d in range(depth - 1, -1, -1):
        if bits >> (top - d) & 1:
            next_sibling -= 1
            sibling = siblings[next_sibling]
        else:
            sibling = placeholder
        if key_int >> (255 - d) & 1:
            node_hash = sha256(node_tag + sibling + node_hash).digest()
        else:
            node_hash = sha256(node_tag + node_hash + sibling).digest()
    return Hash32(node_hash)


def verify_state_proof(root: Hash32, key: bytes, value: bytes | None, proof: StateProof) -> Verdict:
    """Check that, under ``root``, ``key`` holds ``value`` (or, for None, holds nothing).

    Refuses with STATE_PROOF_MALFORMED (impossible shape, or a proof for another
    key), STATE_ROOT_MISMATCH, STATE_KEY_PRESENT (absence claimed, key present),
    STATE_KEY_ABSENT (presence claimed, key absent) or STATE_VALUE_MISMATCH.
    """
    if not is_hash32(root):
        return refuse(_MALFORMED, "the trusted root is not a 32-byte hash")
    if not isinstance(key, bytes):
        return refuse(_MALFORMED, "the key must be bytes")
    if value is not None and not isinstance(value, bytes):
        return refuse(_MALFORMED, "the claimed value must be bytes or None")
    shape_error = get_state_proof_shape_error(proof)
    if shape_error is not None:
        return refuse(_MALFORMED, shape_error)
    key_hash = sha256(key).digest()
    if proof.key_hash != key_hash:
        return refuse(_MALFORMED, "the proof is for another key")
    # The semantic checks below mean something only once the path is authenticated.
    if compute_state_proof_root(proof) != root:
        return refuse(ErrorCode.STATE_ROOT_MISMATCH, "the proof does not lead to the trusted root")
    leaf = proof.leaf
    holds_key = leaf is not None and leaf.key_hash == key_hash
    if value is None:
        if holds_key:
            return refuse(ErrorCode.STATE_KEY_PRESENT, "absence claimed, but the key is present")
        return ACCEPTED
    if not holds_key:
        return refuse(ErrorCode.STATE_KEY_ABSENT, "presence claimed, but the key is absent")
    if leaf.value_hash != sha256(value).digest():
        return refuse(ErrorCode.STATE_VALUE_MISMATCH, "the key holds a different value")
    return ACCEPTED


def encode_state_proof(proof: StateProof) -> bytes:
    """Canonical bytes of ``proof`` (see the module docstring)."""
    parts = [bytes((_EMPTY_KIND if proof.leaf is None else _LEAF_KIND,)), proof.key_hash]
    if proof.leaf is not None:
        parts += (proof.leaf.key_hash, proof.leaf.value_hash)
    parts += (proof.depth.to_bytes(2, "big"), proof.sibling_bitmap, *proof.siblings)
    return b"".join(parts)


def decode_state_proof(data: bytes) -> StateProof:
    """The proof encoded in ``data``; ConsortiumError(STATE_PROOF_MALFORMED) if not canonical."""
    if not isinstance(data, bytes):
        raise ConsortiumError(_MALFORMED, "an encoded state proof is bytes")
    if len(data) < 1 + HASH_LEN + 2:
        raise ConsortiumError(_MALFORMED, "an encoded state proof is too short")
    kind = data[0]
    if kind not in (_EMPTY_KIND, _LEAF_KIND):
        raise ConsortiumError(_MALFORMED, f"unknown state proof kind {kind}")
    key_hash = Hash32(data[1 : 1 + HASH_LEN])
    offset = 1 + HASH_LEN
    leaf = None
    if kind == _LEAF_KIND:
        if len(data) < offset + 2 * HASH_LEN + 2:
            raise ConsortiumError(_MALFORMED, "an encoded state proof is too short for its leaf")
        leaf = ProofLeaf(
            Hash32(data[offset : offset + HASH_LEN]),
            Hash32(data[offset + HASH_LEN : offset + 2 * HASH_LEN]),
        )
        offset += 2 * HASH_LEN
    depth = int.from_bytes(data[offset : offset + 2], "big")
    offset += 2
    if depth > KEY_BITS:
        raise ConsortiumError(_MALFORMED, f"state proof depth {depth} exceeds {KEY_BITS}")
    bitmap = data[offset : offset + get_bitmap_len(depth)]
    offset += get_bitmap_len(depth)
    count = int.from_bytes(bitmap, "big").bit_count()
    if len(data) != offset + count * HASH_LEN:
        raise ConsortiumError(_MALFORMED, "encoded state proof length does not match its bitmap")
    siblings = tuple(
        Hash32(data[start : start + HASH_LEN])
        for start in range(offset, offset + count * HASH_LEN, HASH_LEN)
    )
    proof = StateProof(key_hash, leaf, depth, bitmap, siblings)
    shape_error = get_state_proof_shape_error(proof)
    if shape_error is not None:
        raise ConsortiumError(_MALFORMED, shape_error)
    return proof
