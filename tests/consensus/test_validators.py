"""Validator sets: quorum arithmetic, proposer rotation, the set's hash, encoding, admission."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import cache

import pytest

from chains.core.consensus.validators import (
    MAX_TOTAL_VOTING_POWER,
    Validator,
    ValidatorSet,
    compute_validators_hash,
    decode_validator_set,
    encode_validator_set,
    get_proposer_index,
    is_one_third,
    is_quorum,
    verify_validator_set,
)
from chains.core.crypto.bls import G1_INFINITY, get_bls
from chains.core.errors import ConsortiumError, ErrorCode
from chains.core.types import Height, Round

BLS = get_bls()


@cache
def make_validator(index: int, power: int = 1) -> Validator:
    """Validator ``index`` with fixed secret key 1000 + index and a valid proof of possession."""
    secret_key = 1000 + index
    return Validator(
        name=f"member-{index}",
        public_key=BLS.SkToPk(secret_key),
        proof_of_possession=BLS.PopProve(secret_key),
        voting_power=power,
    )


def make_validator_set(powers: Sequence[int]) -> ValidatorSet:
    """Validators 0..n-1 with ``powers``."""
    return ValidatorSet(tuple(make_validator(i, p) for i, p in enumerate(powers)))


def make_unkeyed_set(powers: Sequence[int]) -> ValidatorSet:
    """A set with placeholder keys, for arithmetic that never touches the keys."""
    return ValidatorSet(
        tuple(Validator(f"v{i}", bytes([i % 256]) * 48, b"", p) for i, p in enumerate(powers))
    )


# ---- quorums -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "smallest_quorum", "smallest_one_third"),
    [(1, 1, 1), (3, 3, 2), (4, 3, 2), (6, 5, 3), (7, 5, 3), (10, 7, 4), (100, 67, 34)],
)
def test_quorum_boundaries_with_equal_power(
    n: int, smallest_quorum: int, smallest_one_third: int
) -> None:
    total = make_unkeyed_set([1] * n).total_power
    assert total == n
    assert is_quorum(smallest_quorum, total)
    assert not is_quorum(smallest_quorum - 1, total)
    assert is_one_third(smallest_one_third, total)
    assert not is_one_third(smallest_one_third - 1, total)


def test_quorum_boundaries_follow_the_formula() -> None:
    for total in range(1, 301):
        assert [p for p in range(total + 1) if is_quorum(p, total)][0] == 2 * total // 3 + 1
        assert [p for p in range(total + 1) if is_one_third(p, total)][0] == total // 3 + 1


def test_quorum_with_unequal_powers() -> None:
    validators = make_unkeyed_set([5, 1, 1, 1])
    total = validators.total_power
    assert total == 8
    assert not is_quorum(5, total)  # validator 0 alone: 5/8
    assert is_quorum(5 + 1, total)  # 6/8
    assert not is_quorum(1 + 1 + 1, total)
    assert is_one_third(3, total)  # the three small ones can block
    assert not is_one_third(2, total)
    assert is_one_third(5, total)


def test_two_quorums_share_more_than_one_third() -> None:
    """The safety argument: any two quorums overlap in f + 1, so in an honest validator."""
    for total in range(1, 61):
        quorums = [p for p in range(total + 1) if is_quorum(p, total)]
        for q1 in quorums:
            for q2 in quorums:
                assert is_one_third(q1 + q2 - total, total)


# ---- proposer rotation --------------------------------------------------------


def get_schedule(validators: ValidatorSet, slots: int, start: int = 0) -> list[int]:
    """Proposers of heights ``start .. start + slots - 1`` in round 0."""
    return [
        get_proposer_index(validators, Height(h), Round(0)) for h in range(start, start + slots)
    ]


@pytest.mark.parametrize(
    ("powers", "period", "shares"),
    [
        ([1, 1, 1, 1], 4, [1, 1, 1, 1]),
        ([5, 1, 1, 1], 8, [5, 1, 1, 1]),
        ([2, 4, 6], 6, [1, 2, 3]),  # gcd 2: the period is 12 / 2
        ([3, 1], 4, [3, 1]),
        ([10, 7, 3, 1, 1], 22, [10, 7, 3, 1, 1]),
    ],
)
def test_proposals_are_proportional_to_power_over_any_period(
    powers: list[int], period: int, shares: list[int]
) -> None:
    validators = make_unkeyed_set(powers)
    for start in (0, 1, period - 1, 1000):
        counts = Counter(get_schedule(validators, period, start))
        assert [counts[i] for i in range(len(powers))] == shares


def test_every_validator_proposes_within_one_period() -> None:
    validators = make_unkeyed_set([10, 7, 3, 1, 1])
    assert set(get_schedule(validators, 22)) == set(range(5))


def test_rotation_is_deterministic_and_order_of_queries_does_not_matter() -> None:
    powers = [5, 3, 2, 1]
    forward = get_schedule(make_unkeyed_set(powers), 40)
    fresh = make_unkeyed_set(powers)
    backward = [get_proposer_index(fresh, Height(h), Round(0)) for h in reversed(range(40))]
    assert forward == list(reversed(backward))
    assert forward == get_schedule(make_unkeyed_set(powers), 40)


def test_equal_powers_rotate_round_robin() -> None:
    validators = make_unkeyed_set([1] * 7)
    for height in range(1, 15):
        for round_ in range(10):
            assert get_proposer_index(validators, Height(height), Round(round_)) == (
                (height + round_) % 7
            )


def test_round_increment_moves_the_proposer() -> None:
    equal = make_unkeyed_set([1, 1, 1, 1])
    for height in range(1, 20):
        proposers = [get_proposer_index(equal, Height(height), Round(r)) for r in range(8)]
        assert all(a != b for a, b in zip(proposers, proposers[1:], strict=False))
    # Weighted: a heavy validator may propose twice in a row, but a run of
    # rounds at one height reaches everyone, so a silent proposer is skipped.
    weighted = make_unkeyed_set([5, 1, 1, 1])
    for height in range(1, 20):
        proposers = [get_proposer_index(weighted, Height(height), Round(r)) for r in range(8)]
        assert set(proposers) == {0, 1, 2, 3}
        repeats = {a for a, b in zip(proposers, proposers[1:], strict=False) if a == b}
        assert repeats <= {0}  # only the validator with 5/8 of the power may repeat


def test_no_validator_proposes_twice_in_a_row_unless_power_demands_it() -> None:
    schedule = get_schedule(make_unkeyed_set([2, 2, 1]), 20)  # period 5
    assert all(a != b for a, b in zip(schedule, schedule[1:], strict=False))


# ---- hash and encoding ------------------------------------------------------------

BASE = make_validator_set([1, 2, 3, 4])


@pytest.mark.parametrize(
    "change",
    [
        lambda v: replace(v, name=v.name + "x"),
        lambda v: replace(v, public_key=make_validator(9).public_key),
        lambda v: replace(v, proof_of_possession=make_validator(9).proof_of_possession),
        lambda v: replace(v, voting_power=v.voting_power + 1),
    ],
    ids=["name", "public_key", "proof_of_possession", "voting_power"],
)
@pytest.mark.parametrize("position", [0, 3])
def test_validators_hash_changes_with_any_field(
    change: Callable[[Validator], Validator], position: int
) -> None:
    members = list(BASE.validators)
    members[position] = change(members[position])
    assert compute_validators_hash(ValidatorSet(tuple(members))) != compute_validators_hash(BASE)


def test_validators_hash_changes_with_order_and_membership() -> None:
    original = compute_validators_hash(BASE)
    members = list(BASE.validators)
    swapped = [members[1], members[0], *members[2:]]
    assert compute_validators_hash(ValidatorSet(tuple(swapped))) != original
    assert compute_validators_hash(ValidatorSet(tuple(members[:3]))) != original
    extended = ValidatorSet((*members, make_validator(4)))
    assert compute_validators_hash(extended) != original


def test_validators_hash_is_deterministic() -> None:
    assert compute_validators_hash(make_validator_set([1, 2, 3, 4])) == compute_validators_hash(
        BASE
    )
    assert len(compute_validators_hash(BASE)) == 32


def test_validator_set_round_trip() -> None:
    raw = encode_validator_set(BASE)
    decoded = decode_validator_set(raw)
    assert decoded == BASE
    assert decoded.total_power == 10
    assert encode_validator_set(decoded) == raw
    assert compute_validators_hash(decoded) == compute_validators_hash(BASE)


def test_decode_validator_set_refuses_garbage() -> None:
    with pytest.raises(ConsortiumError) as caught:
        decode_validator_set(b"\xff\xff\xff")
    assert caught.value.code == ErrorCode.MALFORMED_INPUT


# ---- admission ---------------------------------------------------------------------


def test_verify_validator_set_accepts() -> None:
    assert verify_validator_set(BASE).ok
    assert verify_validator_set(make_validator_set([1])).ok


def _with_member(position: int, **changes: object) -> ValidatorSet:
    members = list(BASE.validators)
    members[position] = replace(members[position], **changes)
    return ValidatorSet(tuple(members))


ADMISSION_REFUSALS: list[tuple[str, object, ErrorCode]] = [
    ("empty", ValidatorSet(()), ErrorCode.INVALID_VALIDATOR_SET),
    ("not a set", list(BASE.validators), ErrorCode.INVALID_VALIDATOR_SET),
    ("zero power", _with_member(2, voting_power=0), ErrorCode.INVALID_VALIDATOR_SET),
    ("negative power", _with_member(2, voting_power=-1), ErrorCode.INVALID_VALIDATOR_SET),
    ("boolean power", _with_member(2, voting_power=True), ErrorCode.INVALID_VALIDATOR_SET),
    ("empty name", _with_member(1, name=""), ErrorCode.INVALID_VALIDATOR_SET),
    (
        "total power too large",
        make_validator_set([MAX_TOTAL_VOTING_POWER // 2 + 1, MAX_TOTAL_VOTING_POWER // 2]),
        ErrorCode.INVALID_VALIDATOR_SET,
    ),
    (
        "duplicate key",
        _with_member(3, public_key=make_validator(0).public_key),
        ErrorCode.DUPLICATE_SIGNER,
    ),
    (
        "duplicate member",
        ValidatorSet((make_validator(0), make_validator(1), make_validator(0))),
        ErrorCode.DUPLICATE_SIGNER,
    ),
    (
        "proof of another key",
        _with_member(1, proof_of_possession=make_validator(2).proof_of_possession),
        ErrorCode.INVALID_PROOF_OF_POSSESSION,
    ),
    (
        "a signature of the key, not a proof (other DST)",
        _with_member(1, proof_of_possession=BLS.Sign(1001, make_validator(1).public_key)),
        ErrorCode.INVALID_PROOF_OF_POSSESSION,
    ),
    (
        "proof not a G2 point",
        _with_member(1, proof_of_possession=b"\x00" * 96),
        ErrorCode.INVALID_PROOF_OF_POSSESSION,
    ),
    ("identity key", _with_member(2, public_key=G1_INFINITY), ErrorCode.INVALID_PUBLIC_KEY),
    ("key not a G1 point", _with_member(2, public_key=b"\x00" * 48), ErrorCode.INVALID_PUBLIC_KEY),
    ("short key", _with_member(2, public_key=b"\xa0" * 47), ErrorCode.INVALID_PUBLIC_KEY),
]


@pytest.mark.parametrize(
    ("validators", "code"),
    [(v, c) for _, v, c in ADMISSION_REFUSALS],
    ids=[name for name, _, _ in ADMISSION_REFUSALS],
)
def test_verify_validator_set_refuses(validators: object, code: ErrorCode) -> None:
    verdict = verify_validator_set(validators)  # type: ignore[arg-type]
    assert not verdict.ok
    assert verdict.code == code, verdict
    assert verdict.message
