"""Chain benchmark: committed tx/s and latency of 4 validator processes on this machine.

A network of 4 validators (SQLite, the embedded default) is started as OS
processes by the launcher. A separate load process (``bench._chain_load``)
pre-signs KV transactions from 100 accounts and submits them over gRPC in
batches, round-robin over the validators, at a fixed offered rate; it
follows committed headers and blocks from one validator and times each
transaction from its submission to the commit of its block.

Figures:

- ``tx_per_s``: committed transactions per second over the load window;
- ``latency_p50_ms`` / ``latency_p99_ms``: submission to commit;
- ``validators``: 4;
- ``rss_mb_max``: the largest validator's resident memory at the end;
- ``offered_tx_per_s``, ``committed``, ``submitted``: the load itself.

The load runs three times against the same network; the figures are medians
(``tx_per_s_runs`` lists each run). Run: ``python -m bench chain`` (about a
minute); ``--quick`` is a short smoke run.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from chains.runtime.launcher import create_network, read_network, start_network, stop_network

VALIDATORS = 4
ACCOUNTS = 100


def get_rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` in MiB (from /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run(quick: bool = False) -> dict[str, object]:
    """Start the network, run the load process (3 times), report medians, stop the network."""
    rate, seconds, repeats = (300, 4, 1) if quick else (1500, 15, 3)
    runs = []
    with tempfile.TemporaryDirectory(prefix="bench-chain-") as tmp:
        net_dir = Path(tmp) / "net"
        create_network(net_dir, VALIDATORS, "bench-1", accounts=ACCOUNTS)
        start_network(net_dir)
        try:
            for _ in range(repeats):
                result = subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "bench._chain_load",
                        str(net_dir),
                        str(rate),
                        str(seconds),
                    ],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                runs.append(json.loads(result.stdout.strip().splitlines()[-1]))
            _, _, pids = read_network(net_dir)
            rss_mb_max = round(max(get_rss_mb(pid) for pid in pids.values()), 1)
        finally:
            stop_network(net_dir)
    figures: dict[str, object] = {
        name: statistics.median(run[name] for run in runs)
        for name in ("tx_per_s", "latency_p50_ms", "latency_p99_ms")
    }
    figures.update(
        validators=VALIDATORS,
        rss_mb_max=rss_mb_max,
        offered_tx_per_s=rate,
        runs=len(runs),
        submitted=sum(run["submitted"] for run in runs),
        committed=sum(run["committed"] for run in runs),
        tx_per_s_runs=[run["tx_per_s"] for run in runs],
    )
    return figures
