"""Filings and payments: exact fields, the arithmetic of tax_paid and status, refusals."""

from __future__ import annotations

import pytest

from chains.apps.records import read_record
from chains.core.errors import ErrorCode
from chains.tax.app import (
    FILING_FILED,
    FILING_PAID,
    FILING_PARTIALLY_PAID,
    KIND_FILING,
    KIND_PAYMENT,
    TAX_APPLICATION,
    TX_RECORD_PAYMENT,
    TX_SUBMIT_FILING,
    get_filing_id,
)
from chains.tax.filings import compute_filing_status
from tests.apps.harness import AppHarness, assert_refused, make_key, make_org
from tests.tax.helpers import (
    BUREAU,
    BUREAU_KEY,
    BUYER,
    SELLER,
    SELLER_NAME,
    assert_ok,
    filing,
    get_state_without_nonce,
    make_genesis,
    make_harness,
    make_seed,
    make_uscc,
    payment,
    suspend,
)

FILING_ID = f"{SELLER}:2025-Q1:vat"


def _filing_fields(harness: AppHarness, filing_id: str = FILING_ID) -> dict[str, object]:
    record = read_record(harness.state, KIND_FILING, filing_id)
    assert record is not None, f"no filing {filing_id}"
    return dict(record.fields)


def _filed(tax_due: int = 1_300_000) -> AppHarness:
    harness = make_harness()
    assert_ok(harness.run(BUREAU_KEY, TX_SUBMIT_FILING, filing(tax_due=tax_due)))
    return harness


def _pay(harness: AppHarness, payment_id: str, amount: int):
    payload = payment(payment_id=payment_id, amount=amount, record_seed=make_seed(payment_id))
    return harness.run(BUREAU_KEY, TX_RECORD_PAYMENT, payload)


def test_the_filing_id_is_code_period_and_tax_type() -> None:
    assert get_filing_id(SELLER, "2025-Q1", "vat") == FILING_ID


def test_a_filing_has_exactly_the_specified_fields() -> None:
    harness = _filed()
    assert _filing_fields(harness) == {
        "enterprise": SELLER,
        "enterprise_name": SELLER_NAME,
        "period": "2025-Q1",
        "tax_type": "vat",
        "taxable_amount": 10_000_000,
        "tax_due": 1_300_000,
        "tax_paid": 0,
        "filed_on": "2025-04-15",
        "filed_by": BUREAU,
        "status": FILING_FILED,
    }


def test_a_payment_has_exactly_the_specified_fields() -> None:
    harness = _filed()
    assert_ok(_pay(harness, "PAY-1", 300_000))
    record = read_record(harness.state, KIND_PAYMENT, "PAY-1")
    assert record is not None
    assert dict(record.fields) == {
        "payment_id": "PAY-1",
        "enterprise": SELLER,
        "period": "2025-Q1",
        "tax_type": "vat",
        "amount": 300_000,
        "paid_on": "2025-04-20",
        "recorded_by": BUREAU,
    }


def test_payments_add_up_to_paid() -> None:
    harness = _filed(tax_due=1_000)
    steps = [("PAY-1", 300, 300, FILING_PARTIALLY_PAID), ("PAY-2", 699, 999, FILING_PARTIALLY_PAID),
             ("PAY-3", 1, 1_000, FILING_PAID), ("PAY-4", 50, 1_050, FILING_PAID)]  # fmt: skip
    for version, (payment_id, amount, tax_paid, status) in enumerate(steps, start=2):
        assert_ok(_pay(harness, payment_id, amount))
        fields = _filing_fields(harness)
        assert (fields["tax_paid"], fields["status"]) == (tax_paid, status)
        record = read_record(harness.state, KIND_FILING, FILING_ID)
        assert record is not None and record.version == version
    assert fields["tax_due"] == 1_000  # nothing else moved


def test_one_payment_of_the_whole_amount_pays_it() -> None:
    harness = _filed(tax_due=1_300_000)
    assert_ok(_pay(harness, "PAY-1", 1_300_000))
    assert _filing_fields(harness)["status"] == FILING_PAID


