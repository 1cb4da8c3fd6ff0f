"""A local network of validator processes for multi-process tests."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

from chains.core.block import decode_block
from chains.kv.app import make_kv_set_tx
from chains.runtime.client import NodeClient, NodeError
from chains.runtime.config import encode_node_config
from chains.runtime.keys import read_account_key
from chains.runtime.launcher import (
    NetNode,
    create_network,
    get_free_ports,
    start_node_process,
    wait_serving,
)

# Short time-outs: a stopped proposer costs one propose time-out per height.
TEST_CONSENSUS = {"propose_ms": 1000, "propose_delta_ms": 250, "empty_block_interval_ms": 300}


class LocalNet:
    """n validator processes on loopback, each with its own data directory."""

    def __init__(
        self,
        root: Path,
        validators: int = 4,
        database_urls=None,
        app: str = "kv",
        app_state=None,
    ) -> None:
        self.nodes = create_network(
            root / "net",
            validators,
            "test-1",
            accounts=4,
            database_urls=database_urls,
            consensus=TEST_CONSENSUS,
            app=app,
            app_state=app_state,
        )
        self.root = root / "net"
        self.processes: dict[int, subprocess.Popen] = {}
        self.chain_id = "test-1"

    def add_follower(self, name: str = "follower") -> int:
        """Add a node without a validator key that dials every validator; its index."""
        home = self.root / name
        home.mkdir()
        (home / "genesis.json").write_bytes((self.root / "genesis.json").read_bytes())
        port, metrics_port = get_free_ports(2)
        address, metrics = f"127.0.0.1:{port}", f"127.0.0.1:{metrics_port}"
        peers = [node.address for node in self.nodes]
        (home / "node.toml").write_text(
            encode_node_config(
                name, address, peers, metrics, validator_key=None, consensus=TEST_CONSENSUS
            )
        )
        self.nodes.append(NetNode(name, home, address, metrics))
        return len(self.nodes) - 1

    def start(self, index: int) -> None:
        """Start validator ``index`` and wait until it serves."""
        self.processes[index] = start_node_process(self.nodes[index].home)
        wait_serving(self.nodes[index].address)

    def start_all(self) -> None:
        """Start every validator."""
        for index in range(len(self.nodes)):
            self.processes[index] = start_node_process(self.nodes[index].home)
        for node in self.nodes:
            wait_serving(node.address)

    def kill(self, index: int, sig: int = signal.SIGKILL) -> None:
        """Stop validator ``index`` with ``sig`` (SIGKILL: no chance to clean up)."""
        process = self.processes.pop(index)
        os.kill(process.pid, sig)
        process.wait(timeout=30)

    def stop_all(self) -> None:
        """SIGTERM every running validator, SIGKILL those that do not stop."""
        for index in list(self.processes):
            process = self.processes.pop(index)
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def client(self, index: int) -> NodeClient:
        """A client of validator ``index``."""
        return NodeClient(self.nodes[index].address, timeout_s=10)

    def height(self, index: int) -> int:
        """Validator ``index``'s last committed height."""
        with self.client(index) as client:
            return client.get_chain_info().height

    def wait_height(self, index: int, height: int, timeout_s: float = 60.0) -> float:
        """Wait until validator ``index`` reached ``height``; returns the seconds it took."""
        started = time.monotonic()
        while time.monotonic() - started < timeout_s:
            try:
                if self.height(index) >= height:
                    return time.monotonic() - started
            except NodeError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"validator {index} did not reach height {height} in {timeout_s} s")

    def block_hashes(self, index: int, up_to: int) -> list[bytes]:
        """The block hashes of validator ``index`` at heights 1..up_to."""
        with self.client(index) as client:
            return [
                decode_block(client.get_block(height).block).hash for height in range(1, up_to + 1)
            ]

    def metric(self, index: int, name: str) -> float:
        """One metric value from validator ``index``'s /metrics page."""
        url = f"http://{self.nodes[index].metrics}/metrics"
        with urllib.request.urlopen(url, timeout=5) as response:
            for line in response.read().decode().splitlines():
                if line.startswith(name + " "):
                    return float(line.split()[1])
        raise AssertionError(f"{name} is not exported")

    def account(self, index: int):
        """Account key ``index`` of the network's genesis."""
        return read_account_key(self.root / "accounts" / f"account-{index}.json")


class SteadyLoad:
    """A thread that keeps sending KV transactions to whichever validators are up."""

    def __init__(self, net: LocalNet, per_second: int = 100, batch: int = 10) -> None:
        self.net = net
        self.per_second = per_second
        self.batch = batch
        self.stop_event = threading.Event()
        self.accepted: list[bytes] = []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.nonce = 0

    def __enter__(self) -> SteadyLoad:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_event.set()
        self.thread.join(timeout=30)

    def _run(self) -> None:
        key = self.net.account(0)
        turn = 0
        while not self.stop_event.is_set():
            txs = []
            for _ in range(self.batch):
                self.nonce += 1
                txs.append(
                    make_kv_set_tx(
                        key.key_pair,
                        self.net.chain_id,
                        self.nonce,
                        f"k{self.nonce % 50}".encode(),
                        str(self.nonce).encode(),
                    )
                )
            sent = False
            for attempt in range(len(self.net.nodes)):
                index = (turn + attempt) % len(self.net.nodes)
                if index not in self.net.processes:
                    continue
                try:
                    with self.net.client(index) as client:
                        results = client.submit(txs)
                    self.accepted += [r.tx_id for r in results if r.code == 0]
                    sent = True
                    break
                except NodeError:
                    continue
            if not sent:  # nobody took them: the nonces stay unused, so send them again
                self.nonce -= self.batch
            turn += 1
            time.sleep(self.batch / self.per_second)
