"""Block headers and blocks: round trips, shape refusals, and hashing of the exact bytes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from chains.core.block import (
    Block,
    Header,
    decode_block,
    decode_header,
    encode_block,
    encode_header,
    get_block_value,
    verify_block_tx_root,
)
from chains.core.consensus.messages import Value
from chains.core.errors import ConsortiumError, ErrorCode
from chains.core.merkle import EMPTY_ROOT, compute_root
from chains.core.types import compute_sha256
from consortium.v1 import chain_pb2

TXS = (b"tx-0", b"tx-1", b"tx-2")


def make_fields(**changes: Any) -> dict[str, Any]:
    """Keyword arguments of a valid header at height 2 with ``TXS``, with ``changes``."""
    fields: dict[str, Any] = {
        "chain_id": "tax-1",
        "height": 2,
        "time_unix_ms": 1_700_000_000_000,
        "prev_block_hash": b"\x11" * 32,
        "tx_root": compute_root(TXS),
        "tx_count": len(TXS),
        "state_root": b"\x22" * 32,
        "validators_hash": b"\x33" * 32,
        "next_validators_hash": b"\x44" * 32,
        "proposer": b"\x55" * 48,
    }
    fields.update(changes)
    return fields


def encode_proto_header(**changes: Any) -> bytes:
    """Header bytes straight from protobuf, bypassing encode_header's checks."""
    return chain_pb2.BlockHeader(**make_fields(**changes)).SerializeToString()


HEADER_RAW = encode_header(**make_fields())
BLOCK_RAW = encode_block(HEADER_RAW, TXS)


# ---- round trips ------------------------------------------------------------


def test_header_round_trip() -> None:
    header = decode_header(HEADER_RAW)
    fields = make_fields()
    for name, value in fields.items():
        assert getattr(header, name) == value, name
    assert header.raw == HEADER_RAW
    assert header.hash == compute_sha256(HEADER_RAW)
    assert encode_header(**fields) == HEADER_RAW  # deterministic


def test_first_block_has_empty_previous_hash() -> None:
    raw = encode_header(**make_fields(height=1, prev_block_hash=b""))
    header = decode_header(raw)
    assert header.height == 1
    assert header.prev_block_hash == b""


def test_block_round_trip() -> None:
    block = decode_block(BLOCK_RAW)
    assert isinstance(block, Block)
    assert block.raw == BLOCK_RAW
    assert block.txs == TXS
    assert block.header == decode_header(HEADER_RAW)
    assert block.hash == compute_sha256(HEADER_RAW)


def test_empty_block_round_trip() -> None:
    header_raw = encode_header(**make_fields(tx_root=EMPTY_ROOT, tx_count=0))
    block = decode_block(encode_block(header_raw, []))
    assert block.txs == ()
    assert verify_block_tx_root(block).ok


def test_block_value_is_block_bytes_and_header_hash() -> None:
    value = get_block_value(BLOCK_RAW)
    assert value == Value(block=BLOCK_RAW, block_hash=compute_sha256(HEADER_RAW))
    assert value.block_hash != compute_sha256(BLOCK_RAW)


# ---- the hash covers the exact bytes -----------------------------------------


def _field_bytes(**one_field: Any) -> bytes:
    return chain_pb2.BlockHeader(**one_field).SerializeToString()


NON_CANONICAL_HEADERS = [
    # An unknown field (number 15, varint 5) appended: ignored by decoding, hashed.
    pytest.param(HEADER_RAW + b"\x78\x05", id="unknown-field"),
    # Fields in reverse order: same values, other bytes.
    pytest.param(
        b"".join(_field_bytes(**{k: v}) for k, v in reversed(make_fields().items())),
        id="reordered-fields",
    ),
    # Height 2 as an over-long varint (0x82 0x00) in place of 0x02.
    pytest.param(
        HEADER_RAW.replace(b"\x10\x02", b"\x10\x82\x00", 1),
        id="overlong-varint",
    ),
    # The chain id twice: protobuf keeps the last one.
    pytest.param(_field_bytes(chain_id="other-9") + HEADER_RAW, id="repeated-field"),
]


@pytest.mark.parametrize("raw", NON_CANONICAL_HEADERS)
def test_hash_covers_exact_bytes_of_non_canonical_header(raw: bytes) -> None:
    header = decode_header(raw)
    canonical = decode_header(HEADER_RAW)
    assert raw != HEADER_RAW
    # Same values ...
    for name in make_fields():
        assert getattr(header, name) == getattr(canonical, name), name
    # ... but the hash is of the bytes that arrived, not of a re-serialisation.
    assert header.raw == raw
    assert header.hash == compute_sha256(raw)
    assert header.hash != canonical.hash
    block_raw = encode_block(raw, TXS)
    assert decode_block(block_raw).header.raw == raw
    assert get_block_value(block_raw).block_hash == compute_sha256(raw)


# ---- refusals ----------------------------------------------------------------

MALFORMED_HEADERS: list[tuple[str, object]] = [
    ("garbage", b"\xff\xff\xff"),
    ("not bytes", "header"),
    ("bytearray", bytearray(HEADER_RAW)),
    ("empty", b""),
    ("truncated", HEADER_RAW[:-5]),
    ("height 0", encode_proto_header(height=0)),
    ("no chain id", encode_proto_header(chain_id="")),
    ("chain id over 64 bytes", encode_proto_header(chain_id="x" * 65)),
    ("chain id not UTF-8", b"\x0a\x02\xff\xfe" + encode_proto_header(chain_id="")),
    ("short tx root", encode_proto_header(tx_root=b"\x01" * 31)),
    ("long state root", encode_proto_header(state_root=b"\x01" * 33)),
    ("empty validators hash", encode_proto_header(validators_hash=b"")),
    ("short next validators hash", encode_proto_header(next_validators_hash=b"\x01" * 16)),
    ("short previous hash", encode_proto_header(prev_block_hash=b"\x01" * 31)),
    ("no previous hash at height 2", encode_proto_header(prev_block_hash=b"")),
    ("previous hash at height 1", encode_proto_header(height=1)),
    ("short proposer", encode_proto_header(proposer=b"\x01" * 47)),
    ("no proposer", encode_proto_header(proposer=b"")),
]


