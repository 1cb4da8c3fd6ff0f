"""Enterprise: its records on each chain, one consent with the scope it picks, a loan
application carrying it, where each application stands, and revoking a consent.

Acts for the seeded enterprise chosen here, with its key from the consortium
directory (a demo consortium). The work is :mod:`dashboards.loans`; this page
lays it out. Actions run in button callbacks, so that they read the inputs as
they were when the button was clicked, and clear the cached reads after.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from chains import loan_story
from chains.consortium import FINANCE
from chains.core.errors import ConsortiumError, ErrorCode
from chains.seed import POLICIES, SeedPlan, read_seed_plan
from dashboards import loans
from dashboards.common import DATA_TTL_S, attempt, get_dir, load_consortium, require_consortium
from dashboards.common import show_error as show_node_error
from dashboards.data import get_applications, get_finance_client, get_relay_status

PICK = "enterprise_pick"
SCOPE_PREFIX = "enterprise_scope_"
CHAINS = "enterprise_scope_chains"
BANK = "enterprise_bank"
EXPIRY = "enterprise_expiry_hours"
APPLICATION_ID = "enterprise_application_id"
AMOUNT = "enterprise_amount_yuan"
TERM = "enterprise_term_months"
PURPOSE = "enterprise_purpose"
POLICY = "enterprise_policy"
APPLY = "enterprise_apply"
APPLY_RESULT = "enterprise_apply_result"
REVOKE_PICK = "enterprise_revoke_pick"
REVOKE_OTHER = "enterprise_revoke_other"
REVOKE_REASON = "enterprise_revoke_reason"
REVOKE = "enterprise_revoke"
REVOKE_RESULT = "enterprise_revoke_result"

BY_POLICY, BY_OFFICER = "policy", "officer"
STATE_ICONS = {
    loans.DONE: "✅",
    loans.WAITING: "⏳",
    loans.FAILED: "❌",
    loans.SKIPPED: "➖",
}
BANKS = {bank.bank_id: bank.name for bank in loans.get_banks()}


def get_records_key(chain_id: str) -> str:
    """The widget key of the records picked on ``chain_id``."""
    return f"{SCOPE_PREFIX}records_{chain_id}"


def get_fields_key(kind: str) -> str:
    """The widget key of the fields picked for records of ``kind``."""
    return f"{SCOPE_PREFIX}fields_{kind}"


def get_record_option(record: loans.EnterpriseRecord) -> str:
    """How a record is named in the records picker: ``kind/id``."""
    return f"{record.kind}/{record.record_id}"


# ------------------------------------------------------------------ reading


@st.cache_resource(show_spinner=False)
def load_plan(root: str) -> SeedPlan:
    """The seed plan of the consortium (recomputed once from its seed file)."""
    return read_seed_plan(load_consortium(root))


@st.cache_data(ttl=DATA_TTL_S, show_spinner=False)
def load_records(root: str, uscc: str) -> list[loans.EnterpriseRecord]:
    """The enterprise's seeded records, each read with its proof (cached briefly)."""
    consortium = load_consortium(root)
    return loans.fetch_enterprise_records(consortium, load_plan(root), uscc)


@st.cache_data(ttl=DATA_TTL_S, show_spinner=False)
def load_applications(root: str, uscc: str):
    """The enterprise's applications, newest first, each with its consent, data set and
    decision (cached briefly)."""
    consortium = load_consortium(root)
    with get_finance_client(consortium) as client:
        return get_applications(client, consortium.get_chain(FINANCE).chain_id, enterprise=uscc)


def require_plan(root: str) -> SeedPlan:
    """The seed plan, or stop the page saying how to seed the consortium."""
    try:
        return load_plan(root)
    except ConsortiumError as error:
        if error.code == ErrorCode.NOT_FOUND:
            st.error(
                f"**{error.code.name}**: {error.message}\n\nThe Enterprise page acts for the "
                "seeded enterprises: run `consortium seed DIR`, then reload.",
                icon="⚠️",
            )
        else:
            show_node_error(error)
        st.stop()


# ------------------------------------------------------------------ actions


def reset_scope() -> None:
    """Forget the scope and bank picked for the previous enterprise (its records differ)."""
    for key in list(st.session_state):
        if str(key).startswith(SCOPE_PREFIX) or key in (BANK, APPLY_RESULT, REVOKE_RESULT):
            del st.session_state[key]


