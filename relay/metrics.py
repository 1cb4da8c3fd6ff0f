"""The relayer's Prometheus metrics (I/O: served over HTTP by the daemon).

* ``consortium_relay_packets{status}``: packets by status (pending, delivered,
  rejected, revoked, failed);
* ``consortium_relay_backlog``: packets still to carry;
* ``consortium_relay_delivery_seconds``: from the block that committed the
  application to the block that committed its transfer;
* ``consortium_relay_attempts_failed_total{code}``: transfers refused or not sent;
* ``consortium_relay_client_height{chain}``: the latest height the finance
  chain's light client of each source chain trusts;
* ``consortium_relay_client_updates_total{chain}``: refreshes sent;
* ``consortium_relay_errors_total``: turns cut short by a node that did not answer.
"""

from __future__ import annotations

from collections.abc import Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

LATENCY_BUCKETS = (0.25, 0.5, 1, 2, 3, 5, 10, 30, 60, 300)


class RelayerMetrics:
    """The relayer's metrics, in a registry of their own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.packets = Gauge(
            "consortium_relay_packets",
            "Consents seen, by status",
            ["status"],
            registry=self.registry,
        )
        self.backlog = Gauge(
            "consortium_relay_backlog", "Packets still to carry", registry=self.registry
        )
        self.latency = Histogram(
            "consortium_relay_delivery_seconds",
            "From the application's block to the transfer's block",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.attempts = Counter(
            "consortium_relay_attempts_failed",
            "Transfers refused or not sent, by code",
            ["code"],
            registry=self.registry,
        )
        self.client_height = Gauge(
            "consortium_relay_client_height",
            "The latest height the finance chain's light client trusts",
            ["chain"],
            registry=self.registry,
        )
        self.client_updates = Counter(
            "consortium_relay_client_updates",
            "Light-client refreshes sent",
            ["chain"],
            registry=self.registry,
        )
        self.errors = Counter(
            "consortium_relay_errors", "Turns cut short by a node", registry=self.registry
        )

    def observe_packets(self, counts: Mapping[str, int], backlog: int) -> None:
        """Set the packet gauges: packets by status, and the backlog."""
        for status, count in counts.items():
            self.packets.labels(status).set(count)
        self.backlog.set(backlog)

    def serve(self, port: int, address: str = "127.0.0.1"):
        """Serve ``/metrics`` on ``address:port`` (0: a free port); the server."""
        server, _thread = start_http_server(port, addr=address, registry=self.registry)
        return server
