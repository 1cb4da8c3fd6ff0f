"""Commit certificates: building, encoding, and every refusal of ``verify_commit`` by code.

Real BLS12-381 (``BlsScheme`` on the fast backend) with fixed secret keys, so
every run signs the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chains.core.block import Header, decode_header, encode_header
from chains.core.consensus.certificate import (
    CommitCertificate,
    build_commit_certificate,
    compute_signer_bitmap,
    decode_certificate,
    encode_certificate,
    get_signer_indices,
    verify_commit,
)
from chains.core.consensus.messages import Vote, VoteType, compute_vote_sign_bytes
from chains.core.consensus.signing import BlsScheme
from chains.core.consensus.validators import Validator, ValidatorSet, compute_validators_hash
from chains.core.crypto.bls import G2_INFINITY, get_bls
from chains.core.errors import ConsortiumError, ErrorCode
from chains.core.types import ChainId, Hash32, Height, Round
from consortium.v1 import consensus_pb2

SCHEME = BlsScheme()
CHAIN = ChainId("tax-1")
OTHER_CHAIN = ChainId("industry-1")
HEIGHT = Height(7)
ROUND = Round(1)


def get_secret_key(index: int) -> int:
    """The fixed secret key of test validator ``index``."""
    return 1000 + index


@cache
def make_validator(index: int, power: int = 1) -> Validator:
    """Test validator ``index`` with a valid key and proof of possession."""
    secret_key = get_secret_key(index)
    return Validator(
        name=f"member-{index}",
        public_key=SCHEME.get_public_key(secret_key),
        proof_of_possession=get_bls().PopProve(secret_key),
        voting_power=power,
    )


def make_validator_set(powers: Sequence[int]) -> ValidatorSet:
    """A set of validators 0..n-1 with ``powers``."""
    return ValidatorSet(tuple(make_validator(i, p) for i, p in enumerate(powers)))


def make_header(
    validators: ValidatorSet, chain_id: ChainId = CHAIN, height: Height = HEIGHT
) -> Header:
    """A header at ``height`` signed off by ``validators``."""
    raw = encode_header(
        chain_id=chain_id,
        height=height,
        time_unix_ms=1_700_000_000_000,
        prev_block_hash=b"\x01" * 32,
        tx_root=b"\x02" * 32,
        tx_count=0,
        state_root=b"\x03" * 32,
        validators_hash=compute_validators_hash(validators),
        next_validators_hash=compute_validators_hash(validators),
        proposer=validators.get_public_key(0),
    )
    return decode_header(raw)


def make_precommit(
    index: int,
    header: Header,
    *,
    chain_id: ChainId | None = None,
    round_: Round = ROUND,
    block_hash: Hash32 | None = None,
    secret_key: int | None = None,
) -> Vote:
    """Validator ``index``'s signed precommit for ``header`` (or for what the options say)."""
    vote = Vote(
        vote_type=VoteType.PRECOMMIT,
        chain_id=header.chain_id if chain_id is None else chain_id,
        height=header.height,
        round=round_,
        block_hash=header.hash if block_hash is None else block_hash,
        validator_index=index,
    )
    key = get_secret_key(index) if secret_key is None else secret_key
    return replace(vote, signature=SCHEME.sign(key, vote.get_sign_bytes()))


def sign_certificate(
    header: Header,
    signers: Sequence[int],
    set_size: int,
    *,
    chain_id: ChainId | None = None,
    round_: Round = ROUND,
    secret_keys: Sequence[int] | None = None,
) -> CommitCertificate:
    """A certificate over ``header`` aggregated by hand (no quorum check), for refusal cases."""
    keys = [get_secret_key(i) for i in signers] if secret_keys is None else secret_keys
    message = compute_vote_sign_bytes(
        VoteType.PRECOMMIT,
        header.chain_id if chain_id is None else chain_id,
        header.height,
        round_,
        header.hash,
    )
    return CommitCertificate(
        height=header.height,
        round=round_,
        block_hash=header.hash,
        signer_bitmap=compute_signer_bitmap(signers, set_size),
        aggregate_signature=SCHEME.aggregate([SCHEME.sign(k, message) for k in keys]),
    )


