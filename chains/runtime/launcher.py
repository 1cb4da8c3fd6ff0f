"""A local network: n validator processes of one chain on loopback (``consortium net``).

``create_network`` writes a network directory::

    NET/genesis.json           the chain's genesis (validators with PoP, accounts)
    NET/accounts/<name>.json   account keys (Ed25519), for sending transactions
    NET/net.json               addresses and process ids
    NET/validator-<i>/         one home per validator: node.toml, genesis.json,
                               validator_key.json, data/ (database), node.log

``start_network`` starts one OS process per validator (``consortium node
start``) and waits until each answers its health check; ``stop_network``
sends SIGTERM, then SIGKILL to any that does not stop in time.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from chains.core.errors import ConsortiumError, ErrorCode
from chains.runtime.config import encode_node_config
from chains.runtime.genesis import encode_genesis
from chains.runtime.keys import (
    generate_account_key,
    generate_validator_key,
    write_account_key,
    write_validator_key,
)

NET_FILE = "net.json"
DEFAULT_BASE_PORT = 26600


@dataclass(frozen=True, slots=True)
class NetNode:
    """One validator of a local network."""

    name: str
    home: Path
    address: str
    metrics: str


def get_free_ports(count: int) -> list[int]:
    """``count`` TCP ports on loopback that are free right now."""
    sockets, ports = [], []
    for _ in range(count):
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sockets.append(sock)
        ports.append(sock.getsockname()[1])
    for sock in sockets:
        sock.close()
    return ports


def create_network(
    net_dir: Path,
    validators: int = 4,
    chain_id: str = "kv-1",
    accounts: int = 4,
    base_port: int = 0,
    database_urls: list[str] | None = None,
    consensus: dict[str, int] | None = None,
    on_progress: Callable[[str], None] = lambda step: None,
    app: str = "kv",
    app_state: Mapping[str, object] | None = None,
    validator_names: Sequence[str] | None = None,
) -> list[NetNode]:
    """Write keys, genesis and configs for a new local network (refuses a used directory).

    ``base_port`` 0 picks free ports; else validator i listens on base_port + i
    and serves metrics on base_port + 100 + i. ``app`` names the application
    and ``app_state`` its genesis state (default: the KV application with
    ``accounts`` generated account keys, written under ``accounts/``).
    ``validator_names`` names the validators (default ``validator-<i>``).
    """
    net_dir = Path(net_dir)
    if (net_dir / NET_FILE).exists():
        raise ConsortiumError(
            ErrorCode.INVALID_CONFIG, f"{net_dir} already holds a network; use net up or a new dir"
        )
    net_dir.mkdir(parents=True, exist_ok=True)
    if base_port:
        ports = [base_port + i for i in range(validators)]
        metrics_ports = [base_port + 100 + i for i in range(validators)]
    else:
        free = get_free_ports(2 * validators)
        ports, metrics_ports = free[:validators], free[validators:]
    keys = []
    for index in range(validators):
        name = validator_names[index] if validator_names else f"validator-{index}"
        keys.append(generate_validator_key(name))
        on_progress(f"validator key {index}")
    account_keys = []
    # A chain with its own app_state lists organisations, not these accounts.
    for index in range(accounts if app_state is None else 0):
        account = generate_account_key(f"account-{index}")
        write_account_key(net_dir / "accounts" / f"{account.name}.json", account)
        account_keys.append(account)
    genesis = encode_genesis(
        chain_id,
        int(time.time() * 1000),
        [(key, 10) for key in keys],
        account_keys,
        app=app,
        app_state=app_state,
    )
    (net_dir / "genesis.json").write_bytes(genesis)
    nodes = []
    for index, key in enumerate(keys):
        home = net_dir / key.name
        home.mkdir(parents=True, exist_ok=True)
        write_validator_key(home / "validator_key.json", key)
        (home / "genesis.json").write_bytes(genesis)
        address = f"127.0.0.1:{ports[index]}"
        metrics = f"127.0.0.1:{metrics_ports[index]}"
        peers = [f"127.0.0.1:{port}" for i, port in enumerate(ports) if i != index]
        url = database_urls[index] if database_urls else ""
        (home / "node.toml").write_text(
            encode_node_config(
                key.name, address, peers, metrics, database_url=url, consensus=consensus
            )
        )
        nodes.append(NetNode(key.name, home, address, metrics))
        on_progress(f"home of {key.name}")
    _write_net_file(
        net_dir,
        {
            node.name: {
                "home": str(node.home),
                "address": node.address,
                "metrics": node.metrics,
                "pid": None,
            }
            for node in nodes
        },
        chain_id,
    )
    return nodes


def _write_net_file(net_dir: Path, nodes: dict[str, dict], chain_id: str) -> None:
    document = {"chain_id": chain_id, "nodes": nodes}
    tmp = net_dir / (NET_FILE + ".tmp")
    tmp.write_text(json.dumps(document, indent=2) + "\n")
    os.replace(tmp, net_dir / NET_FILE)


def read_network(net_dir: Path) -> tuple[str, list[NetNode], dict[str, int | None]]:
    """The chain id, nodes and recorded process ids of a network directory."""
    path = Path(net_dir) / NET_FILE
    try:
        document = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise ConsortiumError(
            ErrorCode.INVALID_CONFIG, f"no network at {net_dir}: {error}"
        ) from None
    nodes = [
        NetNode(name, Path(item["home"]), item["address"], item["metrics"])
        for name, item in document["nodes"].items()
    ]
    pids = {name: item.get("pid") for name, item in document["nodes"].items()}
    return document["chain_id"], nodes, pids


def start_node_process(home: Path) -> subprocess.Popen:
    """Start ``consortium node start --home HOME`` as its own process (log in HOME/node.log)."""
    log = open(Path(home) / "node.log", "ab")  # noqa: SIM115 (the child owns it)
    return subprocess.Popen(
        [sys.executable, "-m", "chains.cli", "node", "start", "--home", str(home)],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )


def is_process_alive(pid: int | None) -> bool:
    """True when ``pid`` names a running (not zombie) process."""
    if not pid:
        return False
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(") ", 1)[1][0] != "Z"
    except (OSError, IndexError):
        return False


def is_serving(address: str, timeout_s: float = 1.0, credentials=None) -> bool:
    """True when the node at ``address`` answers its health check with SERVING.

    ``credentials`` (``grpc.ssl_channel_credentials``) for a node that requires mutual TLS.
    """
    channel = (
        grpc.insecure_channel(address)
        if credentials is None
        else grpc.secure_channel(address, credentials)
    )
    with channel:
        stub = health_pb2_grpc.HealthStub(channel)
        try:
            response = stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=timeout_s)
        except grpc.RpcError:
            return False
    return response.status == health_pb2.HealthCheckResponse.SERVING


def wait_serving(address: str, timeout_s: float = 30.0, credentials=None) -> None:
    """Wait until the node at ``address`` is serving; ConsortiumError after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if is_serving(address, credentials=credentials):
            return
        time.sleep(0.1)
    raise ConsortiumError(ErrorCode.NOT_FOUND, f"the node at {address} did not start in time")


