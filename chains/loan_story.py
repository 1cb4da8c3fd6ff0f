"""The consortium's headline flow on a running consortium (I/O): one consent, one decision.

An enterprise seeded by ``consortium seed`` applies to its bank for a loan
and signs one consent over its own records on the tax and industry chains
(filings, its tax-clearance certificate, production reports, orders); the
relay (:mod:`relay.daemon`) carries them; the finance chain verifies them and
its policy decides. The demo, the end-to-end test and ``python -m bench
transfer`` all run it through these functions.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from google.protobuf.message import Message

from chains.apps.bundle import FetchedRecord, fetch_verified_record
from chains.consortium import FINANCE, INDUSTRY, TAX, Consortium
from chains.core.crypto import Ed25519KeyPair
from chains.core.errors import ConsortiumError, ErrorCode
from chains.finance.app import (
    KIND_DECISION,
    KIND_LOAN,
    LOAN_SUBMITTED,
    TX_APPLY_FOR_LOAN,
    TX_DECIDE_LOAN,
)
from chains.finance.relay_rules import (
    KIND_CONSENT,
    KIND_DATA_SET,
    TX_REVOKE_CONSENT,
    get_consent_record_id,
)
from chains.runtime.client import NodeClient, NodeError
from chains.seed import POLICIES, ChainSender, PlannedTx, SeedEnterprise, SeedPlan
from consortium.v1 import finance_pb2, relay_pb2
from relay.consent import get_owner_field, make_signed_consent

CONSENT_FIELDS: dict[str, tuple[str, ...]] = {
    "filing": ("tax_type", "period", "tax_paid", "status"),
    "clearance": ("status", "valid_until"),
    "production": ("period", "output_value", "attestation"),
    "order": ("value", "status"),
}
"""What the story's consent lets the bank read of each kind (the owner field is added)."""
CONSENT_TTL_MS = 24 * 3_600_000


@dataclass(frozen=True, slots=True)
class ConsentedRecord:
    """One record a consent names, and which of its fields."""

    chain_id: str
    kind: str
    record_id: str
    fields: tuple[str, ...]


def get_enterprise_records(
    consortium: Consortium, plan: SeedPlan, uscc: str
) -> list[ConsentedRecord]:
    """The records the seed created for enterprise ``uscc`` that a consent may name, with
    the fields the story discloses (owner field included)."""
    records = []
    for tx in plan.txs:
        wanted = CONSENT_FIELDS.get(tx.creates)
        if wanted is None or _get_owner(tx) != uscc:
            continue
        owner_field = get_owner_field(tx.creates)
        chain_id = consortium.get_chain(tx.chain).chain_id
        records.append(ConsentedRecord(chain_id, tx.creates, tx.record_id, (owner_field, *wanted)))
    return records


def _get_owner(tx: PlannedTx) -> str:
    # The tax bureau files and certifies for an enterprise; the enterprise reports its own.
    if tx.creates in ("filing", "clearance"):
        return tx.decode().enterprise
    return tx.sender


def make_consent(
    consent_id: str,
    enterprise: str,
    bank: str,
    destination_chain: str,
    application_id: str,
    records: Iterable[ConsentedRecord],
    not_before_ms: int,
    ttl_ms: int = CONSENT_TTL_MS,
    purpose: str = "loan application",
) -> relay_pb2.Consent:
    """A consent over ``records`` (grouped by chain, in order), valid for ``ttl_ms``."""
    scopes: dict[str, relay_pb2.ConsentScope] = {}
    for record in records:
        scope = scopes.setdefault(record.chain_id, relay_pb2.ConsentScope(chain_id=record.chain_id))
        scope.records.add(kind=record.kind, id=record.record_id, fields=list(record.fields))
    return relay_pb2.Consent(
        consent_id=consent_id,
        enterprise=enterprise,
        bank=bank,
        destination_chain=destination_chain,
        purpose=purpose,
        application_id=application_id,
        scopes=list(scopes.values()),
        not_before_ms=not_before_ms,
        expires_ms=not_before_ms + ttl_ms,
        nonce=os.urandom(16),
    )


