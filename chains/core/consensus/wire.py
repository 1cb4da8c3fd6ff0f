"""Votes and proposals to and from their protobuf bytes (``consortium.v1``).

Decoders never trust their input: anything that is not a well-formed message
raises ``ConsortiumError(MALFORMED_INPUT)`` and nothing else, so a peer cannot
crash a node with bytes. A decoded message's signature is still checked by the
caller, over its canonical sign bytes (``messages.py``), never over these bytes.

A proposal's block travels as the exact serialised ``Block``; its hash is
SHA-256 of the exact ``Block.header`` bytes inside it (DESIGN §3), computed by
:func:`chains.core.block.get_block_value`. Neither is ever re-serialised,
because protobuf serialisation is not canonical and a re-encoded header could
hash differently from the one the proposer signed.
"""

from __future__ import annotations

from chains.core.block import get_block_value
from chains.core.consensus.messages import (
    MAX_CHAIN_ID_BYTES,
    MAX_ROUND,
    Proposal,
    Vote,
    VoteType,
)
from chains.core.errors import ConsortiumError, ErrorCode
from chains.core.protobuf import parse_message
from chains.core.types import HASH_LEN, ChainId, Hash32, Height, Round
from consortium.v1 import consensus_pb2

VOTE_TAG = 1
"""First byte of a tagged peer message holding a ``Vote``."""
PROPOSAL_TAG = 2
"""First byte of a tagged peer message holding a ``Proposal``."""

_MAX_UINT32 = 2**32 - 1


def _malformed(message: str) -> ConsortiumError:
    return ConsortiumError(ErrorCode.MALFORMED_INPUT, message)


def _check_common(chain_id: str, height: int, round_: int) -> None:
    if not 0 < len(chain_id.encode("utf-8")) <= MAX_CHAIN_ID_BYTES:
        raise _malformed(f"a chain id must be 1..{MAX_CHAIN_ID_BYTES} UTF-8 bytes")
    # The first block has height 1: nothing is ever voted or proposed at 0.
    if height == 0:
        raise _malformed("height 0 has no block to vote or propose on")
    if round_ > MAX_ROUND:
        raise _malformed(f"a round must be in [0, {MAX_ROUND}]")


def _check_index(index: object, what: str) -> int:
    if not isinstance(index, int) or not 0 <= index <= _MAX_UINT32:
        raise _malformed(f"a {what} must be an integer in [0, 2^32 - 1]")
    return index


def _check_signature(signature: object) -> bytes:
    if not isinstance(signature, bytes):
        raise _malformed("a signature must be bytes")
    return signature


def encode_vote(vote: Vote) -> bytes:
    """The protobuf bytes of ``vote`` (a nil vote carries an empty block hash).

    Raises ``ConsortiumError(MALFORMED_INPUT)`` for a vote no peer could decode.
    """
    vote.get_sign_bytes()  # validates type, chain id, height, round and block hash
    if vote.height == 0:
        raise _malformed("height 0 has no block to vote on")
    message = consensus_pb2.Vote(
        type=int(vote.vote_type),
        chain_id=vote.chain_id,
        height=vote.height,
        round=vote.round,
        block_hash=b"" if vote.block_hash is None else vote.block_hash,
        validator_index=_check_index(vote.validator_index, "validator index"),
        signature=_check_signature(vote.signature),
    )
    return message.SerializeToString()


def decode_vote(raw: bytes) -> Vote:
    """The :class:`Vote` in the protobuf bytes ``raw``; ConsortiumError(MALFORMED_INPUT) if bad."""
    message = parse_message(consensus_pb2.Vote, raw)
    try:
        vote_type = VoteType(message.type)
    except ValueError:
        raise _malformed(f"unknown vote type {message.type}") from None
    _check_common(message.chain_id, message.height, message.round)
    block_hash = message.block_hash
    if len(block_hash) not in (0, HASH_LEN):
        raise _malformed(f"a vote's block hash must be {HASH_LEN} bytes, or empty for nil")
    return Vote(
        vote_type=vote_type,
        chain_id=ChainId(message.chain_id),
        height=Height(message.height),
        round=Round(message.round),
        block_hash=Hash32(block_hash) if block_hash else None,
        validator_index=message.validator_index,
        signature=message.signature,
    )


def encode_proposal(proposal: Proposal) -> bytes:
    """The protobuf bytes of ``proposal``, carrying its block's exact bytes.

    Raises ``ConsortiumError(MALFORMED_INPUT)`` when the proposal could not be
    decoded by a peer, including a value whose hash is not its block's.
    """
    proposal.get_sign_bytes()  # validates chain id, height, rounds and block hash
    if proposal.height == 0:
        raise _malformed("height 0 has no block to propose")
    # A peer recomputes the hash from the block; a mismatch would only surface
    # there, as a bad signature, so catch the bug here.
    if get_block_value(proposal.value.block).block_hash != proposal.value.block_hash:
        raise _malformed("the proposal's block hash is not SHA-256 of its block's header")
    message = consensus_pb2.Proposal(
        chain_id=proposal.chain_id,
        height=proposal.height,
        round=proposal.round,
        valid_round=proposal.valid_round,
        block=proposal.value.block,
        proposer_index=_check_index(proposal.proposer_index, "proposer index"),
        signature=_check_signature(proposal.signature),
    )
    return message.SerializeToString()


def decode_proposal(raw: bytes) -> Proposal:
    """The :class:`Proposal` in the protobuf bytes ``raw``; ConsortiumError(MALFORMED_INPUT) if bad.

    The value's hash is computed here from the exact header bytes in the block,
    whose header must be well-formed (``chains.core.block.decode_header``).
    """
    message = parse_message(consensus_pb2.Proposal, raw)
    _check_common(message.chain_id, message.height, message.round)
    if not -1 <= message.valid_round < message.round:
        raise _malformed("a proposal's valid round must be -1 or below its round")
    return Proposal(
        chain_id=ChainId(message.chain_id),
        height=Height(message.height),
        round=Round(message.round),
        valid_round=Round(message.valid_round),
        value=get_block_value(message.block),
        proposer_index=message.proposer_index,
        signature=message.signature,
    )


def encode_message(message: Vote | Proposal) -> bytes:
    """A vote or proposal for the peer stream: one tag byte, then its protobuf bytes."""
    if isinstance(message, Vote):
        return bytes([VOTE_TAG]) + encode_vote(message)
    if isinstance(message, Proposal):
        return bytes([PROPOSAL_TAG]) + encode_proposal(message)
    raise _malformed(f"cannot encode a {type(message).__name__} as a consensus message")


def decode_message(raw: bytes) -> Vote | Proposal:
    """The vote or proposal in the tagged bytes ``raw``; ConsortiumError(MALFORMED_INPUT) if bad."""
    if not isinstance(raw, bytes) or not raw:
        raise _malformed("a consensus message must be non-empty bytes")
    tag, body = raw[0], raw[1:]
    if tag == VOTE_TAG:
        return decode_vote(body)
    if tag == PROPOSAL_TAG:
        return decode_proposal(body)
    raise _malformed(f"unknown consensus message tag {tag}")
