"""Block headers and blocks: hash the exact bytes that were sent and stored (DESIGN §3).

A header travels as the serialised ``consortium.v1.BlockHeader`` inside
``Block.header`` (a ``bytes`` field), and the block hash is SHA-256 of exactly
those bytes. A decoded :class:`Header` keeps the bytes it came from in
``raw`` and their hash in ``hash``; nothing here ever re-serialises a decoded
message to hash it, because protobuf serialisation is not canonical (field
order, over-long varints, repeated fields and unknown fields all give other
bytes for the same values). Two encodings of the same fields are therefore two
different blocks with two different hashes; consensus agrees on bytes, so
that is harmless, whereas re-serialising would let a hash cover bytes that
nobody sent.

Decoding checks shape only (lengths, height, chain id); whether a header
belongs on a chain is the business of the commit certificate
(``chains.core.consensus.certificate``) and of the application.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from chains.core.consensus.messages import MAX_CHAIN_ID_BYTES, Value
from chains.core.crypto.bls import PUBLIC_KEY_LENGTH
from chains.core.errors import ACCEPTED, ConsortiumError, ErrorCode, Verdict, refuse
from chains.core.merkle import compute_root
from chains.core.protobuf import parse_message
from chains.core.types import ChainId, Hash32, Height, compute_sha256, is_hash32
from consortium.v1 import chain_pb2

MAX_UINT64 = 2**64 - 1
MIN_INT64 = -(2**63)
MAX_INT64 = 2**63 - 1


@dataclass(frozen=True, slots=True)
class Header:
    """A decoded block header, with the exact bytes it was decoded from and their hash.

    Build one only with :func:`decode_header` (or :func:`encode_header` then
    :func:`decode_header`), so that ``hash`` is always SHA-256 of ``raw``.
    ``prev_block_hash`` is empty exactly for the first block (height 1).
    """

    chain_id: ChainId
    height: Height
    time_unix_ms: int
    prev_block_hash: bytes
    tx_root: Hash32
    tx_count: int
    state_root: Hash32
    validators_hash: Hash32
    next_validators_hash: Hash32
    proposer: bytes
    raw: bytes
    hash: Hash32


@dataclass(frozen=True, slots=True)
class Block:
    """A decoded block: its header, its transactions' bytes in order, and its exact bytes."""

    header: Header
    txs: tuple[bytes, ...]
    raw: bytes

    @property
    def hash(self) -> Hash32:
        """The block hash: SHA-256 of the exact header bytes."""
        return self.header.hash


def _get_header_problem(message: chain_pb2.BlockHeader) -> str | None:
    """Why a parsed header has the wrong shape, or None when it is well-formed."""
    if not 0 < len(message.chain_id.encode("utf-8")) <= MAX_CHAIN_ID_BYTES:
        # The chain id goes into every vote's sign bytes, which cap its length.
        return f"the chain id must be 1..{MAX_CHAIN_ID_BYTES} UTF-8 bytes"
    if message.height < 1:
        return "the height must be at least 1 (the first block has height 1)"
    if message.height == 1:
        if message.prev_block_hash:
            return "the first block (height 1) has no previous block hash"
    elif not is_hash32(message.prev_block_hash):
        return f"the previous block hash must be 32 bytes, got {len(message.prev_block_hash)}"
    for name in ("tx_root", "state_root", "validators_hash", "next_validators_hash"):
        value = getattr(message, name)
        if not is_hash32(value):
            return f"{name} must be 32 bytes, got {len(value)}"
    if len(message.proposer) != PUBLIC_KEY_LENGTH:
        return f"the proposer must be a {PUBLIC_KEY_LENGTH}-byte BLS public key"
    return None


def decode_header(raw: bytes) -> Header:
    """Decode header bytes, keeping them and their SHA-256 as the block hash.

    Raises only ``ConsortiumError(MALFORMED_INPUT)``: for anything that is not
    bytes, does not parse as ``BlockHeader``, or has the wrong shape (a hash
    that is not 32 bytes, a previous block hash that is not empty exactly at
    height 1, height 0, an empty or over-long chain id, a proposer key that
    is not 48 bytes). Unknown fields and non-canonical encodings are accepted;
    the hash covers them, since it covers the exact bytes.
    """
    message = parse_message(chain_pb2.BlockHeader, raw)
    problem = _get_header_problem(message)
    if problem is not None:
        raise ConsortiumError(ErrorCode.MALFORMED_INPUT, problem)
    return Header(
        chain_id=ChainId(message.chain_id),
        height=Height(message.height),
        time_unix_ms=message.time_unix_ms,
        prev_block_hash=message.prev_block_hash,
        tx_root=Hash32(message.tx_root),
        tx_count=message.tx_count,
        state_root=Hash32(message.state_root),
        validators_hash=Hash32(message.validators_hash),
        next_validators_hash=Hash32(message.next_validators_hash),
        proposer=message.proposer,
        raw=raw,
        hash=compute_sha256(raw),
    )


