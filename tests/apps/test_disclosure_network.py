"""DiscloseRecords on a real tax chain: a relay gets an enterprise's consented records over
gRPC, with proofs the finance chain's check accepts, and nothing without a valid consent.

One network of 4 validator processes: the tax bureau registers two enterprises, each
issues an e-invoice to a bank. The first enterprise signs consents; the relay asks a node.
"""

from __future__ import annotations

import os
import time

import grpc
import pytest

from chains.apps.fields import compute_uscc_check_character
from chains.apps.membership import TX_REGISTER_ENTERPRISE
from chains.core.consensus.validators import encode_validator_set
from chains.core.errors import ErrorCode
from chains.core.types import ChainId
from chains.runtime.api import ERROR_CODE_METADATA
from chains.runtime.genesis import read_genesis
from chains.tax.app import TX_ISSUE_INVOICE
from consortium.v1 import membership_pb2, node_pb2, node_pb2_grpc, relay_pb2, tax_pb2
from relay.consent import make_signed_consent
from relay.light_client import CertifiedHeader, create_client
from relay.transfer import verify_transfer
from tests.apps.harness import make_key
from tests.apps.test_bundle_network import Sender, make_app_state
from tests.runtime.netutil import LocalNet

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

ENTERPRISE = "91440300MA5F0B7K3" + compute_uscc_check_character("91440300MA5F0B7K3")
NEIGHBOUR = "91440300MA5NEGHB9" + compute_uscc_check_character("91440300MA5NEGHB9")
BANK = "bank-icbc-sz"
FINANCE = ChainId("finance-1")
INVOICE, NEIGHBOUR_INVOICE = "044031900201", "044031900202"
HOUR_MS = 3_600_000


def _issue(sender: Sender, number: str) -> int:
    return sender.send(
        TX_ISSUE_INVOICE,
        tax_pb2.IssueInvoice(
            invoice_number=number,
            buyer=BANK,
            amount=100_000,
            tax_amount=13_000,
            tax_rate_bp=1300,
            issued_on="2026-11-02",
            description="office chairs",
            record_seed=os.urandom(32),
        ),
    )


def _register(bureau: Sender, uscc: str, name: str, key: bytes) -> None:
    bureau.send(
        TX_REGISTER_ENTERPRISE,
        membership_pb2.RegisterEnterprise(
            uscc=uscc, name=name, industry="manufacturing", region="Nanshan", account_key=key
        ),
    )


def _consent(chain_id: str, records, not_before_ms: int, expires_ms: int) -> bytes:
    consent = relay_pb2.Consent(
        consent_id="consent-net-1",
        enterprise=ENTERPRISE,
        bank=BANK,
        destination_chain=FINANCE,
        purpose="loan application",
        application_id="loan-1",
        scopes=[
            relay_pb2.ConsentScope(
                chain_id=chain_id,
                records=[
                    relay_pb2.ConsentRecord(kind=kind, id=record_id, fields=fields)
                    for kind, record_id, fields in records
                ],
            )
        ],
        not_before_ms=not_before_ms,
        expires_ms=expires_ms,
        nonce=os.urandom(16),
    )
    return make_signed_consent(make_key("enterprise"), consent)


def _refusal(address: str, signed_consent: bytes) -> tuple[grpc.StatusCode, ErrorCode]:
    """The status and the ``consortium-error-code`` trailing metadata of a refused call."""
    with grpc.insecure_channel(address) as channel:
        stub = node_pb2_grpc.NodeStub(channel)
        with pytest.raises(grpc.RpcError) as caught:
            stub.DiscloseRecords(
                node_pb2.DiscloseRecordsRequest(signed_consent=signed_consent), timeout=10
            )
    metadata = dict(caught.value.trailing_metadata() or ())
    return caught.value.code(), ErrorCode(int(metadata[ERROR_CODE_METADATA]))


def test_a_relay_gets_consented_records_and_nothing_without_a_valid_consent(tmp_path) -> None:
    net = LocalNet(tmp_path, app="tax", app_state=make_app_state())
    net.start_all()
    try:
        bureau = Sender(net, make_key("tax-bureau"))
        enterprise = Sender(net, make_key("enterprise"))
        neighbour = Sender(net, make_key("neighbour"))
        _register(bureau, ENTERPRISE, "Shenzhen Widgets Ltd", enterprise.key.public_key)
        _register(bureau, NEIGHBOUR, "Shenzhen Gadgets Ltd", neighbour.key.public_key)
        _issue(enterprise, INVOICE)
        issued_at = _issue(neighbour, NEIGHBOUR_INVOICE)

        now_ms = int(time.time() * 1000)
        fields = ["amount", "seller", "status"]
        signed = _consent(
            net.chain_id, [("invoice", INVOICE, fields)], now_ms - 60_000, now_ms + HOUR_MS
        )
        with net.client(1) as client:
            response = client.disclose_records(signed)
        assert response.height >= issued_at

        # The relay's side: trust the header only through the genesis validator set.
        genesis = read_genesis(net.root / "genesis.json")
        assert response.validator_set == encode_validator_set(genesis.validators)
        light_client = create_client(
            ChainId(net.chain_id),
            CertifiedHeader(response.header, response.certificate, response.validator_set),
            HOUR_MS,
            10_000,
        )
        transfer = relay_pb2.Transfer(
            signed_consent=signed, identity=response.identity, records=response.records
        )
        checked = verify_transfer(
            transfer,
            {ChainId(net.chain_id): light_client},
            ChainId(net.chain_id),
            BANK,
            FINANCE,
            int(time.time() * 1000),
        )
        assert checked.verdict.ok, checked.verdict
        (record,) = checked.data_set.records
        assert dict(record.fields) == {"amount": 100_000, "seller": ENTERPRISE, "status": "issued"}

        address = net.nodes[0].address
        expired = _consent(
            net.chain_id, [("invoice", INVOICE, fields)], now_ms - 2 * HOUR_MS, now_ms - HOUR_MS
        )
        assert _refusal(address, expired) == (
            grpc.StatusCode.PERMISSION_DENIED,
            ErrorCode.CONSENT_EXPIRED,
        )
        theirs = _consent(
            net.chain_id,
            [("invoice", INVOICE, fields), ("invoice", NEIGHBOUR_INVOICE, fields)],
            now_ms - 60_000,
            now_ms + HOUR_MS,
        )
        assert _refusal(address, theirs) == (
            grpc.StatusCode.PERMISSION_DENIED,
            ErrorCode.NOT_RECORD_OWNER,
        )
    finally:
        net.stop_all()
