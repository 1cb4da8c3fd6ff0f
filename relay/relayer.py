"""The relayer: carries consented records from the source chains to the finance chain (I/O).

A courier, trusted for nothing (DESIGN §2): the finance chain checks
everything it delivers. It

1. **watches** the finance chain's blocks for loan applications that carry a
   consent (``finance.loan.apply`` with ``signed_consent``, committed OK), each
   a *packet* keyed by ``<enterprise>:<consent id>``;
2. **fetches**, for each pending packet, the consented records from each
   source chain's ``DiscloseRecords`` (the node checks the consent itself) and
   the identity proof from the tax chain's registry;
3. **submits** one ``relay.transfer`` with the source headers and certificates,
   and reads the transaction's committed result: the acknowledgement
   (delivered, or rejected with its code);
4. **keeps the light clients fresh**: a client whose latest trusted header is
   older than a fraction (default 1/3) of its trusting period is updated with
   the source chain's latest certified header, well before it would expire.

**Crash safety.** The scan cursor and every packet's status are written
atomically (a temporary file renamed over the old one) after each change.
After a crash the relayer rescans from its cursor and, before submitting a
pending packet, reads the consent's record on the finance chain: a consent
already used (by a transfer the relayer sent before it crashed, or anyone's)
is delivered, not sent again. And a transfer sent twice has no second effect
anyway: the finance chain refuses it (``CONSENT_USED``).

Metrics (Prometheus, :mod:`relay.metrics`): packets by status, backlog,
delivery latency, client heights and updates.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from chains.apps.bundle import fetch_verified_record
from chains.apps.membership import get_account_key, get_organisation_key
from chains.core.app import get_nonce_key
from chains.core.block import decode_block, decode_header
from chains.core.crypto import Ed25519KeyPair
from chains.core.errors import ConsortiumError, ErrorCode
from chains.core.transactions import decode_verified_transaction, make_signed_transaction
from chains.core.types import ChainId
from chains.finance.app import KIND_LOAN, LOAN_SUBMITTED, TX_APPLY_FOR_LOAN
from chains.finance.relay_rules import (
    CONSENT_REVOKED,
    CONSENT_USED,
    KIND_CONSENT,
    TX_TRANSFER,
    TX_UPDATE_CLIENT,
    get_client_header_key,
    get_client_key,
    get_consent_record_id,
)
from chains.runtime.client import NodeClient, NodeError
from consortium.v1 import finance_pb2, relay_pb2
from relay.codec import decode_trusted_header, get_latest_height
from relay.consent import SignedConsent, decode_signed_consent
from relay.metrics import RelayerMetrics

log = logging.getLogger("consortium.relayer")

STATE_FORMAT = "consortium/relayer-state/v1"

PENDING = "pending"
DELIVERED = "delivered"
REJECTED = "rejected"
REVOKED = "revoked"
FAILED = "failed"
PACKET_STATUSES = (PENDING, DELIVERED, REJECTED, REVOKED, FAILED)

MAX_ATTEMPTS = 5
"""Transfers of one packet tried before it is given up as failed."""
REFRESH_FRACTION = 1 / 3
"""A client is refreshed once its latest trusted header is this share of its period old."""
FINAL_CODES = frozenset(
    {
        ErrorCode.CONSENT_EXPIRED,
        ErrorCode.CONSENT_REVOKED,
        ErrorCode.CONSENT_WRONG_BANK,
        ErrorCode.CONSENT_NOT_BY_OWNER,
        ErrorCode.CONSENT_SCOPE_EXCEEDED,
        ErrorCode.NOT_RECORD_OWNER,
        ErrorCode.LOAN_ALREADY_DECIDED,
        ErrorCode.LOAN_NOT_FOUND,
        ErrorCode.RECORD_NOT_FOUND,
        ErrorCode.MALFORMED_INPUT,
        ErrorCode.INVALID_FIELD_VALUE,
        ErrorCode.WRONG_CHAIN_ID,
    }
)
"""Refusals that no retry can change: the packet is rejected for good."""


@dataclass
class Packet:
    """One consent to carry: what it names, and how far it got."""

    record_id: str
    consent_id: str
    enterprise: str
    bank: str
    application_id: str
    signed_consent: str
    """Hex of the SignedConsent's exact bytes."""
    seen_height: int
    seen_time_ms: int
    """The time of the finance block that committed the application."""
    status: str = PENDING
    attempts: int = 0
    code: str = ""
    message: str = ""
    tx_id: str = ""
    delivered_height: int = 0
    delivered_time_ms: int = 0