# ---- the baseline: four equal validators, three sign (exactly a quorum) -------

VALIDATORS = make_validator_set([1, 1, 1, 1])
HEADER = make_header(VALIDATORS)
CERTIFICATE = build_commit_certificate(
    CHAIN,
    HEIGHT,
    ROUND,
    HEADER.hash,
    [make_precommit(i, HEADER) for i in range(3)],
    VALIDATORS,
    SCHEME,
)


@dataclass(frozen=True)
class Inputs:
    """The arguments of one ``verify_commit`` call."""

    validators: object
    header: object
    certificate: object
    chain_id: ChainId | None = None

    def verify(self) -> object:
        """Run ``verify_commit`` on these inputs."""
        return verify_commit(
            self.validators,  # type: ignore[arg-type]
            self.header,  # type: ignore[arg-type]
            self.certificate,  # type: ignore[arg-type]
            SCHEME,
            chain_id=self.chain_id,
        )


BASE = Inputs(VALIDATORS, HEADER, CERTIFICATE)


def with_certificate(**changes: object) -> Callable[[Inputs], Inputs]:
    """A mutation replacing fields of the baseline certificate."""
    return lambda inputs: replace(inputs, certificate=replace(CERTIFICATE, **changes))


def _duplicate_key_set(inputs: Inputs) -> Inputs:
    # Validator 3 lists validator 0's key: signers {0, 1, 3} show a 3/4 quorum,
    # but only two keys signed; the aggregate sA + sB + sA verifies for A + B + A.
    twin = replace(make_validator(0), name="member-0-again")
    validators = ValidatorSet((*VALIDATORS.validators[:3], twin))
    header = make_header(validators)
    certificate = sign_certificate(header, [0, 1, 3], 4, secret_keys=[1000, 1001, 1000])
    return Inputs(validators, header, certificate)


def _other_height(inputs: Inputs) -> Inputs:
    header = make_header(VALIDATORS, height=Height(HEIGHT + 1))
    return replace(inputs, header=header)


def _genuinely_other_chain(inputs: Inputs) -> Inputs:
    header = make_header(VALIDATORS, chain_id=OTHER_CHAIN)
    certificate = sign_certificate(header, [0, 1, 2], 4)
    return Inputs(VALIDATORS, header, certificate, chain_id=CHAIN)


def _signed_on_other_chain(inputs: Inputs) -> Inputs:
    # The same validators precommit this header's hash, but with the other chain's id.
    certificate = sign_certificate(HEADER, [0, 1, 2], 4, chain_id=OTHER_CHAIN)
    return replace(inputs, certificate=certificate)


ACCEPTED_CASES: list[tuple[str, Callable[[Inputs], Inputs]]] = [
    ("three of four: exactly a quorum", lambda inputs: inputs),
    (
        "all four",
        lambda inputs: replace(inputs, certificate=sign_certificate(HEADER, range(4), 4)),
    ),
    ("the expected chain id given", lambda inputs: replace(inputs, chain_id=CHAIN)),
]