def pick_story_enterprise(plan: SeedPlan) -> SeedEnterprise:
    """The first seeded (not genesis) enterprise with a clearance certificate and production
    reports: one whose data can carry a loan."""
    cleared = {tx.decode().enterprise for tx in plan.txs if tx.creates == "clearance"}
    producing = {tx.sender for tx in plan.txs if tx.creates == "production"}
    for enterprise in plan.enterprises:
        if enterprise.uscc in cleared and enterprise.uscc in producing:
            return enterprise
    raise ConsortiumError(ErrorCode.MEMBER_NOT_FOUND, "no seeded enterprise has a clearance")


@dataclass(frozen=True, slots=True)
class Application:
    """A loan application sent with its consent."""

    application_id: str
    consent_id: str
    enterprise: str
    bank: str
    signed_consent: bytes
    submitted_at: float
    """``time.monotonic()`` when the application was sent."""


def apply_with_consent(
    consortium: Consortium,
    plan: SeedPlan,
    enterprise: SeedEnterprise,
    key: Ed25519KeyPair,
    application_id: str,
    amount: int,
    now_ms: int | None = None,
    sender: ChainSender | None = None,
) -> Application:
    """``enterprise`` applies to its house bank under the bank's policy, carrying one
    consent over its seeded records; returns once the application is admitted."""
    finance = consortium.get_chain(FINANCE)
    records = get_enterprise_records(consortium, plan, enterprise.uscc)
    consent_id = f"consent-{application_id}"
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    consent = make_consent(
        consent_id,
        enterprise.uscc,
        enterprise.house_bank,
        finance.chain_id,
        application_id,
        records,
        now_ms - 60_000,  # a little slack for the validators' clocks
    )
    signed = make_signed_consent(key, consent)
    payload = finance_pb2.ApplyForLoan(
        application_id=application_id,
        bank=enterprise.house_bank,
        amount=amount,
        term_months=24,
        purpose="working capital against verified tax and production records",
        policy_id=POLICIES[enterprise.house_bank].policy_id,
        record_seed=os.urandom(32),
        signed_consent=signed,
        consent_record_seed=os.urandom(32),
    )
    own = sender is None
    sender = sender or ChainSender(finance.chain_id, finance.addresses)
    try:
        started = time.monotonic()
        sender.submit([sender.sign(key, TX_APPLY_FOR_LOAN, payload.SerializeToString())])
    finally:
        if own:
            sender.close()
    return Application(
        application_id, consent_id, enterprise.uscc, enterprise.house_bank, signed, started
    )


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the finance chain committed for an application: its decision and evidence."""

    loan: FetchedRecord
    decision: FetchedRecord
    consent: FetchedRecord
    data_set: FetchedRecord
    decided_at: float
    """``time.monotonic()`` when the decision was seen."""


def wait_for_decision(
    client: NodeClient, application: Application, timeout_s: float = 60.0, poll_s: float = 0.05
) -> Outcome:
    """Wait until the application is decided; its decision and the evidence it rests on,
    each read with its proof. NOT_FOUND when it is not decided within ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        loan = fetch_verified_record(client, KIND_LOAN, application.application_id)
        if loan is not None and loan.fields.get("status") != LOAN_SUBMITTED:
            break
        if time.monotonic() > deadline:
            raise ConsortiumError(
                ErrorCode.NOT_FOUND,
                f"application {application.application_id} was not decided in {timeout_s} s",
            )
        time.sleep(poll_s)
    decided_at = time.monotonic()
    record_id = get_consent_record_id(application.enterprise, application.consent_id)
    decision = fetch_verified_record(client, KIND_DECISION, str(loan.fields["decision_id"]))
    consent = fetch_verified_record(client, KIND_CONSENT, record_id)
    data_set = fetch_verified_record(client, KIND_DATA_SET, record_id)
    if decision is None or consent is None or data_set is None:
        raise ConsortiumError(
            ErrorCode.RECORD_NOT_FOUND,
            f"application {application.application_id} is decided without its evidence",
        )
    return Outcome(loan, decision, consent, data_set, decided_at)


