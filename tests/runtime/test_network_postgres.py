"""Four validator processes storing their chains in PostgreSQL (one database each)."""

from __future__ import annotations

from pathlib import Path

import pytest
from postgres import require_postgres, start_postgres

from tests.runtime.netutil import LocalNet, SteadyLoad
from tests.runtime.test_network import _assert_same_chain

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def test_validators_on_postgresql_commit_survive_kill_9_and_agree(tmp_path: Path) -> None:
    require_postgres()
    server = start_postgres(Path("/tmp"))
    net = None
    try:
        urls = [server.create_database(f"validator_{index}") for index in range(4)]
        net = LocalNet(tmp_path, validators=4, database_urls=urls)
        net.start_all()
        net.wait_height(0, 2)
        with SteadyLoad(net, per_second=100):
            before_kill = net.height(1)
            net.kill(1)
            net.wait_height(0, before_kill + 3)
            net.start(1)
            net.wait_height(1, net.height(0) + 2)
        top = min(net.height(i) for i in range(4))
        _assert_same_chain(net, top)
        assert all(net.metric(i, "consortium_evidence_total") == 0 for i in range(4))
    finally:
        if net is not None:
            net.stop_all()
        server.stop()