REFUSAL_CASES: list[tuple[str, Callable[[Inputs], Inputs], ErrorCode]] = [
    # -- wrong types
    (
        "validators not a set",
        lambda i: replace(i, validators=list(VALIDATORS.validators)),
        ErrorCode.MALFORMED_INPUT,
    ),
    ("header as raw bytes", lambda i: replace(i, header=HEADER.raw), ErrorCode.MALFORMED_INPUT),
    (
        "header hash not of its bytes",
        lambda i: replace(i, header=replace(HEADER, raw=HEADER.raw + b"\x78\x01")),
        ErrorCode.MALFORMED_INPUT,
    ),
    (
        "certificate as bytes",
        lambda i: replace(i, certificate=encode_certificate(CERTIFICATE)),
        ErrorCode.MALFORMED_INPUT,
    ),
    ("round negative", with_certificate(round=-1), ErrorCode.MALFORMED_INPUT),
    ("signature not bytes", with_certificate(aggregate_signature=None), ErrorCode.MALFORMED_INPUT),
    (
        "zero voting power in the set",
        lambda i: replace(
            i,
            validators=ValidatorSet(
                (*VALIDATORS.validators[:3], replace(make_validator(3), voting_power=0))
            ),
        ),
        ErrorCode.MALFORMED_INPUT,
    ),
    # -- chain
    ("a header of another chain", _genuinely_other_chain, ErrorCode.WRONG_CHAIN_ID),
    ("precommits cast on another chain", _signed_on_other_chain, ErrorCode.BAD_SIGNATURE),
    # -- validator set
    (
        "another validator set (power changed)",
        lambda i: replace(i, validators=make_validator_set([1, 1, 1, 2])),
        ErrorCode.VALIDATORS_HASH_MISMATCH,
    ),
    (
        "the same validators in another order",
        lambda i: replace(i, validators=ValidatorSet(tuple(reversed(VALIDATORS.validators)))),
        ErrorCode.VALIDATORS_HASH_MISMATCH,
    ),
    # -- height and block
    (
        "certificate for the next height",
        with_certificate(height=HEIGHT + 1),
        ErrorCode.WRONG_HEIGHT,
    ),
    ("header of another height", _other_height, ErrorCode.WRONG_HEIGHT),
    (
        "certificate for another block",
        with_certificate(block_hash=b"\x09" * 32),
        ErrorCode.BLOCK_HASH_MISMATCH,
    ),
    ("short block hash", with_certificate(block_hash=b"\x09"), ErrorCode.BLOCK_HASH_MISMATCH),
    # -- bitmap
    ("bit beyond the set", with_certificate(signer_bitmap=b"\x17"), ErrorCode.UNKNOWN_SIGNER),
    ("highest spare bit", with_certificate(signer_bitmap=b"\x87"), ErrorCode.UNKNOWN_SIGNER),
    (
        "trailing extra byte",
        with_certificate(signer_bitmap=b"\x07\x00"),
        ErrorCode.UNKNOWN_SIGNER,
    ),
    ("empty bitmap", with_certificate(signer_bitmap=b""), ErrorCode.UNKNOWN_SIGNER),
    ("one key listed twice", _duplicate_key_set, ErrorCode.DUPLICATE_SIGNER),
    ("no signers", with_certificate(signer_bitmap=b"\x00"), ErrorCode.EMPTY_SIGNER_SET),
    (
        "two of four (validly signed)",
        lambda i: replace(i, certificate=sign_certificate(HEADER, [0, 1], 4)),
        ErrorCode.INSUFFICIENT_VOTING_POWER,
    ),
    (
        "one of four",
        with_certificate(signer_bitmap=b"\x01"),
        ErrorCode.INSUFFICIENT_VOTING_POWER,
    ),
    # -- signature
    (
        "signature too short",
        with_certificate(aggregate_signature=CERTIFICATE.aggregate_signature[:95]),
        ErrorCode.INVALID_SIGNATURE_ENCODING,
    ),
    (
        "signature all zeros",
        with_certificate(aggregate_signature=bytes(96)),
        ErrorCode.INVALID_SIGNATURE_ENCODING,
    ),
    (
        "signature is the identity",
        with_certificate(aggregate_signature=G2_INFINITY),
        ErrorCode.BAD_SIGNATURE,
    ),
    ("another round than signed", with_certificate(round=ROUND + 1), ErrorCode.BAD_SIGNATURE),
    (
        "bitmap names another quorum",
        with_certificate(signer_bitmap=b"\x0b"),  # {0, 1, 3}; {0, 1, 2} signed
        ErrorCode.BAD_SIGNATURE,
    ),
    (
        "bitmap claims an extra signer",
        with_certificate(signer_bitmap=b"\x0f"),
        ErrorCode.BAD_SIGNATURE,
    ),
    (
        "signed by an outsider",
        lambda i: replace(
            i, certificate=sign_certificate(HEADER, [0, 1, 2], 4, secret_keys=[1000, 1001, 9999])
        ),
        ErrorCode.BAD_SIGNATURE,
    ),
]


