"""What the regulator and auditor page shows, read and checked without Streamlit.

* :func:`lookup_invoice`: an e-invoice by number, as a record bundle verified
  against the tax chain's genesis validator set (authentic? which state?
  reimbursed by whom, at which certified height and time?).
* :func:`update_tax_scan`: the tax chain's blocks read once, incrementally:
  the invoices issued, and every ``tax.invoice.reimburse`` that failed with
  INVOICE_ALREADY_REIMBURSED (a refused double reimbursement), each proven
  in its block against the genesis set.
* :func:`update_consent_scan` and :func:`get_consents_ledger`: every consent
  record of the finance chain (named by the ``finance.loan.apply`` transactions
  that carry a consent and by ``consent.revoke`` transactions), each read with
  its proof.
* :func:`verify_uploaded_bundle`: a record bundle or a decision's audit
  bundle checked offline, step by step, against the consortium's genesis files.

A scan is frozen data: the page keeps the last one and passes it back, so
each refresh reads only the blocks committed since.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from chains.apps.audit import (
    AUDIT_BUNDLE_FORMAT,
    RECORD_STEPS,
    STEP_DECISION,
    STEP_LINKS,
    STEP_SOURCE_HEADERS,
    STEP_TRANSACTION,
    STEP_TRANSFER,
    describe_audit,
    verify_audit_bundle,
)
from chains.apps.bundle import (
    STEP_CERTIFICATE,
    STEP_FIELDS,
    STEP_FORMAT,
    STEP_HEADER,
    STEP_RECORD_HEAD,
    STEP_STATE_PROOF,
    STEP_VALIDATORS,
    BundleReport,
    BundleStep,
    describe_bundle,
    fetch_record_bundle,
    fetch_verified_record,
    verify_record_bundle,
)
from chains.apps.membership import get_account_key
from chains.consortium import FINANCE, Consortium
from chains.core.block import decode_block
from chains.core.consensus.certificate import decode_certificate, verify_commit
from chains.core.consensus.validators import ValidatorSet, decode_validator_set
from chains.core.errors import ConsortiumError, ErrorCode, refuse
from chains.core.protobuf import parse_message
from chains.core.records import FieldValue
from chains.core.transactions import VerifiedTransaction
from chains.finance.app import KIND_LOAN, TX_APPLY_FOR_LOAN
from chains.finance.relay_rules import (
    CONSENT_USED,
    KIND_CONSENT,
    TX_REVOKE_CONSENT,
    get_consent_record_id,
)
from chains.runtime.client import NodeClient, verify_state_response, verify_transaction_response
from chains.runtime.genesis import Genesis, read_genesis
from chains.tax.app import (
    KIND_INVOICE,
    STATUS_DECLARED,
    STATUS_REIMBURSED,
    TX_ISSUE_INVOICE,
    TX_REIMBURSE_INVOICE,
)
from consortium.v1 import finance_pb2, membership_pb2, relay_pb2, tax_pb2
from dashboards.data import iter_block_transactions

RECENT_INVOICES = 8
"""How many of the latest issued invoice numbers the scan keeps to suggest."""
MAX_UPLOAD_BYTES = 32 * 1024 * 1024
"""A bundle larger than this is refused before it is parsed."""

INVOICE_KEY = "regulator_invoice_number"
UPLOAD_KEY = "regulator_bundle_upload"
DECISION_KEY = "regulator_audit_decision"
"""The page's widget keys (stable: its tests drive the page through them)."""

KIND_RECORD_BUNDLE = "record bundle"
KIND_AUDIT_BUNDLE = "audit bundle"

RECORD_STEP_MEANINGS: Mapping[str, str] = {
    STEP_FORMAT: "the file is a record bundle, of the chain whose genesis it is checked against",
    STEP_VALIDATORS: "the bundle's validator set is the chain's genesis set (the trust anchor)",
    STEP_HEADER: "the block header is of that chain and height and names that validator set",
    STEP_CERTIFICATE: "validators holding more than 2/3 of the voting power signed the header",
    STEP_STATE_PROOF: "the record's head is in the state the header commits to",
    STEP_RECORD_HEAD: "the proven head is the record the bundle names (kind, id, version)",
    STEP_FIELDS: "every disclosed field is one the record's commitment contains, unaltered",
}
"""What each passed step of a record bundle proves."""

