"""RFC 6962 Merkle trees over SHA-256: transaction roots and field-committed records.

Definitions (RFC 6962 §2.1, restated in RFC 9162 §2.1.1)::

    MTH({})       = SHA-256()                               the empty tree
    MTH({d0})     = SHA-256(0x00 || d0)                     a leaf
    MTH(D[0:n])   = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))
                    where k is the largest power of two smaller than n

The distinct leaf and node prefixes make a leaf's hash and an interior node's
hash come from disjoint preimages, so an interior node cannot be passed off as
a leaf. An odd last node is *promoted*, never duplicated, so the list
``[a, b, c]`` and ``[a, b, c, c]`` have different roots (unlike Bitcoin's tree,
CVE-2012-2459).

:class:`MerkleTree` is append-only and keeps the hash of every complete
(perfect) subtree, so a root at any past size, an inclusion proof and a
consistency proof are O(log n) look-ups plus at most O(log n) hashes for the
ragged right edge.

Verifiers (:func:`verify_inclusion`, :func:`verify_leaf_inclusion`,
:func:`verify_consistency`) implement RFC 9162 §2.1.3.2 and §2.1.4.2 and
never raise: every malformed input is refused with a stable ``MERKLE_*`` code
(or ``MALFORMED_INPUT`` for arguments of the wrong Python type).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from chains.core.errors import ACCEPTED, ConsortiumError, ErrorCode, Verdict, refuse
from chains.core.types import HASH_LEN, Hash32, compute_sha256

LEAF_PREFIX = b"\x00"
"""Prepended to leaf data before hashing (RFC 6962 §2.1)."""

NODE_PREFIX = b"\x01"
"""Prepended to the two child hashes of an interior node (RFC 6962 §2.1)."""

EMPTY_ROOT: Hash32 = compute_sha256(b"")
"""The root of the tree with no leaves: SHA-256 of the empty string."""

MAX_TREE_SIZE = (1 << 64) - 1
"""Sizes and indices travel as uint64 on the wire; anything larger is refused."""

# Bound once: the verifiers and the tree call these in their innermost loops.
_sha256 = hashlib.sha256


@dataclass(frozen=True, slots=True)
class InclusionProof:
    """The audit path of one leaf: sibling hashes from the leaf up to the root.

    ``hashes`` are ordered bottom-up, as RFC 6962 §2.1.1 ``PATH`` produces them.
    """

    leaf_index: int
    tree_size: int
    hashes: tuple[Hash32, ...]


@dataclass(frozen=True, slots=True)
class ConsistencyProof:
    """Proof that the tree of ``size1`` leaves is a prefix of the tree of ``size2`` leaves.

    ``hashes`` are ordered as RFC 6962 §2.1.2 ``PROOF`` produces them.
    """

    size1: int
    size2: int
    hashes: tuple[Hash32, ...]


# --------------------------------------------------------------------------
# Hashing
# --------------------------------------------------------------------------


def compute_leaf_hash(data: bytes) -> Hash32:
    """The RFC 6962 hash of one leaf: SHA-256(0x00 || data)."""
    if not isinstance(data, bytes):
        raise ConsortiumError(ErrorCode.MALFORMED_INPUT, "leaf data must be bytes")
    return Hash32(_sha256(LEAF_PREFIX + data).digest())


def compute_node_hash(left: bytes, right: bytes) -> Hash32:
    """The RFC 6962 hash of an interior node: SHA-256(0x01 || left || right)."""
    if not (isinstance(left, bytes) and isinstance(right, bytes)):
        raise ConsortiumError(ErrorCode.MALFORMED_INPUT, "child hashes must be bytes")
    return Hash32(_sha256(NODE_PREFIX + left + right).digest())


def compute_root_from_leaf_hashes(leaf_hashes: Sequence[bytes]) -> Hash32:
    """The RFC 6962 root of a tree whose leaf hashes are given, in order.

    Pairs neighbours level by level; an odd last node moves up unchanged,
    which yields exactly MTH's "largest power of two" split.
    """
    level = list(leaf_hashes)
    for leaf_hash in level:
        if not (isinstance(leaf_hash, bytes) and len(leaf_hash) == HASH_LEN):
            raise ConsortiumError(ErrorCode.MERKLE_HASH_LENGTH, "a leaf hash must be 32 bytes")
    if not level:
        return EMPTY_ROOT
    sha256, node = _sha256, NODE_PREFIX
    while len(level) > 1:
        paired = [
            sha256(node + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)
        ]
        if len(level) % 2:
            paired.append(level[-1])  # promoted, never duplicated (CVE-2012-2459)
        level = paired
    return Hash32(level[0])


def compute_root(leaves: Iterable[bytes]) -> Hash32:
    """The RFC 6962 root (MTH) of a list of leaf data."""
    return compute_root_from_leaf_hashes([compute_leaf_hash(data) for data in leaves])


def compute_inclusion_proof_length(index: int, size: int) -> int:
    """How many hashes the inclusion proof of leaf ``index`` in a tree of ``size`` holds.

    The path splits into an *inner* part, below the level where the paths to
    ``index`` and to the last leaf meet, and a *border* part above it, where
    only left siblings exist (one per set bit of the remaining index).
    """
    inner = (index ^ (size - 1)).bit_length()
    return inner + (index >> inner).bit_count()


def compute_consistency_proof_length(size1: int, size2: int) -> int:
    """How many hashes the consistency proof from ``size1`` to ``size2`` leaves holds."""
    if size1 == 0 or size1 == size2:
        return 0
    level = (size1 & -size1).bit_length() - 1  # the old tree's last perfect subtree
    index = (size1 - 1) >> level
    seed = 0 if index == 0 else 1  # the old root itself is that subtree when size1 = 2^k
    return seed + compute_inclusion_proof_length(index, ((size2 - 1) >> level) + 1)


# --------------------------------------------------------------------------
# The incremental tree
# --------------------------------------------------------------------------


class MerkleTree:
    """An append-only RFC 6962 tree that remembers every complete subtree's hash.

    ``_levels[h][i]`` is the hash of the perfect subtree of height ``h`` over
    leaves ``[i * 2**h, (i + 1) * 2**h)``. Appending a leaf adds at most one
    hash per level (amortised one), and since leaves never change, every stored
    hash stays valid for every later size.
    """

    __slots__ = ("_levels", "_edge_end", "_edge_hashes")

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self._levels: list[list[Hash32]] = [[]]
        # The ragged right edge of the tree at size ``_edge_end``: hashes of the
        # nodes [start, _edge_end) by ``start``. One size is cached at a time.
        self._edge_end = -1
        self._edge_hashes: dict[int, Hash32] = {}
        for leaf_hash in leaf_hashes:
            self.append_leaf_hash(leaf_hash)

    @classmethod
    def from_leaves(cls, leaves: Iterable[bytes]) -> MerkleTree:
        """A tree holding ``leaves`` (leaf data, hashed with the 0x00 prefix)."""
        tree = cls()
        for data in leaves:
            tree.append_leaf(data)
        return tree

    @property
    def size(self) -> int:
        """The number of leaves."""
        return len(self._levels[0])

    def __len__(self) -> int:
        return len(self._levels[0])

    def append_leaf(self, data: bytes) -> int:
        """Append one leaf's data; return its index."""
        if not isinstance(data, bytes):
            raise ConsortiumError(ErrorCode.MALFORMED_INPUT, "leaf data must be bytes")
        return self._append(_sha256(LEAF_PREFIX + data).digest())

    def append_leaf_hash(self, leaf_hash: bytes) -> int:
        """Append a leaf by its hash, which must come from :func:`compute_leaf_hash`."""
        if not (isinstance(leaf_hash, bytes) and len(leaf_hash) == HASH_LEN):
            raise ConsortiumError(ErrorCode.MERKLE_HASH_LENGTH, "a leaf hash must be 32 bytes")
        return self._append(leaf_hash)

    def _append(self, leaf_hash: bytes) -> int:
        levels = self._levels
        row = levels[0]
        index = len(row)
        row.append(Hash32(leaf_hash))
        # Each time a row gains its second child of a pair, the parent is complete.
        height = 0
        while len(row) % 2 == 0:
            parent = _sha256(NODE_PREFIX + row[-2] + row[-1]).digest()
            height += 1
            if height == len(levels):
                levels.append([])
            row = levels[height]
            row.append(Hash32(parent))
        return index

    def get_leaf_hash(self, index: int) -> Hash32:
        """The hash of leaf ``index``."""
        self._check_index(index, self.size)
        return self._levels[0][index]

    def get_root(self, size: int | None = None) -> Hash32:
        """The root of the tree at ``size`` leaves (default: now)."""
        size = self._check_size(size)
        if size == 0:
            return EMPTY_ROOT
        return self._get_node_hash(0, size)

    def get_inclusion_proof(self, index: int, size: int | None = None) -> InclusionProof:
        """The audit path of leaf ``index`` in the tree at ``size`` leaves (RFC 6962 §2.1.1)."""
        size = self._check_size(size)
        self._check_index(index, size)
        levels = self._levels
        # Above the first perfect subtree that holds ``index``, walk down from the root.
        top: list[Hash32] = []
        start, end = 0, size
        width = size
        while width & (width - 1):  # not a power of two: an unbalanced node
            half = 1 << (width.bit_length() - 1)  # the largest power of two below width
            middle = start + half
            if index < middle:
                top.append(self._get_node_hash(middle, end))
                end = middle
            else:
                height = half.bit_length() - 1
                top.append(levels[height][start >> height])
                start = middle
            width = end - start
        # Inside a perfect subtree every sibling is a stored hash.
        height = width.bit_length() - 1
        path = [levels[h][(index >> h) ^ 1] for h in range(height)]
        path.extend(reversed(top))
        return InclusionProof(index, size, tuple(path))

    def get_consistency_proof(self, size1: int, size2: int | None = None) -> ConsistencyProof:
        """The proof that the tree at ``size1`` is a prefix of the tree at ``size2`` (§2.1.2)."""
        size2 = self._check_size(size2)
        if isinstance(size1, bool) or not isinstance(size1, int) or not 0 <= size1 <= size2:
            raise ConsortiumError(
                ErrorCode.MERKLE_TREE_SIZE, f"size1 must be between 0 and {size2}, got {size1!r}"
            )
        if size1 in (0, size2):
            return ConsistencyProof(size1, size2, ())
        # SUBPROOF(m, D[start:end], b) of RFC 6962 §2.1.2, unrolled; collected top-down.
        path: list[Hash32] = []
        start, end, m = 0, size2, size1
        whole_old_tree = True  # the RFC's flag b: the old root is known to the verifier
        while m != end - start:
            half = 1 << ((end - start - 1).bit_length() - 1)
            if m <= half:
                path.append(self._get_node_hash(start + half, end))
                end = start + half
            else:
                path.append(self._get_node_hash(start, start + half))
                start += half
                m -= half
                whole_old_tree = False
        if not whole_old_tree:
            path.append(self._get_node_hash(start, end))
        path.reverse()
        return ConsistencyProof(size1, size2, tuple(path))

    # ---- internals -------------------------------------------------------

    def _check_size(self, size: int | None) -> int:
        if size is None:
            return self.size
        if isinstance(size, bool) or not isinstance(size, int) or not 0 <= size <= self.size:
            raise ConsortiumError(
                ErrorCode.MERKLE_TREE_SIZE,
                f"size must be between 0 and the tree's {self.size} leaves, got {size!r}",
            )
        return size

    @staticmethod
    def _check_index(index: int, size: int) -> None:
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < size:
            raise ConsortiumError(
                ErrorCode.MERKLE_INDEX_OUT_OF_RANGE,
                f"leaf index must be below the tree size {size}, got {index!r}",
            )

    def _get_node_hash(self, start: int, end: int) -> Hash32:
        """MTH(D[start:end]) for a node of the RFC tree: perfect, or on the right edge."""
        width = end - start
        if width & (width - 1) == 0:
            height = width.bit_length() - 1
            return self._levels[height][start >> height]
        if end != self._edge_end:
            self._edge_hashes = self._compute_edge_hashes(end)
            self._edge_end = end
        return self._edge_hashes[start]

    def _compute_edge_hashes(self, end: int) -> dict[int, Hash32]:
        """Hashes of every right-edge node [start, end) of the tree at ``end`` leaves.

        The tree at ``end`` leaves is the right-to-left fold of its perfect
        subtrees (one per set bit of ``end``); each partial fold is a node.
        """
        pieces: list[tuple[int, Hash32]] = []
        start = 0
        for height in range(end.bit_length() - 1, -1, -1):
            if end >> height & 1:
                pieces.append((start, self._levels[height][start >> height]))
                start += 1 << height
        edge: dict[int, Hash32] = {}
        start, acc = pieces[-1]
        edge[start] = acc
        for start, piece in reversed(pieces[:-1]):
            acc = Hash32(_sha256(NODE_PREFIX + piece + acc).digest())
            edge[start] = acc
        return edge