@pytest.mark.parametrize(
    "mutate", [m for _, m in ACCEPTED_CASES], ids=[name for name, _ in ACCEPTED_CASES]
)
def test_verify_commit_accepts(mutate: Callable[[Inputs], Inputs]) -> None:
    verdict = mutate(BASE).verify()
    assert verdict.ok, verdict


@pytest.mark.parametrize(
    ("mutate", "code"),
    [(m, c) for _, m, c in REFUSAL_CASES],
    ids=[name for name, _, _ in REFUSAL_CASES],
)
def test_verify_commit_refuses(mutate: Callable[[Inputs], Inputs], code: ErrorCode) -> None:
    verdict = mutate(BASE).verify()
    assert not verdict.ok
    assert verdict.code == code, verdict
    assert verdict.message


def test_every_code_of_the_brief_is_exercised() -> None:
    codes = {code for _, _, code in REFUSAL_CASES}
    assert codes >= {
        ErrorCode.MALFORMED_INPUT,
        ErrorCode.WRONG_CHAIN_ID,
        ErrorCode.VALIDATORS_HASH_MISMATCH,
        ErrorCode.WRONG_HEIGHT,
        ErrorCode.BLOCK_HASH_MISMATCH,
        ErrorCode.UNKNOWN_SIGNER,
        ErrorCode.DUPLICATE_SIGNER,
        ErrorCode.EMPTY_SIGNER_SET,
        ErrorCode.INSUFFICIENT_VOTING_POWER,
        ErrorCode.INVALID_SIGNATURE_ENCODING,
        ErrorCode.BAD_SIGNATURE,
    }


def test_duplicate_key_would_otherwise_verify() -> None:
    """Why DUPLICATE_SIGNER exists: the doubled aggregate is a valid BLS signature."""
    inputs = _duplicate_key_set(BASE)
    keys = [VALIDATORS.get_public_key(i) for i in (0, 1, 0)]
    message = compute_vote_sign_bytes(
        VoteType.PRECOMMIT,
        CHAIN,
        HEIGHT,
        ROUND,
        inputs.header.hash,  # type: ignore[attr-defined]
    )
    assert SCHEME.verify_aggregate(keys, message, inputs.certificate.aggregate_signature).ok  # type: ignore[attr-defined]


def test_other_chain_certificate_verifies_only_without_expected_chain() -> None:
    """Header and certificate of another chain agree with each other; only ``chain_id`` tells."""
    inputs = _genuinely_other_chain(BASE)
    assert replace(inputs, chain_id=None).verify().ok
    assert replace(inputs, chain_id=OTHER_CHAIN).verify().ok
    assert inputs.verify().code == ErrorCode.WRONG_CHAIN_ID


def test_chain_id_is_checked_before_everything_else() -> None:
    verdict = replace(
        BASE, certificate=replace(CERTIFICATE, height=1), chain_id=OTHER_CHAIN
    ).verify()
    assert verdict.code == ErrorCode.WRONG_CHAIN_ID


def test_default_scheme_is_bls() -> None:
    assert verify_commit(VALIDATORS, HEADER, CERTIFICATE).ok


