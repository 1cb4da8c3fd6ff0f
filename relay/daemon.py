"""The relayer as an OS process beside a consortium's validators (I/O).

``consortium relay start DIR`` runs :class:`relay.relayer.Relayer` for the
consortium in ``DIR``: it signs with the ``consortium-relay`` organisation's
key, keeps its state in ``DIR/relay/state.json``, logs to
``DIR/relay/relayer.log`` and serves Prometheus metrics. ``--detach`` (and
``consortium up``) starts it as its own process, recorded in
``DIR/relay/relayer.json`` (pid, metrics port) so that ``consortium down``
stops it.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from chains.consortium import FINANCE, INDUSTRY, TAX, Consortium, read_consortium
from chains.core.errors import ConsortiumError, ErrorCode
from chains.runtime.launcher import get_free_ports, is_process_alive, stop_process
from relay.metrics import RelayerMetrics
from relay.relayer import Relayer, RelayerConfig

RELAY_DIR = "relay"
RELAY_ORGANISATION = "consortium-relay"
PROCESS_FILE = "relayer.json"
START_TIMEOUT_S = 20.0


def get_relay_dir(root: Path) -> Path:
    """Where the consortium's relayer keeps its state, log and process file."""
    return Path(root) / RELAY_DIR


def get_relayer_config(consortium: Consortium, poll_interval_s: float = 0.2) -> RelayerConfig:
    """The relayer's configuration for ``consortium``: its three chains' nodes."""
    finance = consortium.get_chain(FINANCE)
    sources = {
        consortium.get_chain(name).chain_id: consortium.get_chain(name).addresses
        for name in (TAX, INDUSTRY)
    }
    return RelayerConfig(
        finance_chain=finance.chain_id,
        finance_addresses=finance.addresses,
        source_addresses=sources,
        identity_chain=consortium.get_chain(TAX).chain_id,
        state_path=get_relay_dir(consortium.root) / "state.json",
        poll_interval_s=poll_interval_s,
    )


def run_relayer(root: Path, metrics_port: int = 0, poll_interval_s: float = 0.2) -> None:
    """Run the relayer of the consortium in ``root`` until SIGTERM or SIGINT."""
    consortium = read_consortium(root)
    relay_dir = get_relay_dir(root)
    relay_dir.mkdir(parents=True, exist_ok=True)
    metrics = RelayerMetrics()
    server = metrics.serve(metrics_port)
    port = server.server_address[1]
    _write_process_file(relay_dir, os.getpid(), port)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    relayer = Relayer(
        get_relayer_config(consortium, poll_interval_s),
        consortium.read_key(RELAY_ORGANISATION).key_pair,
        metrics,
    )
    logging.getLogger("consortium.relayer").info("relayer up; metrics on port %d", port)
    try:
        relayer.run(stop.is_set)
    finally:
        relayer.close()
        server.shutdown()


def _write_process_file(relay_dir: Path, pid: int, metrics_port: int) -> None:
    tmp = relay_dir / (PROCESS_FILE + ".tmp")
    tmp.write_text(json.dumps({"pid": pid, "metrics_port": metrics_port}) + "\n")
    os.replace(tmp, relay_dir / PROCESS_FILE)


def read_process_file(root: Path) -> dict[str, int] | None:
    """The running relayer's pid and metrics port, or None when none is recorded."""
    try:
        document = json.loads((get_relay_dir(root) / PROCESS_FILE).read_text())
    except (OSError, ValueError):
        return None
    return document if isinstance(document, dict) else None


def is_relayer_running(root: Path) -> bool:
    """True when the consortium's relayer process is alive."""
    document = read_process_file(root)
    return bool(document) and is_process_alive(document.get("pid"))


def start_relayer_process(root: Path, metrics_port: int | None = None) -> int:
    """Start the relayer as its own process (if it is not running); its pid.

    Waits until it has written its process file. Raises INVALID_CONFIG when it
    exits at once (the log says why).
    """
    root = Path(root)
    if is_relayer_running(root):
        return int(read_process_file(root)["pid"])
    relay_dir = get_relay_dir(root)
    relay_dir.mkdir(parents=True, exist_ok=True)
    (relay_dir / PROCESS_FILE).unlink(missing_ok=True)
    port = get_free_ports(1)[0] if metrics_port is None else metrics_port
    log = open(relay_dir / "relayer.log", "ab")  # noqa: SIM115 (the child owns it)
    process = subprocess.Popen(
        [sys.executable, "-m", "relay.daemon", str(root), "--metrics-port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        document = read_process_file(root)
        if document and document.get("pid") == process.pid:
            return process.pid
        if process.poll() is not None:
            break
        time.sleep(0.05)
    raise ConsortiumError(
        ErrorCode.INVALID_CONFIG,
        f"the relayer did not start; see {relay_dir / 'relayer.log'}",
    )


def stop_relayer(root: Path) -> bool:
    """Stop the consortium's relayer process; True when one was running."""
    document = read_process_file(root)
    if not document or not is_process_alive(document.get("pid")):
        return False
    stop_process(int(document["pid"]))
    return True


def main(argv: list[str] | None = None) -> None:
    """``python -m relay.daemon ROOT [--metrics-port N] [--poll S]``."""
    import argparse

    parser = argparse.ArgumentParser(prog="relay.daemon", description=__doc__)
    parser.add_argument("root", type=Path)
    parser.add_argument("--metrics-port", type=int, default=0)
    parser.add_argument("--poll", type=float, default=0.2)
    arguments = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    run_relayer(arguments.root, arguments.metrics_port, arguments.poll)


if __name__ == "__main__":
    main()
