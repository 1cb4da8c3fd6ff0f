"""The node's gRPC API against a real validator process: answers, proofs and refusals."""

from __future__ import annotations

import time

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from chains.core.app import get_nonce_key
from chains.core.crypto import compute_ed25519_key_pair
from chains.core.errors import ErrorCode
from chains.core.transactions import compute_tx_id
from chains.kv.app import get_kv_key, make_kv_set_tx
from chains.runtime.client import (
    NodeError,
    verify_certified_header,
    verify_state_response,
    verify_transaction_response,
)
from chains.runtime.genesis import read_genesis
from consortium.v1 import chain_pb2, node_pb2, node_pb2_grpc
from tests.runtime.netutil import LocalNet

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]


@pytest.fixture(scope="module")
def net(tmp_path_factory):
    network = LocalNet(tmp_path_factory.mktemp("api"), validators=1)
    network.start_all()
    network.wait_height(0, 1)
    yield network
    network.stop_all()


@pytest.fixture(scope="module")
def client(net):
    with net.client(0) as node_client:
        yield node_client


class Sender:
    """Account 1 of the network, sending with consecutive nonces."""

    def __init__(self, net: LocalNet) -> None:
        self.key = net.account(1)
        self.chain_id = net.chain_id
        self.nonce = 0

    def tx(self, key: bytes, value: bytes, nonce: int | None = None, chain_id=None) -> bytes:
        if nonce is None:
            self.nonce += 1
            nonce = self.nonce
        return make_kv_set_tx(self.key.key_pair, chain_id or self.chain_id, nonce, key, value)


@pytest.fixture(scope="module")
def sender(net):
    return Sender(net)


def _refusal(action) -> NodeError:
    with pytest.raises(NodeError) as caught:
        action()
    return caught.value


def test_health_is_serving_and_reflection_lists_the_services(net) -> None:
    with grpc.insecure_channel(net.nodes[0].address) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        for service in ("", "consortium.v1.Node", "consortium.v1.Peer"):
            response = health.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
            assert response.status == health_pb2.HealthCheckResponse.SERVING
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        request = reflection_pb2.ServerReflectionRequest(list_services="")
        answer = next(iter(stub.ServerReflectionInfo(iter([request]), timeout=5)))
        names = {s.name for s in answer.list_services_response.service}
    assert {"consortium.v1.Node", "consortium.v1.Peer", "grpc.health.v1.Health"} <= names


def test_chain_info_names_the_genesis(net, client) -> None:
    info = client.get_chain_info()
    genesis = read_genesis(net.nodes[0].home / "genesis.json")
    assert info.chain_id == "test-1"
    assert info.genesis_hash == genesis.hash
    assert info.height >= 1
    assert info.validator_public_key == genesis.validators.validators[0].public_key


def test_a_committed_transaction_is_served_with_a_proof_that_verifies(client, sender) -> None:
    raw = sender.tx(b"colour", b"blue")
    admission = client.submit([raw])[0]
    assert admission.code == 0 and admission.tx_id == compute_tx_id(raw)
    response = client.wait_for_transaction(admission.tx_id)
    assert response.tx == raw and response.code == 0
    validators = client.get_validator_set(response.height)
    assert verify_transaction_response(validators, response).ok
    # A proof for other bytes does not verify.
    response.tx = raw + b"x"
    assert not verify_transaction_response(validators, response).ok


def test_state_is_proven_present_and_absent_at_a_height(client, sender) -> None:
    tx_id = client.submit([sender.tx(b"city", b"Shenzhen")])[0].tx_id
    height = client.wait_for_transaction(tx_id).height
    validators = client.get_validator_set(height)
    present = client.query_state(get_kv_key(b"city"), height)
    checked = verify_state_response(validators, get_kv_key(b"city"), present)
    assert checked.verdict.ok and checked.value == b"Shenzhen"
    absent = client.query_state(get_kv_key(b"never-set"), height)
    assert not absent.found
    assert verify_state_response(validators, get_kv_key(b"never-set"), absent).verdict.ok
    before = client.query_state(get_kv_key(b"city"), height - 1)
    assert not before.found  # the state of an earlier height is still provable
    # A claimed value that is not the committed one does not verify.
    present.value = b"Beijing"
    assert not verify_state_response(validators, get_kv_key(b"city"), present).verdict.ok


def test_blocks_by_height_and_hash_and_their_certificates(client) -> None:
    height = client.get_chain_info().height
    by_height = client.get_block(height)
    validators = client.get_validator_set(height)
    header, certificate, verdict = verify_certified_header(
        validators, chain_pb2.Block.FromString(by_height.block).header, by_height.certificate
    )
    assert verdict.ok and certificate.height == height
    assert client.get_block(block_hash=header.hash).block == by_height.block
    for missing in (lambda: client.get_block(height + 1000), lambda: client.get_block(0)):
        error = _refusal(missing)
        assert error.code == ErrorCode.NOT_FOUND and error.status == grpc.StatusCode.NOT_FOUND
    error = _refusal(lambda: client.get_block(block_hash=b"\x00" * 32))
    assert error.code == ErrorCode.NOT_FOUND


def test_the_header_stream_delivers_every_height_in_order(client) -> None:
    start = client.get_chain_info().height
    heights = []
    for item in client.stream_headers(max(1, start - 2)):
        heights.append(item.height)
        if len(heights) == 5:
            break
    assert heights == list(range(max(1, start - 2), max(1, start - 2) + 5))


