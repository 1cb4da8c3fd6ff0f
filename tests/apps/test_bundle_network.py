"""Bundles from a real tax chain: 4 validator processes, then ``consortium bundle`` and ``verify``.

An enterprise is registered, issues an e-invoice to a bank, and the bank
locks and reimburses it. ``consortium bundle`` fetches the invoice from one
node; ``consortium verify`` checks the file offline against the genesis file,
as anyone holding the invoice would, and says by whom it was reimbursed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from google.protobuf.message import Message

from chains.apps.fields import compute_uscc_check_character
from chains.apps.membership import TX_REGISTER_ENTERPRISE
from chains.core.crypto import Ed25519KeyPair
from chains.core.transactions import make_signed_transaction
from chains.core.types import ChainId
from chains.tax.app import TX_ISSUE_INVOICE, TX_LOCK_INVOICE, TX_REIMBURSE_INVOICE
from consortium.v1 import membership_pb2, tax_pb2
from tests.apps.harness import make_key, make_org
from tests.runtime.netutil import LocalNet

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

CONSORTIUM = Path(sys.executable).with_name("consortium")
ENTERPRISE = "91440300MA5F0B7K3" + compute_uscc_check_character("91440300MA5F0B7K3")
INVOICE = "044031900111"
BANKS = ("bank-icbc-sz", "bank-ccb-sz", "bank-boc-sz", "bank-cmb-sz")
ORGANISATIONS = {
    "tax-bureau": ("tax_bureau", True),
    "public-security": ("public_security", True),
    "customs": ("customs", True),
    "pboc-shenzhen": ("central_bank", True),
    "audit-office": ("auditor", False),
    **{bank: ("bank", False) for bank in BANKS},
}
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def make_app_state() -> dict[str, object]:
    return {
        "organisations": [
            make_org(org_id, role, make_key(org_id), governing)
            for org_id, (role, governing) in ORGANISATIONS.items()
        ]
    }


class Sender:
    """Signs and submits one account's transactions with consecutive nonces."""

    def __init__(self, net: LocalNet, key: Ed25519KeyPair) -> None:
        self.net, self.key, self.nonce = net, key, 0

    def send(self, tx_type: str, payload: Message) -> int:
        """Submit and wait for the commit; the height it committed at (asserting success)."""
        self.nonce += 1
        raw = make_signed_transaction(
            self.key, ChainId(self.net.chain_id), self.nonce, tx_type, payload.SerializeToString()
        )
        with self.net.client(0) as client:
            admission = client.submit([raw])[0]
            assert admission.code == 0, admission
            response = client.wait_for_transaction(admission.tx_id, timeout_s=60)
        assert response.code == 0, response.message
        return response.height


def run_cli(*args: object) -> subprocess.CompletedProcess:
    environment = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    result = subprocess.run(
        [str(CONSORTIUM), *(str(arg) for arg in args)],
        capture_output=True,
        text=True,
        timeout=120,
        env=environment,
    )
    assert "Traceback" not in result.stdout + result.stderr, result.stdout + result.stderr
    return result


def flat(text: str) -> str:
    """Output without colour codes, whitespace collapsed (for wrapped lines)."""
    return " ".join(ANSI_ESCAPE.sub("", text).split())


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory):
    """A tax chain where invoice INVOICE was issued, then locked and reimbursed by a bank."""
    net = LocalNet(tmp_path_factory.mktemp("tax"), app="tax", app_state=make_app_state())
    net.start_all()
    try:
        bureau = Sender(net, make_key("tax-bureau"))
        enterprise = Sender(net, make_key("enterprise"))
        bank = Sender(net, make_key("bank-icbc-sz"))
        bureau.send(
            TX_REGISTER_ENTERPRISE,
            membership_pb2.RegisterEnterprise(
                uscc=ENTERPRISE,
                name="Shenzhen Widgets Ltd",
                industry="manufacturing",
                region="Nanshan",
                account_key=enterprise.key.public_key,
            ),
        )
        issued_at = enterprise.send(
            TX_ISSUE_INVOICE,
            tax_pb2.IssueInvoice(
                invoice_number=INVOICE,
                buyer="bank-icbc-sz",
                amount=100_000,
                tax_amount=13_000,
                tax_rate_bp=1300,
                issued_on="2026-11-02",
                description="office chairs",
                record_seed=os.urandom(32),
            ),
        )
        bank.send(
            TX_LOCK_INVOICE,
            tax_pb2.LockInvoice(invoice_number=INVOICE, reimbursement_ref="EXP-2026-0042"),
        )
        reimbursed_at = bank.send(
            TX_REIMBURSE_INVOICE, tax_pb2.ReimburseInvoice(invoice_number=INVOICE)
        )
        yield net, issued_at, reimbursed_at
    finally:
        net.stop_all()