AUDIT_STEP_MEANINGS: Mapping[str, str] = {
    STEP_FORMAT: "the file is an audit bundle of the finance chain named by the genesis",
    **{
        name: f"the {kind} record is committed on the finance chain, certified by its "
        "genesis validators, at the decision's height"
        for kind, name in RECORD_STEPS.items()
    },
    STEP_LINKS: "decision, application, data set, consent and policy name each other",
    STEP_TRANSACTION: "the transfer that created the data set is in a certified finance block",
    STEP_SOURCE_HEADERS: (
        "the source-chain headers the transfer rests on are the ones the finance chain's "
        "light clients trusted, each certified by more than 2/3 of its validators"
    ),
    STEP_TRANSFER: (
        "the transfer verifies again offline (consent signed by the enterprise, records "
        "proven) and gives exactly the recorded data set"
    ),
    STEP_DECISION: (
        "a policy's decision, re-evaluated on the verified facts, is the committed one "
        "(an officer's is the officer's judgement: reported, not re-evaluated)"
    ),
}
"""What each passed step of an audit bundle proves."""


def format_time(time_unix_ms: int | None) -> str:
    """A block time for people (UTC), or "?"."""
    if time_unix_ms is None:
        return "?"
    try:
        moment = datetime.datetime.fromtimestamp(time_unix_ms / 1000, tz=datetime.UTC)
    except (OverflowError, OSError, ValueError):
        return f"{time_unix_ms} ms since 1970"
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def read_chain_genesis(consortium: Consortium, name: str) -> Genesis:
    """The genesis of chain ``name`` (tax, industry, finance): the trust anchor of its proofs."""
    return read_genesis(consortium.get_chain(name).genesis_path)


def _is_genesis_set(raw: bytes, genesis: Genesis) -> bool:
    try:
        return decode_validator_set(raw).validators == tuple(genesis.validators.validators)
    except ConsortiumError:
        return False


# --------------------------------------------------------------------------
# Invoice lookup
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InvoiceLookup:
    """An invoice as its bundle proves it (fields only when :attr:`authentic`)."""

    number: str
    report: BundleReport
    """The bundle checked against the tax chain's genesis validator set."""
    bundle: Mapping[str, object]
    """The bundle itself (JSON-ready), to hand to anyone."""
    reimbursed_time_unix_ms: int | None = None
    """The certified time of the block that reimbursed it (None: not reimbursed)."""

    @property
    def authentic(self) -> bool:
        """True when the invoice is proven committed on the tax chain."""
        return self.report.ok

    @property
    def fields(self) -> Mapping[str, FieldValue]:
        """The invoice's proven fields (empty when not authentic)."""
        return self.report.fields if self.report.ok else {}

    @property
    def status(self) -> str:
        """issued, transferred, locked, reimbursed, declared or cancelled ("" unproven)."""
        return str(self.fields.get("status", ""))

    @property
    def is_reimbursed(self) -> bool:
        """True when reimbursed (or reimbursed and declared)."""
        return self.status in (STATUS_REIMBURSED, STATUS_DECLARED)

    @property
    def reimbursed_by(self) -> str:
        """The organisation that reimbursed it ("" when not reimbursed)."""
        return str(self.fields.get("reimbursed_by", "")) if self.is_reimbursed else ""

    @property
    def reimbursed_height(self) -> int:
        """The tax-chain height of its reimbursement (0 when not reimbursed)."""
        height = self.fields.get("reimbursed_height", 0)
        return height if self.is_reimbursed and isinstance(height, int) else 0

    def describe(self) -> list[str]:
        """What the bundle proves, in words (or why it does not verify)."""
        return describe_bundle(self.report)


def get_certified_block_time(client: NodeClient, height: int, validators: ValidatorSet) -> int:
    """The time of the block at ``height``, its header certified by ``validators``.

    Raises ConsortiumError with the certificate's code when it does not verify.
    """
    response = client.get_block(height)
    header = decode_block(response.block).header
    verdict = verify_commit(validators, header, decode_certificate(response.certificate))
    if not verdict.ok:
        raise ConsortiumError(verdict.code, f"block {height}: {verdict.message}")
    return header.time_unix_ms


