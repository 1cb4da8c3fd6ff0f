"""An audit bundle from a running consortium: ``consortium audit export``, then ``verify``.

Three chains of four validator processes and the relayer: an enterprise
seeded on the tax and industry chains applies with one consent, the relayer
carries its records, the finance chain's policy decides. ``consortium audit
export`` writes the decision's audit bundle from a finance node;
``consortium verify`` re-checks it offline against the finance genesis file
alone (the source light clients proven from the finance state the bundle
carries), and refuses a tampered copy.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from chains.cli import app
from chains.consortium import FINANCE, TAX, create_consortium, start_consortium, stop_consortium
from chains.loan_story import apply_with_consent, pick_story_enterprise, wait_for_decision
from chains.runtime.client import NodeClient
from chains.seed import compute_seed_plan, submit_seed_plan

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]


def test_a_decision_exported_from_a_running_consortium_verifies_offline(tmp_path) -> None:
    root = tmp_path / "consortium"
    consortium = create_consortium(root)
    try:
        start_consortium(root)  # the relayer starts with it
        plan = compute_seed_plan(2026, 2, consortium.get_public_keys())
        submit_seed_plan(consortium, plan)
        enterprise = pick_story_enterprise(plan)
        key = consortium.read_key(enterprise.uscc).key_pair
        application = apply_with_consent(
            consortium, plan, enterprise, key, f"LA-{enterprise.uscc}-audit", 500_000_00
        )
        finance = consortium.get_chain(FINANCE)
        with NodeClient(finance.addresses[0]) as client:
            outcome = wait_for_decision(client, application, timeout_s=60)
        decision_id = str(outcome.decision.fields["decision_id"])
        runner = CliRunner()
        out = tmp_path / "out" / "audit.json"
        exported = runner.invoke(
            app, ["audit", "export", decision_id, str(root), "--out", str(out)]
        )
        assert exported.exit_code == 0, exported.output
        assert f"decision {decision_id}" in exported.output
        assert not list(out.parent.glob(".*.tmp"))  # written whole, nothing left behind

        genesis = str(finance.genesis_path)
        checked = runner.invoke(app, ["verify", str(out), "--genesis", genesis])
        assert checked.exit_code == 0, checked.output
        assert "re-checked offline" in checked.output
        assert f"decision {decision_id} on chain {finance.chain_id}" in checked.output
        as_json = runner.invoke(app, ["verify", str(out), "--genesis", genesis, "--json"])
        report = json.loads(as_json.output)
        assert as_json.exit_code == 0 and report["verified"]
        assert report["decided_by"] == "policy" and report["re_evaluated"]
        assert {source["chain_id"] for source in report["sources"]} == {"tax-1", "industry-1"}
        # Each height the data set rests on is a header the finance chain's clients trusted,
        # carried by the relayer's transfer and certified by the source chain's genesis set.
        used = {(source["chain_id"], source["height"]) for source in report["sources"]}
        headers = {(h["chain_id"], h["height"]): h for h in report["source_headers"]}
        assert used <= set(headers)
        assert all(h["carried"] and h["genesis_set"] for h in headers.values())

        # The same from a named node, and against the wrong genesis.
        again = tmp_path / "again.json"
        by_node = runner.invoke(
            app,
            ["audit", "export", decision_id, "--node", finance.addresses[1], "--out", str(again)],
        )
        assert by_node.exit_code == 0, by_node.output
        tax_genesis = str(consortium.get_chain(TAX).genesis_path)
        wrong = runner.invoke(app, ["verify", str(again), "--genesis", tax_genesis])
        assert wrong.exit_code == 1 and "WRONG_CHAIN_ID" in wrong.output

        # One byte of the transfer changed: refused.
        document = json.loads(out.read_text())
        assert document["format"] == "consortium/audit-bundle/v2"
        assert set(document["light_clients"]) == {"tax-1", "industry-1"}
        tx = bytearray(bytes.fromhex(document["transaction"]["tx"]))
        tx[len(tx) // 2] ^= 0x01
        document["transaction"]["tx"] = tx.hex()
        tampered = tmp_path / "tampered.json"
        tampered.write_text(json.dumps(document))
        refused = runner.invoke(app, ["verify", str(tampered), "--genesis", genesis])
        assert refused.exit_code == 1, refused.output
        assert "MERKLE_ROOT_MISMATCH" in refused.output and "NOT verified" in refused.output

        # One byte of a trusted header the finance state holds changed: refused.
        document = json.loads(out.read_text())
        tax_headers = document["light_clients"]["tax-1"]["headers"]
        proven = tax_headers[min(tax_headers, key=int)]
        value = bytearray(bytes.fromhex(proven["value"]))
        value[-1] ^= 0x01
        proven["value"] = value.hex()
        tampered.write_text(json.dumps(document))
        refused = runner.invoke(app, ["verify", str(tampered), "--genesis", genesis])
        assert refused.exit_code == 1, refused.output
        assert "STATE_VALUE_MISMATCH" in refused.output
    finally:
        stop_consortium(root)
