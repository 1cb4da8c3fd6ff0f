"""Shared set-up of the consensus machine tests: keys, blocks, signed events, normal forms.

4 validators of power 1 with mock keys (secret 1000 + i) unless a test makes another set;
``A``, ``B`` (height 1), ``A2`` (height 2) and ``WA`` (height 1 of the weighted set) are
real blocks of the simulator's application. Effects normalise to small tuples (see
``test_algorithm1``'s docstring).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from chains.core.consensus.certificate import (
    CommitCertificate,
    compute_signer_bitmap,
)
from chains.core.consensus.machine import (
    BlockBuilt,
    BlockValidated,
    BroadcastProposal,
    BroadcastVote,
    BuildBlock,
    CertifiedBlockReceived,
    CommitBlock,
    Effect,
    ProposalReceived,
    ReportEvidence,
    ScheduleTimeout,
    TimeoutConfig,
    TimeoutFired,
    ValidateBlock,
    VoteReceived,
)
from chains.core.consensus.messages import Proposal, Step, Value, Vote, VoteType
from chains.core.consensus.validators import Validator, ValidatorSet, get_proposer_index
from chains.core.types import ChainId, Hash32, Height, Round
from chains.sim.app import ChainView
from chains.sim.mock import MockScheme

CHAIN = ChainId("tax-1")
OTHER_CHAIN = ChainId("finance-1")
SCHEME = MockScheme()
TIMEOUTS = TimeoutConfig(
    propose_ms=100,
    propose_delta_ms=10,
    prevote_ms=200,
    prevote_delta_ms=20,
    precommit_ms=300,
    precommit_delta_ms=30,
)
EQUAL = (1, 1, 1, 1)
WEIGHTED = (3, 1, 1, 1)
PROPOSE, PREVOTE, PRECOMMIT = Step.PROPOSE, Step.PREVOTE, Step.PRECOMMIT

# ------------------------------------------------------------------ keys, sets, blocks


def get_secret(index: int) -> int:
    """The fixed mock secret key of validator ``index``."""
    return 1000 + index


def get_public_key(index: int) -> bytes:
    """The mock public key of validator ``index``."""
    return SCHEME.get_public_key(get_secret(index))


def make_set(powers: Sequence[int]) -> ValidatorSet:
    """Validators 0..n-1 with mock keys and ``powers``."""
    return ValidatorSet(
        tuple(
            Validator(f"validator-{i}", get_public_key(i), b"", power)
            for i, power in enumerate(powers)
        )
    )


GENESIS = make_set(EQUAL)
NEW_SET = make_set((2, 1, 1, 1))


def make_block(tag: int, height: int = 1, validators: ValidatorSet = GENESIS) -> Value:
    """A valid block of the simulator's chain at ``height``; ``tag`` makes it distinct."""
    view = ChainView(CHAIN, validators)
    while view.next_height < height:
        parent, _ = view.build_block(0, get_public_key(0), [])
        view.commit(parent, None)
    value, _ = view.build_block(tag, get_public_key(1), [b"tx-%d" % tag])
    return value


A = make_block(1)
B = make_block(2)
A2 = make_block(3, height=2)
WA = make_block(4, validators=make_set(WEIGHTED))
NAMES: dict[Hash32, str] = {A.block_hash: "A", B.block_hash: "B", A2.block_hash: "A2"}
NAMES[WA.block_hash] = "WA"

# ------------------------------------------------------------------------ event helpers


def sign(message: Vote | Proposal, signer: int) -> Vote | Proposal:
    """``message`` signed with validator ``signer``'s mock key."""
    signature = SCHEME.sign(get_secret(signer), message.get_sign_bytes())
    return replace(message, signature=signature)


def _vote(
    vote_type: VoteType,
    validator: int,
    round_: int,
    value: Value | None,
    height: int,
    chain: ChainId,
) -> VoteReceived:
    """A vote of ``vote_type`` by ``validator`` for ``value``, signed by it."""
    block_hash = None if value is None else value.block_hash
    vote = Vote(vote_type, chain, Height(height), Round(round_), block_hash, validator)
    return VoteReceived(sign(vote, validator))


def prevote(
    validator: int, round_: int, value: Value | None, height: int = 1, chain: ChainId = CHAIN
) -> VoteReceived:
    """A prevote by ``validator`` for ``value`` (``None``: nil), signed by it."""
    return _vote(VoteType.PREVOTE, validator, round_, value, height, chain)


def precommit(
    validator: int, round_: int, value: Value | None, height: int = 1, chain: ChainId = CHAIN
) -> VoteReceived:
    """A precommit by ``validator`` for ``value`` (``None``: nil), signed by it."""
    return _vote(VoteType.PRECOMMIT, validator, round_, value, height, chain)


