"""E-invoices on the tax chain: issue, red letter, transfer, lock, reimburse, declare.

An invoice is the record ``invoice`` with id = its number. A blue invoice is
issued by an enterprise (the seller) to a buyer, who holds it first. Its
status moves only forward:

====================  =================================  ==================
from                  transaction (sender)               to
====================  =================================  ==================
(none)                ``tax.invoice.issue`` (seller)     issued
issued, transferred   ``tax.invoice.transfer`` (holder)  transferred
issued, transferred   ``tax.invoice.lock`` (holder)      locked
issued, transferred,  ``tax.invoice.reimburse``          reimbursed
locked by the sender  (holder)
reimbursed            ``tax.invoice.declare`` (holder)   declared
issued, transferred   ``tax.invoice.red_letter``         cancelled
                      (seller)
====================  =================================  ==================

A red-letter invoice is a new record (``invoice_type`` "red", amounts
negated, ``original_number`` set) that cancels its original; it takes no
further step. Reimbursement happens exactly once: of competing
reimbursements, the first one executed wins, and every later one learns why
it failed (INVOICE_ALREADY_REIMBURSED).

The ``verify_can_*`` functions decide each step from the invoice's fields
and the sender's organisation alone (pure), in the order of checks the
refusal codes promise; the handlers read and write the state around them.
"""

from __future__ import annotations

from collections.abc import Mapping

from chains.apps.fields import (
    get_amount_error,
    get_date_error,
    get_first_error,
    get_id_error,
    get_period_error,
    get_text_error,
)
from chains.apps.framework import ANY_ROLE, TxCall
from chains.apps.membership import Role, get_role_name, require_active_organisation
from chains.apps.records import (
    StoredRecord,
    create_record,
    get_seed_error,
    read_record,
    update_record,
)
from chains.core.app import StateReader
from chains.core.errors import ACCEPTED, ConsortiumError, ErrorCode, Verdict, refuse
from chains.core.records import FieldValue
from consortium.v1 import membership_pb2, tax_pb2

KIND_INVOICE = "invoice"

TX_ISSUE_INVOICE = "tax.invoice.issue"
TX_RED_LETTER = "tax.invoice.red_letter"
TX_TRANSFER_INVOICE = "tax.invoice.transfer"
TX_LOCK_INVOICE = "tax.invoice.lock"
TX_REIMBURSE_INVOICE = "tax.invoice.reimburse"
TX_DECLARE_INVOICE = "tax.invoice.declare"

INVOICE_BLUE = "blue"
INVOICE_RED = "red"

STATUS_ISSUED = "issued"
STATUS_TRANSFERRED = "transferred"
STATUS_LOCKED = "locked"
STATUS_REIMBURSED = "reimbursed"
STATUS_DECLARED = "declared"
STATUS_CANCELLED = "cancelled"
INVOICE_STATUSES = (
    STATUS_ISSUED,
    STATUS_TRANSFERRED,
    STATUS_LOCKED,
    STATUS_REIMBURSED,
    STATUS_DECLARED,
    STATUS_CANCELLED,
)

MAX_TAX_RATE_BP = 10_000
"""100 %: a rate is in basis points of the amount."""

HOLDER_ROLES: frozenset[int] = ANY_ROLE - {Role.ROLE_TAX_BUREAU, Role.ROLE_AUDITOR, Role.ROLE_RELAY}
"""Who may hold, pass on and reimburse invoices: the bureau supervises, the auditor only
reads, and a relay only carries data between the chains."""

BLANK_INVOICE: Mapping[str, FieldValue] = {
    "invoice_number": "",
    "invoice_type": "",
    "seller": "",
    "seller_name": "",
    "buyer": "",
    "holder": "",
    "amount": 0,
    "tax_amount": 0,
    "tax_rate_bp": 0,
    "issued_on": "",
    "description": "",
    "status": "",
    "issued_height": 0,
    "locked_by": "",
    "reimbursement_ref": "",
    "reimbursed_by": "",
    "reimbursed_height": 0,
    "declared_period": "",
    "cancelled_by": "",
    "original_number": "",
    "transfers": 0,
}
"""Every field of an invoice, empty: all exist from creation, so the field count never changes."""