@pytest.mark.parametrize("position", [0, 17, 48, 95])
def test_tampered_signature_byte_refused(position: int) -> None:
    signature = bytearray(CERTIFICATE.aggregate_signature)
    signature[position] ^= 0x01
    verdict = verify_commit(
        VALIDATORS, HEADER, replace(CERTIFICATE, aggregate_signature=bytes(signature)), SCHEME
    )
    assert verdict.code in (ErrorCode.INVALID_SIGNATURE_ENCODING, ErrorCode.BAD_SIGNATURE)


def test_never_raises_on_junk() -> None:
    for junk in (None, 0, b"", "x", object()):
        assert verify_commit(junk, HEADER, CERTIFICATE).code == ErrorCode.MALFORMED_INPUT  # type: ignore[arg-type]
        assert verify_commit(VALIDATORS, junk, CERTIFICATE).code == ErrorCode.MALFORMED_INPUT  # type: ignore[arg-type]
        assert verify_commit(VALIDATORS, HEADER, junk).code == ErrorCode.MALFORMED_INPUT  # type: ignore[arg-type]


# ---- unequal powers ---------------------------------------------------------

WEIGHTED = make_validator_set([5, 1, 1, 1])
WEIGHTED_HEADER = make_header(WEIGHTED)


@pytest.mark.parametrize(
    ("signers", "code"),
    [
        ([0], ErrorCode.INSUFFICIENT_VOTING_POWER),  # 5/8: 15 > 16 is false
        ([1, 2, 3], ErrorCode.INSUFFICIENT_VOTING_POWER),  # 3/8
        ([0, 1], None),  # 6/8: 18 > 16
        ([0, 3], None),
        ([0, 1, 2, 3], None),
    ],
    ids=str,
)
def test_unequal_powers(signers: list[int], code: ErrorCode | None) -> None:
    certificate = sign_certificate(WEIGHTED_HEADER, signers, 4)
    verdict = verify_commit(WEIGHTED, WEIGHTED_HEADER, certificate, SCHEME)
    if code is None:
        assert verdict.ok, verdict
    else:
        assert verdict.code == code
        assert f"{sum(WEIGHTED.get_power(i) for i in signers)}/8" in verdict.message


def test_exact_quorum_boundary_with_seven() -> None:
    validators = make_validator_set([1] * 7)
    header = make_header(validators)
    # 5/7 is a quorum (15 > 14), 4/7 is not (12 > 14 is false).
    assert verify_commit(validators, header, sign_certificate(header, range(5), 7), SCHEME).ok
    verdict = verify_commit(validators, header, sign_certificate(header, range(4), 7), SCHEME)
    assert verdict.code == ErrorCode.INSUFFICIENT_VOTING_POWER
    assert "4/7" in verdict.message


# ---- building -----------------------------------------------------------------


def test_build_makes_verifiable_certificate_in_index_order() -> None:
    precommits = [make_precommit(i, HEADER) for i in (3, 1, 0)]
    certificate = build_commit_certificate(
        CHAIN, HEIGHT, ROUND, HEADER.hash, precommits, VALIDATORS, SCHEME
    )
    assert get_signer_indices(certificate.signer_bitmap) == [0, 1, 3]
    assert (certificate.height, certificate.round, certificate.block_hash) == (
        HEIGHT,
        ROUND,
        HEADER.hash,
    )
    assert verify_commit(VALIDATORS, HEADER, certificate, SCHEME).ok


def test_build_ignores_votes_that_do_not_count() -> None:
    good = [make_precommit(i, HEADER) for i in (0, 1)]
    ignored = [
        make_precommit(2, HEADER, round_=Round(ROUND + 1)),
        make_precommit(2, HEADER, block_hash=Hash32(b"\x09" * 32)),
        make_precommit(2, HEADER, chain_id=OTHER_CHAIN),
        replace(make_precommit(2, HEADER), vote_type=VoteType.PREVOTE),
        replace(make_precommit(2, HEADER), height=Height(HEIGHT + 1)),
        replace(make_precommit(2, HEADER), block_hash=None),
        replace(make_precommit(0, HEADER), validator_index=4),
        replace(make_precommit(0, HEADER), validator_index=-1),
        make_precommit(0, HEADER),  # a second copy of validator 0
        make_precommit(1, HEADER),
        "not a vote",
    ]
    with pytest.raises(ConsortiumError) as caught:
        build_commit_certificate(
            CHAIN, HEIGHT, ROUND, HEADER.hash, [*good, *ignored], VALIDATORS, SCHEME
        )
    assert caught.value.code == ErrorCode.INSUFFICIENT_VOTING_POWER
    assert "2/4" in caught.value.message