# --------------------------------------------------------------------------
# Verification
# --------------------------------------------------------------------------


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_hashes(proof: object, root: object, what: str) -> Verdict | None:
    """Refusal when ``root`` or a proof item is not 32 bytes, or the proof is no list."""
    if not (isinstance(root, bytes) and len(root) == HASH_LEN):
        return refuse(ErrorCode.MERKLE_HASH_LENGTH, f"{what} must be 32 bytes")
    if not isinstance(proof, list | tuple):
        return refuse(ErrorCode.MALFORMED_INPUT, "a proof must be a list or tuple of hashes")
    for position, item in enumerate(proof):
        if not (isinstance(item, bytes) and len(item) == HASH_LEN):
            return refuse(ErrorCode.MERKLE_HASH_LENGTH, f"proof hash #{position} is not 32 bytes")
    return None


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> Verdict:
    """Check that ``leaf_hash`` is leaf ``index`` of the tree of ``size`` leaves with ``root``.

    RFC 9162 §2.1.3.2. ``leaf_hash`` must be :func:`compute_leaf_hash` of the
    leaf's data; prefer :func:`verify_leaf_inclusion`, which takes the data and
    so cannot be handed an interior node's hash. ``size`` must come from a
    trusted source (the header), not from the prover.
    """
    if not (_is_count(index) and _is_count(size)):
        return refuse(ErrorCode.MALFORMED_INPUT, "index and size must be integers")
    if not 0 < size <= MAX_TREE_SIZE:
        return refuse(ErrorCode.MERKLE_TREE_SIZE, f"tree size {size} cannot hold a leaf")
    if not 0 <= index < size:
        return refuse(
            ErrorCode.MERKLE_INDEX_OUT_OF_RANGE, f"leaf index {index} is not below size {size}"
        )
    if not (isinstance(leaf_hash, bytes) and len(leaf_hash) == HASH_LEN):
        return refuse(ErrorCode.MERKLE_HASH_LENGTH, "the leaf hash must be 32 bytes")
    bad = _check_hashes(proof, root, "the root")
    if bad is not None:
        return bad
    # The RFC's loop shifts past levels where the node has no sibling; knowing
    # the shape up front lets us check the length first and then just hash.
    inner = (index ^ (size - 1)).bit_length()
    border = (index >> inner).bit_count()
    if len(proof) != inner + border:
        return refuse(
            ErrorCode.MERKLE_PROOF_LENGTH,
            f"leaf {index} of {size} needs {inner + border} proof hashes, got {len(proof)}",
        )
    # Bit i of ``on_left`` says the i-th sibling is on the left: the index's
    # own bits below the meeting level, then only left siblings on the border.
    on_left = (index & ((1 << inner) - 1)) | (((1 << border) - 1) << inner)
    sha256, node = _sha256, NODE_PREFIX
    acc = leaf_hash
    for sibling in proof:
        if on_left & 1:
            acc = sha256(node + sibling + acc).digest()
        else:
            acc = sha256(node + acc + sibling).digest()
        on_left >>= 1
    # Roots and proofs are public, so a plain comparison leaks nothing.
    if acc != root:
        return refuse(ErrorCode.MERKLE_ROOT_MISMATCH, f"leaf {index} does not prove to the root")
    return ACCEPTED