def test_a_reimbursed_invoice_bundle_verifies_offline(chain, tmp_path: Path) -> None:
    net, _, reimbursed_at = chain
    out = tmp_path / "invoice.json"
    made = run_cli("bundle", "invoice", INVOICE, "--node", net.nodes[1].address, "--out", out)
    assert made.returncode == 0, made.stdout + made.stderr
    assert "21 of 21 fields disclosed" in flat(made.stdout)
    bundle = json.loads(out.read_text())
    assert (bundle["kind"], bundle["id"], bundle["chain_id"]) == ("invoice", INVOICE, "test-1")
    assert bundle["height"] >= reimbursed_at

    # The network is not needed any more: verify against the genesis file alone.
    checked = run_cli("verify", out, "--genesis", net.root / "genesis.json")
    output = flat(checked.stdout)
    assert checked.returncode == 0, output + checked.stderr
    assert output.count("✓") == 7
    assert f"authentic: invoice {INVOICE} is committed on chain test-1" in output
    assert "certified by" in output and "of 4 validators" in output
    assert f"reimbursed by bank-icbc-sz at height {reimbursed_at}" in output
    assert "the trusted genesis set" in output

    # Without the genesis file it still checks, but says where the set came from.
    unanchored = run_cli("verify", out)
    assert unanchored.returncode == 0
    assert "taken from the bundle itself" in flat(unanchored.stdout)


def test_a_tampered_bundle_fails_with_its_code(chain, tmp_path: Path) -> None:
    net, _, _ = chain
    out = tmp_path / "invoice.json"
    made = run_cli("bundle", "invoice", INVOICE, "--node", net.nodes[0].address, "--out", out)
    assert made.returncode == 0, made.stdout + made.stderr
    bundle = json.loads(out.read_text())
    status = next(f for f in bundle["fields"]["disclosed"] if f["name"] == "status")
    # "reimbursed" -> "reimbursee": the holder claims another state.
    status["value"] = status["value"][:-2] + "65"
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(bundle))
    checked = run_cli("verify", tampered, "--genesis", net.root / "genesis.json")
    assert checked.returncode == 1, checked.stdout + checked.stderr
    output = flat(checked.stdout)
    assert "✗ fields: RECORD_COMMITMENT_MISMATCH" in output
    assert "NOT verified" in output

    as_json = run_cli("verify", tampered, "--genesis", net.root / "genesis.json", "--json")
    assert as_json.returncode == 1
    report = json.loads(as_json.stdout)
    assert (report["verified"], report["code"]) == (False, "RECORD_COMMITMENT_MISMATCH")

    truncated = tmp_path / "truncated.json"
    truncated.write_text(out.read_text()[:100])
    unreadable = run_cli("verify", truncated)
    assert unreadable.returncode == 2
    assert "not JSON" in flat(unreadable.stderr)


def test_a_bundle_of_some_fields_at_an_earlier_height(chain, tmp_path: Path) -> None:
    net, issued_at, _ = chain
    out = tmp_path / "issued.json"
    made = run_cli(
        "bundle",
        "invoice",
        INVOICE,
        "--node",
        net.nodes[2].address,
        "--out",
        out,
        "--field",
        "status",
        "--field",
        "holder",
        "--height",
        issued_at,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    checked = run_cli("verify", out, "--genesis", net.root / "genesis.json", "--json")
    assert checked.returncode == 0, checked.stdout
    report = json.loads(checked.stdout)
    assert report["height"] == issued_at
    assert report["fields"] == {
        "holder": {"type": "str", "value": "bank-icbc-sz"},
        "status": {"type": "str", "value": "issued"},
    }
    assert report["anchored"] is True


def test_bundle_refusals_are_readable(chain, tmp_path: Path) -> None:
    net, _, _ = chain
    out = tmp_path / "none.json"
    missing = run_cli(
        "bundle", "invoice", "NO-SUCH-1", "--node", net.nodes[0].address, "--out", out
    )
    assert missing.returncode == 1
    assert "RECORD_NOT_FOUND" in flat(missing.stdout)
    unknown = run_cli(
        "bundle", "invoice", INVOICE, "--node", net.nodes[0].address, "--out", out, "--field", "x"
    )
    assert unknown.returncode == 1
    assert "RECORD_FIELD_UNKNOWN" in flat(unknown.stdout)
    assert not out.exists()
