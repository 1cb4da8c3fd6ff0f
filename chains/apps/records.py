"""Business records in a chain's state, committed field by field (DESIGN §3).

Every business record (a filing, an e-invoice, a production report, a loan
decision, ...) is a set of named fields committed with
:func:`chains.core.records.commit_record`. It is kept in two parts:

* the state key ``rec/<kind>/<id>`` -> ``RecordHead``: the commitment, the
  field count and the version. A state proof of this key proves the record
  without showing any field; a disclosure of some fields proves against the
  commitment.
* the blob ``recbody/<commitment>`` -> ``RecordBody``: the fields and the seed
  of their salts, for the record's parties and the chain's members. A blob is
  stored beside the state tree, not in it (:mod:`chains.core.app`): the head's
  commitment already binds every field, and a body is checked by committing it
  again. So a record costs the tree one key, and each version of a record
  keeps its own body, readable for as long as the node keeps blobs.

The seed comes from the transaction that creates the record (chosen by its
submitter, so execution stays deterministic); later versions keep it, so a
field that did not change keeps its salt and leaf hash.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from chains.core.app import StateOverlay, StateReader
from chains.core.errors import ConsortiumError, ErrorCode
from chains.core.protobuf import parse_message
from chains.core.records import (
    MIN_SEED_LEN,
    CommittedRecord,
    FieldValue,
    commit_record,
    decode_field_value,
)
from chains.core.types import Hash32
from consortium.v1 import records_pb2

RECORD_PREFIX = b"rec/"
"""State key of a record's head: ``rec/<kind>/<id>``."""
RECORD_BODY_PREFIX = b"recbody/"
"""Blob key of a record's fields: ``recbody/<commitment>`` (32 bytes)."""
MAX_SEED_LEN = 64


def get_record_key(kind: str, record_id: str) -> bytes:
    """The state key of the head (commitment) of record ``kind``/``record_id``."""
    return RECORD_PREFIX + f"{kind}/{record_id}".encode()


def get_record_body_key(commitment: bytes) -> bytes:
    """The blob key of the fields of the record version with this ``commitment``."""
    return RECORD_BODY_PREFIX + commitment


def get_seed_error(seed: bytes) -> str:
    """Why ``seed`` cannot seed a record's salts (16 to 64 bytes), or ""."""
    if not MIN_SEED_LEN <= len(seed) <= MAX_SEED_LEN:
        return f"a record seed must be {MIN_SEED_LEN} to {MAX_SEED_LEN} bytes, not {len(seed)}"
    return ""


def get_record_seed_error(seed: bytes) -> str:
    """:func:`get_seed_error` for a payload's ``record_seed`` field, naming the field."""
    problem = get_seed_error(seed)
    return f"record_seed: {problem}" if problem else ""


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """A record as the chain holds it: its fields, seed, commitment and version."""

    kind: str
    id: str
    fields: Mapping[str, FieldValue]
    seed: bytes
    commitment: Hash32
    version: int
    updated_height: int

    def get(self, name: str, default: FieldValue | None = None) -> FieldValue | None:
        """The value of field ``name`` (``default`` when the record has no such field)."""
        return self.fields.get(name, default)

    def get_committed(self) -> CommittedRecord:
        """The record with its salts and leaf hashes, ready for :func:`disclose_fields`."""
        return commit_record(self.fields, self.seed)


def encode_record_head(record: StoredRecord) -> bytes:
    """The ``RecordHead`` bytes stored under the record's key."""
    return records_pb2.RecordHead(
        kind=record.kind,
        id=record.id,
        commitment=record.commitment,
        field_count=len(record.fields),
        version=record.version,
        updated_height=record.updated_height,
    ).SerializeToString()


def decode_record_head(raw: bytes) -> records_pb2.RecordHead:
    """A stored ``RecordHead``; raises ConsortiumError(MALFORMED_INPUT or RECORD_MALFORMED)."""
    head = parse_message(records_pb2.RecordHead, raw)
    if len(head.commitment) != 32 or head.field_count < 1 or head.version < 1:
        raise ConsortiumError(ErrorCode.RECORD_MALFORMED, "a record head has an impossible shape")
    return head


def _encode_varint(number: int) -> bytes:
    # Protobuf's base-128 varint: 7 bits a byte, low bits first, high bit set on all but the last.
    if number < 0x80:
        return _SMALL_VARINTS[number]
    out = bytearray()
    while number >= 0x80:
        out.append(number & 0x7F | 0x80)
        number >>= 7
    out.append(number)
    return bytes(out)


_SMALL_VARINTS = [bytes((number,)) for number in range(0x80)]
_BODY_SEED_TAG = b"\x0a"  # RecordBody.seed: field 1, length-delimited
_BODY_FIELD_TAG = b"\x12"  # RecordBody.fields: field 2, length-delimited
_FIELD_HEADS: dict[str, bytes] = {}
_FIELD_HEADS_LIMIT = 4096


