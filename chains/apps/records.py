"""Business records in a chain's state, committed field by field (DESIGN §3).

Every business record (a filing, an e-invoice, a production report, a loan
decision, ...) is a set of named fields committed with
:func:`chains.core.records.commit_record`. It is kept under two state keys:

* ``rec/<kind>/<id>`` -> ``RecordHead``: the commitment, the field count and
  the version. A state proof of this key proves the record without showing
  any field; a disclosure of some fields proves against the commitment.
* ``recbody/<kind>/<id>`` -> ``RecordBody``: the fields and the seed of their
  salts, for the record's parties and the chain's members.

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
"""State key of a record's fields: ``recbody/<kind>/<id>``."""
MAX_SEED_LEN = 64


def get_record_key(kind: str, record_id: str) -> bytes:
    """The state key of the head (commitment) of record ``kind``/``record_id``."""
    return RECORD_PREFIX + f"{kind}/{record_id}".encode()


def get_record_body_key(kind: str, record_id: str) -> bytes:
    """The state key of the fields of record ``kind``/``record_id``."""
    return RECORD_BODY_PREFIX + f"{kind}/{record_id}".encode()


def get_seed_error(seed: bytes) -> str:
    """Why ``seed`` cannot seed a record's salts (16 to 64 bytes), or ""."""
    if not MIN_SEED_LEN <= len(seed) <= MAX_SEED_LEN:
        return f"a record seed must be {MIN_SEED_LEN} to {MAX_SEED_LEN} bytes, not {len(seed)}"
    return ""


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


def encode_record_body(record: StoredRecord, committed: CommittedRecord | None = None) -> bytes:
    """The ``RecordBody`` bytes stored under the record's body key (fields in canonical order).

    ``committed``: the record's commitment when the caller has it already (saves committing twice).
    """
    committed = committed or record.get_committed()
    return records_pb2.RecordBody(
        seed=record.seed,
        fields=[
            records_pb2.RecordField(name=name, value=value)
            for name, value in zip(committed.names, committed.encoded_values, strict=True)
        ],
    ).SerializeToString()


def decode_record_body(raw: bytes) -> tuple[bytes, dict[str, FieldValue]]:
    """The seed and fields of a stored ``RecordBody``."""
    body = parse_message(records_pb2.RecordBody, raw)
    return body.seed, {field.name: decode_field_value(field.value) for field in body.fields}


def read_record(state: StateReader, kind: str, record_id: str) -> StoredRecord | None:
    """The record ``kind``/``record_id``, or None when it does not exist."""
    head_raw = state.get(get_record_key(kind, record_id))
    body_raw = state.get(get_record_body_key(kind, record_id))
    if head_raw is None or body_raw is None:
        return None
    head = decode_record_head(head_raw)
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
    state.set(get_record_body_key(record.kind, record.id), encode_record_body(record, committed))
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
