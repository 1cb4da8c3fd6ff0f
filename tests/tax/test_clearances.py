"""Tax-clearance certificates: issue, revoke, refusals, and their one-line description."""

from __future__ import annotations

import pytest

from chains.apps.records import read_record
from chains.core.errors import ErrorCode
from chains.tax.app import (
    CLEARANCE_REVOKED,
    CLEARANCE_VALID,
    KIND_CLEARANCE,
    TX_ISSUE_CLEARANCE,
    TX_REVOKE_CLEARANCE,
    describe_clearance,
)
from chains.tax.clearances import get_period_range_error, get_period_shape
from tests.apps.harness import AppHarness, assert_refused
from tests.tax.helpers import (
    BUREAU,
    BUREAU_KEY,
    BUYER,
    SELLER,
    SELLER_NAME,
    assert_ok,
    clearance,
    get_state_without_nonce,
    make_harness,
    make_seed,
    make_uscc,
    revoke,
    suspend,
)

VALID_FIELDS = {
    "certificate_id": "CERT-1",
    "enterprise": SELLER,
    "enterprise_name": SELLER_NAME,
    "period_from": "2024-Q1",
    "period_to": "2024-Q4",
    "issued_on": "2025-01-10",
    "valid_until": "2025-07-10",
    "statement": "no tax arrears for the periods covered",
    "issued_by": BUREAU,
    "status": CLEARANCE_VALID,
    "revoked_reason": "",
}


def _fields(harness: AppHarness, certificate_id: str = "CERT-1") -> dict[str, object]:
    record = read_record(harness.state, KIND_CLEARANCE, certificate_id)
    assert record is not None
    return dict(record.fields)


def _issued() -> AppHarness:
    harness = make_harness()
    assert_ok(harness.run(BUREAU_KEY, TX_ISSUE_CLEARANCE, clearance()))
    return harness


def _assert_refused_unchanged(harness: AppHarness, tx_type: str, payload, code) -> None:
    before = get_state_without_nonce(harness, BUREAU_KEY)
    assert_refused(harness.run(BUREAU_KEY, tx_type, payload), code)
    assert get_state_without_nonce(harness, BUREAU_KEY) == before


def test_a_certificate_has_exactly_the_specified_fields() -> None:
    assert _fields(_issued()) == VALID_FIELDS


def test_revoking_keeps_everything_but_status_and_reason() -> None:
    harness = _issued()
    assert_ok(harness.run(BUREAU_KEY, TX_REVOKE_CLEARANCE, revoke()))
    assert _fields(harness) == {
        **VALID_FIELDS,
        "status": CLEARANCE_REVOKED,
        "revoked_reason": "arrears found in audit",
    }
    record = read_record(harness.state, KIND_CLEARANCE, "CERT-1")
    assert record is not None and record.version == 2


def test_revoking_twice_is_refused() -> None:
    harness = _issued()
    assert_ok(harness.run(BUREAU_KEY, TX_REVOKE_CLEARANCE, revoke()))
    _assert_refused_unchanged(
        harness, TX_REVOKE_CLEARANCE, revoke(reason="again"), ErrorCode.CERTIFICATE_REVOKED
    )


def test_revoking_an_unknown_certificate_is_refused() -> None:
    harness = _issued()
    _assert_refused_unchanged(
        harness, TX_REVOKE_CLEARANCE, revoke(certificate_id="CERT-9"), ErrorCode.RECORD_NOT_FOUND
    )


def test_a_used_certificate_id_is_refused() -> None:
    harness = _issued()
    again = clearance(enterprise=BUYER, record_seed=make_seed("again"))
    _assert_refused_unchanged(harness, TX_ISSUE_CLEARANCE, again, ErrorCode.RECORD_EXISTS)


@pytest.mark.parametrize(
    ("enterprise", "code"),
    [
        (make_uscc(999), ErrorCode.MEMBER_NOT_FOUND),
        (BUYER, ErrorCode.MEMBER_SUSPENDED),
    ],
)
def test_a_certificate_needs_a_registered_active_enterprise(enterprise: str, code) -> None:
    harness = make_harness()
    suspend(harness, BUYER)
    _assert_refused_unchanged(harness, TX_ISSUE_CLEARANCE, clearance(enterprise=enterprise), code)


def test_a_certificate_of_a_single_period_and_day_is_fine() -> None:
    harness = make_harness()
    payload = clearance(
        period_from="2024", period_to="2024", issued_on="2025-01-10", valid_until="2025-01-10"
    )
    assert_ok(harness.run(BUREAU_KEY, TX_ISSUE_CLEARANCE, payload))


@pytest.mark.parametrize(
    ("period", "shape"), [("2024", "year"), ("2024-Q3", "quarter"), ("2024-07", "month")]
)
def test_period_shape(period: str, shape: str) -> None:
    assert get_period_shape(period) == shape


@pytest.mark.parametrize(
    ("period_from", "period_to", "fine"),
    [
        ("2024-Q1", "2024-Q4", True),
        ("2024-Q4", "2024-Q4", True),
        ("2024-12", "2025-01", True),
        ("2023", "2024", True),
        ("2024-Q4", "2024-Q1", False),
        ("2025-01", "2024-12", False),
        ("2024", "2024-12", False),
        ("2024-Q1", "2024-03", False),  # same length, different shape
        ("2024-Q1", "", False),
    ],
)
def test_period_range(period_from: str, period_to: str, fine: bool) -> None:
    assert (get_period_range_error(period_from, period_to) == "") is fine


def test_describe_clearance() -> None:
    line = describe_clearance(VALID_FIELDS)
    assert line == (
        f"clearance CERT-1 for {SELLER} ({SELLER_NAME}): 2024-Q1..2024-Q4, "
        f"valid 2025-01-10 to 2025-07-10, valid, issued by {BUREAU}"
    )
    revoked = {**VALID_FIELDS, "status": CLEARANCE_REVOKED, "revoked_reason": "arrears"}
    assert "revoked (arrears)" in describe_clearance(revoked)
    assert describe_clearance({"status": "valid"}) == "clearance ? for ?: ?..?, valid ? to ?, valid"
