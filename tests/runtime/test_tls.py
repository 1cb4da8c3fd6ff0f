"""Validators of different members talking gRPC with mutual TLS (docs/mtls.md)."""

from __future__ import annotations

import time

import grpc
import pytest

from chains.runtime.client import NodeClient, NodeError
from chains.runtime.launcher import start_node_process, wait_serving
from tests.runtime.netutil import LocalNet
from tests.runtime.tls import make_ca, make_node_cert

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]


def test_a_network_with_mutual_tls_commits_and_refuses_clients_without_a_certificate(
    tmp_path,
) -> None:
    net = LocalNet(tmp_path, validators=4)
    ca_path, ca_cert, ca_key = make_ca(tmp_path / "tls")
    for node in net.nodes:
        cert, key = make_node_cert(node.home / "tls", node.name, ca_cert, ca_key)
        with open(node.home / "node.toml", "a") as config:
            config.write(f'\n[tls]\nca = "{ca_path}"\ncert = "{cert}"\nkey = "{key}"\n')
    client_cert, client_key = make_node_cert(tmp_path / "tls", "operator", ca_cert, ca_key)
    credentials = grpc.ssl_channel_credentials(
        ca_path.read_bytes(), client_key.read_bytes(), client_cert.read_bytes()
    )
    try:
        for index, node in enumerate(net.nodes):
            net.processes[index] = start_node_process(node.home)
        for node in net.nodes:
            wait_serving(node.address, credentials=credentials)
        with NodeClient(net.nodes[0].address, credentials=credentials) as client:
            start = client.get_chain_info().height
            for _ in range(200):
                info = client.get_chain_info()
                if info.height >= start + 3 and info.peers == 3:
                    break
                time.sleep(0.1)
            assert info.height >= start + 3 and info.peers == 3
        # Without a client certificate, the TLS handshake itself fails.
        anonymous = grpc.ssl_channel_credentials(ca_path.read_bytes())
        with (
            NodeClient(net.nodes[0].address, timeout_s=3, credentials=anonymous) as client,
            pytest.raises(NodeError) as caught,
        ):
            client.get_chain_info()
        assert caught.value.status == grpc.StatusCode.UNAVAILABLE
        # A certificate from another CA is refused too.
        _, other_ca, other_key = make_ca(tmp_path / "other", "not-the-consortium")
        cert, key = make_node_cert(tmp_path / "other", "stranger", other_ca, other_key)
        stranger = grpc.ssl_channel_credentials(
            ca_path.read_bytes(), key.read_bytes(), cert.read_bytes()
        )
        with (
            NodeClient(net.nodes[0].address, timeout_s=3, credentials=stranger) as client,
            pytest.raises(NodeError),
        ):
            client.get_chain_info()
    finally:
        net.stop_all()
