"""What the dashboards show, read from the chains through the nodes' gRPC API (no Streamlit).

Every function here takes the consortium (its layout: chains, node addresses,
keys) and returns plain frozen data, so that pages stay thin and the reading
can be tested without a browser. Answers that carry proofs are verified
(:func:`chains.apps.bundle.fetch_verified_record`); a node that does not
answer raises :class:`chains.runtime.client.NodeError` with a stable code,
which the pages show with what to do (:mod:`dashboards.common`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import grpc

from chains.apps.bundle import FetchedRecord, fetch_verified_record
from chains.consortium import FINANCE, INDUSTRY, TAX, Consortium, read_consortium
from chains.core.block import decode_block
from chains.core.consensus.validators import decode_validator_set
from chains.core.errors import ErrorCode
from chains.core.transactions import VerifiedTransaction, decode_verified_transaction
from chains.core.types import ChainId
from chains.finance.app import KIND_DECISION, KIND_LOAN, TX_APPLY_FOR_LOAN
from chains.finance.relay_rules import (
    KIND_CONSENT,
    KIND_DATA_SET,
    get_client_header_key,
    get_client_key,
    get_consent_record_id,
)
from chains.runtime.client import NodeClient, NodeError
from consortium.v1 import finance_pb2, relay_pb2
from relay.codec import decode_trusted_header
from relay.daemon import get_relay_dir, is_relayer_running, read_process_file
from relay.relayer import RelayerState, load_state

DEFAULT_DIR = Path("./consortium")
EXPIRING_SHARE = 2 / 3
"""A light client older than this share of its trusting period is shown as expiring."""


def get_consortium(root: Path | str) -> Consortium:
    """The consortium laid out in ``root`` (INVALID_CONFIG when there is none)."""
    return read_consortium(Path(root))


# --------------------------------------------------------------------------
# Chains and validators
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ValidatorStatus:
    """One validator: its name, voting power, address and whether it answers."""

    name: str
    power: int
    address: str
    up: bool
    height: int | None


@dataclass(frozen=True, slots=True)
class BlockSummary:
    """One committed block, as the overview and the explorer list it."""

    height: int
    time_unix_ms: int
    tx_count: int
    block_hash: bytes
    proposer: bytes


@dataclass(frozen=True, slots=True)
class ChainOverview:
    """One chain at a glance."""

    name: str
    chain_id: str
    height: int
    validators: tuple[ValidatorStatus, ...]
    blocks: tuple[BlockSummary, ...]
    """The most recent blocks, oldest first."""

    @property
    def validators_up(self) -> int:
        """How many validators answer."""
        return sum(v.up for v in self.validators)

    @property
    def tx_per_s(self) -> float:
        """Committed transactions per second over the recent blocks (0 with fewer than 2)."""
        if len(self.blocks) < 2:
            return 0.0
        span_ms = self.blocks[-1].time_unix_ms - self.blocks[0].time_unix_ms
        txs = sum(block.tx_count for block in self.blocks[1:])
        return txs * 1000 / span_ms if span_ms > 0 else 0.0


def get_block_summary(client: NodeClient, height: int) -> BlockSummary:
    """The block at ``height`` as a summary."""
    block = decode_block(client.get_block(height).block)
    header = block.header
    return BlockSummary(
        height, header.time_unix_ms, len(block.txs), bytes(block.hash), bytes(header.proposer)
    )


def get_recent_blocks(client: NodeClient, tip: int, count: int) -> tuple[BlockSummary, ...]:
    """The last ``count`` blocks up to ``tip``, oldest first."""
    first = max(1, tip - count + 1)
    return tuple(get_block_summary(client, height) for height in range(first, tip + 1))


def _get_height(address: str, timeout_s: float = 1.5) -> int | None:
    try:
        with NodeClient(address, timeout_s=timeout_s) as client:
            return client.get_chain_info().height
    except NodeError:
        return None


def get_chain_overview(consortium: Consortium, name: str, blocks: int = 30) -> ChainOverview:
    """Chain ``name``: every validator's status, and its recent blocks (NodeError when no
    validator answers)."""
    chain = consortium.get_chain(name)
    heights = [_get_height(node.address) for node in chain.nodes]
    answering = [
        node.address for node, h in zip(chain.nodes, heights, strict=True) if h is not None
    ]
    if not answering:
        raise NodeError(
            ErrorCode.ERROR_CODE_UNSPECIFIED,
            f"no validator of {chain.chain_id} answers",
            grpc.StatusCode.UNAVAILABLE,
        )
    with NodeClient(answering[0]) as client:
        tip = client.get_chain_info().height
        validator_set = decode_validator_set(client.get_validator_set_response(0).validator_set)
        recent = get_recent_blocks(client, tip, blocks) if tip else ()
    powers = {v.name: v.voting_power for v in validator_set.validators}
    validators = tuple(
        ValidatorStatus(node.name, powers.get(node.name, 0), node.address, h is not None, h)
        for node, h in zip(chain.nodes, heights, strict=True)
    )
    return ChainOverview(name, chain.chain_id, tip, validators, recent)


# --------------------------------------------------------------------------
# Light clients and the relayer
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LightClientStatus:
    """The finance chain's light client of one source chain."""

    chain_id: str
    height: int
    header_time_unix_ms: int
    trusting_period_ms: int
    frozen: bool
    status: str
    """"fresh", "expiring" (older than 2/3 of its period), "expired" or "frozen"."""


