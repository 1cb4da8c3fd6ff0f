"""Hypothesis: no bytes and no type make a ``verify_*`` function raise; random input is refused.

Both backends. Inputs are either raw random bytes or a valid encoding with a
few bytes changed (which reaches the curve and subgroup checks far more often
than raw noise). The fast backend's verdict codes must equal py_ecc's.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chains.core.crypto.bls import (
    BACKEND_NAMES,
    BlsSecretKey,
    get_bls,
    verify_fast_aggregate,
    verify_proof_of_possession,
    verify_public_key,
    verify_signature,
    verify_signature_encoding,
)
from chains.core.errors import ConsortiumError, Verdict

SECRET_KEY = BlsSecretKey(0x328388AFF0D4A5B7DC9205ABD374E7E98F3CD9F3418EDB4EAFDA5FB16473D216)
MESSAGE = b"fuzz"
PUBLIC_KEY = get_bls("fast").SkToPk(SECRET_KEY)
SIGNATURE = get_bls("fast").Sign(SECRET_KEY, MESSAGE)
PROOF = get_bls("fast").PopProve(SECRET_KEY)

EXAMPLES = {"fast": 300, "py_ecc": 25}  # py_ecc spends up to ~0.6 s on one example


def mutated(valid: bytes) -> st.SearchStrategy[bytes]:
    """``valid`` with one to three bytes replaced (the result differs from ``valid``)."""

    @st.composite
    def build(draw: st.DrawFn) -> bytes:
        data = bytearray(valid)
        for _ in range(draw(st.integers(1, 3))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
        return bytes(data)

    return build().filter(lambda data: data != valid)


def public_keys() -> st.SearchStrategy[Any]:
    """Random and near-valid public keys, wrong lengths and wrong types included."""
    return st.one_of(
        st.binary(max_size=100),
        st.binary(min_size=48, max_size=48),
        mutated(PUBLIC_KEY),
        st.none(),
        st.text(max_size=48),
        st.integers(),
    )


def signatures() -> st.SearchStrategy[Any]:
    """Random and near-valid signatures, wrong lengths and wrong types included."""
    return st.one_of(
        st.binary(max_size=200),
        st.binary(min_size=96, max_size=96),
        mutated(SIGNATURE),
        st.none(),
        st.lists(st.binary(max_size=4), max_size=2),
    )


def call_verdict(function: Any, *arguments: Any) -> Verdict:
    """Call a ``verify_*`` function: it may return a verdict or raise ConsortiumError only."""
    try:
        verdict = function(*arguments)
    except ConsortiumError as error:
        return error.to_verdict()
    assert isinstance(verdict, Verdict)
    return verdict


@pytest.mark.parametrize("name", BACKEND_NAMES)
def test_random_public_keys_are_refused(name: str) -> None:
    backend = get_bls(name)

    @settings(max_examples=EXAMPLES[name], deadline=None, derandomize=True)
    @given(public_key=public_keys())
    def check(public_key: Any) -> None:
        assert not call_verdict(verify_public_key, public_key, backend).ok
        assert not call_verdict(verify_signature, public_key, MESSAGE, SIGNATURE, backend).ok
        assert not call_verdict(
            verify_fast_aggregate, [PUBLIC_KEY, public_key], MESSAGE, SIGNATURE, backend
        ).ok
        assert not call_verdict(verify_proof_of_possession, public_key, PROOF, backend).ok
        assert backend.KeyValidate(public_key) is False

    check()


@pytest.mark.parametrize("name", BACKEND_NAMES)
def test_random_signatures_are_refused(name: str) -> None:
    backend = get_bls(name)

    @settings(max_examples=EXAMPLES[name], deadline=None, derandomize=True)
    @given(signature=signatures())
    def check(signature: Any) -> None:
        assert not call_verdict(verify_signature, PUBLIC_KEY, MESSAGE, signature, backend).ok
        assert backend.Verify(PUBLIC_KEY, MESSAGE, signature) is False
        if name == "fast":  # py_ecc pays a pairing per call; once per example is enough
            assert not call_verdict(verify_proof_of_possession, PUBLIC_KEY, signature).ok
            assert not call_verdict(verify_fast_aggregate, [PUBLIC_KEY], MESSAGE, signature).ok
        call_verdict(verify_signature_encoding, signature, backend)

    check()


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(public_key=st.one_of(mutated(PUBLIC_KEY), st.binary(min_size=48, max_size=48)))
def test_public_key_verdicts_equal_py_ecc(public_key: bytes) -> None:
    fast = call_verdict(verify_public_key, public_key, get_bls("fast"))
    reference = call_verdict(verify_public_key, public_key, get_bls("py_ecc"))
    assert fast.code == reference.code


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(signature=st.one_of(mutated(SIGNATURE), st.binary(min_size=96, max_size=96)))
def test_signature_encoding_verdicts_equal_py_ecc(signature: bytes) -> None:
    fast = call_verdict(verify_signature_encoding, signature, get_bls("fast"))
    reference = call_verdict(verify_signature_encoding, signature, get_bls("py_ecc"))
    assert fast.code == reference.code
