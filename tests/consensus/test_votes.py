"""Vote keeping (votes.py): one count per validator and value, evidence, senders, injected bugs.

``add_vote`` trusts its caller to have verified signatures, so the votes here carry
placeholder signatures. The last tests run the injected bugs through the machine to show
they change its behaviour exactly as their documentation says.
"""

from __future__ import annotations

from dataclasses import replace

from chains.core.consensus.machine import (
    BlockValidated,
    BroadcastVote,
    ConsensusConfig,
    ConsensusState,
    Effect,
    Event,
    ProposalReceived,
    TimeoutConfig,
    TimeoutFired,
    VoteReceived,
    apply,
    start_consensus,
)
from chains.core.consensus.messages import Proposal, Step, Value, Vote, VoteType
from chains.core.consensus.validators import Validator, ValidatorSet
from chains.core.consensus.votes import (
    DuplicateVoteEvidence,
    InjectedBug,
    VoteKeeper,
    add_sender,
    add_vote,
)
from chains.core.types import ChainId, Hash32, Height, Round
from chains.sim.mock import MockScheme

CHAIN = ChainId("tax-1")
A = Hash32(b"\xaa" * 32)
B = Hash32(b"\xbb" * 32)
C = Hash32(b"\xcc" * 32)
PREVOTE, PRECOMMIT = VoteType.PREVOTE, VoteType.PRECOMMIT


def make_vote(
    validator: int, round_: int, block_hash: Hash32 | None, vote_type: VoteType = PREVOTE
) -> Vote:
    """A vote with a placeholder signature (add_vote does not verify)."""
    return Vote(
        vote_type,
        CHAIN,
        Height(1),
        Round(round_),
        block_hash,
        validator,
        signature=b"sig-%d" % validator,
    )


def add_all(
    votes: list[tuple[Vote, int]], keeper: VoteKeeper | None = None
) -> tuple[VoteKeeper, list[DuplicateVoteEvidence]]:
    """Add each (vote, power) in turn: the final keeper and the evidence reported."""
    keeper = VoteKeeper() if keeper is None else keeper
    found = []
    for vote, power in votes:
        keeper, _, evidence = add_vote(keeper, vote, power)
        if evidence is not None:
            found.append(evidence)
    return keeper, found


# ----------------------------------------------------------------------- counting


def test_a_vote_is_counted_with_its_power() -> None:
    """One vote: its value's power, the any-kind total and the voter list."""
    vote = make_vote(1, 0, A)
    keeper, counted, evidence = add_vote(VoteKeeper(), vote, 3)
    tally = keeper.get(Round(0), PREVOTE)
    assert counted and evidence is None
    assert (tally.get_power(A), tally.get_power(None), tally.total_power) == (3, 0, 3)
    assert tally.get_votes_for(A) == [vote]


def test_an_identical_copy_is_counted_once() -> None:
    """The same vote again: not counted, no evidence, the keeper unchanged."""
    vote = make_vote(1, 0, A)
    keeper, _, _ = add_vote(VoteKeeper(), vote, 1)
    again, counted, evidence = add_vote(keeper, vote, 1)
    assert not counted and evidence is None
    assert again.get(Round(0), PREVOTE) == keeper.get(Round(0), PREVOTE)
    assert again.get(Round(0), PREVOTE).get_power(A) == 1


def test_a_copy_with_another_signature_is_still_the_same_vote() -> None:
    """A second copy for the same value (different signature bytes) counts nothing more."""
    vote = make_vote(1, 0, A)
    keeper, _ = add_all([(vote, 1), (replace(vote, signature=b"other"), 1)])
    assert keeper.get(Round(0), PREVOTE).get_power(A) == 1


def test_nil_votes_are_tallied_under_none() -> None:
    """A nil vote counts for ``None``."""
    keeper, _ = add_all([(make_vote(1, 0, None), 2), (make_vote(2, 0, None), 1)])
    tally = keeper.get(Round(0), PREVOTE)
    assert (tally.get_power(None), tally.total_power) == (3, 3)


