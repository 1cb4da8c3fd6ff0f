"""What the Explorer page reads and checks: blocks, transactions, state and records (no Streamlit).

Two halves:

* ``fetch_*`` read a node through its gRPC API and keep the **exact bytes** it
  served (header, certificate, validator set, proof), so that they can be
  checked later without asking the node again. A refusal raises
  :class:`chains.runtime.client.NodeError` with its stable code; input a person
  typed that cannot be a key or an id raises ``ConsortiumError(MALFORMED_INPUT)``.
* ``verify_*`` are PURE: they trust nothing the node said, only the validator
  set passed in (the chain's genesis set: validator sets do not change yet),
  and return a :class:`VerificationReport` naming each step they checked and,
  on failure, the stable code of the first step that failed. They never raise.

The steps have the same shape as an offline bundle's (:class:`BundleStep`), so a
record is checked by building its bundle and running
:func:`chains.apps.bundle.verify_record_bundle` on it.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from google.protobuf.json_format import MessageToDict
from google.protobuf.message import Message

from chains.apps.bundle import (
    BundleReport,
    BundleStep,
    encode_record_bundle,
    fetch_verified_record,
    verify_record_bundle,
)
from chains.apps.framework import ConsortiumApplication
from chains.apps.membership import ACCOUNT_PREFIX, ORGANISATION_PREFIX
from chains.apps.records import RECORD_PREFIX, decode_record_head
from chains.consortium import FINANCE, INDUSTRY, TAX
from chains.core.block import Header, decode_block, decode_header, verify_block_tx_root
from chains.core.consensus.certificate import decode_certificate, get_signer_indices, verify_commit
from chains.core.consensus.validators import (
    ValidatorSet,
    compute_validators_hash,
    decode_validator_set,
)
from chains.core.errors import ACCEPTED, ConsortiumError, ErrorCode, Verdict, refuse
from chains.core.merkle import verify_leaf_inclusion
from chains.core.protobuf import parse_message
from chains.core.records import FieldValue, disclose_fields
from chains.core.state_tree import encode_state_proof, verify_state_proof
from chains.core.transactions import compute_tx_id, decode_verified_transaction
from chains.core.types import ChainId
from chains.core.wire import (
    decode_inclusion_proof,
    decode_state_proof_message,
    state_proof_from_proto,
)
from chains.finance.app import FINANCE_APPLICATION
from chains.finance.relay_rules import CLIENT_PREFIX
from chains.industry.app import INDUSTRY_APPLICATION
from chains.runtime.client import NodeClient
from chains.tax.app import TAX_APPLICATION
from consortium.v1 import chain_pb2, membership_pb2, relay_pb2

STEP_VALIDATORS = "validator set"
STEP_HEADER = "header"
STEP_CERTIFICATE = "certificate"
STEP_STATE_PROOF = "state proof"
STEP_TRANSACTION = "transaction"
STEP_INCLUSION = "inclusion proof"
STEP_TX_ROOT = "tx root"

MAX_RESULT_LOOKUPS = 100
"""A block's table asks the node for at most this many transactions' result codes (one call
each); a seeding block can hold hundreds."""
MAX_SHOWN_CHARS = 96
"""Longer strings in a decoded payload are cut (a transfer carries whole proofs)."""

APPLICATIONS: Mapping[str, ConsortiumApplication] = {
    TAX: TAX_APPLICATION,
    INDUSTRY: INDUSTRY_APPLICATION,
    FINANCE: FINANCE_APPLICATION,
}
"""Each chain's application: its rules name every transaction type's payload message."""

RECORD_KINDS: Mapping[str, tuple[str, ...]] = {
    TAX: ("invoice", "filing", "payment", "clearance"),
    INDUSTRY: ("production", "order", "delivery"),
    FINANCE: ("decision", "loan", "consent", "dataset", "policy"),
}
"""The record kinds each chain keeps under ``rec/<kind>/<id>`` (for the record picker)."""


# --------------------------------------------------------------------------
# What a node served
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Certified:
    """The exact bytes a node served to certify one height: header, certificate and the
    validator set it says signed it."""

    chain_id: str
    """The chain the page asked (from the consortium's layout, not from the node)."""
    height: int
    header: bytes
    certificate: bytes
    validator_set: bytes
    validator_set_height: int


@dataclass(frozen=True, slots=True)
class TxRow:
    """One transaction as a table lists it (decoded for display only; Verify checks it)."""

    index: int
    tx_id: bytes
    tx_type: str
    sender: bytes
    nonce: int
    payload: bytes
    code: ErrorCode | None = None
    """Its result in its block, as the node reports it; None when not asked."""
    message: str = ""


@dataclass(frozen=True, slots=True)
class BlockView:
    """A block by height: its header's values, its transactions, and what certifies it."""

    certified: Certified
    block: bytes
    time_unix_ms: int
    block_hash: bytes
    proposer: bytes
    state_root: bytes
    tx_root: bytes
    txs: tuple[TxRow, ...]


@dataclass(frozen=True, slots=True)
class TxAnswer:
    """A committed transaction as a node served it, with its inclusion proof."""

    certified: Certified
    tx_id: bytes
    """The id asked for (the node's bytes must hash to it)."""
    tx: bytes
    index: int
    code: ErrorCode
    message: str
    proof: bytes
    """The serialised ``MerkleInclusionProof`` of ``tx`` in the header's tx root."""
    row: TxRow | None
    """The transaction decoded, or None when its bytes do not decode."""

    def describe_proof(self) -> str:
        """The inclusion proof's shape in words (as served; Verify checks it)."""
        try:
            proof = decode_inclusion_proof(self.proof)
        except ConsortiumError as error:
            return f"does not decode: {error.message}"
        return (
            f"leaf {proof.leaf_index} of a tree of {proof.tree_size} transactions, "
            f"{len(proof.hashes)} hashes (RFC 6962)"
        )


@dataclass(frozen=True, slots=True)
class StateAnswer:
    """A state value (or its absence) at one height, with its proof, as a node served it."""

    certified: Certified
    key: bytes
    found: bool
    value: bytes | None
    proof: bytes
    """The serialised ``StateProof`` message."""

    @property
    def proof_size(self) -> int:
        """The proof's size in bytes, in its canonical encoding (0 when it does not decode)."""
        try:
            return len(encode_state_proof(decode_state_proof_message(self.proof)))
        except ConsortiumError:
            return 0

    @property
    def proof_siblings(self) -> int:
        """How many sibling hashes the proof holds (0 when it does not decode)."""
        try:
            return len(decode_state_proof_message(self.proof).siblings)
        except ConsortiumError:
            return 0


@dataclass(frozen=True, slots=True)
class RecordView:
    """A record read and checked by the node-side reader, with its bundle for Verify."""

    kind: str
    record_id: str
    height: int
    fields: Mapping[str, FieldValue]
    bundle: Mapping[str, object]
    """Every field disclosed, as ``consortium verify`` reads bundles (JSON-ready)."""


@dataclass(frozen=True, slots=True)
class VerificationReport:
    """What a ``verify_*`` function checked, step by step (the first failure ends it)."""

    steps: tuple[BundleStep, ...]

    @property
    def ok(self) -> bool:
        """True when every step passed."""
        return bool(self.steps) and all(step.ok for step in self.steps)

    @property
    def verdict(self) -> Verdict:
        """ACCEPTED, or the refusal of the step that failed."""
        for step in self.steps:
            if not step.ok:
                return refuse(step.code, step.detail)
        return ACCEPTED if self.steps else refuse(ErrorCode.MALFORMED_INPUT, "nothing checked")


# --------------------------------------------------------------------------
# Reading what people type
# --------------------------------------------------------------------------


def _parse_hex(text: str, what: str) -> bytes:
    cleaned = text.strip().removeprefix("0x")
    try:
        return bytes.fromhex(cleaned)
    except ValueError:
        raise ConsortiumError(
            ErrorCode.MALFORMED_INPUT, f"{what} must be hex (0-9, a-f, two digits a byte)"
        ) from None


def parse_tx_id(text: str) -> bytes:
    """The transaction id written as 64 hex digits (MALFORMED_INPUT otherwise)."""
    tx_id = _parse_hex(text, "a transaction id")
    if len(tx_id) != 32:
        raise ConsortiumError(
            ErrorCode.MALFORMED_INPUT,
            f"a transaction id is 32 bytes (64 hex digits), not {len(tx_id)}",
        )
    return tx_id


def parse_state_key(text: str, is_hex: bool) -> bytes:
    """The state key written as UTF-8 text (``rec/invoice/…``) or, with ``is_hex``, as hex."""
    key = _parse_hex(text, "a hex key") if is_hex else text.strip().encode("utf-8")
    if not key:
        raise ConsortiumError(ErrorCode.MALFORMED_INPUT, "a state key is not empty")
    return key


# --------------------------------------------------------------------------
# Decoding for display (no trust implied: Verify checks the bytes)
# --------------------------------------------------------------------------


def decode_tx_row(raw: bytes, index: int) -> TxRow | None:
    """The transaction's type, sender, nonce and payload, or None when it does not decode.

    The signature is not checked here (a table shows what the block holds);
    :func:`verify_transaction_answer` checks it.
    """
    try:
        signed = parse_message(chain_pb2.SignedTransaction, raw)
        body = parse_message(chain_pb2.TransactionBody, signed.body)
    except ConsortiumError:
        return None
    return TxRow(index, compute_tx_id(raw), body.type, body.sender, body.nonce, body.payload)


def get_payload_type(chain: str, tx_type: str) -> type[Message] | None:
    """The payload message of ``tx_type`` on chain ``chain`` (tax, industry, finance), if known."""
    application = APPLICATIONS.get(chain)
    rule = application.rules.get(tx_type) if application is not None else None
    return rule.payload_type if rule is not None else None


def _shorten(value: object) -> object:
    if isinstance(value, str) and len(value) > MAX_SHOWN_CHARS:
        return f"{value[:MAX_SHOWN_CHARS]}… ({len(value)} chars)"
    if isinstance(value, dict):
        return {name: _shorten(item) for name, item in value.items()}
    if isinstance(value, list):
        return [_shorten(item) for item in value]
    return value


def describe_message(message_type: type[Message], raw: bytes) -> dict[str, object] | None:
    """``raw`` decoded as ``message_type`` for a person (bytes fields in base64, long values
    cut), or None when it does not decode."""
    try:
        message = parse_message(message_type, raw)
    except ConsortiumError:
        return None
    return _shorten(MessageToDict(message, preserving_proto_field_name=True))  # type: ignore[return-value]


def describe_payload(chain: str, tx_type: str, payload: bytes) -> dict[str, object] | None:
    """A transaction's payload decoded generically, or None for an unknown type or bytes that
    do not decode (the page then shows its type and size only)."""
    message_type = get_payload_type(chain, tx_type)
    return describe_message(message_type, payload) if message_type is not None else None


def _describe_record_head(raw: bytes) -> dict[str, object]:
    head = decode_record_head(raw)
    return {
        "record head": f"{head.kind}/{head.id}",
        "commitment": head.commitment.hex(),
        "field_count": head.field_count,
        "version": head.version,
        "updated_height": head.updated_height,
    }


_VALUE_DECODERS: tuple[tuple[bytes, Callable[[bytes], dict[str, object] | None]], ...] = (
    (RECORD_PREFIX, _describe_record_head),
    (ORGANISATION_PREFIX, lambda raw: describe_message(membership_pb2.Organisation, raw)),
    (ACCOUNT_PREFIX, lambda raw: describe_message(membership_pb2.Account, raw)),
    (CLIENT_PREFIX, lambda raw: describe_message(relay_pb2.LightClientState, raw)),
)
"""State key prefix -> how its values read (a record head, an organisation, ...)."""


def describe_state_value(key: bytes, value: bytes) -> dict[str, object] | None:
    """The value under ``key`` decoded when its prefix says what it is (a record head,
    an organisation, an account, a light client), else None."""
    for prefix, decode in _VALUE_DECODERS:
        if key.startswith(prefix):
            try:
                return decode(value)
            except ConsortiumError:
                return None
    return None


def describe_result(code: ErrorCode | None) -> str:
    """A transaction's result as a table shows it: OK, the refusal's code, or "-" (not asked)."""
    if code is None:
        return "-"
    return "OK" if code == ErrorCode.ERROR_CODE_UNSPECIFIED else code.name


def format_field_value(value: FieldValue) -> str:
    """A record field's value as text (bytes as hex)."""
    return f"0x{value.hex()}" if isinstance(value, bytes) else str(value)


def format_key(key: bytes) -> str:
    """A state key as a person reads it: its text when it is printable UTF-8, else hex."""
    try:
        text = key.decode("utf-8")
    except UnicodeDecodeError:
        text = ""
    return text if text and text.isprintable() else f"0x{key.hex()}"


def format_time(time_unix_ms: int) -> str:
    """A header time as a person reads it (UTC)."""
    moment = datetime.datetime.fromtimestamp(time_unix_ms / 1000, datetime.UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def get_validator_names(validators: ValidatorSet) -> dict[bytes, str]:
    """Validator public key -> name (to name a block's proposer)."""
    return {v.public_key: v.name for v in validators.validators}


# --------------------------------------------------------------------------
# Reading from a node (I/O)
# --------------------------------------------------------------------------


def _fetch_certified(
    client: NodeClient, chain_id: str, height: int, header: bytes, certificate: bytes
) -> Certified:
    served = client.get_validator_set_response(height)
    return Certified(chain_id, height, header, certificate, served.validator_set, served.height)


def fetch_block(client: NodeClient, chain_id: str, height: int = 0) -> BlockView:
    """The block at ``height`` (0: the latest), its transactions with their result codes
    (the first :data:`MAX_RESULT_LOOKUPS`), and what certifies it. NOT_FOUND for a height
    not committed."""
    if height == 0:
        height = client.get_chain_info().height
    response = client.get_block(height)
    block = decode_block(response.block)
    header = block.header
    rows = []
    for index, raw in enumerate(block.txs):
        row = decode_tx_row(raw, index)
        if row is None:
            row = TxRow(index, compute_tx_id(raw), "(undecodable)", b"", 0, b"")
        elif index < MAX_RESULT_LOOKUPS:
            result = client.get_transaction(row.tx_id)
            row = replace(row, code=ErrorCode(result.code), message=result.message)
        rows.append(row)
    certified = _fetch_certified(
        client, chain_id, response.height, header.raw, response.certificate
    )
    return BlockView(
        certified,
        response.block,
        header.time_unix_ms,
        bytes(header.hash),
        bytes(header.proposer),
        bytes(header.state_root),
        bytes(header.tx_root),
        tuple(rows),
    )


def fetch_transaction(client: NodeClient, chain_id: str, tx_id: bytes) -> TxAnswer:
    """Committed transaction ``tx_id`` with its result, inclusion proof and what certifies its
    block. NOT_FOUND when no committed transaction has that id."""
    response = client.get_transaction(tx_id)
    certified = _fetch_certified(
        client, chain_id, response.height, response.header, response.certificate
    )
    row = decode_tx_row(response.tx, response.index)
    return TxAnswer(
        certified,
        tx_id,
        response.tx,
        response.index,
        ErrorCode(response.code),
        response.message,
        response.proof.SerializeToString(),
        row,
    )


def fetch_state(client: NodeClient, chain_id: str, key: bytes, height: int = 0) -> StateAnswer:
    """The value under ``key`` at ``height`` (0: the latest), present or proven absent.
    NOT_FOUND for a height not committed, STATE_VERSION_UNAVAILABLE for one pruned."""
    response = client.query_state(key, height)
    certified = _fetch_certified(
        client, chain_id, response.height, response.header, response.certificate
    )
    value = response.value if response.found else None
    return StateAnswer(certified, key, response.found, value, response.proof.SerializeToString())


def fetch_record(
    client: NodeClient, kind: str, record_id: str, height: int = 0
) -> RecordView | None:
    """Record ``kind``/``record_id`` at ``height`` (0: the latest) with every field, or None
    when the node proves it absent. The node's answer is checked on the way in
    (:func:`fetch_verified_record`); the bundle lets Verify check it again against genesis."""
    fetched = fetch_verified_record(client, kind, record_id, height)
    if fetched is None:
        return None
    committed = fetched.committed
    response = fetched.response
    bundle = encode_record_bundle(
        kind,
        record_id,
        response.header,
        response.certificate,
        fetched.validator_set,
        response.value,
        encode_state_proof(state_proof_from_proto(response.proof)),
        disclose_fields(committed, committed.names),
    )
    return RecordView(kind, record_id, response.height, dict(fetched.fields), bundle)


# --------------------------------------------------------------------------
# Verifying in the session (pure)
# --------------------------------------------------------------------------


class _StepFailed(Exception):
    """Internal: a step refused; carries its verdict to the driver."""

    def __init__(self, verdict: Verdict) -> None:
        super().__init__(verdict.message)
        self.verdict = verdict


def _require(verdict: Verdict) -> None:
    if not verdict.ok:
        raise _StepFailed(verdict)


def _fail(code: ErrorCode, message: str) -> _StepFailed:
    return _StepFailed(refuse(code, message))


@dataclass
class _StepRun:
    """The steps checked so far and the one being checked."""

    current: str = ""
    steps: list[BundleStep] = field(default_factory=list)

    def start(self, name: str) -> None:
        self.current = name

    def passed(self, detail: str) -> None:
        self.steps.append(BundleStep(self.current, True, detail))

    def failed(self, verdict: Verdict) -> None:
        self.steps.append(BundleStep(self.current, False, verdict.message, verdict.code))

    def report(self) -> VerificationReport:
        return VerificationReport(tuple(self.steps))


def _check_validators(certified: Certified, trusted: ValidatorSet) -> ValidatorSet:
    try:
        served = decode_validator_set(certified.validator_set)
        served_hash = compute_validators_hash(served)
    except (ConsortiumError, TypeError, ValueError) as error:
        raise _fail(
            ErrorCode.INVALID_VALIDATOR_SET, f"the served set does not decode: {error}"
        ) from None
    if certified.validator_set_height != certified.height:
        raise _fail(
            ErrorCode.WRONG_HEIGHT,
            f"asked for the set of height {certified.height}, "
            f"the node served height {certified.validator_set_height}'s",
        )
    # The node's set is only as good as its anchor: anyone can make up a set and sign.
    if served.validators != trusted.validators:
        raise _fail(
            ErrorCode.UNTRUSTED_VALIDATOR_SET,
            f"the node serves a set (hash {served_hash.hex()[:16]}…) that is not the "
            f"genesis set of {certified.chain_id}: its signatures prove nothing",
        )
    return served


def _check_header(certified: Certified) -> Header:
    try:
        header = decode_header(certified.header)
    except ConsortiumError as error:
        raise _StepFailed(error.to_verdict()) from None
    if header.chain_id != certified.chain_id:
        raise _fail(
            ErrorCode.WRONG_CHAIN_ID,
            f"the header is of chain {header.chain_id!r}, not {certified.chain_id!r}",
        )
    if header.height != certified.height:
        raise _fail(
            ErrorCode.WRONG_HEIGHT,
            f"the header is at height {header.height}, the node said {certified.height}",
        )
    return header


def _check_certified(run: _StepRun, certified: Certified, trusted: ValidatorSet) -> Header:
    """The steps every answer shares: validator set, header, certificate."""
    run.start(STEP_VALIDATORS)
    validators = _check_validators(certified, trusted)
    run.passed(
        f"{len(validators)} validators, power {validators.total_power}, hash "
        f"{compute_validators_hash(validators).hex()[:16]}…: equals the genesis set of "
        f"{certified.chain_id}"
    )

    run.start(STEP_HEADER)
    header = _check_header(certified)
    run.passed(
        f"block {header.hash.hex()[:16]}… of {header.chain_id} at height {header.height}, "
        f"{format_time(header.time_unix_ms)}"
    )

    run.start(STEP_CERTIFICATE)
    try:
        certificate = decode_certificate(certified.certificate)
    except ConsortiumError as error:
        raise _StepFailed(error.to_verdict()) from None
    _require(verify_commit(validators, header, certificate, chain_id=ChainId(certified.chain_id)))
    signers = get_signer_indices(certificate.signer_bitmap)
    signed = sum(validators.get_power(i) for i in signers)
    run.passed(
        f"BLS aggregate of {len(signers)} of {len(validators)} validators "
        f"(power {signed} of {validators.total_power}, more than 2/3) over this header"
    )
    return header


def verify_state_answer(answer: StateAnswer, trusted: ValidatorSet) -> VerificationReport:
    """Check a state answer against the ``trusted`` (genesis) validator set: the served set
    is that set, the header is of the chain and height, its certificate verifies, and the
    proof shows the value (or its absence) under the header's state root."""
    run = _StepRun()
    try:
        header = _check_certified(run, answer.certified, trusted)
        run.start(STEP_STATE_PROOF)
        try:
            proof = decode_state_proof_message(answer.proof)
        except ConsortiumError as error:
            raise _fail(ErrorCode.STATE_PROOF_MALFORMED, error.message) from None
        _require(verify_state_proof(header.state_root, answer.key, answer.value, proof))
        what = (
            f"holds this value ({len(answer.value)} B)"
            if answer.value is not None
            else "holds nothing (non-membership)"
        )
        run.passed(
            f"{format_key(answer.key)} {what} under state root {header.state_root.hex()[:16]}…, "
            f"{len(proof.siblings)} sibling hashes"
        )
    except _StepFailed as failure:
        run.failed(failure.verdict)
    return run.report()


def verify_transaction_answer(answer: TxAnswer, trusted: ValidatorSet) -> VerificationReport:
    """Check a transaction answer against the ``trusted`` validator set: the certified header
    as for state, the bytes are the transaction asked for and signed by their sender for
    this chain, and the RFC 6962 proof puts them in the header's tx root.

    The result code is not checked: the header commits to the transactions, not to their
    results, so the page says it is as the node reports it.
    """
    run = _StepRun()
    try:
        header = _check_certified(run, answer.certified, trusted)

        run.start(STEP_TRANSACTION)
        if compute_tx_id(answer.tx) != answer.tx_id:
            raise _fail(
                ErrorCode.MALFORMED_INPUT,
                f"the node served another transaction (id {compute_tx_id(answer.tx).hex()[:16]}…)",
            )
        try:
            tx = decode_verified_transaction(answer.tx, ChainId(answer.certified.chain_id))
        except ConsortiumError as error:
            raise _StepFailed(error.to_verdict()) from None
        run.passed(
            f"{tx.body.type}: its bytes hash to the id asked, signed by sender "
            f"{tx.body.sender.hex()[:16]}… for {answer.certified.chain_id}"
        )

        run.start(STEP_INCLUSION)
        try:
            proof = decode_inclusion_proof(answer.proof)
        except ConsortiumError as error:
            raise _StepFailed(error.to_verdict()) from None
        # The tree size comes from the certified header, never from the prover.
        if proof.tree_size != header.tx_count:
            raise _fail(
                ErrorCode.MERKLE_TREE_SIZE,
                f"the proof is for a tree of {proof.tree_size}, the header counts "
                f"{header.tx_count} transactions",
            )
        _require(
            verify_leaf_inclusion(
                answer.tx, proof.leaf_index, header.tx_count, proof.hashes, header.tx_root
            )
        )
        run.passed(
            f"leaf {proof.leaf_index} of {header.tx_count} proves to tx root "
            f"{header.tx_root.hex()[:16]}… (RFC 6962, {len(proof.hashes)} hashes)"
        )
    except _StepFailed as failure:
        run.failed(failure.verdict)
    return run.report()


def verify_block_view(view: BlockView, trusted: ValidatorSet) -> VerificationReport:
    """Check a block against the ``trusted`` validator set: the certified header as for
    state, and its transactions recompute the header's tx root."""
    run = _StepRun()
    try:
        header = _check_certified(run, view.certified, trusted)
        run.start(STEP_TX_ROOT)
        try:
            block = decode_block(view.block)
        except ConsortiumError as error:
            raise _StepFailed(error.to_verdict()) from None
        if block.header.raw != header.raw:
            raise _fail(ErrorCode.BLOCK_HASH_MISMATCH, "the block holds another header")
        _require(verify_block_tx_root(block))
        run.passed(
            f"its {len(block.txs)} transactions recompute tx root {header.tx_root.hex()[:16]}…"
        )
    except _StepFailed as failure:
        run.failed(failure.verdict)
    return run.report()


def verify_record_view(view: RecordView, trusted: ValidatorSet, chain_id: str) -> BundleReport:
    """Check a record's bundle against the ``trusted`` (genesis) set of ``chain_id``:
    :func:`verify_record_bundle`'s steps (validator set, header, certificate, state
    proof, record head, fields)."""
    return verify_record_bundle(dict(view.bundle), trusted, chain_id=chain_id)
