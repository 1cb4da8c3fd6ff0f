"""The signature scheme consensus signs and verifies with.

Production uses BLS12-381 (:class:`BlsScheme`). The simulator swaps in a fast
mock with the same interface for most runs; consensus code only ever talks to
a :class:`SignatureScheme`, so the rules it checks are the same either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from chains.core.crypto.bls import (
    BlsBackend,
    get_bls,
    verify_aggregate_signature,
)
from chains.core.errors import ConsortiumError, ErrorCode, Verdict, refuse


class SignatureScheme(Protocol):
    """Sign, verify and aggregate validator signatures."""

    name: str

    def sign(self, secret_key: int, message: bytes) -> bytes:
        """Sign ``message`` with ``secret_key``."""
        ...

    def get_public_key(self, secret_key: int) -> bytes:
        """The public key of ``secret_key``."""
        ...

    def verify(self, public_key: bytes, message: bytes, signature: bytes) -> Verdict:
        """One signature by one key; a verdict, never an exception."""
        ...

    def aggregate(self, signatures: Sequence[bytes]) -> bytes:
        """Aggregate signatures over one message into one."""
        ...

    def verify_aggregate(
        self, public_keys: Sequence[bytes], message: bytes, signature: bytes
    ) -> Verdict:
        """An aggregate signature by all ``public_keys`` over one ``message``."""
        ...


class BlsScheme:
    """BLS12-381 in the proof-of-possession ciphersuite (DESIGN §3)."""

    name = "bls"

    def __init__(self, backend: BlsBackend | None = None) -> None:
        self._bls = get_bls() if backend is None else backend

    def sign(self, secret_key: int, message: bytes) -> bytes:
        """Sign with the backend's IETF ``Sign``."""
        return self._bls.Sign(secret_key, message)

    def get_public_key(self, secret_key: int) -> bytes:
        """``SkToPk``."""
        return self._bls.SkToPk(secret_key)

    def verify(self, public_key: bytes, message: bytes, signature: bytes) -> Verdict:
        """Verify one signature; the decoded, checked key is cached per validator."""
        return self.verify_aggregate([public_key], message, signature)

    def aggregate(self, signatures: Sequence[bytes]) -> bytes:
        """``Aggregate``; raises ``ConsortiumError`` for no or malformed signatures."""
        if not signatures:
            raise ConsortiumError(ErrorCode.EMPTY_SIGNER_SET, "nothing to aggregate")
        return self._bls.Aggregate(list(signatures))

    def verify_aggregate(
        self, public_keys: Sequence[bytes], message: bytes, signature: bytes
    ) -> Verdict:
        """FastAggregateVerify over the cached aggregate of ``public_keys``."""
        if not public_keys:
            return refuse(ErrorCode.EMPTY_SIGNER_SET, "no signers")
        try:
            aggregate = self._bls.aggregate_public_keys(list(public_keys))
        except ConsortiumError as error:
            return error.to_verdict()
        return verify_aggregate_signature(aggregate, message, signature, self._bls)
