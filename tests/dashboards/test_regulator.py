"""The regulator and auditor page against the session's running consortium (Streamlit AppTest).

An invoice is issued and reimbursed twice on tax-1 here (the second attempt, from the
buyer's other account, fails with INVOICE_ALREADY_REIMBURSED); the page must prove the
invoice authentic and reimbursed by the first claimant, and list the second attempt
among the refused double reimbursements. World's consent carried to a decision must
show as used, its audit bundle must verify when uploaded, and a tampered copy must not.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import pytest
from streamlit.testing.v1 import AppTest

from chains.apps.audit import fetch_audit_bundle
from chains.apps.bundle import fetch_record_bundle
from chains.consortium import FINANCE, TAX
from chains.core.errors import ErrorCode
from chains.core.records import encode_field_value
from chains.runtime.client import NodeClient
from chains.seed import FINANCE_DESK, ChainSender, read_enterprise_key
from chains.tax.app import TX_ISSUE_INVOICE, TX_REIMBURSE_INVOICE
from chains.tax.invoices import compute_tax_amount
from consortium.v1 import tax_pb2
from dashboards.regulator_data import DECISION_KEY, INVOICE_KEY, UPLOAD_KEY
from tests.dashboards.conftest import APP_TIMEOUT_S, get_page

PAGE = get_page("regulator.py")
INVOICE = "26440399990000000777"


@dataclass(frozen=True)
class DoubleReimbursement:
    """An invoice reimbursed once by its buyer, then refused to the buyer's desk account."""

    number: str
    seller: str
    buyer: str
    first_height: int
    second_height: int
    second_tx: bytes


def reimburse_twice(world, number: str) -> DoubleReimbursement:
    """Issue invoice ``number`` between the seed's two small enterprises; the buyer
    reimburses it (claim EXP-T-1), then its desk account tries again (EXP-T-2)."""
    consortium, plan = world.consortium, world.plan
    root = consortium.root
    tax = consortium.get_chain(TAX)
    seller, buyer = [e for e in plan.enterprises if not e.is_genesis_member][:2]
    amount = 5_000_000
    with ChainSender(tax.chain_id, tax.addresses) as sender:
        issued = sender.send(
            read_enterprise_key(root, seller.uscc).key_pair,
            TX_ISSUE_INVOICE,
            tax_pb2.IssueInvoice(
                invoice_number=number,
                buyer=buyer.uscc,
                amount=amount,
                tax_amount=compute_tax_amount(amount, seller.vat_rate_bp),
                tax_rate_bp=seller.vat_rate_bp,
                issued_on="2026-11-21",
                description="dashboard test",
                record_seed=hashlib.sha256(f"dashboard-invoice/{number}".encode()).digest(),
            ),
        )
        first = sender.send(
            read_enterprise_key(root, buyer.uscc).key_pair,
            TX_REIMBURSE_INVOICE,
            tax_pb2.ReimburseInvoice(invoice_number=number, reimbursement_ref="EXP-T-1"),
        )
        second = sender.send(
            read_enterprise_key(root, buyer.uscc, FINANCE_DESK).key_pair,
            TX_REIMBURSE_INVOICE,
            tax_pb2.ReimburseInvoice(invoice_number=number, reimbursement_ref="EXP-T-2"),
        )
    assert [issued.code, first.code] == [0, 0], (issued.message, first.message)
    assert second.code == ErrorCode.INVOICE_ALREADY_REIMBURSED, second.message
    return DoubleReimbursement(
        number, seller.uscc, buyer.uscc, first.height, second.height, bytes(second.tx)
    )


@pytest.fixture(scope="module")
def reimbursed(world) -> DoubleReimbursement:
    return reimburse_twice(world, INVOICE)


@pytest.fixture(scope="module")
def audit_bundle(world) -> dict:
    with NodeClient(world.consortium.get_chain(FINANCE).addresses[0]) as client:
        return fetch_audit_bundle(client, str(world.outcome.decision.fields["decision_id"]))


def run_page() -> AppTest:
    app = AppTest.from_file(PAGE, default_timeout=APP_TIMEOUT_S).run()
    assert not app.exception, app.exception
    return app


def _frame(app: AppTest, column: str):
    """The page's dataframe that has ``column``."""
    return next(frame.value for frame in app.dataframe if column in frame.value.columns)


def _markdown(app: AppTest) -> str:
    return "\n".join(m.value for m in app.markdown)


def _upload(app: AppTest, name: str, content: bytes) -> AppTest:
    app.file_uploader(key=UPLOAD_KEY).set_value((name, content, "application/json"))
    app.run()
    assert not app.exception, app.exception
    return app


def test_an_invoice_is_authentic_and_reimbursed_by_the_first_claimant(world, reimbursed) -> None:
    app = run_page()
    app.text_input(key=INVOICE_KEY).input(reimbursed.number).run()
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    (success,) = [s.value for s in app.success if "Authentic" in s.value]
    assert reimbursed.number in success and "tax-1" in success
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["state"] == "reimbursed"
    assert metrics["reimbursed by"] == reimbursed.buyer
    assert metrics["reimbursed at"] == f"height {reimbursed.first_height}"
    text = _markdown(app)
    assert ":green[✓] **certificate**" in text and "✗" not in text
    assert f"reimbursed by {reimbursed.buyer} at height {reimbursed.first_height}" in text
    assert "trusted genesis set" in text
    captions = " ".join(c.value for c in app.caption)
    assert f"reimbursed in block {reimbursed.first_height}" in captions
    assert "UTC" in captions and "EXP" in captions