def get_picked_records(records: list[loans.EnterpriseRecord]) -> list:
    """The consent's records as picked: chains, then records on them, then fields by kind."""
    chains = st.session_state.get(CHAINS, [])
    chosen = {
        record.place
        for record in records
        if record.chain_id in chains
        and get_record_option(record) in st.session_state.get(get_records_key(record.chain_id), [])
    }
    options = loans.get_field_options(records)
    fields = {
        kind: st.session_state.get(get_fields_key(kind), loans.get_default_fields(kind, names))
        for kind, names in options.items()
    }
    return loans.select_consent_records(records, chosen, fields)


def apply(root: str, uscc: str) -> None:
    """Button callback: sign the consent as picked and apply for the loan carrying it."""

    def action() -> str:
        picked = get_picked_records(load_records(root, uscc))
        if not picked:
            raise ConsortiumError(
                ErrorCode.INVALID_FIELD_VALUE,
                "the consent names no record: pick at least one chain and one record",
            )
        state = st.session_state
        bank = state[BANK]
        policy = POLICIES.get(bank)
        request = loans.LoanRequest(
            application_id=state[APPLICATION_ID].strip() or loans.get_default_application_id(uscc),
            bank=bank,
            amount_fen=int(state[AMOUNT]) * 100,
            term_months=int(state[TERM]),
            purpose=state[PURPOSE].strip(),
            policy_id=policy.policy_id if state[POLICY] == BY_POLICY and policy else "",
        )
        applied = loans.apply_for_loan(
            load_consortium(root), uscc, request, picked, int(state[EXPIRY]) * loans.HOUR_MS
        )
        return (
            f"Applied: {applied.application_id} to {bank} for "
            f"{loans.format_yuan(request.amount_fen)}, carrying consent {applied.consent_id} "
            f"over {applied.records} records; {applied.tx.describe()}. The relay carries it "
            "next: follow it under Applications."
        )

    st.session_state[APPLY_RESULT] = loans.perform(action)
    load_applications.clear()


def revoke(root: str, uscc: str) -> None:
    """Button callback: revoke the consent picked (or typed)."""

    def action() -> str:
        state = st.session_state
        consent_id = (state.get(REVOKE_OTHER) or "").strip() or state.get(REVOKE_PICK) or ""
        if not consent_id:
            raise ConsortiumError(
                ErrorCode.INVALID_FIELD_VALUE, "pick or type the id of the consent to revoke"
            )
        result = loan_story.revoke_consent(
            load_consortium(root), uscc, consent_id, (state.get(REVOKE_REASON) or "").strip()
        )
        return f"Revoked: consent {consent_id}; {result.describe()}. No transfer may use it now."

    st.session_state[REVOKE_RESULT] = loans.perform(action)
    load_applications.clear()


def show_outcome(key: str) -> None:
    """The last action's outcome under ``key``: what happened, or the code and what to do."""
    outcome = st.session_state.get(key)
    if outcome is None:
        return
    if outcome.error is not None:
        show_node_error(outcome.error)
    else:
        st.success(outcome.message, icon="✅")


# ------------------------------------------------------------------ sections


def show_records(records: list[loans.EnterpriseRecord]) -> None:
    """The enterprise's records, one table per chain."""
    st.header("Records on each chain")
    st.caption("Each read from its chain with its state proof under a certified header.")
    columns = st.columns(2)
    chains = list(dict.fromkeys(record.chain_id for record in records))
    for column, chain_id in zip(columns, chains, strict=False):
        with column:
            st.subheader(chain_id)
            rows = [
                {
                    "kind": record.kind,
                    "id": record.record_id,
                    "key fields": loans.get_key_fields(record),
                    "proven at height": record.height,
                }
                for record in records
                if record.chain_id == chain_id
            ]
            st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def show_scope_picker(records: list[loans.EnterpriseRecord]) -> None:
    """Chains, records and fields of the consent; the owner field always travels."""
    chains = list(dict.fromkeys(record.chain_id for record in records))
    picked_chains = st.multiselect("Source chains", chains, default=chains, key=CHAINS)
    columns = st.columns(max(1, len(chains)))
    for column, chain_id in zip(columns, chains, strict=False):
        on_chain = [record for record in records if record.chain_id == chain_id]
        options = [get_record_option(record) for record in on_chain]
        column.multiselect(
            f"Records on {chain_id}",
            options,
            default=options,
            key=get_records_key(chain_id),
            disabled=chain_id not in picked_chains,
        )
    options = loans.get_field_options(records)
    owners = {record.kind: record.owner_field for record in records}
    columns = st.columns(max(1, len(options)))
    for column, (kind, names) in zip(columns, options.items(), strict=False):
        column.multiselect(
            f"Fields of {kind} records",
            names,
            default=loans.get_default_fields(kind, names),
            key=get_fields_key(kind),
        )
        column.caption(f"`{owners[kind]}` always travels: it shows the record is yours.")