def test_build_drops_bad_signatures() -> None:
    forged = replace(make_precommit(2, HEADER), signature=make_precommit(1, HEADER).signature)
    garbage = replace(make_precommit(3, HEADER), signature=b"\x00" * 96)
    good = [make_precommit(i, HEADER) for i in (0, 1)]
    # Two bad votes among four: only two valid precommits remain, no quorum.
    with pytest.raises(ConsortiumError) as caught:
        build_commit_certificate(
            CHAIN, HEIGHT, ROUND, HEADER.hash, [*good, forged, garbage], VALIDATORS, SCHEME
        )
    assert caught.value.code == ErrorCode.INSUFFICIENT_VOTING_POWER
    # With validator 2's real vote the forged and garbage ones are dropped, not fatal.
    certificate = build_commit_certificate(
        CHAIN,
        HEIGHT,
        ROUND,
        HEADER.hash,
        [*good, garbage, make_precommit(2, HEADER)],
        VALIDATORS,
        SCHEME,
    )
    assert get_signer_indices(certificate.signer_bitmap) == [0, 1, 2]
    assert verify_commit(VALIDATORS, HEADER, certificate, SCHEME).ok


@pytest.mark.parametrize("count", [0, 1, 2])
def test_build_refuses_insufficient_power(count: int) -> None:
    with pytest.raises(ConsortiumError) as caught:
        build_commit_certificate(
            CHAIN,
            HEIGHT,
            ROUND,
            HEADER.hash,
            [make_precommit(i, HEADER) for i in range(count)],
            VALIDATORS,
            SCHEME,
        )
    assert caught.value.code == ErrorCode.INSUFFICIENT_VOTING_POWER


def test_build_weighted() -> None:
    precommits = [make_precommit(i, WEIGHTED_HEADER) for i in (0, 1)]
    certificate = build_commit_certificate(
        CHAIN, HEIGHT, ROUND, WEIGHTED_HEADER.hash, precommits, WEIGHTED, SCHEME
    )
    assert verify_commit(WEIGHTED, WEIGHTED_HEADER, certificate, SCHEME).ok
    with pytest.raises(ConsortiumError) as caught:
        build_commit_certificate(
            CHAIN, HEIGHT, ROUND, WEIGHTED_HEADER.hash, precommits[:1], WEIGHTED, SCHEME
        )
    assert caught.value.code == ErrorCode.INSUFFICIENT_VOTING_POWER


# ---- bitmaps and encoding -----------------------------------------------------


@pytest.mark.parametrize(
    ("indices", "size", "bitmap"),
    [
        ([], 0, b""),
        ([], 1, b"\x00"),
        ([0], 1, b"\x01"),
        ([0, 1, 2], 4, b"\x07"),
        ([7], 8, b"\x80"),
        ([8], 9, b"\x00\x01"),
        ([0, 9, 15], 16, b"\x01\x82"),
        ([3, 3], 4, b"\x08"),
        ([99], 100, bytes(12) + b"\x08"),
    ],
)
def test_signer_bitmap(indices: list[int], size: int, bitmap: bytes) -> None:
    assert compute_signer_bitmap(indices, size) == bitmap
    assert len(bitmap) == (size + 7) // 8
    assert get_signer_indices(bitmap) == sorted(set(indices))