def _get_field_head(name: str) -> bytes:
    # RecordField.name (field 1) in full, then RecordField.value's tag (field 2).
    head = _FIELD_HEADS.get(name)
    if head is None:
        encoded = name.encode()
        head = b"\x0a" + _encode_varint(len(encoded)) + encoded + b"\x12"
        if len(_FIELD_HEADS) >= _FIELD_HEADS_LIMIT:
            _FIELD_HEADS.clear()
        _FIELD_HEADS[name] = head
    return head


def encode_record_body(record: StoredRecord, committed: CommittedRecord | None = None) -> bytes:
    """The ``RecordBody`` bytes of the record's blob (fields in canonical order).

    ``committed``: the record's commitment when the caller has it already (saves committing
    twice). The bytes are exactly ``RecordBody(...).SerializeToString()``, written directly:
    every node encodes a body for every record a transaction writes, and building the
    protobuf messages field by field costs several times more.
    """
    committed = committed or record.get_committed()
    seed = record.seed
    parts = [_BODY_SEED_TAG, _encode_varint(len(seed)), seed] if seed else []
    append = parts.append
    for name, value in zip(committed.names, committed.encoded_values, strict=True):
        head = _get_field_head(name)
        value_len = _encode_varint(len(value))
        append(_BODY_FIELD_TAG)
        append(_encode_varint(len(head) + len(value_len) + len(value)))
        append(head)
        append(value_len)
        append(value)
    return b"".join(parts)


def decode_record_body(raw: bytes) -> tuple[bytes, dict[str, FieldValue]]:
    """The seed and fields of a stored ``RecordBody``."""
    body = parse_message(records_pb2.RecordBody, raw)
    return body.seed, {field.name: decode_field_value(field.value) for field in body.fields}


def read_record(state: StateReader, kind: str, record_id: str) -> StoredRecord | None:
    """The record ``kind``/``record_id``, or None when it does not exist.

    Raises ConsortiumError(RECORD_MALFORMED) when the head's body is missing.
    """
    head_raw = state.get(get_record_key(kind, record_id))
    if head_raw is None:
        return None
    head = decode_record_head(head_raw)
    body_raw = state.get_blob(get_record_body_key(head.commitment))
    if body_raw is None:
        # Every node stores the body in the same commit as the head: this store is damaged.
        raise ConsortiumError(
            ErrorCode.RECORD_MALFORMED, f"the fields of {kind} {record_id!r} are missing"
        )
    seed, fields = decode_record_body(body_raw)
    return StoredRecord(
        kind, record_id, fields, seed, Hash32(head.commitment), head.version, head.updated_height
    )


def require_record(state: StateReader, kind: str, record_id: str) -> StoredRecord:
    """The record ``kind``/``record_id``; raises ConsortiumError(RECORD_NOT_FOUND)."""
    record = read_record(state, kind, record_id)
    if record is None:
        raise ConsortiumError(ErrorCode.RECORD_NOT_FOUND, f"there is no {kind} {record_id!r}")
    return record


def _store(state: StateOverlay, record: StoredRecord, committed: CommittedRecord) -> StoredRecord:
    state.set(get_record_key(record.kind, record.id), encode_record_head(record))
    body_key = get_record_body_key(record.commitment)
    state.put_blob(body_key, encode_record_body(record, committed))
    return record


def create_record(
    state: StateOverlay,
    kind: str,
    record_id: str,
    fields: Mapping[str, FieldValue],
    seed: bytes,
    height: int,
    exists_code: ErrorCode = ErrorCode.RECORD_EXISTS,
) -> StoredRecord:
    """Write a new record (version 1); raises ``exists_code`` when it already exists."""
    if state.get(get_record_key(kind, record_id)) is not None:
        raise ConsortiumError(exists_code, f"{kind} {record_id!r} already exists")
    problem = get_seed_error(seed)
    if problem:
        raise ConsortiumError(ErrorCode.INVALID_FIELD_VALUE, problem)
    fields = dict(fields)
    committed = commit_record(fields, seed)
    record = StoredRecord(kind, record_id, fields, seed, committed.commitment, 1, height)
    return _store(state, record, committed)


def update_record(
    state: StateOverlay, record: StoredRecord, changes: Mapping[str, FieldValue], height: int
) -> StoredRecord:
    """Write the next version of ``record`` with ``changes`` applied (new fields may appear)."""
    fields = {**record.fields, **changes}
    committed = commit_record(fields, record.seed)
    version = record.version + 1
    updated = StoredRecord(
        record.kind, record.id, fields, record.seed, committed.commitment, version, height
    )
    return _store(state, updated, committed)
