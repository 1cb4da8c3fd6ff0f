"""Known-answer vectors of ethereum/bls12-381-tests, against both BLS backends.

The data is in ``vectors/eth_bls12_381_tests.json`` (source named inside).
py_ecc is the reference; the fast backend must give the same answers, and its
verdicts must carry the code that says what was wrong.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from chains.core.crypto.bls import (
    BlsBackend,
    BlsSecretKey,
    get_bls,
    verify_fast_aggregate,
    verify_public_key,
    verify_signature,
    verify_signature_encoding,
)
from chains.core.errors import ConsortiumError, ErrorCode

SUITE = json.loads((Path(__file__).parent / "vectors" / "eth_bls12_381_tests.json").read_text())


def get_cases(handler: str) -> list[Any]:
    """The cases of one handler, with their names as pytest ids."""
    return [pytest.param(case, id=case["name"]) for case in SUITE[handler]]


def test_the_suite_is_the_pop_ciphersuite() -> None:
    assert SUITE["ciphersuite"] == "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_"
    assert "bls12-381-tests" in SUITE["source"]


@pytest.mark.parametrize("case", get_cases("sign"))
def test_sign(backend: BlsBackend, case: dict[str, Any]) -> None:
    secret_key = BlsSecretKey(int(case["input"]["privkey"], 16))
    message = bytes.fromhex(case["input"]["message"])
    if case["output"] is None:
        with pytest.raises(ConsortiumError) as error:
            backend.Sign(secret_key, message)
        assert error.value.code == ErrorCode.INVALID_SECRET_KEY
    else:
        assert backend.Sign(secret_key, message).hex() == case["output"]


@pytest.mark.parametrize("case", get_cases("verify"))
def test_verify(backend: BlsBackend, case: dict[str, Any]) -> None:
    public_key = bytes.fromhex(case["input"]["pubkey"])
    message = bytes.fromhex(case["input"]["message"])
    signature = bytes.fromhex(case["input"]["signature"])
    assert backend.Verify(public_key, message, signature) is case["output"]


@pytest.mark.parametrize("case", get_cases("verify"))
def test_verify_verdict_codes(case: dict[str, Any]) -> None:
    """The production verdicts say why (py_ecc's agree: see the differential tests)."""
    public_key = bytes.fromhex(case["input"]["pubkey"])
    message = bytes.fromhex(case["input"]["message"])
    signature = bytes.fromhex(case["input"]["signature"])
    verdict = verify_signature(public_key, message, signature)
    name = case["name"]
    if case["output"]:
        assert verdict.ok
    elif "infinity_pubkey" in name:
        assert verdict.code == ErrorCode.INVALID_PUBLIC_KEY
    elif "wrong_pubkey" in name:
        assert verdict.code == ErrorCode.BAD_SIGNATURE
    else:  # tampered: the changed bytes no longer encode a point of the subgroup
        assert verdict.code == ErrorCode.INVALID_SIGNATURE_ENCODING


@pytest.mark.parametrize("case", get_cases("aggregate"))
def test_aggregate(backend: BlsBackend, case: dict[str, Any]) -> None:
    signatures = [bytes.fromhex(s) for s in case["input"]]
    if case["output"] is None:
        with pytest.raises(ConsortiumError) as error:
            backend.Aggregate(signatures)
        assert error.value.code == ErrorCode.EMPTY_SIGNER_SET
    else:
        assert backend.Aggregate(signatures).hex() == case["output"]


@pytest.mark.parametrize("case", get_cases("fast_aggregate_verify"))
def test_fast_aggregate_verify(backend: BlsBackend, case: dict[str, Any]) -> None:
    public_keys = [bytes.fromhex(pk) for pk in case["input"]["pubkeys"]]
    message = bytes.fromhex(case["input"]["message"])
    signature = bytes.fromhex(case["input"]["signature"])
    assert backend.FastAggregateVerify(public_keys, message, signature) is case["output"]


@pytest.mark.parametrize("case", get_cases("fast_aggregate_verify"))
def test_fast_aggregate_verify_verdict_codes(case: dict[str, Any]) -> None:
    public_keys = [bytes.fromhex(pk) for pk in case["input"]["pubkeys"]]
    message = bytes.fromhex(case["input"]["message"])
    signature = bytes.fromhex(case["input"]["signature"])
    verdict = verify_fast_aggregate(public_keys, message, signature)
    name = case["name"]
    expected = {
        "valid": None,
        "extra_pubkey": ErrorCode.BAD_SIGNATURE,
        "infinity_pubkey": ErrorCode.INVALID_PUBLIC_KEY,
        "na_pubkeys": ErrorCode.EMPTY_SIGNER_SET,
        "tampered_signature": ErrorCode.INVALID_SIGNATURE_ENCODING,
    }
    kind = next(k for k in expected if name.startswith(f"fast_aggregate_verify_{k}"))
    if expected[kind] is None:
        assert verdict.ok
    else:
        assert verdict.code == expected[kind]


@pytest.mark.parametrize("case", get_cases("deserialization_G1"))
def test_public_key_deserialization(backend: BlsBackend, case: dict[str, Any]) -> None:
    """KeyValidate accepts exactly the decodable points, minus the identity."""
    public_key = bytes.fromhex(case["input"]["pubkey"])
    is_identity = "infinity_with_true_b_flag" in case["name"] and case["output"]
    expected = case["output"] and not is_identity
    assert backend.KeyValidate(public_key) is expected
    verdict = verify_public_key(public_key, backend)
    assert verdict.ok is expected
    if not expected:
        assert verdict.code == ErrorCode.INVALID_PUBLIC_KEY


@pytest.mark.parametrize("case", get_cases("deserialization_G2"))
def test_signature_deserialization(backend: BlsBackend, case: dict[str, Any]) -> None:
    """A signature decodes (identity included) exactly when the suite says it does."""
    signature = bytes.fromhex(case["input"]["signature"])
    verdict = verify_signature_encoding(signature, backend)
    assert verdict.ok is case["output"]
    if not case["output"]:
        assert verdict.code == ErrorCode.INVALID_SIGNATURE_ENCODING


def test_vectors_exercise_the_default_backend() -> None:
    assert get_bls().name == "fast"