def prevotes(
    round_: int, value: Value | None, validators: Iterable[int], height: int = 1
) -> tuple[VoteReceived, ...]:
    """Prevotes for ``value`` by each of ``validators``."""
    return tuple(prevote(v, round_, value, height) for v in validators)


def precommits(
    round_: int, value: Value | None, validators: Iterable[int], height: int = 1
) -> tuple[VoteReceived, ...]:
    """Precommits for ``value`` by each of ``validators``."""
    return tuple(precommit(v, round_, value, height) for v in validators)


def proposal(
    round_: int,
    value: Value,
    valid_round: int = -1,
    height: int = 1,
    proposer: int | None = None,
    chain: ChainId = CHAIN,
) -> ProposalReceived:
    """A signed proposal; ``proposer`` defaults to proposer(height, round) of 4 equal powers."""
    if proposer is None:
        proposer = get_proposer_index(GENESIS, Height(height), Round(round_))
    message = Proposal(chain, Height(height), Round(round_), Round(valid_round), value, proposer)
    return ProposalReceived(sign(message, proposer))


def resigned(
    event: VoteReceived | ProposalReceived, signer: int
) -> VoteReceived | ProposalReceived:
    """``event`` with its message re-signed by ``signer`` (a forgery if not the author)."""
    if isinstance(event, VoteReceived):
        return VoteReceived(sign(event.vote, signer))
    return ProposalReceived(sign(event.proposal, signer))


def garbled(event: VoteReceived | ProposalReceived) -> VoteReceived | ProposalReceived:
    """``event`` with a signature that verifies for nobody."""
    if isinstance(event, VoteReceived):
        return VoteReceived(replace(event.vote, signature=b"\x00" * 32))
    return ProposalReceived(replace(event.proposal, signature=b"\x00" * 32))


def timeout(step: Step, round_: int, height: int = 1) -> TimeoutFired:
    """The time-out of ``step`` in ``round_`` fired."""
    return TimeoutFired(Height(height), Round(round_), step)


def validated(
    value: Value, ok: bool = True, height: int = 1, next_validators: ValidatorSet | None = None
) -> BlockValidated:
    """The application's answer valid(value) = ``ok``."""
    return BlockValidated(Height(height), value.block_hash, ok, next_validators)


def built(round_: int, value: Value, height: int = 1) -> BlockBuilt:
    """The application's answer to BuildBlock (getValue(), L18)."""
    return BlockBuilt(Height(height), Round(round_), value)


def make_certificate(
    value: Value,
    signers: Sequence[int],
    round_: int = 0,
    height: int = 1,
    signed_value: Value | None = None,
) -> CommitCertificate:
    """A certificate of ``signers``' precommits; they sign ``signed_value`` (default ``value``)."""
    signed = value if signed_value is None else signed_value
    votes = [precommit(i, round_, signed, height).vote for i in signers]
    return CommitCertificate(
        Height(height),
        Round(round_),
        value.block_hash,
        compute_signer_bitmap(signers, len(GENESIS)),
        SCHEME.aggregate([vote.signature for vote in votes]),
    )


def certified(
    value: Value,
    signers: Sequence[int],
    round_: int = 0,
    height: int = 1,
    signed_value: Value | None = None,
) -> CertifiedBlockReceived:
    """A block with a certificate (see :func:`make_certificate`) from a peer that is ahead."""
    return CertifiedBlockReceived(
        value, make_certificate(value, signers, round_, height, signed_value)
    )


# ----------------------------------------------------------- normalising and running


def get_name(block_hash: Hash32 | None) -> str | None:
    """The test name of a block hash (``None`` for nil)."""
    return None if block_hash is None else NAMES.get(block_hash, block_hash.hex()[:8])


def normalise(effect: Effect) -> tuple:
    """The compact, comparable form of one effect (see the module docstring)."""
    if isinstance(effect, BroadcastVote):
        kind = "prevote" if effect.vote.vote_type == VoteType.PREVOTE else "precommit"
        return (kind, effect.vote.round, get_name(effect.vote.block_hash))
    if isinstance(effect, BroadcastProposal):
        p = effect.proposal
        return ("propose", p.round, p.valid_round, get_name(p.value.block_hash))
    if isinstance(effect, ScheduleTimeout):
        return ("timeout", effect.step.name.lower(), effect.round, effect.duration_ms)
    if isinstance(effect, BuildBlock):
        return ("build", effect.round)
    if isinstance(effect, ValidateBlock):
        return ("validate", get_name(effect.value.block_hash))
    if isinstance(effect, CommitBlock):
        return ("commit", effect.certificate.round, get_name(effect.value.block_hash))
    if isinstance(effect, ReportEvidence):
        return ("evidence", effect.evidence.second.validator_index)
    raise AssertionError(f"unknown effect {effect!r}")
