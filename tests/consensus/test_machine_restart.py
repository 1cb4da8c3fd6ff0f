"""Restarting the consensus machine: ``start_consensus(resume_at=..., locked_...)``.

After a crash a validator resumes in the (round, step) it last signed, keeps its lock, and
gets the locked block back as its valid value so that it re-proposes it (the paper keeps
validRound >= lockedRound). Votes it had received are gone: rules that need them wait
until they are delivered again.

Set-up throughout: 4 validators of power 1 with mock keys, height 1, proposer(1, r) is
validator (1 + r) % 4 (1, 2, 3, 0 for rounds 0..3). The node is validator 0 unless a test
says otherwise and, unless a test says otherwise, resumes locked on ``A`` in round 1.
Effects are compared in the normalised form of ``test_algorithm1``.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from chains.core.consensus.machine import (
    BlockBuilt,
    ConsensusConfig,
    ConsensusState,
    Effect,
    Event,
    ProposalReceived,
    apply,
    start_consensus,
)
from chains.core.consensus.messages import Proposal, Step, Value
from chains.core.types import Height, Round

from .machine_helpers import (
    CHAIN,
    GENESIS,
    SCHEME,
    TIMEOUTS,
    A,
    B,
    get_name,
    normalise,
    precommits,
    prevotes,
    proposal,
    sign,
    timeout,
    validated,
)

PROPOSE, PREVOTE, PRECOMMIT = Step.PROPOSE, Step.PREVOTE, Step.PRECOMMIT
VALIDATORS = GENESIS


def restart(
    resume_at: tuple[int, Step] | None,
    me: int = 0,
    lock: tuple[int, Value] | None = (1, A),
    locked_value: Value | None = A,
) -> tuple[ConsensusState, list[tuple]]:
    """start_consensus for validator ``me`` at height 1 after a crash.

    ``lock`` is (locked round, locked block); ``locked_value`` is the block the write-ahead
    log kept (``None``: the node lost it).
    """
    config = ConsensusConfig(CHAIN, VALIDATORS.get_public_key(me), SCHEME, TIMEOUTS)
    locked_round, locked_hash = (-1, None) if lock is None else (lock[0], lock[1].block_hash)
    state, effects = start_consensus(
        config,
        Height(1),
        VALIDATORS,
        VALIDATORS,
        resume_at=None if resume_at is None else (Round(resume_at[0]), resume_at[1]),
        locked_round=locked_round,
        locked_hash=locked_hash,
        locked_value=locked_value,
    )
    return state, [normalise(effect) for effect in effects]


def feed(state: ConsensusState, events: Sequence[Event]) -> tuple[ConsensusState, list[tuple]]:
    """Apply ``events`` in order: the final state and the normalised effects of the last one."""
    effects: list[Effect] = []
    for event in events:
        state, effects = apply(state, event)
    return state, [normalise(effect) for effect in effects]


def get_lock(state: ConsensusState) -> tuple[int, str | None, int, str | None]:
    """(locked round, locked name, valid round, valid name)."""
    valid = None if state.valid_value is None else get_name(state.valid_value.block_hash)
    return state.locked_round, get_name(state.locked_hash), state.valid_round, valid


# ------------------------------------------------------------------ where it resumes


@pytest.mark.parametrize(
    ("resume_at", "me", "expected"),
    [
        ((2, PREVOTE), 0, []),
        ((2, PRECOMMIT), 0, []),
        ((2, PROPOSE), 0, [("timeout", "propose", 2, 120)]),
        # proposer(1, 2) = 3: it signed its proposal before the crash and must not sign
        # another one, so it lets the round time out instead of proposing again.
        ((2, PROPOSE), 3, [("timeout", "propose", 2, 120)]),
    ],
    ids=["prevote step", "precommit step", "propose step", "propose step as the proposer"],
)
def test_resumes_in_the_signed_round_and_step(
    resume_at: tuple[int, Step], me: int, expected: list[tuple]
) -> None:
    """The node is in the round and step it last signed, still locked, with validValue set."""
    state, effects = restart(resume_at, me=me)
    assert effects == expected
    assert (state.height, state.round, state.step) == (1, *resume_at)
    assert get_lock(state) == (1, "A", 1, "A")


def test_a_lock_without_resume_at_resumes_in_the_locked_round() -> None:
    """A lock means a precommit was signed in its round: resume there, past precommit."""
    state, effects = restart(None, me=0, lock=(1, A), locked_value=A)
    assert (state.round, state.step) == (1, PRECOMMIT)
    assert effects == []
    assert get_lock(state) == (1, "A", 1, "A")


def test_fresh_start_without_a_lock_is_round_zero() -> None:
    """Without resume_at and lock: StartRound(0), unlocked."""
    state, effects = restart(None, lock=None, locked_value=None)
    assert effects == [("timeout", "propose", 0, 100)]
    assert get_lock(state) == (-1, None, -1, None)


def test_a_locked_value_that_does_not_match_the_lock_is_not_the_valid_value() -> None:
    """locked_value with another hash than locked_hash is ignored."""
    state, _ = restart((2, PREVOTE), locked_value=B)
    assert get_lock(state) == (1, "A", -1, None)


# ------------------------------------------------------------------ the lock is kept


def test_fresh_proposal_of_another_value_gets_a_nil_prevote() -> None:
    """L22-L26 after the restart: locked on A, a fresh proposal of B -> prevote nil."""
    state, _ = restart((2, PROPOSE))
    state, effects = feed(state, [proposal(2, B), validated(B)])
    assert effects == [("prevote", 2, None)]
    assert get_lock(state) == (1, "A", 1, "A")


def test_fresh_proposal_of_the_locked_value_gets_a_prevote() -> None:
    """L22-L24 after the restart: a fresh proposal of the locked value A -> prevote A."""
    state, _ = restart((2, PROPOSE))
    state, effects = feed(state, [proposal(2, A), validated(A)])
    assert effects == [("prevote", 2, "A")]


def test_reproposal_with_an_older_polka_than_the_lock_gets_a_nil_prevote() -> None:
    """L28-L32: locked in round 1, B re-proposed with vr = 0 and a polka in 0 -> nil."""
    state, _ = restart((2, PROPOSE))
    state, effects = feed(state, [*prevotes(0, B, [1, 2, 3]), proposal(2, B, 0), validated(B)])
    assert effects == [("prevote", 2, None)]


def test_reproposal_with_a_polka_as_recent_as_the_lock_gets_a_prevote() -> None:
    """L28-L30: locked in round 1, B re-proposed with vr = 1 and a polka in 1 -> prevote B."""
    state, _ = restart((2, PROPOSE))
    state, effects = feed(state, [*prevotes(1, B, [1, 2, 3]), proposal(2, B, 1), validated(B)])
    assert effects == [("prevote", 2, "B")]


# ------------------------------------------------------------- the lock is re-proposed


def test_locked_value_is_reproposed_with_its_round() -> None:
    """L14-L16: the next round this node proposes, it proposes A with validRound 1."""
    state, _ = restart((2, PRECOMMIT))
    state, effects = feed(state, [timeout(PRECOMMIT, 2)])
    assert effects == [("propose", 3, 1, "A")]
    assert (state.round, state.step) == (3, PROPOSE)


def test_own_reproposal_waits_for_the_polka_to_be_delivered_again() -> None:
    """L28: received votes are not persisted; the re-proposal is prevoted once the polka is back."""
    state, _ = restart((2, PRECOMMIT))
    own = ProposalReceived(sign(Proposal(CHAIN, Height(1), Round(3), Round(1), A, 0), 0))
    state, effects = feed(state, [timeout(PRECOMMIT, 2), own, validated(A)])
    assert effects == [] and state.step == PROPOSE
    state, effects = feed(state, prevotes(1, A, [1, 2, 3]))
    assert effects == [("prevote", 3, "A")]


def test_without_the_locked_block_the_proposer_builds_a_new_one() -> None:
    """A node that lost the locked block asks getValue(); its lock still refuses the new one."""
    state, _ = restart((2, PRECOMMIT), locked_value=None)
    state, effects = feed(state, [timeout(PRECOMMIT, 2)])
    assert effects == [("build", 3)]
    state, effects = feed(state, [BlockBuilt(Height(1), Round(3), B)])
    assert effects == [("propose", 3, -1, "B")]
    state, effects = feed(state, [proposal(3, B)])
    assert effects == [("prevote", 3, None)]


# --------------------------------------------------------------- resumed steps behave


def test_resumed_in_prevote_does_not_prevote_again() -> None:
    """L22 needs the propose step: the round's proposal gets no second prevote."""
    state, _ = restart((2, PREVOTE))
    state, effects = feed(state, [proposal(2, A), validated(A)])
    assert effects == []


