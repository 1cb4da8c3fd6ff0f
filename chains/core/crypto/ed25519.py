"""Ed25519 account keys (DESIGN §3), on PyNaCl (libsodium).

The caller supplies the 32-byte seed: the core never draws randomness.
Verification refuses with a code instead of raising: INVALID_PUBLIC_KEY
(wrong length, non-canonical or small-order point), INVALID_SIGNATURE_ENCODING
(wrong length), BAD_SIGNATURE (well-formed but does not verify).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import NewType

from nacl.bindings import crypto_core_ed25519_is_valid_point
from nacl.exceptions import CryptoError
from nacl.signing import SigningKey, VerifyKey

from chains.core.errors import ACCEPTED, ConsortiumError, ErrorCode, Verdict, refuse

Ed25519Seed = NewType("Ed25519Seed", bytes)
"""The 32-byte secret seed of an Ed25519 key (RFC 8032's private key)."""

Ed25519PublicKey = NewType("Ed25519PublicKey", bytes)
"""A 32-byte encoded Ed25519 public key."""

Ed25519Signature = NewType("Ed25519Signature", bytes)
"""A 64-byte Ed25519 signature (R || S)."""

SEED_LENGTH = 32
PUBLIC_KEY_LENGTH = 32
SIGNATURE_LENGTH = 64


@dataclass(frozen=True, slots=True)
class Ed25519KeyPair:
    """A seed and its public key. The seed is left out of ``repr`` so logs never show it."""

    seed: Ed25519Seed = field(repr=False)
    public_key: Ed25519PublicKey


def compute_ed25519_key_pair(seed: bytes) -> Ed25519KeyPair:
    """The key pair of a 32-byte ``seed``; raises ConsortiumError(INVALID_KEY_MATERIAL)."""
    if not isinstance(seed, bytes) or len(seed) != SEED_LENGTH:
        raise ConsortiumError(
            ErrorCode.INVALID_KEY_MATERIAL, f"an Ed25519 seed must be {SEED_LENGTH} bytes"
        )
    signing_key = SigningKey(seed)
    return Ed25519KeyPair(Ed25519Seed(seed), Ed25519PublicKey(bytes(signing_key.verify_key)))


def sign_ed25519(key_pair: Ed25519KeyPair, message: bytes) -> Ed25519Signature:
    """The deterministic RFC 8032 signature of ``message``; raises MALFORMED_INPUT for non-bytes."""
    if not isinstance(message, bytes):
        raise ConsortiumError(ErrorCode.MALFORMED_INPUT, "a message must be bytes")
    return Ed25519Signature(SigningKey(key_pair.seed).sign(message).signature)


def is_valid_ed25519_public_key(public_key: object) -> bool:
    """True for 32 bytes encoding a canonical point of the main subgroup (not small order)."""
    if not isinstance(public_key, bytes) or len(public_key) != PUBLIC_KEY_LENGTH:
        return False
    return _is_valid_point(public_key)


@lru_cache(maxsize=65_536)
def _is_valid_point(public_key: bytes) -> bool:
    # As costly as a signature check, and asked again for every transaction of
    # an account: the answer for given bytes never changes, so keep it.
    try:
        return bool(crypto_core_ed25519_is_valid_point(public_key))
    except (CryptoError, ValueError, TypeError):
        return False


def verify_ed25519(public_key: object, message: object, signature: object) -> Verdict:
    """Check an Ed25519 signature; a refusal names what was wrong."""
    if not isinstance(public_key, bytes) or len(public_key) != PUBLIC_KEY_LENGTH:
        return refuse(
            ErrorCode.INVALID_PUBLIC_KEY, f"an Ed25519 public key must be {PUBLIC_KEY_LENGTH} bytes"
        )
    if not is_valid_ed25519_public_key(public_key):
        return refuse(
            ErrorCode.INVALID_PUBLIC_KEY,
            "the public key is not a canonical Ed25519 point, or has small order",
        )
    if not isinstance(signature, bytes) or len(signature) != SIGNATURE_LENGTH:
        return refuse(
            ErrorCode.INVALID_SIGNATURE_ENCODING,
            f"an Ed25519 signature must be {SIGNATURE_LENGTH} bytes",
        )
    if not isinstance(message, bytes):
        return refuse(ErrorCode.MALFORMED_INPUT, "a message must be bytes")
    try:
        VerifyKey(public_key).verify(message, signature)
    except (CryptoError, ValueError, TypeError):
        # libsodium also lands here for a non-canonical S; that is a bad signature too.
        return refuse(ErrorCode.BAD_SIGNATURE, "the signature does not verify for this key")
    return ACCEPTED
