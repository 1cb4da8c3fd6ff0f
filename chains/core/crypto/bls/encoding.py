"""Pure checks of compressed point encodings, secret-key encoding, and IETF KeyGen.

Both backends run these checks before handing bytes to their library, so the
two agree on what is well-formed whatever quirks a library has. The rules are
those of ``py_ecc.bls.point_compression`` (the ZCash serialisation): flag
bits c (compressed), b (infinity), a (sign of y), then x, canonical (x < p).
Curve membership and the subgroup check are the backends' job.
"""

from __future__ import annotations

import hashlib
import hmac

from chains.core.crypto.bls.types import (
    CURVE_ORDER,
    FIELD_MODULUS,
    MIN_IKM_LENGTH,
    PUBLIC_KEY_LENGTH,
    SECRET_KEY_LENGTH,
    SIGNATURE_LENGTH,
    BlsSecretKey,
)
from chains.core.errors import ConsortiumError, ErrorCode

_X_BITS = (1 << 381) - 1
_KEYGEN_SALT = b"BLS-SIG-KEYGEN-SALT-"
_KEYGEN_OKM_LENGTH = 48  # L = ceil((3 * ceil(log2(r))) / 16), IETF BLS draft section 2.3


def _get_flags(z: int) -> tuple[bool, bool, bool]:
    return bool(z >> 383 & 1), bool(z >> 382 & 1), bool(z >> 381 & 1)


def get_g1_encoding_problem(data: object) -> str | None:
    """Why ``data`` is not a well-formed compressed G1 point, or None when it is.

    Well-formed means: bytes of length 48, compression flag set, infinity flag
    set exactly when x is zero (and then no sign flag), and x < p.
    """
    if not isinstance(data, bytes):
        return f"a public key must be bytes, not {type(data).__name__}"
    if len(data) != PUBLIC_KEY_LENGTH:
        return f"a public key must be {PUBLIC_KEY_LENGTH} bytes, got {len(data)}"
    z = int.from_bytes(data, "big")
    c_flag, b_flag, a_flag = _get_flags(z)
    x = z & _X_BITS
    if not c_flag:
        return "the compression flag (top bit) is not set"
    if b_flag != (x == 0):
        return "the infinity flag does not match the x coordinate"
    if b_flag and a_flag:
        return "the point at infinity has the sign flag set"
    if x >= FIELD_MODULUS:
        return "x is not below the field modulus"
    return None


def get_g2_encoding_problem(data: object) -> str | None:
    """Why ``data`` is not a well-formed compressed G2 point, or None when it is.

    The first 48 bytes carry the flags and x's imaginary part, the last 48 the
    real part, whose top three bits must be zero (it is below p).
    """
    if not isinstance(data, bytes):
        return f"a signature must be bytes, not {type(data).__name__}"
    if len(data) != SIGNATURE_LENGTH:
        return f"a signature must be {SIGNATURE_LENGTH} bytes, got {len(data)}"
    z1 = int.from_bytes(data[:48], "big")
    z2 = int.from_bytes(data[48:], "big")
    c_flag, b_flag, a_flag = _get_flags(z1)
    x_im = z1 & _X_BITS
    if not c_flag:
        return "the compression flag (top bit) is not set"
    if b_flag != (x_im == 0 and z2 == 0):
        return "the infinity flag does not match the x coordinate"
    if b_flag and a_flag:
        return "the point at infinity has the sign flag set"
    if x_im >= FIELD_MODULUS or z2 >= FIELD_MODULUS:
        return "a coordinate of x is not below the field modulus"
    return None


def is_valid_secret_key(secret_key: object) -> bool:
    """True when ``secret_key`` is an int in [1, r - 1] (bool is not a key)."""
    return (
        isinstance(secret_key, int)
        and not isinstance(secret_key, bool)
        and 0 < secret_key < CURVE_ORDER
    )


def get_checked_secret_key(secret_key: object) -> BlsSecretKey:
    """``secret_key`` itself when valid; raises ConsortiumError(INVALID_SECRET_KEY)."""
    if not is_valid_secret_key(secret_key):
        raise ConsortiumError(
            ErrorCode.INVALID_SECRET_KEY, "a secret key must be an integer in [1, r - 1]"
        )
    return BlsSecretKey(secret_key)  # type: ignore[arg-type]


def get_secret_key_bytes(secret_key: BlsSecretKey) -> bytes:
    """The 32-byte big-endian encoding of a valid secret key."""
    return get_checked_secret_key(secret_key).to_bytes(SECRET_KEY_LENGTH, "big")


def get_secret_key_from_bytes(data: bytes) -> BlsSecretKey:
    """Decode a 32-byte big-endian secret key; raises INVALID_SECRET_KEY when unusable."""
    if not isinstance(data, bytes) or len(data) != SECRET_KEY_LENGTH:
        raise ConsortiumError(
            ErrorCode.INVALID_SECRET_KEY, f"a stored secret key must be {SECRET_KEY_LENGTH} bytes"
        )
    return get_checked_secret_key(int.from_bytes(data, "big"))


def _hkdf_extract(salt: bytes, ikm: bytes) -> bytes:
    return hmac.new(salt, ikm, hashlib.sha256).digest()


def _hkdf_expand(prk: bytes, info: bytes, length: int) -> bytes:
    okm = b""
    block = b""
    counter = 1
    while len(okm) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        okm += block
        counter += 1
    return okm[:length]


def check_key_material(ikm: object, key_info: object) -> None:
    """Refuse KeyGen input below the IETF minimum: raises ConsortiumError(INVALID_KEY_MATERIAL)."""
    if not isinstance(ikm, bytes) or len(ikm) < MIN_IKM_LENGTH:
        raise ConsortiumError(
            ErrorCode.INVALID_KEY_MATERIAL,
            f"key generation needs at least {MIN_IKM_LENGTH} bytes of secret randomness",
        )
    if not isinstance(key_info, bytes):
        raise ConsortiumError(ErrorCode.INVALID_KEY_MATERIAL, "key_info must be bytes")


def compute_key_gen(ikm: bytes, key_info: bytes = b"") -> BlsSecretKey:
    """IETF BLS KeyGen (draft 04 and later; py_ecc's ``KeyGen``), in hashlib/hmac only.

    ``ikm`` is the caller's secret randomness (at least 32 bytes): the core
    never draws randomness itself. With empty ``key_info`` this is EIP-2333's
    ``derive_master_SK``. Raises ConsortiumError(INVALID_KEY_MATERIAL).
    """
    check_key_material(ikm, key_info)
    salt = _KEYGEN_SALT
    secret = 0
    # The loop re-hashes the salt in the (negligible-probability) case SK == 0.
    while secret == 0:
        salt = hashlib.sha256(salt).digest()
        prk = _hkdf_extract(salt, ikm + b"\x00")
        info = key_info + _KEYGEN_OKM_LENGTH.to_bytes(2, "big")
        okm = _hkdf_expand(prk, info, _KEYGEN_OKM_LENGTH)
        secret = int.from_bytes(okm, "big") % CURVE_ORDER
    return BlsSecretKey(secret)