@pytest.mark.parametrize(
    ("make", "code", "status"),
    [
        (lambda s: b"\xff\x00garbage", ErrorCode.MALFORMED_INPUT, grpc.StatusCode.INVALID_ARGUMENT),
        (
            lambda s: s.tx(b"k", b"v", nonce=10**6, chain_id="other-1"),
            ErrorCode.WRONG_CHAIN_ID,
            grpc.StatusCode.INVALID_ARGUMENT,
        ),
        (lambda s: s.tx(b"k", b"v", nonce=1), ErrorCode.STALE_NONCE, "FAILED_PRECONDITION"),
        (
            lambda s: make_kv_set_tx(
                compute_ed25519_key_pair(b"\x07" * 32), "test-1", 1, b"k", b"v"
            ),
            ErrorCode.UNKNOWN_ACCOUNT,
            grpc.StatusCode.FAILED_PRECONDITION,
        ),
        (
            lambda s: s.tx(b"k", b"v" * 70_000, nonce=10**6),
            ErrorCode.TX_TOO_LARGE,
            grpc.StatusCode.INVALID_ARGUMENT,
        ),
    ],
)
def test_bad_transactions_are_refused_with_a_code_and_change_nothing(
    client, sender, make, code, status
) -> None:
    # Make sure nonce 1 is used, so that it is stale.
    client.wait_for_transaction(client.submit([sender.tx(b"warm", b"up")])[0].tx_id)
    before = client.get_chain_info().mempool_size
    error = _refusal(lambda: client.submit([make(sender)]))
    expected = status if isinstance(status, grpc.StatusCode) else grpc.StatusCode[status]
    assert (error.code, error.status) == (code, expected)
    assert client.get_chain_info().mempool_size == before


def test_a_bad_signature_is_refused(client, sender) -> None:
    signed = chain_pb2.SignedTransaction.FromString(sender.tx(b"k", b"v", nonce=10**7))
    signed.signature = bytes(64)
    error = _refusal(lambda: client.submit([signed.SerializeToString()]))
    assert error.status == grpc.StatusCode.INVALID_ARGUMENT
    assert error.code in (ErrorCode.BAD_SIGNATURE, ErrorCode.INVALID_SIGNATURE_ENCODING)


def test_a_mixed_batch_gets_one_result_per_transaction(client, sender) -> None:
    good = sender.tx(b"mixed", b"ok")
    results = client.submit([good, b"junk", good])
    assert [r.code for r in results] == [0, ErrorCode.MALFORMED_INPUT, ErrorCode.DUPLICATE_TX]


def test_empty_and_oversized_requests_are_refused(client) -> None:
    assert _refusal(lambda: client.submit([])).code == ErrorCode.MALFORMED_INPUT
    error = _refusal(lambda: client.submit([b"x"] * 10_001))
    assert error.code == ErrorCode.BATCH_TOO_LARGE
    # Above gRPC's maximum message size, gRPC itself refuses before the node reads it.
    error = _refusal(lambda: client.submit([b"x" * (17 * 1024 * 1024)]))
    assert error.status == grpc.StatusCode.RESOURCE_EXHAUSTED


def _peer_stream(net, messages):
    with grpc.insecure_channel(net.nodes[0].address) as channel:
        stub = node_pb2_grpc.PeerStub(channel)
        replies = []
        with pytest.raises(grpc.RpcError) as caught:
            for reply in stub.Connect(iter(messages), timeout=10):
                replies.append(reply)
        return caught.value, replies


def test_a_peer_with_another_genesis_is_dropped(net) -> None:
    hello = node_pb2.PeerMessage(
        hello=node_pb2.Hello(chain_id="test-1", genesis_hash=b"\x01" * 32, node_name="intruder")
    )
    error, _ = _peer_stream(net, [hello])
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "GENESIS_MISMATCH" in error.details()


def test_a_peer_sending_garbage_is_dropped_and_the_node_goes_on(net, client) -> None:
    genesis = read_genesis(net.nodes[0].home / "genesis.json")
    hello = node_pb2.PeerMessage(
        hello=node_pb2.Hello(chain_id="test-1", genesis_hash=genesis.hash, node_name="noisy")
    )
    garbage = node_pb2.PeerMessage(consensus=b"\x09not a vote")
    error, replies = _peer_stream(net, [hello, garbage])
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert replies and replies[0].WhichOneof("kind") == "hello"
    # Raw bytes that are not even a PeerMessage end the stream too.
    with grpc.insecure_channel(net.nodes[0].address) as channel:
        call = channel.stream_stream("/consortium.v1.Peer/Connect")
        with pytest.raises(grpc.RpcError):
            list(call(iter([b"\xff\xff\xff"]), timeout=5))
    height = client.get_chain_info().height
    deadline = time.monotonic() + 10
    while client.get_chain_info().height <= height:
        assert time.monotonic() < deadline, "the node stopped committing"
        time.sleep(0.1)


def test_metrics_are_exported(net) -> None:
    for name in (
        "consortium_height",
        "consortium_round",
        "consortium_committed_txs_total",
        "consortium_committed_tx_per_second",
        "consortium_mempool_size",
        "consortium_peers",
        "consortium_block_commit_seconds_count",
        "consortium_tx_commit_latency_seconds_count",
    ):
        assert net.metric(0, name) >= 0
    assert net.metric(0, "consortium_height") >= 1


def test_nonce_key_is_readable_through_the_state_query(client, sender) -> None:
    response = client.query_state(get_nonce_key(sender.key.public_key))
    assert response.found and int.from_bytes(response.value, "big") >= 1


def test_an_unknown_blob_is_not_found_and_an_empty_key_is_refused(client) -> None:
    # Stored blobs are served in the tax-chain tests (record bodies, by commitment).
    response = client.get_blob(b"recbody/" + b"\x00" * 32)
    assert not response.found and response.value == b""
    refusal = _refusal(lambda: client.get_blob(b""))
    assert refusal.code == ErrorCode.MALFORMED_INPUT
    assert refusal.status == grpc.StatusCode.INVALID_ARGUMENT
