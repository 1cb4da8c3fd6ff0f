"""The tax chain's application: who may send which transaction, and what it does.

Membership (the tax bureau registers enterprises) plus:

=========================  ================  ==============================
type                       payload           sent by
=========================  ================  ==============================
``tax.filing.submit``      SubmitFiling      tax bureau
``tax.payment.record``     RecordPayment     tax bureau
``tax.invoice.issue``      IssueInvoice      an enterprise (the seller)
``tax.invoice.red_letter`` IssueRedLetter    an enterprise (the seller)
``tax.invoice.transfer``   TransferInvoice   the holder (``HOLDER_ROLES``)
``tax.invoice.lock``       LockInvoice       the holder
``tax.invoice.reimburse``  ReimburseInvoice  the holder
``tax.invoice.declare``    DeclareInvoice    the holder
``tax.clearance.issue``    IssueClearance    tax bureau
``tax.clearance.revoke``   RevokeClearance   tax bureau
=========================  ================  ==============================

The rules themselves live in :mod:`chains.tax.filings`,
:mod:`chains.tax.invoices` and :mod:`chains.tax.clearances`; this module
gathers them and re-exports their names (docs/tax.md).
"""

from __future__ import annotations

from chains.apps.framework import ConsortiumApplication, TxRule, roles
from chains.apps.member_rules import get_membership_rules
from chains.apps.membership import Role
from chains.tax.clearances import (
    CLEARANCE_REVOKED,
    CLEARANCE_VALID,
    KIND_CLEARANCE,
    TX_ISSUE_CLEARANCE,
    TX_REVOKE_CLEARANCE,
    check_issue_clearance,
    check_revoke_clearance,
    describe_clearance,
    execute_issue_clearance,
    execute_revoke_clearance,
)
from chains.tax.filings import (
    FILING_FILED,
    FILING_PAID,
    FILING_PARTIALLY_PAID,
    KIND_FILING,
    KIND_PAYMENT,
    TX_RECORD_PAYMENT,
    TX_SUBMIT_FILING,
    check_record_payment,
    check_submit_filing,
    execute_record_payment,
    execute_submit_filing,
    get_filing_id,
)
from chains.tax.invoices import (
    HOLDER_ROLES,
    INVOICE_BLUE,
    INVOICE_RED,
    INVOICE_STATUSES,
    KIND_INVOICE,
    STATUS_CANCELLED,
    STATUS_DECLARED,
    STATUS_ISSUED,
    STATUS_LOCKED,
    STATUS_REIMBURSED,
    STATUS_TRANSFERRED,
    TX_DECLARE_INVOICE,
    TX_ISSUE_INVOICE,
    TX_LOCK_INVOICE,
    TX_RED_LETTER,
    TX_REIMBURSE_INVOICE,
    TX_TRANSFER_INVOICE,
    check_declare_invoice,
    check_issue_invoice,
    check_lock_invoice,
    check_red_letter,
    check_reimburse_invoice,
    check_transfer_invoice,
    describe_invoice,
    execute_declare_invoice,
    execute_issue_invoice,
    execute_lock_invoice,
    execute_red_letter,
    execute_reimburse_invoice,
    execute_transfer_invoice,
    get_invoice,
)
from consortium.v1 import tax_pb2

BUREAU = roles(Role.ROLE_TAX_BUREAU)
"""Filings, payments and certificates: the tax bureau alone."""
SELLERS = roles(Role.ROLE_ENTERPRISE)
"""Invoices are issued (and cancelled) by enterprises."""

TAX_RULES: list[TxRule] = [
    TxRule(
        TX_SUBMIT_FILING,
        tax_pb2.SubmitFiling,
        BUREAU,
        execute_submit_filing,
        check_submit_filing,
    ),
    TxRule(
        TX_RECORD_PAYMENT,
        tax_pb2.RecordPayment,
        BUREAU,
        execute_record_payment,
        check_record_payment,
    ),
    TxRule(
        TX_ISSUE_INVOICE,
        tax_pb2.IssueInvoice,
        SELLERS,
        execute_issue_invoice,
        check_issue_invoice,
    ),
    TxRule(
        TX_RED_LETTER,
        tax_pb2.IssueRedLetter,
        SELLERS,
        execute_red_letter,
        check_red_letter,
    ),
    TxRule(
        TX_TRANSFER_INVOICE,
        tax_pb2.TransferInvoice,
        HOLDER_ROLES,
        execute_transfer_invoice,
        check_transfer_invoice,
    ),
    TxRule(
        TX_LOCK_INVOICE,
        tax_pb2.LockInvoice,
        HOLDER_ROLES,
        execute_lock_invoice,
        check_lock_invoice,
    ),
    TxRule(
        TX_REIMBURSE_INVOICE,
        tax_pb2.ReimburseInvoice,
        HOLDER_ROLES,
        execute_reimburse_invoice,
        check_reimburse_invoice,
    ),
    TxRule(
        TX_DECLARE_INVOICE,
        tax_pb2.DeclareInvoice,
        HOLDER_ROLES,
        execute_declare_invoice,
        check_declare_invoice,
    ),
    TxRule(
        TX_ISSUE_CLEARANCE,
        tax_pb2.IssueClearance,
        BUREAU,
        execute_issue_clearance,
        check_issue_clearance,
    ),
    TxRule(
        TX_REVOKE_CLEARANCE,
        tax_pb2.RevokeClearance,
        BUREAU,
        execute_revoke_clearance,
        check_revoke_clearance,
    ),
]
"""The tax chain's own transaction types (membership comes from :mod:`chains.apps`)."""

TAX_APPLICATION = ConsortiumApplication.from_rules(
    "tax", [*get_membership_rules(roles(Role.ROLE_TAX_BUREAU)), *TAX_RULES]
)
"""The application every tax-chain node runs (genesis ``"app": "tax"``)."""

__all__ = [
    "BUREAU",
    "CLEARANCE_REVOKED",
    "CLEARANCE_VALID",
    "FILING_FILED",
    "FILING_PAID",
    "FILING_PARTIALLY_PAID",
    "HOLDER_ROLES",
    "INVOICE_BLUE",
    "INVOICE_RED",
    "INVOICE_STATUSES",
    "KIND_CLEARANCE",
    "KIND_FILING",
    "KIND_INVOICE",
    "KIND_PAYMENT",
    "SELLERS",
    "STATUS_CANCELLED",
    "STATUS_DECLARED",
    "STATUS_ISSUED",
    "STATUS_LOCKED",
    "STATUS_REIMBURSED",
    "STATUS_TRANSFERRED",
    "TAX_APPLICATION",
    "TAX_RULES",
    "TX_DECLARE_INVOICE",
    "TX_ISSUE_CLEARANCE",
    "TX_ISSUE_INVOICE",
    "TX_LOCK_INVOICE",
    "TX_RECORD_PAYMENT",
    "TX_RED_LETTER",
    "TX_REIMBURSE_INVOICE",
    "TX_REVOKE_CLEARANCE",
    "TX_SUBMIT_FILING",
    "TX_TRANSFER_INVOICE",
    "describe_clearance",
    "describe_invoice",
    "get_filing_id",
    "get_invoice",
]
