"""Offline record bundles: prove a business record to anyone, with no node (docs/bundles.md).

A bundle is one JSON document holding everything needed to check that a
record (an e-invoice, a clearance certificate, any kind) is committed on a
chain at some height, and what some or all of its fields say there:

* the block header at that height and its commit certificate, with the
  validator set that signed it (exact bytes, as the node served them);
* the record's head (``RecordHead``: kind, id, commitment, field count) and a
  state proof of it under the header's state root;
* the disclosed fields, each with its salt and its proof against the head's
  commitment.

:func:`fetch_record_bundle` builds one from a node (checking the node's
answers first); :func:`verify_record_bundle` checks one, purely: it never
raises and never touches the network, a clock or a file, and returns a
:class:`BundleReport` naming each step it checked and, on failure, the
stable code of the first step that failed.

The validator set in a bundle is only as good as its anchor: anyone can make
up a set, sign a header and put any record under it. Pass the set the
verifier trusts (the chain's genesis set: validator sets do not change yet)
as ``trusted_validators``; without it, the report says plainly that the set
was taken from the bundle, and its hash must be compared by hand.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from chains.apps.records import (
    decode_record_body,
    decode_record_head,
    get_record_body_key,
    get_record_key,
)
from chains.core.block import Header, decode_header
from chains.core.consensus.certificate import (
    CommitCertificate,
    decode_certificate,
    encode_certificate,
    get_signer_indices,
    verify_commit,
)
from chains.core.consensus.validators import (
    ValidatorSet,
    compute_validators_hash,
    decode_validator_set,
    encode_validator_set,
)
from chains.core.errors import ACCEPTED, ConsortiumError, ErrorCode, Verdict, refuse
from chains.core.records import (
    CommittedRecord,
    DisclosedField,
    Disclosure,
    FieldValue,
    commit_record,
    decode_field_value,
    disclose_fields,
    encode_field_value,
    verify_disclosure,
)
from chains.core.state_tree import decode_state_proof, encode_state_proof, verify_state_proof
from chains.core.types import Hash32
from chains.core.wire import state_proof_from_proto
from chains.runtime.client import NodeClient, verify_state_response
from chains.tax.app import describe_clearance, describe_invoice
from consortium.v1 import node_pb2

BUNDLE_FORMAT = "consortium/record-bundle/v1"
"""The ``format`` of every bundle this module writes and reads."""

BUNDLE_KEYS = frozenset(
    {
        "format",
        "chain_id",
        "kind",
        "id",
        "height",
        "header",
        "certificate",
        "validator_set",
        "record_head",
        "state_proof",
        "fields",
    }
)
FIELDS_KEYS = frozenset({"field_count", "disclosed"})
DISCLOSED_KEYS = frozenset({"index", "name", "value", "salt", "proof"})
HEX_KEYS = ("header", "certificate", "validator_set", "record_head", "state_proof")

STEP_FORMAT = "format"
STEP_VALIDATORS = "validator set"
STEP_HEADER = "header"
STEP_CERTIFICATE = "certificate"
STEP_STATE_PROOF = "state proof"
STEP_RECORD_HEAD = "record head"
STEP_FIELDS = "fields"
STEPS = (
    STEP_FORMAT,
    STEP_VALIDATORS,
    STEP_HEADER,
    STEP_CERTIFICATE,
    STEP_STATE_PROOF,
    STEP_RECORD_HEAD,
    STEP_FIELDS,
)
"""Every step of :func:`verify_record_bundle`, in the order they run."""

# Lowercase only: with one spelling per byte string, changing any character
# of a hex field changes the bytes (an uppercase digit would be the same bytes).
_HEX = re.compile(r"(?:[0-9a-f]{2})*")
_ACCEPTED_CODE = ErrorCode.ERROR_CODE_UNSPECIFIED


@dataclass(frozen=True, slots=True)
class BundleStep:
    """One checked step: its name, whether it passed, and what it found (or why it failed)."""

    name: str
    ok: bool
    detail: str
    code: ErrorCode = _ACCEPTED_CODE


@dataclass(frozen=True, slots=True)
class BundleReport:
    """What :func:`verify_record_bundle` found.

    ``fields`` holds the disclosed fields only when the whole bundle verified;
    the other values are filled in as far as the steps got (empty or 0 before).
    """

    verdict: Verdict
    steps: tuple[BundleStep, ...]
    chain_id: str = ""
    kind: str = ""
    record_id: str = ""
    height: int = 0
    header_time_unix_ms: int | None = None
    fields: Mapping[str, FieldValue] = field(default_factory=dict)
    field_count: int = 0
    record_version: int = 0
    record_updated_height: int = 0
    validators_hash: bytes = b""
    validator_count: int = 0
    total_power: int = 0
    signer_count: int = 0
    signed_power: int = 0
    anchored: bool = False
    """True when the bundle's validator set was checked against a trusted one."""

    @property
    def ok(self) -> bool:
        """True when every step passed."""
        return self.verdict.ok


