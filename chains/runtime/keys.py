"""Key files: a validator's BLS12-381 key and an account's Ed25519 key, as JSON on disk.

A key file holds a secret, so it is written with mode 0600 and never
overwritten silently. Randomness comes from ``os.urandom`` here, at the edge;
the core only ever receives the key material (docs/keys.md).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from chains.core.crypto import Ed25519KeyPair, compute_ed25519_key_pair
from chains.core.crypto.bls import get_bls
from chains.core.errors import ConsortiumError, ErrorCode

VALIDATOR_KEY_TYPE = "bls12-381-pop"
ACCOUNT_KEY_TYPE = "ed25519"


@dataclass(frozen=True, slots=True)
class ValidatorKey:
    """A validator's BLS secret key with its public key and proof of possession."""

    name: str
    secret_key: int
    public_key: bytes
    proof_of_possession: bytes

    def __repr__(self) -> str:  # never show the secret in logs
        return f"ValidatorKey(name={self.name!r}, public_key={self.public_key.hex()[:16]}…)"


@dataclass(frozen=True, slots=True)
class AccountKey:
    """An account's Ed25519 key pair and the name it is known by."""

    name: str
    key_pair: Ed25519KeyPair

    @property
    def public_key(self) -> bytes:
        """The account's Ed25519 public key (32 bytes)."""
        return self.key_pair.public_key


def compute_validator_key(name: str, ikm: bytes) -> ValidatorKey:
    """The validator key derived from ``ikm`` (at least 32 bytes of good randomness)."""
    bls = get_bls()
    secret = bls.KeyGen(ikm)
    return ValidatorKey(name, secret, bls.SkToPk(secret), bls.PopProve(secret))


def generate_validator_key(name: str) -> ValidatorKey:
    """A fresh validator key from the operating system's randomness."""
    return compute_validator_key(name, os.urandom(32))


def generate_account_key(name: str) -> AccountKey:
    """A fresh account key from the operating system's randomness."""
    return AccountKey(name, compute_ed25519_key_pair(os.urandom(32)))


def _write_secret(path: Path, document: dict[str, object], overwrite: bool) -> None:
    if path.exists() and not overwrite:
        raise ConsortiumError(
            ErrorCode.INVALID_CONFIG, f"{path} exists; refusing to overwrite a key file"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(document, handle, indent=2)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def write_validator_key(path: Path, key: ValidatorKey, overwrite: bool = False) -> None:
    """Write ``key`` to ``path`` (mode 0600)."""
    _write_secret(
        path,
        {
            "type": VALIDATOR_KEY_TYPE,
            "name": key.name,
            "secret_key": key.secret_key.to_bytes(32, "big").hex(),
            "public_key": key.public_key.hex(),
            "proof_of_possession": key.proof_of_possession.hex(),
        },
        overwrite,
    )


def write_account_key(path: Path, key: AccountKey, overwrite: bool = False) -> None:
    """Write ``key`` to ``path`` (mode 0600)."""
    _write_secret(
        path,
        {
            "type": ACCOUNT_KEY_TYPE,
            "name": key.name,
            "seed": key.key_pair.seed.hex(),
            "public_key": key.public_key.hex(),
        },
        overwrite,
    )


def _read_document(path: Path, key_type: str) -> dict[str, object]:
    try:
        document = json.loads(Path(path).read_text())
    except (OSError, ValueError) as error:
        raise ConsortiumError(ErrorCode.INVALID_CONFIG, f"cannot read {path}: {error}") from None
    if not isinstance(document, dict) or document.get("type") != key_type:
        raise ConsortiumError(ErrorCode.INVALID_CONFIG, f"{path} is not a {key_type} key file")
    return document


def _get_hex(document: dict[str, object], name: str, path: Path) -> bytes:
    value = document.get(name)
    try:
        return bytes.fromhex(value) if isinstance(value, str) else b""
    except ValueError:
        raise ConsortiumError(ErrorCode.INVALID_CONFIG, f"{path}: {name} is not hex") from None


def read_validator_key(path: Path) -> ValidatorKey:
    """Read and check a validator key file: the public key and the proof of possession
    must be the secret's."""
    document = _read_document(path, VALIDATOR_KEY_TYPE)
    secret_bytes = _get_hex(document, "secret_key", path)
    if len(secret_bytes) != 32:
        raise ConsortiumError(ErrorCode.INVALID_CONFIG, f"{path}: the secret key is not 32 bytes")
    bls = get_bls()
    secret = int.from_bytes(secret_bytes, "big")
    try:
        public_key = bls.SkToPk(secret)
    except (ConsortiumError, ValueError) as error:
        raise ConsortiumError(ErrorCode.INVALID_CONFIG, f"{path}: {error}") from None
    if public_key != _get_hex(document, "public_key", path):
        raise ConsortiumError(
            ErrorCode.INVALID_CONFIG, f"{path}: the public key does not match the secret key"
        )
    proof = _get_hex(document, "proof_of_possession", path)
    if not bls.PopVerify(public_key, proof):
        raise ConsortiumError(
            ErrorCode.INVALID_CONFIG, f"{path}: the proof of possession is not this key's"
        )
    name = document.get("name")
    return ValidatorKey(name if isinstance(name, str) else "", secret, public_key, proof)


def read_account_key(path: Path) -> AccountKey:
    """Read and check an account key file: the public key must match the seed."""
    document = _read_document(path, ACCOUNT_KEY_TYPE)
    seed = _get_hex(document, "seed", path)
    if len(seed) != 32:
        raise ConsortiumError(ErrorCode.INVALID_CONFIG, f"{path}: the seed is not 32 bytes")
    key_pair = compute_ed25519_key_pair(seed)
    if key_pair.public_key != _get_hex(document, "public_key", path):
        raise ConsortiumError(
            ErrorCode.INVALID_CONFIG, f"{path}: the public key does not match the seed"
        )
    name = document.get("name")
    return AccountKey(name if isinstance(name, str) else "", key_pair)
