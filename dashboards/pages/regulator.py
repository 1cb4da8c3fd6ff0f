"""Regulator and auditor: invoice lookup, refused double reimbursements, the consents ledger,
the light clients that are not fresh, and an offline check of any uploaded bundle."""

from __future__ import annotations

import json
import re
import threading

import pandas as pd
import streamlit as st

from chains.apps.audit import fetch_audit_bundle
from chains.consortium import FINANCE, TAX
from dashboards.common import DATA_TTL_S, attempt, get_dir, load_consortium, require_consortium
from dashboards.data import get_chain_client, get_light_clients
from dashboards.regulator_data import (
    DECISION_KEY,
    INVOICE_KEY,
    KIND_AUDIT_BUNDLE,
    RECORD_STEP_MEANINGS,
    UPLOAD_KEY,
    ConsentScan,
    TaxScan,
    UploadCheck,
    format_time,
    get_audited_decisions,
    get_consents_ledger,
    get_used_applications,
    lookup_invoice,
    read_chain_genesis,
    update_consent_scan,
    update_tax_scan,
    verify_uploaded_bundle,
)

REFRESH_S = 5

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|~$])")


def _plain(text: str) -> str:
    """``text`` shown as itself in markdown (ids and messages may hold * _ ` …)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


# --------------------------------------------------------------------------
# Cached reading
# --------------------------------------------------------------------------


@st.cache_resource
def load_genesis(root: str, name: str):
    """A chain's genesis file: the trust anchor of every check on this page."""
    return read_chain_genesis(load_consortium(root), name)


@st.cache_resource
def _scans(root: str) -> dict[str, object]:
    """The last scan of each chain's blocks (each refresh reads only the new blocks)."""
    return {"lock": threading.Lock()}


def load_tax_scan(root: str) -> TaxScan:
    """The tax chain's blocks, read incrementally: refused reimbursements, recent invoices."""
    scans = _scans(root)
    with scans["lock"], get_chain_client(load_consortium(root), TAX) as client:
        scan = update_tax_scan(client, load_genesis(root, TAX), scans.get(TAX))
        scans[TAX] = scan
    return scan


def load_consent_scan(root: str) -> ConsentScan:
    """The finance chain's blocks, read incrementally: the consent records they name."""
    scans = _scans(root)
    with scans["lock"], get_chain_client(load_consortium(root), FINANCE) as client:
        scan = update_consent_scan(client, load_genesis(root, FINANCE), scans.get(FINANCE))
        scans[FINANCE] = scan
    return scan


@st.cache_data(ttl=DATA_TTL_S, show_spinner=False)
def load_invoice(root: str, number: str):
    """Invoice ``number``, proven against the tax genesis (cached briefly)."""
    with get_chain_client(load_consortium(root), TAX) as client:
        return lookup_invoice(client, number, load_genesis(root, TAX))


@st.cache_data(ttl=DATA_TTL_S, show_spinner=False)
def load_ledger(root: str, height: int):
    """Every consent record named up to finance ``height``, each read with its proof."""
    scan = load_consent_scan(root)
    with get_chain_client(load_consortium(root), FINANCE) as client:
        return get_consents_ledger(client, scan, load_genesis(root, FINANCE))


@st.cache_data(ttl=DATA_TTL_S, show_spinner=False)
def load_decisions(root: str, application_ids: tuple[str, ...]) -> list[str]:
    """The decisions of these applications: each one's audit bundle can be exported."""
    with get_chain_client(load_consortium(root), FINANCE) as client:
        return get_audited_decisions(client, application_ids)


@st.cache_data(ttl=30, show_spinner=False)
def load_audit_bundle(root: str, decision_id: str) -> bytes:
    """Decision ``decision_id``'s audit bundle as a file's bytes."""
    with get_chain_client(load_consortium(root), FINANCE) as client:
        return (json.dumps(fetch_audit_bundle(client, decision_id), indent=2) + "\n").encode()


@st.cache_data(ttl=DATA_TTL_S, show_spinner=False)
def load_clients(root: str):
    """The finance chain's light clients (cached briefly)."""
    return get_light_clients(load_consortium(root))


# --------------------------------------------------------------------------
# Sections
# --------------------------------------------------------------------------


def show_steps(check_steps, get_meaning) -> None:
    """Each step of a check: ✓ and what it proves, or ✗ with its code and why."""
    lines = []
    for step in check_steps:
        if step.ok:
            lines.append(
                f":green[✓] **{_plain(step.name)}**: {_plain(get_meaning(step))}  \n"
                f"<small>{_plain(step.detail)}</small>"
            )
        else:
            lines.append(
                f":red[✗] **{_plain(step.name)}**: `{step.code.name}`: {_plain(step.detail)}"
            )
    st.markdown("\n\n".join(lines), unsafe_allow_html=True)