@pytest.mark.parametrize(
    ("indices", "size", "code"),
    [
        ([4], 4, ErrorCode.UNKNOWN_SIGNER),
        ([0], 0, ErrorCode.UNKNOWN_SIGNER),
        ([-1], 4, ErrorCode.MALFORMED_INPUT),
        ([True], 4, ErrorCode.MALFORMED_INPUT),
        ([0], -1, ErrorCode.MALFORMED_INPUT),
    ],
)
def test_signer_bitmap_refuses(indices: list[int], size: int, code: ErrorCode) -> None:
    with pytest.raises(ConsortiumError) as caught:
        compute_signer_bitmap(indices, size)
    assert caught.value.code == code


def test_certificate_proto_round_trip() -> None:
    raw = encode_certificate(CERTIFICATE)
    assert decode_certificate(raw) == CERTIFICATE
    message = consensus_pb2.CommitCertificate.FromString(raw)
    assert message.signer_bitmap == CERTIFICATE.signer_bitmap
    assert message.aggregate_signature == CERTIFICATE.aggregate_signature
    assert encode_certificate(decode_certificate(raw)) == raw


@pytest.mark.parametrize(
    "raw",
    [
        b"\xff\xff",
        "certificate",
        b"",  # height 0
        consensus_pb2.CommitCertificate(height=1, block_hash=b"\x01" * 31).SerializeToString(),
        consensus_pb2.CommitCertificate(height=0, block_hash=b"\x01" * 32).SerializeToString(),
    ],
    ids=["garbage", "not-bytes", "empty", "short-hash", "height-0"],
)
def test_decode_certificate_refuses(raw: object) -> None:
    with pytest.raises(ConsortiumError) as caught:
        decode_certificate(raw)  # type: ignore[arg-type]
    assert caught.value.code == ErrorCode.MALFORMED_INPUT


@pytest.mark.parametrize(
    "changes",
    [{"height": -1}, {"round": 2**32}, {"block_hash": "00"}, {"signer_bitmap": None}],
    ids=repr,
)
def test_encode_certificate_refuses(changes: dict[str, object]) -> None:
    with pytest.raises(ConsortiumError) as caught:
        encode_certificate(replace(CERTIFICATE, **changes))  # type: ignore[arg-type]
    assert caught.value.code == ErrorCode.MALFORMED_INPUT


# ---- properties -----------------------------------------------------------------

FIELD_BITS = {
    "height": 64,
    "round": 32,
    "block_hash": 256,
    "signer_bitmap": 8,
    "aggregate_signature": 768,
}


def _flip(value: int | bytes, bit: int) -> int | bytes:
    if isinstance(value, int):
        return value ^ (1 << bit)
    flipped = bytearray(value)
    flipped[bit // 8] ^= 1 << (bit % 8)
    return bytes(flipped)


@settings(max_examples=50, deadline=None, derandomize=True)
@given(field=st.sampled_from(sorted(FIELD_BITS)), bit=st.integers(min_value=0, max_value=767))
def test_flipping_any_bit_of_any_field_is_refused(field: str, bit: int) -> None:
    value = getattr(CERTIFICATE, field)
    tampered = replace(CERTIFICATE, **{field: _flip(value, bit % FIELD_BITS[field])})
    assert not verify_commit(VALIDATORS, HEADER, tampered, SCHEME).ok


def test_flipping_any_bit_of_the_encoding_is_refused() -> None:
    """Exhaustive over every bit of the wire bytes: it fails to decode, or verifies no more."""
    encoded = encode_certificate(CERTIFICATE)
    for bit in range(len(encoded) * 8):
        raw = bytearray(encoded)
        raw[bit // 8] ^= 1 << (bit % 8)
        try:
            tampered = decode_certificate(bytes(raw))
        except ConsortiumError as error:
            assert error.code == ErrorCode.MALFORMED_INPUT
            continue
        assert tampered != CERTIFICATE, bit
        assert not verify_commit(VALIDATORS, HEADER, tampered, SCHEME).ok, bit