def test_a_payment_against_a_nil_return_makes_it_paid() -> None:
    harness = _filed(tax_due=0)
    assert _filing_fields(harness)["status"] == FILING_FILED
    assert_ok(_pay(harness, "PAY-1", 1))
    assert _filing_fields(harness)["status"] == FILING_PAID


@pytest.mark.parametrize(
    ("tax_paid", "tax_due", "status"),
    [(0, 0, FILING_PAID), (1, 2, FILING_PARTIALLY_PAID), (2, 2, FILING_PAID), (3, 2, FILING_PAID)],
)
def test_compute_filing_status(tax_paid: int, tax_due: int, status: str) -> None:
    assert compute_filing_status(tax_paid, tax_due) == status


def _assert_refused_unchanged(harness: AppHarness, tx_type: str, payload, code) -> None:
    before = get_state_without_nonce(harness, BUREAU_KEY)
    result = harness.run(BUREAU_KEY, tx_type, payload)
    assert_refused(result, code)
    assert get_state_without_nonce(harness, BUREAU_KEY) == before


def test_a_second_filing_of_the_same_id_is_refused() -> None:
    harness = _filed()
    again = filing(tax_due=1, record_seed=make_seed("again"))
    _assert_refused_unchanged(harness, TX_SUBMIT_FILING, again, ErrorCode.RECORD_EXISTS)


def test_another_period_or_tax_is_another_filing() -> None:
    harness = _filed()
    assert_ok(harness.run(BUREAU_KEY, TX_SUBMIT_FILING, filing(period="2025-Q2")))
    assert_ok(harness.run(BUREAU_KEY, TX_SUBMIT_FILING, filing(tax_type="cit")))
    assert _filing_fields(harness, f"{SELLER}:2025-Q2:vat")["period"] == "2025-Q2"
    assert _filing_fields(harness, f"{SELLER}:2025-Q1:cit")["tax_type"] == "cit"


@pytest.mark.parametrize(
    ("enterprise", "code"),
    [(make_uscc(999), ErrorCode.MEMBER_NOT_FOUND), (BUYER, ErrorCode.MEMBER_SUSPENDED)],
)
def test_a_filing_needs_a_registered_active_enterprise(enterprise: str, code) -> None:
    harness = make_harness()
    suspend(harness, BUYER)
    _assert_refused_unchanged(harness, TX_SUBMIT_FILING, filing(enterprise=enterprise), code)


def test_a_filing_for_an_organisation_that_is_not_an_enterprise_is_refused() -> None:
    # A USCC-shaped id of a bank (genesis allows any id for non-enterprises).
    bank_id = make_uscc(77)
    genesis = make_genesis()
    genesis["organisations"].append(make_org(bank_id, "bank", make_key("uscc-bank")))
    harness = AppHarness(TAX_APPLICATION, genesis)
    _assert_refused_unchanged(
        harness, TX_SUBMIT_FILING, filing(enterprise=bank_id), ErrorCode.MEMBER_NOT_FOUND
    )


def test_a_payment_without_its_filing_is_refused() -> None:
    harness = _filed()
    _assert_refused_unchanged(
        harness, TX_RECORD_PAYMENT, payment(period="2025-Q2"), ErrorCode.RECORD_NOT_FOUND
    )


def test_a_reused_payment_id_is_refused_and_the_filing_is_unchanged() -> None:
    harness = _filed()
    assert_ok(_pay(harness, "PAY-1", 100))
    _assert_refused_unchanged(
        harness, TX_RECORD_PAYMENT, payment(payment_id="PAY-1", amount=5), ErrorCode.RECORD_EXISTS
    )
    assert _filing_fields(harness)["tax_paid"] == 100


def test_payments_are_recorded_for_a_suspended_enterprise() -> None:
    """Suspension stops an organisation acting; the bureau still collects its tax."""
    harness = _filed()
    suspend(harness, SELLER)
    assert_ok(_pay(harness, "PAY-1", 100))
    assert _filing_fields(harness)["tax_paid"] == 100
