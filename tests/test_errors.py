"""Error codes are stable, verdicts behave, and the typed error carries its code."""

from __future__ import annotations

import pytest

from chains.core.errors import ACCEPTED, ConsortiumError, ErrorCode, Verdict, refuse


def test_codes_are_unique_and_grouped_in_blocks_of_100() -> None:
    values = [c.value for c in ErrorCode]
    assert len(values) == len(set(values))
    assert ErrorCode.MALFORMED_INPUT < 100 <= ErrorCode.INVALID_SECRET_KEY < 200
    assert 200 <= ErrorCode.MERKLE_INDEX_OUT_OF_RANGE < 300
    assert 300 <= ErrorCode.STATE_PROOF_MALFORMED < 400
    assert 400 <= ErrorCode.RECORD_MALFORMED < 500
    assert 500 <= ErrorCode.INSUFFICIENT_VOTING_POWER < 600


def test_accepted_verdict_is_truthy_and_a_refusal_is_not() -> None:
    assert ACCEPTED.ok and bool(ACCEPTED)
    refusal = refuse(ErrorCode.BAD_SIGNATURE, "the signature does not match")
    assert not refusal.ok and not refusal
    assert refusal.code is ErrorCode.BAD_SIGNATURE


def test_refusal_needs_a_code() -> None:
    with pytest.raises(ValueError):
        refuse(ErrorCode.ERROR_CODE_UNSPECIFIED, "no")


def test_raise_for_error_raises_the_typed_error_with_its_code() -> None:
    ACCEPTED.raise_for_error()
    with pytest.raises(ConsortiumError) as caught:
        Verdict(ErrorCode.MERKLE_ROOT_MISMATCH, "root differs").raise_for_error()
    assert caught.value.code is ErrorCode.MERKLE_ROOT_MISMATCH
    assert "MERKLE_ROOT_MISMATCH" in str(caught.value)
    assert caught.value.to_verdict() == Verdict(ErrorCode.MERKLE_ROOT_MISMATCH, "root differs")
