"""Light clients stored as bytes come back the same, and damaged bytes are refused."""

from __future__ import annotations

import pytest

from chains.core.errors import ConsortiumError, ErrorCode
from chains.core.types import Height
from consortium.v1 import relay_pb2
from relay.codec import (
    decode_client,
    decode_trusted_header,
    encode_client_state,
    encode_trusted_header,
)
from relay.light_client import submit_misbehaviour, update_client

from .support import certify, make_header
from .test_light_client import CLIENT, NOW


def round_trip(client):
    trusted = {
        height: decode_trusted_header(encode_trusted_header(header))
        for height, header in client.trusted.items()
    }
    return decode_client(encode_client_state(client), trusted)


def test_clients_round_trip_live_and_frozen() -> None:
    updated = update_client(CLIENT, certify(make_header(11)), NOW).client
    assert round_trip(updated) == updated
    frozen = update_client(updated, certify(make_header(11, state_root=b"\x66" * 32)), NOW)
    assert frozen.froze and round_trip(frozen.client) == frozen.client
    evidence = submit_misbehaviour(
        CLIENT,
        certify(make_header(30)),
        certify(make_header(30, state_root=b"\x77" * 32)),
        NOW,
    ).client
    assert evidence.is_frozen and round_trip(evidence) == evidence


def test_a_client_without_its_latest_header_is_refused() -> None:
    updated = update_client(CLIENT, certify(make_header(11)), NOW).client
    with pytest.raises(ConsortiumError) as caught:
        decode_client(encode_client_state(updated), {Height(10): updated.trusted[10]})
    assert caught.value.code == ErrorCode.MALFORMED_INPUT
    with pytest.raises(ConsortiumError) as caught:  # a header filed under another height
        decode_client(encode_client_state(updated), {Height(11): updated.trusted[10]})
    assert caught.value.code == ErrorCode.MALFORMED_INPUT


@pytest.mark.parametrize(
    "state",
    [
        relay_pb2.LightClientState(trusting_period_ms=1, max_clock_drift_ms=1, latest_height=10),
        relay_pb2.LightClientState(chain_id="tax-1", max_clock_drift_ms=1, latest_height=10),
        relay_pb2.LightClientState(
            chain_id="tax-1",
            trusting_period_ms=1,
            max_clock_drift_ms=1,
            latest_height=10,
            frozen_by=relay_pb2.Misbehaviour(height=10),  # neither second header nor hash
        ),
    ],
    ids=["no-chain", "no-period", "empty-evidence"],
)
def test_impossible_client_states_are_refused(state) -> None:
    with pytest.raises(ConsortiumError) as caught:
        decode_client(state.SerializeToString(), dict(CLIENT.trusted))
    assert caught.value.code == ErrorCode.MALFORMED_INPUT


def test_damaged_trusted_headers_are_refused() -> None:
    raw = encode_trusted_header(CLIENT.latest)
    message = relay_pb2.TrustedHeader.FromString(raw)
    message.state_root = b"\x01" * 31
    for bad in (message.SerializeToString(), b"\xff\xff"):
        with pytest.raises(ConsortiumError) as caught:
            decode_trusted_header(bad)
        assert caught.value.code == ErrorCode.MALFORMED_INPUT
