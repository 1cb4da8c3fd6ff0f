"""Tendermint consensus as a pure state machine: ``apply(state, event) -> (state, effects)``.

This follows Algorithm 1 of "The latest gossip on BFT consensus" (Buchman,
Kwon, Milosevic, 2018; arXiv:1807.04938v3). Comments ``L22`` etc. cite the
algorithm's line numbers. ``2f + 1`` reads "more than two thirds of the voting
power" and ``f + 1`` "more than one third" (weighted, in integers).

Nothing here reads a clock, opens a socket, starts a thread or draws a random
number. Time-outs arrive as :class:`TimeoutFired` events and leave as
:class:`ScheduleTimeout` effects; messages leave unsigned in
:class:`BroadcastProposal` / :class:`BroadcastVote` effects, and whoever runs
the machine has them signed by :class:`~chains.core.consensus.safety.SafetyRules`
(which persists before anything leaves) and delivers the signed copy back as an
event, like any other node's message.

The application is asked, never called: ``getValue()`` (L18) is a
:class:`BuildBlock` effect answered by :class:`BlockBuilt`, and ``valid(v)`` is
a :class:`ValidateBlock` effect answered by :class:`BlockValidated`. A rule
that needs ``valid(v)`` waits until the answer is in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from chains.core.block import decode_block
from chains.core.consensus.certificate import (
    CommitCertificate,
    assemble_certificate,
    verify_commit,
)
from chains.core.consensus.messages import Proposal, Step, Value, Vote, VoteType
from chains.core.consensus.signing import SignatureScheme
from chains.core.consensus.validators import (
    ValidatorSet,
    get_proposer_index,
    is_one_third,
    is_quorum,
)
from chains.core.consensus.votes import (
    DuplicateVoteEvidence,
    InjectedBug,
    VoteKeeper,
    add_sender,
    add_vote,
)
from chains.core.errors import ConsortiumError
from chains.core.types import ChainId, Hash32, Height, Round

# ---------------------------------------------------------------- configuration


@dataclass(frozen=True, slots=True)
class TimeoutConfig:
    """Time-outs grow linearly with the round (``base + round * delta``), in milliseconds.

    Growing time-outs are what make the algorithm live after the global
    stabilisation time: eventually a round lasts longer than any message delay.
    """

    propose_ms: int = 3000
    propose_delta_ms: int = 500
    prevote_ms: int = 1000
    prevote_delta_ms: int = 500
    precommit_ms: int = 1000
    precommit_delta_ms: int = 500

    def get_timeout_ms(self, step: Step, round_: Round) -> int:
        """The time-out of ``step`` in ``round_``."""
        if step == Step.PROPOSE:
            return self.propose_ms + round_ * self.propose_delta_ms
        if step == Step.PREVOTE:
            return self.prevote_ms + round_ * self.prevote_delta_ms
        return self.precommit_ms + round_ * self.precommit_delta_ms


@dataclass(frozen=True, slots=True)
class ConsensusConfig:
    """What a node knows about itself: its chain, its key, its scheme and time-outs.

    ``own_public_key`` is ``None`` for a node that follows without voting.
    ``bugs`` injects deliberate faults for the simulator's self-test only.
    """

    chain_id: ChainId
    own_public_key: bytes | None
    scheme: SignatureScheme
    timeouts: TimeoutConfig = TimeoutConfig()
    bugs: frozenset[InjectedBug] = frozenset()


# ---------------------------------------------------------------------- events


@dataclass(frozen=True, slots=True)
class ProposalReceived:
    """A signed proposal arrived (from a peer, or this node's own, looped back)."""

    proposal: Proposal


@dataclass(frozen=True, slots=True)
class VoteReceived:
    """A signed prevote or precommit arrived (from a peer or looped back)."""

    vote: Vote


@dataclass(frozen=True, slots=True)
class TimeoutFired:
    """A time-out scheduled by :class:`ScheduleTimeout` expired."""

    height: Height
    round: Round
    step: Step


@dataclass(frozen=True, slots=True)
class BlockBuilt:
    """The application's answer to :class:`BuildBlock` (``getValue()``, L18).

    ``next_validators`` is the set that takes effect two heights later if this
    block is committed (``None``: unchanged).
    """

    height: Height
    round: Round
    value: Value
    next_validators: ValidatorSet | None = None


@dataclass(frozen=True, slots=True)
class BlockValidated:
    """The application's answer to :class:`ValidateBlock` (``valid(v)``).

    ``next_validators`` as in :class:`BlockBuilt`: validator-set changes decided
    by the block at height h take effect at h + 2.
    """

    height: Height
    block_hash: Hash32
    valid: bool
    next_validators: ValidatorSet | None = None


@dataclass(frozen=True, slots=True)
class CertifiedBlockReceived:
    """A block of this height with its commit certificate, from a peer that is ahead.

    A certificate of more than 2/3 of the power is a decision other nodes
    already reached; a node that missed the votes catches up with it.
    """

    value: Value
    certificate: CommitCertificate


Event = (
    ProposalReceived
    | VoteReceived
    | TimeoutFired
    | BlockBuilt
    | BlockValidated
    | CertifiedBlockReceived
)

# --------------------------------------------------------------------- effects


@dataclass(frozen=True, slots=True)
class BuildBlock:
    """Ask the application for a block to propose (``getValue()``, L18)."""

    height: Height
    round: Round


@dataclass(frozen=True, slots=True)
class ValidateBlock:
    """Ask the application whether ``value`` is a valid block of this height."""

    height: Height
    round: Round
    value: Value


@dataclass(frozen=True, slots=True)
class BroadcastProposal:
    """Sign (through SafetyRules) and send this proposal to every validator, self included."""

    proposal: Proposal


@dataclass(frozen=True, slots=True)
class BroadcastVote:
    """Sign (through SafetyRules) and send this vote to every validator, self included."""

    vote: Vote


@dataclass(frozen=True, slots=True)
class ScheduleTimeout:
    """Deliver ``TimeoutFired(height, round, step)`` after ``duration_ms``."""

    height: Height
    round: Round
    step: Step
    duration_ms: int


@dataclass(frozen=True, slots=True)
class CommitBlock:
    """``value`` is decided at ``height``: execute and store it with its certificate.

    ``validators`` signed it; ``next_validators`` signs the next height.
    """

    height: Height
    value: Value
    certificate: CommitCertificate
    validators: ValidatorSet
    next_validators: ValidatorSet


@dataclass(frozen=True, slots=True)
class ReportEvidence:
    """A validator signed two conflicting votes."""

    evidence: DuplicateVoteEvidence


Effect = (
    BuildBlock
    | ValidateBlock
    | BroadcastProposal
    | BroadcastVote
    | ScheduleTimeout
    | CommitBlock
    | ReportEvidence
)

# ----------------------------------------------------------------------- state


@dataclass(frozen=True, slots=True)
class Validity:
    """The application's verdict on one block, and the set it would install at h + 2."""

    valid: bool
    next_validators: ValidatorSet | None


@dataclass(frozen=True, slots=True)
class ConsensusState:
    """One node's consensus state at its current height (L2–L9 plus bookkeeping)."""

    config: ConsensusConfig
    height: Height  # hp, L2
    round: Round  # roundp, L3
    step: Step  # stepp, L4
    validators: ValidatorSet  # the set of this height
    next_validators: ValidatorSet  # the set of the next height
    own_index: int | None
    locked_round: Round = Round(-1)  # L7
    locked_hash: Hash32 | None = None  # id(lockedValuep), L6
    valid_round: Round = Round(-1)  # L9
    valid_value: Value | None = None  # L8
    proposals: dict[Round, Proposal] = field(default_factory=dict)  # the first per round
    equivocated: dict[tuple[Round, Hash32], Proposal] = field(default_factory=dict)
    validity: dict[Hash32, Validity] = field(default_factory=dict)
    requested: frozenset[Hash32] = frozenset()
    votes: VoteKeeper = VoteKeeper()
    fired: frozenset[tuple[int, Round]] = frozenset()  # "for the first time" rules
    certified: dict[Hash32, tuple[Value, CommitCertificate]] = field(default_factory=dict)
    future: tuple[Event, ...] = ()  # messages of the next height, replayed on arrival

    def get_proposer_index(self, round_: Round) -> int:
        """proposer(hp, round)."""
        return get_proposer_index(self.validators, self.height, round_)

    def is_proposer(self, round_: Round) -> bool:
        """True when this node proposes in ``round_`` of the current height."""
        return self.own_index is not None and self.get_proposer_index(round_) == self.own_index


MAX_EQUIVOCATED_PROPOSALS_PER_ROUND = 2
"""Further proposals kept from an equivocating proposer, per round (for L49 only)."""

MAX_RULE_FIRINGS = 10_000
"""Rules firing for one event beyond this means a rule re-enables itself: a bug."""

MAX_FUTURE_MESSAGES_PER_VALIDATOR = 8
"""Messages of the next height kept per validator: enough for a round or two."""

Result = tuple[ConsensusState, list[Effect]]


def _find_own_index(validators: ValidatorSet, public_key: bytes | None) -> int | None:
    if public_key is None:
        return None
    for index, validator in enumerate(validators.validators):
        if validator.public_key == public_key:
            return index
    return None


def start_consensus(
    config: ConsensusConfig,
    height: Height,
    validators: ValidatorSet,
    next_validators: ValidatorSet,
    resume_at: tuple[Round, Step] | None = None,
    locked_round: int = -1,
    locked_hash: Hash32 | None = None,
    locked_value: Value | None = None,
) -> Result:
    """The state at ``height`` and the effects of StartRound (``upon start``, L10).

    After a restart, pass what SafetyRules persisted for this height: the
    (round, step) last signed as ``resume_at``, and the lock. The node resumes
    in that round, past the step it already signed, and keeps its lock: a
    validator that forgot its lock could prevote against a decided value.
    Pass the locked block itself too when it was kept: it becomes the valid
    value again, which liveness needs (a locked validator re-proposes what it
    is locked on; the paper keeps validRound >= lockedRound).
    """
    state = ConsensusState(
        config=config,
        height=height,
        round=Round(0),
        step=Step.PROPOSE,
        validators=validators,
        next_validators=next_validators,
        own_index=_find_own_index(validators, config.own_public_key),
        locked_round=Round(locked_round),
        locked_hash=locked_hash,
    )
    if locked_round >= 0 and resume_at is None:
        # A lock means a precommit was signed in that round: resume there.
        resume_at = (Round(locked_round), Step.PRECOMMIT)
    if locked_value is not None and locked_value.block_hash == locked_hash:
        state = replace(state, valid_round=Round(locked_round), valid_value=locked_value)
    if resume_at is None:
        return _start_round(state, Round(0))
    round_, step = resume_at
    state = replace(state, round=round_, step=step)
    if step == Step.PROPOSE:
        # It proposed in this round before the crash and the block is gone:
        # let the round time out rather than sign a second, different proposal.
        return state, [_schedule(state, Step.PROPOSE)]
    return state, []


# ----------------------------------------------------------------- the machine


def apply(state: ConsensusState, event: Event) -> Result:
    """Apply one event: the new state and the effects to carry out, in order."""
    if isinstance(event, ProposalReceived):
        state, effects = _on_proposal(state, event.proposal)
    elif isinstance(event, VoteReceived):
        state, effects = _on_vote(state, event.vote)
    elif isinstance(event, TimeoutFired):
        state, effects = _on_timeout(state, event)
    elif isinstance(event, BlockBuilt):
        state, effects = _on_block_built(state, event)
    elif isinstance(event, BlockValidated):
        state, effects = _on_block_validated(state, event)
    elif isinstance(event, CertifiedBlockReceived):
        state, effects = _on_certified_block(state, event)
    else:
        raise TypeError(f"not a consensus event: {event!r}")
    return _run_rules(state, effects)


def _run_rules(state: ConsensusState, effects: list[Effect]) -> Result:
    """Fire enabled ``upon`` rules until none is (a rule may enable another)."""
    for _ in range(MAX_RULE_FIRINGS):
        for rule in _RULES:
            fired = rule(state)
            if fired is not None:
                state, more = fired
                effects.extend(more)
                break
        else:
            return state, effects
    raise RuntimeError("consensus rules did not settle: a rule keeps re-enabling itself")


# ---------------------------------------------------------------- StartRound


def _schedule(state: ConsensusState, step: Step) -> ScheduleTimeout:
    duration = state.config.timeouts.get_timeout_ms(step, state.round)
    return ScheduleTimeout(state.height, state.round, step, duration)


def _start_round(state: ConsensusState, round_: Round) -> Result:
    """StartRound(round), L11–L21."""
    state = replace(state, round=round_, step=Step.PROPOSE)  # L12, L13
    if state.is_proposer(round_):  # L14
        if state.valid_value is not None:  # L15
            proposal = Proposal(  # L16, L19
                state.config.chain_id,
                state.height,
                round_,
                state.valid_round,
                state.valid_value,
                state.own_index,  # type: ignore[arg-type]
            )
            return state, [BroadcastProposal(proposal)]
        return state, [BuildBlock(state.height, round_)]  # L18: getValue(), answered later
    return state, [_schedule(state, Step.PROPOSE)]  # L21


def _on_block_built(state: ConsensusState, event: BlockBuilt) -> Result:
    """getValue() returned (L18): broadcast the proposal (L19) if still proposing."""
    if (
        event.height != state.height
        or event.round != state.round
        or state.step != Step.PROPOSE
        or not state.is_proposer(state.round)
        or state.valid_value is not None
        or (_BUILT, state.round) in state.fired  # one block per round, whatever comes later
    ):
        return state, []
    validity = {**state.validity, event.value.block_hash: Validity(True, event.next_validators)}
    state = replace(state, validity=validity, fired=state.fired | {(_BUILT, state.round)})
    proposal = Proposal(
        state.config.chain_id,
        state.height,
        state.round,
        Round(-1),
        event.value,
        state.own_index,  # type: ignore[arg-type]
    )
    return state, [BroadcastProposal(proposal)]  # L19


# ---------------------------------------------------------------- messages in


def _is_verified(state: ConsensusState, index: int, message: Vote | Proposal) -> bool:
    sign_bytes = _get_sign_bytes(message)
    if sign_bytes is None:
        return False
    public_key = state.validators.get_public_key(index)
    return state.config.scheme.verify(public_key, sign_bytes, message.signature).ok


def _get_sign_bytes(message: Vote | Proposal) -> bytes | None:
    """The canonical bytes, or ``None`` for a message whose fields cannot be encoded."""
    try:
        return message.get_sign_bytes()
    except (ConsortiumError, TypeError, AttributeError):
        return None


def _buffer_future(
    state: ConsensusState, event: Event, sender: int, message: Vote | Proposal
) -> Result:
    """Keep a few verified next-height messages per sender, replayed after the decision (L52).

    The signature is checked against the next height's set first, so that no one
    can fill another validator's slots with forgeries.
    """
    if not state.next_validators.is_index(sender) or event in state.future:
        return state, []
    same_sender = sum(1 for e in state.future if _get_sender(e) == sender)
    if same_sender >= MAX_FUTURE_MESSAGES_PER_VALIDATOR:
        return state, []
    sign_bytes = _get_sign_bytes(message)
    public_key = state.next_validators.get_public_key(sender)
    if (
        sign_bytes is None
        or not state.config.scheme.verify(public_key, sign_bytes, message.signature).ok
    ):
        return state, []
    return replace(state, future=(*state.future, event)), []


def _get_sender(event: Event) -> int | None:
    if isinstance(event, ProposalReceived):
        return event.proposal.proposer_index
    if isinstance(event, VoteReceived):
        return event.vote.validator_index
    return None


def _on_proposal(state: ConsensusState, proposal: Proposal) -> Result:
    """Admit a proposal from proposer(hp, round) with a valid signature."""
    if proposal.chain_id != state.config.chain_id:
        return state, []
    if proposal.height == state.height + 1:
        return _buffer_future(
            state,
            ProposalReceived(proposal),
            proposal.proposer_index,
            proposal,
        )
    if proposal.height != state.height or proposal.round < 0:
        return state, []
    if not -1 <= proposal.valid_round < proposal.round:
        return state, []
    if proposal.proposer_index != state.get_proposer_index(proposal.round):
        return state, []
    known = state.proposals.get(proposal.round)
    key = (proposal.round, proposal.value.block_hash)
    if known is not None:
        # A second, different proposal for one round is equivocation. The first one
        # stays the round's proposal (L22, L28, L36); a few others are kept only so
        # that 2f + 1 precommits for one of them still decide it (L49).
        same_round = sum(1 for round_, _ in state.equivocated if round_ == proposal.round)
        if (
            known.value.block_hash == proposal.value.block_hash
            or key in state.equivocated
            or same_round >= MAX_EQUIVOCATED_PROPOSALS_PER_ROUND
            or not _is_verified(state, proposal.proposer_index, proposal)
        ):
            return state, []
        state = replace(state, equivocated={**state.equivocated, key: proposal})
        return _request_validation(state, proposal.round, proposal.value)
    if not _is_verified(state, proposal.proposer_index, proposal):
        return state, []
    power = state.validators.get_power(proposal.proposer_index)
    state = replace(
        state,
        proposals={**state.proposals, proposal.round: proposal},
        votes=add_sender(state.votes, proposal.round, proposal.proposer_index, power),
    )
    return _request_validation(state, proposal.round, proposal.value)


def _request_validation(state: ConsensusState, round_: Round, value: Value) -> Result:
    block_hash = value.block_hash
    if block_hash in state.validity or block_hash in state.requested:
        return state, []
    state = replace(state, requested=state.requested | {block_hash})
    return state, [ValidateBlock(state.height, round_, value)]


def _on_vote(state: ConsensusState, vote: Vote) -> Result:
    """Count a verified vote once; report a conflicting second vote as evidence."""
    if vote.chain_id != state.config.chain_id or vote.round < 0:
        return state, []
    if vote.height == state.height + 1:
        return _buffer_future(state, VoteReceived(vote), vote.validator_index, vote)
    if vote.height != state.height or not state.validators.is_index(vote.validator_index):
        return state, []
    if vote.vote_type not in (VoteType.PREVOTE, VoteType.PRECOMMIT):
        return state, []
    if not _is_verified(state, vote.validator_index, vote):
        return state, []
    bugs = state.config.bugs
    filed_round = state.round if InjectedBug.ACCEPT_WRONG_ROUND_VOTE in bugs else None
    keeper, _, evidence = add_vote(
        state.votes,
        vote,
        state.validators.get_power(vote.validator_index),
        filed_round=filed_round,
        count_duplicates=InjectedBug.COUNT_DUPLICATE_SIGNER in bugs,
    )
    state = replace(state, votes=keeper)
    return state, ([ReportEvidence(evidence)] if evidence is not None else [])


def _on_block_validated(state: ConsensusState, event: BlockValidated) -> Result:
    """valid(v) is known now; rules waiting on it may fire."""
    if event.height != state.height or event.block_hash in state.validity:
        return state, []
    validity = {**state.validity, event.block_hash: Validity(event.valid, event.next_validators)}
    return replace(state, validity=validity), []


def _on_certified_block(state: ConsensusState, event: CertifiedBlockReceived) -> Result:
    """Catch up: a certificate of this height that verifies is as good as the precommits."""
    certificate = event.certificate
    if certificate.height != state.height or event.value.block_hash in state.certified:
        return state, []
    try:
        header = decode_block(event.value.block).header
    except ConsortiumError:
        return state, []
    if header.hash != event.value.block_hash or header.chain_id != state.config.chain_id:
        return state, []
    verdict = verify_commit(state.validators, header, certificate, state.config.scheme)
    if not verdict.ok:
        return state, []
    certified = {**state.certified, header.hash: (event.value, certificate)}
    state = replace(state, certified=certified)
    return _request_validation(state, certificate.round, event.value)


# ------------------------------------------------------------------ time-outs


def _on_timeout(state: ConsensusState, event: TimeoutFired) -> Result:
    """OnTimeoutPropose (L57), OnTimeoutPrevote (L61), OnTimeoutPrecommit (L65)."""
    if event.height != state.height or event.round != state.round:  # L58, L62, L66
        return state, []
    if event.step == Step.PROPOSE and state.step == Step.PROPOSE:
        return _cast(state, VoteType.PREVOTE, None)  # L59, L60
    if event.step == Step.PREVOTE and state.step == Step.PREVOTE:
        return _cast(state, VoteType.PRECOMMIT, None)  # L63, L64
    if event.step == Step.PRECOMMIT:
        return _start_round(state, Round(state.round + 1))  # L67
    return state, []


# ---------------------------------------------------------------------- rules


def _cast(state: ConsensusState, vote_type: VoteType, block_hash: Hash32 | None) -> Result:
    """Broadcast a vote of this round and move to its step."""
    step = Step.PREVOTE if vote_type == VoteType.PREVOTE else Step.PRECOMMIT
    state = replace(state, step=step)
    if state.own_index is None:
        return state, []
    vote = Vote(
        vote_type,
        state.config.chain_id,
        state.height,
        state.round,
        block_hash,
        state.own_index,
    )
    return state, [BroadcastVote(vote)]


def _get_validity(state: ConsensusState, block_hash: Hash32) -> bool | None:
    known = state.validity.get(block_hash)
    return None if known is None else known.valid


def _has_quorum_for(state: ConsensusState, round_: Round, vote_type: VoteType, block_hash) -> bool:
    tally = state.votes.get(round_, vote_type)
    return is_quorum(tally.get_power(block_hash), state.validators.total_power)


def _has_quorum_any(state: ConsensusState, round_: Round, vote_type: VoteType) -> bool:
    tally = state.votes.get(round_, vote_type)
    return is_quorum(tally.total_power, state.validators.total_power)


def _is_lock_free(state: ConsensusState, block_hash: Hash32, bound: Round) -> bool:
    """The lock test of L23 (bound -1) and L29 (bound vr)."""
    if InjectedBug.SKIP_LOCK_CHECK in state.config.bugs:
        return True
    return state.locked_round <= bound or state.locked_hash == block_hash


def _rule_line_22(state: ConsensusState) -> Result | None:
    """L22–L27: a fresh proposal (vr = -1) while in the propose step."""
    proposal = state.proposals.get(state.round)
    if state.step != Step.PROPOSE or proposal is None or proposal.valid_round != -1:
        return None
    block_hash = proposal.value.block_hash
    valid = _get_validity(state, block_hash)
    if valid is None:
        return None  # wait for valid(v)
    if valid and _is_lock_free(state, block_hash, Round(-1)):  # L23
        return _cast(state, VoteType.PREVOTE, block_hash)  # L24, L27
    return _cast(state, VoteType.PREVOTE, None)  # L26, L27


def _rule_line_28(state: ConsensusState) -> Result | None:
    """L28–L33: a re-proposal with valid round vr < round and a polka for it in vr."""
    proposal = state.proposals.get(state.round)
    if state.step != Step.PROPOSE or proposal is None:
        return None
    valid_round = proposal.valid_round
    if not 0 <= valid_round < state.round:
        return None
    block_hash = proposal.value.block_hash
    if not _has_quorum_for(state, valid_round, VoteType.PREVOTE, block_hash):
        return None
    valid = _get_validity(state, block_hash)
    if valid is None:
        return None
    if valid and _is_lock_free(state, block_hash, valid_round):  # L29
        return _cast(state, VoteType.PREVOTE, block_hash)  # L30, L33
    return _cast(state, VoteType.PREVOTE, None)  # L32, L33


_LINE_34, _LINE_36, _LINE_47 = 34, 36, 47
_BUILT = 18  # getValue() answered for this round (L18)


def _rule_line_34(state: ConsensusState) -> Result | None:
    """L34–L35: 2f + 1 prevotes of any kind: schedule the prevote time-out, once."""
    if (
        state.step != Step.PREVOTE
        or (_LINE_34, state.round) in state.fired
        or not _has_quorum_any(state, state.round, VoteType.PREVOTE)
    ):
        return None
    state = replace(state, fired=state.fired | {(_LINE_34, state.round)})
    return state, [_schedule(state, Step.PREVOTE)]


def _rule_line_36(state: ConsensusState) -> Result | None:
    """L36–L43: a polka for the proposal: lock and precommit (once per round)."""
    proposal = state.proposals.get(state.round)
    if proposal is None or state.step < Step.PREVOTE or (_LINE_36, state.round) in state.fired:
        return None
    block_hash = proposal.value.block_hash
    if _get_validity(state, block_hash) is not True:
        return None
    if not _has_quorum_for(state, state.round, VoteType.PREVOTE, block_hash):
        return None
    state = replace(state, fired=state.fired | {(_LINE_36, state.round)})
    effects: list[Effect] = []
    if state.step == Step.PREVOTE:  # L37
        state = replace(state, locked_round=state.round, locked_hash=block_hash)  # L38, L39
        state, effects = _cast(state, VoteType.PRECOMMIT, block_hash)  # L40, L41
    state = replace(state, valid_value=proposal.value, valid_round=state.round)  # L42, L43
    return state, effects


def _rule_line_44(state: ConsensusState) -> Result | None:
    """L44–L46: 2f + 1 prevotes for nil: precommit nil."""
    if state.step != Step.PREVOTE or not _has_quorum_for(
        state, state.round, VoteType.PREVOTE, None
    ):
        return None
    return _cast(state, VoteType.PRECOMMIT, None)


def _rule_line_47(state: ConsensusState) -> Result | None:
    """L47–L48: 2f + 1 precommits of any kind: schedule the precommit time-out, once."""
    if (_LINE_47, state.round) in state.fired or not _has_quorum_any(
        state, state.round, VoteType.PRECOMMIT
    ):
        return None
    state = replace(state, fired=state.fired | {(_LINE_47, state.round)})
    return state, [_schedule(state, Step.PRECOMMIT)]


def _rule_line_49(state: ConsensusState) -> Result | None:
    """L49–L54: a proposal and 2f + 1 precommits for it in some round: decide."""
    candidates = sorted(state.proposals.items()) + sorted(
        (round_, proposal) for (round_, _), proposal in state.equivocated.items()
    )
    for round_, proposal in candidates:
        block_hash = proposal.value.block_hash
        if not _has_quorum_for(state, round_, VoteType.PRECOMMIT, block_hash):
            continue
        if _get_validity(state, block_hash) is not True:  # L50
            continue
        precommits = state.votes.get(round_, VoteType.PRECOMMIT).get_votes_for(block_hash)
        certificate = assemble_certificate(
            state.height, round_, block_hash, precommits, len(state.validators), state.config.scheme
        )
        return _decide(state, proposal.value, certificate)
    for block_hash, (value, certificate) in state.certified.items():
        if _get_validity(state, block_hash) is True:
            return _decide(state, value, certificate)
    return None


def _decide(state: ConsensusState, value: Value, certificate: CommitCertificate) -> Result:
    """decision[hp] = v (L51), then the next height from round 0 (L52–L54)."""
    after = state.validity[value.block_hash].next_validators
    commit = CommitBlock(state.height, value, certificate, state.validators, state.next_validators)
    next_state, effects = start_consensus(
        state.config,
        Height(state.height + 1),
        state.next_validators,
        state.next_validators if after is None else after,
    )
    effects.insert(0, commit)
    for event in state.future:  # messages of the new height that arrived early
        next_state, more = apply(next_state, event)
        effects.extend(more)
    return next_state, effects


def _rule_line_55(state: ConsensusState) -> Result | None:
    """L55–L56: f + 1 of the power sent messages of a higher round: jump to it."""
    total = state.validators.total_power
    higher = [
        round_
        for round_ in state.votes.senders
        if round_ > state.round and is_one_third(state.votes.get_sender_power(round_), total)
    ]
    if not higher:
        return None
    return _start_round(state, max(higher))


_RULES: tuple[Callable[[ConsensusState], Result | None], ...] = (
    _rule_line_49,
    _rule_line_55,
    _rule_line_22,
    _rule_line_28,
    _rule_line_36,
    _rule_line_44,
    _rule_line_34,
    _rule_line_47,
)
