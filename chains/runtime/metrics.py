"""Prometheus metrics of one node, served on its own HTTP port (``/metrics``).

| metric | type | meaning |
|---|---|---|
| ``consortium_height`` | gauge | last committed height |
| ``consortium_round`` | gauge | consensus round of the height being decided |
| ``consortium_committed_txs_total`` | counter | transactions committed (``rate()`` gives tx/s) |
| ``consortium_committed_tx_per_second`` | gauge | the same over the last 10 s, for dashboards |
| ``consortium_mempool_size`` | gauge | pending transactions |
| ``consortium_peers`` | gauge | peers with an open link |
| ``consortium_block_commit_seconds`` | histogram | start of a height to its durable commit |
| ``consortium_tx_commit_latency_seconds`` | histogram | admission here to durable commit |
| ``consortium_evidence_total`` | counter | conflicting votes seen |
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

LATENCY_BUCKETS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 30.0)
ADMITTED_LIMIT = 200_000
RATE_WINDOW_S = 10.0


class NodeMetrics:
    """The node's metrics in a registry of their own (one per process)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.height = Gauge("consortium_height", "Last committed height", registry=r)
        self.round = Gauge("consortium_round", "Round of the height being decided", registry=r)
        self.committed_txs = Counter(
            "consortium_committed_txs", "Transactions committed", registry=r
        )
        self.tx_per_s = Gauge(
            "consortium_committed_tx_per_second", "Committed tx/s over 10 s", registry=r
        )
        self.mempool_size = Gauge("consortium_mempool_size", "Pending transactions", registry=r)
        self.peers = Gauge("consortium_peers", "Peers with an open link", registry=r)
        self.block_commit = Histogram(
            "consortium_block_commit_seconds",
            "Start of a height to its durable commit",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.tx_latency = Histogram(
            "consortium_tx_commit_latency_seconds",
            "Admission at this node to durable commit",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.evidence = Counter("consortium_evidence", "Conflicting votes seen", registry=r)
        self._admitted: OrderedDict[bytes, float] = OrderedDict()
        self._commits: deque[tuple[float, int]] = deque()
        self._height_started = time.monotonic()
        self._evidence_reported = 0

    def serve(self, listen: str) -> None:
        """Serve ``/metrics`` on ``host:port`` in a background thread."""
        host, _, port = listen.rpartition(":")
        start_http_server(int(port), addr=host or "127.0.0.1", registry=self.registry)

    def on_admitted(self, tx_ids: list[bytes]) -> None:
        """Remember when client transactions entered this node's mempool."""
        now = time.monotonic()
        admitted = self._admitted
        for tx_id in tx_ids:
            admitted[tx_id] = now
        while len(admitted) > ADMITTED_LIMIT:
            admitted.popitem(last=False)

    def on_commit(self, height: int, header: bytes, certificate: bytes, tx_ids: list) -> None:
        """Record one durable commit."""
        now = time.monotonic()
        self.height.set(height)
        self.committed_txs.inc(len(tx_ids))
        self.block_commit.observe(now - self._height_started)
        self._height_started = now
        for tx_id in tx_ids:
            started = self._admitted.pop(tx_id, None)
            if started is not None:
                self.tx_latency.observe(now - started)
        commits = self._commits
        commits.append((now, len(tx_ids)))
        while commits and now - commits[0][0] > RATE_WINDOW_S:
            commits.popleft()
        self.tx_per_s.set(sum(count for _, count in commits) / RATE_WINDOW_S)

    def on_tick(self, round_: int, mempool_size: int, peers: int, evidence: int) -> None:
        """Refresh the gauges that change between commits."""
        self.round.set(round_)
        self.mempool_size.set(mempool_size)
        self.peers.set(peers)
        if evidence > self._evidence_reported:
            self.evidence.inc(evidence - self._evidence_reported)
            self._evidence_reported = evidence