# --------------------------------------------------------------------------
# Building a bundle from a node
# --------------------------------------------------------------------------


def _get_validator_set_bytes(client: NodeClient, height: int) -> bytes:
    # The exact bytes the node serves (NodeClient.get_validator_set decodes them).
    response = client.get_validator_set_response(height)
    if response.height != height:
        raise ConsortiumError(
            ErrorCode.WRONG_HEIGHT,
            f"asked for the validator set of height {height}, got {response.height}",
        )
    return response.validator_set


def _require_verified(validators: ValidatorSet, key: bytes, response: object, what: str) -> None:
    checked = verify_state_response(validators, key, response)  # type: ignore[arg-type]
    if not checked.verdict.ok:
        raise ConsortiumError(
            checked.verdict.code,
            f"the node's answer for the record's {what} does not verify: {checked.verdict.message}",
        )


@dataclass(frozen=True, slots=True)
class FetchedRecord:
    """A record read from a node and verified: its certified head, and its fields."""

    response: node_pb2.QueryStateResponse
    """The head with its proof, header and certificate."""
    validator_set: bytes
    """The exact bytes of the validator set that certified the header."""
    committed: CommittedRecord
    """The fields, salted and committed: the head's commitment."""

    @property
    def fields(self) -> Mapping[str, FieldValue]:
        """The record's fields by name."""
        return dict(zip(self.committed.names, self.committed.values, strict=True))


def fetch_verified_record(
    client: NodeClient, kind: str, record_id: str, height: int = 0
) -> FetchedRecord | None:
    """Record ``kind``/``record_id`` at ``height`` (0: latest), or None when the node proves
    it absent. The head is checked against the certified header (certificate by the
    node's validator set, proof under its state root); the body it commits to (a blob,
    see :mod:`chains.apps.records`) by committing it again.

    Raises ConsortiumError: the verification code of an answer that does not verify,
    RECORD_MALFORMED, RECORD_NOT_FOUND (no body), RECORD_COMMITMENT_MISMATCH, or the
    node's own refusal (a NodeError).
    """
    head_key = get_record_key(kind, record_id)
    head_response = client.query_state(head_key, height)
    at = head_response.height
    validator_set_raw = _get_validator_set_bytes(client, at)
    validators = decode_validator_set(validator_set_raw)
    _require_verified(validators, head_key, head_response, "head")
    if not head_response.found:
        return None
    head = decode_record_head(head_response.value)
    if (head.kind, head.id) != (kind, record_id):
        raise ConsortiumError(
            ErrorCode.RECORD_MALFORMED, f"the head under {head_key!r} names {head.kind}/{head.id}"
        )
    # The body of this very version: the blob under its commitment, checked below.
    body_response = client.get_blob(get_record_body_key(head.commitment))
    if not body_response.found:
        raise ConsortiumError(
            ErrorCode.RECORD_NOT_FOUND,
            f"the node has no fields for {kind} {record_id!r} at height {at}",
        )
    seed, values = decode_record_body(body_response.value)
    committed = commit_record(values, seed)
    if committed.commitment != head.commitment:
        raise ConsortiumError(
            ErrorCode.RECORD_COMMITMENT_MISMATCH,
            f"the fields of {kind} {record_id!r} do not match its committed head",
        )
    return FetchedRecord(head_response, validator_set_raw, committed)


