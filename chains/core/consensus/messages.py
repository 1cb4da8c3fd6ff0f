"""Votes, proposals and the canonical bytes their signatures cover (DESIGN §3).

A signature never covers a re-serialised protobuf message: it covers the
canonical sign bytes below, which carry a domain tag per message kind and the
chain id, so that no signature can be replayed on another chain or as another
kind of message. The precommits of one round for one block all sign the same
bytes, which is what lets them aggregate into one BLS commit certificate.

Layout (all integers big-endian)::

    domain tag (ends in 0x00) | u8 len(chain_id) | chain_id (UTF-8)
    | u64 height | u32 round | [proposal only: i32 valid_round]
    | u8 has_block (0 for nil) | block hash (32 bytes, only when has_block = 1)
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import IntEnum

from chains.core.errors import ConsortiumError, ErrorCode
from chains.core.types import ChainId, Hash32, Height, Round, is_hash32

PREVOTE_DOMAIN = b"consortium/prevote/v1\x00"
PRECOMMIT_DOMAIN = b"consortium/precommit/v1\x00"
PROPOSAL_DOMAIN = b"consortium/proposal/v1\x00"

MAX_CHAIN_ID_BYTES = 64
MAX_ROUND = 2**31 - 1


class VoteType(IntEnum):
    """The two votes of a Tendermint round; numbers match ``consortium.v1.VoteType``."""

    PREVOTE = 1
    PRECOMMIT = 2


class Step(IntEnum):
    """A validator's step within a round (Algorithm 1, line 4), in signing order."""

    PROPOSE = 0
    PREVOTE = 1
    PRECOMMIT = 2


def get_vote_step(vote_type: VoteType) -> Step:
    """The step in which a vote of ``vote_type`` is cast."""
    return Step.PREVOTE if vote_type == VoteType.PREVOTE else Step.PRECOMMIT


@dataclass(frozen=True, slots=True)
class Value:
    """A proposed block as consensus sees it: its exact bytes and its hash ``id(v)``.

    Consensus never parses the block; the application validates it. ``block_hash``
    is the hash of the block's exact header bytes, computed where the block is
    decoded (see ``chains.core.block``).
    """

    block: bytes
    block_hash: Hash32


@dataclass(frozen=True, slots=True)
class Vote:
    """A prevote or precommit for ``block_hash`` (``None``: a vote for nil)."""

    vote_type: VoteType
    chain_id: ChainId
    height: Height
    round: Round
    block_hash: Hash32 | None
    validator_index: int
    signature: bytes = b""

    def get_sign_bytes(self) -> bytes:
        """The canonical bytes this vote's signature covers."""
        return compute_vote_sign_bytes(
            self.vote_type, self.chain_id, self.height, self.round, self.block_hash
        )


@dataclass(frozen=True, slots=True)
class Proposal:
    """A proposer's value for one round (Algorithm 1, line 19).

    ``valid_round`` is -1 when the proposer had no valid value.
    """

    chain_id: ChainId
    height: Height
    round: Round
    valid_round: Round
    value: Value
    proposer_index: int
    signature: bytes = b""

    def get_sign_bytes(self) -> bytes:
        """The canonical bytes this proposal's signature covers."""
        return compute_proposal_sign_bytes(
            self.chain_id, self.height, self.round, self.valid_round, self.value.block_hash
        )


def _encode_prefix(domain: bytes, chain_id: str, height: int, round_: int) -> bytes:
    encoded = chain_id.encode("utf-8") if isinstance(chain_id, str) else b""
    if not 0 < len(encoded) <= MAX_CHAIN_ID_BYTES:
        raise ConsortiumError(
            ErrorCode.MALFORMED_INPUT, f"a chain id must be 1..{MAX_CHAIN_ID_BYTES} UTF-8 bytes"
        )
    if not isinstance(height, int) or not 0 <= height < 2**64:
        raise ConsortiumError(ErrorCode.MALFORMED_INPUT, "a height must fit in 64 bits")
    if not isinstance(round_, int) or not 0 <= round_ <= MAX_ROUND:
        raise ConsortiumError(ErrorCode.MALFORMED_INPUT, "a round must be in [0, 2^31 - 1]")
    return domain + bytes([len(encoded)]) + encoded + struct.pack(">QI", height, round_)


def _encode_block_hash(block_hash: bytes | None) -> bytes:
    if block_hash is None:
        return b"\x00"
    if not is_hash32(block_hash):
        raise ConsortiumError(ErrorCode.MALFORMED_INPUT, "a block hash must be 32 bytes")
    return b"\x01" + block_hash


def compute_vote_sign_bytes(
    vote_type: VoteType,
    chain_id: ChainId,
    height: Height,
    round_: Round,
    block_hash: Hash32 | None,
) -> bytes:
    """Canonical bytes of a vote: domain tag per type, chain id, height, round, block hash.

    Raises ``ConsortiumError(MALFORMED_INPUT)`` for values that cannot be encoded.
    """
    if vote_type == VoteType.PREVOTE:
        domain = PREVOTE_DOMAIN
    elif vote_type == VoteType.PRECOMMIT:
        domain = PRECOMMIT_DOMAIN
    else:
        raise ConsortiumError(ErrorCode.MALFORMED_INPUT, f"unknown vote type {vote_type!r}")
    return _encode_prefix(domain, chain_id, height, round_) + _encode_block_hash(block_hash)


def compute_proposal_sign_bytes(
    chain_id: ChainId,
    height: Height,
    round_: Round,
    valid_round: Round,
    block_hash: Hash32,
) -> bytes:
    """Canonical bytes of a proposal: its tag, chain id, height, round, valid round, block hash."""
    if not isinstance(valid_round, int) or not -1 <= valid_round < round_:
        raise ConsortiumError(
            ErrorCode.MALFORMED_INPUT, "a proposal's valid round must be -1 or below its round"
        )
    prefix = _encode_prefix(PROPOSAL_DOMAIN, chain_id, height, round_)
    return prefix + struct.pack(">i", valid_round) + _encode_block_hash(block_hash)
