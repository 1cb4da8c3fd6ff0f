"""Table-driven tests of the consensus machine against Algorithm 1 of "The latest gossip on BFT
consensus" (Buchman, Kwon, Milosevic 2018), rule by rule, with negative cases.

Each :class:`Case` starts one node at height 1 (``start_consensus`` without a lock), feeds it
``events`` in order and compares the effects of the LAST event (or of ``start_consensus``
when ``events`` is empty) with ``expected``, in a normalised form:

* ``("prevote", round, name)`` / ``("precommit", round, name)``: a BroadcastVote (name
  ``None`` for nil);
* ``("propose", round, valid_round, name)``: a BroadcastProposal;
* ``("build", round)``: BuildBlock; ``("validate", name)``: ValidateBlock;
* ``("timeout", step, round, duration_ms)``: ScheduleTimeout (the test time-outs are
  100 + 10 r, 200 + 20 r and 300 + 30 r for propose, prevote and precommit);
* ``("commit", certificate_round, name)``: CommitBlock; ``("evidence", validator)``.

Earlier events are set-up: their effects are only checked for general sanity (every
CommitBlock certificate verifies, every broadcast is this node's own unsigned message).
``state`` optionally names state fields to check after the last event.

Values are real blocks of the simulator's application (:class:`ChainView`); names:
``A``, ``B`` (height 1), ``A2`` (height 2), ``WA`` (height 1 of the weighted set).
Unless a case says otherwise there are 4 validators of power 1, this node is validator 0,
and proposer(1, r) is validator (1 + r) % 4: 1, 2, 3, 0 for rounds 0..3.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import pytest

from chains.core.block import decode_block
from chains.core.consensus.certificate import (
    get_signer_indices,
    verify_commit,
)
from chains.core.consensus.machine import (
    BlockBuilt,
    BroadcastProposal,
    BroadcastVote,
    CertifiedBlockReceived,
    CommitBlock,
    ConsensusConfig,
    ConsensusState,
    Effect,
    Event,
    ProposalReceived,
    apply,
    start_consensus,
)
from chains.core.types import Height, Round

from .machine_helpers import (
    A2,
    CHAIN,
    EQUAL,
    GENESIS,
    NEW_SET,
    OTHER_CHAIN,
    PRECOMMIT,
    PREVOTE,
    PROPOSE,
    SCHEME,
    TIMEOUTS,
    WA,
    WEIGHTED,
    A,
    B,
    built,
    certified,
    garbled,
    get_name,
    get_public_key,
    make_certificate,
    make_set,
    normalise,
    precommit,
    precommits,
    prevote,
    prevotes,
    proposal,
    resigned,
    timeout,
    validated,
)

# ---------------------------------------------------------------- running a case


def check_effect(effect: Effect, me: int) -> None:
    """Sanity checks on every effect: own unsigned broadcasts, verifying certificates."""
    if isinstance(effect, BroadcastVote):
        assert effect.vote.validator_index == me and effect.vote.signature == b""
        assert effect.vote.chain_id == CHAIN
    elif isinstance(effect, BroadcastProposal):
        assert effect.proposal.proposer_index == me and effect.proposal.signature == b""
    elif isinstance(effect, CommitBlock):
        header = decode_block(effect.value.block).header
        assert header.height == effect.height == effect.certificate.height
        verdict = verify_commit(
            effect.validators, header, effect.certificate, SCHEME, chain_id=CHAIN
        )
        assert verdict.ok, verdict


def observe(state: ConsensusState) -> dict[str, object]:
    """The state fields a case may check, in comparable form."""
    return {
        "height": state.height,
        "round": state.round,
        "step": state.step.name.lower(),
        "locked_round": state.locked_round,
        "locked": get_name(state.locked_hash),
        "valid_round": state.valid_round,
        "valid": None if state.valid_value is None else get_name(state.valid_value.block_hash),
        "powers": tuple(v.voting_power for v in state.validators.validators),
        "next_powers": tuple(v.voting_power for v in state.next_validators.validators),
        "future": len(state.future),
    }


@dataclass(frozen=True)
class Case:
    """One row of the table: set-up, input events, expected effects of the last event."""

    description: str
    events: tuple[Event, ...]
    expected: tuple[tuple, ...]
    me: int = 0
    powers: tuple[int, ...] = EQUAL
    state: Mapping[str, object] = field(default_factory=dict)


def run(
    events: Iterable[Event], me: int = 0, powers: Sequence[int] = EQUAL
) -> tuple[ConsensusState, list[Effect]]:
    """Start validator ``me`` at height 1 and apply ``events``: final state, last effects."""
    validators = make_set(powers)
    config = ConsensusConfig(CHAIN, get_public_key(me), SCHEME, TIMEOUTS)
    state, effects = start_consensus(config, Height(1), validators, validators)
    for effect in effects:
        check_effect(effect, me)
    for event in events:
        state, effects = apply(state, event)
        for effect in effects:
            check_effect(effect, me)
    return state, effects


# ---------------------------------------------------------------------- set-up prefixes

RECEIVE_A = (proposal(0, A), validated(A))
"""Round 0: the proposal of A arrives and is valid; node 0 prevotes A."""

LOCK_A_R0 = (*RECEIVE_A, *prevotes(0, A, [1, 2, 3]), timeout(PRECOMMIT, 0))
"""Node 0 locks A in round 0 (L36), then the precommit time-out moves it to round 1."""

NIL_R0_THEN_R1 = (timeout(PROPOSE, 0), *prevotes(0, B, [1, 2, 3]), timeout(PRECOMMIT, 0))
"""Round 0 without the proposal (node 0 prevotes nil) but with a polka for B; then round 1."""

LOCK_A_R1 = (
    *NIL_R0_THEN_R1,
    proposal(1, A),
    validated(A),
    *prevotes(1, A, [1, 2, 3]),
    timeout(PRECOMMIT, 1),
)
"""A polka for B in round 0 that node 0 missed, a lock on A in round 1, then round 2."""

DECIDE_A = (*RECEIVE_A, *precommits(0, A, [1, 2, 3]))
"""Round 0: the proposal of A and a quorum of precommits for it: A is decided."""

T_PROPOSE_0 = ("timeout", "propose", 0, 100)

# ------------------------------------------------------------------------------ table

CASES = [
    # ---- StartRound, L11-L21
    Case(
        "L11-L21: non-proposer at round 0 schedules timeoutPropose (L21)",
        (),
        (T_PROPOSE_0,),
        state={"height": 1, "round": 0, "step": "propose", "locked_round": -1},
    ),
    Case(
        "L14-L18: proposer without validValue asks getValue() (BuildBlock)",
        (),
        (("build", 0),),
        me=1,
    ),
    Case(
        "L18-L19: getValue() answered -> broadcast proposal with vr = -1",
        (built(0, A),),
        (("propose", 0, -1, "A"),),
        me=1,
    ),
    Case(
        "L18: BlockBuilt for another round is stale and ignored",
        (built(1, A),),
        (),
        me=1,
    ),
    Case(
        "L18: a second BlockBuilt for the same round is ignored (one proposal per round)",
        (built(0, A), built(0, B)),
        (),
        me=1,
    ),
    Case(
        "L18: BlockBuilt at a node that is not the proposer is ignored",
        (built(0, A),),
        (),
    ),
    Case(
        "L14-L16: proposer with validValue re-proposes it with validRound",
        (*RECEIVE_A, *prevotes(0, A, [0, 1, 3]), timeout(PRECOMMIT, 0)),
        (("propose", 1, 0, "A"),),
        me=2,
        state={"round": 1, "step": "propose", "valid_round": 0, "valid": "A"},
    ),
    Case(
        "L65-L67 + L14-L18: a round where this node proposes asks getValue()",
        (timeout(PRECOMMIT, 0), timeout(PRECOMMIT, 1), timeout(PRECOMMIT, 2)),
        (("build", 3),),
        state={"round": 3, "step": "propose"},
    ),
    Case(
        "L21: timeoutPropose grows with the round (round 2: 100 + 2 * 10)",
        (timeout(PRECOMMIT, 0), timeout(PRECOMMIT, 1)),
        (("timeout", "propose", 2, 120),),
        state={"round": 2},
    ),
    Case(
        "L34: timeoutPrevote grows with the round (round 1: 200 + 20)",
        (timeout(PRECOMMIT, 0), timeout(PROPOSE, 1), *prevotes(1, None, [1, 2]), prevote(3, 1, A)),
        (("timeout", "prevote", 1, 220),),
    ),
    Case(
        "L47: timeoutPrecommit grows with the round (round 1: 300 + 30)",
        (timeout(PRECOMMIT, 0), *precommits(1, None, [1, 2]), precommit(3, 1, A)),
        (("timeout", "precommit", 1, 330),),
    ),
    # ---- L22-L27
    Case(
        "L22: a proposal asks valid(v) and waits for the answer",
        (proposal(0, A),),
        (("validate", "A"),),
        state={"step": "propose"},
    ),
    Case(
        "L22-L24: fresh valid proposal, unlocked -> prevote for it",
        RECEIVE_A,
        (("prevote", 0, "A"),),
        state={"step": "prevote", "locked_round": -1},
    ),
    Case(
        "L22-L24: fresh valid proposal, locked on the same value -> prevote for it",
        (*LOCK_A_R0, proposal(1, A)),
        (("prevote", 1, "A"),),
        state={"round": 1, "locked_round": 0, "locked": "A"},
    ),
    Case(
        "L22-L26: fresh valid proposal, locked on another value -> prevote nil",
        (*LOCK_A_R0, proposal(1, B), validated(B)),
        (("prevote", 1, None),),
        state={"locked_round": 0, "locked": "A"},
    ),
    Case(
        "L22-L26: fresh invalid proposal -> prevote nil",
        (proposal(0, A), validated(A, ok=False)),
        (("prevote", 0, None),),
    ),
    Case(
        "L22: ignored when not in the propose step (prevoted nil on timeout)",
        (timeout(PROPOSE, 0), *RECEIVE_A),
        (),
        state={"step": "prevote"},
    ),
    Case(
        "L22: proposal from a validator that is not proposer(h, r) is ignored",
        (proposal(0, A, proposer=2),),
        (),
    ),
    Case(
        "L22: proposal with a bad signature is ignored",
        (garbled(proposal(0, A)),),
        (),
    ),
    Case(
        "L22: proposal signed by another validator's key is ignored",
        (resigned(proposal(0, A), 2),),
        (),
    ),
    Case(
        "L22: a second, different proposal for the round is ignored (first stands)",
        (proposal(0, A), proposal(0, B), validated(B)),
        (),
        state={"step": "propose"},
    ),
    Case(
        "L22: own proposal looped back -> prevote without asking valid(v)",
        (built(0, A), proposal(0, A)),
        (("prevote", 0, "A"),),
        me=1,
    ),
    # ---- L28-L33
    Case(
        "L28-L30: re-proposal, polka in vr, unlocked -> prevote for it",
        (timeout(PRECOMMIT, 0), *prevotes(0, A, [1, 2, 3]), proposal(1, A, 0), validated(A)),
        (("prevote", 1, "A"),),
    ),
    Case(
        "L28-L30: lockedRound <= vr on another value -> prevote for it",
        (
            *LOCK_A_R0,
            timeout(PROPOSE, 1),
            *prevotes(1, B, [1, 2, 3]),
            timeout(PRECOMMIT, 1),
            proposal(2, B, 1),
            validated(B),
        ),
        (("prevote", 2, "B"),),
        state={"round": 2, "locked_round": 0, "locked": "A"},
    ),
    Case(
        "L28-L32: lockedRound > vr and another value -> prevote nil",
        (*LOCK_A_R1, proposal(2, B, 0), validated(B)),
        (("prevote", 2, None),),
        state={"round": 2, "locked_round": 1, "locked": "A"},
    ),
    Case(
        "L28-L30: lockedRound > vr but locked on v itself -> prevote for it",
        (
            timeout(PROPOSE, 0),
            *prevotes(0, A, [1, 2, 3]),
            timeout(PRECOMMIT, 0),
            proposal(1, A),
            validated(A),
            *prevotes(1, A, [1, 2, 3]),
            timeout(PRECOMMIT, 1),
            proposal(2, A, 0),
        ),
        (("prevote", 2, "A"),),
        state={"locked_round": 1, "locked": "A"},
    ),
    Case(
        "L28-L32: polka in vr but v invalid -> prevote nil",
        (
            timeout(PRECOMMIT, 0),
            *prevotes(0, A, [1, 2, 3]),
            proposal(1, A, 0),
            validated(A, ok=False),
        ),
        (("prevote", 1, None),),
    ),
    Case(
        "L28: polka in vr, waits for valid(v)",
        (timeout(PRECOMMIT, 0), *prevotes(0, A, [1, 2, 3]), proposal(1, A, 0)),
        (("validate", "A"),),
        state={"step": "propose"},
    ),
    Case(
        "L28: no polka in vr yet (2 of 4) -> waits",
        (timeout(PRECOMMIT, 0), proposal(1, A, 0), validated(A), *prevotes(0, A, [1, 2])),
        (),
        state={"step": "propose"},
    ),
    Case(
        "L28-L30: the prevote completing the polka in vr enables the rule",
        (timeout(PRECOMMIT, 0), proposal(1, A, 0), validated(A), *prevotes(0, A, [1, 2, 3])),
        (("prevote", 1, "A"),),
    ),
    Case(
        "L28: polka in vr for another value does not count",
        (timeout(PRECOMMIT, 0), *prevotes(0, B, [1, 2, 3]), proposal(1, A, 0), validated(A)),
        (),
        state={"step": "propose"},
    ),
    Case(
        "L28: proposal with vr >= round is refused",
        (
            timeout(PRECOMMIT, 0),
            *prevotes(0, A, [1, 2, 3]),
            ProposalReceived(replace(proposal(1, A, 0).proposal, valid_round=Round(1))),
            validated(A),
        ),
        (),
        state={"step": "propose"},
    ),
    Case(
        "L28: ignored when not in the propose step",
        (
            timeout(PRECOMMIT, 0),
            timeout(PROPOSE, 1),
            *prevotes(0, A, [1, 2, 3]),
            proposal(1, A, 0),
            validated(A),
        ),
        (),
        state={"step": "prevote"},
    ),
    # ---- L34-L35
    Case(
        "L34: 2f+1 prevotes of any kind (A, nil, B) schedule timeoutPrevote",
        (*RECEIVE_A, prevote(0, 0, A), prevote(1, 0, None), prevote(2, 0, B)),
        (("timeout", "prevote", 0, 200),),
        state={"step": "prevote"},
    ),
    Case(
        "L34: 2 mixed prevotes of 4 (not 2f+1) schedule nothing",
        (*RECEIVE_A, prevote(0, 0, A), prevote(1, 0, None)),
        (),
    ),
    Case(
        "L34: timeoutPrevote is scheduled once (the fourth prevote adds nothing)",
        (*RECEIVE_A, prevote(0, 0, A), prevote(1, 0, None), prevote(2, 0, B), prevote(3, 0, None)),
        (),
    ),
    Case(
        "L34: 2f+1 prevotes seen in the propose step fire on entering the prevote step",
        (prevote(1, 0, None), prevote(2, 0, A), prevote(3, 0, B), timeout(PROPOSE, 0)),
        (("prevote", 0, None), ("timeout", "prevote", 0, 200)),
    ),
    Case(
        "L34: 2f+1 prevotes in the propose step schedule nothing",
        (prevote(1, 0, None), prevote(2, 0, A), prevote(3, 0, B)),
        (),
        state={"step": "propose"},
    ),
    # ---- L36-L43
    Case(
        "L36-L41: polka for the proposal in the prevote step -> lock and precommit",
        (*RECEIVE_A, *prevotes(0, A, [1, 2, 3])),
        (("precommit", 0, "A"),),
        state={
            "step": "precommit",
            "locked_round": 0,
            "locked": "A",
            "valid_round": 0,
            "valid": "A",
        },
    ),
    Case(
        "L36: 2 prevotes for the proposal (own vote not looped back yet) -> nothing",
        (*RECEIVE_A, *prevotes(0, A, [1, 2])),
        (),
        state={"locked_round": -1},
    ),
    Case(
        "L36-L41: own prevote looped back completes the polka",
        (*RECEIVE_A, *prevotes(0, A, [1, 2]), prevote(0, 0, A)),
        (("precommit", 0, "A"),),
    ),
    Case(
        "L36-L43: polka in the precommit step -> only validValue/validRound updated",
        (timeout(PROPOSE, 0), timeout(PREVOTE, 0), *RECEIVE_A, *prevotes(0, A, [1, 2, 3])),
        (),
        state={
            "step": "precommit",
            "locked_round": -1,
            "locked": None,
            "valid_round": 0,
            "valid": "A",
        },
    ),
    Case(
        "L36: polka before valid(v) is known -> no lock yet",
        (timeout(PROPOSE, 0), *prevotes(0, A, [1, 2, 3]), proposal(0, A)),
        (("validate", "A"),),
        state={"step": "prevote", "locked_round": -1, "valid_round": -1},
    ),
    Case(
        "L36-L41: valid(v) arriving after the polka -> lock and precommit",
        (timeout(PROPOSE, 0), *prevotes(0, A, [1, 2, 3]), proposal(0, A), validated(A)),
        (("precommit", 0, "A"),),
        state={"locked_round": 0, "locked": "A"},
    ),
    Case(
        "L36: polka for an invalid proposal -> no lock",
        (timeout(PROPOSE, 0), *prevotes(0, A, [1, 2, 3]), proposal(0, A), validated(A, ok=False)),
        (),
        state={"step": "prevote", "locked_round": -1, "valid_round": -1},
    ),
    Case(
        "L36: polka without the proposal -> no lock",
        (timeout(PROPOSE, 0), *prevotes(0, A, [1, 2]), prevote(3, 0, A)),
        (("timeout", "prevote", 0, 200),),
        state={"step": "prevote", "locked_round": -1},
    ),
    Case(
        "L36: polka for a value other than the proposal -> no lock",
        (*RECEIVE_A, *prevotes(0, B, [1, 2, 3])),
        (("timeout", "prevote", 0, 200),),
        state={"locked_round": -1, "valid_round": -1},
    ),
    Case(
        "L36: fires once per round (a fourth prevote for v adds nothing)",
        (*RECEIVE_A, *prevotes(0, A, [1, 2, 3]), prevote(0, 0, A)),
        (),
        state={"step": "precommit"},
    ),
    Case(
        "L36-L43: polka in the precommit step fires once and terminates",
        (
            timeout(PROPOSE, 0),
            timeout(PREVOTE, 0),
            *RECEIVE_A,
            *prevotes(0, A, [1, 2, 3]),
            prevote(0, 0, A),
        ),
        (),
        state={"valid_round": 0, "locked_round": -1},
    ),
    # ---- L44-L46
    Case(
        "L44-L46: 2f+1 nil prevotes in the prevote step -> precommit nil",
        (*RECEIVE_A, *prevotes(0, None, [1, 2, 3])),
        (("precommit", 0, None),),
        state={"step": "precommit", "locked_round": -1},
    ),
    Case(
        "L44: 2 nil prevotes of 4 -> nothing",
        (*RECEIVE_A, *prevotes(0, None, [1, 2])),
        (),
        state={"step": "prevote"},
    ),
    Case(
        "L44: 2f+1 nil prevotes in the propose step -> nothing",
        prevotes(0, None, [1, 2, 3]),
        (),
        state={"step": "propose"},
    ),
    Case(
        "L44-L46: nil quorum seen earlier fires on entering the prevote step",
        (*prevotes(0, None, [1, 2, 3]), timeout(PROPOSE, 0)),
        (("prevote", 0, None), ("precommit", 0, None)),
    ),
    # ---- L47-L48
    Case(
        "L47-L48: 2f+1 precommits of any kind (nil, A, B) schedule timeoutPrecommit",
        (precommit(1, 0, None), precommit(2, 0, A), precommit(3, 0, B)),
        (("timeout", "precommit", 0, 300),),
        state={"step": "propose"},
    ),
    Case(
        "L47: 2 precommits of 4 schedule nothing",
        (precommit(1, 0, None), precommit(2, 0, A)),
        (),
    ),
    Case(
        "L47: timeoutPrecommit is scheduled once (the fourth precommit adds nothing)",
        (precommit(1, 0, None), precommit(2, 0, A), precommit(3, 0, B), precommit(0, 0, None)),
        (),
    ),
    # ---- L49-L54
    Case(
        "L49-L54: proposal + 2f+1 precommits for it -> commit, next height at round 0",
        DECIDE_A,
        (("commit", 0, "A"), T_PROPOSE_0),
        state={"height": 2, "round": 0, "step": "propose", "locked_round": -1},
    ),
    Case(
        "L49: 2 precommits of 4 for the proposal -> no decision",
        (*RECEIVE_A, *precommits(0, A, [1, 2])),
        (),
        state={"height": 1},
    ),
    Case(
        "L49: decision for an earlier round than the current one",
        (*RECEIVE_A, timeout(PRECOMMIT, 0), timeout(PRECOMMIT, 1), *precommits(0, A, [1, 2, 3])),
        (("commit", 0, "A"), T_PROPOSE_0),
        state={"height": 2, "round": 0},
    ),
    Case(
        "L49: decision in round 2 carries a round-2 certificate",
        (
            timeout(PRECOMMIT, 0),
            timeout(PRECOMMIT, 1),
            proposal(2, B),
            validated(B),
            *precommits(2, B, [0, 2, 3]),
        ),
        (("commit", 2, "B"), T_PROPOSE_0),
    ),
    Case(
        "L49: 2f+1 precommits before valid(v) is known -> no decision yet",
        (proposal(0, A), *precommits(0, A, [1, 2, 3])),
        (("timeout", "precommit", 0, 300),),
        state={"height": 1},
    ),
    Case(
        "L49-L54: valid(v) arriving after the precommits -> commit",
        (proposal(0, A), *precommits(0, A, [1, 2, 3]), validated(A)),
        (("commit", 0, "A"), T_PROPOSE_0),
        state={"height": 2},
    ),
    Case(
        "L49 + L26: 2f+1 precommits for an invalid value -> never decided (prevote nil)",
        (proposal(0, A), *precommits(0, A, [1, 2, 3]), validated(A, ok=False)),
        (("prevote", 0, None),),
        state={"height": 1},
    ),
    Case(
        "L49: 2f+1 precommits without the proposal -> no decision",
        (validated(A), *precommits(0, A, [1, 2, 3])),
        (("timeout", "precommit", 0, 300),),
        state={"height": 1},
    ),
    Case(
        "L52-L54: the next height starts at round 0, unlocked, without validValue",
        (*LOCK_A_R0, *precommits(0, A, [1, 2, 3])),
        (("commit", 0, "A"), T_PROPOSE_0),
        state={
            "height": 2,
            "round": 0,
            "step": "propose",
            "locked_round": -1,
            "locked": None,
            "valid_round": -1,
            "valid": None,
        },
    ),
    Case(
        "L52-L54 + L18: proposer of the next height asks getValue() (validValue reset)",
        (*RECEIVE_A, *prevotes(0, A, [1, 2, 3]), *precommits(0, A, [1, 2, 3])),
        (("commit", 0, "A"), ("build", 0)),
        me=2,
        state={"height": 2, "valid": None},
    ),
    Case(
        "L49: a late precommit of the decided height is ignored",
        (*DECIDE_A, precommit(0, 0, A)),
        (),
        state={"height": 2},
    ),
    # ---- L55-L56
    Case(
        "L55-L56: f+1 of the power (2 of 4) in a higher round -> jump to it",
        (prevote(1, 2, None), precommit(2, 2, None)),
        (("timeout", "propose", 2, 120),),
        state={"round": 2, "step": "propose"},
    ),
    Case(
        "L55: f of the power (1 of 4) in a higher round -> stay",
        (prevote(1, 2, None),),
        (),
        state={"round": 0},
    ),
    Case(
        "L55: one validator's prevote and precommit count once -> stay",
        (prevote(1, 2, None), precommit(1, 2, None)),
        (),
        state={"round": 0},
    ),
    Case(
        "L55: messages of two different higher rounds do not add up -> stay",
        (prevote(1, 2, None), prevote(2, 3, None)),
        (),
        state={"round": 0},
    ),
    Case(
        "L55: a proposal counts as a message of its round",
        (proposal(2, A), prevote(1, 2, None)),
        (("timeout", "propose", 2, 120),),
        state={"round": 2},
    ),
    Case(
        "L55 + L22: after the jump the stored proposal of that round is prevoted",
        (proposal(2, A), prevote(1, 2, None), validated(A)),
        (("prevote", 2, "A"),),
    ),
    Case(
        "L55: f+1 in a lower round -> nothing",
        (timeout(PRECOMMIT, 0), timeout(PRECOMMIT, 1), *prevotes(1, None, [1, 2, 3])),
        (),
        state={"round": 2},
    ),
    # ---- OnTimeoutPropose, L57-L60
    Case(
        "L57-L60: timeoutPropose in the propose step -> prevote nil",
        (timeout(PROPOSE, 0),),
        (("prevote", 0, None),),
        state={"step": "prevote"},
    ),
    Case(
        "L57: stale timeoutPropose of another round is ignored",
        (timeout(PRECOMMIT, 0), timeout(PROPOSE, 0)),
        (),
        state={"round": 1, "step": "propose"},
    ),
    Case(
        "L57: timeoutPropose of a future round is ignored",
        (timeout(PROPOSE, 1),),
        (),
        state={"round": 0, "step": "propose"},
    ),
    Case(
        "L57: timeoutPropose of another height is ignored",
        (timeout(PROPOSE, 0, height=2),),
        (),
        state={"step": "propose"},
    ),
    Case(
        "L57: timeoutPropose after prevoting is ignored",
        (*RECEIVE_A, timeout(PROPOSE, 0)),
        (),
        state={"step": "prevote"},
    ),
    # ---- OnTimeoutPrevote, L61-L64
    Case(
        "L61-L64: timeoutPrevote in the prevote step -> precommit nil",
        (*RECEIVE_A, timeout(PREVOTE, 0)),
        (("precommit", 0, None),),
        state={"step": "precommit", "locked_round": -1},
    ),
    Case(
        "L61: timeoutPrevote in the propose step is ignored",
        (timeout(PREVOTE, 0),),
        (),
        state={"step": "propose"},
    ),
    Case(
        "L61: stale timeoutPrevote of an earlier round is ignored",
        (timeout(PRECOMMIT, 0), timeout(PROPOSE, 1), timeout(PREVOTE, 0)),
        (),
        state={"round": 1, "step": "prevote"},
    ),
    Case(
        "L61: timeoutPrevote of another height is ignored",
        (timeout(PROPOSE, 0), timeout(PREVOTE, 0, height=2)),
        (),
        state={"step": "prevote"},
    ),
    Case(
        "L61: timeoutPrevote after precommitting is ignored",
        (timeout(PROPOSE, 0), timeout(PREVOTE, 0), timeout(PREVOTE, 0)),
        (),
        state={"step": "precommit"},
    ),
    # ---- OnTimeoutPrecommit, L65-L67
    Case(
        "L65-L67: timeoutPrecommit -> StartRound(round + 1)",
        (timeout(PROPOSE, 0), timeout(PREVOTE, 0), timeout(PRECOMMIT, 0)),
        (("timeout", "propose", 1, 110),),
        state={"round": 1, "step": "propose"},
    ),
    Case(
        "L65: stale timeoutPrecommit of an earlier round is ignored",
        (timeout(PRECOMMIT, 0), timeout(PRECOMMIT, 0)),
        (),
        state={"round": 1},
    ),
    Case(
        "L65: timeoutPrecommit of another height is ignored",
        (timeout(PRECOMMIT, 0, height=2),),
        (),
        state={"round": 0},
    ),
    # ---- weighted voting power: validators 0..3 hold 3, 1, 1, 1 of 6; node 2
    Case(
        "weighted: validator 0 alone (3 of 6) is no quorum",
        (timeout(PROPOSE, 0), prevote(0, 0, None)),
        (),
        me=2,
        powers=WEIGHTED,
        state={"step": "prevote"},
    ),
    Case(
        "weighted: validators 0 and 1 hold exactly 2/3 (4 of 6): still no quorum",
        (timeout(PROPOSE, 0), *prevotes(0, None, [0, 1])),
        (),
        me=2,
        powers=WEIGHTED,
        state={"step": "prevote"},
    ),
    Case(
        "weighted: validators 0, 1, 2 (5 of 6) are a quorum -> precommit nil (L44)",
        (timeout(PROPOSE, 0), *prevotes(0, None, [0, 1, 2])),
        (("precommit", 0, None),),
        me=2,
        powers=WEIGHTED,
    ),
    Case(
        "weighted: three of four validators (1, 2, 3: 3 of 6) are no quorum",
        (timeout(PROPOSE, 0), *prevotes(0, None, [1, 2, 3])),
        (),
        me=2,
        powers=WEIGHTED,
        state={"step": "prevote"},
    ),
    Case(
        "weighted L55: validator 0 alone (3 of 6) is more than a third -> jump",
        (prevote(0, 3, None),),
        (("timeout", "propose", 3, 130),),
        me=2,
        powers=WEIGHTED,
        state={"round": 3},
    ),
    Case(
        "weighted L55: validators 1 and 3 (2 of 6, exactly a third) -> stay",
        (prevote(1, 3, None), prevote(3, 3, None)),
        (),
        me=2,
        powers=WEIGHTED,
        state={"round": 0},
    ),
    Case(
        "weighted L22: the proposal of the weighted proposer is prevoted",
        (proposal(0, WA, proposer=1), validated(WA)),
        (("prevote", 0, "WA"),),
        me=2,
        powers=WEIGHTED,
    ),
    Case(
        "weighted L49: precommits of 0 and 1 (4 of 6) do not decide",
        (proposal(0, WA, proposer=1), validated(WA), *precommits(0, WA, [0, 1])),
        (),
        me=2,
        powers=WEIGHTED,
        state={"height": 1},
    ),
    Case(
        "weighted L49: precommits of 0, 1, 3 (5 of 6) decide",
        (proposal(0, WA, proposer=1), validated(WA), *precommits(0, WA, [0, 1, 3])),
        (("commit", 0, "WA"), ("timeout", "propose", 0, 100)),
        me=2,
        powers=WEIGHTED,
        state={"height": 2},
    ),
    # ---- duplicates and equivocation
    Case(
        "duplicate nil prevote counted once (2 distinct of 4 -> no L44)",
        (timeout(PROPOSE, 0), prevote(1, 0, None), prevote(1, 0, None), prevote(2, 0, None)),
        (),
        state={"step": "prevote"},
    ),
    Case(
        "duplicate precommit counted once (no L49 decision)",
        (*RECEIVE_A, precommit(1, 0, A), precommit(1, 0, A), precommit(2, 0, A)),
        (),
        state={"height": 1},
    ),
    Case(
        "conflicting prevotes -> ReportEvidence naming the validator",
        (prevote(1, 0, A), prevote(1, 0, B)),
        (("evidence", 1),),
    ),
    Case(
        "conflicting precommits (value, then nil) -> ReportEvidence",
        (precommit(3, 0, A), precommit(3, 0, None)),
        (("evidence", 3),),
    ),
    Case(
        "conflicting prevote still counts for its own value (completes the L36 polka)",
        (*RECEIVE_A, prevote(0, 0, A), prevote(2, 0, A), prevote(1, 0, B), prevote(1, 0, A)),
        (("evidence", 1), ("precommit", 0, "A")),
        state={"locked": "A"},
    ),
    Case(
        "equivocator counted once in the any-kind total (no L34 with 0, 1 only)",
        (*RECEIVE_A, prevote(0, 0, A), prevote(1, 0, B), prevote(1, 0, None)),
        (("evidence", 1),),
    ),
    # ---- invalid votes
    Case(
        "vote with a bad signature is ignored",
        (timeout(PROPOSE, 0), *prevotes(0, None, [1, 2]), garbled(prevote(3, 0, None))),
        (),
        state={"step": "prevote"},
    ),
    Case(
        "vote signed with another validator's key is ignored",
        (timeout(PROPOSE, 0), *prevotes(0, None, [1, 2]), resigned(prevote(3, 0, None), 1)),
        (),
        state={"step": "prevote"},
    ),
    Case(
        "vote from an index outside the validator set is ignored",
        (timeout(PROPOSE, 0), *prevotes(0, None, [1, 2]), prevote(4, 0, None)),
        (),
        state={"step": "prevote"},
    ),
    Case(
        "vote for another chain id is ignored",
        (timeout(PROPOSE, 0), *prevotes(0, None, [1, 2]), prevote(3, 0, None, chain=OTHER_CHAIN)),
        (),
        state={"step": "prevote"},
    ),
    Case(
        "proposal for another chain id is ignored",
        (proposal(0, A, chain=OTHER_CHAIN),),
        (),
    ),
    # ---- other heights
    Case(
        "messages for height + 1 are buffered, not counted",
        (proposal(0, A2, height=2), *precommits(0, A2, [1, 2, 3], height=2)),
        (),
        state={"height": 1, "future": 4},
    ),
    Case(
        "messages for height + 1 are replayed after the decision",
        (proposal(0, A2, height=2), *precommits(0, A2, [1, 2, 3], height=2), *DECIDE_A),
        (("commit", 0, "A"), T_PROPOSE_0, ("validate", "A2"), ("timeout", "precommit", 0, 300)),
        state={"height": 2, "future": 0},
    ),
    Case(
        "replayed messages of height + 1 decide it once valid(v) is known",
        (
            proposal(0, A2, height=2),
            *precommits(0, A2, [1, 2, 3], height=2),
            *DECIDE_A,
            validated(A2, height=2),
        ),
        (("commit", 0, "A2"), T_PROPOSE_0),
        state={"height": 3},
    ),
    Case(
        "a buffered message of height + 1 with a bad signature is dropped",
        (garbled(prevote(1, 0, None, height=2)), resigned(prevote(2, 0, None, height=2), 1)),
        (),
        state={"future": 0},
    ),
    Case(
        "at most 8 buffered messages per validator of height + 1",
        tuple(prevote(1, r, None, height=2) for r in range(9)),
        (),
        state={"future": 8},
    ),
    Case(
        "messages for height + 2 are ignored (not buffered, nothing replayed)",
        (proposal(0, A2, height=3), *precommits(0, A2, [1, 2, 3], height=3), *DECIDE_A),
        (("commit", 0, "A"), T_PROPOSE_0),
        state={"height": 2, "future": 0},
    ),
    Case(
        "messages for height 0 are ignored",
        (timeout(PROPOSE, 0), *prevotes(0, None, [1, 2]), prevote(3, 0, None, height=0)),
        (),
        state={"step": "prevote"},
    ),
    # ---- catch-up with a certificate
    Case(
        "catch-up: a certificate that verifies asks valid(v)",
        (certified(A, [1, 2, 3]),),
        (("validate", "A"),),
        state={"height": 1},
    ),
    Case(
        "catch-up: valid certificate decides after validation",
        (certified(A, [1, 2, 3]), validated(A)),
        (("commit", 0, "A"), T_PROPOSE_0),
        state={"height": 2},
    ),
    Case(
        "catch-up: valid certificate of round 4 for a validated block decides at once",
        (*RECEIVE_A, certified(A, [0, 2, 3], round_=4)),
        (("commit", 4, "A"), T_PROPOSE_0),
        state={"height": 2},
    ),
    Case(
        "catch-up: certified block found invalid is never decided",
        (certified(A, [1, 2, 3]), validated(A, ok=False)),
        (),
        state={"height": 1},
    ),
    Case(
        "catch-up: certificate of 2 of 4 signers is ignored",
        (certified(A, [1, 2]), validated(A)),
        (),
        state={"height": 1},
    ),
    Case(
        "catch-up: certificate with a bad aggregate signature is ignored",
        (certified(A, [1, 2, 3], signed_value=B), validated(A)),
        (),
        state={"height": 1},
    ),
    Case(
        "catch-up: certificate for another block than the one sent is ignored",
        (CertifiedBlockReceived(A, make_certificate(B, [1, 2, 3])), validated(A)),
        (),
        state={"height": 1},
    ),
    Case(
        "catch-up: certificate of another height is ignored",
        (certified(A2, [1, 2, 3], height=2),),
        (),
        state={"height": 1},
    ),
    Case(
        "L49: an equivocating proposer's second proposal is decided by 2f+1 precommits for it",
        (
            proposal(0, B),
            proposal(0, A),
            validated(A),
            validated(B),
            *precommits(0, A, [1, 2, 3]),
        ),
        (("commit", 0, "A"), T_PROPOSE_0),
        state={"height": 2},
    ),
    Case(
        "L22: the first of two proposals of a round stays the round's proposal",
        (proposal(0, B), proposal(0, A), validated(A), validated(B)),
        (("prevote", 0, "B"),),
        state={"step": "prevote"},
    ),
    # ---- validator-set changes
    Case(
        "set change: BlockValidated next_validators at h is the set of h + 2, not h + 1",
        (proposal(0, A), validated(A, next_validators=NEW_SET), *precommits(0, A, [1, 2, 3])),
        (("commit", 0, "A"), T_PROPOSE_0),
        state={"height": 2, "powers": (1, 1, 1, 1), "next_powers": (2, 1, 1, 1)},
    ),
    Case(
        "set change: after two decisions the new set validates height h + 2",
        (
            proposal(0, A),
            validated(A, next_validators=NEW_SET),
            *precommits(0, A, [1, 2, 3]),
            proposal(0, A2, height=2),
            validated(A2, height=2),
            *precommits(0, A2, [1, 2, 3], 2),
        ),
        (("commit", 0, "A2"), T_PROPOSE_0),
        state={"height": 3, "powers": (2, 1, 1, 1), "next_powers": (2, 1, 1, 1)},
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.description for case in CASES])
def test_algorithm1(case: Case) -> None:
    """Run one row: the last event's effects and the named state fields match."""
    state, effects = run(case.events, case.me, case.powers)
    assert [normalise(effect) for effect in effects] == list(case.expected)
    observed = observe(state)
    assert {key: observed[key] for key in case.state} == dict(case.state)