@dataclass
class RelayerState:
    """What the relayer remembers across restarts."""

    cursor: int = 0
    """The last finance height whose applications were read."""
    packets: dict[str, Packet] = field(default_factory=dict)

    def get_backlog(self) -> int:
        """How many packets are still to be carried."""
        return sum(1 for packet in self.packets.values() if packet.status == PENDING)


def load_state(path: Path) -> RelayerState:
    """The relayer's state in ``path`` (empty when there is none); INVALID_CONFIG when the
    file is not one."""
    try:
        document = json.loads(path.read_text())
    except FileNotFoundError:
        return RelayerState()
    except (OSError, ValueError) as error:
        raise ConsortiumError(
            ErrorCode.INVALID_CONFIG, f"{path}: not a relayer state file ({error})"
        ) from None
    if not isinstance(document, dict) or document.get("format") != STATE_FORMAT:
        raise ConsortiumError(
            ErrorCode.INVALID_CONFIG, f"{path}: not a relayer state file ({STATE_FORMAT})"
        )
    try:
        packets = {key: Packet(**item) for key, item in document["packets"].items()}
        return RelayerState(int(document["cursor"]), packets)
    except (KeyError, TypeError, ValueError) as error:
        raise ConsortiumError(
            ErrorCode.INVALID_CONFIG, f"{path}: a damaged relayer state ({error})"
        ) from None