def lookup_invoice(client: NodeClient, number: str, tax_genesis: Genesis) -> InvoiceLookup:
    """Invoice ``number`` read from a tax node as a bundle, checked against ``tax_genesis``.

    Raises ConsortiumError: RECORD_NOT_FOUND when the chain proves there is no such
    invoice, or :func:`chains.apps.bundle.fetch_record_bundle`'s codes (a NodeError when
    the node does not answer).
    """
    bundle = fetch_record_bundle(client, KIND_INVOICE, number.strip())
    # Checked as anyone holding the bundle would check it: against the genesis set only.
    document = json.loads(json.dumps(bundle))
    report = verify_record_bundle(
        document, tax_genesis.validators, chain_id=str(tax_genesis.chain_id)
    )
    lookup = InvoiceLookup(number.strip(), report, bundle)
    if lookup.reimbursed_height:
        time_ms = get_certified_block_time(client, lookup.reimbursed_height, tax_genesis.validators)
        lookup = InvoiceLookup(lookup.number, report, bundle, time_ms)
    return lookup


# --------------------------------------------------------------------------
# Reading blocks
# --------------------------------------------------------------------------


def _first_height(previous_height: int, tip: int) -> int:
    # A tip below what was read means another chain now answers there: read it all again.
    return previous_height + 1 if previous_height <= tip else 1


def get_account_organisation(
    client: NodeClient, public_key: bytes, validators: ValidatorSet
) -> tuple[str, str]:
    """(organisation, account name) of a key, read with its proof ("" when unknown or when
    the answer does not verify against ``validators``)."""
    key = get_account_key(public_key)
    response = client.query_state(key)
    checked = verify_state_response(validators, key, response)
    if not checked.verdict.ok or checked.value is None:
        return "", ""
    try:
        account = parse_message(membership_pb2.Account, checked.value)
    except ConsortiumError:
        return "", ""
    return account.organisation_id, account.name


# --------------------------------------------------------------------------
# Refused double reimbursements (tax chain)
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RefusedReimbursement:
    """A ``tax.invoice.reimburse`` committed as failed: the invoice was reimbursed already."""

    tx_id: bytes
    height: int
    time_unix_ms: int
    invoice_number: str
    reimbursement_ref: str
    sender_key: bytes
    sender_organisation: str
    sender_account: str
    message: str
    """The chain's refusal (who reimbursed it first, and when)."""
    proven: bool
    """True when the transaction's inclusion in its block verified against the genesis set."""

    @property
    def sender(self) -> str:
        """Who sent it, for people: organisation and account, or the key."""
        if self.sender_organisation:
            return f"{self.sender_organisation} ({self.sender_account})"
        return f"key {self.sender_key.hex()[:16]}…"


@dataclass(frozen=True, slots=True)
class TaxScan:
    """What the tax chain's blocks up to :attr:`height` hold for the regulator."""

    chain_id: str
    height: int = 0
    refused: tuple[RefusedReimbursement, ...] = ()
    """Refused double reimbursements, oldest first."""
    recent_invoices: tuple[str, ...] = ()
    """The latest issued invoice numbers, newest first."""
    accounts: Mapping[bytes, tuple[str, str]] = field(default_factory=dict)
    """Public key -> (organisation, account name), as proven when first met."""


def update_tax_scan(
    client: NodeClient, tax_genesis: Genesis, previous: TaxScan | None = None
) -> TaxScan:
    """``previous`` extended with the tax blocks committed since (all blocks without one).

    Each refused reimbursement is read with GetTransaction (its result code) and its
    inclusion proven against the genesis validator set.
    """
    chain_id = str(tax_genesis.chain_id)
    if previous is None or previous.chain_id != chain_id:
        previous = TaxScan(chain_id)
    tip = client.get_chain_info().height
    first = _first_height(previous.height, tip)
    if first == 1:
        previous = TaxScan(chain_id)
    refused = list(previous.refused)
    recent = list(previous.recent_invoices)
    accounts = dict(previous.accounts)
    for height, time_ms, tx in iter_block_transactions(client, chain_id, first, tip):
        if tx.body.type == TX_ISSUE_INVOICE:
            number = tax_pb2.IssueInvoice.FromString(tx.body.payload).invoice_number
            recent = [number, *(n for n in recent if n != number)][:RECENT_INVOICES]
            continue
        if tx.body.type != TX_REIMBURSE_INVOICE:
            continue
        response = client.get_transaction(tx.tx_id)
        if response.code != ErrorCode.INVOICE_ALREADY_REIMBURSED:
            continue
        payload = tax_pb2.ReimburseInvoice.FromString(tx.body.payload)
        sender = bytes(tx.body.sender)
        if sender not in accounts:
            accounts[sender] = get_account_organisation(client, sender, tax_genesis.validators)
        organisation, account = accounts[sender]
        refused.append(
            RefusedReimbursement(
                bytes(tx.tx_id),
                height,
                time_ms,
                payload.invoice_number,
                payload.reimbursement_ref,
                sender,
                organisation,
                account,
                response.message,
                verify_transaction_response(tax_genesis.validators, response).ok,
            )
        )
    return TaxScan(chain_id, tip, tuple(refused), tuple(recent), accounts)


