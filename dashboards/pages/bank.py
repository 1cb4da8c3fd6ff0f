"""Bank: the applications addressed to it, with the checks the finance chain made, its
policy re-run on each verified data set next to the committed decision, and deciding by
hand what no policy decides.

Acts for the bank chosen here, with its key from the consortium directory (a
demo consortium). The work is :mod:`dashboards.loans`; this page lays it out.
The decision runs in the button's callback, so that it decides the
application that was picked when the button was clicked, even if the inbox
changed since.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from chains import loan_story
from chains.consortium import FINANCE
from chains.core.errors import ConsortiumError, ErrorCode
from chains.core.records import FieldValue
from chains.finance.facts import format_fact_value, get_fact_description
from chains.finance.policy import PolicyRule
from dashboards import loans
from dashboards.common import DATA_TTL_S, attempt, get_dir, load_consortium, require_consortium
from dashboards.common import show_error as show_node_error
from dashboards.data import get_finance_client

PICK = "bank_pick"
DECIDE_APPLICATION = "bank_decide_application"
DECIDE_ACTION = "bank_decide_action"
DECIDE_AMOUNT = "bank_decide_amount_yuan"
DECIDE_RATE = "bank_decide_rate_bp"
DECIDE_REASONS = "bank_decide_reasons"
DECIDE = "bank_decide"
DECIDE_RESULT = "bank_decide_result"

APPROVE, REJECT = "approve", "reject"
DEFAULT_RATE_BP = 400
BANKS = {bank.bank_id: bank.name for bank in loans.get_banks()}
MARKS = {True: "✓", False: "✗", None: "–"}
BADGE_COLOURS = {True: "green", False: "red", None: "gray"}


# ------------------------------------------------------------------ reading


@st.cache_data(ttl=DATA_TTL_S, show_spinner=False)
def load_inbox(root: str, bank: str) -> list[loans.InboxItem]:
    """The applications addressed to ``bank``, newest first, with their checks (cached
    briefly)."""
    consortium = load_consortium(root)
    with get_finance_client(consortium) as client:
        return loans.get_inbox(client, consortium.get_chain(FINANCE).chain_id, bank)


# ------------------------------------------------------------------ actions


def decide(root: str, bank: str) -> None:
    """Button callback: the officer's decision on the application picked, signed with the
    bank's key."""

    def action() -> str:
        state = st.session_state
        application_id = state.get(DECIDE_APPLICATION)
        if not application_id:
            raise ConsortiumError(ErrorCode.INVALID_FIELD_VALUE, "pick the application to decide")
        consortium = load_consortium(root)
        if state[DECIDE_ACTION] == APPROVE:
            # 0 yuan: lend what was asked for.
            requested = get_requested(root, bank, application_id)
            amount_fen = int(state[DECIDE_AMOUNT]) * 100 or requested
            rate_bp = int(state[DECIDE_RATE])
            result = loan_story.decide_loan(
                consortium, bank, application_id, True, amount_fen, rate_bp
            )
            said = f"approved {loans.format_yuan(amount_fen)} at {rate_bp} bp"
        else:
            reasons = [line.strip() for line in state[DECIDE_REASONS].splitlines()]
            result = loan_story.decide_loan(
                consortium, bank, application_id, False, reasons=[r for r in reasons if r]
            )
            said = "rejected"
        return (
            f"Decided: {application_id} {said} by the officer of {bank} (decision "
            f"{loan_story.get_officer_decision_id(application_id)}); {result.describe()}."
        )

    st.session_state[DECIDE_RESULT] = loans.perform(action)
    load_inbox.clear()


def get_requested(root: str, bank: str, application_id: str) -> int:
    """The amount ``application_id`` asks for, in fen (0 when it is not in the inbox)."""
    for item in load_inbox(root, bank):
        if item.view.application_id == application_id:
            return int(item.view.loan.fields.get("amount", 0))
    return 0


# ------------------------------------------------------------------ sections


def describe_rule(rule: PolicyRule) -> str:
    """A policy rule as it reads: ``tax.vat_paid_total >= 500,000.00 yuan``."""
    return f"{rule.field} {rule.op} {format_fact(rule.field, rule.value)}"


def format_fact(name: str, value: FieldValue | None) -> str:
    """A fact's value for people (fen as yuan); "missing" when the data set lacks it."""
    if value is None:
        return "missing"
    description = get_fact_description(name)
    return format_fact_value(value, description.unit if description else "")


def show_inbox_table(items: list[loans.InboxItem]) -> None:
    """One row per application: its status, each check, and the policy re-run."""
    rows = []
    for item in items:
        fields = item.view.loan.fields
        decision = item.view.decision.fields if item.view.decision is not None else {}
        evaluation = item.evaluation
        rows.append(
            {
                "application": item.view.application_id,
                "enterprise": fields.get("enterprise"),
                "amount": loans.format_yuan(int(fields.get("amount", 0))),
                "status": item.view.status,
                **{check.name: MARKS[check.ok] for check in item.checks},
                "policy re-run": "–"
                if evaluation is None or evaluation.matches is None
                else ("✓ matches" if evaluation.matches else "✗ differs"),
                "decided by": decision.get("decided_by", "–"),
            }
        )
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def show_checks(item: loans.InboxItem) -> None:
    """The three checks as badges, each with what it found."""
    st.markdown(
        " ".join(
            f":{BADGE_COLOURS[check.ok]}-badge[{MARKS[check.ok]} {check.name}]"
            for check in item.checks
        )
    )
    for check in item.checks:
        st.caption(f"**{check.name}**: {check.detail}")