def get_source_chain_ids(consortium: Consortium) -> Sequence[str]:
    """The chains a consent reads from."""
    return [consortium.get_chain(name).chain_id for name in (TAX, INDUSTRY)]


# --------------------------------------------------------------------------
# Transactions sent for an organisation whose key the consortium directory holds
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SentTx:
    """A committed, successful transaction: its id and the height of its block."""

    tx_id: bytes
    height: int

    def describe(self) -> str:
        """One line for people."""
        return f"committed at height {self.height} (transaction {self.tx_id.hex()[:16]}…)"


def send_finance_tx(
    consortium: Consortium, organisation: str, tx_type: str, message: Message
) -> SentTx:
    """Sign ``message`` as ``tx_type`` with ``organisation``'s key, send it to a finance node
    that answers and wait until it is committed.

    Raises ConsortiumError with the code the node gave on admission or the block committed
    (LOAN_ALREADY_DECIDED, CONSENT_REVOKED, ...), NodeError when no node answers.
    """
    key = consortium.read_key(organisation).key_pair
    finance = consortium.get_chain(FINANCE)
    address = _get_answering_address(finance.addresses)
    # One node: the nonce, the submission and the wait all see the same state.
    with ChainSender(finance.chain_id, [address]) as sender:
        raw = sender.sign(key, tx_type, message.SerializeToString(deterministic=True))
        (tx_id,) = sender.submit([raw])
        (response,) = sender.wait([tx_id], timeout_s=30.0)
        if response.code:
            raise ConsortiumError(ErrorCode(response.code), response.message)
        sender.wait_for_height(response.height)
    return SentTx(tx_id, response.height)


def _get_answering_address(addresses: Sequence[str]) -> str:
    last: NodeError | None = None
    for address in addresses:
        try:
            with NodeClient(address, timeout_s=5.0) as client:
                client.get_chain_info()
        except NodeError as error:
            last = error
            continue
        return address
    assert last is not None
    raise last


def get_officer_decision_id(application_id: str) -> str:
    """The id of a bank officer's decision on ``application_id``."""
    return f"{application_id}:officer"


def decide_loan(
    consortium: Consortium,
    bank: str,
    application_id: str,
    approve: bool,
    amount_fen: int = 0,
    rate_bp: int = 0,
    reasons: Sequence[str] = (),
) -> SentTx:
    """``bank``'s officer approves (amount, rate) or rejects (reasons) an application.

    LOAN_NOT_FOUND, LOAN_WRONG_BANK, LOAN_ALREADY_DECIDED, INVALID_FIELD_VALUE (more than
    requested, a rejection without a reason, a rate outside 1-10000 bp), RECORD_EXISTS.
    """
    payload = finance_pb2.DecideLoan(
        decision_id=get_officer_decision_id(application_id),
        application_id=application_id,
        approve=approve,
        amount=amount_fen if approve else 0,
        rate_bp=rate_bp if approve else 0,
        reasons=[reason for reason in reasons if reason],
        record_seed=os.urandom(32),
    )
    return send_finance_tx(consortium, bank, TX_DECIDE_LOAN, payload)


def revoke_consent(
    consortium: Consortium, enterprise: str, consent_id: str, reason: str = ""
) -> SentTx:
    """``enterprise`` revokes its consent ``consent_id`` (one never seen is recorded revoked).

    CONSENT_USED when a transfer used it, CONSENT_REVOKED when it is revoked already.
    """
    payload = finance_pb2.RevokeConsent(
        consent_id=consent_id, reason=reason, record_seed=os.urandom(32)
    )
    return send_finance_tx(consortium, enterprise, TX_REVOKE_CONSENT, payload)