def fetch_record_bundle(
    client: NodeClient,
    kind: str,
    record_id: str,
    fields: Sequence[str] | None = None,
    height: int = 0,
) -> dict[str, object]:
    """A bundle (JSON-ready dict) of record ``kind``/``record_id`` at ``height`` (0: latest),
    read and verified by :func:`fetch_verified_record`, disclosing ``fields`` (None: all).

    Raises ConsortiumError: RECORD_NOT_FOUND, RECORD_FIELD_UNKNOWN for a field the
    record does not have, or :func:`fetch_verified_record`'s codes.
    """
    fetched = fetch_verified_record(client, kind, record_id, height)
    if fetched is None:
        raise ConsortiumError(
            ErrorCode.RECORD_NOT_FOUND,
            f"there is no {kind} {record_id!r} at height {height or 'latest'}",
        )
    committed = fetched.committed
    disclosure = disclose_fields(committed, committed.names if fields is None else fields)
    response = fetched.response
    return encode_record_bundle(
        kind,
        record_id,
        response.header,
        response.certificate,
        fetched.validator_set,
        response.value,
        encode_state_proof(state_proof_from_proto(response.proof)),
        disclosure,
    )


def encode_record_bundle(
    kind: str,
    record_id: str,
    header: bytes,
    certificate: bytes,
    validator_set: bytes,
    record_head: bytes,
    state_proof: bytes,
    disclosure: Disclosure,
) -> dict[str, object]:
    """The bundle document (JSON-ready) of these exact bytes and this disclosure.

    The chain id and height are read from ``header``; nothing is checked
    (see :func:`verify_record_bundle`). Raises ConsortiumError(MALFORMED_INPUT)
    when ``header`` does not decode.
    """
    decoded = decode_header(header)
    return {
        "format": BUNDLE_FORMAT,
        "chain_id": decoded.chain_id,
        "kind": kind,
        "id": record_id,
        "height": decoded.height,
        "header": header.hex(),
        "certificate": certificate.hex(),
        "validator_set": validator_set.hex(),
        "record_head": record_head.hex(),
        "state_proof": state_proof.hex(),
        "fields": {
            "field_count": disclosure.field_count,
            "disclosed": [
                {
                    "index": item.index,
                    "name": item.name,
                    "value": encode_field_value(item.value).hex(),
                    "salt": item.salt.hex(),
                    "proof": [sibling.hex() for sibling in item.proof],
                }
                for item in disclosure.fields
            ],
        },
    }


# --------------------------------------------------------------------------
# Verifying a bundle (pure)
# --------------------------------------------------------------------------


class _StepFailed(Exception):
    """Internal: a step refused; carries its verdict to the driver."""

    def __init__(self, verdict: Verdict) -> None:
        super().__init__(verdict.message)
        self.verdict = verdict


def _fail(code: ErrorCode, message: str) -> _StepFailed:
    return _StepFailed(refuse(code, message))


def _check(verdict: Verdict) -> None:
    if not verdict.ok:
        raise _StepFailed(verdict)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_unicode(text: str) -> bool:
    # JSON may spell lone surrogates (backslash-u d800), which have no UTF-8 form.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _get_hex(value: object, where: str) -> bytes:
    if not isinstance(value, str) or not _HEX.fullmatch(value):
        raise _fail(ErrorCode.BUNDLE_MALFORMED, f"{where} must be lowercase hex of whole bytes")
    return bytes.fromhex(value)


def _require_keys(value: object, keys: frozenset[str], where: str) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise _fail(ErrorCode.BUNDLE_MALFORMED, f"{where} must be a JSON object")
    missing = sorted(keys - set(value))
    unknown = sorted(str(k) for k in set(value) - keys)
    if missing or unknown:
        raise _fail(
            ErrorCode.BUNDLE_MALFORMED,
            f"{where}: missing {missing or 'nothing'}, unknown {unknown or 'nothing'}",
        )
    return value