# --------------------------------------------------------------------------
# The consents ledger (finance chain)
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConsentScan:
    """The consent records the finance chain's blocks up to :attr:`height` name."""

    chain_id: str
    height: int = 0
    record_ids: tuple[str, ...] = ()
    """``<enterprise>:<consent id>``, in the order first named."""
    accounts: Mapping[bytes, str] = field(default_factory=dict)
    """Public key -> organisation, for revocations."""


def _get_applied_consent(tx: VerifiedTransaction) -> str | None:
    payload = finance_pb2.ApplyForLoan.FromString(tx.body.payload)
    if not payload.signed_consent:
        return None
    try:
        signed = parse_message(relay_pb2.SignedConsent, payload.signed_consent)
        consent = parse_message(relay_pb2.Consent, signed.consent)
    except ConsortiumError:
        return None  # the chain refused it: no record
    return get_consent_record_id(consent.enterprise, consent.consent_id)


def update_consent_scan(
    client: NodeClient, finance_genesis: Genesis, previous: ConsentScan | None = None
) -> ConsentScan:
    """``previous`` extended with the finance blocks committed since: the consent record ids
    named by loan applications carrying a consent and by revocations (whose enterprise is
    the sender's organisation, read with its proof)."""
    chain_id = str(finance_genesis.chain_id)
    if previous is None or previous.chain_id != chain_id:
        previous = ConsentScan(chain_id)
    tip = client.get_chain_info().height
    first = _first_height(previous.height, tip)
    if first == 1:
        previous = ConsentScan(chain_id)
    record_ids = list(previous.record_ids)
    accounts = dict(previous.accounts)
    for _, _, tx in iter_block_transactions(client, chain_id, first, tip):
        record_id = None
        if tx.body.type == TX_APPLY_FOR_LOAN:
            record_id = _get_applied_consent(tx)
        elif tx.body.type == TX_REVOKE_CONSENT:
            sender = bytes(tx.body.sender)
            if sender not in accounts:
                accounts[sender] = get_account_organisation(
                    client, sender, finance_genesis.validators
                )[0]
            payload = finance_pb2.RevokeConsent.FromString(tx.body.payload)
            if accounts[sender]:
                record_id = get_consent_record_id(accounts[sender], payload.consent_id)
        if record_id is not None and record_id not in record_ids:
            record_ids.append(record_id)
    return ConsentScan(chain_id, tip, tuple(record_ids), accounts)


@dataclass(frozen=True, slots=True)
class ConsentEntry:
    """One consent record of the finance chain, read with its proof."""

    record_id: str
    consent_id: str
    enterprise: str
    bank: str
    application_id: str
    status: str
    """granted, used or revoked."""
    expires_ms: int
    changed_height: int
    data_set_id: str
    reason: str
    proven_height: int
    """The finance height whose certified state root proves the record."""
    genesis_set: bool
    """True when that header's signers are the finance chain's genesis validator set."""


def _text(fields: Mapping[str, FieldValue], name: str) -> str:
    value = fields.get(name, "")
    return value if isinstance(value, str) else str(value)


def _number(fields: Mapping[str, FieldValue], name: str) -> int:
    value = fields.get(name, 0)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def get_consent_entry(
    client: NodeClient, record_id: str, finance_genesis: Genesis
) -> ConsentEntry | None:
    """Consent record ``record_id`` read with its proof (None: the chain proves it absent,
    e.g. an application the chain refused)."""
    fetched = fetch_verified_record(client, KIND_CONSENT, record_id)
    if fetched is None:
        return None
    fields = fetched.fields
    return ConsentEntry(
        record_id,
        _text(fields, "consent_id"),
        _text(fields, "enterprise"),
        _text(fields, "bank"),
        _text(fields, "application_id"),
        _text(fields, "status"),
        _number(fields, "expires_ms"),
        _number(fields, "changed_height"),
        _text(fields, "data_set_id"),
        _text(fields, "reason"),
        fetched.response.height,
        _is_genesis_set(fetched.validator_set, finance_genesis),
    )


def get_consents_ledger(
    client: NodeClient, scan: ConsentScan, finance_genesis: Genesis
) -> tuple[ConsentEntry, ...]:
    """Every consent record the scan names, each read with its proof, newest first."""
    entries = (get_consent_entry(client, rid, finance_genesis) for rid in scan.record_ids)
    return tuple(reversed([entry for entry in entries if entry is not None]))