def invoice_section(root: str) -> None:
    """Look an invoice up by number: authentic? which state? reimbursed by whom and when?"""
    st.subheader("Invoice lookup")
    scan = attempt(lambda: load_tax_scan(root))
    if scan is not None and scan.recent_invoices:
        st.caption("Recently issued: " + ", ".join(f"`{n}`" for n in scan.recent_invoices[:5]))
    number = st.text_input(
        "Invoice number", key=INVOICE_KEY, placeholder="e.g. 26440399990000000001"
    ).strip()
    if not number:
        st.caption(
            "The invoice is read from a tax node with its proof and checked here against the "
            "tax chain's genesis validators, as anyone holding its bundle could."
        )
        return
    lookup = attempt(lambda: load_invoice(root, number))
    if lookup is None:
        return
    if not lookup.authentic:
        step = lookup.report.steps[-1]
        st.error(
            f"**NOT authentic**: invoice {_plain(number)} does not verify: "
            f"`{step.code.name}` at step {_plain(step.name)}: {_plain(step.detail)}",
            icon="⛔",
        )
        return
    report = lookup.report
    st.success(
        f"**Authentic**: invoice {_plain(number)} is committed on {report.chain_id} at height "
        f"{report.height}, certified by {report.signer_count} of {report.validator_count} "
        "genesis validators.",
        icon="✅",
    )
    state, by, when = st.columns([1, 2, 1])
    state.metric("state", lookup.status)
    by.metric("reimbursed by", lookup.reimbursed_by or "not reimbursed")
    when.metric(
        "reimbursed at",
        f"height {lookup.reimbursed_height}" if lookup.reimbursed_height else "-",
    )
    if lookup.reimbursed_height:
        st.caption(
            f"reimbursed in block {lookup.reimbursed_height}, certified time "
            f"{format_time(lookup.reimbursed_time_unix_ms)}; claim "
            f"{_plain(str(lookup.fields.get('reimbursement_ref', '')) or '-')}"
        )
    show_summary(lookup.describe())
    with st.expander("What was checked"):
        show_steps(report.steps, lambda s: RECORD_STEP_MEANINGS.get(s.name, ""))
    st.download_button(
        "Download the invoice's bundle",
        json.dumps(lookup.bundle, indent=2) + "\n",
        file_name=f"invoice-{number}.json",
        mime="application/json",
        key="regulator_invoice_download",
    )


def refusals_section(root: str) -> None:
    """Every reimbursement the tax chain refused because the invoice was reimbursed already."""
    st.subheader("Refused double reimbursements")
    scan = attempt(lambda: load_tax_scan(root))
    if scan is None:
        return
    if not scan.refused:
        st.info(f"None on {scan.chain_id} up to height {scan.height}.")
        return
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "invoice": r.invoice_number,
                    "sender": r.sender,
                    "claim": r.reimbursement_ref or "-",
                    "height": r.height,
                    "time": format_time(r.time_unix_ms),
                    "tx": r.tx_id.hex()[:16] + "…",
                    "in block": "✓ proven" if r.proven else "✗ not proven",
                    "refusal": r.message,
                }
                for r in reversed(scan.refused)
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    st.caption(
        f"Failing `tax.invoice.reimburse` transactions (INVOICE_ALREADY_REIMBURSED) in "
        f"{scan.chain_id}'s blocks up to height {scan.height}; each one's inclusion is "
        "proven in its certified block."
    )


def consents_section(root: str):
    """Every consent record on the finance chain, each read with its proof."""
    st.subheader("Consents ledger")
    scan = attempt(lambda: load_consent_scan(root))
    if scan is None:
        return None
    ledger = attempt(lambda: load_ledger(root, scan.height))
    if ledger is None:
        return None
    if not ledger:
        st.info(f"No consent on {scan.chain_id} up to height {scan.height}.")
        return ledger
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "enterprise": e.enterprise,
                    "bank": e.bank,
                    "application": e.application_id,
                    "consent": e.consent_id,
                    "status": e.status,
                    "changed at": e.changed_height,
                    "expires": format_time(e.expires_ms) if e.expires_ms else "-",
                    "data set": e.data_set_id or "-",
                    "reason": e.reason or "-",
                    "proof": f"✓ height {e.proven_height}"
                    + ("" if e.genesis_set else " (not the genesis set)"),
                }
                for e in ledger
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    counts = {status: sum(e.status == status for e in ledger) for status in ("granted", "used")}
    revoked = sum(e.status == "revoked" for e in ledger)
    st.caption(
        f"{len(ledger)} consent records: {counts['granted']} granted, {counts['used']} used, "
        f"{revoked} revoked; each proven under a certified {scan.chain_id} header."
    )
    return ledger