@dataclass(frozen=True, slots=True)
class _RawField:
    index: int
    name: str
    value: bytes
    salt: bytes
    proof: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class _Parsed:
    """The bundle's parts after the format step: hex decoded once, types checked."""

    chain_id: str
    kind: str
    record_id: str
    height: int
    parts: Mapping[str, bytes]
    field_count: int
    disclosed: tuple[_RawField, ...]


MAX_BUNDLE_NESTING = 16
"""A bundle nests 5 deep; JSON nested far deeper could overflow the C parser's stack."""
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_BRACKETS = re.compile(r"[\[\]{}]")


def _is_nested_too_deep(text: str | bytes) -> bool:
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    depth = 0
    for bracket in _JSON_BRACKETS.findall(_JSON_STRING.sub('""', text)):
        depth += 1 if bracket in "[{" else -1
        if depth > MAX_BUNDLE_NESTING:
            return True
    return False


def _parse_document(document: object) -> _Parsed:
    if isinstance(document, bytes | str):
        if _is_nested_too_deep(document):
            raise _fail(
                ErrorCode.BUNDLE_MALFORMED,
                f"not a bundle: JSON nested more than {MAX_BUNDLE_NESTING} deep",
            )
        try:
            document = json.loads(document)
        except (ValueError, RecursionError) as error:
            raise _fail(ErrorCode.BUNDLE_MALFORMED, f"not JSON: {error}") from None
    top = _require_keys(document, BUNDLE_KEYS, "the bundle")
    if top["format"] != BUNDLE_FORMAT:
        raise _fail(
            ErrorCode.BUNDLE_MALFORMED,
            f"format must be {BUNDLE_FORMAT!r}, not {repr(top['format'])[:60]}",
        )
    texts = {name: top[name] for name in ("chain_id", "kind", "id")}
    for name, value in texts.items():
        if not isinstance(value, str) or not value or not _is_unicode(value):
            raise _fail(ErrorCode.BUNDLE_MALFORMED, f"{name} must be a non-empty string")
    height = top["height"]
    if not _is_int(height) or height < 1:
        raise _fail(ErrorCode.BUNDLE_MALFORMED, "height must be an integer of at least 1")
    parts = {name: _get_hex(top[name], name) for name in HEX_KEYS}
    fields = _require_keys(top["fields"], FIELDS_KEYS, "fields")
    field_count = fields["field_count"]
    if not _is_int(field_count) or field_count < 1:
        raise _fail(ErrorCode.BUNDLE_MALFORMED, "fields.field_count must be a positive integer")
    items = fields["disclosed"]
    if not isinstance(items, list) or not items:
        raise _fail(ErrorCode.BUNDLE_MALFORMED, "fields.disclosed must be a non-empty list")
    disclosed = []
    for number, item in enumerate(items):
        where = f"fields.disclosed[{number}]"
        entry = _require_keys(item, DISCLOSED_KEYS, where)
        index, name, proof = entry["index"], entry["name"], entry["proof"]
        if not _is_int(index) or index < 0:
            raise _fail(ErrorCode.BUNDLE_MALFORMED, f"{where}.index must be a non-negative integer")
        if not isinstance(name, str) or not name:
            raise _fail(ErrorCode.BUNDLE_MALFORMED, f"{where}.name must be a non-empty string")
        if not isinstance(proof, list):
            raise _fail(ErrorCode.BUNDLE_MALFORMED, f"{where}.proof must be a list of hex hashes")
        disclosed.append(
            _RawField(
                index,
                name,
                _get_hex(entry["value"], f"{where}.value"),
                _get_hex(entry["salt"], f"{where}.salt"),
                tuple(_get_hex(h, f"{where}.proof[{i}]") for i, h in enumerate(proof)),
            )
        )
    return _Parsed(
        texts["chain_id"],
        texts["kind"],
        texts["id"],
        height,
        parts,
        field_count,
        tuple(disclosed),
    )


