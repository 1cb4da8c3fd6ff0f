"""A fast stand-in for BLS with the same interface, for most simulator runs.

Signatures are SHA-256 of the public key and the message; an aggregate is the
XOR of its parts. It is forgeable by anyone and exists only so the simulator
can run thousands of scenarios; the consensus rules it exercises are the same.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from chains.core.errors import ACCEPTED, ErrorCode, Verdict, refuse


def _xor(parts: Sequence[bytes]) -> bytes:
    total = 0
    for part in parts:
        total ^= int.from_bytes(part, "big")
    return total.to_bytes(32, "big")


class MockScheme:
    """Hash-based signatures with XOR aggregation (not secure; simulation only)."""

    name = "mock"

    def get_public_key(self, secret_key: int) -> bytes:
        """48 bytes derived from the secret, shaped like a G1 key."""
        return hashlib.sha384(b"mock-pk" + secret_key.to_bytes(32, "big")).digest()

    def _sign_with_public(self, public_key: bytes, message: bytes) -> bytes:
        return hashlib.sha256(public_key + message).digest()

    def sign(self, secret_key: int, message: bytes) -> bytes:
        """The mock signature of ``message``."""
        return self._sign_with_public(self.get_public_key(secret_key), message)

    def verify(self, public_key: bytes, message: bytes, signature: bytes) -> Verdict:
        """Recompute and compare."""
        if signature == self._sign_with_public(public_key, message):
            return ACCEPTED
        return refuse(ErrorCode.BAD_SIGNATURE, "mock signature does not verify")

    def aggregate(self, signatures: Sequence[bytes]) -> bytes:
        """XOR of the signatures."""
        return _xor(signatures)

    def verify_aggregate(
        self, public_keys: Sequence[bytes], message: bytes, signature: bytes
    ) -> Verdict:
        """XOR of the expected signatures must equal ``signature``."""
        if not public_keys:
            return refuse(ErrorCode.EMPTY_SIGNER_SET, "no signers")
        expected = _xor([self._sign_with_public(pk, message) for pk in public_keys])
        if signature == expected:
            return ACCEPTED
        return refuse(ErrorCode.BAD_SIGNATURE, "mock aggregate does not verify")