def test_votes_for_a_value_come_in_validator_order() -> None:
    """get_votes_for lists the voters by index, whatever the arrival order."""
    votes = [make_vote(i, 0, A) for i in (3, 0, 2)]
    keeper, _ = add_all([(vote, 1) for vote in votes])
    assert [v.validator_index for v in keeper.get(Round(0), PREVOTE).get_votes_for(A)] == [0, 2, 3]


def test_rounds_and_types_have_separate_tallies() -> None:
    """A prevote and a precommit, or votes of two rounds, are no conflict."""
    keeper, evidence = add_all(
        [
            (make_vote(1, 0, A), 1),
            (make_vote(1, 0, B, PRECOMMIT), 1),
            (make_vote(1, 1, C), 1),
        ]
    )
    assert evidence == []
    assert keeper.get(Round(0), PREVOTE).get_power(A) == 1
    assert keeper.get(Round(0), PRECOMMIT).get_power(B) == 1
    assert keeper.get(Round(1), PREVOTE).get_power(C) == 1
    assert keeper.get(Round(2), PREVOTE).total_power == 0


def test_the_keeper_is_a_value() -> None:
    """add_vote returns a new keeper and leaves the old one as it was."""
    before = VoteKeeper()
    after, _, _ = add_vote(before, make_vote(1, 0, A), 1)
    assert before.get(Round(0), PREVOTE).total_power == 0
    assert before.senders == {}
    assert after.get(Round(0), PREVOTE).total_power == 1


# ----------------------------------------------------------------------- evidence


def test_a_conflicting_vote_is_evidence() -> None:
    """A second vote for another value: evidence holding both votes, in order."""
    first, second = make_vote(1, 0, A), make_vote(1, 0, B)
    keeper, _, _ = add_vote(VoteKeeper(), first, 1)
    _, counted, evidence = add_vote(keeper, second, 1)
    assert counted
    assert evidence == DuplicateVoteEvidence(first, second)


def test_value_then_nil_is_evidence() -> None:
    """A vote for a value, then nil, in one round and type: evidence."""
    first, second = make_vote(2, 3, A, PRECOMMIT), make_vote(2, 3, None, PRECOMMIT)
    _, evidence = add_all([(first, 1), (second, 1)])
    assert len(evidence) == 1 and evidence[0].second.block_hash is None


def test_an_equivocator_counts_once_per_value_and_once_in_the_total() -> None:
    """A then B: each value gets the power once; the any-kind total counts the first vote only."""
    keeper, _ = add_all([(make_vote(1, 0, A), 2), (make_vote(1, 0, B), 2)])
    tally = keeper.get(Round(0), PREVOTE)
    assert (tally.get_power(A), tally.get_power(B), tally.total_power) == (2, 2, 2)
    assert tally.first[1].block_hash == A


def test_an_equivocator_repeating_a_vote_adds_nothing() -> None:
    """A, B, A again: A still has the power once, and the repeat is not new evidence."""
    keeper, evidence = add_all(
        [(make_vote(1, 0, A), 1), (make_vote(1, 0, B), 1), (make_vote(1, 0, A), 1)]
    )
    assert len(evidence) == 1
    assert keeper.get(Round(0), PREVOTE).get_power(A) == 1


def test_every_further_value_is_evidence_against_the_first_vote() -> None:
    """A, B, C: two pieces of evidence, both naming A as the first vote."""
    first = make_vote(1, 0, A)
    _, evidence = add_all([(first, 1), (make_vote(1, 0, B), 1), (make_vote(1, 0, C), 1)])
    assert [e.first for e in evidence] == [first, first]
    assert [e.second.block_hash for e in evidence] == [B, C]


# ----------------------------------------------------------------------- senders


