"""Vote keeping: tallies per round and vote type, one vote per validator.

Each validator's first vote of a (round, type) is counted; an identical copy
is ignored and a different one is duplicate-vote evidence (that validator
signed two conflicting votes), never counted. Tallies are in voting power.
The keeper is frozen: ``add_vote`` returns a new keeper and shares what did
not change, so a consensus state is a value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from chains.core.consensus.messages import Vote, VoteType
from chains.core.types import Hash32, Round


class InjectedBug(Enum):
    """Deliberate bugs the simulator must catch (tests only; never set in production)."""

    SKIP_LOCK_CHECK = "skip-lock-check"
    """Prevote for any valid proposal, ignoring the lock (lines 23 and 29)."""
    COUNT_DUPLICATE_SIGNER = "count-duplicate-signer"
    """Count a validator's repeated vote again instead of once."""
    ACCEPT_WRONG_ROUND_VOTE = "accept-wrong-round-vote"
    """File a vote of another round under the current round's tally."""


@dataclass(frozen=True, slots=True)
class DuplicateVoteEvidence:
    """Two different signed votes by one validator for one (height, round, type)."""

    first: Vote
    second: Vote


@dataclass(frozen=True, slots=True)
class RoundVotes:
    """The votes of one type in one round.

    ``first`` holds each validator's first vote (what "2f + 1 of any kind" counts);
    ``by_hash`` holds, per block hash, the validators that voted for it. A
    validator that equivocates is counted once in each value it voted for: every
    tally for one value is still a set of distinct validators, which is all that
    quorum intersection needs, and a node that saw the equivocator's other vote
    first can still recognise a polka the rest of the network saw (Tendermint
    tracks such conflicting votes for the same reason).
    """

    first: dict[int, Vote] = field(default_factory=dict)
    by_hash: dict[Hash32 | None, dict[int, Vote]] = field(default_factory=dict)
    power_by_hash: dict[Hash32 | None, int] = field(default_factory=dict)
    total_power: int = 0

    def get_power(self, block_hash: Hash32 | None) -> int:
        """Power of the validators that voted for ``block_hash`` (``None``: nil)."""
        return self.power_by_hash.get(block_hash, 0)

    def get_votes_for(self, block_hash: Hash32 | None) -> list[Vote]:
        """The votes for ``block_hash``, in validator order."""
        votes = self.by_hash.get(block_hash, {})
        return [votes[index] for index in sorted(votes)]


EMPTY_ROUND_VOTES = RoundVotes()


@dataclass(frozen=True, slots=True)
class VoteKeeper:
    """All counted votes of one height, and the power heard from in each round.

    ``senders`` (per round: validator index -> power) counts any message of a
    round, votes and proposals alike, for the "f + 1 messages of a higher
    round" rule (Algorithm 1, line 55).
    """

    rounds: dict[tuple[Round, VoteType], RoundVotes] = field(default_factory=dict)
    senders: dict[Round, dict[int, int]] = field(default_factory=dict)

    def get(self, round_: Round, vote_type: VoteType) -> RoundVotes:
        """The tally of ``vote_type`` in ``round_`` (empty if none)."""
        return self.rounds.get((round_, vote_type), EMPTY_ROUND_VOTES)

    def get_sender_power(self, round_: Round) -> int:
        """Power of the distinct validators heard from in ``round_``."""
        return sum(self.senders.get(round_, {}).values())


def add_sender(keeper: VoteKeeper, round_: Round, index: int, power: int) -> VoteKeeper:
    """Record that validator ``index`` sent a message of ``round_``."""
    heard = keeper.senders.get(round_, {})
    if index in heard:
        return keeper
    senders = dict(keeper.senders)
    senders[round_] = {**heard, index: power}
    return VoteKeeper(keeper.rounds, senders)


def add_vote(
    keeper: VoteKeeper,
    vote: Vote,
    power: int,
    filed_round: Round | None = None,
    count_duplicates: bool = False,
) -> tuple[VoteKeeper, bool, DuplicateVoteEvidence | None]:
    """Count ``vote`` (already verified) with ``power``: (keeper, counted?, evidence).

    A copy of a vote already counted changes nothing. A vote that conflicts
    with the validator's first vote of that round and type is evidence.
    ``filed_round`` and ``count_duplicates`` exist only to inject the
    simulator's deliberate bugs; production code leaves them at their defaults.
    """
    round_ = vote.round if filed_round is None else filed_round
    key = (round_, vote.vote_type)
    tally = keeper.rounds.get(key, EMPTY_ROUND_VOTES)
    keeper = add_sender(keeper, vote.round, vote.validator_index, power)
    index, block_hash = vote.validator_index, vote.block_hash
    voters = tally.by_hash.get(block_hash, {})
    power_by_hash = dict(tally.power_by_hash)
    if index in voters:
        if not count_duplicates:
            return keeper, False, None
        # The injected bug: the same validator's power is counted again.
        power_by_hash[block_hash] += power
        rounds = dict(keeper.rounds)
        rounds[key] = RoundVotes(tally.first, tally.by_hash, power_by_hash, tally.total_power)
        return VoteKeeper(rounds, keeper.senders), True, None
    by_hash = {**tally.by_hash, block_hash: {**voters, index: vote}}
    power_by_hash[block_hash] = power_by_hash.get(block_hash, 0) + power
    previous = tally.first.get(index)
    if previous is None:
        first, total, evidence = {**tally.first, index: vote}, tally.total_power + power, None
    else:
        first, total, evidence = (
            tally.first,
            tally.total_power,
            DuplicateVoteEvidence(previous, vote),
        )
    rounds = dict(keeper.rounds)
    rounds[key] = RoundVotes(first, by_hash, power_by_hash, total)
    return VoteKeeper(rounds, keeper.senders), True, evidence
