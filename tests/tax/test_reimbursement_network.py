"""Exactly-once reimbursement across processes: 50 racing claims on a real 4-validator tax chain.

Four validator processes (SQLite) run the tax application. The buyer of one
invoice has 51 account keys; 50 of them each send ``tax.invoice.reimburse``
for that same invoice at the same moment, spread over the four validators.
Consensus orders them into blocks; the application must let exactly one
through and refuse the 49 others, identically on every validator, and the
invoice record every validator proves must name the one claim that won.
"""

from __future__ import annotations

import threading
import time

import pytest

from chains.apps.fields import compute_uscc_check_character
from chains.apps.membership import TX_ADD_ACCOUNT, TX_REGISTER_ENTERPRISE
from chains.apps.records import (
    decode_record_body,
    decode_record_head,
    get_record_body_key,
    get_record_key,
)
from chains.core.crypto import Ed25519KeyPair
from chains.core.errors import ErrorCode
from chains.core.records import commit_record
from chains.core.transactions import make_signed_transaction
from chains.core.types import ChainId, compute_sha256
from chains.runtime.client import NodeClient, verify_state_response
from chains.tax.app import KIND_INVOICE, TX_ISSUE_INVOICE, TX_REIMBURSE_INVOICE
from consortium.v1 import membership_pb2, tax_pb2
from tests.apps.harness import make_key, make_org
from tests.runtime.netutil import LocalNet

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

CLAIMS = 50
INVOICE_NUMBER = "INV-2025-000042"
GOVERNING = (
    ("tax-bureau", "tax_bureau"),
    ("public-security", "public_security"),
    ("customs", "customs"),
    ("pboc-shenzhen", "central_bank"),
)
LOSING_CODES = {ErrorCode.INVOICE_ALREADY_REIMBURSED, ErrorCode.INVOICE_LOCKED}


def make_uscc(first17: str) -> str:
    """A valid unified social credit code from its first 17 characters."""
    return first17 + compute_uscc_check_character(first17)


SELLER = make_uscc("91440300MA5F00001")
BUYER = make_uscc("91440300MA5F00002")


def _sign(net: LocalNet, key: Ed25519KeyPair, nonce: int, tx_type: str, payload) -> bytes:
    return make_signed_transaction(
        key, ChainId(net.chain_id), nonce, tx_type, payload.SerializeToString()
    )


def _submit_and_wait(net: LocalNet, txs: list[bytes], index: int = 0) -> None:
    """Submit ``txs`` to validator ``index``; every one must be admitted, then committed OK.

    Returns once every validator has committed them: the next step's transactions
    are admitted against each validator's own committed state (their senders must exist).
    """
    with net.client(index) as client:
        admissions = client.submit(txs)
        assert [a.code for a in admissions] == [0] * len(txs), admissions
        results = [client.wait_for_transaction(compute_sha256(raw), 30) for raw in txs]
    for response in results:
        assert response.code == 0, response.message
    top = max(response.height for response in results)
    for other in range(len(net.nodes)):
        net.wait_height(other, top)


@pytest.fixture
def net(tmp_path):
    app_state = {
        "organisations": [
            make_org(org_id, role, make_key(org_id), governing=True) for org_id, role in GOVERNING
        ]
    }
    network = LocalNet(tmp_path, app="tax", app_state=app_state)
    network.start_all()
    yield network
    network.stop_all()


def _set_up_invoice(net: LocalNet, buyer_accounts: list[Ed25519KeyPair]) -> None:
    """Register seller and buyer, give the buyer its extra keys, issue the invoice."""
    bureau = make_key("tax-bureau")
    seller_key, buyer_key = make_key("seller-primary"), make_key("buyer-primary")
    registrations = [
        _sign(
            net,
            bureau,
            nonce,
            TX_REGISTER_ENTERPRISE,
            membership_pb2.RegisterEnterprise(
                uscc=uscc,
                name=name,
                industry="manufacturing",
                region="Nanshan",
                account_key=key.public_key,
                account_name="primary",
            ),
        )
        for nonce, (uscc, name, key) in enumerate(
            [(SELLER, "Seller Ltd", seller_key), (BUYER, "Buyer Ltd", buyer_key)], start=1
        )
    ]
    _submit_and_wait(net, registrations)
    # Consecutive nonces in one submission: the mempool holds later ones until their turn.
    additions = [
        _sign(
            net,
            buyer_key,
            nonce,
            TX_ADD_ACCOUNT,
            membership_pb2.AddAccount(account_key=key.public_key, name=f"finance-desk-{nonce}"),
        )
        for nonce, key in enumerate(buyer_accounts, start=1)
    ]
    _submit_and_wait(net, additions, index=1)
    issue = tax_pb2.IssueInvoice(
        invoice_number=INVOICE_NUMBER,
        buyer=BUYER,
        amount=100_000_00,
        tax_amount=13_000_00,
        tax_rate_bp=1300,
        issued_on="2025-03-01",
        description="CNC machining centre",
        record_seed=bytes(range(32)),
    )
    _submit_and_wait(net, [_sign(net, seller_key, 1, TX_ISSUE_INVOICE, issue)], index=2)


