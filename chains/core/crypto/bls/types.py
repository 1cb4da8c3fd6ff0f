"""Named types, constants and the backend interface of the BLS12-381 PoP ciphersuite.

Public keys live in G1 (48-byte compressed), signatures in G2 (96-byte
compressed), as in ``py_ecc.bls.G2ProofOfPossession`` (DESIGN §3).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NewType, Protocol

BlsSecretKey = NewType("BlsSecretKey", int)
"""A secret scalar in [1, r - 1] (IETF ``SK``); 32 bytes big-endian when stored."""

BlsPublicKey = NewType("BlsPublicKey", bytes)
"""A compressed G1 point: exactly 48 bytes."""

BlsSignature = NewType("BlsSignature", bytes)
"""A compressed G2 point: exactly 96 bytes (also the type of a proof of possession)."""

SECRET_KEY_LENGTH = 32
PUBLIC_KEY_LENGTH = 48
SIGNATURE_LENGTH = 96
MIN_IKM_LENGTH = 32
"""KeyGen input key material must be at least 32 bytes (IETF BLS draft, section 2.3)."""

SIGNATURE_DST = b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_"
"""Domain separation tag of Sign / Verify in the proof-of-possession ciphersuite."""
POP_DST = b"BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_"
"""Domain separation tag of PopProve / PopVerify: a PoP never verifies as a signature."""

FIELD_MODULUS = int(
    "1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab",
    16,
)
"""p, the characteristic of the base field of BLS12-381."""
CURVE_ORDER = int("73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001", 16)
"""r, the order of the prime-order subgroups G1 and G2 (secret keys are mod r)."""

G1_INFINITY = BlsPublicKey(bytes([0xC0]) + bytes(47))
"""The compressed identity point of G1; KeyValidate refuses it."""
G2_INFINITY = BlsSignature(bytes([0xC0]) + bytes(95))
"""The compressed identity point of G2 (a well-formed signature that verifies nothing)."""


@dataclass(frozen=True, slots=True)
class AggregatePublicKey:
    """Validated public keys of one signer set, summed once, for repeated verification.

    ``point`` is the backend's decoded point; only the backend named in
    ``backend`` can use it. The signature is still decoded and checked on
    every verification: only the key side is precomputed.
    """

    backend: str
    public_keys: tuple[BlsPublicKey, ...]
    encoded: BlsPublicKey
    point: object = field(compare=False, repr=False)


class BlsBackend(Protocol):
    """One implementation of the ciphersuite. Method names follow the IETF draft.

    The IETF-style methods return ``bool`` (never raise) for checks, and raise
    :class:`~chains.core.errors.ConsortiumError` where the draft says INVALID.
    The lower-level ``decode_*`` / ``aggregate_public_keys`` / ``core_verify``
    methods serve the ``verify_*`` functions and the hot path.
    """

    name: str

    def KeyGen(self, ikm: bytes, key_info: bytes = b"") -> BlsSecretKey:
        """IETF KeyGen; raises INVALID_KEY_MATERIAL for short or non-bytes input."""
        ...

    def SkToPk(self, secret_key: BlsSecretKey) -> BlsPublicKey:
        """The public key of ``secret_key``; raises INVALID_SECRET_KEY."""
        ...

    def Sign(self, secret_key: BlsSecretKey, message: bytes) -> BlsSignature:
        """Sign ``message`` with the signature DST; raises INVALID_SECRET_KEY."""
        ...

    def Verify(self, public_key: bytes, message: bytes, signature: bytes) -> bool:
        """True when ``signature`` is valid for ``public_key`` and ``message``."""
        ...

    def Aggregate(self, signatures: Sequence[bytes]) -> BlsSignature:
        """Sum of the signatures; raises EMPTY_SIGNER_SET or INVALID_SIGNATURE_ENCODING."""
        ...

    def FastAggregateVerify(
        self, public_keys: Sequence[bytes], message: bytes, signature: bytes
    ) -> bool:
        """True when ``signature`` aggregates signatures of all keys on one message."""
        ...

    def PopProve(self, secret_key: BlsSecretKey) -> BlsSignature:
        """Proof of possession of ``secret_key`` (signs the public key, PoP DST)."""
        ...

    def PopVerify(self, public_key: bytes, proof: bytes) -> bool:
        """True when ``proof`` is a valid proof of possession for ``public_key``."""
        ...

    def KeyValidate(self, public_key: bytes) -> bool:
        """True for a well-formed, non-identity G1 point in the prime-order subgroup."""
        ...

    def decode_public_key(self, public_key: bytes) -> object:
        """The decoded point of a key that passes KeyValidate; else INVALID_PUBLIC_KEY."""
        ...

    def decode_signature(self, signature: bytes) -> object:
        """The decoded, subgroup-checked G2 point; else INVALID_SIGNATURE_ENCODING."""
        ...

    def aggregate_public_keys(self, public_keys: Sequence[bytes]) -> AggregatePublicKey:
        """Validate and sum keys; raises EMPTY_SIGNER_SET or INVALID_PUBLIC_KEY."""
        ...

    def core_verify(
        self, aggregate: AggregatePublicKey, message: bytes, signature_point: object, dst: bytes
    ) -> bool:
        """The pairing check e(pk, H(msg)) == e(g1, sig) on already-validated inputs."""
        ...