def test_resumed_in_prevote_locks_on_a_new_polka() -> None:
    """L36-L41 in the resumed prevote step: a polka for the proposal B relocks on B."""
    state, _ = restart((2, PREVOTE))
    state, effects = feed(state, [proposal(2, B), validated(B), *prevotes(2, B, [1, 2, 3])])
    assert effects == [("precommit", 2, "B")]
    assert get_lock(state) == (2, "B", 2, "B")


def test_resumed_in_prevote_precommits_nil_on_a_nil_quorum() -> None:
    """L44-L46 in the resumed prevote step."""
    state, _ = restart((2, PREVOTE))
    state, effects = feed(state, prevotes(2, None, [1, 2, 3]))
    assert effects == [("precommit", 2, None)]


def test_resumed_in_prevote_schedules_and_obeys_timeout_prevote() -> None:
    """L34 then L61-L64 in the resumed round."""
    state, _ = restart((2, PREVOTE))
    state, effects = feed(state, [*prevotes(2, None, [1, 2]), *prevotes(2, A, [3])])
    assert effects == [("timeout", "prevote", 2, 240)]
    state, effects = feed(state, [timeout(PREVOTE, 2)])
    assert effects == [("precommit", 2, None)]


def test_resumed_in_precommit_ignores_timeout_prevote() -> None:
    """L61: the precommit was signed already; no second one."""
    state, _ = restart((2, PRECOMMIT))
    state, effects = feed(state, [timeout(PREVOTE, 2)])
    assert effects == []


