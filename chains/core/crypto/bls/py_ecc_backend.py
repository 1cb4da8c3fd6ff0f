"""The reference backend: ``py_ecc.bls.G2ProofOfPossession``, the oracle of the tests.

Pure Python and slow (~0.6 s per verification): never on the hot path. The
IETF methods call py_ecc directly after type guards (so no input makes py_ecc
raise something other than ConsortiumError); the ``decode_*`` methods use
py_ecc's own decompression, identity and subgroup checks.
"""

from __future__ import annotations

from collections.abc import Sequence
from hashlib import sha256

from eth_utils import ValidationError
from py_ecc.bls import G2ProofOfPossession
from py_ecc.bls.g2_primitives import (
    G1_to_pubkey,
    pubkey_to_G1,
    signature_to_G2,
    subgroup_check,
)
from py_ecc.bls.hash_to_curve import hash_to_G2
from py_ecc.fields import optimized_bls12_381_FQ12 as FQ12
from py_ecc.optimized_bls12_381 import G1, Z1, add, final_exponentiate, is_inf, neg, pairing

from chains.core.crypto.bls.encoding import (
    check_key_material,
    get_checked_secret_key,
    get_g1_encoding_problem,
    get_g2_encoding_problem,
)
from chains.core.crypto.bls.types import (
    SIGNATURE_DST,
    AggregatePublicKey,
    BlsPublicKey,
    BlsSecretKey,
    BlsSignature,
)
from chains.core.errors import ConsortiumError, ErrorCode

_PY_ECC_ERRORS = (ValidationError, ValueError, AssertionError)


def _is_bytes_sequence(values: object) -> bool:
    return isinstance(values, list | tuple) and all(isinstance(v, bytes) for v in values)