def get_client_status(
    chain_id: str, height: int, header_time_ms: int, period_ms: int, frozen: bool, now_ms: int
) -> str:
    """How a light client stands at ``now_ms``: frozen, expired, expiring or fresh."""
    if frozen:
        return "frozen"
    age = now_ms - header_time_ms
    if age >= period_ms:
        return "expired"
    if age >= period_ms * EXPIRING_SHARE:
        return "expiring"
    return "fresh"


def get_light_clients(
    consortium: Consortium, now_ms: int | None = None
) -> tuple[LightClientStatus, ...]:
    """The finance chain's light clients of the tax and industry chains."""
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    finance = consortium.get_chain(FINANCE)
    result = []
    with NodeClient(finance.addresses[0]) as client:
        for name in (TAX, INDUSTRY):
            chain_id = consortium.get_chain(name).chain_id
            response = client.query_state(get_client_key(chain_id))
            if not response.found:
                continue
            state = relay_pb2.LightClientState.FromString(response.value)
            header_response = client.query_state(
                get_client_header_key(chain_id, state.latest_height), response.height
            )
            trusted = decode_trusted_header(header_response.value)
            frozen = state.HasField("frozen_by")
            result.append(
                LightClientStatus(
                    chain_id,
                    state.latest_height,
                    trusted.time_unix_ms,
                    state.trusting_period_ms,
                    frozen,
                    get_client_status(
                        chain_id,
                        state.latest_height,
                        trusted.time_unix_ms,
                        state.trusting_period_ms,
                        frozen,
                        now_ms,
                    ),
                )
            )
    return tuple(result)


@dataclass(frozen=True, slots=True)
class RelayStatus:
    """The relayer's process and what it has carried."""

    running: bool
    metrics_port: int | None
    state: RelayerState

    @property
    def backlog(self) -> int:
        """Consents still to carry."""
        return self.state.get_backlog()


def get_relay_status(consortium: Consortium) -> RelayStatus:
    """The consortium's relayer: running or not, and its packets."""
    root = consortium.root
    state = load_state(get_relay_dir(root) / "state.json")
    process = read_process_file(root) or {}
    return RelayStatus(is_relayer_running(root), process.get("metrics_port"), state)


# --------------------------------------------------------------------------
# Loan applications
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ApplicationView:
    """A loan application with what the finance chain holds for it, each proven."""

    loan: FetchedRecord
    consent: FetchedRecord | None
    data_set: FetchedRecord | None
    decision: FetchedRecord | None

    @property
    def application_id(self) -> str:
        return str(self.loan.fields["application_id"])

    @property
    def status(self) -> str:
        """submitted, verified (a data set, no decision yet), approved or rejected."""
        status = str(self.loan.fields.get("status"))
        if status == "submitted" and self.data_set is not None:
            return "verified"
        return status


