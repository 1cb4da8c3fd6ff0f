"""The consortium for real: 12 validator processes, seeded through the CLI, records proven."""

from __future__ import annotations

import stat
import time

import pytest
from typer.testing import CliRunner

from chains.apps.records import (
    decode_record_body,
    decode_record_head,
    get_record_body_key,
    get_record_key,
)
from chains.cli import app
from chains.consortium import get_consortium_status, read_consortium
from chains.core.records import FieldValue, commit_record
from chains.finance.app import TX_DECIDE_LOAN
from chains.industry.app import TX_ATTEST
from chains.runtime.client import NodeClient, verify_state_response
from chains.runtime.launcher import is_process_alive, read_network
from chains.seed import (
    FINANCE_DESK,
    compute_plan_summary,
    compute_seed_plan,
    get_enterprise_key_path,
    read_enterprise_key,
)
from chains.tax.app import TX_DECLARE_INVOICE, TX_ISSUE_CLEARANCE

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

SEED = 5
ENTERPRISES = 5


def read_verified_record(address: str, kind: str, record_id: str) -> dict[str, FieldValue]:
    """A record's fields: its head proven in a certified header's state root, and its body
    the blob that head commits to."""
    with NodeClient(address) as client:
        height = client.get_chain_info().height
        validators = client.get_validator_set(height)
        key = get_record_key(kind, record_id)
        checked = verify_state_response(validators, key, client.query_state(key, height))
        assert checked.verdict.ok, (kind, record_id, checked.verdict)
        assert checked.height == height and checked.value is not None, (kind, record_id)
        head = decode_record_head(checked.value)
        body = client.get_blob(get_record_body_key(head.commitment))
    assert body.found, (kind, record_id)
    seed, fields = decode_record_body(body.value)
    assert commit_record(fields, seed).commitment == head.commitment
    return fields


def test_up_seed_and_read_proven_records_on_every_chain(tmp_path) -> None:
    root = tmp_path / "consortium"
    runner = CliRunner()
    started = time.monotonic()
    result = runner.invoke(app, ["up", str(root)])
    try:
        assert result.exit_code == 0, result.output
        assert "bank-cmb-sz" in result.output and "industry-1" in result.output
        statuses = get_consortium_status(root)
        assert [s.nodes_up for s in statuses] == [4, 4, 4]
        up_s = time.monotonic() - started

        result = runner.invoke(
            app, ["seed", str(root), "--enterprises", str(ENTERPRISES), "--seed", str(SEED)]
        )
        assert result.exit_code == 0, result.output
        consortium = read_consortium(root)
        # The plan is deterministic: the same seed gives what the command just sent.
        plan = compute_seed_plan(SEED, ENTERPRISES, consortium.get_public_keys())
        text = " ".join(result.output.split())  # the console wraps long lines
        assert f"{len(plan.txs)} transactions committed, all succeeded" in text
        for summary in compute_plan_summary(plan):
            assert f"│ {summary.chain} " in result.output and summary.txs > 0
        seed_s = time.monotonic() - started - up_s

        tax, industry, finance = (consortium.get_chain(n) for n in ("tax", "industry", "finance"))
        # Tax: a declared invoice, reimbursed by its holder; a clearance certificate.
        declare = next(tx for tx in plan.txs if tx.tx_type == TX_DECLARE_INVOICE)
        number = declare.decode().invoice_number
        invoice = read_verified_record(tax.addresses[1], "invoice", number)
        assert invoice["status"] == "declared"
        assert invoice["reimbursed_by"] == declare.sender == invoice["holder"]
        issue = next(tx for tx in plan.txs if tx.record_id == number).decode()
        assert (invoice["amount"], invoice["tax_amount"]) == (issue.amount, issue.tax_amount)
        clearance = next(tx for tx in plan.txs if tx.tx_type == TX_ISSUE_CLEARANCE)
        certificate = read_verified_record(tax.addresses[2], "clearance", clearance.record_id)
        assert certificate["status"] == "valid"
        filing_id = f"{clearance.decode().enterprise}:2023-Q1:vat"
        filing = read_verified_record(tax.addresses[3], "filing", filing_id)
        assert filing["status"] == "paid" and filing["tax_paid"] == filing["tax_due"] > 0
        # Industry: an attested production report.
        attest = next(tx for tx in plan.txs if tx.tx_type == TX_ATTEST).decode()
        report = read_verified_record(industry.addresses[0], attest.kind, attest.record_id)
        assert report["attestation"] == "attested"
        assert report["attested_by"] == "industry-association"
        # Finance: a decided loan application and its decision.
        decide = next(tx for tx in plan.txs if tx.tx_type == TX_DECIDE_LOAN).decode()
        loan = read_verified_record(finance.addresses[2], "loan", decide.application_id)
        assert loan["status"] == ("approved" if decide.approve else "rejected")
        assert loan["decision_id"] == decide.decision_id
        decision = read_verified_record(finance.addresses[1], "decision", decide.decision_id)
        assert decision["bank"] == loan["bank"]

        # Enterprise keys were written for later commands (mode 0600), and work.
        enterprise = plan.enterprises[0]
        path = get_enterprise_key_path(root, enterprise.uscc, FINANCE_DESK)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert read_enterprise_key(root, enterprise.uscc).public_key != (
            read_enterprise_key(root, enterprise.uscc, FINANCE_DESK).public_key
        )
        # A consortium is seeded once.
        again = runner.invoke(app, ["seed", str(root), "--enterprises", "2", "--seed", "9"])
        assert again.exit_code == 1 and "MEMBER_EXISTS" in again.output

        status = runner.invoke(app, ["status", str(root)])
        assert status.exit_code == 0, status.output
        text = " ".join(status.output.split())
        for chain_id in ("tax-1", "industry-1", "finance-1"):
            assert f"{chain_id}: height" in text
        assert text.count("4 of 4 validators up") == 3
    finally:
        pids = [
            pid
            for name in ("tax", "industry", "finance")
            if (root / name / "net.json").exists()
            for pid in read_network(root / name)[2].values()
        ]
        down = runner.invoke(app, ["down", str(root), "--remove"])
    assert down.exit_code == 0, down.output
    assert "stopped 12 validator process(es)" in down.output
    assert not root.exists()
    assert pids and not any(is_process_alive(pid) for pid in pids)
    print(f"up {up_s:.1f} s, seed {seed_s:.1f} s, total {time.monotonic() - started:.1f} s")