def show_evaluation(item: loans.InboxItem) -> None:
    """The policy re-run on the data set's facts, rule by rule; or the facts alone."""
    evaluation = item.evaluation
    if evaluation is None:
        st.markdown("**Facts the data set proves** (no policy: the officer decides)")
        st.dataframe(
            pd.DataFrame(
                [{"fact": name, "value": format_fact(name, v)} for name, v in item.facts.items()]
            ),
            hide_index=True,
            width="stretch",
        )
        return
    outcome = evaluation.outcome
    st.markdown(f"**Policy re-run**: {evaluation.policy.name} (`{evaluation.policy.policy_id}`)")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "rule": describe_rule(check.rule),
                    "value read": format_fact(check.rule.field, check.actual),
                    "holds": MARKS[check.holds],
                    "reason": check.reason,
                }
                for check in outcome.checks
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    if outcome.approved:
        st.caption(f"would approve {loans.format_yuan(outcome.amount)} at {outcome.rate_bp} bp")
    else:
        st.caption(f"would reject: {'; '.join(outcome.reasons)}")


def show_decision(item: loans.InboxItem) -> None:
    """The committed decision, and whether the policy re-run says the same."""
    st.markdown("**Committed decision**")
    if item.view.decision is None:
        waiting = "the officer (below)" if item.is_awaiting_officer else "the relay and policy"
        st.caption(f"none yet: waiting for {waiting}")
        return
    st.write(loans.describe_decision(item.view.decision.fields))
    matches = item.evaluation.matches if item.evaluation is not None else None
    if matches is not None:
        colour = BADGE_COLOURS[matches]
        said = "the policy re-run says the same" if matches else "the policy re-run differs"
        st.markdown(f":{colour}-badge[{MARKS[matches]} {said}]")


def show_records(item: loans.InboxItem) -> None:
    """The data set's records and the fields disclosed of each."""
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "chain": record.chain_id,
                    "height": record.height,
                    "kind": record.kind,
                    "id": record.record_id,
                    "disclosed": " · ".join(
                        f"{name} {loans.format_field(name, value)}"
                        for name, value in record.fields.items()
                    ),
                }
                for record in item.records
            ]
        ),
        hide_index=True,
        width="stretch",
    )


def show_item(item: loans.InboxItem) -> None:
    """One application, opened."""
    fields = item.view.loan.fields
    title = (
        f"{item.view.application_id} · {fields.get('enterprise')} · "
        f"{loans.format_yuan(int(fields.get('amount', 0)))} · {item.view.status}"
    )
    with st.expander(title):
        st.caption(
            f"{fields.get('term_months')} months · {fields.get('purpose')} · policy "
            f"{fields.get('policy_id') or 'none'} · consent {fields.get('consent_id') or 'none'}"
        )
        show_checks(item)
        left, right = st.columns([3, 2])
        with left:
            show_evaluation(item)
        with right:
            show_decision(item)
        if item.records:
            show_records(item)


def show_decide(root: str, bank: str, items: list[loans.InboxItem]) -> None:
    """Approve or reject by hand an application no policy decides."""
    st.header("Decide by hand")
    waiting = {item.view.application_id: item for item in items if item.is_awaiting_officer}
    st.caption(
        "Applications no policy decides: without one, or without a consent left to carry. "
        "Signed with the bank's key (finance.loan.decide)."
    )

    def label(application_id: str) -> str:
        fields = waiting[application_id].view.loan.fields
        amount = loans.format_yuan(int(fields.get("amount", 0)))
        return f"{application_id} · {amount} · {waiting[application_id].view.status}"

    st.selectbox(
        "Application",
        list(waiting),
        key=DECIDE_APPLICATION,
        format_func=lambda a: label(a) if a in waiting else a,
        index=0 if waiting else None,
        placeholder="nothing waits for the officer",
    )
    left, middle, right = st.columns(3)
    left.radio("Decision", [APPROVE, REJECT], key=DECIDE_ACTION, horizontal=True)
    middle.number_input(
        "Approved amount (yuan; 0: as requested)", 0, 10**12, 0, step=10_000, key=DECIDE_AMOUNT
    )
    right.number_input("Rate (bp)", 1, 10_000, DEFAULT_RATE_BP, key=DECIDE_RATE)
    st.text_area("Reasons for a rejection (one per line)", key=DECIDE_REASONS)
    st.button(
        "Sign and commit the decision",
        key=DECIDE,
        type="primary",
        on_click=decide,
        args=(root, bank),
    )
    outcome = st.session_state.get(DECIDE_RESULT)
    if outcome is not None:
        if outcome.error is not None:
            show_node_error(outcome.error)
        else:
            st.success(outcome.message, icon="✅")


# ------------------------------------------------------------------ page

st.title("Bank")
consortium = require_consortium()
root = str(get_dir())
bank = st.selectbox("Bank", list(BANKS), key=PICK, format_func=lambda b: f"{BANKS[b]} ({b})")
st.header("Inbox")
st.caption(
    f"Applications addressed to {bank}, newest first. Each check is re-read from the finance "
    "chain with its proof; the data set exists only because the finance chain verified the "
    "transfer itself."
)
items = attempt(lambda: load_inbox(root, bank))
if items is not None:
    if items:
        show_inbox_table(items)
    else:
        st.info("No application is addressed to this bank yet.")
    for item in items:
        show_item(item)
    show_decide(root, bank, items)
