"""The finance chain's application (pure, deterministic; see docs/industry-finance.md).

Banks register credit policies; enterprises apply for loans to a bank,
optionally under one of its policies; the bank an application names decides
it. Every record is field-committed (:mod:`chains.apps.records`):

* ``policy`` ``<bank>:<policy_id>`` (``finance.policy.register``): immutable,
  a new version of a policy is a new id; terms in :mod:`chains.finance.policy`;
* ``loan`` ``<application_id>`` (``finance.loan.apply``), status "submitted"
  until decided, then "approved" or "rejected";
* ``decision`` ``<decision_id>`` (``finance.loan.decide``).
"""

from __future__ import annotations

from chains.apps.fields import (
    get_amount_error,
    get_first_error,
    get_id_error,
    get_text_error,
)
from chains.apps.framework import ConsortiumApplication, TxCall, TxRule, roles
from chains.apps.member_rules import get_membership_rules
from chains.apps.membership import Role, require_active_organisation
from chains.apps.records import (
    create_record,
    get_record_seed_error,
    read_record,
    update_record,
)
from chains.core.errors import ConsortiumError, ErrorCode
from chains.finance.policy import (
    KIND_POLICY,
    MAX_RATE_BP,
    get_credit_policy,
    get_policy_fields,
    get_policy_record_id,
    get_policy_terms_error,
    read_policy,
    require_valid_policy,
)
from consortium.v1 import finance_pb2

TX_REGISTER_POLICY = "finance.policy.register"
TX_APPLY_FOR_LOAN = "finance.loan.apply"
TX_DECIDE_LOAN = "finance.loan.decide"

KIND_LOAN = "loan"
KIND_DECISION = "decision"

LOAN_SUBMITTED = "submitted"
LOAN_APPROVED = "approved"
LOAN_REJECTED = "rejected"

MAX_TERM_MONTHS = 360
MAX_REASONS = 64
REASON_SEPARATOR = "; "


# --------------------------------------------------------------------------
# Stateless payload checks
# --------------------------------------------------------------------------


def check_register_policy(payload: finance_pb2.RegisterPolicy) -> str:
    """Why a ``RegisterPolicy`` payload is unusable, or "".

    The record's id, name and seed are field values (INVALID_FIELD_VALUE);
    unusable terms (rules, caps, rate) raise ConsortiumError(POLICY_INVALID)
    here, so that the mempool refuses them and no block can hold them.
    """
    problem = get_first_error(
        get_id_error(payload.policy_id, "policy_id"),
        get_text_error(payload.name, "name"),
        get_record_seed_error(payload.record_seed),
    )
    if problem:
        return problem
    # The bank is the sender, unknown here; the terms do not depend on it.
    terms_problem = get_policy_terms_error(get_credit_policy("", payload))
    if terms_problem:
        raise ConsortiumError(
            ErrorCode.POLICY_INVALID, f"policy {payload.policy_id!r}: {terms_problem}"
        )
    return ""


def check_apply_for_loan(payload: finance_pb2.ApplyForLoan) -> str:
    """Why an ``ApplyForLoan`` payload is unusable, or ""."""
    return get_first_error(
        get_id_error(payload.application_id, "application_id"),
        get_id_error(payload.bank, "bank"),
        get_amount_error(payload.amount, "amount", allow_zero=False),
        ""
        if 1 <= payload.term_months <= MAX_TERM_MONTHS
        else f"term_months must be 1 to {MAX_TERM_MONTHS}, not {payload.term_months}",
        get_text_error(payload.purpose, "purpose"),
        get_id_error(payload.policy_id, "policy_id") if payload.policy_id else "",
        get_record_seed_error(payload.record_seed),
    )


def _get_reasons_error(reasons: list[str], required: bool) -> str:
    if required and not reasons:
        return "a rejection needs at least one reason"
    if len(reasons) > MAX_REASONS:
        return f"at most {MAX_REASONS} reasons, not {len(reasons)}"
    for index, reason in enumerate(reasons):
        problem = get_text_error(reason, f"reasons[{index}]")
        if problem:
            return problem
    return ""


def check_decide_loan(payload: finance_pb2.DecideLoan) -> str:
    """Why a ``DecideLoan`` payload is unusable, or "" (the amount against the request: later)."""
    if payload.approve:
        terms = get_first_error(
            get_amount_error(payload.amount, "an approved amount", allow_zero=False),
            ""
            if 1 <= payload.rate_bp <= MAX_RATE_BP
            else f"an approval's rate_bp must be 1 to {MAX_RATE_BP}, not {payload.rate_bp}",
            _get_reasons_error(list(payload.reasons), required=False),
        )
    else:
        terms = get_first_error(
            "" if payload.amount == 0 else f"a rejection has amount 0, not {payload.amount}",
            "" if payload.rate_bp == 0 else f"a rejection has rate_bp 0, not {payload.rate_bp}",
            _get_reasons_error(list(payload.reasons), required=True),
        )
    return get_first_error(
        get_id_error(payload.decision_id, "decision_id"),
        get_id_error(payload.application_id, "application_id"),
        terms,
        get_record_seed_error(payload.record_seed),
    )


# --------------------------------------------------------------------------
# Handlers
# --------------------------------------------------------------------------