def test_the_second_reimbursement_is_among_the_refused(world, reimbursed) -> None:
    app = run_page()
    refused = _frame(app, "refusal")
    rows = refused[refused["invoice"] == reimbursed.number]
    assert len(rows) == 1
    row = rows.iloc[0]
    assert row["height"] == reimbursed.second_height
    assert row["sender"] == f"{reimbursed.buyer} ({FINANCE_DESK})"
    assert row["claim"] == "EXP-T-2"
    assert row["in block"] == "✓ proven"
    assert "already reimbursed" in row["refusal"] and reimbursed.buyer in row["refusal"]
    # The first, successful reimbursement is not a refusal.
    assert "EXP-T-1" not in set(refused["claim"])


def test_an_unknown_invoice_is_explained_not_a_traceback(world) -> None:
    app = run_page()
    app.text_input(key=INVOICE_KEY).input("NO-SUCH-INVOICE-1").run()
    assert not app.exception, app.exception
    (error,) = app.error
    assert "RECORD_NOT_FOUND" in error.value and "check the id" in error.value


def test_the_consents_ledger_lists_the_used_consent(world) -> None:
    app = run_page()
    ledger = _frame(app, "consent")
    rows = ledger[ledger["consent"] == world.application.consent_id]
    assert len(rows) == 1
    row = rows.iloc[0]
    assert (row["enterprise"], row["bank"]) == (world.enterprise, world.bank)
    assert row["application"] == world.application.application_id
    assert row["status"] == "used"
    assert row["data set"] == world.outcome.data_set.fields["data_set_id"]
    assert row["proof"].startswith("✓ height ")
    assert "not the genesis set" not in row["proof"]


def test_the_light_clients_are_fresh(world) -> None:
    app = run_page()
    clients = _frame(app, "source chain")
    assert set(clients["source chain"]) == {"tax-1", "industry-1"}
    assert set(clients["status"]) == {"fresh"}
    assert any("All 2 light clients are fresh" in s.value for s in app.success)
    assert not app.warning


def test_the_decisions_audit_bundle_verifies_offline(world, audit_bundle) -> None:
    app = _upload(run_page(), "audit.json", json.dumps(audit_bundle).encode())
    assert not app.error, [e.value for e in app.error]
    assert any("Verified offline" in s.value and "audit bundle" in s.value for s in app.success)
    text = _markdown(app)
    for step in ("decision record", "consent record", "source headers", "transfer re\\-verified"):
        assert f":green[✓] **{step}**" in text, step
    assert "✗" not in text
    decision_id = audit_bundle["decision_id"]
    assert f"decision {decision_id}" in text.replace("\\", "")


def test_a_tampered_audit_bundle_shows_the_failing_step_and_code(world, audit_bundle) -> None:
    forged = json.loads(json.dumps(audit_bundle))
    for item in forged["records"]["decision"]["fields"]["disclosed"]:
        if item["name"] == "amount":
            item["value"] = encode_field_value(10**12).hex()
    app = _upload(run_page(), "forged.json", json.dumps(forged).encode())
    (error,) = app.error
    assert "NOT verified" in error.value and "RECORD_COMMITMENT_MISMATCH" in error.value
    text = _markdown(app)
    assert ":green[✓] **format**" in text
    assert ":red[✗] **decision record**: `RECORD_COMMITMENT_MISMATCH`" in text


def test_an_invoice_bundle_verifies_against_the_tax_genesis(world, reimbursed) -> None:
    with NodeClient(world.consortium.get_chain(TAX).addresses[0]) as client:
        document = fetch_record_bundle(client, "invoice", reimbursed.number)
    app = _upload(run_page(), "invoice.json", json.dumps(document).encode())
    assert any("record bundle" in s.value and "tax\\-1 genesis" in s.value for s in app.success)
    text = _markdown(app)
    assert ":green[✓] **fields**" in text and "✗" not in text


def test_bad_uploads_are_explained(world) -> None:
    app = _upload(run_page(), "junk.json", b"{not json")
    (error,) = app.error
    assert "BUNDLE_MALFORMED" in error.value
    app = _upload(run_page(), "other.json", json.dumps({"chain_id": "elsewhere-9"}).encode())
    (error,) = app.error
    assert "WRONG_CHAIN_ID" in error.value
    assert "elsewhere" in _markdown(app)


def test_an_audit_bundle_can_be_exported_from_the_page(world) -> None:
    app = run_page()
    decision_id = str(world.outcome.decision.fields["decision_id"])
    assert decision_id in app.selectbox(key=DECISION_KEY).options


def test_a_missing_consortium_is_explained_not_a_traceback(world, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("CONSORTIUM_DIR", str(tmp_path / "nowhere"))
    app = AppTest.from_file(PAGE, default_timeout=APP_TIMEOUT_S).run()
    assert not app.exception
    (error,) = app.error
    assert "INVALID_CONFIG" in error.value
