"""Votes and proposals survive protobuf, and no bytes make a decoder raise anything else."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chains.core.consensus.messages import Proposal, Value, Vote, VoteType
from chains.core.consensus.wire import (
    PROPOSAL_TAG,
    VOTE_TAG,
    decode_message,
    decode_proposal,
    decode_vote,
    encode_message,
    encode_proposal,
    encode_vote,
)
from chains.core.errors import ConsortiumError, ErrorCode
from chains.core.types import ChainId, Hash32, Height, Round
from consortium.v1 import chain_pb2, consensus_pb2

CHAIN = ChainId("tax-1")
A = Hash32(b"\xaa" * 32)
SIGNATURE = bytes(range(96))

HEADER_FIELDS: dict[str, object] = {
    "chain_id": CHAIN,
    "height": 3,
    "time_unix_ms": 1_700_000_000_000,
    "prev_block_hash": b"\x01" * 32,
    "tx_root": b"\x02" * 32,
    "tx_count": 2,
    "state_root": b"\x03" * 32,
    "validators_hash": b"\x04" * 32,
    "next_validators_hash": b"\x04" * 32,
    "proposer": b"\x05" * 48,
}
HEADER = chain_pb2.BlockHeader(**HEADER_FIELDS).SerializeToString()  # type: ignore[arg-type]
BLOCK = chain_pb2.Block(header=HEADER, txs=[b"tx one", b"tx two"]).SerializeToString()
VALUE = Value(block=BLOCK, block_hash=Hash32(hashlib.sha256(HEADER).digest()))


def make_vote(**changes: object) -> Vote:
    """A signed precommit for A, with ``changes`` applied."""
    fields: dict[str, object] = {
        "vote_type": VoteType.PRECOMMIT,
        "chain_id": CHAIN,
        "height": Height(3),
        "round": Round(1),
        "block_hash": A,
        "validator_index": 2,
        "signature": SIGNATURE,
    }
    fields.update(changes)
    return Vote(**fields)  # type: ignore[arg-type]


def make_proposal(**changes: object) -> Proposal:
    """A signed proposal of BLOCK in round 2 with valid round 0, with ``changes`` applied."""
    fields: dict[str, object] = {
        "chain_id": CHAIN,
        "height": Height(3),
        "round": Round(2),
        "valid_round": Round(0),
        "value": VALUE,
        "proposer_index": 1,
        "signature": SIGNATURE,
    }
    fields.update(changes)
    return Proposal(**fields)  # type: ignore[arg-type]


def raw_vote(**fields: object) -> bytes:
    """Protobuf bytes of a valid vote with ``fields`` replaced (no checks on the way)."""
    message = consensus_pb2.Vote.FromString(encode_vote(make_vote()))
    for name, value in fields.items():
        setattr(message, name, value)
    return message.SerializeToString()


def raw_proposal(**fields: object) -> bytes:
    """Protobuf bytes of a valid proposal with ``fields`` replaced (no checks on the way)."""
    message = consensus_pb2.Proposal.FromString(encode_proposal(make_proposal()))
    for name, value in fields.items():
        setattr(message, name, value)
    return message.SerializeToString()


# --- Round trips -----------------------------------------------------------------


@pytest.mark.parametrize(
    "vote",
    [
        make_vote(),
        make_vote(vote_type=VoteType.PREVOTE),
        make_vote(block_hash=None),
        make_vote(vote_type=VoteType.PREVOTE, block_hash=None, signature=b""),
        make_vote(height=Height(2**64 - 1), round=Round(2**31 - 1), validator_index=2**32 - 1),
        make_vote(chain_id=ChainId("ü" * 32)),
    ],
)
def test_vote_round_trips(vote: Vote) -> None:
    raw = encode_vote(vote)
    assert decode_vote(raw) == vote
    assert decode_message(encode_message(vote)) == vote
    assert encode_message(vote)[0] == VOTE_TAG


@pytest.mark.parametrize(
    "proposal",
    [
        make_proposal(),
        make_proposal(valid_round=Round(-1)),
        make_proposal(round=Round(0), valid_round=Round(-1), signature=b""),
        make_proposal(round=Round(2**31 - 1), valid_round=Round(2**31 - 2)),
    ],
)
def test_proposal_round_trips(proposal: Proposal) -> None:
    raw = encode_proposal(proposal)
    assert decode_proposal(raw) == proposal
    assert decode_message(encode_message(proposal)) == proposal
    assert encode_message(proposal)[0] == PROPOSAL_TAG


votes = st.builds(
    Vote,
    vote_type=st.sampled_from(list(VoteType)),
    chain_id=st.text(min_size=1, max_size=16).map(ChainId),
    height=st.integers(1, 2**64 - 1).map(Height),
    round=st.integers(0, 2**31 - 1).map(Round),
    block_hash=st.none() | st.binary(min_size=32, max_size=32).map(Hash32),
    validator_index=st.integers(0, 2**32 - 1),
    signature=st.binary(max_size=100),
)


@settings(max_examples=200, deadline=None)
@given(votes)
def test_any_vote_round_trips(vote: Vote) -> None:
    assert decode_vote(encode_vote(vote)) == vote


def test_block_hash_covers_the_exact_header_bytes() -> None:
    # A header and a block whose fields are out of order and carry an unknown
    # field: valid protobuf that re-serialises to other bytes, so a decoder that
    # re-encoded anything would hash something else.
    header = b"".join(
        chain_pb2.BlockHeader(**{name: value}).SerializeToString()  # type: ignore[arg-type]
        for name, value in reversed(HEADER_FIELDS.items())
    )
    header += b"\xf8\x07\x01"  # field 127, varint 1: unknown to this schema
    assert chain_pb2.BlockHeader.FromString(header).SerializeToString() != header
    block = (
        chain_pb2.Block(txs=[b"tx"]).SerializeToString()
        + chain_pb2.Block(header=header).SerializeToString()
    )
    assert chain_pb2.Block.FromString(block).SerializeToString() != block

    raw = raw_proposal(block=block)
    proposal = decode_proposal(raw)
    assert proposal.value.block == block
    assert proposal.value.block_hash == hashlib.sha256(header).digest()
    assert encode_proposal(proposal) == raw


# --- Refusals --------------------------------------------------------------------

MALFORMED_VOTES = {
    "truncated": encode_vote(make_vote())[:-5],
    "length past the end": b"\x12\x05ab",
    "invalid utf-8 chain id": b"\x08\x01\x12\x02\xff\xfe\x18\x01",
    "unspecified vote type": raw_vote(type=0),
    "unknown vote type": raw_vote(type=3),
    "block hash of 31 bytes": raw_vote(block_hash=b"\xaa" * 31),
    "block hash of 33 bytes": raw_vote(block_hash=b"\xaa" * 33),
    "round above 2^31 - 1": raw_vote(round=2**31),
    "largest uint32 round": raw_vote(round=2**32 - 1),
    "empty chain id": raw_vote(chain_id=""),
    "chain id of 65 bytes": raw_vote(chain_id="x" * 65),
    "height 0": raw_vote(height=0),
    "empty message": b"",
}


@pytest.mark.parametrize("raw", MALFORMED_VOTES.values(), ids=MALFORMED_VOTES.keys())
def test_malformed_votes_are_refused(raw: bytes) -> None:
    for decode, data in ((decode_vote, raw), (decode_message, bytes([VOTE_TAG]) + raw)):
        with pytest.raises(ConsortiumError) as caught:
            decode(data)
        assert caught.value.code == ErrorCode.MALFORMED_INPUT


MALFORMED_PROPOSALS = {
    "truncated": encode_proposal(make_proposal())[:-5],
    "valid round below -1": raw_proposal(valid_round=-2),
    "valid round equal to round": raw_proposal(valid_round=2),
    "valid round above round": raw_proposal(valid_round=7),
    "round above 2^31 - 1": raw_proposal(round=2**31, valid_round=-1),
    "empty chain id": raw_proposal(chain_id=""),
    "chain id of 65 bytes": raw_proposal(chain_id="x" * 65),
    "height 0": raw_proposal(height=0),
    "no block": raw_proposal(block=b""),
    "block is not a Block": raw_proposal(block=b"\xff\xff\xff"),
    "block without header": raw_proposal(block=chain_pb2.Block(txs=[b"tx"]).SerializeToString()),
    "header is not a BlockHeader": raw_proposal(
        block=chain_pb2.Block(header=b"\x0a\x09short").SerializeToString()
    ),
    "header with a 31-byte tx root": raw_proposal(
        block=chain_pb2.Block(
            header=chain_pb2.BlockHeader(
                **{**HEADER_FIELDS, "tx_root": b"\x02" * 31}  # type: ignore[arg-type]
            ).SerializeToString()
        ).SerializeToString()
    ),
    "empty message": b"",
}


@pytest.mark.parametrize("raw", MALFORMED_PROPOSALS.values(), ids=MALFORMED_PROPOSALS.keys())
def test_malformed_proposals_are_refused(raw: bytes) -> None:
    for decode, data in ((decode_proposal, raw), (decode_message, bytes([PROPOSAL_TAG]) + raw)):
        with pytest.raises(ConsortiumError) as caught:
            decode(data)
        assert caught.value.code == ErrorCode.MALFORMED_INPUT


@pytest.mark.parametrize("raw", [b"", b"\x00", b"\x03" + encode_vote(make_vote()), "text", None])
@pytest.mark.parametrize("decode", [decode_vote, decode_proposal, decode_message])
def test_untagged_or_non_bytes_messages_are_refused(decode: object, raw: object) -> None:
    with pytest.raises(ConsortiumError) as caught:
        decode(raw)  # type: ignore[operator]
    assert caught.value.code == ErrorCode.MALFORMED_INPUT


UNENCODABLE = {
    "vote: block hash of 31 bytes": make_vote(block_hash=b"\xaa" * 31),
    "vote: negative validator index": make_vote(validator_index=-1),
    "vote: validator index above uint32": make_vote(validator_index=2**32),
    "vote: height 0": make_vote(height=Height(0)),
    "vote: empty chain id": make_vote(chain_id=ChainId("")),
    "proposal: hash is not the block's": make_proposal(value=Value(BLOCK, A)),
    "proposal: block is not a Block": make_proposal(value=Value(b"\xff", A)),
    "proposal: valid round not below round": make_proposal(valid_round=Round(2)),
    "proposal: height 0": make_proposal(height=Height(0)),
    "not a consensus message": VALUE,
}


@pytest.mark.parametrize("message", UNENCODABLE.values(), ids=UNENCODABLE.keys())
def test_unencodable_messages_are_refused(message: object) -> None:
    with pytest.raises(ConsortiumError) as caught:
        encode_message(message)  # type: ignore[arg-type]
    assert caught.value.code == ErrorCode.MALFORMED_INPUT


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_raise_nothing_but_malformed_input(raw: bytes) -> None:
    for decode in (decode_vote, decode_proposal, decode_message):
        try:
            decode(raw)
        except ConsortiumError as error:
            assert error.code == ErrorCode.MALFORMED_INPUT


@settings(max_examples=300, deadline=None)
@given(
    vote_type=st.integers(0, 2**31 - 1),
    chain_id=st.text(max_size=70),
    height=st.integers(0, 2**64 - 1),
    round_=st.integers(0, 2**32 - 1),
    block_hash=st.binary(max_size=40),
)
def test_any_decoded_vote_is_well_formed(
    vote_type: int, chain_id: str, height: int, round_: int, block_hash: bytes
) -> None:
    raw = consensus_pb2.Vote(
        type=vote_type, chain_id=chain_id, height=height, round=round_, block_hash=block_hash
    ).SerializeToString()
    try:
        vote = decode_vote(raw)
    except ConsortiumError as error:
        assert error.code == ErrorCode.MALFORMED_INPUT
        return
    # What decodes has canonical sign bytes and encodes back to a message that decodes equal.
    vote.get_sign_bytes()
    assert decode_vote(encode_vote(vote)) == vote


@settings(max_examples=300, deadline=None)
@given(
    round_=st.integers(0, 2**32 - 1),
    valid_round=st.integers(-(2**31), 2**31 - 1),
    block=st.binary(max_size=60) | st.just(BLOCK),
)
def test_any_decoded_proposal_is_well_formed(round_: int, valid_round: int, block: bytes) -> None:
    raw = raw_proposal(round=round_, valid_round=valid_round, block=block)
    try:
        proposal = decode_proposal(raw)
    except ConsortiumError as error:
        assert error.code == ErrorCode.MALFORMED_INPUT
        return
    proposal.get_sign_bytes()
    assert proposal.value.block == block
    assert decode_proposal(encode_proposal(proposal)) == proposal