def test_descriptions_are_unique() -> None:
    """Each row has its own id."""
    descriptions = [case.description for case in CASES]
    assert len(descriptions) == len(set(descriptions))


# ------------------------------------------------------------- checks beyond the table


def _get_commits(effects: Iterable[Effect]) -> list[CommitBlock]:
    """The CommitBlock effects among ``effects``."""
    return [effect for effect in effects if isinstance(effect, CommitBlock)]


def test_certificate_of_a_decision_verifies() -> None:
    """L49-L51: the CommitBlock certificate names exactly the precommitters and verifies."""
    _, effects = run(DECIDE_A)
    [commit] = _get_commits(effects)
    header = decode_block(commit.value.block).header
    assert commit.height == 1 and commit.value == A
    assert get_signer_indices(commit.certificate.signer_bitmap) == [1, 2, 3]
    assert (commit.certificate.height, commit.certificate.round) == (1, 0)
    assert verify_commit(GENESIS, header, commit.certificate, SCHEME, chain_id=CHAIN).ok
    forged = replace(commit.certificate, aggregate_signature=b"\x01" * 32)
    assert not verify_commit(GENESIS, header, forged, SCHEME).ok


def test_commit_block_carries_validator_sets() -> None:
    """CommitBlock names the set that signed it and the set of the next height."""
    state, first = run(
        (proposal(0, A), validated(A, next_validators=NEW_SET), *precommits(0, A, [1, 2, 3]))
    )
    [commit_1] = _get_commits(first)
    assert (commit_1.validators, commit_1.next_validators) == (GENESIS, GENESIS)
    for event in (
        proposal(0, A2, height=2),
        validated(A2, height=2),
        *precommits(0, A2, [1, 2, 3], height=2),
    ):
        state, effects = apply(state, event)
    [commit_2] = _get_commits(effects)
    assert (commit_2.validators, commit_2.next_validators) == (GENESIS, NEW_SET)
    assert state.validators == NEW_SET and state.height == 3


