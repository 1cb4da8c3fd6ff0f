"""Commit certificates: one aggregate BLS signature of a quorum's precommits (DESIGN §3).

A certificate proves that validators holding more than two thirds of the
voting power precommitted one block in one round (Algorithm 1, line 49: a
decision needs 2f + 1 precommits for the same value and round). It names the
signers with a bitmap over the validator set's indices and carries one
aggregate signature over the canonical precommit bytes
(:func:`~chains.core.consensus.messages.compute_vote_sign_bytes`), which all
those precommits share, so the aggregate is checked with one
FastAggregateVerify.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from chains.core.block import Header
from chains.core.consensus.messages import Vote, VoteType, compute_vote_sign_bytes
from chains.core.consensus.signing import BlsScheme, SignatureScheme
from chains.core.consensus.validators import (
    Validator,
    ValidatorSet,
    compute_validators_hash,
    is_quorum,
)
from chains.core.errors import ConsortiumError, ErrorCode, Verdict, refuse
from chains.core.protobuf import parse_message
from chains.core.types import ChainId, Hash32, Height, Round, compute_sha256, is_hash32
from consortium.v1 import consensus_pb2

DEFAULT_SCHEME: SignatureScheme = BlsScheme()
"""The scheme :func:`verify_commit` uses unless told otherwise: BLS12-381 (DESIGN §3)."""

MAX_UINT32 = 2**32 - 1
MAX_UINT64 = 2**64 - 1


@dataclass(frozen=True, slots=True)
class CommitCertificate:
    """Proof that a quorum precommitted ``block_hash`` at ``height`` in ``round``.

    Bit ``i`` of ``signer_bitmap`` (least significant bit first in byte
    ``i // 8``) says validator ``i`` signed; ``aggregate_signature`` is the
    aggregate of their precommit signatures.
    """

    height: Height
    round: Round
    block_hash: Hash32
    signer_bitmap: bytes
    aggregate_signature: bytes


# --------------------------------------------------------------------------
# Encoding
# --------------------------------------------------------------------------


def _is_int_in(value: object, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def encode_certificate(certificate: CommitCertificate) -> bytes:
    """The deterministic ``consortium.v1.CommitCertificate`` bytes of ``certificate``.

    Raises ``ConsortiumError(MALFORMED_INPUT)`` for fields the message cannot hold.
    """
    if not isinstance(certificate, CommitCertificate):
        raise ConsortiumError(ErrorCode.MALFORMED_INPUT, "expected a CommitCertificate")
    if not (
        _is_int_in(certificate.height, 0, MAX_UINT64)
        and _is_int_in(certificate.round, 0, MAX_UINT32)
    ):
        raise ConsortiumError(ErrorCode.MALFORMED_INPUT, "height or round out of range")
    fields = (certificate.block_hash, certificate.signer_bitmap, certificate.aggregate_signature)
    if not all(isinstance(value, bytes) for value in fields):
        raise ConsortiumError(
            ErrorCode.MALFORMED_INPUT, "block hash, bitmap and signature must be bytes"
        )
    message = consensus_pb2.CommitCertificate(
        height=certificate.height,
        round=certificate.round,
        block_hash=certificate.block_hash,
        signer_bitmap=certificate.signer_bitmap,
        aggregate_signature=certificate.aggregate_signature,
    )
    return message.SerializeToString(deterministic=True)


def decode_certificate(raw: bytes) -> CommitCertificate:
    """Decode ``consortium.v1.CommitCertificate`` bytes.

    Raises only ``ConsortiumError(MALFORMED_INPUT)``: for bytes that do not
    parse, a height of 0 or a block hash that is not 32 bytes. The bitmap and
    the signature are checked against a validator set by :func:`verify_commit`.
    """
    message = parse_message(consensus_pb2.CommitCertificate, raw)
    if message.height < 1:
        raise ConsortiumError(ErrorCode.MALFORMED_INPUT, "a certificate's height must be >= 1")
    if not is_hash32(message.block_hash):
        raise ConsortiumError(
            ErrorCode.MALFORMED_INPUT, "a certificate's block hash must be 32 bytes"
        )
    return CommitCertificate(
        height=Height(message.height),
        round=Round(message.round),
        block_hash=Hash32(message.block_hash),
        signer_bitmap=message.signer_bitmap,
        aggregate_signature=message.aggregate_signature,
    )


# --------------------------------------------------------------------------
# Signer bitmaps
# --------------------------------------------------------------------------


def compute_bitmap_length(set_size: int) -> int:
    """The exact length in bytes of a signer bitmap over ``set_size`` validators: ceil(n / 8)."""
    return (set_size + 7) // 8


def compute_signer_bitmap(indices: Iterable[int], set_size: int) -> bytes:
    """The bitmap of ``indices`` over a set of ``set_size`` validators (LSB first per byte).

    An index listed twice sets its bit once. Raises ``ConsortiumError``:
    UNKNOWN_SIGNER for an index outside ``[0, set_size)``, MALFORMED_INPUT for
    a set size or index that is not a non-negative integer.
    """
    if not _is_int_in(set_size, 0, MAX_UINT64):
        raise ConsortiumError(ErrorCode.MALFORMED_INPUT, "the set size must be a non-negative int")
    bitmap = bytearray(compute_bitmap_length(set_size))
    for index in indices:
        if not _is_int_in(index, 0, MAX_UINT64):
            raise ConsortiumError(ErrorCode.MALFORMED_INPUT, f"bad signer index {index!r}")
        if index >= set_size:
            raise ConsortiumError(
                ErrorCode.UNKNOWN_SIGNER, f"index {index} is outside a set of {set_size}"
            )
        bitmap[index // 8] |= 1 << (index % 8)
    return bytes(bitmap)


def get_signer_indices(bitmap: bytes) -> list[int]:
    """The indices whose bits are set in ``bitmap``, ascending."""
    return [
        byte_index * 8 + bit
        for byte_index, byte in enumerate(bitmap)
        for bit in range(8)
        if byte >> bit & 1
    ]


# --------------------------------------------------------------------------
# Building
# --------------------------------------------------------------------------


def _select_precommits(
    chain_id: ChainId,
    height: Height,
    round_: Round,
    block_hash: Hash32,
    precommits: Iterable[Vote],
    validators: ValidatorSet,
) -> dict[int, Vote]:
    """The first matching precommit of each validator index, by index."""
    chosen: dict[int, Vote] = {}
    for vote in precommits:
        if (
            isinstance(vote, Vote)
            and vote.vote_type == VoteType.PRECOMMIT
            and vote.chain_id == chain_id
            and vote.height == height
            and vote.round == round_
            and vote.block_hash == block_hash
            and validators.is_index(vote.validator_index)
            and not isinstance(vote.validator_index, bool)
            and isinstance(vote.signature, bytes)
        ):
            chosen.setdefault(vote.validator_index, vote)
    return dict(sorted(chosen.items()))


def _require_quorum(indices: Iterable[int], validators: ValidatorSet) -> None:
    """Raise INSUFFICIENT_VOTING_POWER (or DUPLICATE_SIGNER) unless ``indices`` are a quorum."""
    indices = list(indices)
    keys = {validators.get_public_key(i) for i in indices}
    if len(keys) != len(indices):
        raise ConsortiumError(
            ErrorCode.DUPLICATE_SIGNER, "the validator set lists one public key twice"
        )
    signed = sum(validators.get_power(i) for i in indices)
    if not is_quorum(signed, validators.total_power):
        raise ConsortiumError(
            ErrorCode.INSUFFICIENT_VOTING_POWER,
            f"precommits hold {signed}/{validators.total_power} of the voting power; "
            "a commit needs more than two thirds",
        )


def _aggregate(votes: Sequence[Vote], scheme: SignatureScheme) -> bytes | None:
    try:
        return scheme.aggregate([vote.signature for vote in votes])
    except ConsortiumError:
        return None  # a malformed signature among them; the caller filters


def assemble_certificate(
    height: Height,
    round_: Round,
    block_hash: Hash32,
    precommits: Sequence[Vote],
    set_size: int,
    scheme: SignatureScheme,
) -> CommitCertificate:
    """Aggregate already-verified ``precommits`` into a certificate, as they are.

    No quorum or signature check: the consensus core calls this with the
    precommits its vote keeper counted (each verified on receipt), so checking
    again would only repeat work on every commit. Use
    :func:`build_commit_certificate` for precommits from anywhere else.
    """
    return CommitCertificate(
        height=height,
        round=round_,
        block_hash=block_hash,
        signer_bitmap=compute_signer_bitmap((v.validator_index for v in precommits), set_size),
        aggregate_signature=scheme.aggregate([v.signature for v in precommits]),
    )


def build_commit_certificate(
    chain_id: ChainId,
    height: Height,
    round: Round,
    block_hash: Hash32,
    precommits: Iterable[Vote],
    validators: ValidatorSet,
    scheme: SignatureScheme,
) -> CommitCertificate:
    """Aggregate a quorum's precommits for ``block_hash`` into a commit certificate.

    Uses one precommit per validator index (the first seen) among those for
    this chain, height, round and block; everything else is ignored. The
    aggregate is checked once; only if that fails (a vote whose signature was
    not checked on receipt) is each signature checked and the bad ones
    dropped, so the result always passes :func:`verify_commit`. Pure.

    Raises ``ConsortiumError``: INSUFFICIENT_VOTING_POWER when the (valid)
    precommits hold no more than two thirds of the power, DUPLICATE_SIGNER when
    the set lists a signer's key twice, MALFORMED_INPUT for values the sign
    bytes cannot encode.
    """
    message = compute_vote_sign_bytes(VoteType.PRECOMMIT, chain_id, height, round, block_hash)
    chosen = _select_precommits(chain_id, height, round, block_hash, precommits, validators)
    _require_quorum(chosen, validators)
    votes = list(chosen.values())
    signature = _aggregate(votes, scheme)
    keys = [validators.get_public_key(vote.validator_index) for vote in votes]
    if signature is None or not scheme.verify_aggregate(keys, message, signature):
        votes = [
            vote
            for vote in votes
            if scheme.verify(
                validators.get_public_key(vote.validator_index), message, vote.signature
            )
        ]
        _require_quorum((vote.validator_index for vote in votes), validators)
    return assemble_certificate(height, round, block_hash, votes, len(validators), scheme)


# --------------------------------------------------------------------------
# Verification
# --------------------------------------------------------------------------


def _is_validator(validator: object) -> bool:
    return (
        isinstance(validator, Validator)
        and isinstance(validator.name, str)
        and isinstance(validator.public_key, bytes)
        and isinstance(validator.proof_of_possession, bytes)
        and _is_int_in(validator.voting_power, 1, MAX_UINT64)
    )


def _get_shape_problem(validators: object, header: object, certificate: object) -> str | None:
    """Why the arguments of :func:`verify_commit` have the wrong types, or None."""
    if not isinstance(validators, ValidatorSet) or not all(
        _is_validator(v) for v in validators.validators
    ):
        return "expected a ValidatorSet of validators with positive integer voting power"
    if not isinstance(header, Header) or not isinstance(header.raw, bytes):
        return "expected a decoded Header"
    if header.hash != compute_sha256(header.raw):
        return "the header's hash is not the SHA-256 of its bytes; decode it with decode_header"
    if not isinstance(certificate, CommitCertificate):
        return "expected a CommitCertificate"
    if not (
        _is_int_in(certificate.height, 0, MAX_UINT64)
        and _is_int_in(certificate.round, 0, MAX_UINT32)
    ):
        return "the certificate's height or round is not an unsigned integer in range"
    fields = (certificate.block_hash, certificate.signer_bitmap, certificate.aggregate_signature)
    if not all(isinstance(value, bytes) for value in fields):
        return "the certificate's block hash, bitmap and signature must be bytes"
    return None


def verify_commit(
    validators: ValidatorSet,
    header: Header,
    certificate: CommitCertificate,
    scheme: SignatureScheme | None = None,
    *,
    chain_id: ChainId | None = None,
) -> Verdict:
    """Accept when ``certificate`` proves that ``validators`` committed ``header``.

    ``validators`` must be the trusted set of ``header.height`` (a light client
    gets it from the previous header's ``next_validators_hash``). Never raises;
    checks in this order, each refusal with its stable code:

    1. MALFORMED_INPUT: arguments of the wrong types (or a header whose hash
       is not the hash of its bytes, i.e. not made by ``decode_header``).
    2. WRONG_CHAIN_ID: ``chain_id`` is given and the header names another chain.
    3. VALIDATORS_HASH_MISMATCH: the header names another validator set.
    4. WRONG_HEIGHT: the certificate is for another height.
    5. BLOCK_HASH_MISMATCH: the certificate is for another block.
    6. UNKNOWN_SIGNER: the bitmap is not exactly ceil(n / 8) bytes, or sets a
       bit at an index >= n. An exact length keeps one encoding per signer set.
    7. DUPLICATE_SIGNER: two signers share a public key. A set that lists a
       key twice would let one signature count its power twice, since the
       aggregate of the same key twice verifies with that key's signature
       added twice.
    8. EMPTY_SIGNER_SET: nobody signed.
    9. INSUFFICIENT_VOTING_POWER: the signers hold no more than 2/3 of the power.
    10. INVALID_SIGNATURE_ENCODING or BAD_SIGNATURE (as the scheme reports):
        the aggregate does not verify over the precommit sign bytes of
        (``header.chain_id``, ``header.height``, ``certificate.round``,
        ``header.hash``) by the signers' keys. (A signer key that could never
        have been admitted shows up as the scheme's INVALID_PUBLIC_KEY, and a
        round the sign bytes cannot encode as MALFORMED_INPUT.)

    Why the chain needs care: a certificate carries no chain id. The chain is
    bound only through the signed bytes, which take it from the header, so
    precommits cast on another chain do not verify here (BAD_SIGNATURE). But a
    header and certificate that both genuinely come from another chain are
    consistent with each other, and if that chain had the same validators
    they would verify; only the caller knows which chain it expects, so
    callers should pass ``chain_id`` (checked first, WRONG_CHAIN_ID).

    ``scheme`` defaults to :data:`DEFAULT_SCHEME` (BLS12-381).
    """
    problem = _get_shape_problem(validators, header, certificate)
    if problem is not None:
        return refuse(ErrorCode.MALFORMED_INPUT, problem)
    if chain_id is not None and chain_id != header.chain_id:
        return refuse(
            ErrorCode.WRONG_CHAIN_ID,
            f"the header is for chain {header.chain_id!r}, expected {chain_id!r}",
        )
    try:
        validators_hash = compute_validators_hash(validators)
    except (ConsortiumError, TypeError, ValueError) as error:  # e.g. a name that is not Unicode
        return refuse(ErrorCode.MALFORMED_INPUT, f"cannot hash the validator set: {error}")
    if header.validators_hash != validators_hash:
        return refuse(
            ErrorCode.VALIDATORS_HASH_MISMATCH,
            "the header names another validator set than the one given",
        )
    if certificate.height != header.height:
        return refuse(
            ErrorCode.WRONG_HEIGHT,
            f"the certificate is for height {certificate.height}, the header {header.height}",
        )
    if certificate.block_hash != header.hash:
        return refuse(
            ErrorCode.BLOCK_HASH_MISMATCH,
            f"the certificate certifies block {certificate.block_hash.hex()[:16]}…, "
            f"not this header's {header.hash.hex()[:16]}…",
        )
    size = len(validators)
    bitmap = certificate.signer_bitmap
    if len(bitmap) != compute_bitmap_length(size):
        return refuse(
            ErrorCode.UNKNOWN_SIGNER,
            f"a signer bitmap over {size} validators has {compute_bitmap_length(size)} bytes, "
            f"got {len(bitmap)}",
        )
    signers = get_signer_indices(bitmap)
    if signers and signers[-1] >= size:
        return refuse(
            ErrorCode.UNKNOWN_SIGNER,
            f"the bitmap names validator {signers[-1]}, the set has {size}",
        )
    public_keys = [validators.get_public_key(i) for i in signers]
    if len(set(public_keys)) != len(public_keys):
        return refuse(
            ErrorCode.DUPLICATE_SIGNER,
            "two signers share one public key; the set may not count it twice",
        )
    if not signers:
        return refuse(ErrorCode.EMPTY_SIGNER_SET, "the certificate names no signers")
    signed = sum(validators.get_power(i) for i in signers)
    if not is_quorum(signed, validators.total_power):
        return refuse(
            ErrorCode.INSUFFICIENT_VOTING_POWER,
            f"the signers hold {signed}/{validators.total_power} of the voting power; "
            "a commit needs more than two thirds",
        )
    chosen = DEFAULT_SCHEME if scheme is None else scheme
    try:
        message = compute_vote_sign_bytes(
            VoteType.PRECOMMIT, header.chain_id, header.height, certificate.round, header.hash
        )
        return chosen.verify_aggregate(public_keys, message, certificate.aggregate_signature)
    except ConsortiumError as error:
        return error.to_verdict()
