"""Verdicts for BLS inputs: each refusal carries the code of what was wrong.

Every function here returns a :class:`~chains.core.errors.Verdict` and never
raises for bad input (any bytes, any type). ``backend`` defaults to the
production backend (``get_bls()``); tests pass the py_ecc oracle too.
"""

from __future__ import annotations

from collections.abc import Sequence

from chains.core.crypto.bls.backends import get_bls
from chains.core.crypto.bls.encoding import compute_key_gen, is_valid_secret_key
from chains.core.crypto.bls.types import (
    POP_DST,
    SIGNATURE_DST,
    AggregatePublicKey,
    BlsBackend,
)
from chains.core.errors import ACCEPTED, ConsortiumError, ErrorCode, Verdict, refuse


def _backend(backend: BlsBackend | None) -> BlsBackend:
    return get_bls() if backend is None else backend


def verify_secret_key(secret_key: object) -> Verdict:
    """Accept an integer secret key in [1, r - 1]; else INVALID_SECRET_KEY."""
    if is_valid_secret_key(secret_key):
        return ACCEPTED
    return refuse(ErrorCode.INVALID_SECRET_KEY, "a secret key must be an integer in [1, r - 1]")


def verify_key_material(ikm: object, key_info: object = b"") -> Verdict:
    """Accept KeyGen input (at least 32 bytes of randomness); else INVALID_KEY_MATERIAL."""
    try:
        compute_key_gen(ikm, key_info)  # type: ignore[arg-type]
    except ConsortiumError as error:
        return error.to_verdict()
    return ACCEPTED


def verify_public_key(public_key: object, backend: BlsBackend | None = None) -> Verdict:
    """KeyValidate as a verdict: INVALID_PUBLIC_KEY for malformed, identity or non-subgroup."""
    try:
        _backend(backend).decode_public_key(public_key)  # type: ignore[arg-type]
    except ConsortiumError as error:
        return error.to_verdict()
    return ACCEPTED


def verify_signature_encoding(signature: object, backend: BlsBackend | None = None) -> Verdict:
    """Accept a well-formed G2 point of the subgroup; else INVALID_SIGNATURE_ENCODING."""
    try:
        _backend(backend).decode_signature(signature)  # type: ignore[arg-type]
    except ConsortiumError as error:
        return error.to_verdict()
    return ACCEPTED


def verify_aggregate_signature(
    aggregate: AggregatePublicKey,
    message: object,
    signature: object,
    backend: BlsBackend | None = None,
) -> Verdict:
    """The hot path: ``signature`` over ``message`` by the precomputed signer set.

    The key side was validated once in ``aggregate``; the signature is decoded
    and subgroup-checked here, every time. Codes: MALFORMED_INPUT (message or
    aggregate of another backend), INVALID_SIGNATURE_ENCODING, BAD_SIGNATURE.
    """
    chosen = _backend(backend)
    if not isinstance(aggregate, AggregatePublicKey) or aggregate.backend != chosen.name:
        return refuse(
            ErrorCode.MALFORMED_INPUT,
            f"the aggregate public key was not built by the {chosen.name} backend",
        )
    return _verify_with(chosen, aggregate, message, signature, SIGNATURE_DST)


def _verify_with(
    backend: BlsBackend,
    aggregate: AggregatePublicKey,
    message: object,
    signature: object,
    dst: bytes,
) -> Verdict:
    if not isinstance(message, bytes):
        return refuse(ErrorCode.MALFORMED_INPUT, "a message must be bytes")
    try:
        signature_point = backend.decode_signature(signature)  # type: ignore[arg-type]
    except ConsortiumError as error:
        if dst == POP_DST:
            return refuse(ErrorCode.INVALID_PROOF_OF_POSSESSION, error.message)
        return error.to_verdict()
    if backend.core_verify(aggregate, message, signature_point, dst):
        return ACCEPTED
    if dst == POP_DST:
        return refuse(
            ErrorCode.INVALID_PROOF_OF_POSSESSION,
            "the proof of possession does not verify for this public key",
        )
    return refuse(ErrorCode.BAD_SIGNATURE, "the signature does not verify for this key and message")


def verify_fast_aggregate(
    public_keys: Sequence[object],
    message: object,
    signature: object,
    backend: BlsBackend | None = None,
) -> Verdict:
    """FastAggregateVerify as a verdict.

    Codes: EMPTY_SIGNER_SET, INVALID_PUBLIC_KEY (any key, or an identity sum),
    MALFORMED_INPUT (message, or keys not a list), INVALID_SIGNATURE_ENCODING, BAD_SIGNATURE.
    """
    chosen = _backend(backend)
    try:
        aggregate = chosen.aggregate_public_keys(public_keys)  # type: ignore[arg-type]
    except ConsortiumError as error:
        return error.to_verdict()
    return _verify_with(chosen, aggregate, message, signature, SIGNATURE_DST)


def verify_signature(
    public_key: object,
    message: object,
    signature: object,
    backend: BlsBackend | None = None,
) -> Verdict:
    """Verify as a verdict: INVALID_PUBLIC_KEY, INVALID_SIGNATURE_ENCODING, BAD_SIGNATURE."""
    if not isinstance(public_key, bytes):
        return refuse(ErrorCode.INVALID_PUBLIC_KEY, "a public key must be bytes")
    return verify_fast_aggregate([public_key], message, signature, backend)


def verify_proof_of_possession(
    public_key: object, proof: object, backend: BlsBackend | None = None
) -> Verdict:
    """PopVerify as a verdict: INVALID_PUBLIC_KEY, or INVALID_PROOF_OF_POSSESSION.

    A validator key is admitted only when this accepts (DESIGN §3).
    """
    chosen = _backend(backend)
    if not isinstance(public_key, bytes):
        return refuse(ErrorCode.INVALID_PUBLIC_KEY, "a public key must be bytes")
    try:
        aggregate = chosen.aggregate_public_keys([public_key])
    except ConsortiumError as error:
        return error.to_verdict()
    return _verify_with(chosen, aggregate, public_key, proof, POP_DST)