def test_sender_power_counts_each_validator_once_per_round() -> None:
    """Prevote and precommit of one validator in one round: its power once."""
    keeper, _ = add_all(
        [
            (make_vote(1, 2, A), 3),
            (make_vote(1, 2, None, PRECOMMIT), 3),
            (make_vote(2, 2, B), 1),
            (make_vote(3, 4, None), 1),
        ]
    )
    assert keeper.get_sender_power(Round(2)) == 4
    assert keeper.get_sender_power(Round(4)) == 1
    assert keeper.get_sender_power(Round(0)) == 0


def test_add_sender_is_idempotent() -> None:
    """Recording the same sender again returns the very same keeper."""
    keeper = add_sender(VoteKeeper(), Round(1), 2, 5)
    assert add_sender(keeper, Round(1), 2, 5) is keeper
    assert keeper.get_sender_power(Round(1)) == 5


def test_a_duplicate_or_conflicting_vote_still_records_its_sender() -> None:
    """Senders are recorded for every vote added, whatever its fate in the tally."""
    keeper, _ = add_all([(make_vote(1, 0, A), 1), (make_vote(1, 0, B), 1)])
    assert keeper.senders == {0: {1: 1}}


# ----------------------------------------------------------------- injected bugs


def test_count_duplicates_adds_the_power_again() -> None:
    """count_duplicates=True: an identical copy is counted again (value power, not the total)."""
    vote = make_vote(1, 0, A)
    keeper, _, _ = add_vote(VoteKeeper(), vote, 2, count_duplicates=True)
    keeper, counted, evidence = add_vote(keeper, vote, 2, count_duplicates=True)
    tally = keeper.get(Round(0), PREVOTE)
    assert counted and evidence is None
    assert (tally.get_power(A), tally.total_power) == (4, 2)
    assert tally.get_votes_for(A) == [vote]


def test_count_duplicates_leaves_first_votes_alone() -> None:
    """count_duplicates=True does nothing special for a first vote."""
    keeper, _, _ = add_vote(VoteKeeper(), make_vote(1, 0, A), 2, count_duplicates=True)
    assert keeper.get(Round(0), PREVOTE).get_power(A) == 2


def test_filed_round_files_the_vote_under_another_round() -> None:
    """filed_round: the tally of that round gets the vote; the sender stays in the vote's round."""
    keeper, counted, _ = add_vote(VoteKeeper(), make_vote(1, 3, A), 1, filed_round=Round(0))
    assert counted
    assert keeper.get(Round(0), PREVOTE).get_power(A) == 1
    assert keeper.get(Round(3), PREVOTE).total_power == 0
    assert keeper.senders == {3: {1: 1}}


# -------------------------------------------------------- injected bugs in the machine

SCHEME = MockScheme()
VALIDATORS = ValidatorSet(
    tuple(Validator(f"validator-{i}", SCHEME.get_public_key(1000 + i), b"", 1) for i in range(4))
)
VALUE_A = Value(b"block A", A)
VALUE_B = Value(b"block B", B)


def signed_prevote(validator: int, round_: int, block_hash: Hash32 | None) -> VoteReceived:
    """A prevote signed with validator ``validator``'s mock key."""
    vote = Vote(PREVOTE, CHAIN, Height(1), Round(round_), block_hash, validator)
    signature = SCHEME.sign(1000 + validator, vote.get_sign_bytes())
    return VoteReceived(replace(vote, signature=signature))


def signed_proposal(round_: int, value: Value, proposer: int) -> ProposalReceived:
    """A fresh proposal signed by ``proposer`` (who must be proposer(1, round_))."""
    message = Proposal(CHAIN, Height(1), Round(round_), Round(-1), value, proposer)
    signature = SCHEME.sign(1000 + proposer, message.get_sign_bytes())
    return ProposalReceived(replace(message, signature=signature))


def valid(value: Value) -> BlockValidated:
    """The application says ``value`` is valid at height 1."""
    return BlockValidated(Height(1), value.block_hash, True)


