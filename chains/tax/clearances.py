"""Tax-clearance certificates on the tax chain (issued and revoked by the tax bureau).

A certificate is the record ``clearance`` with id = its certificate id: the
bureau states that an enterprise has, e.g., no tax arrears for the periods
``period_from`` .. ``period_to``, valid from ``issued_on`` to ``valid_until``.
A bank reads it on the finance chain through the relay; a revoked one says
``revoked`` with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping

from chains.apps.fields import (
    get_date_error,
    get_first_error,
    get_id_error,
    get_period_error,
    get_text_error,
    get_uscc_error,
)
from chains.apps.framework import TxCall
from chains.apps.membership import Role, require_active_organisation
from chains.apps.records import create_record, get_seed_error, require_record, update_record
from chains.core.errors import ConsortiumError, ErrorCode
from chains.core.records import FieldValue
from consortium.v1 import tax_pb2

KIND_CLEARANCE = "clearance"

TX_ISSUE_CLEARANCE = "tax.clearance.issue"
TX_REVOKE_CLEARANCE = "tax.clearance.revoke"

CLEARANCE_VALID = "valid"
CLEARANCE_REVOKED = "revoked"


def get_period_shape(period: str) -> str:
    """``year``, ``quarter`` or ``month``: the shape of a period (which is already valid)."""
    if len(period) == 4:
        return "year"
    return "quarter" if period[5] == "Q" else "month"


def get_period_range_error(period_from: str, period_to: str) -> str:
    """Why ``period_from`` .. ``period_to`` is not a range of two valid periods, or "".

    Periods of one shape order as strings (``2025-Q1`` < ``2025-Q3``); periods
    of different shapes (``2025`` and ``2025-07``) do not compare, so are refused.
    """
    problem = get_first_error(get_period_error(period_from), get_period_error(period_to))
    if problem:
        return problem
    if get_period_shape(period_from) != get_period_shape(period_to):
        return (
            f"period_from {period_from} and period_to {period_to} must have the same shape "
            "(both YYYY, both YYYY-Qn or both YYYY-MM)"
        )
    if period_from > period_to:
        return f"period_from {period_from} is after period_to {period_to}"
    return ""


def describe_clearance(fields: Mapping[str, FieldValue]) -> str:
    """A one-line summary of a certificate for people (fields missing show "?").

    E.g. ``clearance TC-1 for 9144... (Acme): 2024-Q1..2024-Q4, valid 2025-01-02 to
    2025-06-30, valid``.
    """
    name = fields.get("enterprise_name")
    line = (
        f"clearance {fields.get('certificate_id', '?')} for {fields.get('enterprise', '?')}"
        f"{f' ({name})' if name else ''}: "
        f"{fields.get('period_from', '?')}..{fields.get('period_to', '?')}, "
        f"valid {fields.get('issued_on', '?')} to {fields.get('valid_until', '?')}, "
        f"{fields.get('status', '?')}"
    )
    if fields.get("status") == CLEARANCE_REVOKED:
        line += f" ({fields.get('revoked_reason', '?')})"
    if fields.get("issued_by"):
        line += f", issued by {fields['issued_by']}"
    return line


def check_issue_clearance(payload: tax_pb2.IssueClearance) -> str:
    """Why an ``IssueClearance`` payload is unusable, or ""."""
    problem = get_first_error(
        get_id_error(payload.certificate_id, "certificate_id"),
        get_uscc_error(payload.enterprise),
        get_period_range_error(payload.period_from, payload.period_to),
        get_date_error(payload.issued_on, "issued_on"),
        get_date_error(payload.valid_until, "valid_until"),
        get_text_error(payload.statement, "statement"),
        get_seed_error(payload.record_seed),
    )
    if problem:
        return problem
    if payload.issued_on > payload.valid_until:
        # ISO dates order as strings.
        return f"valid_until {payload.valid_until} is before issued_on {payload.issued_on}"
    return ""


def execute_issue_clearance(call: TxCall) -> None:
    """Issue a certificate for a registered, active enterprise (RECORD_EXISTS for a used id)."""
    payload: tax_pb2.IssueClearance = call.payload
    enterprise = require_active_organisation(call.state, payload.enterprise, Role.ROLE_ENTERPRISE)
    fields = {
        "certificate_id": payload.certificate_id,
        "enterprise": payload.enterprise,
        "enterprise_name": enterprise.name,
        "period_from": payload.period_from,
        "period_to": payload.period_to,
        "issued_on": payload.issued_on,
        "valid_until": payload.valid_until,
        "statement": payload.statement,
        "issued_by": call.sender.organisation.id,
        "status": CLEARANCE_VALID,
        "revoked_reason": "",
    }
    create_record(
        call.state,
        KIND_CLEARANCE,
        payload.certificate_id,
        fields,
        payload.record_seed,
        call.height,
    )


def check_revoke_clearance(payload: tax_pb2.RevokeClearance) -> str:
    """Why a ``RevokeClearance`` payload is unusable, or ""."""
    return get_first_error(
        get_id_error(payload.certificate_id, "certificate_id"),
        get_text_error(payload.reason, "reason"),
    )


def execute_revoke_clearance(call: TxCall) -> None:
    """Revoke a valid certificate (RECORD_NOT_FOUND, CERTIFICATE_REVOKED)."""
    payload: tax_pb2.RevokeClearance = call.payload
    certificate = require_record(call.state, KIND_CLEARANCE, payload.certificate_id)
    if certificate.fields["status"] == CLEARANCE_REVOKED:
        raise ConsortiumError(
            ErrorCode.CERTIFICATE_REVOKED,
            f"certificate {payload.certificate_id} was already revoked: "
            f"{certificate.fields['revoked_reason']}",
        )
    changes = {"status": CLEARANCE_REVOKED, "revoked_reason": payload.reason}
    update_record(call.state, certificate, changes, call.height)
