"""The load process of ``bench chain``: submit pre-signed transactions, time their commits.

``python -m bench._chain_load NET_DIR RATE SECONDS`` prints one JSON object.
:func:`measure_load` is shared with the other chain benchmarks (``bench invoices``).
"""

from __future__ import annotations

import json
import statistics
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from chains.core.app import get_nonce_key
from chains.core.block import decode_block
from chains.core.types import compute_sha256
from chains.kv.app import make_kv_set_tx
from chains.runtime.client import NodeClient
from chains.runtime.keys import read_account_key
from chains.runtime.launcher import NetNode, read_network

BATCH = 100


def measure_load(
    nodes: Sequence[NetNode], txs: Sequence[bytes], rate: int, seconds: int
) -> dict[str, object]:
    """Offer pre-signed ``txs`` at ``rate`` tx/s, batches round-robin over ``nodes``.

    Commits are seen on validator 0's header stream; returns throughput inside
    the offered window (``seconds``) and submission-to-commit latencies.
    """
    total = len(txs)
    submitted: dict[bytes, float] = {}
    committed: dict[bytes, float] = {}
    clients = [NodeClient(node.address, timeout_s=30) for node in nodes]
    watcher = NodeClient(nodes[0].address, timeout_s=30)
    start_height = watcher.get_chain_info().height
    done = threading.Event()

    def follow() -> None:
        fetcher = NodeClient(nodes[0].address, timeout_s=30)
        for item in watcher.stream_headers(start_height + 1):
            now = time.monotonic()
            block = decode_block(fetcher.get_block(item.height).block)
            for raw in block.txs:
                committed[compute_sha256(raw)] = now
            if done.is_set() and len(committed) >= len(submitted):
                return

    follower = threading.Thread(target=follow, daemon=True)
    follower.start()
    started = time.monotonic()
    refused = 0
    for index in range(0, total, BATCH):
        due = started + index / rate
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        batch = txs[index : index + BATCH]
        now = time.monotonic()
        for raw in batch:
            submitted[compute_sha256(raw)] = now
        results = clients[(index // BATCH) % len(clients)].submit(batch)
        refused += sum(1 for r in results if r.code != 0)
    done.set()
    deadline = time.monotonic() + 60
    while len(committed) < len(submitted) - refused and time.monotonic() < deadline:
        time.sleep(0.1)
    latencies = sorted(
        (committed[tx_id] - sent) * 1000 for tx_id, sent in submitted.items() if tx_id in committed
    )
    count = len(latencies)
    # Throughput while the load was offered: commits inside the offered window.
    in_window = sum(1 for at in committed.values() if at <= started + seconds)
    return {
        "offered_tx_per_s": rate,
        "submitted": total,
        "refused": refused,
        "committed": count,
        "tx_per_s": round(in_window / seconds, 1),
        "latency_p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "latency_p99_ms": round(latencies[int(0.99 * (count - 1))], 1) if latencies else None,
    }


def main(net_dir: Path, rate: int, seconds: int) -> dict[str, object]:
    """Offer ``rate`` KV tx/s for ``seconds``; return throughput and latency figures."""
    chain_id, nodes, _ = read_network(net_dir)
    accounts = [read_account_key(p) for p in sorted((net_dir / "accounts").glob("*.json"))]
    with NodeClient(nodes[0].address) as client:
        while client.get_chain_info().height < 1:  # state is served from the first block on
            time.sleep(0.05)
        first_nonce = [
            int.from_bytes(client.query_state(get_nonce_key(a.public_key)).value or b"", "big") + 1
            for a in accounts
        ]
    total = rate * seconds
    txs = [
        make_kv_set_tx(
            accounts[i % len(accounts)].key_pair,
            chain_id,
            first_nonce[i % len(accounts)] + i // len(accounts),
            f"key-{i % 5000}".encode(),
            f"value-{i}".encode(),
        )
        for i in range(total)
    ]
    return measure_load(nodes, txs, rate, seconds)


if __name__ == "__main__":
    figures = main(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
    print(json.dumps(figures))
