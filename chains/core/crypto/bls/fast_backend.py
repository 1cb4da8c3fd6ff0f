"""The production backend: blspy 2.0.3 (Chia's bls-signatures on blst).

Byte-identical to py_ecc for SkToPk, Sign and PopProve. What blspy does not
do the py_ecc way is done here:

- KeyGen: blspy's ``key_gen`` is a different algorithm, so the IETF KeyGen
  of :mod:`.encoding` is used (byte-identical to py_ecc).
- Encodings: :func:`.encoding.get_g1_encoding_problem` / ``get_g2_...``
  enforce py_ecc's flag and canonical-x rules before blspy sees the bytes.
- Identity: ``G1Element.from_bytes`` accepts the identity point, so public
  keys equal to it are refused explicitly (and so is an identity aggregate).
- Subgroup: blspy's ``from_bytes`` (not ``from_bytes_unchecked``) runs blst's
  subgroup check for G1 and G2; ``tests/crypto`` builds on-curve points
  outside the subgroups and pins that it does.

Hot path: decoded, validated public keys are memoised by their 48 bytes, and
aggregates by the tuple of keys (both bounded), so verifying a commit of a
known validator set is hash-to-curve + one 2-pairing check. Memoisation only
changes speed: a key is cached only after it passed KeyValidate.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

from blspy import G1Element, G2Element, PopSchemeMPL, PrivateKey

from chains.core.crypto.bls.encoding import (
    compute_key_gen,
    get_checked_secret_key,
    get_g1_encoding_problem,
    get_g2_encoding_problem,
)
from chains.core.crypto.bls.types import (
    G1_INFINITY,
    G2_INFINITY,
    POP_DST,
    SECRET_KEY_LENGTH,
    SIGNATURE_DST,
    AggregatePublicKey,
    BlsPublicKey,
    BlsSecretKey,
    BlsSignature,
)
from chains.core.errors import ConsortiumError, ErrorCode

DEFAULT_KEY_CACHE_SIZE = 4096
"""Decoded keys kept; several validator sets of a few hundred keys fit."""
DEFAULT_AGGREGATE_CACHE_SIZE = 256
"""Aggregated signer sets (of two keys or more) kept, least recently used evicted."""


class BoundedCache:
    """A small least-recently-used memo, bounded to ``max_size`` entries.

    Only a memo: losing an entry costs time, never correctness. Races between
    callers can at worst drop an entry or overshoot the bound until the next put.
    """

    def __init__(self, max_size: int) -> None:
        if max_size < 1:
            raise ValueError("a cache needs room for at least one entry")
        self.max_size = max_size
        self._entries: dict[Hashable, object] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable) -> object | None:
        """The cached value for ``key`` (now the most recently used), or None."""
        try:
            value = self._entries.pop(key)
        except KeyError:
            return None
        self._entries[key] = value  # re-insert: dicts keep insertion order
        return value

    def put(self, key: Hashable, value: object) -> None:
        """Remember ``value``; evict the least recently used entries beyond ``max_size``."""
        self._entries[key] = value
        while len(self._entries) > self.max_size:
            try:
                del self._entries[next(iter(self._entries))]
            except (KeyError, RuntimeError, StopIteration):
                break

    def clear(self) -> None:
        """Forget everything."""
        self._entries.clear()


def _to_private_key(secret_key: BlsSecretKey) -> PrivateKey:
    checked = get_checked_secret_key(secret_key)
    return PrivateKey.from_bytes(checked.to_bytes(SECRET_KEY_LENGTH, "big"))


class FastBackend:
    """BLS12-381 PoP ciphersuite on blspy, with py_ecc's validation rules."""

    name = "fast"

    def __init__(
        self,
        key_cache_size: int = DEFAULT_KEY_CACHE_SIZE,
        aggregate_cache_size: int = DEFAULT_AGGREGATE_CACHE_SIZE,
    ) -> None:
        self.key_cache = BoundedCache(key_cache_size)
        self.aggregate_cache = BoundedCache(aggregate_cache_size)
        self._identity_g1 = G1Element()

    def clear_caches(self) -> None:
        """Forget every decoded key and aggregate (benchmarks of the cold path use this)."""
        self.key_cache.clear()
        self.aggregate_cache.clear()

    # IETF API -------------------------------------------------------------------------

    def KeyGen(self, ikm: bytes, key_info: bytes = b"") -> BlsSecretKey:
        """IETF KeyGen (HKDF-SHA-256), byte-identical to py_ecc's."""
        return compute_key_gen(ikm, key_info)

    def SkToPk(self, secret_key: BlsSecretKey) -> BlsPublicKey:
        """The compressed G1 public key of ``secret_key``; raises INVALID_SECRET_KEY."""
        return BlsPublicKey(bytes(_to_private_key(secret_key).get_g1()))

    def Sign(self, secret_key: BlsSecretKey, message: bytes) -> BlsSignature:
        """Sign ``message`` (signature DST); raises INVALID_SECRET_KEY or MALFORMED_INPUT."""
        private_key = _to_private_key(secret_key)
        if not isinstance(message, bytes):
            raise ConsortiumError(ErrorCode.MALFORMED_INPUT, "a message must be bytes")
        return BlsSignature(bytes(PopSchemeMPL.sign(private_key, message)))

    def Verify(self, public_key: bytes, message: bytes, signature: bytes) -> bool:
        """IETF Verify: KeyValidate, signature decode + subgroup check, pairing check."""
        return self.FastAggregateVerify([public_key], message, signature)

    def Aggregate(self, signatures: Sequence[bytes]) -> BlsSignature:
        """Sum of checked signatures; raises EMPTY_SIGNER_SET or INVALID_SIGNATURE_ENCODING."""
        if not isinstance(signatures, list | tuple):
            raise ConsortiumError(ErrorCode.MALFORMED_INPUT, "signatures must be a list or tuple")
        if not signatures:
            raise ConsortiumError(ErrorCode.EMPTY_SIGNER_SET, "nothing to aggregate")
        points = [self.decode_signature(signature) for signature in signatures]
        return BlsSignature(bytes(PopSchemeMPL.aggregate(points)))

    def FastAggregateVerify(
        self, public_keys: Sequence[bytes], message: bytes, signature: bytes
    ) -> bool:
        """IETF FastAggregateVerify; the key side comes from the caches when warm."""
        if not isinstance(message, bytes):
            return False
        try:
            aggregate = self.aggregate_public_keys(public_keys)
            signature_point = self.decode_signature(signature)
        except ConsortiumError:
            return False
        return self.core_verify(aggregate, message, signature_point, SIGNATURE_DST)

    def PopProve(self, secret_key: BlsSecretKey) -> BlsSignature:
        """Proof of possession: the public key signed under the PoP DST."""
        return BlsSignature(bytes(PopSchemeMPL.pop_prove(_to_private_key(secret_key))))

    def PopVerify(self, public_key: bytes, proof: bytes) -> bool:
        """IETF PopVerify: KeyValidate, proof decode + subgroup check, pairing (PoP DST)."""
        try:
            aggregate = self.aggregate_public_keys([public_key])
            proof_point = self.decode_signature(proof)
        except ConsortiumError:
            return False
        return self.core_verify(aggregate, public_key, proof_point, POP_DST)

    def KeyValidate(self, public_key: bytes) -> bool:
        """True for a well-formed, non-identity G1 point in the prime-order subgroup."""
        try:
            self.decode_public_key(public_key)
        except ConsortiumError:
            return False
        return True

    # Lower level ----------------------------------------------------------------------

    def decode_public_key(self, public_key: bytes) -> G1Element:
        """The validated G1 point of ``public_key`` (memoised); else INVALID_PUBLIC_KEY."""
        cached = self.key_cache.get(public_key) if isinstance(public_key, bytes) else None
        if cached is not None:
            return cached  # type: ignore[return-value]
        problem = get_g1_encoding_problem(public_key)
        if problem is not None:
            raise ConsortiumError(ErrorCode.INVALID_PUBLIC_KEY, problem)
        if public_key == G1_INFINITY:
            raise ConsortiumError(ErrorCode.INVALID_PUBLIC_KEY, "the key is the identity point")
        try:
            # from_bytes checks the curve equation and G1 subgroup membership (blst).
            point = G1Element.from_bytes(public_key)
        except (ValueError, RuntimeError) as error:
            raise ConsortiumError(
                ErrorCode.INVALID_PUBLIC_KEY, f"not a point of the G1 subgroup ({error})"
            ) from None
        self.key_cache.put(public_key, point)
        return point

    def decode_signature(self, signature: bytes) -> G2Element:
        """The G2 point of ``signature``, on the curve and in the subgroup; never cached."""
        problem = get_g2_encoding_problem(signature)
        if problem is not None:
            raise ConsortiumError(ErrorCode.INVALID_SIGNATURE_ENCODING, problem)
        if signature == G2_INFINITY:
            return G2Element()
        try:
            # from_bytes checks the curve equation and G2 subgroup membership (blst).
            return G2Element.from_bytes(signature)
        except (ValueError, RuntimeError) as error:
            raise ConsortiumError(
                ErrorCode.INVALID_SIGNATURE_ENCODING, f"not a point of the G2 subgroup ({error})"
            ) from None

    def aggregate_public_keys(self, public_keys: Sequence[bytes]) -> AggregatePublicKey:
        """Validate and sum ``public_keys`` (memoised by the tuple of keys)."""
        if not isinstance(public_keys, list | tuple):
            raise ConsortiumError(ErrorCode.MALFORMED_INPUT, "public keys must be a list or tuple")
        if not public_keys:
            raise ConsortiumError(ErrorCode.EMPTY_SIGNER_SET, "no public keys to aggregate")
        if not all(isinstance(pk, bytes) for pk in public_keys):
            raise ConsortiumError(ErrorCode.INVALID_PUBLIC_KEY, "a public key must be bytes")
        if len(public_keys) == 1:
            # One key (Verify, PopVerify, a single vote): the key cache is enough, and
            # keeping these out of the aggregate cache leaves it to the signer sets.
            point = self.decode_public_key(public_keys[0])
            return AggregatePublicKey(
                backend=self.name,
                public_keys=(BlsPublicKey(public_keys[0]),),
                encoded=BlsPublicKey(public_keys[0]),
                point=point,
            )
        key = tuple(public_keys)
        cached = self.aggregate_cache.get(key)
        if cached is not None:
            return cached  # type: ignore[return-value]
        total = self._identity_g1
        for public_key in key:
            total = total + self.decode_public_key(public_key)
        if total == self._identity_g1:
            # py_ecc's FastAggregateVerify fails the same way (KeyValidate of the sum).
            raise ConsortiumError(
                ErrorCode.INVALID_PUBLIC_KEY, "the aggregate public key is the identity"
            )
        aggregate = AggregatePublicKey(
            backend=self.name,
            public_keys=tuple(BlsPublicKey(pk) for pk in key),
            encoded=BlsPublicKey(bytes(total)),
            point=total,
        )
        self.aggregate_cache.put(key, aggregate)
        return aggregate

    def core_verify(
        self,
        aggregate: AggregatePublicKey,
        message: bytes,
        signature_point: object,
        dst: bytes = SIGNATURE_DST,
    ) -> bool:
        """One 2-pairing check (blst, shared final exponentiation) on validated inputs."""
        if aggregate.backend != self.name or not isinstance(message, bytes):
            return False
        if not isinstance(signature_point, G2Element):
            return False
        try:
            if dst == SIGNATURE_DST:
                return bool(PopSchemeMPL.verify(aggregate.point, message, signature_point))
            if dst == POP_DST and message == aggregate.encoded:
                return bool(PopSchemeMPL.pop_verify(aggregate.point, signature_point))
        except (ValueError, RuntimeError):
            return False
        return False