def execute_register_policy(call: TxCall) -> None:
    """Register the sender bank's policy (POLICY_INVALID; RECORD_EXISTS: policies are
    immutable, a new version takes a new id)."""
    payload: finance_pb2.RegisterPolicy = call.payload
    bank = call.sender.organisation.id
    policy = require_valid_policy(get_credit_policy(bank, payload))
    create_record(
        call.state,
        KIND_POLICY,
        get_policy_record_id(bank, policy.policy_id),
        get_policy_fields(policy),
        payload.record_seed,
        call.height,
    )


def execute_apply_for_loan(call: TxCall) -> None:
    """Record the sender enterprise's loan application to an active bank.

    MEMBER_NOT_FOUND when ``bank`` is not a bank, MEMBER_SUSPENDED when it is
    suspended, POLICY_NOT_FOUND when the bank has no such policy,
    RECORD_EXISTS when the application id is taken.
    """
    payload: finance_pb2.ApplyForLoan = call.payload
    require_active_organisation(call.state, payload.bank, Role.ROLE_BANK)
    if payload.policy_id and read_policy(call.state, payload.bank, payload.policy_id) is None:
        raise ConsortiumError(
            ErrorCode.POLICY_NOT_FOUND,
            f"bank {payload.bank!r} has registered no policy {payload.policy_id!r}",
        )
    fields = {
        "application_id": payload.application_id,
        "enterprise": call.sender.organisation.id,
        "bank": payload.bank,
        "amount": payload.amount,
        "term_months": payload.term_months,
        "purpose": payload.purpose,
        "policy_id": payload.policy_id,
        "status": LOAN_SUBMITTED,
        # Decision fields exist from the start so that the field count never changes.
        "decision_id": "",
        "decided_amount": 0,
        "rate_bp": 0,
        "reasons": "",
        "decided_height": 0,
    }
    create_record(
        call.state, KIND_LOAN, payload.application_id, fields, payload.record_seed, call.height
    )


def execute_decide_loan(call: TxCall) -> None:
    """The sender bank decides an application addressed to it.

    LOAN_NOT_FOUND, LOAN_WRONG_BANK (another bank's application),
    LOAN_ALREADY_DECIDED, INVALID_FIELD_VALUE (more approved than requested),
    RECORD_EXISTS (the decision id is taken).
    """
    payload: finance_pb2.DecideLoan = call.payload
    bank = call.sender.organisation.id
    loan = read_record(call.state, KIND_LOAN, payload.application_id)
    if loan is None:
        raise ConsortiumError(
            ErrorCode.LOAN_NOT_FOUND, f"there is no loan application {payload.application_id!r}"
        )
    if loan.get("bank") != bank:
        raise ConsortiumError(
            ErrorCode.LOAN_WRONG_BANK,
            f"application {payload.application_id!r} is addressed to {loan.get('bank')!r}, "
            f"not {bank!r}; only that bank decides it",
        )
    if loan.get("status") != LOAN_SUBMITTED:
        raise ConsortiumError(
            ErrorCode.LOAN_ALREADY_DECIDED,
            f"application {payload.application_id!r} is already {loan.get('status')} "
            f"(decision {loan.get('decision_id')!r})",
        )
    requested = int(loan.get("amount", 0))
    if payload.amount > requested:
        raise ConsortiumError(
            ErrorCode.INVALID_FIELD_VALUE,
            f"the approved amount {payload.amount} is more than the {requested} fen requested",
        )
    outcome = LOAN_APPROVED if payload.approve else LOAN_REJECTED
    reasons = REASON_SEPARATOR.join(payload.reasons)
    decision = {
        "decision_id": payload.decision_id,
        "application_id": payload.application_id,
        "bank": bank,
        "enterprise": loan.get("enterprise", ""),
        "outcome": outcome,
        "amount": payload.amount,
        "rate_bp": payload.rate_bp,
        "reasons": reasons,
        "policy_id": loan.get("policy_id", ""),
        "decided_height": call.height,
    }
    create_record(
        call.state, KIND_DECISION, payload.decision_id, decision, payload.record_seed, call.height
    )
    update_record(
        call.state,
        loan,
        {
            "status": outcome,
            "decision_id": payload.decision_id,
            "decided_amount": payload.amount,
            "rate_bp": payload.rate_bp,
            "reasons": reasons,
            "decided_height": call.height,
        },
        call.height,
    )


BANK = roles(Role.ROLE_BANK)
ENTERPRISE = roles(Role.ROLE_ENTERPRISE)

FINANCE_RULES: tuple[TxRule, ...] = (
    TxRule(
        TX_REGISTER_POLICY,
        finance_pb2.RegisterPolicy,
        BANK,
        execute_register_policy,
        check_register_policy,
    ),
    TxRule(
        TX_APPLY_FOR_LOAN,
        finance_pb2.ApplyForLoan,
        ENTERPRISE,
        execute_apply_for_loan,
        check_apply_for_loan,
    ),
    TxRule(TX_DECIDE_LOAN, finance_pb2.DecideLoan, BANK, execute_decide_loan, check_decide_loan),
)

FINANCE_APPLICATION = ConsortiumApplication.from_rules(
    "finance", [*get_membership_rules(BANK), *FINANCE_RULES]
)
"""The finance chain's application: membership (registrars: the banks) and the rules above."""