def _decode_validators(raw: bytes, trusted: ValidatorSet | None) -> ValidatorSet:
    try:
        validators = decode_validator_set(raw)
    except ConsortiumError as error:
        raise _fail(ErrorCode.BUNDLE_MALFORMED, f"the validator set: {error.message}") from None
    if not validators.validators:
        raise _fail(ErrorCode.BUNDLE_MALFORMED, "the validator set is empty")
    if any(v.voting_power < 1 for v in validators.validators):
        raise _fail(ErrorCode.BUNDLE_MALFORMED, "a validator of the set has no voting power")
    # One encoding per set, so that no other bytes can stand for the same set.
    if encode_validator_set(validators) != raw:
        raise _fail(ErrorCode.BUNDLE_MALFORMED, "the validator set is not canonically encoded")
    if trusted is not None and validators.validators != tuple(trusted.validators):
        raise _fail(
            ErrorCode.BUNDLE_ANCHOR_MISMATCH,
            "the bundle's validator set is not the trusted (genesis) set: "
            "the header may be signed by anyone",
        )
    return validators


def _decode_header(parsed: _Parsed, validators_hash: Hash32) -> Header:
    try:
        header = decode_header(parsed.parts["header"])
    except ConsortiumError as error:
        raise _fail(ErrorCode.BUNDLE_MALFORMED, f"the header: {error.message}") from None
    if header.chain_id != parsed.chain_id:
        raise _fail(
            ErrorCode.WRONG_CHAIN_ID,
            f"the header is of chain {header.chain_id!r}, the bundle says {parsed.chain_id!r}",
        )
    if header.height != parsed.height:
        raise _fail(
            ErrorCode.WRONG_HEIGHT,
            f"the header is at height {header.height}, the bundle says {parsed.height}",
        )
    if header.validators_hash != validators_hash:
        raise _fail(
            ErrorCode.VALIDATORS_HASH_MISMATCH,
            "the header names another validator set than the bundle's",
        )
    return header


def _decode_certificate(raw: bytes) -> CommitCertificate:
    try:
        certificate = decode_certificate(raw)
    except ConsortiumError as error:
        raise _fail(ErrorCode.BUNDLE_MALFORMED, f"the certificate: {error.message}") from None
    if encode_certificate(certificate) != raw:
        raise _fail(ErrorCode.BUNDLE_MALFORMED, "the certificate is not canonically encoded")
    return certificate


def _get_disclosure(parsed: _Parsed, field_count: int) -> Disclosure:
    if parsed.field_count != field_count:
        raise _fail(
            ErrorCode.RECORD_MALFORMED,
            f"the bundle says the record has {parsed.field_count} fields, "
            f"its committed head says {field_count}",
        )
    fields = []
    for item in parsed.disclosed:
        try:
            value = decode_field_value(item.value)
        except ConsortiumError as error:
            raise _fail(error.code, f"field {item.name!r}: {error.message}") from None
        fields.append(DisclosedField(item.index, item.name, value, item.salt, item.proof))
    return Disclosure(field_count, tuple(fields))


