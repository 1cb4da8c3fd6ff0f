"""Offline audit bundles: re-check a loan decision with no node (docs/bundles.md, "Audit bundles").

The finance chain commits a loan ``decision`` that rests on a verified
``dataset``, which a ``relay.transfer`` transaction created under the
enterprise's ``consent``, for a ``loan`` application, under the bank's
``policy`` (docs/relay.md). An audit bundle is one JSON document holding
everything a third party needs to re-check all of it, trusting nothing but
the finance chain's genesis file (its validators, and which chain proves
consent keys):

* each of those records as a record bundle (:mod:`chains.apps.bundle`),
  all proven under one certified finance header;
* the transfer transaction's exact bytes, its RFC 6962 inclusion proof, and
  the certified header of its block;
* the finance chain's light clients of the source chains, proven under that
  same finance header: each client's state (``client/<chain>``) and the
  trusted headers (``clienthdr/<chain>/<height>``, never deleted) of every
  source height the transfer uses or carries, and of the client's latest.

The auditor trusts the finance validators' quorum for what the finance
chain committed, so the trusted headers in its state are as good as the
records (DESIGN §2). From them the verifier builds the light clients the
transfer was checked against (no chain of updates since the source chains'
genesis is needed, however long the consortium has run), re-checks every
header the transfer carries against them and its own certificate, runs the
finance chain's own transfer verification at the block's time and compares
what it proves with the recorded data set; for a decision by the bank's
policy, it re-evaluates the policy on the facts that data set proves.

:func:`fetch_audit_bundle` builds one from a finance node (I/O: every answer
it uses is checked against the node's certified headers first);
:func:`verify_audit_bundle` checks one, purely: it never raises and never
touches the network, a clock or a file, and returns an :class:`AuditReport`
naming each step and, on failure, the stable code of the first that failed.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from chains.apps.bundle import (
    BundleReport,
    BundleStep,
    FetchedRecord,
    encode_record_bundle,
    fetch_verified_record,
    get_steps_document,
    verify_record_bundle,
)
from chains.core.block import Header, decode_header
from chains.core.consensus.certificate import decode_certificate, get_signer_indices, verify_commit
from chains.core.consensus.validators import ValidatorSet, decode_validator_set
from chains.core.errors import ACCEPTED, ConsortiumError, ErrorCode, Verdict, refuse
from chains.core.protobuf import parse_message
from chains.core.records import FieldValue, disclose_fields, encode_field_value
from chains.core.state_tree import decode_state_proof, encode_state_proof, verify_state_proof
from chains.core.transactions import VerifiedTransaction, decode_verified_transaction
from chains.core.types import ChainId, Hash32, Height, compute_sha256
from chains.core.wire import state_proof_from_proto
from chains.finance.app import (
    DECIDED_BY_OFFICER,
    DECIDED_BY_POLICY,
    KIND_DECISION,
    KIND_LOAN,
    LOAN_APPROVED,
    LOAN_REJECTED,
    MAX_REASONS,
    REASON_SEPARATOR,
    get_policy_decision_id,
)
from chains.finance.facts import UNIT_FEN, compute_facts, describe_facts, format_fact_value
from chains.finance.policy import (
    KIND_POLICY,
    CreditPolicy,
    decode_policy_rules,
    evaluate_policy,
    get_policy_record_id,
)
from chains.finance.relay_rules import (
    CONSENT_USED,
    IDENTITY_CHAIN_KEY,
    KIND_CONSENT,
    KIND_DATA_SET,
    TX_TRANSFER,
    compute_client_genesis_updates,
    get_client_header_key,
    get_client_key,
    get_consent_record_id,
    get_data_set_sources,
    get_identity_chain,
    read_client,
)
from chains.runtime.client import NodeClient, verify_state_response, verify_transaction_response
from chains.runtime.genesis import Genesis
from consortium.v1 import finance_pb2, node_pb2, proofs_pb2
from relay.codec import decode_client, decode_trusted_header, get_latest_height
from relay.light_client import LightClient, TrustedHeader
from relay.transfer import VerifiedDataSet, VerifiedRecord, verify_transfer

AUDIT_BUNDLE_FORMAT = "consortium/audit-bundle/v2"
"""The ``format`` of every audit bundle this module writes and reads (v1, which rebuilt the
source light clients from the finance genesis, was never released and is not read)."""

AUDIT_KEYS = frozenset(
    {"format", "chain_id", "decision_id", "height", "records", "transaction", "light_clients"}
)
TRANSACTION_KEYS = frozenset({"tx", "height", "code", "message", "header", "certificate", "proof"})
PROOF_KEYS = frozenset({"leaf_index", "tree_size", "hashes"})
LIGHT_CLIENT_KEYS = frozenset({"client", "headers"})
PROVEN_KEYS = frozenset({"value", "proof"})

RECORD_KINDS = (KIND_DECISION, KIND_LOAN, KIND_DATA_SET, KIND_CONSENT, KIND_POLICY)
"""The records of an audit bundle, by kind, in the order they are checked."""
REQUIRED_KINDS = frozenset({KIND_DECISION, KIND_LOAN, KIND_DATA_SET, KIND_CONSENT})
"""Every audit bundle holds these; the policy only when the decision names one."""

STEP_FORMAT = "format"
RECORD_STEPS = {
    KIND_DECISION: "decision record",
    KIND_LOAN: "loan record",
    KIND_DATA_SET: "data set record",
    KIND_CONSENT: "consent record",
    KIND_POLICY: "policy record",
}
STEP_LINKS = "links"
STEP_TRANSACTION = "transfer transaction"
STEP_SOURCE_HEADERS = "source headers"
STEP_TRANSFER = "transfer re-verified"
STEP_DECISION = "decision re-evaluated"
STEPS = (
    STEP_FORMAT,
    *RECORD_STEPS.values(),
    STEP_LINKS,
    STEP_TRANSACTION,
    STEP_SOURCE_HEADERS,
    STEP_TRANSFER,
    STEP_DECISION,
)
"""Every step of :func:`verify_audit_bundle`, in the order they run (the policy record's
only when the decision names a policy)."""

# What each record must disclose for the checks to read, and the exact type of each
# value (bool is not an int here: the chain never writes one for the other).
FIELD_TYPES: Mapping[str, Mapping[str, type]] = {
    KIND_DECISION: {
        "decision_id": str,
        "application_id": str,
        "bank": str,
        "enterprise": str,
        "outcome": str,
        "amount": int,
        "rate_bp": int,
        "reasons": str,
        "policy_id": str,
        "decided_height": int,
        "decided_by": str,
        "consent_id": str,
        "data_set_id": str,
    },
    KIND_LOAN: {
        "application_id": str,
        "enterprise": str,
        "bank": str,
        "amount": int,
        "policy_id": str,
        "status": str,
        "decision_id": str,
        "decided_amount": int,
        "rate_bp": int,
        "reasons": str,
        "decided_height": int,
        "consent_id": str,
        "data_set_id": str,
    },
    KIND_DATA_SET: {
        "data_set_id": str,
        "consent_id": str,
        "consent_hash": bytes,
        "enterprise": str,
        "bank": str,
        "application_id": str,
        "sources": str,
        "record_count": int,
        "records": bytes,
        "transfer_tx": bytes,
        "verified_height": int,
        "verified_time_ms": int,
    },
    KIND_CONSENT: {
        "consent_id": str,
        "enterprise": str,
        "bank": str,
        "application_id": str,
        "signed_consent": bytes,
        "consent_hash": bytes,
        "status": str,
        "data_set_id": str,
    },
    KIND_POLICY: {
        "policy_id": str,
        "bank": str,
        "name": str,
        "rules": bytes,
        "max_amount": int,
        "amount_basis_field": str,
        "amount_basis_ratio_bp": int,
        "rate_bp": int,
    },
}

# Lowercase only, as in record bundles: one spelling per byte string.
_HEX = re.compile(r"(?:[0-9a-f]{2})*")
# A height as a JSON object key: decimal, no sign, no leading zero (one spelling per height).
_HEIGHT_KEY = re.compile(r"0|[1-9][0-9]{0,19}")
_UINT63 = 1 << 63
_UINT64 = 1 << 64


# --------------------------------------------------------------------------
# Building an audit bundle from a node (I/O)
# --------------------------------------------------------------------------


def _to_record_bundle(kind: str, record_id: str, fetched: FetchedRecord) -> dict[str, object]:
    # Every field: an auditor reads them all, and the chain's records hold nothing secret
    # from the bank's auditor that the data set itself does not.
    committed = fetched.committed
    response = fetched.response
    return encode_record_bundle(
        kind,
        record_id,
        response.header,
        response.certificate,
        fetched.validator_set,
        response.value,
        encode_state_proof(state_proof_from_proto(response.proof)),
        disclose_fields(committed, committed.names),
    )


def _fetch_required(client: NodeClient, kind: str, record_id: str, height: int) -> FetchedRecord:
    fetched = fetch_verified_record(client, kind, record_id, height)
    if fetched is None:
        raise ConsortiumError(
            ErrorCode.RECORD_NOT_FOUND,
            f"the decision names {kind} {record_id!r}, which is not on the chain at height "
            f"{height}",
        )
    return fetched


def get_source_heights(
    payload: finance_pb2.RelayTransfer, identity_chain: str
) -> dict[str, set[int]]:
    """The source heights a transfer uses or carries, by chain id: each record's, the
    identity proof's (on ``identity_chain``) and each carried header's.

    A carried header that does not decode is left out (the verifier names what is wrong
    with it). These are the heights whose trusted headers an audit bundle proves.
    """
    heights: dict[str, set[int]] = {}
    if identity_chain:
        heights.setdefault(identity_chain, set()).add(payload.transfer.identity.height)
    for record in payload.transfer.records:
        heights.setdefault(record.chain_id, set()).add(record.height)
    for message in payload.headers:
        try:
            height = decode_header(message.header.header).height
        except ConsortiumError:
            continue
        heights.setdefault(message.chain_id, set()).add(height)
    return heights


def _read_state(
    client: NodeClient, validators: ValidatorSet, header: bytes, key: bytes, height: int
) -> node_pb2.QueryStateResponse:
    # Under the decision's very header: the verifier proves every value against its root.
    response = client.query_state(key, height)
    checked = verify_state_response(validators, key, response)
    if not checked.verdict.ok:
        raise ConsortiumError(
            checked.verdict.code,
            f"the node's answer for {key.decode(errors='replace')} does not verify: "
            f"{checked.verdict.message}",
        )
    if response.height != height or response.header != header:
        raise ConsortiumError(
            ErrorCode.BLOCK_HASH_MISMATCH,
            f"the node answered {key.decode(errors='replace')} under another header than the "
            f"decision's (height {response.height}, asked {height})",
        )
    return response


def _to_proven(response: node_pb2.QueryStateResponse) -> dict[str, str]:
    return {
        "value": response.value.hex(),
        "proof": encode_state_proof(state_proof_from_proto(response.proof)).hex(),
    }


def _decode_transfer(tx: bytes, chain_id: str) -> finance_pb2.RelayTransfer | None:
    try:
        verified = decode_verified_transaction(tx, chain_id)
        return parse_message(finance_pb2.RelayTransfer, verified.body.payload)
    except ConsortiumError:
        return None  # not a transfer: the verifier refuses it at its own step


def _fetch_light_clients(
    client: NodeClient,
    decision: FetchedRecord,
    payload: finance_pb2.RelayTransfer | None,
    data_set_records: object,
) -> dict[str, object]:
    # What the finance chain's light clients held at the decision's height: each client's
    # state, its latest trusted header (the state names it, so it decodes whole), and the
    # trusted header of every source height the data set rests on or the transfer carries.
    height = decision.response.height
    header = decision.response.header
    validators = decode_validator_set(decision.validator_set)

    def read(key: bytes) -> node_pb2.QueryStateResponse:
        return _read_state(client, validators, header, key, height)

    identity = read(IDENTITY_CHAIN_KEY)
    identity_chain = identity.value.decode(errors="replace") if identity.found else ""
    heights = get_source_heights(payload, identity_chain) if payload is not None else {}
    if isinstance(data_set_records, bytes):
        try:
            stored = parse_message(finance_pb2.DataSetRecords, data_set_records).records
        except ConsortiumError:
            stored = []  # the verifier refuses an undecodable data set
        for record in stored:
            heights.setdefault(record.chain_id, set()).add(record.height)
    light_clients: dict[str, object] = {}
    for chain_id in sorted(heights):
        state = read(get_client_key(chain_id))
        if not state.found:
            continue  # the verifier names the client the transfer lacks
        wanted = set(heights[chain_id])
        with contextlib.suppress(ConsortiumError):  # the verifier refuses a damaged state
            wanted.add(get_latest_height(state.value))
        headers = {}
        for at in sorted(h for h in wanted if 0 <= h < _UINT64):
            trusted = read(get_client_header_key(chain_id, at))
            # A height the chain never trusted has nothing to prove: the verifier says so.
            if trusted.found:
                headers[str(at)] = _to_proven(trusted)
        light_clients[chain_id] = {"client": _to_proven(state), "headers": headers}
    return light_clients


def fetch_audit_bundle(client: NodeClient, decision_id: str) -> dict[str, object]:
    """The audit bundle (JSON-ready dict) of decision ``decision_id``, read from a finance node.

    The decision, its loan application, data set, consent and policy are read at one
    height (the latest when the decision is read), each checked against the node's
    certified header (:func:`chains.apps.bundle.fetch_verified_record`); the transfer
    transaction that created the data set with its inclusion proof, checked likewise;
    and, at that same height under that same header, the finance chain's light clients of
    the source chains the transfer uses (``client/<chain>``) with the trusted headers
    (``clienthdr/<chain>/<height>``) of each height it uses or carries and of each
    client's latest, each answer checked with its state proof.

    Raises ConsortiumError: RECORD_NOT_FOUND (no such decision, or one that rests on no
    verified data set: export its record bundle instead), the codes of an answer that
    does not verify (BLOCK_HASH_MISMATCH for one under another header), or the node's own
    refusal (a NodeError).
    """
    decision = fetch_verified_record(client, KIND_DECISION, decision_id)
    if decision is None:
        raise ConsortiumError(ErrorCode.RECORD_NOT_FOUND, f"there is no decision {decision_id!r}")
    height = decision.response.height
    fields = decision.fields
    data_set_id = str(fields.get("data_set_id", ""))
    if not data_set_id:
        raise ConsortiumError(
            ErrorCode.RECORD_NOT_FOUND,
            f"decision {decision_id!r} rests on no verified data set (decided before any "
            f"transfer): there is nothing to audit beyond its record bundle "
            f"(consortium bundle decision {decision_id})",
        )
    wanted = {
        KIND_LOAN: str(fields.get("application_id", "")),
        KIND_DATA_SET: data_set_id,
        KIND_CONSENT: get_consent_record_id(
            str(fields.get("enterprise", "")), str(fields.get("consent_id", ""))
        ),
    }
    policy_id = str(fields.get("policy_id", ""))
    if policy_id:
        wanted[KIND_POLICY] = get_policy_record_id(str(fields.get("bank", "")), policy_id)
    fetched = {KIND_DECISION: decision}
    for kind, record_id in wanted.items():
        fetched[kind] = _fetch_required(client, kind, record_id, height)
    transfer_tx = fetched[KIND_DATA_SET].fields.get("transfer_tx")
    if not isinstance(transfer_tx, bytes):
        raise ConsortiumError(
            ErrorCode.RECORD_MALFORMED, f"data set {data_set_id!r} names no transfer transaction"
        )
    response = client.get_transaction(transfer_tx)
    validators = decode_validator_set(
        client.get_validator_set_response(response.height).validator_set
    )
    verdict = verify_transaction_response(validators, response)
    if not verdict.ok:
        raise ConsortiumError(
            verdict.code, f"the node's answer for the transfer does not verify: {verdict.message}"
        )
    record_ids = {KIND_DECISION: decision_id, **wanted}
    records = {
        kind: _to_record_bundle(kind, record_ids[kind], fetched[kind])
        for kind in RECORD_KINDS
        if kind in fetched
    }
    payload = _decode_transfer(response.tx, decode_header(decision.response.header).chain_id)
    light_clients = _fetch_light_clients(
        client, decision, payload, fetched[KIND_DATA_SET].fields.get("records")
    )
    return encode_audit_bundle(decision_id, records, response, light_clients)


def encode_audit_bundle(
    decision_id: str,
    records: Mapping[str, Mapping[str, object]],
    transaction: node_pb2.GetTransactionResponse,
    light_clients: Mapping[str, object],
) -> dict[str, object]:
    """The audit bundle document (JSON-ready) of these record bundles (by kind; see
    :func:`chains.apps.bundle.encode_record_bundle`), this answer of ``GetTransaction``
    and these proven light clients (``{chain id: {"client": {"value", "proof"},
    "headers": {height: {"value", "proof"}}}}``, hex).

    The chain id and height are the decision bundle's; nothing is checked (see
    :func:`verify_audit_bundle`).
    """
    decision = records[KIND_DECISION]
    return {
        "format": AUDIT_BUNDLE_FORMAT,
        "chain_id": decision["chain_id"],
        "decision_id": decision_id,
        "height": decision["height"],
        "records": {kind: dict(bundle) for kind, bundle in records.items()},
        "transaction": {
            "tx": transaction.tx.hex(),
            "height": transaction.height,
            # The result as the node reports it: no header commits to it. That the
            # transfer succeeded is proven by the data set it created (step 2).
            "code": int(transaction.code),
            "message": transaction.message,
            "header": transaction.header.hex(),
            "certificate": transaction.certificate.hex(),
            "proof": {
                "leaf_index": transaction.proof.leaf_index,
                "tree_size": transaction.proof.tree_size,
                "hashes": [sibling.hex() for sibling in transaction.proof.hashes],
            },
        },
        "light_clients": dict(light_clients),
    }


# --------------------------------------------------------------------------
# What a check found
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SourceHeader:
    """A source chain's header the transfer uses or carries, as the finance chain's light
    client trusted it (proven in the finance state at the audit bundle's height)."""

    chain_id: str
    height: int
    time_unix_ms: int
    header_hash: bytes
    carried: bool = False
    """True when the transfer carries it: its certificate was re-verified offline."""
    signer_count: int = 0
    validator_count: int = 0
    genesis_set: bool = False
    """True when a carried header is signed by the chain's genesis validator set (the one
    the finance genesis names); another set was handed over through the source chain's
    signed header chain, which the finance chain's light client walked."""


@dataclass(frozen=True, slots=True)
class AuditReport:
    """What :func:`verify_audit_bundle` found.

    The values are filled in as far as the steps got (empty or 0 before); they
    are trustworthy only when :attr:`ok`.
    """

    verdict: Verdict
    steps: tuple[BundleStep, ...]
    decision_id: str = ""
    chain_id: str = ""
    height: int = 0
    """The finance height every record is proven at."""
    header_time_unix_ms: int | None = None
    signer_count: int = 0
    validator_count: int = 0
    signed_power: int = 0
    total_power: int = 0
    records: Mapping[str, Mapping[str, FieldValue]] = field(default_factory=dict)
    """The finance records' fields, by kind (decision, loan, dataset, consent, policy)."""
    transfer_tx: bytes = b""
    transfer_height: int = 0
    transfer_time_unix_ms: int = 0
    source_headers: tuple[SourceHeader, ...] = ()
    """The source headers the transfer uses or carries, as the finance chain trusted them."""
    sources: tuple[VerifiedRecord, ...] = ()
    """The source records the data set rests on, as the offline re-verification proved them."""
    facts: Mapping[str, FieldValue] = field(default_factory=dict)
    """The facts the policy read (policy decisions only)."""
    decided_by: str = ""
    re_evaluated: bool = False
    """True when the policy was re-evaluated and gave the committed decision."""

    @property
    def ok(self) -> bool:
        """True when every step passed."""
        return self.verdict.ok


# --------------------------------------------------------------------------
# Verifying an audit bundle (pure)
# --------------------------------------------------------------------------


class _StepFailed(Exception):
    """Internal: a step refused; carries its verdict to the driver."""

    def __init__(self, verdict: Verdict) -> None:
        super().__init__(verdict.message)
        self.verdict = verdict


def _fail(code: ErrorCode, message: str) -> _StepFailed:
    return _StepFailed(refuse(code, message))


def _check(verdict: Verdict, prefix: str = "") -> None:
    if not verdict.ok:
        raise _StepFailed(refuse(verdict.code, prefix + verdict.message))


def _is_int(value: object, low: int = 0, high: int = _UINT63) -> bool:
    return type(value) is int and low <= value < high


def _is_text(value: object) -> bool:
    # JSON may spell lone surrogates, which have no UTF-8 form.
    if not isinstance(value, str) or not value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _get_hex(value: object, where: str) -> bytes:
    if not isinstance(value, str) or not _HEX.fullmatch(value):
        raise _fail(ErrorCode.MALFORMED_INPUT, f"{where} must be lowercase hex of whole bytes")
    return bytes.fromhex(value)


def _require_keys(
    value: object, keys: frozenset[str], where: str, optional: frozenset[str] = frozenset()
) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise _fail(ErrorCode.MALFORMED_INPUT, f"{where} must be a JSON object")
    missing = sorted(keys - set(value))
    unknown = sorted(str(k) for k in set(value) - keys - optional)
    if missing or unknown:
        raise _fail(
            ErrorCode.MALFORMED_INPUT,
            f"{where}: missing {missing or 'nothing'}, unknown {unknown or 'nothing'}",
        )
    return value


@dataclass(frozen=True, slots=True)
class _Transaction:
    tx: bytes
    height: int
    code: int
    message: str
    header: bytes
    certificate: bytes
    leaf_index: int
    tree_size: int
    hashes: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class _ProvenValue:
    """A finance state value and its state proof (checked in the source headers step)."""

    value: bytes
    proof: bytes


@dataclass(frozen=True, slots=True)
class _ProvenClient:
    """A light client's state and trusted headers (by height) as the bundle proves them."""

    client: _ProvenValue
    headers: Mapping[int, _ProvenValue]


@dataclass(frozen=True, slots=True)
class _Parsed:
    """The document after the format step: types checked, hex decoded once."""

    chain_id: str
    decision_id: str
    height: int
    records: Mapping[str, Mapping[str, object]]
    transaction: _Transaction
    light_clients: Mapping[str, _ProvenClient]


def _parse_transaction(value: object) -> _Transaction:
    item = _require_keys(value, TRANSACTION_KEYS, "transaction")
    proof = _require_keys(item["proof"], PROOF_KEYS, "transaction.proof")
    if not _is_int(item["height"], 1):
        raise _fail(ErrorCode.MALFORMED_INPUT, "transaction.height must be a height")
    if not _is_int(item["code"], 0, 1 << 31) or not isinstance(item["message"], str):
        raise _fail(
            ErrorCode.MALFORMED_INPUT, "transaction.code and .message are the reported result"
        )
    if not _is_int(proof["leaf_index"]) or not _is_int(proof["tree_size"], 1):
        raise _fail(
            ErrorCode.MALFORMED_INPUT,
            "transaction.proof.leaf_index and .tree_size must be non-negative integers",
        )
    hashes = proof["hashes"]
    if not isinstance(hashes, list):
        raise _fail(ErrorCode.MALFORMED_INPUT, "transaction.proof.hashes must be a list of hex")
    return _Transaction(
        tx=_get_hex(item["tx"], "transaction.tx"),
        height=item["height"],
        code=item["code"],
        message=item["message"],
        header=_get_hex(item["header"], "transaction.header"),
        certificate=_get_hex(item["certificate"], "transaction.certificate"),
        leaf_index=proof["leaf_index"],
        tree_size=proof["tree_size"],
        hashes=tuple(_get_hex(h, f"transaction.proof.hashes[{i}]") for i, h in enumerate(hashes)),
    )


def _parse_proven(value: object, where: str) -> _ProvenValue:
    item = _require_keys(value, PROVEN_KEYS, where)
    return _ProvenValue(
        _get_hex(item["value"], f"{where}.value"), _get_hex(item["proof"], f"{where}.proof")
    )


def _parse_light_clients(value: object) -> dict[str, _ProvenClient]:
    if not isinstance(value, Mapping):
        raise _fail(ErrorCode.MALFORMED_INPUT, "light_clients must be a JSON object by chain id")
    clients = {}
    for chain_id, item in value.items():
        if not _is_text(chain_id):
            raise _fail(ErrorCode.MALFORMED_INPUT, "light_clients' keys must be chain ids")
        where = f"light_clients.{chain_id}"
        entry = _require_keys(item, LIGHT_CLIENT_KEYS, where)
        headers = entry["headers"]
        if not isinstance(headers, Mapping):
            raise _fail(ErrorCode.MALFORMED_INPUT, f"{where}.headers must be a JSON object")
        proven = {}
        for key, header in headers.items():
            # One spelling per height, as for hex: "7", never "07" or "+7".
            if not isinstance(key, str) or not _HEIGHT_KEY.fullmatch(key) or int(key) >= _UINT64:
                raise _fail(
                    ErrorCode.MALFORMED_INPUT,
                    f"{where}.headers: {_show(key)} is not a height in decimal",
                )
            proven[int(key)] = _parse_proven(header, f"{where}.headers.{key}")
        clients[chain_id] = _ProvenClient(_parse_proven(entry["client"], f"{where}.client"), proven)
    return clients


def _parse_document(document: object) -> _Parsed:
    if isinstance(document, bytes | str):
        try:
            document = json.loads(document)
        except (ValueError, RecursionError) as error:
            raise _fail(ErrorCode.MALFORMED_INPUT, f"not JSON: {error}") from None
    top = _require_keys(document, AUDIT_KEYS, "the audit bundle")
    if top["format"] != AUDIT_BUNDLE_FORMAT:
        raise _fail(
            ErrorCode.MALFORMED_INPUT,
            f"format must be {AUDIT_BUNDLE_FORMAT!r}, not {repr(top['format'])[:60]}",
        )
    if not _is_text(top["chain_id"]) or not _is_text(top["decision_id"]):
        raise _fail(ErrorCode.MALFORMED_INPUT, "chain_id and decision_id must be non-empty text")
    if not _is_int(top["height"], 1):
        raise _fail(ErrorCode.MALFORMED_INPUT, "height must be an integer of at least 1")
    records = _require_keys(
        top["records"], REQUIRED_KINDS, "records", optional=frozenset({KIND_POLICY})
    )
    for kind, bundle in records.items():
        if not isinstance(bundle, Mapping):
            raise _fail(ErrorCode.MALFORMED_INPUT, f"records.{kind} must be a record bundle")
    return _Parsed(
        top["chain_id"],
        top["decision_id"],
        top["height"],
        records,
        _parse_transaction(top["transaction"]),
        _parse_light_clients(top["light_clients"]),
    )


@dataclass(frozen=True, slots=True)
class _Record:
    """A finance record proven by its bundle, with the fields the checks read, typed."""

    kind: str
    record_id: str
    fields: Mapping[str, FieldValue]

    def text(self, name: str) -> str:
        return self.fields[name]  # type: ignore[return-value]

    def number(self, name: str) -> int:
        return self.fields[name]  # type: ignore[return-value]

    def raw(self, name: str) -> bytes:
        return self.fields[name]  # type: ignore[return-value]


def _verify_record(
    kind: str, bundle: Mapping[str, object], parsed: _Parsed, genesis: Genesis
) -> tuple[BundleReport, _Record]:
    report = verify_record_bundle(bundle, genesis.validators, chain_id=genesis.chain_id)
    if not report.ok:
        failed = report.steps[-1]
        raise _fail(report.verdict.code, f"{failed.name}: {failed.detail}")
    if report.kind != kind:
        raise _fail(
            ErrorCode.MALFORMED_INPUT, f"records.{kind} is a bundle of a {report.kind} record"
        )
    if report.height != parsed.height:
        raise _fail(
            ErrorCode.WRONG_HEIGHT,
            f"{kind} {report.record_id} is proven at height {report.height}; the audit bundle "
            f"proves every record at height {parsed.height}",
        )
    for name, wanted in FIELD_TYPES[kind].items():
        value = report.fields.get(name)
        if type(value) is not wanted:
            shown = "not disclosed" if value is None else f"a {type(value).__name__}"
            raise _fail(
                ErrorCode.MALFORMED_INPUT,
                f"{kind} {report.record_id}: field {name!r} is {shown}, the audit reads a "
                f"{wanted.__name__}",
            )
    return report, _Record(kind, report.record_id, dict(report.fields))


def _compare(pairs: Sequence[tuple[str, object, object]], code: ErrorCode) -> None:
    # (what, found, expected): the first that differs refuses.
    for what, found, expected in pairs:
        if found != expected:
            raise _fail(code, f"{what} is {_show(found)}, expected {_show(expected)}")


def _show(value: object) -> str:
    if isinstance(value, bytes):
        return f"0x{value.hex()[:32]}{'…' if len(value) > 16 else ''}"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _get_outcome(decision: _Record) -> str:
    # What the outcome must be, given the one it has: approved or rejected.
    outcome = decision.text("outcome")
    return outcome if outcome in (LOAN_APPROVED, LOAN_REJECTED) else "approved or rejected"


def _get_decided_by(decided_by: str) -> str:
    known = (DECIDED_BY_POLICY, DECIDED_BY_OFFICER)
    return decided_by if decided_by in known else "policy or officer"


def _check_links(records: Mapping[str, _Record], decision_id: str) -> None:
    decision = records[KIND_DECISION]
    loan = records[KIND_LOAN]
    data_set = records[KIND_DATA_SET]
    consent = records[KIND_CONSENT]
    policy = records.get(KIND_POLICY)
    application_id = decision.text("application_id")
    data_set_id = decision.text("data_set_id")
    policy_id = decision.text("policy_id")
    decided_by = decision.text("decided_by")
    pairs: list[tuple[str, object, object]] = [
        ("the decision bundle's record", decision.record_id, decision_id),
        ("the decision's decision_id", decision.text("decision_id"), decision_id),
        ("the decision's outcome", decision.text("outcome"), _get_outcome(decision)),
        ("the decision's decided_by", decided_by, _get_decided_by(decided_by)),
        ("the loan bundle's record", loan.record_id, application_id),
        ("the data set bundle's record", data_set.record_id, data_set_id),
        (
            "the consent bundle's record",
            consent.record_id,
            get_consent_record_id(decision.text("enterprise"), decision.text("consent_id")),
        ),
        ("the data set id", data_set_id, consent.record_id),
        (
            "a policy record in the bundle",
            "present" if policy is not None else "absent",
            "present" if policy_id else "absent",
        ),
    ]
    if decided_by == DECIDED_BY_POLICY:
        pairs += [
            ("a policy decision's id", decision_id, get_policy_decision_id(application_id)),
            ("a policy decision's policy_id", policy_id or "empty", policy_id or "a policy"),
        ]
    # The loan application carries its decision (commit_decision writes both).
    for name, loan_name in (
        ("decision_id", "decision_id"),
        ("outcome", "status"),
        ("amount", "decided_amount"),
        ("rate_bp", "rate_bp"),
        ("reasons", "reasons"),
        ("decided_height", "decided_height"),
    ):
        pairs.append((f"the loan's {loan_name}", loan.fields[loan_name], decision.fields[name]))
    for name in ("enterprise", "bank", "policy_id", "consent_id", "data_set_id"):
        pairs.append((f"the loan's {name}", loan.fields[name], decision.fields[name]))
    for name in ("enterprise", "bank", "consent_id"):
        pairs.append((f"the data set's {name}", data_set.fields[name], decision.fields[name]))
        pairs.append((f"the consent's {name}", consent.fields[name], decision.fields[name]))
    pairs += [
        ("the data set's data_set_id", data_set.text("data_set_id"), data_set_id),
        ("the data set's application_id", data_set.text("application_id"), application_id),
        ("the consent's application_id", consent.text("application_id"), application_id),
        ("the consent's status", consent.text("status"), CONSENT_USED),
        ("the consent's data_set_id", consent.text("data_set_id"), data_set_id),
        ("the consent's consent_hash", consent.raw("consent_hash"), data_set.raw("consent_hash")),
    ]
    if policy is not None:
        pairs += [
            (
                "the policy bundle's record",
                policy.record_id,
                get_policy_record_id(decision.text("bank"), policy_id),
            ),
            ("the policy's policy_id", policy.text("policy_id"), policy_id),
            ("the policy's bank", policy.text("bank"), decision.text("bank")),
        ]
    _compare(pairs, ErrorCode.INVALID_FIELD_VALUE)


def _get_finance_header(bundle: Mapping[str, object]) -> Header:
    try:
        return decode_header(_get_hex(bundle.get("header"), "the decision's header"))
    except ConsortiumError as error:
        raise _fail(error.code, f"the decision's header: {error.message}") from None


def _verify_transaction(
    parsed: _Transaction, genesis: Genesis, data_set: _Record, decision: _Record
) -> tuple[Header, VerifiedTransaction, finance_pb2.RelayTransfer]:
    response = node_pb2.GetTransactionResponse(
        tx=parsed.tx,
        height=parsed.height,
        header=parsed.header,
        certificate=parsed.certificate,
        proof=proofs_pb2.MerkleInclusionProof(
            leaf_index=parsed.leaf_index, tree_size=parsed.tree_size, hashes=list(parsed.hashes)
        ),
    )
    # The certificate by the genesis set (validator sets do not change yet) over the
    # header, and the transaction's bytes in its tx root.
    _check(verify_transaction_response(genesis.validators, response), "the transfer's block: ")
    header = decode_header(parsed.header)
    if header.chain_id != genesis.chain_id:
        raise _fail(
            ErrorCode.WRONG_CHAIN_ID,
            f"the transfer's block is of chain {header.chain_id!r}, not {genesis.chain_id!r}",
        )
    if header.height != parsed.height:
        raise _fail(
            ErrorCode.WRONG_HEIGHT,
            f"the transfer's block is at height {header.height}, the bundle says {parsed.height}",
        )
    try:
        tx = decode_verified_transaction(parsed.tx, genesis.chain_id)
        payload = parse_message(finance_pb2.RelayTransfer, tx.body.payload)
    except ConsortiumError as error:
        raise _fail(error.code, f"the transfer transaction: {error.message}") from None
    # A refused transaction writes nothing: the certified data set naming this very
    # transaction, block and time is what proves that it succeeded.
    _compare(
        [
            ("the transaction's id", tx.tx_id, data_set.raw("transfer_tx")),
            ("the transaction's type", tx.body.type, TX_TRANSFER),
            ("the data set's verified_height", data_set.number("verified_height"), header.height),
            (
                "the data set's verified_time_ms",
                data_set.number("verified_time_ms"),
                header.time_unix_ms,
            ),
            ("the reported result code", parsed.code, 0),
        ],
        ErrorCode.INVALID_FIELD_VALUE,
    )
    # The policy decides in the transfer's own transaction; an officer only afterwards.
    decided = decision.number("decided_height")
    if decision.text("decided_by") == DECIDED_BY_POLICY and decided != header.height:
        raise _fail(
            ErrorCode.INVALID_FIELD_VALUE,
            f"the policy decided at height {decided}, not with the transfer at {header.height}",
        )
    if decided < header.height:
        raise _fail(
            ErrorCode.INVALID_FIELD_VALUE,
            f"the decision (height {decided}) predates its data set (height {header.height})",
        )
    return header, tx, payload


def _get_genesis_clients(genesis: Genesis) -> tuple[dict[ChainId, LightClient], ChainId]:
    # The very code that wrote the clients into the finance chain's genesis state.
    if genesis.app != "finance":
        raise _fail(ErrorCode.INVALID_CONFIG, f"the genesis is of a {genesis.app} chain")
    try:
        section = genesis.app_state.get("relay")
        state = compute_client_genesis_updates(section)
        clients = {}
        for item in section["light_clients"]:  # type: ignore[index]
            client = read_client(state, item["chain_id"])
            if client is not None:
                clients[ChainId(item["chain_id"])] = client
    except ConsortiumError as error:
        raise _fail(error.code, f"the finance genesis: {error.message}") from None
    return clients, get_identity_chain(state)


def _prove_value(root: Hash32, key: bytes, proven: _ProvenValue, what: str) -> None:
    try:
        proof = decode_state_proof(proven.proof)
    except ConsortiumError as error:
        raise _fail(error.code, f"{what}: {error.message}") from None
    _check(verify_state_proof(root, key, proven.value, proof), f"{what}: ")


def _prove_client(chain_id: str, proven: _ProvenClient, root: Hash32) -> LightClient:
    # One light client as the finance chain's certified state holds it: its state and every
    # trusted header the bundle carries, each proven under the decision's header's root.
    trusted: dict[Height, TrustedHeader] = {}
    for height in sorted(proven.headers):
        what = f"the finance chain's trusted header {chain_id}@{height}"
        item = proven.headers[height]
        _prove_value(root, get_client_header_key(chain_id, height), item, what)
        try:
            header = decode_trusted_header(item.value)
        except ConsortiumError as error:
            raise _fail(error.code, f"{what}: {error.message}") from None
        if header.height != height:
            raise _fail(ErrorCode.MALFORMED_INPUT, f"{what} is stored as height {header.height}")
        trusted[Height(height)] = header
    what = f"the finance chain's client of {chain_id}"
    _prove_value(root, get_client_key(chain_id), proven.client, what)
    try:
        latest = get_latest_height(proven.client.value)
        if latest not in trusted:
            # The chain always stores its client's latest header (write_client).
            raise ConsortiumError(
                ErrorCode.MALFORMED_INPUT,
                f"the bundle does not prove its latest trusted header {chain_id}@{latest}",
            )
        client = decode_client(proven.client.value, trusted)
    except ConsortiumError as error:
        raise _fail(error.code, f"{what}: {error.message}") from None
    if client.chain_id != chain_id:
        raise _fail(
            ErrorCode.WRONG_CHAIN_ID, f"{what} is stored as a client of {client.chain_id!r}"
        )
    return client


def _prove_clients(
    proven: Mapping[str, _ProvenClient], root: Hash32, genesis: Mapping[ChainId, LightClient]
) -> dict[ChainId, LightClient]:
    clients = {}
    for chain_id in sorted(proven):
        # The finance chain keeps exactly the clients its genesis created.
        if ChainId(chain_id) not in genesis:
            raise _fail(
                ErrorCode.CLIENT_NOT_FOUND,
                f"the finance genesis keeps no light client of {chain_id!r}",
            )
        clients[ChainId(chain_id)] = _prove_client(chain_id, proven[chain_id], root)
    return clients


def _verify_carried_headers(
    payload: finance_pb2.RelayTransfer,
    clients: Mapping[ChainId, LightClient],
    genesis: Mapping[ChainId, LightClient],
) -> dict[tuple[str, int], SourceHeader]:
    # Each header the transfer carries is the one the finance chain trusted at its height,
    # and is certified by more than 2/3 of the set it names: the finance validators' word
    # is not all the audit rests on where the source validators' own signatures exist.
    carried = {}
    for index, message in enumerate(payload.headers):
        where = f"the transfer's header {index + 1} ({_show(message.chain_id)})"
        try:
            header = decode_header(message.header.header)
            validators = decode_validator_set(message.header.validator_set)
            certificate = decode_certificate(message.header.certificate)
        except ConsortiumError as error:
            raise _fail(error.code, f"{where}: {error.message}") from None
        chain_id = ChainId(message.chain_id)
        place = f"{message.chain_id}@{header.height}"
        if header.chain_id != chain_id:
            raise _fail(ErrorCode.WRONG_CHAIN_ID, f"{where} is a header of {header.chain_id!r}")
        client = clients.get(chain_id)
        if client is None:
            raise _fail(
                ErrorCode.CLIENT_NOT_FOUND,
                f"{where}: the bundle proves no light client of {message.chain_id!r}",
            )
        trusted = client.trusted.get(header.height)
        if trusted is None:
            raise _fail(
                ErrorCode.CONSENSUS_STATE_NOT_FOUND,
                f"the transfer carries {place}, but the finance state proves no trusted header "
                "at that height",
            )
        if trusted.header_hash != header.hash:
            raise _fail(
                ErrorCode.BLOCK_HASH_MISMATCH,
                f"the transfer carries a header {place} ({header.hash.hex()[:16]}…) that is not "
                f"the one the finance chain trusted ({trusted.header_hash.hex()[:16]}…)",
            )
        _check(verify_commit(validators, header, certificate, chain_id=chain_id), f"{place}: ")
        carried[(chain_id, header.height)] = SourceHeader(
            chain_id=chain_id,
            height=header.height,
            time_unix_ms=header.time_unix_ms,
            header_hash=header.hash,
            carried=True,
            signer_count=len(get_signer_indices(certificate.signer_bitmap)),
            validator_count=len(validators),
            genesis_set=header.validators_hash == genesis[chain_id].latest.validators_hash,
        )
    return carried


def _get_audit_clients(
    clients: Mapping[ChainId, LightClient], heights: Mapping[str, set[int]]
) -> dict[ChainId, LightClient]:
    # The clients the transfer is re-verified against: exactly the trusted headers of the
    # heights it uses or carries, the newest as the latest. The chain's own latest at the
    # transfer was at least that new, so the trusting period is checked at least as strictly.
    audit = {}
    for chain_id in sorted(heights):
        client = clients.get(ChainId(chain_id))
        if client is None:
            raise _fail(
                ErrorCode.CLIENT_NOT_FOUND,
                f"the transfer uses {_show(chain_id)}, but the bundle proves no finance light "
                "client of it",
            )
        evidence = client.frozen_by
        if evidence is not None:
            # A transfer before the freeze may well be sound; which heights the evidence
            # taints is not for an offline check to judge (docs/bundles.md).
            raise _fail(
                ErrorCode.CLIENT_FROZEN,
                f"the finance chain's client of {chain_id} is frozen (conflicting headers at "
                f"{chain_id}@{evidence.height}): its trusted headers are not relied on",
            )
        used: dict[Height, TrustedHeader] = {}
        for height in sorted(heights[chain_id]):
            trusted = client.trusted.get(Height(height))
            if trusted is None:
                raise _fail(
                    ErrorCode.CONSENSUS_STATE_NOT_FOUND,
                    f"the transfer uses {chain_id}@{height}, but the finance state proves no "
                    "trusted header at that height",
                )
            used[Height(height)] = trusted
        audit[ChainId(chain_id)] = replace(
            client, latest_height=max(used), trusted=MappingProxyType(used)
        )
    return audit


def _list_source_headers(
    clients: Mapping[ChainId, LightClient], carried: Mapping[tuple[str, int], SourceHeader]
) -> tuple[SourceHeader, ...]:
    return tuple(
        carried.get(
            (chain_id, height),
            SourceHeader(chain_id, height, trusted.time_unix_ms, trusted.header_hash),
        )
        for chain_id, client in sorted(clients.items())
        for height, trusted in sorted(client.trusted.items())
    )


def _describe_source_header(header: SourceHeader) -> str:
    place = f"{header.chain_id}@{header.height}"
    if not header.carried:
        return f"{place} (trusted by the finance chain before the transfer)"
    signed_by = (
        f"{header.chain_id}'s genesis validator set"
        if header.genesis_set
        else f"a validator set other than {header.chain_id}'s genesis set"
    )
    signers = f"{header.signer_count} of {header.validator_count}"
    return f"{place} (carried, signed by {signers} of {signed_by})"


def _describe_source(record: VerifiedRecord) -> str:
    return f"{record.kind} {record.record_id} of {record.chain_id}@{record.height}"


def _compare_data_set(
    verified: VerifiedDataSet, data_set: _Record, consent: _Record, raw: bytes
) -> None:
    try:
        committed = parse_message(finance_pb2.DataSetRecords, data_set.raw("records")).records
    except ConsortiumError as error:
        raise _fail(error.code, f"the data set's records: {error.message}") from None
    consent_hash = compute_sha256(raw)
    _compare(
        [
            ("the consent's signed bytes", consent.raw("signed_consent"), raw),
            ("the data set's consent_hash", data_set.raw("consent_hash"), consent_hash),
            ("the data set's consent_id", data_set.text("consent_id"), verified.consent_id),
            ("the data set's enterprise", data_set.text("enterprise"), verified.enterprise),
            ("the data set's bank", data_set.text("bank"), verified.bank),
            (
                "the data set's application_id",
                data_set.text("application_id"),
                verified.application_id,
            ),
            ("the data set's sources", data_set.text("sources"), get_data_set_sources(verified)),
            ("the data set's record_count", data_set.number("record_count"), len(verified.records)),
            ("the data set's records", len(committed), len(verified.records)),
        ],
        ErrorCode.STATE_VALUE_MISMATCH,
    )
    for index, (stored, record) in enumerate(zip(committed, verified.records, strict=True)):
        where = f"the data set's record {index} ({_describe_source(record)})"
        _compare(
            [
                (
                    f"{where}: chain, height, kind, id",
                    (stored.chain_id, stored.height, stored.kind, stored.id),
                    (record.chain_id, record.height, record.kind, record.record_id),
                ),
                (f"{where}: version", stored.version, record.version),
                (f"{where}: commitment", stored.commitment, record.commitment),
                (
                    f"{where}: disclosed values",
                    [(f.name, f.value) for f in stored.fields],
                    [(name, encode_field_value(v)) for name, v in record.fields.items()],
                ),
            ],
            ErrorCode.STATE_VALUE_MISMATCH,
        )


def get_policy_from_fields(fields: Mapping[str, FieldValue]) -> CreditPolicy:
    """The credit policy a proven ``policy`` record's fields state (as
    :func:`chains.finance.policy.read_policy` reads it from state); MALFORMED_INPUT when
    its rules do not decode."""
    return CreditPolicy(
        policy_id=str(fields["policy_id"]),
        bank=str(fields["bank"]),
        name=str(fields["name"]),
        rules=decode_policy_rules(fields["rules"]),  # type: ignore[arg-type]
        max_amount=int(fields["max_amount"]),  # type: ignore[arg-type]
        amount_basis_field=str(fields["amount_basis_field"]),
        amount_basis_ratio_bp=int(fields["amount_basis_ratio_bp"]),  # type: ignore[arg-type]
        rate_bp=int(fields["rate_bp"]),  # type: ignore[arg-type]
    )


def _format_time(time_unix_ms: int) -> str:
    try:
        moment = datetime.datetime.fromtimestamp(time_unix_ms / 1000, tz=datetime.UTC)
    except (OverflowError, OSError, ValueError):
        return f"{time_unix_ms} ms since 1970"
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def verify_audit_bundle(document: object, finance_genesis: Genesis) -> AuditReport:
    """Check an audit bundle (a parsed JSON object, or its text) against the finance chain's
    genesis, step by step; never raises.

    Steps, each refusing with its own code (the first failure ends the check):

    1. ``format``: the JSON shape (MALFORMED_INPUT).
    2. ``decision record``, ``loan record``, ``data set record``, ``consent record`` and,
       when the decision names one, ``policy record``: each record bundle verifies
       against the genesis validator set and chain (the codes of
       :func:`chains.apps.bundle.verify_record_bundle`: BUNDLE_ANCHOR_MISMATCH,
       WRONG_CHAIN_ID, INSUFFICIENT_VOTING_POWER, RECORD_COMMITMENT_MISMATCH, ...), at the
       bundle's one height (WRONG_HEIGHT), disclosing what the audit reads (MALFORMED_INPUT).
    3. ``links``: the records name each other (INVALID_FIELD_VALUE).
    4. ``transfer transaction``: its block is certified by the genesis set, the
       transaction is in its tx root (MERKLE_* codes), it is the data set's transfer,
       of its height and time (INVALID_FIELD_VALUE), signed for this chain.
    5. ``source headers``: the genesis is a finance genesis with a usable ``relay``
       section (INVALID_CONFIG); each light client the bundle carries is one the genesis
       created (CLIENT_NOT_FOUND), and its state and trusted headers are proven under the
       decision's header's state root (STATE_* codes; MALFORMED_INPUT for values that do
       not decode, or without the client's latest header; WRONG_CHAIN_ID); each header the
       transfer carries is of its chain (WRONG_CHAIN_ID), is one the finance state proves
       trusted at its height (CLIENT_NOT_FOUND, CONSENSUS_STATE_NOT_FOUND), that very
       header (BLOCK_HASH_MISMATCH), and certified by more than 2/3 of the set it carries
       (:func:`verify_commit`'s codes: VALIDATORS_HASH_MISMATCH,
       INSUFFICIENT_VOTING_POWER, ...); every chain and height the transfer uses has a
       proven client (CLIENT_NOT_FOUND), not frozen (CLIENT_FROZEN), and trusted header
       (CONSENSUS_STATE_NOT_FOUND). The light clients of the re-check trust exactly those.
    6. ``transfer re-verified``: :func:`relay.transfer.verify_transfer` accepts the
       transfer against those clients at the block's time (its codes: CLIENT_EXPIRED
       when the newest header a chain's heights rest on is older than the client's
       trusting period) and gives exactly the data set recorded (STATE_VALUE_MISMATCH).
    7. ``decision re-evaluated``: for a policy decision, the policy on the facts the
       data set proves gives the committed decision (STATE_VALUE_MISMATCH; MALFORMED_INPUT
       for undecodable rules); an officer's decision is reported as taken by hand.
    """
    steps: list[BundleStep] = []
    found: dict[str, object] = {}
    current = STEP_FORMAT

    def passed(detail: str) -> None:
        steps.append(BundleStep(current, True, detail))

    try:
        parsed = _parse_document(document)
        found.update(decision_id=parsed.decision_id, chain_id=parsed.chain_id, height=parsed.height)
        if parsed.chain_id != finance_genesis.chain_id:
            raise _fail(
                ErrorCode.WRONG_CHAIN_ID,
                f"the audit bundle is of chain {parsed.chain_id!r}, the genesis of "
                f"{finance_genesis.chain_id!r}",
            )
        passed(
            f"decision {parsed.decision_id} on chain {parsed.chain_id} at height "
            f"{parsed.height}: {len(parsed.records)} records, the transfer transaction and "
            f"{len(parsed.light_clients)} source light clients"
        )

        records: dict[str, _Record] = {}
        header_hex = parsed.records[KIND_DECISION].get("header")
        for kind in RECORD_KINDS:
            bundle = parsed.records.get(kind)
            if bundle is None:
                continue
            current = RECORD_STEPS[kind]
            report, record = _verify_record(kind, bundle, parsed, finance_genesis)
            if kind == KIND_DECISION:
                # Verified just now: its state root proves the light clients (step 5).
                finance_header = _get_finance_header(bundle)
                found.update(
                    header_time_unix_ms=report.header_time_unix_ms,
                    signer_count=report.signer_count,
                    validator_count=report.validator_count,
                    signed_power=report.signed_power,
                    total_power=report.total_power,
                )
            elif bundle.get("header") != header_hex:
                raise _fail(
                    ErrorCode.BLOCK_HASH_MISMATCH,
                    f"{kind} {record.record_id} is proven under another header of height "
                    f"{parsed.height} than the decision",
                )
            records[kind] = record
            found["records"] = {k: r.fields for k, r in records.items()}
            passed(
                f"{kind} {record.record_id}: version {report.record_version}, "
                f"{len(report.fields)} of {report.field_count} fields, proven under the "
                f"header certified by {report.signer_count} of {report.validator_count} "
                "genesis validators"
            )

        current = STEP_LINKS
        decision = records[KIND_DECISION]
        found["decided_by"] = decision.text("decided_by")
        _check_links(records, parsed.decision_id)
        passed(
            f"decision, application {decision.text('application_id')}, data set "
            f"{decision.text('data_set_id')}, consent and "
            + (f"policy {decision.text('policy_id')}" if KIND_POLICY in records else "no policy")
            + " name each other"
        )

        current = STEP_TRANSACTION
        data_set = records[KIND_DATA_SET]
        header, tx, payload = _verify_transaction(
            parsed.transaction, finance_genesis, data_set, decision
        )
        now_ms = header.time_unix_ms
        found.update(
            transfer_tx=tx.tx_id, transfer_height=header.height, transfer_time_unix_ms=now_ms
        )
        passed(
            f"tx {tx.tx_id.hex()[:16]}… is transaction {parsed.transaction.leaf_index + 1} of "
            f"{parsed.transaction.tree_size} in block {header.height} "
            f"({_format_time(now_ms)}), certified by the genesis set; it created the data set"
        )

        current = STEP_SOURCE_HEADERS
        genesis_clients, identity_chain = _get_genesis_clients(finance_genesis)
        proven = _prove_clients(parsed.light_clients, finance_header.state_root, genesis_clients)
        carried = _verify_carried_headers(payload, proven, genesis_clients)
        clients = _get_audit_clients(proven, get_source_heights(payload, identity_chain))
        source_headers = _list_source_headers(clients, carried)
        found["source_headers"] = source_headers
        passed(
            f"the finance state at height {parsed.height} proves its light clients of "
            + ", ".join(
                f"{chain_id} (latest {chain_id}@{proven[chain_id].latest_height}, not frozen)"
                for chain_id in sorted(clients)
            )
            + "; the transfer rests on "
            + "; ".join(_describe_source_header(header) for header in source_headers)
        )

        current = STEP_TRANSFER
        loan = records[KIND_LOAN]
        check = verify_transfer(
            payload.transfer,
            clients,
            identity_chain,
            loan.text("bank"),
            ChainId(finance_genesis.chain_id),
            now_ms,
        )
        if check.data_set is None:
            _check(check.verdict)
        verified = check.data_set
        _compare_data_set(
            verified, data_set, records[KIND_CONSENT], payload.transfer.signed_consent
        )
        found["sources"] = verified.records
        passed(
            f"consent {verified.consent_id} of {verified.enterprise} for {verified.bank} "
            f"verifies: {len(verified.records)} records from "
            f"{get_data_set_sources(verified)}, exactly the recorded data set"
        )

        current = STEP_DECISION
        if decision.text("decided_by") == DECIDED_BY_OFFICER:
            passed(f"decided by hand by {decision.text('bank')}'s officer: nothing to re-evaluate")
        else:
            try:
                policy = get_policy_from_fields(records[KIND_POLICY].fields)
            except ConsortiumError as error:
                raise _fail(error.code, f"the policy's rules: {error.message}") from None
            facts = compute_facts(verified.records, now_ms)
            found["facts"] = facts
            outcome = evaluate_policy(policy, facts, loan.number("amount"))
            _compare(
                [
                    (
                        "the decision's outcome",
                        decision.text("outcome"),
                        LOAN_APPROVED if outcome.approved else LOAN_REJECTED,
                    ),
                    ("the decision's amount", decision.number("amount"), outcome.amount),
                    ("the decision's rate_bp", decision.number("rate_bp"), outcome.rate_bp),
                    (
                        "the decision's reasons",
                        decision.text("reasons"),
                        REASON_SEPARATOR.join(outcome.reasons[:MAX_REASONS]),
                    ),
                ],
                ErrorCode.STATE_VALUE_MISMATCH,
            )
            found["re_evaluated"] = True
            passed(
                f"policy {policy.policy_id} on {len(facts)} facts of the verified data set "
                "gives the committed decision"
            )
        verdict = ACCEPTED
    except _StepFailed as failure:
        verdict = failure.verdict
        steps.append(BundleStep(current, False, verdict.message, verdict.code))
    return AuditReport(verdict, tuple(steps), **found)  # type: ignore[arg-type]


# --------------------------------------------------------------------------
# Saying what a report means
# --------------------------------------------------------------------------


def _yuan(amount: object) -> str:
    return format_fact_value(amount, UNIT_FEN)  # type: ignore[arg-type]


def _describe_fields(fields: Mapping[str, FieldValue]) -> str:
    # Only the consented fields: a record's own summary would show "?" for the others.
    return ", ".join(f"{name}={_show(value)}" for name, value in fields.items())


def describe_audit(report: AuditReport) -> list[str]:
    """What a verified audit bundle proves, in words, or exactly why it fails."""
    if not report.ok:
        failed = report.steps[-1]
        return [
            f"✗ {failed.name}: {failed.code.name}: {failed.detail}",
            f"NOT verified: do not rely on decision {report.decision_id or '?'}.",
        ]
    decision = report.records[KIND_DECISION]
    loan = report.records[KIND_LOAN]
    data_set = report.records[KIND_DATA_SET]
    outcome = decision["outcome"]
    if outcome == LOAN_APPROVED:
        what = f"approved {_yuan(decision['amount'])} at {decision['rate_bp']} bp"
    else:
        what = f"rejected ({decision['reasons']})"
    by = (
        f"by the policy {decision['policy_id']} of {decision['bank']}"
        if report.decided_by == DECIDED_BY_POLICY
        else f"by hand, by {decision['bank']}'s officer"
    )
    time = (
        _format_time(report.header_time_unix_ms) if report.header_time_unix_ms is not None else "?"
    )
    lines = [
        f"decision {report.decision_id} on chain {report.chain_id}: {what}, {by}",
        f"application {loan['application_id']} of {loan['enterprise']} to {loan['bank']}: "
        f"{_yuan(loan['amount'])} requested",
        "committed: the decision, application, data set, consent"
        + (", policy" if KIND_POLICY in report.records else "")
        + f" records are proven at height {report.height} ({time}), certified by "
        f"{report.signer_count} of {report.validator_count} validators (power "
        f"{report.signed_power} of {report.total_power}) of the finance genesis set",
        f"data set {data_set['data_set_id']}: created by transfer {report.transfer_tx.hex()} "
        f"in block {report.transfer_height} ({_format_time(report.transfer_time_unix_ms)}), "
        f"under consent {data_set['consent_id']}; it rests on {len(report.sources)} records:",
    ]
    for record in report.sources:
        lines.append(
            f"  {record.chain_id}@{record.height} {record.kind} {record.record_id} "
            f"(version {record.version}): {_describe_fields(record.fields)}"
        )
    lines.append(
        "re-checked offline: the transfer verifies at the block's time, giving exactly the "
        "recorded data set, against the source headers the finance chain's light clients "
        f"trusted (proven in its state at height {report.height}); each header the transfer "
        "carried is that very header, certified by more than 2/3 of its validators:"
    )
    lines += [f"  {_describe_source_header(header)}" for header in report.source_headers]
    if report.re_evaluated:
        lines.append(
            f"re-evaluated: policy {decision['policy_id']} on these facts gives the committed "
            "decision:"
        )
        lines += [f"  {name} = {meaning}" for name, meaning in describe_facts(report.facts)]
    else:
        lines.append(
            "decided by hand: the records and the data it rests on are verified; the judgement "
            "itself is the officer's and is not re-evaluated"
        )
    return lines


def get_audit_report_document(report: AuditReport) -> dict[str, object]:
    """The report as a JSON-ready dict (bytes as hex)."""

    def encode(value: object) -> object:
        return value.hex() if isinstance(value, bytes) else value

    return {
        **get_steps_document(report.verdict, report.steps),
        "decision_id": report.decision_id,
        "chain_id": report.chain_id,
        "height": report.height,
        "header_time_unix_ms": report.header_time_unix_ms,
        "signers": report.signer_count,
        "validators": report.validator_count,
        "signed_power": report.signed_power,
        "total_power": report.total_power,
        "decided_by": report.decided_by,
        "re_evaluated": report.re_evaluated,
        "records": {
            kind: {name: encode(value) for name, value in fields.items()}
            for kind, fields in report.records.items()
        },
        "transfer_tx": report.transfer_tx.hex(),
        "transfer_height": report.transfer_height,
        "source_headers": [
            {
                "chain_id": h.chain_id,
                "height": h.height,
                "time_unix_ms": h.time_unix_ms,
                "hash": h.header_hash.hex(),
                "carried": h.carried,
                "signers": h.signer_count,
                "validators": h.validator_count,
                "genesis_set": h.genesis_set,
            }
            for h in report.source_headers
        ],
        "sources": [
            {
                "chain_id": r.chain_id,
                "height": r.height,
                "kind": r.kind,
                "id": r.record_id,
                "version": r.version,
                "commitment": r.commitment.hex(),
                "fields": {name: encode(value) for name, value in r.fields.items()},
            }
            for r in report.sources
        ],
        "facts": dict(report.facts),
        "summary": describe_audit(report),
    }
