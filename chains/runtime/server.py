"""Run one node process: storage, node, peer links, gRPC API, health, reflection, metrics.

``consortium node start --home DIR`` calls :func:`run_node`. The process stops
cleanly on SIGTERM or SIGINT; on SIGKILL it loses nothing that was committed
(every commit and every signature is durable before it is announced).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1.health import aio as health_aio
from grpc_reflection.v1alpha import reflection

from chains.core.app import Application
from chains.core.errors import ConsortiumError, ErrorCode
from chains.runtime.api import NodeService
from chains.runtime.config import MAX_MESSAGE_BYTES, NodeConfig, TlsConfig, read_node_config
from chains.runtime.genesis import Genesis, read_genesis
from chains.runtime.keys import read_validator_key
from chains.runtime.metrics import NodeMetrics
from chains.runtime.node import Node
from chains.runtime.peers import PeerHub, PeerService
from chains.runtime.storage import get_sqlite_url, open_store
from consortium.v1 import node_pb2, node_pb2_grpc

log = logging.getLogger("consortium.server")

GRPC_OPTIONS = (
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ("grpc.keepalive_time_ms", 10_000),
    ("grpc.keepalive_timeout_ms", 5_000),
    ("grpc.http2.max_pings_without_data", 0),
    ("grpc.keepalive_permit_without_calls", 1),
)
SERVICE_NAMES = (
    node_pb2.DESCRIPTOR.services_by_name["Node"].full_name,
    node_pb2.DESCRIPTOR.services_by_name["Peer"].full_name,
)


def get_application(genesis: Genesis) -> Application:
    """The application the genesis file names."""
    if genesis.app == "kv":
        from chains.kv.app import KvApplication

        return KvApplication()
    if genesis.app == "tax":
        from chains.tax.app import TAX_APPLICATION

        return TAX_APPLICATION
    if genesis.app == "industry":
        from chains.industry.app import INDUSTRY_APPLICATION

        return INDUSTRY_APPLICATION
    if genesis.app == "finance":
        from chains.finance.app import FINANCE_APPLICATION

        return FINANCE_APPLICATION
    raise ConsortiumError(ErrorCode.INVALID_CONFIG, f"unknown application {genesis.app!r}")


def _read_tls(tls: TlsConfig) -> tuple[bytes, bytes, bytes]:
    try:
        return tls.ca.read_bytes(), tls.cert.read_bytes(), tls.key.read_bytes()
    except OSError as error:
        raise ConsortiumError(ErrorCode.INVALID_CONFIG, f"TLS: {error}") from None


def get_channel_opener(config: NodeConfig):
    """A function opening a channel to a peer: plain on loopback, mutual TLS when configured."""
    if config.tls is None:
        return lambda address: grpc.aio.insecure_channel(address, options=GRPC_OPTIONS)
    ca, cert, key = _read_tls(config.tls)
    credentials = grpc.ssl_channel_credentials(ca, key, cert)
    options = GRPC_OPTIONS
    if config.tls.server_name:
        options = (*options, ("grpc.ssl_target_name_override", config.tls.server_name))
    return lambda address: grpc.aio.secure_channel(address, credentials, options=options)


def build_node(config: NodeConfig) -> Node:
    """Open storage and build the node (nothing is listening yet)."""
    genesis = read_genesis(config.genesis)
    key = read_validator_key(config.validator_key) if config.validator_key else None
    config.data_dir.mkdir(parents=True, exist_ok=True)
    url = config.database_url or get_sqlite_url(config.data_dir)
    store = open_store(url)
    node = Node(config, genesis, store, get_application(genesis), key)
    node.open_chain()
    return node


async def serve(config: NodeConfig, stop: asyncio.Event | None = None) -> str | None:
    """Run a node until ``stop`` is set or it stops itself; returns why it stopped itself."""
    node = build_node(config)
    loop = asyncio.get_running_loop()
    node.stopped = loop.create_future()
    metrics = NodeMetrics()
    hub = PeerHub(node, get_channel_opener(config))
    server = grpc.aio.server(options=GRPC_OPTIONS)
    node_pb2_grpc.add_NodeServicer_to_server(NodeService(node, hub, metrics.on_admitted), server)
    node_pb2_grpc.add_PeerServicer_to_server(PeerService(hub), server)
    health = health_aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health, server)
    reflection.enable_server_reflection(
        (
            *SERVICE_NAMES,
            health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
            reflection.SERVICE_NAME,
        ),
        server,
    )
    if config.tls is None:
        server.add_insecure_port(config.listen)
    else:
        ca, cert, key = _read_tls(config.tls)
        credentials = grpc.ssl_server_credentials(
            [(key, cert)], root_certificates=ca, require_client_auth=True
        )
        server.add_secure_port(config.listen, credentials)
    node.commit_listeners.append(metrics.on_commit)
    node.commit_listeners.append(lambda *args: hub.send_status_now())
    if config.metrics_listen:
        metrics.serve(config.metrics_listen)
    await server.start()
    node.start_consensus()
    hub.start()
    for name in ("", *SERVICE_NAMES):
        await health.set(name, health_pb2.HealthCheckResponse.SERVING)

    async def refresh_metrics() -> None:
        while True:
            await asyncio.sleep(0.5)
            state = node.state
            metrics.on_tick(
                state.round if state else 0,
                len(node.mempool),
                hub.get_peer_count(),
                node.evidence_count,
            )

    metrics_task = loop.create_task(refresh_metrics())
    log.info("node %s serving %s at height %d", config.name, config.listen, node.tip.height)
    waiters = [node.stopped]
    if stop is not None:
        waiters.append(loop.create_task(stop.wait()))
    await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    reason = node.fatal
    for name in ("", *SERVICE_NAMES):
        await health.set(name, health_pb2.HealthCheckResponse.NOT_SERVING)
    metrics_task.cancel()
    await hub.stop()
    await server.stop(grace=0.5)
    node.flush_wal()
    node.store.close()
    return reason


def run_node(home: Path) -> int:
    """Run the node of ``home`` in this process until SIGTERM/SIGINT; the exit status."""
    config = read_node_config(home)
    config.data_dir.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(
        level=logging.INFO,
        format=f"%(asctime)s {config.name} %(levelname)s %(name)s: %(message)s",
    )

    async def main() -> str | None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        return await serve(config, stop)

    reason = asyncio.run(main())
    if reason is not None:
        log.critical("node stopped itself: %s", reason)
        return 3
    return 0
