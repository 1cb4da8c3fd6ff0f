"""Validator sets: voting power, quorums, proposer rotation and the set's hash.

Quorums are computed in integers (DESIGN §2): a quorum ("2f + 1" in the
paper) is strictly more than two thirds of the voting power, and "f + 1" is
strictly more than one third. Powers may differ between validators.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import gcd

from chains.core.crypto.bls import BlsBackend, get_bls
from chains.core.errors import ACCEPTED, ErrorCode, Verdict, refuse
from chains.core.merkle import compute_root
from chains.core.protobuf import parse_message
from chains.core.types import Hash32, Height, Round
from consortium.v1 import consensus_pb2

MAX_TOTAL_VOTING_POWER = 2**60
"""Keeps ``3 * power`` far inside 64 bits wherever the set is encoded."""


@dataclass(frozen=True, slots=True)
class Validator:
    """One member organisation's validator key and voting power."""

    name: str
    public_key: bytes
    proof_of_possession: bytes
    voting_power: int


@dataclass(frozen=True)
class ValidatorSet:
    """The validators of one height, in index order (votes name their index)."""

    validators: tuple[Validator, ...]
    total_power: int = field(init=False)
    _schedule: list[int] = field(default_factory=list, compare=False, hash=False, repr=False)
    _priorities: list[int] = field(default_factory=list, compare=False, hash=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "validators", tuple(self.validators))
        object.__setattr__(self, "total_power", sum(v.voting_power for v in self.validators))

    def __len__(self) -> int:
        return len(self.validators)

    def get_power(self, index: int) -> int:
        """Voting power of validator ``index``."""
        return self.validators[index].voting_power

    def get_public_key(self, index: int) -> bytes:
        """Public key of validator ``index``."""
        return self.validators[index].public_key

    def is_index(self, index: object) -> bool:
        """True when ``index`` names a validator of this set."""
        return isinstance(index, int) and 0 <= index < len(self.validators)


def is_quorum(power: int, total: int) -> bool:
    """More than two thirds of ``total`` ("2f + 1" in the paper): ``3 * power > 2 * total``."""
    return 3 * power > 2 * total


def is_one_third(power: int, total: int) -> bool:
    """More than one third of ``total`` ("f + 1" in the paper): at least one honest sender."""
    return 3 * power > total


def get_proposer_index(validators: ValidatorSet, height: Height, round_: Round) -> int:
    """The proposer of (``height``, ``round_``): weighted round robin over voting power.

    Smooth weighted round robin (each step every validator gains its power, the
    highest priority proposes and pays back the total; ties go to the lowest
    index). Over any window of ``total_power / g`` consecutive slots (g the gcd
    of the powers) each validator proposes in proportion to its power, and no
    validator proposes twice in a row unless its power demands it. Slot
    ``height + round`` is used, so a new round moves to the next proposer. The
    schedule is a pure function of the set, computed lazily and cached on it.
    """
    powers = [v.voting_power for v in validators.validators]
    divisor = 0
    for power in powers:
        divisor = gcd(divisor, power)
    reduced = [power // divisor for power in powers]
    period = sum(reduced)
    slot = (height + round_) % period
    schedule = validators._schedule
    priorities = validators._priorities
    if not priorities:
        priorities.extend([0] * len(reduced))
    while len(schedule) <= slot:
        best = 0
        for index, power in enumerate(reduced):
            priorities[index] += power
            if priorities[index] > priorities[best]:
                best = index
        priorities[best] -= period
        schedule.append(best)
    return schedule[slot]


def encode_validator(validator: Validator) -> bytes:
    """The deterministic protobuf bytes of one validator."""
    message = consensus_pb2.Validator(
        name=validator.name,
        bls_public_key=validator.public_key,
        proof_of_possession=validator.proof_of_possession,
        voting_power=validator.voting_power,
    )
    return message.SerializeToString(deterministic=True)


def encode_validator_set(validators: ValidatorSet) -> bytes:
    """The deterministic protobuf bytes of ``consortium.v1.ValidatorSet``."""
    message = consensus_pb2.ValidatorSet()
    for validator in validators.validators:
        message.validators.add().ParseFromString(encode_validator(validator))
    return message.SerializeToString(deterministic=True)


def decode_validator_set(raw: bytes) -> ValidatorSet:
    """Parse ``consortium.v1.ValidatorSet`` bytes; raises ``ConsortiumError(MALFORMED_INPUT)``.

    Decoding checks shape only; admission needs :func:`verify_validator_set`.
    """
    message = parse_message(consensus_pb2.ValidatorSet, raw)
    return ValidatorSet(
        tuple(
            Validator(v.name, v.bls_public_key, v.proof_of_possession, v.voting_power)
            for v in message.validators
        )
    )


def compute_validators_hash(validators: ValidatorSet) -> Hash32:
    """RFC 6962 Merkle root over each validator's encoding, in index order.

    A Merkle root rather than one flat hash, so that one validator's membership
    can later be proven without the whole set.
    """
    return compute_root([encode_validator(v) for v in validators.validators])


def verify_validator_set(validators: ValidatorSet, backend: BlsBackend | None = None) -> Verdict:
    """Admission check of a whole set (DESIGN §3): every key with KeyValidate and a valid PoP.

    Refuses (INVALID_VALIDATOR_SET) an empty set, a power that is not a positive
    integer, a total above ``MAX_TOTAL_VOTING_POWER`` or an empty name;
    DUPLICATE_SIGNER when one public key appears twice; INVALID_PUBLIC_KEY or
    INVALID_PROOF_OF_POSSESSION for a key that may not be admitted.
    """
    bls = get_bls() if backend is None else backend
    if not isinstance(validators, ValidatorSet) or not validators.validators:
        return refuse(ErrorCode.INVALID_VALIDATOR_SET, "a validator set needs at least one member")
    seen: dict[bytes, int] = {}
    for index, validator in enumerate(validators.validators):
        power = validator.voting_power
        if not isinstance(power, int) or isinstance(power, bool) or power <= 0:
            return refuse(
                ErrorCode.INVALID_VALIDATOR_SET,
                f"validator {index} must have a positive integer voting power",
            )
        if not isinstance(validator.name, str) or not validator.name:
            return refuse(ErrorCode.INVALID_VALIDATOR_SET, f"validator {index} has no name")
        if validator.public_key in seen:
            return refuse(
                ErrorCode.DUPLICATE_SIGNER,
                f"validators {seen[validator.public_key]} and {index} share one public key",
            )
        seen[validator.public_key] = index
        if not bls.KeyValidate(validator.public_key):
            return refuse(
                ErrorCode.INVALID_PUBLIC_KEY,
                f"validator {index} ({validator.name}) has an invalid BLS public key",
            )
        if not bls.PopVerify(validator.public_key, validator.proof_of_possession):
            return refuse(
                ErrorCode.INVALID_PROOF_OF_POSSESSION,
                f"validator {index} ({validator.name}) has no valid proof of possession",
            )
    if validators.total_power > MAX_TOTAL_VOTING_POWER:
        return refuse(
            ErrorCode.INVALID_VALIDATOR_SET,
            f"the total voting power may not exceed {MAX_TOTAL_VOTING_POWER}",
        )
    return ACCEPTED
