"""BLS12-381 signatures, proof-of-possession ciphersuite (DESIGN §3).

``get_bls(name)`` returns a backend with the IETF API (KeyGen, SkToPk, Sign,
Verify, Aggregate, FastAggregateVerify, PopProve, PopVerify, KeyValidate):
``"fast"`` (blspy, the default) or ``"py_ecc"`` (the reference). The
``verify_*`` functions give verdicts with a specific error code.
"""

from chains.core.crypto.bls.backends import BACKEND_NAMES, DEFAULT_BACKEND, get_bls
from chains.core.crypto.bls.encoding import (
    compute_key_gen,
    get_g1_encoding_problem,
    get_g2_encoding_problem,
    get_secret_key_bytes,
    get_secret_key_from_bytes,
    is_valid_secret_key,
)
from chains.core.crypto.bls.types import (
    CURVE_ORDER,
    FIELD_MODULUS,
    G1_INFINITY,
    G2_INFINITY,
    POP_DST,
    PUBLIC_KEY_LENGTH,
    SECRET_KEY_LENGTH,
    SIGNATURE_DST,
    SIGNATURE_LENGTH,
    AggregatePublicKey,
    BlsBackend,
    BlsPublicKey,
    BlsSecretKey,
    BlsSignature,
)
from chains.core.crypto.bls.verify import (
    verify_aggregate_signature,
    verify_fast_aggregate,
    verify_key_material,
    verify_proof_of_possession,
    verify_public_key,
    verify_secret_key,
    verify_signature,
    verify_signature_encoding,
)

__all__ = [
    "BACKEND_NAMES",
    "CURVE_ORDER",
    "DEFAULT_BACKEND",
    "FIELD_MODULUS",
    "G1_INFINITY",
    "G2_INFINITY",
    "POP_DST",
    "PUBLIC_KEY_LENGTH",
    "SECRET_KEY_LENGTH",
    "SIGNATURE_DST",
    "SIGNATURE_LENGTH",
    "AggregatePublicKey",
    "BlsBackend",
    "BlsPublicKey",
    "BlsSecretKey",
    "BlsSignature",
    "compute_key_gen",
    "get_bls",
    "get_g1_encoding_problem",
    "get_g2_encoding_problem",
    "get_secret_key_bytes",
    "get_secret_key_from_bytes",
    "is_valid_secret_key",
    "verify_aggregate_signature",
    "verify_fast_aggregate",
    "verify_key_material",
    "verify_proof_of_possession",
    "verify_public_key",
    "verify_secret_key",
    "verify_signature",
    "verify_signature_encoding",
]
