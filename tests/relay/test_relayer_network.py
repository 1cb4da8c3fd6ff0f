"""The whole story across real processes: three chains of four validators and the relayer.

An enterprise seeded on the tax and industry chains applies to its bank with
one consent; the relayer process discloses its records from the source
nodes and submits one transfer; the finance chain verifies it and its policy
decides. Then what a relayer must survive: a revoked consent, a crash after
sending, a transfer sent twice, and light clients kept fresh.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import time
import urllib.request

import pytest
from typer.testing import CliRunner

from chains.apps.bundle import fetch_verified_record
from chains.apps.membership import TX_ADD_ACCOUNT
from chains.cli import app
from chains.consortium import (
    FINANCE,
    create_consortium,
    start_consortium,
    stop_consortium,
)
from chains.core.app import get_nonce_key
from chains.core.crypto import compute_ed25519_key_pair
from chains.core.errors import ErrorCode
from chains.finance.app import KIND_LOAN
from chains.finance.relay_rules import (
    KIND_DATA_SET,
    TX_TRANSFER,
    get_consent_record_id,
)
from chains.loan_story import apply_with_consent, get_enterprise_records, wait_for_decision
from chains.runtime.client import NodeClient
from chains.seed import ChainSender, compute_seed_plan, submit_seed_plan
from consortium.v1 import finance_pb2, membership_pb2
from relay.consent import decode_signed_consent
from relay.daemon import (
    RELAY_ORGANISATION,
    get_relay_dir,
    get_relayer_config,
    read_process_file,
    start_relayer_process,
    stop_relayer,
)
from relay.relayer import DELIVERED, REVOKED, Relayer, load_state

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("consortium")
    consortium = create_consortium(root)
    try:
        start_consortium(root)
        plan = compute_seed_plan(2026, 2, consortium.get_public_keys())
        submit_seed_plan(consortium, plan)
        yield consortium, plan
    finally:
        stop_consortium(root)


def _finance_client(consortium) -> NodeClient:
    return NodeClient(consortium.get_chain(FINANCE).addresses[0])


def _enterprise(consortium, plan, index: int = 0):
    candidates = [e for e in plan.enterprises if not e.is_genesis_member]
    enterprise = candidates[index]
    return enterprise, consortium.read_key(enterprise.uscc).key_pair


def _wait_for_packet(root, record_id: str, status: str, timeout_s: float = 30.0) -> None:
    """Wait until the relayer's state file says ``record_id`` is ``status``."""
    deadline = time.monotonic() + timeout_s
    while True:
        packet = load_state(get_relay_dir(root) / "state.json").packets.get(record_id)
        if packet is not None and packet.status == status:
            return
        assert time.monotonic() < deadline, f"{record_id} is {packet and packet.status}"
        time.sleep(0.1)


def _relay_nonce(consortium, client: NodeClient) -> int:
    key = consortium.read_key(RELAY_ORGANISATION).key_pair
    response = client.query_state(get_nonce_key(key.public_key))
    return int.from_bytes(response.value, "big") if response.found else 0


def test_one_consent_one_transfer_one_decision_with_its_evidence(world) -> None:
    consortium, plan = world
    enterprise, key = _enterprise(consortium, plan)
    records = get_enterprise_records(consortium, plan, enterprise.uscc)
    application = apply_with_consent(
        consortium, plan, enterprise, key, f"LA-{enterprise.uscc}-e2e-1", 500_000_00
    )
    with _finance_client(consortium) as client:
        outcome = wait_for_decision(client, application, timeout_s=60)
    decision = outcome.decision.fields
    record_id = get_consent_record_id(enterprise.uscc, application.consent_id)
    assert decision["decided_by"] == "policy"
    assert decision["outcome"] in ("approved", "rejected")
    assert (decision["consent_id"], decision["data_set_id"]) == (application.consent_id, record_id)
    assert decision["bank"] == enterprise.house_bank
    if decision["outcome"] == "approved":
        assert 0 < decision["amount"] <= 500_000_00 and decision["rate_bp"] > 0
    else:
        assert decision["reasons"]
    data_set = outcome.data_set.fields
    assert data_set["record_count"] == len(records)
    chains = {chain for chain, _ in (s.split("@") for s in str(data_set["sources"]).split())}
    assert chains == {"tax-1", "industry-1"}
    verified = finance_pb2.DataSetRecords.FromString(data_set["records"]).records
    assert sorted((r.chain_id, r.kind, r.id) for r in verified) == sorted(
        (r.chain_id, r.kind, r.record_id) for r in records
    )
    assert outcome.consent.fields["status"] == "used"
    # The relayer's own account of it (written once it has read the acknowledgement).
    _wait_for_packet(consortium.root, record_id, DELIVERED)
    port = read_process_file(consortium.root)["metrics_port"]
    metrics = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read()
    assert b'consortium_relay_packets{status="delivered"}' in metrics
    assert b"consortium_relay_client_height" in metrics
    # What a person sees from the command line.
    runner = CliRunner()
    shown = runner.invoke(app, ["relay", "status", str(consortium.root)])
    assert shown.exit_code == 0, shown.output
    assert "delivered" in shown.output and "running" in shown.output
    shown = runner.invoke(app, ["loan", "show", application.application_id, str(consortium.root)])
    assert shown.exit_code == 0, shown.output
    assert str(decision["decision_id"]) in shown.output and "dataset" in shown.output
    missing = runner.invoke(app, ["loan", "show", "no-such-application", str(consortium.root)])
    assert missing.exit_code == 1 and "NOT_FOUND" in missing.output


