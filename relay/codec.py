"""Light clients as bytes: how a destination chain stores them in its state.

A client is kept in two parts (``proto/consortium/v1/relay.proto``): its
state (``LightClientState``: chain id, periods, latest height, freezing
evidence) under one key, and each trusted header (``TrustedHeader``) under a
key of its own, so that an update writes one header and the small state,
and a transfer reads only the heights it uses. :func:`decode_client` joins
the state with the trusted headers the caller read.

Decoding refuses anything a stored client could not be (MALFORMED_INPUT),
so a damaged state is reported, never used.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from chains.core.errors import ConsortiumError, ErrorCode
from chains.core.protobuf import parse_message
from chains.core.types import ChainId, Hash32, Height, is_hash32
from consortium.v1 import relay_pb2
from relay.light_client import CertifiedHeader, LightClient, Misbehaviour, TrustedHeader


def _malformed(message: str) -> ConsortiumError:
    return ConsortiumError(ErrorCode.MALFORMED_INPUT, message)


def certified_header_to_proto(header: CertifiedHeader) -> relay_pb2.CertifiedHeaderBytes:
    """The message of a certified header (its three byte strings)."""
    return relay_pb2.CertifiedHeaderBytes(
        header=header.header, certificate=header.certificate, validator_set=header.validator_set
    )


def certified_header_from_proto(message: relay_pb2.CertifiedHeaderBytes) -> CertifiedHeader:
    """The certified header carried by ``message`` (checked when it is verified)."""
    return CertifiedHeader(message.header, message.certificate, message.validator_set)


def encode_trusted_header(trusted: TrustedHeader) -> bytes:
    """The ``TrustedHeader`` bytes stored for one trusted height."""
    return relay_pb2.TrustedHeader(
        height=trusted.height,
        time_unix_ms=trusted.time_unix_ms,
        header_hash=trusted.header_hash,
        state_root=trusted.state_root,
        validators_hash=trusted.validators_hash,
        next_validators_hash=trusted.next_validators_hash,
    ).SerializeToString()


def decode_trusted_header(raw: bytes) -> TrustedHeader:
    """A stored trusted header; MALFORMED_INPUT unless every hash is 32 bytes."""
    message = parse_message(relay_pb2.TrustedHeader, raw)
    hashes = (
        message.header_hash,
        message.state_root,
        message.validators_hash,
        message.next_validators_hash,
    )
    if not all(is_hash32(value) for value in hashes):
        raise _malformed("a trusted header's hashes are 32 bytes each")
    return TrustedHeader(
        height=Height(message.height),
        time_unix_ms=message.time_unix_ms,
        header_hash=Hash32(message.header_hash),
        state_root=Hash32(message.state_root),
        validators_hash=Hash32(message.validators_hash),
        next_validators_hash=Hash32(message.next_validators_hash),
    )


def _misbehaviour_to_proto(evidence: Misbehaviour) -> relay_pb2.Misbehaviour:
    message = relay_pb2.Misbehaviour(
        height=evidence.height,
        first=certified_header_to_proto(evidence.first),
        trusted_hash=evidence.trusted_hash or b"",
    )
    if evidence.second is not None:
        message.second.CopyFrom(certified_header_to_proto(evidence.second))
    return message


def _misbehaviour_from_proto(message: relay_pb2.Misbehaviour) -> Misbehaviour:
    second = message.second if message.HasField("second") else None
    if (second is None) == (not message.trusted_hash):
        raise _malformed("evidence holds a second header or a trusted hash, exactly one")
    if message.trusted_hash and not is_hash32(message.trusted_hash):
        raise _malformed("the evidence's trusted hash is 32 bytes")
    return Misbehaviour(
        height=Height(message.height),
        first=certified_header_from_proto(message.first),
        second=None if second is None else certified_header_from_proto(second),
        trusted_hash=Hash32(message.trusted_hash) if message.trusted_hash else None,
    )


def encode_client_state(client: LightClient) -> bytes:
    """The ``LightClientState`` bytes of ``client`` (its trusted headers are stored apart)."""
    message = relay_pb2.LightClientState(
        chain_id=client.chain_id,
        trusting_period_ms=client.trusting_period_ms,
        max_clock_drift_ms=client.max_clock_drift_ms,
        latest_height=client.latest_height,
    )
    if client.frozen_by is not None:
        message.frozen_by.CopyFrom(_misbehaviour_to_proto(client.frozen_by))
    return message.SerializeToString()


def get_latest_height(raw: bytes) -> Height:
    """The latest trusted height of the stored client ``raw`` (to know which header to
    read before :func:`decode_client`); MALFORMED_INPUT when undecodable."""
    return Height(parse_message(relay_pb2.LightClientState, raw).latest_height)


def decode_client(raw: bytes, trusted: Mapping[Height, TrustedHeader]) -> LightClient:
    """The client stored as ``raw``, with the trusted headers the caller read for it.

    ``trusted`` must hold the latest trusted height (and any other the caller
    will use). Raises MALFORMED_INPUT for a state no client could have.
    """
    message = parse_message(relay_pb2.LightClientState, raw)
    if not message.chain_id or message.trusting_period_ms < 1 or message.max_clock_drift_ms < 1:
        raise _malformed("a stored light client names its chain and positive periods")
    latest = Height(message.latest_height)
    if latest not in trusted or any(height != t.height for height, t in trusted.items()):
        raise _malformed(f"the light client of {message.chain_id} lacks its latest header")
    frozen_by = (
        _misbehaviour_from_proto(message.frozen_by) if message.HasField("frozen_by") else None
    )
    return LightClient(
        chain_id=ChainId(message.chain_id),
        trusting_period_ms=message.trusting_period_ms,
        max_clock_drift_ms=message.max_clock_drift_ms,
        latest_height=latest,
        trusted=MappingProxyType(dict(trusted)),
        frozen_by=frozen_by,
    )