def show_application_form(root: str, uscc: str, house_bank: str, records) -> None:
    """The consent's scope, bank and expiry, and the loan it is for."""
    st.header("Consent and loan application")
    show_scope_picker(records)
    banks = list(BANKS)
    left, right = st.columns(2)
    bank = left.selectbox(
        "Bank",
        banks,
        index=banks.index(house_bank),
        key=BANK,
        format_func=lambda b: f"{BANKS[b]} ({b})" + (" · house bank" if b == house_bank else ""),
    )
    right.number_input("Consent valid for (hours)", 1, 24 * 90, 24, key=EXPIRY)
    left, middle, right = st.columns(3)
    left.number_input("Amount (yuan)", 1, 10**12, 300_000, step=10_000, key=AMOUNT)
    middle.number_input("Term (months)", 1, 360, 24, key=TERM)
    policy = POLICIES.get(bank)
    right.selectbox(
        "Decided by",
        [BY_POLICY, BY_OFFICER] if policy else [BY_OFFICER],
        key=POLICY,
        format_func=lambda v: (
            f"the bank's policy: {policy.name}" if v == BY_POLICY and policy else "its officer"
        ),
    )
    left, right = st.columns(2)
    left.text_input("Purpose", loans.DEFAULT_PURPOSE, key=PURPOSE)
    right.text_input(
        "Application id", "", key=APPLICATION_ID, placeholder=f"blank: LA-{uscc}-<unix time>"
    )
    picked = get_picked_records(records)
    st.caption(
        f"The consent lets {bank} read {len(picked)} of your records "
        f"({sum(len(r.fields) for r in picked)} fields) on this application only."
    )
    st.button(
        "Sign consent and apply", key=APPLY, type="primary", on_click=apply, args=(root, uscc)
    )
    show_outcome(APPLY_RESULT)


def show_timelines(root: str, views) -> None:
    """Each application: consent signed → transferred → verified → decided."""
    st.header("Applications")
    if not views:
        st.info("No application yet.")
        return
    relay = attempt(lambda: get_relay_status(load_consortium(root)))
    packets = relay.state.packets if relay is not None else {}
    timelines = []
    for view in views:
        record_id = f"{view.loan.fields.get('enterprise')}:{view.loan.fields.get('consent_id')}"
        timelines.append(loans.get_timeline(view, packets.get(record_id)))
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "application": view.application_id,
                    "bank": view.loan.fields.get("bank"),
                    "amount": loans.format_yuan(int(view.loan.fields.get("amount", 0))),
                    "stage": timeline.stage,
                    "outcome": view.status,
                }
                for view, timeline in zip(views, timelines, strict=True)
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    for view, timeline in zip(views, timelines, strict=True):
        with st.expander(f"{view.application_id} · {timeline.stage}"):
            for column, step in zip(st.columns(len(timeline.steps)), timeline.steps, strict=True):
                column.markdown(f"{STATE_ICONS[step.state]} **{step.name}**")
                column.caption(step.detail)


def show_revoke(root: str, uscc: str, views) -> None:
    """Revoke a consent of one's own not yet used."""
    st.header("Revoke a consent")
    unused = loans.get_unused_consents(views)
    left, middle, right = st.columns(3)
    left.selectbox(
        "Unused consent",
        unused,
        key=REVOKE_PICK,
        index=0 if unused else None,
        placeholder="no unused consent",
    )
    middle.text_input("or another consent id", key=REVOKE_OTHER)
    right.text_input("Reason", key=REVOKE_REASON)
    st.button("Revoke consent", key=REVOKE, on_click=revoke, args=(root, uscc))
    show_outcome(REVOKE_RESULT)


# ------------------------------------------------------------------ page

st.title("Enterprise")
consortium = require_consortium()
root = str(get_dir())
plan = require_plan(root)
enterprises = {enterprise.uscc: enterprise for enterprise in plan.enterprises}
uscc = st.selectbox(
    "Enterprise",
    list(enterprises),
    key=PICK,
    format_func=lambda code: f"{enterprises[code].name} ({code})",
    on_change=reset_scope,
)
enterprise = enterprises[uscc]
st.caption(
    f"{enterprise.industry} · {enterprise.region} · house bank {BANKS[enterprise.house_bank]}"
)
records = attempt(lambda: load_records(root, uscc))
if records is not None:
    show_records(records)
    show_application_form(root, uscc, enterprise.house_bank, records)
views = attempt(lambda: load_applications(root, uscc))
if views is not None:
    show_timelines(root, views)
    show_revoke(root, uscc, views)