class PyEccBackend:
    """BLS12-381 PoP ciphersuite on py_ecc 8 (reference semantics)."""

    name = "py_ecc"

    def KeyGen(self, ikm: bytes, key_info: bytes = b"") -> BlsSecretKey:
        """py_ecc's KeyGen, with the IETF minimum of 32 bytes of input key material."""
        check_key_material(ikm, key_info)
        return BlsSecretKey(G2ProofOfPossession.KeyGen(ikm, key_info))

    def SkToPk(self, secret_key: BlsSecretKey) -> BlsPublicKey:
        """py_ecc's SkToPk; raises INVALID_SECRET_KEY."""
        return BlsPublicKey(G2ProofOfPossession.SkToPk(get_checked_secret_key(secret_key)))

    def Sign(self, secret_key: BlsSecretKey, message: bytes) -> BlsSignature:
        """py_ecc's Sign; raises INVALID_SECRET_KEY, or MALFORMED_INPUT for a non-bytes message."""
        checked = get_checked_secret_key(secret_key)
        if not isinstance(message, bytes):
            raise ConsortiumError(ErrorCode.MALFORMED_INPUT, "a message must be bytes")
        return BlsSignature(G2ProofOfPossession.Sign(checked, message))

    def Verify(self, public_key: bytes, message: bytes, signature: bytes) -> bool:
        """py_ecc's Verify (which runs KeyValidate and the signature subgroup check)."""
        if not (isinstance(public_key, bytes) and isinstance(signature, bytes)):
            return False
        return bool(G2ProofOfPossession.Verify(public_key, message, signature))

    def Aggregate(self, signatures: Sequence[bytes]) -> BlsSignature:
        """py_ecc's Aggregate, after checking every input as a signature (subgroup included).

        py_ecc alone only checks the curve equation here; we also run the
        subgroup check so that torsion components can never cancel in a sum.
        """
        if not isinstance(signatures, list | tuple):
            raise ConsortiumError(ErrorCode.MALFORMED_INPUT, "signatures must be a list or tuple")
        if not signatures:
            raise ConsortiumError(ErrorCode.EMPTY_SIGNER_SET, "nothing to aggregate")
        for signature in signatures:
            self.decode_signature(signature)
        return BlsSignature(G2ProofOfPossession.Aggregate(list(signatures)))

    def FastAggregateVerify(
        self, public_keys: Sequence[bytes], message: bytes, signature: bytes
    ) -> bool:
        """py_ecc's FastAggregateVerify."""
        if not _is_bytes_sequence(public_keys) or not isinstance(signature, bytes):
            return False
        return bool(G2ProofOfPossession.FastAggregateVerify(list(public_keys), message, signature))

    def PopProve(self, secret_key: BlsSecretKey) -> BlsSignature:
        """py_ecc's PopProve; raises INVALID_SECRET_KEY."""
        return BlsSignature(G2ProofOfPossession.PopProve(get_checked_secret_key(secret_key)))

    def PopVerify(self, public_key: bytes, proof: bytes) -> bool:
        """py_ecc's PopVerify."""
        if not (isinstance(public_key, bytes) and isinstance(proof, bytes)):
            return False
        return bool(G2ProofOfPossession.PopVerify(public_key, proof))

    def KeyValidate(self, public_key: bytes) -> bool:
        """py_ecc's KeyValidate."""
        if not isinstance(public_key, bytes):
            return False
        return bool(G2ProofOfPossession.KeyValidate(public_key))

    def decode_public_key(self, public_key: bytes) -> object:
        """The py_ecc G1 point of a key that passes py_ecc's KeyValidate."""
        if not isinstance(public_key, bytes) or not G2ProofOfPossession.KeyValidate(public_key):
            problem = get_g1_encoding_problem(public_key)
            raise ConsortiumError(
                ErrorCode.INVALID_PUBLIC_KEY,
                problem or "the key is the identity, not on the curve, or outside the subgroup",
            )
        return pubkey_to_G1(public_key)

    def decode_signature(self, signature: bytes) -> object:
        """The py_ecc G2 point of ``signature``, decompressed and subgroup-checked."""
        if not isinstance(signature, bytes) or len(signature) != 96:
            raise ConsortiumError(
                ErrorCode.INVALID_SIGNATURE_ENCODING,
                get_g2_encoding_problem(signature) or "a signature must be 96 bytes",
            )
        try:
            point = signature_to_G2(signature)
        except _PY_ECC_ERRORS as error:
            raise ConsortiumError(
                ErrorCode.INVALID_SIGNATURE_ENCODING,
                get_g2_encoding_problem(signature) or f"not a point on the curve ({error})",
            ) from None
        if not subgroup_check(point):
            raise ConsortiumError(
                ErrorCode.INVALID_SIGNATURE_ENCODING, "the signature is outside the G2 subgroup"
            )
        return point

    def aggregate_public_keys(self, public_keys: Sequence[bytes]) -> AggregatePublicKey:
        """Validate every key (py_ecc KeyValidate) and sum them; refuse an identity sum."""
        if not isinstance(public_keys, list | tuple):
            raise ConsortiumError(ErrorCode.MALFORMED_INPUT, "public keys must be a list or tuple")
        if not public_keys:
            raise ConsortiumError(ErrorCode.EMPTY_SIGNER_SET, "no public keys to aggregate")
        total = Z1
        for public_key in public_keys:
            total = add(total, self.decode_public_key(public_key))
        if is_inf(total):
            # py_ecc's FastAggregateVerify fails the same way (KeyValidate of the sum).
            raise ConsortiumError(
                ErrorCode.INVALID_PUBLIC_KEY, "the aggregate public key is the identity"
            )
        return AggregatePublicKey(
            backend=self.name,
            public_keys=tuple(BlsPublicKey(pk) for pk in public_keys),
            encoded=BlsPublicKey(G1_to_pubkey(total)),
            point=total,
        )

    def core_verify(
        self,
        aggregate: AggregatePublicKey,
        message: bytes,
        signature_point: object,
        dst: bytes = SIGNATURE_DST,
    ) -> bool:
        """py_ecc's CoreVerify pairing product, on inputs already decoded and checked."""
        if aggregate.backend != self.name or not isinstance(message, bytes):
            return False
        product = pairing(signature_point, G1, final_exponentiate=False) * pairing(
            hash_to_G2(message, dst, sha256), neg(aggregate.point), final_exponentiate=False
        )
        return bool(final_exponentiate(product) == FQ12.one())
