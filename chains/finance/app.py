"""The finance chain's application (pure, deterministic; see docs/industry-finance.md).

Banks register credit policies; enterprises apply for loans to a bank,
optionally under one of its policies; the bank an application names decides
it. Every record is field-committed (:mod:`chains.apps.records`):

* ``policy`` ``<bank>:<policy_id>`` (``finance.policy.register``): immutable,
  a new version of a policy is a new id; terms in :mod:`chains.finance.policy`;
* ``loan`` ``<application_id>`` (``finance.loan.apply``), status "submitted"
  until decided, then "approved" or "rejected";
* ``decision`` ``<decision_id>`` (``finance.loan.decide``, by the bank's
  officer), or ``<application_id>:policy`` (by the bank's policy, when a
  ``relay.transfer`` verified the data the application's consent lets it read).

An application may carry the enterprise's one consent; the light clients,
consents and transfers are :mod:`chains.finance.relay_rules` (docs/relay.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from chains.apps.fields import (
    get_amount_error,
    get_first_error,
    get_id_error,
    get_text_error,
)
from chains.apps.framework import ANY_ROLE, ConsortiumApplication, TxCall, TxRule, roles
from chains.apps.member_rules import GovernanceExtension, get_membership_rules
from chains.apps.membership import Role, require_active_organisation
from chains.apps.records import (
    StoredRecord,
    create_record,
    get_record_seed_error,
    read_record,
    update_record,
)
from chains.core.app import StateReader
from chains.core.errors import ConsortiumError, ErrorCode
from chains.finance.facts import compute_facts
from chains.finance.policy import (
    KIND_POLICY,
    MAX_RATE_BP,
    evaluate_policy,
    get_credit_policy,
    get_policy_fields,
    get_policy_record_id,
    get_policy_terms_error,
    read_policy,
    require_valid_policy,
)
from chains.finance.relay_rules import (
    TX_REVOKE_CONSENT,
    TX_SUBMIT_MISBEHAVIOUR,
    TX_TRANSFER,
    TX_UPDATE_CLIENT,
    check_recover_client,
    check_revoke_consent,
    check_submit_misbehaviour,
    check_transfer,
    check_update_client,
    compute_client_genesis_updates,
    execute_recover_client,
    execute_revoke_consent,
    execute_submit_misbehaviour,
    execute_update_client,
    record_granted_consent,
    require_loan_consent,
    require_usable_consent,
    verify_and_record_transfer,
)
from consortium.v1 import finance_pb2
from relay.consent import decode_signed_consent

TX_REGISTER_POLICY = "finance.policy.register"
TX_APPLY_FOR_LOAN = "finance.loan.apply"
TX_DECIDE_LOAN = "finance.loan.decide"

KIND_LOAN = "loan"
KIND_DECISION = "decision"

DECIDED_BY_OFFICER = "officer"
DECIDED_BY_POLICY = "policy"

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
        ""
        if not payload.signed_consent
        else get_record_seed_error(payload.consent_record_seed).replace(
            "record_seed", "consent_record_seed"
        ),
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
    """Record the sender enterprise's loan application to an active bank, and the consent
    it carries (if any) as granted.

    MEMBER_NOT_FOUND when ``bank`` is not a bank, MEMBER_SUSPENDED when it is
    suspended, POLICY_NOT_FOUND when the bank has no such policy,
    RECORD_EXISTS when the application id is taken; for the consent, the codes
    of :func:`chains.finance.relay_rules.require_loan_consent`, and CONSENT_USED
    when the enterprise used its id already.
    """
    payload: finance_pb2.ApplyForLoan = call.payload
    require_active_organisation(call.state, payload.bank, Role.ROLE_BANK)
    if payload.policy_id and read_policy(call.state, payload.bank, payload.policy_id) is None:
        raise ConsortiumError(
            ErrorCode.POLICY_NOT_FOUND,
            f"bank {payload.bank!r} has registered no policy {payload.policy_id!r}",
        )
    consent = None
    if payload.signed_consent:
        consent = require_loan_consent(
            call, payload.signed_consent, payload.bank, payload.application_id
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
        "consent_id": "" if consent is None else consent.consent.consent_id,
        "data_set_id": "",
    }
    create_record(
        call.state, KIND_LOAN, payload.application_id, fields, payload.record_seed, call.height
    )
    if consent is not None:
        record_granted_consent(call, consent, payload.signed_consent, payload.consent_record_seed)


def require_undecided_loan(state: StateReader, application_id: str, bank: str) -> StoredRecord:
    """The application ``application_id``, addressed to ``bank`` and not yet decided.

    LOAN_NOT_FOUND, LOAN_WRONG_BANK (another bank's application), LOAN_ALREADY_DECIDED.
    """
    loan = read_record(state, KIND_LOAN, application_id)
    if loan is None:
        raise ConsortiumError(
            ErrorCode.LOAN_NOT_FOUND, f"there is no loan application {application_id!r}"
        )
    if loan.get("bank") != bank:
        raise ConsortiumError(
            ErrorCode.LOAN_WRONG_BANK,
            f"application {application_id!r} is addressed to {loan.get('bank')!r}, "
            f"not {bank!r}; only that bank decides it",
        )
    if loan.get("status") != LOAN_SUBMITTED:
        raise ConsortiumError(
            ErrorCode.LOAN_ALREADY_DECIDED,
            f"application {application_id!r} is already {loan.get('status')} "
            f"(decision {loan.get('decision_id')!r})",
        )
    return loan


@dataclass(frozen=True, slots=True)
class Decision:
    """What a decision says: by the bank's officer, or by its policy on a data set."""

    decision_id: str
    approve: bool
    amount: int
    rate_bp: int
    reasons: tuple[str, ...]
    decided_by: str
    """DECIDED_BY_OFFICER, or DECIDED_BY_POLICY."""


def commit_decision(call: TxCall, loan: StoredRecord, decision: Decision, seed: bytes) -> None:
    """Write the decision record (with the consent and data set the loan rests on, if any)
    and the application's new status. INVALID_FIELD_VALUE: more approved than requested;
    RECORD_EXISTS: the decision id is taken."""
    requested = int(loan.get("amount", 0))
    if decision.amount > requested:
        raise ConsortiumError(
            ErrorCode.INVALID_FIELD_VALUE,
            f"the approved amount {decision.amount} is more than the {requested} fen requested",
        )
    outcome = LOAN_APPROVED if decision.approve else LOAN_REJECTED
    reasons = REASON_SEPARATOR.join(decision.reasons)
    fields = {
        "decision_id": decision.decision_id,
        "application_id": loan.id,
        "bank": loan.get("bank", ""),
        "enterprise": loan.get("enterprise", ""),
        "outcome": outcome,
        "amount": decision.amount,
        "rate_bp": decision.rate_bp,
        "reasons": reasons,
        "policy_id": loan.get("policy_id", ""),
        "decided_height": call.height,
        "decided_by": decision.decided_by,
        "consent_id": loan.get("consent_id", ""),
        "data_set_id": loan.get("data_set_id", ""),
    }
    create_record(call.state, KIND_DECISION, decision.decision_id, fields, seed, call.height)
    update_record(
        call.state,
        loan,
        {
            "status": outcome,
            "decision_id": decision.decision_id,
            "decided_amount": decision.amount,
            "rate_bp": decision.rate_bp,
            "reasons": reasons,
            "decided_height": call.height,
        },
        call.height,
    )


def execute_decide_loan(call: TxCall) -> None:
    """The sender bank's officer decides an application addressed to it.

    LOAN_NOT_FOUND, LOAN_WRONG_BANK (another bank's application),
    LOAN_ALREADY_DECIDED, INVALID_FIELD_VALUE (more approved than requested),
    RECORD_EXISTS (the decision id is taken).
    """
    payload: finance_pb2.DecideLoan = call.payload
    loan = require_undecided_loan(call.state, payload.application_id, call.sender.organisation.id)
    decision = Decision(
        payload.decision_id,
        payload.approve,
        payload.amount,
        payload.rate_bp,
        tuple(payload.reasons),
        DECIDED_BY_OFFICER,
    )
    commit_decision(call, loan, decision, payload.record_seed)


def get_policy_decision_id(application_id: str) -> str:
    """The id of the decision a bank's policy takes on ``application_id``."""
    return f"{application_id}:policy"


def execute_transfer(call: TxCall) -> None:
    """Verify a relay's transfer for the application its consent names, record the data
    set, and decide the application by its policy on the facts the data set proves.

    MALFORMED_INPUT (the consent's bytes), CONSENT_REVOKED, CONSENT_USED, LOAN_NOT_FOUND,
    NOT_RECORD_OWNER (another
    enterprise's application), LOAN_ALREADY_DECIDED, then every code of
    :func:`chains.finance.relay_rules.verify_and_record_transfer`. An application
    without a policy waits, verified, for the bank's officer.
    """
    payload: finance_pb2.RelayTransfer = call.payload
    consent = decode_signed_consent(payload.transfer.signed_consent)
    # A replay is refused for what it is, before anything about the application.
    require_usable_consent(call.state, consent, payload.transfer.signed_consent)
    application_id = consent.consent.application_id
    loan = read_record(call.state, KIND_LOAN, application_id)
    if loan is None:
        raise ConsortiumError(
            ErrorCode.LOAN_NOT_FOUND, f"there is no loan application {application_id!r}"
        )
    if loan.get("enterprise") != consent.consent.enterprise:
        raise ConsortiumError(
            ErrorCode.NOT_RECORD_OWNER,
            f"application {application_id!r} is not {consent.consent.enterprise}'s",
        )
    loan = require_undecided_loan(call.state, application_id, str(loan.get("bank")))
    data_set, data_set_id = verify_and_record_transfer(call, consent, str(loan.get("bank")))
    loan = update_record(
        call.state,
        loan,
        {"data_set_id": data_set_id, "consent_id": consent.consent.consent_id},
        call.height,
    )
    policy_id = str(loan.get("policy_id", ""))
    if not policy_id:
        return
    policy = read_policy(call.state, str(loan.get("bank")), policy_id)
    if policy is None:  # registered policies are immutable: only a damaged store lacks it
        raise ConsortiumError(ErrorCode.POLICY_NOT_FOUND, f"policy {policy_id!r} is missing")
    facts = compute_facts(data_set.records, call.context.time_unix_ms)
    outcome = evaluate_policy(policy, facts, int(loan.get("amount", 0)))
    decision = Decision(
        get_policy_decision_id(application_id),
        outcome.approved,
        outcome.amount,
        outcome.rate_bp,
        outcome.reasons[:MAX_REASONS],
        DECIDED_BY_POLICY,
    )
    commit_decision(call, loan, decision, payload.record_seed)


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
    TxRule(
        TX_UPDATE_CLIENT,
        finance_pb2.UpdateClient,
        ANY_ROLE,
        execute_update_client,
        check_update_client,
    ),
    TxRule(
        TX_SUBMIT_MISBEHAVIOUR,
        finance_pb2.SubmitMisbehaviour,
        ANY_ROLE,
        execute_submit_misbehaviour,
        check_submit_misbehaviour,
    ),
    TxRule(TX_TRANSFER, finance_pb2.RelayTransfer, ANY_ROLE, execute_transfer, check_transfer),
    TxRule(
        TX_REVOKE_CONSENT,
        finance_pb2.RevokeConsent,
        ENTERPRISE,
        execute_revoke_consent,
        check_revoke_consent,
    ),
)

RECOVER_CLIENT = GovernanceExtension(check_recover_client, execute_recover_client)

FINANCE_APPLICATION = ConsortiumApplication.from_rules(
    "finance",
    [*get_membership_rules(BANK, {"recover_client": RECOVER_CLIENT}), *FINANCE_RULES],
    genesis_sections={"relay": compute_client_genesis_updates},
)
"""The finance chain's application: membership (registrars: the banks; governance also
recovers light clients), the rules above, and light clients of the source chains."""