def iter_block_transactions(
    client: NodeClient, chain_id: str, first: int, last: int
) -> Iterator[tuple[int, int, VerifiedTransaction]]:
    """(height, block time, transaction) of every transaction in blocks ``first..last``."""
    for height in range(first, last + 1):
        block = decode_block(client.get_block(height).block)
        for raw in block.txs:
            yield (
                height,
                block.header.time_unix_ms,
                decode_verified_transaction(raw, ChainId(chain_id)),
            )


@dataclass
class _ApplicationIndex:
    height: int = 0
    ids: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


_INDEXES: dict[tuple[str, str], _ApplicationIndex] = {}
_INDEXES_LOCK = threading.Lock()


def list_application_ids(client: NodeClient, finance_chain: str) -> list[str]:
    """Every loan application committed on the finance chain, oldest first.

    The state has no index by kind, so the blocks are read; an index per chain (and
    genesis) remembers how far it read, so each call reads only the new blocks.
    """
    info = client.get_chain_info()
    with _INDEXES_LOCK:
        index = _INDEXES.setdefault(
            (finance_chain, bytes(info.genesis_hash).hex()), _ApplicationIndex()
        )
    with index.lock:
        first = index.height + 1
        for _, _, tx in iter_block_transactions(client, finance_chain, first, info.height):
            if tx.body.type == TX_APPLY_FOR_LOAN:
                payload = finance_pb2.ApplyForLoan.FromString(tx.body.payload)
                if payload.application_id not in index.ids:
                    index.ids.append(payload.application_id)
        # Only once every block is read: a node that stops answering midway leaves the
        # index where it was, and the next call reads those blocks again.
        index.height = max(index.height, info.height)
        return list(index.ids)


def get_application(client: NodeClient, application_id: str) -> ApplicationView | None:
    """Application ``application_id`` with its consent, data set and decision (None: no such
    application)."""
    loan = fetch_verified_record(client, KIND_LOAN, application_id)
    if loan is None:
        return None
    enterprise = str(loan.fields.get("enterprise", ""))
    consent_id = str(loan.fields.get("consent_id", ""))
    consent = (
        fetch_verified_record(client, KIND_CONSENT, get_consent_record_id(enterprise, consent_id))
        if consent_id
        else None
    )
    data_set_id = str(loan.fields.get("data_set_id", ""))
    data_set = fetch_verified_record(client, KIND_DATA_SET, data_set_id) if data_set_id else None
    decision_id = str(loan.fields.get("decision_id", ""))
    decision = fetch_verified_record(client, KIND_DECISION, decision_id) if decision_id else None
    return ApplicationView(loan, consent, data_set, decision)


def get_applications(
    client: NodeClient, finance_chain: str, bank: str | None = None, enterprise: str | None = None
) -> list[ApplicationView]:
    """The applications (to ``bank`` / of ``enterprise`` when given), newest first."""
    views = []
    for application_id in reversed(list_application_ids(client, finance_chain)):
        view = get_application(client, application_id)
        if view is None:
            continue
        if bank is not None and view.loan.fields.get("bank") != bank:
            continue
        if enterprise is not None and view.loan.fields.get("enterprise") != enterprise:
            continue
        views.append(view)
    return views


def get_finance_client(consortium: Consortium) -> NodeClient:
    """A client of the first finance node that answers (NodeError when none does)."""
    return _get_answering_client(consortium.get_chain(FINANCE).addresses)


def get_chain_client(consortium: Consortium, name: str) -> NodeClient:
    """A client of the first node of chain ``name`` that answers."""
    return _get_answering_client(consortium.get_chain(name).addresses)


def _get_answering_client(addresses: Sequence[str]) -> NodeClient:
    last: NodeError | None = None
    for address in addresses:
        client = NodeClient(address, timeout_s=5.0)
        try:
            client.get_chain_info()
        except NodeError as error:
            client.close()
            last = error
            continue
        return client
    assert last is not None
    raise last


def iter_chain_names() -> Iterable[str]:
    """The consortium's chains, in order."""
    return (TAX, INDUSTRY, FINANCE)