def _is_int_in(value: object, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def encode_header(
    *,
    chain_id: ChainId,
    height: Height,
    time_unix_ms: int,
    prev_block_hash: bytes,
    tx_root: Hash32,
    tx_count: int,
    state_root: Hash32,
    validators_hash: Hash32,
    next_validators_hash: Hash32,
    proposer: bytes,
) -> bytes:
    """Serialise a header once, deterministically; these bytes are then sent, stored and hashed.

    Raises ``ConsortiumError(MALFORMED_INPUT)`` for values :func:`decode_header`
    would refuse, so that every encoded header decodes.
    """
    if not isinstance(chain_id, str):
        raise ConsortiumError(ErrorCode.MALFORMED_INPUT, "the chain id must be a string")
    if not (_is_int_in(height, 0, MAX_UINT64) and _is_int_in(tx_count, 0, MAX_UINT64)):
        raise ConsortiumError(ErrorCode.MALFORMED_INPUT, "height and tx count must be uint64")
    if not _is_int_in(time_unix_ms, MIN_INT64, MAX_INT64):
        raise ConsortiumError(ErrorCode.MALFORMED_INPUT, "the time must be an int64")
    hashes = (prev_block_hash, tx_root, state_root, validators_hash, next_validators_hash)
    if not all(isinstance(value, bytes) for value in (*hashes, proposer)):
        raise ConsortiumError(ErrorCode.MALFORMED_INPUT, "hashes and proposer must be bytes")
    try:
        message = chain_pb2.BlockHeader(
            chain_id=chain_id,
            height=height,
            time_unix_ms=time_unix_ms,
            prev_block_hash=prev_block_hash,
            tx_root=tx_root,
            tx_count=tx_count,
            state_root=state_root,
            validators_hash=validators_hash,
            next_validators_hash=next_validators_hash,
            proposer=proposer,
        )
        raw = message.SerializeToString(deterministic=True)
    except (TypeError, ValueError) as error:  # e.g. a chain id that is not valid Unicode
        raise ConsortiumError(ErrorCode.MALFORMED_INPUT, f"cannot encode header: {error}") from None
    problem = _get_header_problem(message)
    if problem is not None:
        raise ConsortiumError(ErrorCode.MALFORMED_INPUT, problem)
    return raw


def encode_block(header_raw: bytes, txs: Iterable[bytes]) -> bytes:
    """The ``Block`` bytes holding the exact ``header_raw`` and the transactions in order.

    Raises ``ConsortiumError(MALFORMED_INPUT)`` when ``header_raw`` is not a
    valid header or a transaction is not bytes.
    """
    decode_header(header_raw)  # refuse to wrap a header that no one could decode
    tx_list = list(txs)
    if not all(isinstance(tx, bytes) for tx in tx_list):
        raise ConsortiumError(ErrorCode.MALFORMED_INPUT, "every transaction must be bytes")
    return chain_pb2.Block(header=header_raw, txs=tx_list).SerializeToString(deterministic=True)


def decode_block(raw: bytes) -> Block:
    """Decode block bytes; the header is decoded from its own exact bytes.

    Raises only ``ConsortiumError(MALFORMED_INPUT)`` (see :func:`decode_header`).
    The transactions' root is not checked here: see :func:`verify_block_tx_root`.
    """
    message = parse_message(chain_pb2.Block, raw)
    return Block(header=decode_header(message.header), txs=tuple(message.txs), raw=raw)


def get_block_value(raw_block: bytes) -> Value:
    """The consensus value of a block: its exact bytes and its hash (the header's hash).

    Raises ``ConsortiumError(MALFORMED_INPUT)`` for bytes that are not a block.
    """
    block = decode_block(raw_block)
    return Value(block=raw_block, block_hash=block.header.hash)


def verify_block_tx_root(block: Block) -> Verdict:
    """Accept when the header's tx count and RFC 6962 tx root match the block's transactions.

    Refuses MERKLE_ROOT_MISMATCH for a wrong count or root, MALFORMED_INPUT for
    something that is not a decoded :class:`Block`. Never raises.
    """
    if not isinstance(block, Block) or not isinstance(block.header, Header):
        return refuse(ErrorCode.MALFORMED_INPUT, "expected a decoded Block")
    if not isinstance(block.txs, tuple) or not all(isinstance(tx, bytes) for tx in block.txs):
        return refuse(ErrorCode.MALFORMED_INPUT, "a block's transactions must be bytes")
    header = block.header
    if header.tx_count != len(block.txs):
        return refuse(
            ErrorCode.MERKLE_ROOT_MISMATCH,
            f"the header counts {header.tx_count} transactions, the block holds {len(block.txs)}",
        )
    if compute_root(block.txs) != header.tx_root:
        return refuse(
            ErrorCode.MERKLE_ROOT_MISMATCH,
            "the header's tx root is not the RFC 6962 root of the block's transactions",
        )
    return ACCEPTED