# --------------------------------------------------------------------------
# Uploaded bundles, checked offline
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UploadCheck:
    """An uploaded bundle checked offline: its kind, each step, and what it means."""

    kind: str
    """KIND_RECORD_BUNDLE or KIND_AUDIT_BUNDLE."""
    ok: bool
    code: str
    """The stable code of the failing step ("" when it verified)."""
    steps: tuple[BundleStep, ...]
    summary: tuple[str, ...]
    """What it proves, in words, or exactly why it fails."""
    anchor: str
    """The genesis it was checked against."""

    def get_meaning(self, step: BundleStep) -> str:
        """What a passed step proves (a failed one proves nothing)."""
        meanings = AUDIT_STEP_MEANINGS if self.kind == KIND_AUDIT_BUNDLE else RECORD_STEP_MEANINGS
        return meanings.get(step.name, "") if step.ok else "not proven: " + step.code.name


def _refused(kind: str, code: ErrorCode, message: str, anchor: str = "") -> UploadCheck:
    verdict = refuse(code, message)
    step = BundleStep(STEP_FORMAT, False, verdict.message, verdict.code)
    return UploadCheck(
        kind, False, code.name, (step,), (f"✗ format: {code.name}: {message}",), anchor
    )


def verify_uploaded_bundle(content: bytes, consortium: Consortium) -> UploadCheck:
    """Check an uploaded file offline: an audit bundle against the finance chain's genesis
    file, a record bundle against the genesis of the chain it names. Never raises for a
    bad upload; raises ConsortiumError(INVALID_CONFIG) when a genesis file is unreadable."""
    if len(content) > MAX_UPLOAD_BYTES:
        return _refused(
            KIND_RECORD_BUNDLE,
            ErrorCode.BUNDLE_MALFORMED,
            f"the file is {len(content):,} bytes; a bundle is at most {MAX_UPLOAD_BYTES:,}",
        )
    try:
        document = json.loads(content)
    except (ValueError, RecursionError) as error:
        return _refused(KIND_RECORD_BUNDLE, ErrorCode.BUNDLE_MALFORMED, f"not JSON: {error}")
    if isinstance(document, dict) and document.get("format") == AUDIT_BUNDLE_FORMAT:
        finance = consortium.get_chain(FINANCE)
        genesis = read_genesis(finance.genesis_path)
        audit = verify_audit_bundle(document, genesis)
        return UploadCheck(
            KIND_AUDIT_BUNDLE,
            audit.ok,
            "" if audit.ok else audit.verdict.code.name,
            audit.steps,
            tuple(describe_audit(audit)),
            f"{finance.chain_id} genesis ({finance.genesis_path.name}, "
            f"{len(genesis.validators)} validators)",
        )
    named = document.get("chain_id") if isinstance(document, dict) else None
    chain = next((c for c in consortium.chains if c.chain_id == named), None)
    if chain is None:
        known = ", ".join(c.chain_id for c in consortium.chains)
        return _refused(
            KIND_RECORD_BUNDLE,
            ErrorCode.WRONG_CHAIN_ID,
            f"the bundle names chain {str(named)[:40]!r}, which is none of this consortium's "
            f"({known}): there is no genesis to check it against",
        )
    genesis = read_genesis(chain.genesis_path)
    report = verify_record_bundle(document, genesis.validators, chain_id=str(genesis.chain_id))
    return UploadCheck(
        KIND_RECORD_BUNDLE,
        report.ok,
        "" if report.ok else report.verdict.code.name,
        report.steps,
        tuple(describe_bundle(report)),
        f"{chain.chain_id} genesis ({len(genesis.validators)} validators)",
    )


def get_audited_decisions(client: NodeClient, application_ids: Iterable[str]) -> list[str]:
    """The decisions of these applications (each loan read with its proof), in order, for
    those decided: an audit bundle can be exported for each."""
    decisions = []
    for application_id in application_ids:
        loan = fetch_verified_record(client, KIND_LOAN, application_id)
        decision_id = _text(loan.fields, "decision_id") if loan is not None else ""
        if decision_id and decision_id not in decisions:
            decisions.append(decision_id)
    return decisions


def get_used_applications(ledger: Iterable[ConsentEntry]) -> tuple[str, ...]:
    """The applications whose consent was used: a verified data set rests on each."""
    return tuple(e.application_id for e in ledger if e.status == CONSENT_USED and e.application_id)