def _format_time(time_unix_ms: int) -> str:
    try:
        moment = datetime.datetime.fromtimestamp(time_unix_ms / 1000, tz=datetime.UTC)
    except (OverflowError, OSError, ValueError):
        return f"{time_unix_ms} ms since 1970"
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def verify_record_bundle(
    document: object,
    trusted_validators: ValidatorSet | None = None,
    *,
    chain_id: str | None = None,
) -> BundleReport:
    """Check a bundle (a parsed JSON object, or its text) step by step; never raises.

    Steps, each refusing with its own code (the first failure ends the check):

    1. ``format``: the JSON shape, the format tag, lowercase hex (BUNDLE_MALFORMED);
       WRONG_CHAIN_ID when ``chain_id`` is given and the bundle names another chain.
    2. ``validator set``: it decodes, canonically (BUNDLE_MALFORMED), and is
       ``trusted_validators`` when given (BUNDLE_ANCHOR_MISMATCH).
    3. ``header``: it decodes (BUNDLE_MALFORMED), is of the bundle's chain
       (WRONG_CHAIN_ID) and height (WRONG_HEIGHT), and names the bundle's
       validator set (VALIDATORS_HASH_MISMATCH).
    4. ``certificate``: it decodes, canonically (BUNDLE_MALFORMED), and
       signers holding more than 2/3 of the power signed the header (the codes
       of :func:`verify_commit`: INSUFFICIENT_VOTING_POWER, BAD_SIGNATURE, ...).
    5. ``state proof``: ``rec/<kind>/<id>`` holds the record head bytes under
       the header's state root (STATE_* codes).
    6. ``record head``: it decodes and names the bundle's kind and id (BUNDLE_MALFORMED).
    7. ``fields``: every disclosed field proves against the head's commitment
       and field count (RECORD_* and MERKLE_* codes).
    """
    steps: list[BundleStep] = []
    found: dict[str, object] = {}
    current = STEP_FORMAT

    def passed(detail: str) -> None:
        steps.append(BundleStep(current, True, detail))

    try:
        parsed = _parse_document(document)
        found.update(
            chain_id=parsed.chain_id,
            kind=parsed.kind,
            record_id=parsed.record_id,
            height=parsed.height,
        )
        if chain_id is not None and parsed.chain_id != chain_id:
            raise _fail(
                ErrorCode.WRONG_CHAIN_ID,
                f"the bundle is of chain {parsed.chain_id!r}, the trusted genesis of {chain_id!r}",
            )
        passed(
            f"{parsed.kind} {parsed.record_id} on chain {parsed.chain_id} at height "
            f"{parsed.height}, {len(parsed.disclosed)} of {parsed.field_count} fields disclosed"
        )

        current = STEP_VALIDATORS
        validators = _decode_validators(parsed.parts["validator_set"], trusted_validators)
        validators_hash = compute_validators_hash(validators)
        found.update(
            validators_hash=validators_hash,
            validator_count=len(validators),
            total_power=validators.total_power,
            anchored=trusted_validators is not None,
        )
        anchor = (
            "the trusted genesis set"
            if trusted_validators is not None
            else "taken from the bundle (no trust anchor given)"
        )
        passed(
            f"{len(validators)} validators, power {validators.total_power}, "
            f"hash {validators_hash.hex()}: {anchor}"
        )

        current = STEP_HEADER
        header = _decode_header(parsed, validators_hash)
        found.update(height=header.height, header_time_unix_ms=header.time_unix_ms)
        passed(
            f"block {header.hash.hex()[:16]}… at height {header.height}, "
            f"{_format_time(header.time_unix_ms)}"
        )

        current = STEP_CERTIFICATE
        certificate = _decode_certificate(parsed.parts["certificate"])
        _check(verify_commit(validators, header, certificate))
        signers = get_signer_indices(certificate.signer_bitmap)
        signed_power = sum(validators.get_power(i) for i in signers)
        found.update(signer_count=len(signers), signed_power=signed_power)
        passed(
            f"signed by {len(signers)} of {len(validators)} validators "
            f"(power {signed_power} of {validators.total_power}), more than 2/3"
        )

        current = STEP_STATE_PROOF
        try:
            proof = decode_state_proof(parsed.parts["state_proof"])
        except ConsortiumError as error:
            raise _StepFailed(error.to_verdict()) from None
        key = get_record_key(parsed.kind, parsed.record_id)
        _check(verify_state_proof(header.state_root, key, parsed.parts["record_head"], proof))
        passed(f"{key.decode(errors='replace')} holds the record head under the state root")

        current = STEP_RECORD_HEAD
        try:
            head = decode_record_head(parsed.parts["record_head"])
        except ConsortiumError as error:
            raise _fail(ErrorCode.BUNDLE_MALFORMED, f"the record head: {error.message}") from None
        if (head.kind, head.id) != (parsed.kind, parsed.record_id):
            raise _fail(
                ErrorCode.BUNDLE_MALFORMED,
                f"the proven head is of {head.kind} {head.id!r}, "
                f"not {parsed.kind} {parsed.record_id!r}",
            )
        found.update(
            field_count=head.field_count,
            record_version=head.version,
            record_updated_height=head.updated_height,
        )
        passed(
            f"version {head.version}, last changed at height {head.updated_height}, "
            f"{head.field_count} fields, commitment {head.commitment.hex()[:16]}…"
        )

        current = STEP_FIELDS
        disclosure = _get_disclosure(parsed, head.field_count)
        _check(verify_disclosure(head.commitment, disclosure))
        passed(
            f"{len(disclosure.fields)} of {head.field_count} fields prove against the commitment"
        )
        found["fields"] = {item.name: item.value for item in disclosure.fields}
        verdict = ACCEPTED
    except _StepFailed as failure:
        verdict = failure.verdict
        steps.append(BundleStep(current, False, verdict.message, verdict.code))
    return BundleReport(verdict, tuple(steps), **found)  # type: ignore[arg-type]