# --------------------------------------------------------------------------
# Pure helpers
# --------------------------------------------------------------------------


def compute_tax_amount(amount: int, tax_rate_bp: int) -> int:
    """``amount * tax_rate_bp / 10000`` rounded half up, in fen (for non-negative amounts)."""
    return (amount * tax_rate_bp + MAX_TAX_RATE_BP // 2) // MAX_TAX_RATE_BP


def format_yuan(fen: object) -> str:
    """An amount in fen as yuan with two decimals, e.g. ``-1234.50``; "?" when not an int."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        return "?"
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}.{cents:02d}"


def describe_invoice(fields: Mapping[str, FieldValue]) -> str:
    """A one-line summary of an invoice for people (fields missing from a disclosure show "?").

    E.g. ``invoice INV-1 (blue): A -> B, 1000.00 yuan + tax 130.00, reimbursed by B at height 7``.
    """
    number = fields.get("invoice_number", "?")
    kind = fields.get("invoice_type", "?")
    line = (
        f"invoice {number} ({kind}): {fields.get('seller', '?')} -> {fields.get('buyer', '?')}, "
        f"{format_yuan(fields.get('amount'))} yuan + tax {format_yuan(fields.get('tax_amount'))}"
    )
    status = fields.get("status", "?")
    if status in (STATUS_REIMBURSED, STATUS_DECLARED):
        line += (
            f", {status}: reimbursed by {fields.get('reimbursed_by', '?')} "
            f"at height {fields.get('reimbursed_height', '?')}"
        )
        if status == STATUS_DECLARED:
            line += f", declared for {fields.get('declared_period', '?')}"
    elif status == STATUS_CANCELLED:
        line += f", cancelled by red letter {fields.get('cancelled_by', '?')}"
    elif status == STATUS_LOCKED:
        line += f", locked by {fields.get('locked_by', '?')}"
    else:
        line += f", {status}"
        if "holder" in fields:
            line += f", held by {fields['holder']}"
    if fields.get("original_number"):
        line += f", cancels {fields['original_number']}"
    return line


def _is_blue(fields: Mapping[str, FieldValue]) -> bool:
    return fields["invoice_type"] == INVOICE_BLUE


def _refuse_red(fields: Mapping[str, FieldValue], step: str) -> Verdict:
    return refuse(
        ErrorCode.INVOICE_WRONG_STATE,
        f"invoice {fields['invoice_number']} is a red-letter invoice, which cannot be {step}",
    )


def _refuse_cancelled(fields: Mapping[str, FieldValue]) -> Verdict:
    return refuse(
        ErrorCode.INVOICE_CANCELLED,
        f"invoice {fields['invoice_number']} was cancelled by red-letter invoice "
        f"{fields['cancelled_by']}",
    )


def _refuse_reimbursed(fields: Mapping[str, FieldValue]) -> Verdict:
    declared = (
        f" and declared for {fields['declared_period']}"
        if fields["status"] == STATUS_DECLARED
        else ""
    )
    return refuse(
        ErrorCode.INVOICE_ALREADY_REIMBURSED,
        f"invoice {fields['invoice_number']} was already reimbursed by "
        f"{fields['reimbursed_by']} at height {fields['reimbursed_height']}{declared}; "
        "an invoice is reimbursed only once",
    )


def _refuse_locked(fields: Mapping[str, FieldValue]) -> Verdict:
    return refuse(
        ErrorCode.INVOICE_LOCKED,
        f"invoice {fields['invoice_number']} is locked for reimbursement by "
        f"{fields['locked_by']} (claim {fields['reimbursement_ref'] or 'unnamed'})",
    )


def _refuse_not_holder(
    fields: Mapping[str, FieldValue], organisation_id: str, step: str
) -> Verdict:
    return refuse(
        ErrorCode.NOT_INVOICE_HOLDER,
        f"invoice {fields['invoice_number']} is held by {fields['holder']}, not {organisation_id}; "
        f"only its holder may {step} it",
    )


def _is_reimbursed(fields: Mapping[str, FieldValue]) -> bool:
    return fields["status"] in (STATUS_REIMBURSED, STATUS_DECLARED)


def _is_locked_by_other(fields: Mapping[str, FieldValue], organisation_id: str) -> bool:
    return fields["status"] == STATUS_LOCKED and fields["locked_by"] != organisation_id


def verify_can_red_letter(fields: Mapping[str, FieldValue], organisation_id: str) -> Verdict:
    """Whether ``organisation_id`` may cancel this invoice with a red letter.

    Only a blue invoice (INVOICE_WRONG_STATE), by its seller (NOT_RECORD_OWNER),
    while it is issued or transferred: locked (INVOICE_LOCKED), reimbursed or
    declared (INVOICE_ALREADY_REIMBURSED), cancelled (INVOICE_CANCELLED).
    """
    if not _is_blue(fields):
        return _refuse_red(fields, "cancelled by another red letter")
    if fields["seller"] != organisation_id:
        return refuse(
            ErrorCode.NOT_RECORD_OWNER,
            f"invoice {fields['invoice_number']} was issued by {fields['seller']}, not "
            f"{organisation_id}; only its seller may cancel it",
        )
    status = fields["status"]
    if status == STATUS_LOCKED:
        return _refuse_locked(fields)
    if _is_reimbursed(fields):
        return _refuse_reimbursed(fields)
    if status == STATUS_CANCELLED:
        return _refuse_cancelled(fields)
    return ACCEPTED


def verify_can_transfer(fields: Mapping[str, FieldValue], organisation_id: str) -> Verdict:
    """Whether ``organisation_id`` may pass this invoice on.

    In order: a blue invoice (INVOICE_WRONG_STATE), not cancelled
    (INVOICE_CANCELLED), not locked (INVOICE_LOCKED), not reimbursed or
    declared (INVOICE_ALREADY_REIMBURSED), held by the sender (NOT_INVOICE_HOLDER).
    """
    if not _is_blue(fields):
        return _refuse_red(fields, "transferred")
    status = fields["status"]
    if status == STATUS_CANCELLED:
        return _refuse_cancelled(fields)
    if status == STATUS_LOCKED:
        return _refuse_locked(fields)
    if _is_reimbursed(fields):
        return _refuse_reimbursed(fields)
    if fields["holder"] != organisation_id:
        return _refuse_not_holder(fields, organisation_id, "transfer")
    return ACCEPTED


def verify_can_lock(fields: Mapping[str, FieldValue], organisation_id: str) -> Verdict:
    """Whether ``organisation_id`` may lock this invoice for reimbursement.

    As :func:`verify_can_transfer`, except that an invoice the sender locked
    already is INVOICE_WRONG_STATE (locked by another organisation: INVOICE_LOCKED).
    """
    if not _is_blue(fields):
        return _refuse_red(fields, "locked")
    status = fields["status"]
    if status == STATUS_CANCELLED:
        return _refuse_cancelled(fields)
    if _is_locked_by_other(fields, organisation_id):
        return _refuse_locked(fields)
    if status == STATUS_LOCKED:
        return refuse(
            ErrorCode.INVOICE_WRONG_STATE,
            f"invoice {fields['invoice_number']} is already locked by you "
            f"(claim {fields['reimbursement_ref'] or 'unnamed'}); reimburse it next",
        )
    if _is_reimbursed(fields):
        return _refuse_reimbursed(fields)
    if fields["holder"] != organisation_id:
        return _refuse_not_holder(fields, organisation_id, "lock")
    return ACCEPTED


def verify_can_reimburse(fields: Mapping[str, FieldValue], organisation_id: str) -> Verdict:
    """Whether ``organisation_id`` may reimburse this invoice (exactly once).

    In order, so that every competing reimbursement after the first learns
    why: a blue invoice (INVOICE_WRONG_STATE), not cancelled
    (INVOICE_CANCELLED), not reimbursed or declared (INVOICE_ALREADY_REIMBURSED),
    not locked by another organisation (INVOICE_LOCKED), held by the sender
    (NOT_INVOICE_HOLDER).
    """
    if not _is_blue(fields):
        return _refuse_red(fields, "reimbursed")
    if fields["status"] == STATUS_CANCELLED:
        return _refuse_cancelled(fields)
    if _is_reimbursed(fields):
        return _refuse_reimbursed(fields)
    if _is_locked_by_other(fields, organisation_id):
        return _refuse_locked(fields)
    if fields["holder"] != organisation_id:
        return _refuse_not_holder(fields, organisation_id, "reimburse")
    return ACCEPTED


def verify_can_declare(fields: Mapping[str, FieldValue], organisation_id: str) -> Verdict:
    """Whether ``organisation_id`` may book this invoice in a tax return.

    Only a reimbursed blue invoice: cancelled is INVOICE_CANCELLED, anything
    else (red, declared already, not yet reimbursed) INVOICE_WRONG_STATE;
    then it must be held by the sender (NOT_INVOICE_HOLDER).
    """
    if not _is_blue(fields):
        return _refuse_red(fields, "declared")
    status = fields["status"]
    number = fields["invoice_number"]
    if status == STATUS_CANCELLED:
        return _refuse_cancelled(fields)
    if status == STATUS_DECLARED:
        return refuse(
            ErrorCode.INVOICE_WRONG_STATE,
            f"invoice {number} is already declared for {fields['declared_period']}",
        )
    if status != STATUS_REIMBURSED:
        return refuse(
            ErrorCode.INVOICE_WRONG_STATE,
            f"invoice {number} is {status}; reimburse it before declaring it",
        )
    if fields["holder"] != organisation_id:
        return _refuse_not_holder(fields, organisation_id, "declare")
    return ACCEPTED


# --------------------------------------------------------------------------
# Reading the state
# --------------------------------------------------------------------------


def get_invoice(state: StateReader, number: str) -> StoredRecord | None:
    """The invoice numbered ``number``, or None."""
    return read_record(state, KIND_INVOICE, number)


def require_invoice(state: StateReader, number: str) -> StoredRecord:
    """The invoice numbered ``number``; raises ConsortiumError(INVOICE_NOT_FOUND)."""
    invoice = get_invoice(state, number)
    if invoice is None:
        raise ConsortiumError(
            ErrorCode.INVOICE_NOT_FOUND, f"no invoice numbered {number!r} was issued on this chain"
        )
    return invoice


def require_holder_organisation(
    state: StateReader, organisation_id: str, what: str
) -> membership_pb2.Organisation:
    """An active organisation that may hold invoices (MEMBER_NOT_FOUND, MEMBER_SUSPENDED,
    INVALID_FIELD_VALUE for the tax bureau or an auditor, who never hold one)."""
    organisation = require_active_organisation(state, organisation_id)
    if organisation.role not in HOLDER_ROLES:
        raise ConsortiumError(
            ErrorCode.INVALID_FIELD_VALUE,
            f"{what} {organisation_id!r} is a {get_role_name(organisation.role)}, "
            "which cannot hold invoices",
        )
    return organisation


def _apply(call: TxCall, invoice: StoredRecord, changes: Mapping[str, FieldValue]) -> None:
    update_record(call.state, invoice, changes, call.height)


# --------------------------------------------------------------------------
# Payload checks (stateless) and handlers
# --------------------------------------------------------------------------


def check_issue_invoice(payload: tax_pb2.IssueInvoice) -> str:
    """Why an ``IssueInvoice`` payload is unusable, or ""."""
    problem = get_first_error(
        get_id_error(payload.invoice_number, "invoice_number"),
        get_id_error(payload.buyer, "buyer"),
        get_amount_error(payload.amount, "amount", allow_zero=False),
        get_amount_error(payload.tax_amount, "tax_amount"),
        get_date_error(payload.issued_on, "issued_on"),
        get_text_error(payload.description, "description", required=False),
        get_seed_error(payload.record_seed),
    )
    if problem:
        return problem
    if payload.tax_rate_bp > MAX_TAX_RATE_BP:
        return f"tax_rate_bp must be at most {MAX_TAX_RATE_BP} (100 %), not {payload.tax_rate_bp}"
    expected = compute_tax_amount(payload.amount, payload.tax_rate_bp)
    if payload.tax_amount != expected:
        return (
            f"tax_amount must be amount * tax_rate_bp / 10000 rounded half up: {expected} fen, "
            f"not {payload.tax_amount}"
        )
    return ""


def execute_issue_invoice(call: TxCall) -> None:
    """Issue a blue invoice from the sender's organisation to the buyer, who holds it."""
    payload: tax_pb2.IssueInvoice = call.payload
    seller = call.sender.organisation
    if payload.buyer == seller.id:
        raise ConsortiumError(
            ErrorCode.INVALID_FIELD_VALUE,
            f"{seller.id} cannot issue an invoice to itself; the buyer is another organisation",
        )
    require_holder_organisation(call.state, payload.buyer, "buyer")
    fields = {
        **BLANK_INVOICE,
        "invoice_number": payload.invoice_number,
        "invoice_type": INVOICE_BLUE,
        "seller": seller.id,
        "seller_name": seller.name,
        "buyer": payload.buyer,
        "holder": payload.buyer,
        "amount": payload.amount,
        "tax_amount": payload.tax_amount,
        "tax_rate_bp": payload.tax_rate_bp,
        "issued_on": payload.issued_on,
        "description": payload.description,
        "status": STATUS_ISSUED,
        "issued_height": call.height,
    }
    create_record(
        call.state,
        KIND_INVOICE,
        payload.invoice_number,
        fields,
        payload.record_seed,
        call.height,
        exists_code=ErrorCode.INVOICE_EXISTS,
    )


def check_red_letter(payload: tax_pb2.IssueRedLetter) -> str:
    """Why an ``IssueRedLetter`` payload is unusable, or ""."""
    return get_first_error(
        get_id_error(payload.invoice_number, "invoice_number"),
        get_id_error(payload.original_number, "original_number"),
        get_text_error(payload.reason, "reason"),
        get_date_error(payload.issued_on, "issued_on"),
        get_seed_error(payload.record_seed),
    )


def execute_red_letter(call: TxCall) -> None:
    """Issue a red-letter invoice that cancels the sender's issued or transferred invoice."""
    payload: tax_pb2.IssueRedLetter = call.payload
    seller = call.sender.organisation.id
    original = require_invoice(call.state, payload.original_number)
    verify_can_red_letter(original.fields, seller).raise_for_error()
    fields = {
        **BLANK_INVOICE,
        "invoice_number": payload.invoice_number,
        "invoice_type": INVOICE_RED,
        "seller": seller,
        "seller_name": original.fields["seller_name"],
        "buyer": original.fields["buyer"],
        "holder": original.fields["holder"],
        "amount": -original.fields["amount"],
        "tax_amount": -original.fields["tax_amount"],
        "tax_rate_bp": original.fields["tax_rate_bp"],
        "issued_on": payload.issued_on,
        "description": payload.reason,
        "status": STATUS_ISSUED,
        "issued_height": call.height,
        "original_number": payload.original_number,
    }
    create_record(
        call.state,
        KIND_INVOICE,
        payload.invoice_number,
        fields,
        payload.record_seed,
        call.height,
        exists_code=ErrorCode.INVOICE_EXISTS,
    )
    _apply(call, original, {"status": STATUS_CANCELLED, "cancelled_by": payload.invoice_number})


def check_transfer_invoice(payload: tax_pb2.TransferInvoice) -> str:
    """Why a ``TransferInvoice`` payload is unusable, or ""."""
    return get_first_error(
        get_id_error(payload.invoice_number, "invoice_number"),
        get_id_error(payload.new_holder, "new_holder"),
    )


def execute_transfer_invoice(call: TxCall) -> None:
    """Pass the invoice from its holder (the sender's organisation) to ``new_holder``."""
    payload: tax_pb2.TransferInvoice = call.payload
    sender = call.sender.organisation.id
    invoice = require_invoice(call.state, payload.invoice_number)
    verify_can_transfer(invoice.fields, sender).raise_for_error()
    require_holder_organisation(call.state, payload.new_holder, "new_holder")
    if payload.new_holder == invoice.fields["holder"]:
        raise ConsortiumError(
            ErrorCode.INVALID_FIELD_VALUE,
            f"{payload.new_holder} already holds invoice {payload.invoice_number}",
        )
    _apply(
        call,
        invoice,
        {
            "holder": payload.new_holder,
            "status": STATUS_TRANSFERRED,
            "transfers": invoice.fields["transfers"] + 1,
        },
    )


def _check_claim(payload: tax_pb2.LockInvoice | tax_pb2.ReimburseInvoice) -> str:
    """Why a ``LockInvoice`` or ``ReimburseInvoice`` payload is unusable, or "": both name
    an invoice and, optionally, the reimbursement claim."""
    return get_first_error(
        get_id_error(payload.invoice_number, "invoice_number"),
        get_text_error(payload.reimbursement_ref, "reimbursement_ref", required=False),
    )


check_lock_invoice = _check_claim
"""Why a ``LockInvoice`` payload is unusable, or "" (see :func:`_check_claim`)."""


def execute_lock_invoice(call: TxCall) -> None:
    """Lock the invoice for the holder's reimbursement claim."""
    payload: tax_pb2.LockInvoice = call.payload
    sender = call.sender.organisation.id
    invoice = require_invoice(call.state, payload.invoice_number)
    verify_can_lock(invoice.fields, sender).raise_for_error()
    _apply(
        call,
        invoice,
        {
            "status": STATUS_LOCKED,
            "locked_by": sender,
            "reimbursement_ref": payload.reimbursement_ref,
        },
    )


check_reimburse_invoice = _check_claim
"""Why a ``ReimburseInvoice`` payload is unusable, or "" (see :func:`_check_claim`)."""


def execute_reimburse_invoice(call: TxCall) -> None:
    """Reimburse the invoice, exactly once (see :func:`verify_can_reimburse`)."""
    payload: tax_pb2.ReimburseInvoice = call.payload
    sender = call.sender.organisation.id
    invoice = require_invoice(call.state, payload.invoice_number)
    verify_can_reimburse(invoice.fields, sender).raise_for_error()
    _apply(
        call,
        invoice,
        {
            "status": STATUS_REIMBURSED,
            "reimbursed_by": sender,
            "reimbursed_height": call.height,
            # A lock names the claim already; an empty ref here keeps it.
            "reimbursement_ref": payload.reimbursement_ref or invoice.fields["reimbursement_ref"],
            "locked_by": sender,
        },
    )


def check_declare_invoice(payload: tax_pb2.DeclareInvoice) -> str:
    """Why a ``DeclareInvoice`` payload is unusable, or ""."""
    return get_first_error(
        get_id_error(payload.invoice_number, "invoice_number"),
        get_period_error(payload.period),
    )


def execute_declare_invoice(call: TxCall) -> None:
    """Book a reimbursed invoice in the holder's tax return for ``period``."""
    payload: tax_pb2.DeclareInvoice = call.payload
    invoice = require_invoice(call.state, payload.invoice_number)
    verify_can_declare(invoice.fields, call.sender.organisation.id).raise_for_error()
    _apply(call, invoice, {"status": STATUS_DECLARED, "declared_period": payload.period})