def run_node(
    events: list[Event], bugs: frozenset[InjectedBug] = frozenset()
) -> tuple[ConsensusState, list[Effect]]:
    """Validator 0 of four equal ones at height 1: apply ``events``, return the last effects."""
    config = ConsensusConfig(CHAIN, VALIDATORS.get_public_key(0), SCHEME, TimeoutConfig(), bugs)
    state, effects = start_consensus(config, Height(1), VALIDATORS, VALIDATORS)
    for event in events:
        state, effects = apply(state, event)
    return state, effects


def get_own_votes(effects: list[Effect]) -> list[tuple[VoteType, int, Hash32 | None]]:
    """The votes broadcast in ``effects``: (type, round, hash)."""
    return [
        (e.vote.vote_type, e.vote.round, e.vote.block_hash)
        for e in effects
        if isinstance(e, BroadcastVote)
    ]


DUPLICATE_NILS: list[Event] = [
    TimeoutFired(Height(1), Round(0), Step.PROPOSE),
    signed_prevote(1, 0, None),
    signed_prevote(1, 0, None),
    signed_prevote(2, 0, None),
]


def test_machine_counts_a_duplicate_once() -> None:
    """Without bugs: two distinct nil prevotes of four are no quorum."""
    _, effects = run_node(DUPLICATE_NILS)
    assert get_own_votes(effects) == []


def test_machine_with_count_duplicate_signer_reaches_a_false_quorum() -> None:
    """COUNT_DUPLICATE_SIGNER: the repeated prevote makes a quorum (L44 precommits nil)."""
    _, effects = run_node(DUPLICATE_NILS, frozenset({InjectedBug.COUNT_DUPLICATE_SIGNER}))
    assert get_own_votes(effects) == [(PRECOMMIT, 0, None)]


OLD_ROUND_NILS: list[Event] = [
    TimeoutFired(Height(1), Round(0), Step.PRECOMMIT),
    TimeoutFired(Height(1), Round(1), Step.PROPOSE),
    *(signed_prevote(i, 0, None) for i in (1, 2, 3)),
]


def test_machine_keeps_votes_in_their_round() -> None:
    """Without bugs: nil prevotes of round 0 do nothing in round 1."""
    state, effects = run_node(OLD_ROUND_NILS)
    assert state.round == 1 and get_own_votes(effects) == []


def test_machine_with_accept_wrong_round_vote_files_them_in_the_current_round() -> None:
    """ACCEPT_WRONG_ROUND_VOTE: round-0 nil prevotes make a round-1 quorum (precommit nil)."""
    _, effects = run_node(OLD_ROUND_NILS, frozenset({InjectedBug.ACCEPT_WRONG_ROUND_VOTE}))
    assert get_own_votes(effects) == [(PRECOMMIT, 1, None)]


LOCKED_THEN_OTHER: list[Event] = [
    signed_proposal(0, VALUE_A, 1),
    valid(VALUE_A),
    *(signed_prevote(i, 0, A) for i in (1, 2, 3)),
    TimeoutFired(Height(1), Round(0), Step.PRECOMMIT),
    signed_proposal(1, VALUE_B, 2),
    valid(VALUE_B),
]


def test_machine_respects_its_lock() -> None:
    """Without bugs: locked on A, a fresh proposal of B gets a nil prevote (L26)."""
    _, effects = run_node(LOCKED_THEN_OTHER)
    assert get_own_votes(effects) == [(PREVOTE, 1, None)]


def test_machine_with_skip_lock_check_prevotes_against_its_lock() -> None:
    """SKIP_LOCK_CHECK: locked on A, it prevotes B."""
    state, effects = run_node(LOCKED_THEN_OTHER, frozenset({InjectedBug.SKIP_LOCK_CHECK}))
    assert state.locked_hash == A
    assert get_own_votes(effects) == [(PREVOTE, 1, B)]
