"""IETF KeyGen: EIP-2333 master-key vectors, equal secret keys on both backends."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from py_ecc.bls import G2ProofOfPossession

from chains.core.crypto.bls import (
    CURVE_ORDER,
    BlsBackend,
    BlsSecretKey,
    compute_key_gen,
    get_bls,
    get_secret_key_bytes,
    get_secret_key_from_bytes,
    verify_key_material,
    verify_secret_key,
)
from chains.core.errors import ConsortiumError, ErrorCode

EIP2333 = json.loads((Path(__file__).parent / "vectors" / "eip2333_keygen.json").read_text())


@pytest.mark.parametrize("case", EIP2333["cases"], ids=lambda c: c["seed"][:16])
def test_keygen_matches_eip2333_master_keys(backend: BlsBackend, case: dict[str, Any]) -> None:
    ikm = bytes.fromhex(case["seed"])
    assert backend.KeyGen(ikm) == int(case["master_SK"])
    # py_ecc's own KeyGen (no length guard) is the oracle of the vector file itself.
    assert G2ProofOfPossession.KeyGen(ikm) == int(case["master_SK"])


@pytest.mark.parametrize("index", range(20))
def test_keygen_is_identical_with_key_info(index: int) -> None:
    ikm = hashlib.sha256(b"keygen-ikm" + bytes([index])).digest() * (1 + index % 3)
    key_info = b"consortium validator" * (index % 2)
    expected = G2ProofOfPossession.KeyGen(ikm, key_info)
    assert compute_key_gen(ikm, key_info) == expected
    assert get_bls("fast").KeyGen(ikm, key_info) == expected
    assert get_bls("py_ecc").KeyGen(ikm, key_info) == expected


@pytest.mark.parametrize("ikm", [b"", b"\x01" * 31, "x" * 32, None, bytearray(32)])
def test_keygen_refuses_short_or_non_bytes_material(backend: BlsBackend, ikm: object) -> None:
    with pytest.raises(ConsortiumError) as error:
        backend.KeyGen(ikm)  # type: ignore[arg-type]
    assert error.value.code == ErrorCode.INVALID_KEY_MATERIAL
    assert verify_key_material(ikm).code == ErrorCode.INVALID_KEY_MATERIAL


def test_keygen_refuses_non_bytes_key_info(backend: BlsBackend) -> None:
    with pytest.raises(ConsortiumError) as error:
        backend.KeyGen(b"\x07" * 32, "info")  # type: ignore[arg-type]
    assert error.value.code == ErrorCode.INVALID_KEY_MATERIAL


def test_secret_key_bytes_round_trip() -> None:
    secret_key = compute_key_gen(b"\x42" * 32)
    data = get_secret_key_bytes(secret_key)
    assert len(data) == 32
    assert get_secret_key_from_bytes(data) == secret_key
    assert verify_secret_key(secret_key).ok


@pytest.mark.parametrize(
    "data", [bytes(32), CURVE_ORDER.to_bytes(32, "big"), b"\xff" * 32, b"\x01" * 31, "00" * 32]
)
def test_secret_key_from_bytes_refuses_unusable_values(data: object) -> None:
    with pytest.raises(ConsortiumError) as error:
        get_secret_key_from_bytes(data)  # type: ignore[arg-type]
    assert error.value.code == ErrorCode.INVALID_SECRET_KEY


@pytest.mark.parametrize("secret_key", [0, -1, CURVE_ORDER, CURVE_ORDER + 1, True, "1", 1.0, None])
def test_invalid_secret_keys_are_refused(backend: BlsBackend, secret_key: object) -> None:
    assert verify_secret_key(secret_key).code == ErrorCode.INVALID_SECRET_KEY
    sk = BlsSecretKey(secret_key)  # type: ignore[arg-type]
    for operation in (backend.SkToPk, backend.PopProve, lambda s: backend.Sign(s, b"m")):
        with pytest.raises(ConsortiumError) as error:
            operation(sk)
        assert error.value.code == ErrorCode.INVALID_SECRET_KEY