def verify_leaf_inclusion(
    leaf_data: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> Verdict:
    """Check that ``leaf_data`` is leaf ``index`` of the tree of ``size`` leaves with ``root``.

    Hashes the data with the leaf prefix itself, so the concatenation of two
    child hashes presented as "data" never matches the interior node.
    """
    if not isinstance(leaf_data, bytes):
        return refuse(ErrorCode.MALFORMED_INPUT, "leaf data must be bytes")
    return verify_inclusion(_sha256(LEAF_PREFIX + leaf_data).digest(), index, size, proof, root)


def verify_consistency(
    size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]
) -> Verdict:
    """Check that the tree of ``size1`` leaves with ``root1`` is a prefix of ``size2``/``root2``.

    RFC 9162 §2.1.4.2. Equal sizes need an empty proof and equal roots; size1
    = 0 needs an empty proof and ``root1`` equal to the empty tree's root.
    """
    if not (_is_count(size1) and _is_count(size2)):
        return refuse(ErrorCode.MALFORMED_INPUT, "tree sizes must be integers")
    if not 0 <= size1 <= size2 <= MAX_TREE_SIZE:
        return refuse(
            ErrorCode.MERKLE_TREE_SIZE, f"sizes {size1} -> {size2} are not a growing tree"
        )
    if not (isinstance(root1, bytes) and len(root1) == HASH_LEN):
        return refuse(ErrorCode.MERKLE_HASH_LENGTH, "the old root must be 32 bytes")
    bad = _check_hashes(proof, root2, "the new root")
    if bad is not None:
        return bad
    expected = compute_consistency_proof_length(size1, size2)
    if len(proof) != expected:
        return refuse(
            ErrorCode.MERKLE_PROOF_LENGTH,
            f"sizes {size1} -> {size2} need {expected} proof hashes, got {len(proof)}",
        )
    if size1 == 0:
        # Every tree extends the empty one, whose root is fixed; nothing else to check.
        if root1 != EMPTY_ROOT or (size2 == 0 and root2 != EMPTY_ROOT):
            return refuse(ErrorCode.MERKLE_ROOT_MISMATCH, "the empty tree has another root")
        return ACCEPTED
    if size1 == size2:
        if root1 != root2:
            return refuse(ErrorCode.MERKLE_ROOT_MISMATCH, "equal sizes with different roots")
        return ACCEPTED
    # Start from the old tree's last perfect subtree (the RFC's "if first is a
    # power of two, prepend first_hash"), then climb as an inclusion proof of
    # that subtree in the new tree, rebuilding the old root from the left
    # siblings only.
    level = (size1 & -size1).bit_length() - 1
    index = (size1 - 1) >> level
    last = (size2 - 1) >> level
    inner = (index ^ last).bit_length()
    border = (index >> inner).bit_count()
    on_left = (index & ((1 << inner) - 1)) | (((1 << border) - 1) << inner)
    if index == 0:
        old = new = root1
        rest: Sequence[bytes] = proof
    else:
        old = new = proof[0]
        rest = proof[1:]
    sha256, node = _sha256, NODE_PREFIX
    for sibling in rest:
        if on_left & 1:
            old = sha256(node + sibling + old).digest()
            new = sha256(node + sibling + new).digest()
        else:
            new = sha256(node + new + sibling).digest()
        on_left >>= 1
    if old != root1:
        return refuse(ErrorCode.MERKLE_ROOT_MISMATCH, "the proof does not rebuild the old root")
    if new != root2:
        return refuse(ErrorCode.MERKLE_ROOT_MISMATCH, "the proof does not rebuild the new root")
    return ACCEPTED