@st.fragment(run_every=REFRESH_S)
def clients_section(root: str) -> None:
    """The finance chain's light clients; anything not fresh stands out."""
    st.subheader("Light clients on finance-1")
    clients = attempt(lambda: load_clients(root))
    if clients is None:
        return
    stale = [c for c in clients if c.status != "fresh"]
    for client in stale:
        message = (
            f"**{client.chain_id}**: {client.status} (trusted height {client.height}, header "
            f"time {format_time(client.header_time_unix_ms)})"
        )
        if client.status in ("frozen", "expired"):
            st.error(
                message
                + ": transfers from this chain are refused until it is "
                + ("unfrozen by governance." if client.status == "frozen" else "updated."),
                icon="🧊" if client.status == "frozen" else "⌛",
            )
        else:
            st.warning(message + ": the relayer should update it soon.", icon="⏳")
    if not stale and clients:
        st.success(f"All {len(clients)} light clients are fresh.", icon="✅")
    frame = pd.DataFrame(
        [
            {
                "source chain": c.chain_id,
                "trusted height": c.height,
                "header time": format_time(c.header_time_unix_ms),
                "trusting period": f"{c.trusting_period_ms / 86_400_000:g} days",
                "status": c.status,
            }
            for c in clients
        ]
    )
    st.dataframe(
        frame.style.map(
            lambda s: "" if s == "fresh" else "background-color: #f8d7da; font-weight: bold",
            subset=["status"],
        ),
        hide_index=True,
        width="stretch",
    )


def show_upload_check(check: UploadCheck) -> None:
    """An uploaded bundle's verdict, each step, and what it means."""
    if check.ok:
        st.success(
            f"**Verified offline**: this {check.kind} holds, against the {_plain(check.anchor)}.",
            icon="✅",
        )
    else:
        st.error(
            f"**NOT verified**: this {check.kind} fails with `{check.code}`.",
            icon="⛔",
        )
    show_steps(check.steps, check.get_meaning)
    if not check.ok or check.kind != KIND_AUDIT_BUNDLE:
        show_summary(check.summary)
        return
    # An audit bundle's summary lists every source record: the headline first, then all.
    headline = [line for line in check.summary if not line.startswith(" ")][:3]
    show_summary(headline)
    with st.expander("Everything it proves, record by record"):
        show_summary(check.summary)


def show_summary(lines) -> None:
    """A report's summary as a list (lines indented by two spaces nest under the one above)."""
    st.markdown(
        "\n".join(
            f"    - {_plain(line.strip())}" if line.startswith("  ") else f"- {_plain(line)}"
            for line in lines
        )
    )


def upload_section(root: str, ledger) -> None:
    """Verify a record bundle or an audit bundle offline."""
    st.subheader("Verify a bundle offline")
    st.caption(
        "A record bundle (e.g. an invoice) is checked against the genesis of the chain it "
        "names; a decision's audit bundle against the finance chain's genesis file. Nothing "
        "is read from the nodes for this check."
    )
    if ledger:
        with st.expander("No bundle at hand? Export a decision's audit bundle"):
            decisions = attempt(lambda: load_decisions(root, get_used_applications(ledger))) or []
            if not decisions:
                st.caption("No decision rests on a verified data set yet.")
            else:
                decision_id = st.selectbox("Decision", decisions, key=DECISION_KEY)
                content = attempt(lambda: load_audit_bundle(root, decision_id))
                if content is not None:
                    st.download_button(
                        "Download the audit bundle",
                        content,
                        file_name=f"audit-{decision_id.replace(':', '-')}.json",
                        mime="application/json",
                        key="regulator_audit_download",
                    )
    uploaded = st.file_uploader(
        "Bundle file (JSON)", type=["json"], key=UPLOAD_KEY, accept_multiple_files=False
    )
    if uploaded is None:
        return
    consortium = require_consortium()
    check = attempt(lambda: verify_uploaded_bundle(uploaded.getvalue(), consortium))
    if check is not None:
        show_upload_check(check)


st.title("Regulator and auditor")
require_consortium()
ROOT = str(get_dir())
invoice_section(ROOT)
st.divider()
refusals_section(ROOT)
st.divider()
ledger = consents_section(ROOT)
st.divider()
clients_section(ROOT)
st.divider()
upload_section(ROOT, ledger)