def test_a_consent_revoked_before_the_relay_carries_it_is_never_used(world) -> None:
    consortium, plan = world
    enterprise, key = _enterprise(consortium, plan, 1)
    stop_relayer(consortium.root)
    try:
        application = apply_with_consent(
            consortium, plan, enterprise, key, f"LA-{enterprise.uscc}-e2e-2", 300_000_00
        )
        # Wait for the application itself to be committed before revoking.
        with _finance_client(consortium) as client:
            deadline = time.monotonic() + 30
            while fetch_verified_record(client, KIND_LOAN, application.application_id) is None:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        root = str(consortium.root)
        revoke = ["consent", "revoke", application.consent_id, root]
        revoked = CliRunner().invoke(app, [*revoke, "--enterprise", enterprise.uscc])
        assert revoked.exit_code == 0 and "revoked" in revoked.output, revoked.output
        again = CliRunner().invoke(app, [*revoke, "--enterprise", enterprise.uscc])
        assert again.exit_code == 1 and "CONSENT_REVOKED" in again.output
    finally:
        start_relayer_process(consortium.root)
    record_id = get_consent_record_id(enterprise.uscc, application.consent_id)
    _wait_for_packet(consortium.root, record_id, REVOKED)
    with _finance_client(consortium) as client:
        assert fetch_verified_record(client, KIND_DATA_SET, record_id) is None
        loan = fetch_verified_record(client, KIND_LOAN, application.application_id)
        assert loan.fields["status"] == "submitted"
    # No data will come: the bank's officer rejects it by hand, once.
    decide = ["loan", "decide", application.application_id, str(consortium.root)]
    decide += ["--bank", enterprise.house_bank, "--reject", "--reason", "the consent was revoked"]
    decided = CliRunner().invoke(app, decide)
    assert decided.exit_code == 0 and "rejected" in decided.output, decided.output
    again = CliRunner().invoke(app, decide)
    assert again.exit_code == 1 and "LOAN_ALREADY_DECIDED" in again.output
    with _finance_client(consortium) as client:
        loan = fetch_verified_record(client, KIND_LOAN, application.application_id)
    assert (loan.fields["status"], loan.fields["decision_id"]) == (
        "rejected",
        f"{application.application_id}:officer",
    )


def test_after_a_crash_a_sent_transfer_is_not_sent_again_and_a_replay_has_no_effect(
    world,
) -> None:
    consortium, plan = world
    enterprise, key = _enterprise(consortium, plan)
    # The relayer dies hard; another instance carries the packet up to the transfer and
    # "crashes" before recording it.
    pid = read_process_file(consortium.root)["pid"]
    os.kill(pid, signal.SIGKILL)
    application = apply_with_consent(
        consortium, plan, enterprise, key, f"LA-{enterprise.uscc}-e2e-3", 200_000_00
    )
    record_id = get_consent_record_id(enterprise.uscc, application.consent_id)
    relayer = Relayer(
        get_relayer_config(consortium),
        consortium.read_key(RELAY_ORGANISATION).key_pair,
    )
    try:
        deadline = time.monotonic() + 30
        while record_id not in relayer.state.packets:
            assert time.monotonic() < deadline
            relayer.scan()
            time.sleep(0.1)
        packet = relayer.state.packets[record_id]
        signed = decode_signed_consent(bytes.fromhex(packet.signed_consent))
        transfer = relayer.build_transfer(signed, packet)
        first = relayer.send(TX_TRANSFER, transfer)
        assert first.code == 0, first.message
        # The same transfer again (a replaying relay): refused, nothing changes.
        second = relayer.send(TX_TRANSFER, transfer)
        assert second.code == ErrorCode.CONSENT_USED
    finally:
        relayer.close()
    with _finance_client(consortium) as client:
        nonce_before = _relay_nonce(consortium, client)
    # The restarted daemon reads its old state (the packet still pending) and settles it
    # from the chain, without sending it again.
    start_relayer_process(consortium.root)
    _wait_for_packet(consortium.root, record_id, DELIVERED)
    with _finance_client(consortium) as client:
        assert _relay_nonce(consortium, client) == nonce_before
        outcome = wait_for_decision(client, application, timeout_s=30)
    assert outcome.consent.fields["status"] == "used"


def test_the_relayer_keeps_the_light_clients_fresh(world) -> None:
    consortium, plan = world
    enterprise, key = _enterprise(consortium, plan)
    # New blocks on both source chains: the enterprise adds a key on each.
    for name in ("tax", "industry"):
        chain = consortium.get_chain(name)
        with ChainSender(chain.chain_id, chain.addresses) as sender:
            payload = membership_pb2.AddAccount(
                account_key=compute_ed25519_key_pair(os.urandom(32)).public_key, name=name
            )
            assert sender.send(key, TX_ADD_ACCOUNT, payload).code == 0
    config = get_relayer_config(consortium)
    config = dataclasses.replace(config, refresh_fraction=0.0)  # refresh at once
    relayer = Relayer(config, consortium.read_key(RELAY_ORGANISATION).key_pair)
    try:
        before = {chain: relayer.read_client_latest(chain)[0] for chain in relayer.sources}
        assert relayer.refresh_clients() == len(relayer.sources)
        after = {chain: relayer.read_client_latest(chain)[0] for chain in relayer.sources}
        tips = {
            chain: clients.call(lambda c: c.get_chain_info()).height
            for chain, clients in relayer.sources.items()
        }
    finally:
        relayer.close()
    for chain in before:
        assert before[chain] < after[chain] <= tips[chain]