def start_network(
    net_dir: Path, on_progress: Callable[[str], None] = lambda step: None
) -> list[NetNode]:
    """Start every validator of the network that is not running; wait until all serve."""
    chain_id, nodes, pids = read_network(net_dir)
    started = {}
    for node in nodes:
        pid = pids.get(node.name)
        if is_process_alive(pid):
            started[node.name] = pid
            continue
        started[node.name] = start_node_process(node.home).pid
    _write_net_file(
        net_dir,
        {
            n.name: {
                "home": str(n.home),
                "address": n.address,
                "metrics": n.metrics,
                "pid": started[n.name],
            }
            for n in nodes
        },
        chain_id,
    )
    for node in nodes:
        wait_serving(node.address)
        on_progress(f"{node.name} serving at {node.address}")
    return nodes


def stop_process(pid: int, timeout_s: float = 10.0) -> None:
    """SIGTERM ``pid``, then SIGKILL if it has not stopped after ``timeout_s``."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not is_process_alive(pid):
            return
        time.sleep(0.05)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return


def stop_network(net_dir: Path, remove: bool = False) -> int:
    """Stop every running validator of the network; returns how many were stopped."""
    chain_id, nodes, pids = read_network(net_dir)
    stopped = 0
    for node in nodes:
        pid = pids.get(node.name)
        if is_process_alive(pid):
            stop_process(pid)
            stopped += 1
    _write_net_file(
        net_dir,
        {
            n.name: {"home": str(n.home), "address": n.address, "metrics": n.metrics, "pid": None}
            for n in nodes
        },
        chain_id,
    )
    if remove:
        shutil.rmtree(net_dir)
    return stopped