def save_state(path: Path, state: RelayerState) -> None:
    """Write ``state`` to ``path`` atomically (a crash leaves the old file or the new)."""
    document = {
        "format": STATE_FORMAT,
        "cursor": state.cursor,
        "packets": {key: asdict(packet) for key, packet in state.packets.items()},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w") as handle:
        handle.write(json.dumps(document, indent=2) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


@dataclass(frozen=True)
class RelayerConfig:
    """Where the chains are and how the relayer behaves."""

    finance_chain: str
    finance_addresses: Sequence[str]
    source_addresses: Mapping[str, Sequence[str]]
    """Source chain id -> its nodes' gRPC addresses."""
    identity_chain: str
    state_path: Path
    poll_interval_s: float = 0.2
    refresh_fraction: float = REFRESH_FRACTION
    tx_timeout_s: float = 30.0


class _Clients:
    """One client per chain, moving to the next address when a node does not answer."""

    def __init__(self, addresses: Sequence[str], timeout_s: float = 10.0) -> None:
        self.addresses = list(addresses)
        self.timeout_s = timeout_s
        self.turn = 0
        self.client = NodeClient(self.addresses[0], timeout_s=timeout_s)

    def call(self, action: Callable[[NodeClient], object]):
        """``action`` on a node; on UNAVAILABLE, once more on each other node."""
        for attempt in range(len(self.addresses)):
            try:
                return action(self.client)
            except NodeError as error:
                if error.code != ErrorCode.ERROR_CODE_UNSPECIFIED or attempt + 1 == len(
                    self.addresses
                ):
                    raise
                self.client.close()
                self.turn += 1
                address = self.addresses[self.turn % len(self.addresses)]
                self.client = NodeClient(address, timeout_s=self.timeout_s)
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.client.close()


class Relayer:
    """Carries consents from the source chains to the finance chain (module docs)."""

    def __init__(
        self,
        config: RelayerConfig,
        key: Ed25519KeyPair,
        metrics: RelayerMetrics | None = None,
        now_ms: Callable[[], int] = lambda: int(time.time() * 1000),
    ) -> None:
        self.config = config
        self.key = key
        self.metrics = metrics or RelayerMetrics()
        self.now_ms = now_ms
        self.finance = _Clients(config.finance_addresses)
        self.sources = {
            chain_id: _Clients(addresses) for chain_id, addresses in config.source_addresses.items()
        }
        self.state = load_state(config.state_path)
        self.metrics.observe_packets(summarise(self.state), self.state.get_backlog())

    def close(self) -> None:
        """Close every connection."""
        self.finance.close()
        for clients in self.sources.values():
            clients.close()

    # ------------------------------------------------------------ watching

    def scan(self) -> int:
        """Read the finance blocks after the cursor; return how many new packets they hold."""
        tip = self.finance.call(lambda c: c.get_chain_info()).height
        found = 0
        chain_id = ChainId(self.config.finance_chain)
        while self.state.cursor < tip:
            height = self.state.cursor + 1
            response = self.finance.call(lambda c, h=height: c.get_block(h))
            block = decode_block(response.block)
            for raw in block.txs:
                tx = decode_verified_transaction(raw, chain_id)
                if tx.body.type != TX_APPLY_FOR_LOAN:
                    continue
                payload = finance_pb2.ApplyForLoan.FromString(tx.body.payload)
                if not payload.signed_consent:
                    continue
                result = self.finance.call(lambda c, t=tx.tx_id: c.get_transaction(t))
                if result.code:
                    continue  # the application was refused: nothing to carry
                found += self._add_packet(payload.signed_consent, height, block)
            self.state.cursor = height
            save_state(self.config.state_path, self.state)
        self.metrics.observe_packets(summarise(self.state), self.state.get_backlog())
        return found

    def _add_packet(self, signed_consent: bytes, height: int, block) -> int:
        consent = decode_signed_consent(signed_consent).consent
        record_id = get_consent_record_id(consent.enterprise, consent.consent_id)
        if record_id in self.state.packets:
            return 0
        self.state.packets[record_id] = Packet(
            record_id=record_id,
            consent_id=consent.consent_id,
            enterprise=consent.enterprise,
            bank=consent.bank,
            application_id=consent.application_id,
            signed_consent=signed_consent.hex(),
            seen_height=height,
            seen_time_ms=block.header.time_unix_ms,
        )
        log.info(
            "packet %s: application %s at height %d", record_id, consent.application_id, height
        )
        return 1

    # ------------------------------------------------------------ light clients

    def refresh_clients(self) -> int:
        """Update every client whose latest trusted header is older than the refresh age;
        return how many were updated."""
        updated = 0
        for chain_id in self.sources:
            latest = self.read_client_latest(chain_id)
            if latest is None:
                continue
            height, time_ms, period_ms = latest
            self.metrics.client_height.labels(chain_id).set(height)
            if self.now_ms() - time_ms < period_ms * self.config.refresh_fraction:
                continue
            header = self._fetch_latest_header(chain_id)
            if self._header_height(header) <= height:
                continue
            payload = finance_pb2.UpdateClient(header=header)
            result = self.send(TX_UPDATE_CLIENT, payload)
            if result.code:
                log.warning(
                    "client of %s not updated: %s %s",
                    chain_id,
                    ErrorCode(result.code).name,
                    result.message,
                )
                continue
            updated += 1
            self.metrics.client_updates.labels(chain_id).inc()
            self.metrics.client_height.labels(chain_id).set(self._header_height(header))
            log.info("client of %s updated to height %d", chain_id, self._header_height(header))
        return updated

    def read_client_latest(self, chain_id: str) -> tuple[int, int, int] | None:
        """The finance chain's client of ``chain_id``: latest trusted height, its time and
        the trusting period; None when there is no such client."""
        response = self.finance.call(lambda c: c.query_state(get_client_key(chain_id)))
        if not response.found:
            return None
        state = relay_pb2.LightClientState.FromString(response.value)
        height = get_latest_height(response.value)
        header_response = self.finance.call(
            lambda c: c.query_state(get_client_header_key(chain_id, height), response.height)
        )
        trusted = decode_trusted_header(header_response.value)
        return height, trusted.time_unix_ms, state.trusting_period_ms

    @staticmethod
    def _header_height(header: finance_pb2.ClientHeader) -> int:
        return decode_header(header.header.header).height

    def _fetch_latest_header(self, chain_id: str) -> finance_pb2.ClientHeader:
        clients = self.sources[chain_id]
        height = clients.call(lambda c: c.get_chain_info()).height
        return self._fetch_header(chain_id, height)

    def _fetch_header(self, chain_id: str, height: int) -> finance_pb2.ClientHeader:
        clients = self.sources[chain_id]
        certificate = clients.call(lambda c: c.get_certificate(height))
        validators = clients.call(lambda c: c.get_validator_set_response(height)).validator_set
        return finance_pb2.ClientHeader(
            chain_id=chain_id,
            header=relay_pb2.CertifiedHeaderBytes(
                header=certificate.header,
                certificate=certificate.certificate,
                validator_set=validators,
            ),
        )

    # ------------------------------------------------------------ carrying

    def relay_pending(self) -> int:
        """Carry every pending packet: settle those the chain has settled already, build
        the others' transfers, send them together (consecutive nonces, so that they share
        blocks) and read each acknowledgement. Return how many were settled (delivered,
        rejected, revoked or failed)."""
        ready: list[tuple[Packet, finance_pb2.RelayTransfer]] = []
        pending = [p for p in self.state.packets.values() if p.status == PENDING]
        for packet in pending:
            if self._settle_from_chain(packet):
                continue
            signed = decode_signed_consent(bytes.fromhex(packet.signed_consent))
            packet.attempts += 1
            try:
                ready.append((packet, self.build_transfer(signed, packet)))
            except NodeError as error:
                # A source refused to disclose (its code), or a node is unreachable.
                self._note_failure(packet, error.code, error.message)
        if ready:
            results = self.send_many(TX_TRANSFER, [payload for _, payload in ready])
            for (packet, _), result in zip(ready, results, strict=True):
                self._acknowledge(packet, result)
        self.metrics.observe_packets(summarise(self.state), self.state.get_backlog())
        return sum(1 for packet in pending if packet.status != PENDING)

    def _acknowledge(self, packet: Packet, result: SendResult | NodeError | None) -> None:
        if result is None:
            packet.attempts -= 1  # not sent: an earlier transfer of the batch was refused
            return
        if isinstance(result, NodeError):
            self._note_failure(packet, result.code, result.message)
            return
        packet.tx_id = result.tx_id_hex
        if result.code == 0:
            self._deliver(packet, result.height, result.time_ms)
            return
        code = ErrorCode(result.code)
        if code == ErrorCode.CONSENT_USED and self._settle_from_chain(packet):
            return
        self._note_failure(packet, code, result.message)

    def _note_failure(self, packet: Packet, code: ErrorCode, message: str) -> None:
        packet.code, packet.message = code.name, message
        if code in FINAL_CODES:
            packet.status = REJECTED
        elif packet.attempts >= MAX_ATTEMPTS:
            packet.status = FAILED
        log.warning("packet %s: %s %s (%s)", packet.record_id, code.name, message, packet.status)
        self.metrics.attempts.labels(code.name).inc()
        save_state(self.config.state_path, self.state)

    def _deliver(self, packet: Packet, height: int, time_ms: int) -> None:
        packet.status = DELIVERED
        packet.code, packet.message = "", ""
        packet.delivered_height, packet.delivered_time_ms = height, time_ms
        if time_ms and packet.seen_time_ms:
            self.metrics.latency.observe(max(0, time_ms - packet.seen_time_ms) / 1000)
        log.info("packet %s delivered at height %d", packet.record_id, height)
        save_state(self.config.state_path, self.state)

    def _settle_from_chain(self, packet: Packet) -> bool:
        consent = self.finance.call(
            lambda c: fetch_verified_record(c, KIND_CONSENT, packet.record_id)
        )
        status = None if consent is None else consent.fields.get("status")
        if status == CONSENT_USED:
            changed = int(consent.fields.get("changed_height", 0))
            self._deliver(packet, changed, 0)
            return True
        if status == CONSENT_REVOKED:
            packet.status = REVOKED
            save_state(self.config.state_path, self.state)
            return True
        loan = self.finance.call(
            lambda c: fetch_verified_record(c, KIND_LOAN, packet.application_id)
        )
        if loan is not None and loan.fields.get("status") != LOAN_SUBMITTED:
            packet.status, packet.code = REJECTED, ErrorCode.LOAN_ALREADY_DECIDED.name
            packet.message = f"application {packet.application_id} is {loan.fields.get('status')}"
            save_state(self.config.state_path, self.state)
            return True
        return False

    def build_transfer(self, signed: SignedConsent, packet: Packet) -> finance_pb2.RelayTransfer:
        """The ``relay.transfer`` payload of ``packet``: each source's disclosure under the
        consent (with its certified header) and the identity proof (NodeError: a source
        refused, with its code)."""
        raw = bytes.fromhex(packet.signed_consent)
        headers, records = [], []
        identity = None
        for scope in signed.consent.scopes:
            clients = self.sources.get(scope.chain_id)
            if clients is None:
                raise NodeError(
                    ErrorCode.CLIENT_NOT_FOUND,
                    f"this relayer knows no node of {scope.chain_id}",
                    None,
                )
            served = clients.call(lambda c: c.disclose_records(raw))
            headers.append(
                finance_pb2.ClientHeader(
                    chain_id=scope.chain_id,
                    header=relay_pb2.CertifiedHeaderBytes(
                        header=served.header,
                        certificate=served.certificate,
                        validator_set=served.validator_set,
                    ),
                )
            )
            records.extend(served.records)
            if scope.chain_id == self.config.identity_chain:
                identity = served.identity
        if identity is None:
            header, identity = self._fetch_identity(signed)
            headers.append(header)
        return finance_pb2.RelayTransfer(
            headers=headers,
            transfer=relay_pb2.Transfer(signed_consent=raw, identity=identity, records=records),
            record_seed=os.urandom(32),
        )

    def _fetch_identity(
        self, signed: SignedConsent
    ) -> tuple[finance_pb2.ClientHeader, relay_pb2.IdentityProof]:
        # The consent names nothing on the identity chain: prove the registry entries there.
        chain_id = self.config.identity_chain
        clients = self.sources[chain_id]
        height = clients.call(lambda c: c.get_chain_info()).height
        account = clients.call(lambda c: c.query_state(get_account_key(signed.public_key), height))
        organisation = clients.call(
            lambda c: c.query_state(get_organisation_key(signed.consent.enterprise), height)
        )
        identity = relay_pb2.IdentityProof(
            height=height,
            account=account.value if account.found else b"",
            account_proof=account.proof,
            organisation=organisation.value if organisation.found else b"",
            organisation_proof=organisation.proof,
        )
        return self._fetch_header(chain_id, height), identity

    # ------------------------------------------------------------ sending

    def send(self, tx_type: str, payload) -> SendResult:
        """Sign ``payload`` with the relay's key and the next nonce, submit it and wait for
        its committed result (the acknowledgement). NodeError when it is not committed in
        time."""
        (result,) = self.send_many(tx_type, [payload])
        if isinstance(result, NodeError):
            raise result
        return result

    def send_many(
        self, tx_type: str, payloads: Sequence[object]
    ) -> list[SendResult | NodeError | None]:
        """Sign the payloads with consecutive nonces after the committed one, submit them in
        order, then wait for each committed result. A refusal at submission ends the
        batch: it is that payload's result, and the later ones are not sent (None), since
        their nonces would wait for it forever. A result not committed in time is a
        NodeError."""
        nonce_response = self.finance.call(
            lambda c: c.query_state(get_nonce_key(self.key.public_key))
        )
        # The relayer waits for all its transactions, so the committed nonce is the last.
        last = int.from_bytes(nonce_response.value, "big") if nonce_response.found else 0
        results: list[SendResult | NodeError | None] = [None] * len(payloads)
        sent: list[tuple[int, bytes]] = []
        for index, payload in enumerate(payloads):
            raw = make_signed_transaction(
                self.key,
                ChainId(self.config.finance_chain),
                last + 1 + index,
                tx_type,
                payload.SerializeToString(),
            )
            (admission,) = self.finance.call(lambda c, r=raw: c.submit([r]))
            tx_id = bytes(admission.tx_id)
            if admission.code:
                results[index] = SendResult(admission.code, admission.message, tx_id.hex(), 0, 0)
                break
            sent.append((index, tx_id))
        for index, tx_id in sent:
            try:
                response = self.finance.call(
                    lambda c, t=tx_id: c.wait_for_transaction(t, timeout_s=self.config.tx_timeout_s)
                )
            except NodeError as error:
                results[index] = error
                continue
            time_ms = decode_header(response.header).time_unix_ms
            results[index] = SendResult(
                response.code, response.message, tx_id.hex(), response.height, time_ms
            )
        return results

    # ------------------------------------------------------------ the loop

    def run_once(self) -> None:
        """One turn: watch, refresh the clients, carry what is pending."""
        self.scan()
        self.refresh_clients()
        self.relay_pending()

    def run(self, should_stop: Callable[[], bool]) -> None:
        """Turn until ``should_stop``; a node that does not answer is retried next turn."""
        while not should_stop():
            try:
                self.run_once()
            except (NodeError, ConsortiumError) as error:
                log.warning("relayer turn: %s %s", error.code.name, error.message)
                self.metrics.errors.inc()
            time.sleep(self.config.poll_interval_s)


@dataclass(frozen=True, slots=True)
class SendResult:
    """A transaction's committed result (or its refusal by the mempool: height 0)."""

    code: int
    message: str
    tx_id_hex: str
    height: int
    time_ms: int


def summarise(state: RelayerState) -> Mapping[str, int]:
    """Packets by status (every status present, zero or more)."""
    counts = dict.fromkeys(PACKET_STATUSES, 0)
    for packet in state.packets.values():
        counts[packet.status] = counts.get(packet.status, 0) + 1
    return counts


def iter_packets(state: RelayerState) -> Iterable[Packet]:
    """The packets, oldest first."""
    return sorted(state.packets.values(), key=lambda packet: (packet.seen_height, packet.record_id))
