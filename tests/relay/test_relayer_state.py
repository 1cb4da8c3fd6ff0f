"""The relayer's memory across restarts: written atomically, read back exactly, and a
damaged file reported, never half-used."""

from __future__ import annotations

import json

import pytest

from chains.core.errors import ConsortiumError, ErrorCode
from relay.metrics import RelayerMetrics
from relay.relayer import (
    DELIVERED,
    PENDING,
    STATE_FORMAT,
    Packet,
    RelayerState,
    iter_packets,
    load_state,
    save_state,
    summarise,
)


def make_packet(number: int, status: str = PENDING) -> Packet:
    return Packet(
        record_id=f"91440300MA5G0001XX:consent-{number}",
        consent_id=f"consent-{number}",
        enterprise="91440300MA5G0001XX",
        bank="bank-icbc-sz",
        application_id=f"app-{number}",
        signed_consent=bytes([number]).hex() * 8,
        seen_height=10 - number,
        seen_time_ms=1_000 * number,
        status=status,
    )


def test_a_saved_state_reads_back_exactly_and_leaves_no_temporary_file(tmp_path) -> None:
    path = tmp_path / "relay" / "state.json"
    state = RelayerState(42, {p.record_id: p for p in (make_packet(1), make_packet(2, DELIVERED))})
    save_state(path, state)
    assert load_state(path) == state
    assert [p.name for p in path.parent.iterdir()] == ["state.json"]
    assert summarise(state)[PENDING] == 1 and summarise(state)[DELIVERED] == 1
    assert state.get_backlog() == 1
    assert [p.consent_id for p in iter_packets(state)] == ["consent-2", "consent-1"]


def test_no_file_is_an_empty_state(tmp_path) -> None:
    assert load_state(tmp_path / "state.json") == RelayerState()


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        json.dumps({"format": "something else", "cursor": 1, "packets": {}}),
        json.dumps({"format": STATE_FORMAT, "packets": {}}),
        json.dumps({"format": STATE_FORMAT, "cursor": 1, "packets": {"x": {"status": "odd"}}}),
        json.dumps([1, 2]),
    ],
)
def test_a_damaged_state_file_is_refused(tmp_path, text: str) -> None:
    path = tmp_path / "state.json"
    path.write_text(text)
    with pytest.raises(ConsortiumError) as caught:
        load_state(path)
    assert caught.value.code == ErrorCode.INVALID_CONFIG


def test_the_metrics_show_packets_by_status_and_the_backlog() -> None:
    metrics = RelayerMetrics()
    state = RelayerState(0, {p.record_id: p for p in (make_packet(1), make_packet(2))})
    metrics.observe_packets(summarise(state), state.get_backlog())
    registry = metrics.registry
    assert registry.get_sample_value("consortium_relay_backlog") == 2
    assert registry.get_sample_value("consortium_relay_packets", {"status": "pending"}) == 2
    assert registry.get_sample_value("consortium_relay_packets", {"status": "delivered"}) == 0
