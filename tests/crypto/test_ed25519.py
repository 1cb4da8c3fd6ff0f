"""Ed25519 accounts: RFC 8032 vectors, round trip, tampering, and never-raise verification."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chains.core.crypto import (
    compute_ed25519_key_pair,
    is_valid_ed25519_public_key,
    sign_ed25519,
    verify_ed25519,
)
from chains.core.errors import ConsortiumError, ErrorCode, Verdict

RFC8032 = json.loads((Path(__file__).parent / "vectors" / "rfc8032_ed25519.json").read_text())
SEED = bytes(range(32))
MESSAGE = b"consent: bank B may read tax filings 2023-2025 for loan L"


@pytest.mark.parametrize("case", RFC8032["cases"], ids=lambda c: c["name"])
def test_rfc8032_vectors(case: dict[str, Any]) -> None:
    key_pair = compute_ed25519_key_pair(bytes.fromhex(case["secret_key"]))
    message = bytes.fromhex(case["message"])
    assert key_pair.public_key.hex() == case["public_key"]
    assert sign_ed25519(key_pair, message).hex() == case["signature"]
    assert verify_ed25519(key_pair.public_key, message, bytes.fromhex(case["signature"])).ok


def test_sign_and_verify_round_trip() -> None:
    key_pair = compute_ed25519_key_pair(SEED)
    signature = sign_ed25519(key_pair, MESSAGE)
    assert len(signature) == 64
    assert verify_ed25519(key_pair.public_key, MESSAGE, signature).ok
    assert SEED.hex() not in repr(key_pair)


@pytest.mark.parametrize("index", range(0, 64, 5))
def test_tampered_signature_is_refused(index: int) -> None:
    key_pair = compute_ed25519_key_pair(SEED)
    signature = bytearray(sign_ed25519(key_pair, MESSAGE))
    signature[index] ^= 0x01
    verdict = verify_ed25519(key_pair.public_key, MESSAGE, bytes(signature))
    assert verdict.code == ErrorCode.BAD_SIGNATURE


def test_tampered_message_and_other_key_are_refused() -> None:
    key_pair = compute_ed25519_key_pair(SEED)
    other = compute_ed25519_key_pair(bytes(32))
    signature = sign_ed25519(key_pair, MESSAGE)
    assert verify_ed25519(key_pair.public_key, MESSAGE + b".", signature).code == (
        ErrorCode.BAD_SIGNATURE
    )
    assert verify_ed25519(other.public_key, MESSAGE, signature).code == ErrorCode.BAD_SIGNATURE


@pytest.mark.parametrize(
    ("public_key", "signature", "code"),
    [
        (b"\x01" * 31, bytes(64), ErrorCode.INVALID_PUBLIC_KEY),
        ("k" * 32, bytes(64), ErrorCode.INVALID_PUBLIC_KEY),
        # The identity point (small order): would accept forged signatures if allowed.
        (b"\x01" + bytes(31), bytes([1]) + bytes(63), ErrorCode.INVALID_PUBLIC_KEY),
        (None, bytes(64), ErrorCode.INVALID_PUBLIC_KEY),
        ("valid", bytes(63), ErrorCode.INVALID_SIGNATURE_ENCODING),
        ("valid", None, ErrorCode.INVALID_SIGNATURE_ENCODING),
    ],
)
def test_malformed_inputs_get_their_code(public_key: Any, signature: Any, code: ErrorCode) -> None:
    if public_key == "valid":
        public_key = compute_ed25519_key_pair(SEED).public_key
    assert verify_ed25519(public_key, MESSAGE, signature).code == code


def test_non_bytes_message_is_refused() -> None:
    key_pair = compute_ed25519_key_pair(SEED)
    signature = sign_ed25519(key_pair, MESSAGE)
    assert verify_ed25519(key_pair.public_key, MESSAGE.decode(), signature).code == (
        ErrorCode.MALFORMED_INPUT
    )
    with pytest.raises(ConsortiumError) as error:
        sign_ed25519(key_pair, "text")  # type: ignore[arg-type]
    assert error.value.code == ErrorCode.MALFORMED_INPUT


@pytest.mark.parametrize("seed", [b"", bytes(31), bytes(33), "s" * 32, None])
def test_bad_seed_is_refused(seed: Any) -> None:
    with pytest.raises(ConsortiumError) as error:
        compute_ed25519_key_pair(seed)
    assert error.value.code == ErrorCode.INVALID_KEY_MATERIAL


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    public_key=st.one_of(st.binary(max_size=40), st.binary(min_size=32, max_size=32)),
    message=st.binary(max_size=64),
    signature=st.one_of(st.binary(max_size=70), st.binary(min_size=64, max_size=64)),
)
def test_random_bytes_are_refused_without_raising(
    public_key: bytes, message: bytes, signature: bytes
) -> None:
    verdict = verify_ed25519(public_key, message, signature)
    assert isinstance(verdict, Verdict) and not verdict.ok
    assert isinstance(is_valid_ed25519_public_key(public_key), bool)
