"""Signatures of the consortium: Ed25519 for accounts, BLS12-381 (PoP) for validators.

Pure: keys come from seeds and input key material the caller supplies.
"""

from chains.core.crypto.ed25519 import (
    Ed25519KeyPair,
    Ed25519PublicKey,
    Ed25519Seed,
    Ed25519Signature,
    compute_ed25519_key_pair,
    is_valid_ed25519_public_key,
    sign_ed25519,
    verify_ed25519,
)

__all__ = [
    "Ed25519KeyPair",
    "Ed25519PublicKey",
    "Ed25519Seed",
    "Ed25519Signature",
    "compute_ed25519_key_pair",
    "is_valid_ed25519_public_key",
    "sign_ed25519",
    "verify_ed25519",
]