def test_built_block_next_validators_take_effect_two_heights_later() -> None:
    """BlockBuilt's next_validators count like BlockValidated's for the proposer's own block."""
    state, _ = run(
        (
            BlockBuilt(Height(1), Round(0), A, NEW_SET),
            proposal(0, A, proposer=1),
            *precommits(0, A, [0, 2, 3]),
        ),
        me=1,
    )
    assert state.height == 2 and state.next_validators == NEW_SET


def test_timeout_config_grows_linearly() -> None:
    """TimeoutConfig.get_timeout_ms is base + round * delta for each step."""
    assert [TIMEOUTS.get_timeout_ms(PROPOSE, Round(r)) for r in range(3)] == [100, 110, 120]
    assert [TIMEOUTS.get_timeout_ms(PREVOTE, Round(r)) for r in range(3)] == [200, 220, 240]
    assert [TIMEOUTS.get_timeout_ms(PRECOMMIT, Round(r)) for r in range(3)] == [300, 330, 360]


def test_apply_refuses_a_non_event() -> None:
    """apply() raises TypeError for something that is not an event."""
    state, _ = run(())
    with pytest.raises(TypeError):
        apply(state, "not an event")  # type: ignore[arg-type]


def test_a_follower_without_a_key_never_votes() -> None:
    """own_public_key None: the node follows the rules and decides, but broadcasts nothing."""
    config = ConsensusConfig(CHAIN, None, SCHEME, TIMEOUTS)
    state, effects = start_consensus(config, Height(1), GENESIS, GENESIS)
    everything = list(effects)
    for event in (*RECEIVE_A, *prevotes(0, A, [1, 2, 3]), *precommits(0, A, [1, 2, 3])):
        state, effects = apply(state, event)
        everything.extend(effects)
    kinds = [normalise(effect)[0] for effect in everything]
    assert "prevote" not in kinds and "precommit" not in kinds
    assert kinds.count("commit") == 1 and state.height == 2
