"""Tax filings and payments on the tax chain (sent by the tax bureau).

A filing is the record ``filing`` with id ``<uscc>:<period>:<tax_type>``: one
return per enterprise, period and tax. Each payment is its own record
``payment`` and raises the filing's ``tax_paid``; the filing's status follows
(``filed`` -> ``partially_paid`` -> ``paid`` once ``tax_paid >= tax_due``).
"""

from __future__ import annotations

from chains.apps.fields import (
    get_amount_error,
    get_date_error,
    get_first_error,
    get_id_error,
    get_period_error,
    get_uscc_error,
)
from chains.apps.framework import TxCall
from chains.apps.membership import Role, require_active_organisation
from chains.apps.records import create_record, get_seed_error, read_record, update_record
from chains.core.errors import ConsortiumError, ErrorCode
from consortium.v1 import tax_pb2

KIND_FILING = "filing"
KIND_PAYMENT = "payment"

TX_SUBMIT_FILING = "tax.filing.submit"
TX_RECORD_PAYMENT = "tax.payment.record"

FILING_FILED = "filed"
FILING_PARTIALLY_PAID = "partially_paid"
FILING_PAID = "paid"


def get_filing_id(enterprise: str, period: str, tax_type: str) -> str:
    """The id of the filing of ``enterprise`` for ``period`` and ``tax_type``."""
    return f"{enterprise}:{period}:{tax_type}"


def compute_filing_status(tax_paid: int, tax_due: int) -> str:
    """The status of a filing once something was paid: paid in full, or partially."""
    return FILING_PAID if tax_paid >= tax_due else FILING_PARTIALLY_PAID


def check_submit_filing(payload: tax_pb2.SubmitFiling) -> str:
    """Why a ``SubmitFiling`` payload is unusable, or ""."""
    return get_first_error(
        get_uscc_error(payload.enterprise),
        get_period_error(payload.period),
        get_id_error(payload.tax_type, "tax_type"),
        get_amount_error(payload.taxable_amount, "taxable_amount"),
        get_amount_error(payload.tax_due, "tax_due"),
        get_date_error(payload.filed_on, "filed_on"),
        get_seed_error(payload.record_seed),
    )


def execute_submit_filing(call: TxCall) -> None:
    """Record an enterprise's return (RECORD_EXISTS for a second one of the same id)."""
    payload: tax_pb2.SubmitFiling = call.payload
    enterprise = require_active_organisation(call.state, payload.enterprise, Role.ROLE_ENTERPRISE)
    fields = {
        "enterprise": payload.enterprise,
        "enterprise_name": enterprise.name,
        "period": payload.period,
        "tax_type": payload.tax_type,
        "taxable_amount": payload.taxable_amount,
        "tax_due": payload.tax_due,
        "tax_paid": 0,
        "filed_on": payload.filed_on,
        "filed_by": call.sender.organisation.id,
        "status": FILING_FILED,
    }
    filing_id = get_filing_id(payload.enterprise, payload.period, payload.tax_type)
    create_record(call.state, KIND_FILING, filing_id, fields, payload.record_seed, call.height)


def check_record_payment(payload: tax_pb2.RecordPayment) -> str:
    """Why a ``RecordPayment`` payload is unusable, or ""."""
    return get_first_error(
        get_id_error(payload.payment_id, "payment_id"),
        get_uscc_error(payload.enterprise),
        get_period_error(payload.period),
        get_id_error(payload.tax_type, "tax_type"),
        get_amount_error(payload.amount, "amount", allow_zero=False),
        get_date_error(payload.paid_on, "paid_on"),
        get_seed_error(payload.record_seed),
    )


def execute_record_payment(call: TxCall) -> None:
    """Record a payment against its filing (RECORD_NOT_FOUND, RECORD_EXISTS) and update it."""
    payload: tax_pb2.RecordPayment = call.payload
    filing_id = get_filing_id(payload.enterprise, payload.period, payload.tax_type)
    filing = read_record(call.state, KIND_FILING, filing_id)
    if filing is None:
        raise ConsortiumError(
            ErrorCode.RECORD_NOT_FOUND,
            f"there is no filing {filing_id!r}: submit it before recording payments against it",
        )
    fields = {
        "payment_id": payload.payment_id,
        "enterprise": payload.enterprise,
        "period": payload.period,
        "tax_type": payload.tax_type,
        "amount": payload.amount,
        "paid_on": payload.paid_on,
        "recorded_by": call.sender.organisation.id,
    }
    create_record(
        call.state, KIND_PAYMENT, payload.payment_id, fields, payload.record_seed, call.height
    )
    tax_paid = filing.fields["tax_paid"] + payload.amount
    changes = {
        "tax_paid": tax_paid,
        "status": compute_filing_status(tax_paid, filing.fields["tax_due"]),
    }
    update_record(call.state, filing, changes, call.height)