def _race(net: LocalNet, claims: list[bytes]) -> list[int]:
    """Submit each claim from its own thread and client at once, round-robin over validators."""
    barrier = threading.Barrier(len(claims))
    codes: list[int | None] = [None] * len(claims)

    def send(position: int) -> None:
        with NodeClient(net.nodes[position % len(net.nodes)].address, timeout_s=10) as client:
            client.get_chain_info()  # connect before the start line, so the race is real
            barrier.wait(timeout=30)
            codes[position] = client.submit([claims[position]])[0].code

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(claims))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return codes


def test_fifty_concurrent_reimbursements_on_four_processes_succeed_exactly_once(
    net: LocalNet,
) -> None:
    started = time.monotonic()
    buyer_accounts = [make_key(f"buyer-desk-{i}") for i in range(CLAIMS)]
    _set_up_invoice(net, buyer_accounts)
    claims = [
        _sign(
            net,
            key,
            1,
            TX_REIMBURSE_INVOICE,
            tax_pb2.ReimburseInvoice(
                invoice_number=INVOICE_NUMBER, reimbursement_ref=f"EXP-2025-{i:04d}"
            ),
        )
        for i, key in enumerate(buyer_accounts)
    ]
    tx_ids = [compute_sha256(raw) for raw in claims]

    admitted = _race(net, claims)
    # The mempool does not run business rules: every claim is admitted, and so committed.
    assert admitted == [0] * CLAIMS

    per_node: list[list[tuple[int, int, int, str]]] = []
    for index in range(len(net.nodes)):
        with net.client(index) as client:
            responses = [client.wait_for_transaction(tx_id, 30) for tx_id in tx_ids]
        per_node.append([(r.height, r.index, r.code, r.message) for r in responses])
    # Every validator committed every claim at the same place with the same result.
    assert all(results == per_node[0] for results in per_node[1:])

    codes = [code for _, _, code, _ in per_node[0]]
    winners = [i for i, code in enumerate(codes) if code == 0]
    assert len(winners) == 1, f"{len(winners)} reimbursements succeeded: {codes}"
    losers = [ErrorCode(code) for i, code in enumerate(codes) if i != winners[0]]
    assert len(losers) == CLAIMS - 1
    assert set(losers) <= LOSING_CODES, set(losers)
    # The winner is the first claim in the chain's order (height, position): the others follow.
    places = [(height, position) for height, position, _, _ in per_node[0]]
    assert min(places) == places[winners[0]]

    # The same chain everywhere, up to a height every validator has.
    top = max(place[0] for place in per_node[0])
    for index in range(len(net.nodes)):
        net.wait_height(index, top)
    reference = net.block_hashes(0, top)
    for index in range(1, len(net.nodes)):
        assert net.block_hashes(index, top) == reference, f"validator {index} differs"

    # Every validator proves the same invoice record at that height, naming the winner.
    winning_ref = f"EXP-2025-{winners[0]:04d}"
    head_key = get_record_key(KIND_INVOICE, INVOICE_NUMBER)
    answers = []
    for index in range(len(net.nodes)):
        with net.client(index) as client:
            validators = client.get_validator_set(top)
            head = verify_state_response(validators, head_key, client.query_state(head_key, top))
            assert head.verdict.ok, head.verdict
            assert head.value is not None
            # The body is the blob under the proven head's commitment (checked below).
            body_key = get_record_body_key(decode_record_head(head.value).commitment)
            body = client.get_blob(body_key)
        assert body.found
        answers.append((head.value, body.value))
    assert all(answer == answers[0] for answer in answers[1:])
    seed, fields = decode_record_body(answers[0][1])
    assert commit_record(fields, seed).commitment == decode_record_head(answers[0][0]).commitment
    assert fields["status"] == "reimbursed"
    assert fields["reimbursed_by"] == BUYER
    assert fields["reimbursement_ref"] == winning_ref
    assert fields["holder"] == BUYER
    assert time.monotonic() - started < 60