# --------------------------------------------------------------------------
# Saying what a report means
# --------------------------------------------------------------------------


def _format_value(value: FieldValue) -> str:
    if isinstance(value, bytes):
        return f"0x{value.hex()}" if len(value) <= 32 else f"0x{value[:32].hex()}… ({len(value)} B)"
    return repr(value) if isinstance(value, str) else str(value)


def describe_state(kind: str, fields: Mapping[str, FieldValue]) -> str:
    """The disclosed fields of a record in words (invoices and certificates by their summary)."""
    if kind == "invoice" and "status" in fields:
        return describe_invoice(fields)
    if kind == "clearance" and "status" in fields:
        return describe_clearance(fields)
    return ", ".join(f"{name}={_format_value(value)}" for name, value in fields.items())


def describe_bundle(report: BundleReport) -> list[str]:
    """What a verified bundle proves, in words, or exactly why it fails."""
    if not report.ok:
        failed = report.steps[-1]
        return [
            f"✗ {failed.name}: {failed.code.name}: {failed.detail}",
            f"NOT verified: do not rely on this {report.kind or 'record'}.",
        ]
    time = (
        _format_time(report.header_time_unix_ms) if report.header_time_unix_ms is not None else "?"
    )
    lines = [
        f"authentic: {report.kind} {report.record_id} is committed on chain {report.chain_id} "
        f"at height {report.height} ({time}), certified by {report.signer_count} of "
        f"{report.validator_count} validators (power {report.signed_power} of "
        f"{report.total_power})",
        f"state at that height: {describe_state(report.kind, report.fields)}",
        f"record version {report.record_version}, last changed at height "
        f"{report.record_updated_height}; {len(report.fields)} of {report.field_count} "
        "fields disclosed",
    ]
    if report.anchored:
        lines.append(
            f"validator set: the trusted genesis set (hash {report.validators_hash.hex()})"
        )
    else:
        lines.append(
            "validator set: taken from the bundle itself, not checked against a genesis; "
            f"its hash is {report.validators_hash.hex()}: compare it with the chain's "
            "genesis validator set (or verify with --genesis)"
        )
    return lines


def get_steps_document(verdict: Verdict, steps: Sequence[BundleStep]) -> dict[str, object]:
    """The outcome and the steps of a check as JSON-ready values (shared by every report)."""
    return {
        "verified": verdict.ok,
        "code": verdict.code.name if not verdict.ok else None,
        "message": verdict.message,
        "steps": [
            {
                "name": step.name,
                "ok": step.ok,
                "code": step.code.name if not step.ok else None,
                "detail": step.detail,
            }
            for step in steps
        ],
    }


def get_report_document(report: BundleReport) -> dict[str, object]:
    """The report as a JSON-ready dict (bytes values as hex, with each value's type)."""

    def encode(value: FieldValue) -> dict[str, object]:
        kind = type(value).__name__
        return {"type": kind, "value": value.hex() if isinstance(value, bytes) else value}

    return {
        **get_steps_document(report.verdict, report.steps),
        "chain_id": report.chain_id,
        "kind": report.kind,
        "id": report.record_id,
        "height": report.height,
        "header_time_unix_ms": report.header_time_unix_ms,
        "record_version": report.record_version,
        "record_updated_height": report.record_updated_height,
        "field_count": report.field_count,
        "fields": {name: encode(value) for name, value in report.fields.items()},
        "validators_hash": report.validators_hash.hex(),
        "anchored": report.anchored,
        "signers": report.signer_count,
        "validators": report.validator_count,
        "signed_power": report.signed_power,
        "total_power": report.total_power,
        "summary": describe_bundle(report),
    }