@pytest.mark.parametrize(
    "raw", [raw for _, raw in MALFORMED_HEADERS], ids=[name for name, _ in MALFORMED_HEADERS]
)
def test_decode_header_refuses_malformed(raw: object) -> None:
    with pytest.raises(ConsortiumError) as caught:
        decode_header(raw)  # type: ignore[arg-type]
    assert caught.value.code == ErrorCode.MALFORMED_INPUT


@pytest.mark.parametrize(
    "changes",
    [
        {"height": 0},
        {"height": -1},
        {"height": True},
        {"chain_id": ""},
        {"chain_id": b"tax-1"},
        {"chain_id": "\ud800"},
        {"tx_root": b"\x01" * 31},
        {"tx_count": -1},
        {"time_unix_ms": 2**63},
        {"prev_block_hash": b""},
        {"prev_block_hash": "00" * 32},
        {"proposer": b"\x01" * 49},
    ],
    ids=repr,
)
def test_encode_header_refuses_what_decode_would_refuse(changes: dict[str, Any]) -> None:
    with pytest.raises(ConsortiumError) as caught:
        encode_header(**make_fields(**changes))
    assert caught.value.code == ErrorCode.MALFORMED_INPUT


@pytest.mark.parametrize(
    "raw",
    [
        b"\xff\xff",
        b"",  # no header at all
        chain_pb2.Block(header=b"\xff\xff", txs=list(TXS)).SerializeToString(),
        chain_pb2.Block(header=encode_proto_header(height=0)).SerializeToString(),
        "block",
    ],
    ids=["garbage", "empty", "garbage-header", "height-0-header", "not-bytes"],
)
def test_decode_block_refuses_malformed(raw: object) -> None:
    with pytest.raises(ConsortiumError) as caught:
        decode_block(raw)  # type: ignore[arg-type]
    assert caught.value.code == ErrorCode.MALFORMED_INPUT
    with pytest.raises(ConsortiumError) as caught:
        get_block_value(raw)  # type: ignore[arg-type]
    assert caught.value.code == ErrorCode.MALFORMED_INPUT


def test_encode_block_refuses_bad_header_or_txs() -> None:
    for header_raw, txs in [(b"\xff", TXS), (HEADER_RAW, ["tx"])]:
        with pytest.raises(ConsortiumError) as caught:
            encode_block(header_raw, txs)  # type: ignore[arg-type]
        assert caught.value.code == ErrorCode.MALFORMED_INPUT


# ---- tx root -------------------------------------------------------------------


def _block_with(txs: tuple[bytes, ...], **changes: Any) -> Block:
    return decode_block(encode_block(encode_header(**make_fields(**changes)), txs))


def test_tx_root_accepted() -> None:
    assert verify_block_tx_root(decode_block(BLOCK_RAW)).ok


TX_ROOT_REFUSALS: list[tuple[str, Callable[[], object], ErrorCode]] = [
    ("wrong root", lambda: _block_with(TXS, tx_root=b"\x00" * 32), ErrorCode.MERKLE_ROOT_MISMATCH),
    ("count too high", lambda: _block_with(TXS, tx_count=4), ErrorCode.MERKLE_ROOT_MISMATCH),
    ("count too low", lambda: _block_with(TXS, tx_count=2), ErrorCode.MERKLE_ROOT_MISMATCH),
    ("tx missing", lambda: _block_with(TXS[:2], tx_count=2), ErrorCode.MERKLE_ROOT_MISMATCH),
    (
        "txs reordered",
        lambda: _block_with((TXS[1], TXS[0], TXS[2])),
        ErrorCode.MERKLE_ROOT_MISMATCH,
    ),
    (
        "last tx duplicated (CVE-2012-2459)",
        lambda: _block_with((*TXS, TXS[2]), tx_count=4, tx_root=compute_root(TXS)),
        ErrorCode.MERKLE_ROOT_MISMATCH,
    ),
    (
        "tx altered",
        lambda: _block_with((b"tx-0", b"tx-1", b"tx-X")),
        ErrorCode.MERKLE_ROOT_MISMATCH,
    ),
    ("not a block", lambda: BLOCK_RAW, ErrorCode.MALFORMED_INPUT),
    (
        "txs not bytes",
        lambda: Block(decode_header(HEADER_RAW), ("tx-0",), BLOCK_RAW),  # type: ignore[arg-type]
        ErrorCode.MALFORMED_INPUT,
    ),
]


@pytest.mark.parametrize(
    ("make", "code"),
    [(make, code) for _, make, code in TX_ROOT_REFUSALS],
    ids=[name for name, _, _ in TX_ROOT_REFUSALS],
)
def test_tx_root_refused(make: Callable[[], object], code: ErrorCode) -> None:
    verdict = verify_block_tx_root(make())  # type: ignore[arg-type]
    assert not verdict.ok
    assert verdict.code == code


def test_header_is_frozen() -> None:
    header = decode_header(HEADER_RAW)
    assert isinstance(header, Header)
    with pytest.raises(AttributeError):
        header.height = 3  # type: ignore[misc]