def test_resumed_in_precommit_a_polka_only_updates_the_valid_value() -> None:
    """L36-L43 in the precommit step: validValue moves to B, the lock on A stays."""
    state, _ = restart((2, PRECOMMIT))
    state, effects = feed(state, [proposal(2, B), validated(B), *prevotes(2, B, [1, 2, 3])])
    assert effects == []
    assert get_lock(state) == (1, "A", 2, "B")
    state, effects = feed(state, [timeout(PRECOMMIT, 2)])
    assert effects == [("propose", 3, 2, "B")]


def test_resumed_in_propose_times_out_to_a_nil_prevote() -> None:
    """L57-L60 in the resumed propose step."""
    state, _ = restart((2, PROPOSE))
    state, effects = feed(state, [timeout(PROPOSE, 2)])
    assert effects == [("prevote", 2, None)]


def test_time_outs_of_rounds_before_the_crash_are_stale() -> None:
    """L58/L62/L66: time-outs of round 1, scheduled before the crash, change nothing."""
    state, _ = restart((2, PROPOSE))
    for step in (PROPOSE, PREVOTE, PRECOMMIT):
        state, effects = feed(state, [timeout(step, 1)])
        assert effects == [] and (state.round, state.step) == (2, PROPOSE)


def test_decision_after_the_restart_unlocks_the_next_height() -> None:
    """L49-L54: deciding A (round 1's proposal) starts height 2 unlocked at round 0."""
    state, _ = restart((2, PRECOMMIT))
    state, effects = feed(state, [proposal(1, A), validated(A), *precommits(1, A, [1, 2, 3])])
    assert effects == [("commit", 1, "A"), ("timeout", "propose", 0, 100)]
    assert (state.height, state.round) == (2, 0)
    assert get_lock(state) == (-1, None, -1, None)
