"""Business records in state: create, read, update, and disclose against the stored head."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chains.apps.records import (
    MAX_SEED_LEN,
    StoredRecord,
    create_record,
    decode_record_body,
    decode_record_head,
    encode_record_body,
    get_record_body_key,
    get_record_key,
    get_seed_error,
    read_record,
    require_record,
    update_record,
)
from chains.core.app import StateOverlay
from chains.core.errors import ConsortiumError, ErrorCode
from chains.core.records import (
    MIN_SEED_LEN,
    DisclosedField,
    Disclosure,
    FieldValue,
    commit_record,
    disclose_fields,
    verify_disclosure,
)
from consortium.v1 import records_pb2
from tests.app_helpers import DictState

SEED = bytes(range(32))
INVOICE = {
    "invoice_number": "044031900111",
    "amount": 125_000,
    "status": "issued",
    "paid": False,
    "note": b"\x00\x01",
}


def new_state() -> StateOverlay:
    return StateOverlay(DictState())


def commit(overlay: StateOverlay) -> DictState:
    """The overlay's writes applied to fresh state, as a block would commit them."""
    state = DictState()
    state.apply(overlay.get_writes(), overlay.get_blobs())
    return state


def test_keys_name_the_kind_and_id() -> None:
    assert get_record_key("invoice", "044031900111") == b"rec/invoice/044031900111"
    assert get_record_body_key(b"\x07" * 32) == b"recbody/" + b"\x07" * 32


def test_create_then_read_round_trips() -> None:
    overlay = new_state()
    created = create_record(overlay, "invoice", "044031900111", INVOICE, SEED, height=12)
    assert (created.version, created.updated_height) == (1, 12)
    assert created.commitment == commit_record(INVOICE, SEED).commitment
    state = commit(overlay)
    # One state key; the fields are a blob under the commitment, beside the tree.
    assert set(state.values) == {get_record_key("invoice", "044031900111")}
    assert set(state.blobs) == {get_record_body_key(created.commitment)}
    record = read_record(state, "invoice", "044031900111")
    assert record is not None
    assert dict(record.fields) == INVOICE
    assert all(type(record.fields[k]) is type(v) for k, v in INVOICE.items())  # bool stays bool
    assert (record.kind, record.id, record.seed) == ("invoice", "044031900111", SEED)
    assert (record.version, record.updated_height) == (1, 12)
    assert record.commitment == created.commitment
    assert record.get("amount") == 125_000
    assert record.get("missing", "default") == "default"
    head = decode_record_head(state.get(get_record_key("invoice", "044031900111")))
    assert (head.kind, head.id, head.field_count, head.version, head.updated_height) == (
        "invoice",
        "044031900111",
        len(INVOICE),
        1,
        12,
    )
    assert head.commitment == commit_record(INVOICE, SEED).commitment


def test_the_body_keeps_fields_in_canonical_order() -> None:
    overlay = new_state()
    created = create_record(overlay, "invoice", "1", INVOICE, SEED, height=1)
    seed, fields = decode_record_body(overlay.get_blob(get_record_body_key(created.commitment)))
    assert seed == SEED
    assert list(fields) == sorted(INVOICE)


def test_update_writes_the_next_version_and_keeps_the_seed() -> None:
    overlay = new_state()
    first = create_record(overlay, "invoice", "1", INVOICE, SEED, height=3)
    second = update_record(overlay, first, {"status": "reimbursed", "paid": True}, height=9)
    assert (second.version, second.updated_height, second.seed) == (2, 9, SEED)
    expected = {**INVOICE, "status": "reimbursed", "paid": True}
    assert second.commitment == commit_record(expected, SEED).commitment
    assert second.commitment != first.commitment
    record = require_record(commit(overlay), "invoice", "1")
    assert dict(record.fields) == expected
    assert (record.version, record.updated_height) == (2, 9)
    # An unchanged field keeps its leaf; a changed one does not.
    before, after = first.get_committed(), record.get_committed()
    index = before.names.index("amount")
    assert before.leaf_hashes[index] == after.leaf_hashes[index]
    index = before.names.index("status")
    assert before.leaf_hashes[index] != after.leaf_hashes[index]
    third = update_record(overlay, record, {}, height=10)
    assert third.version == 3 and third.commitment == second.commitment


def test_creating_an_existing_record_is_refused() -> None:
    overlay = new_state()
    create_record(overlay, "invoice", "1", INVOICE, SEED, height=1)
    with pytest.raises(ConsortiumError) as raised:
        create_record(overlay, "invoice", "1", {"other": 1}, SEED, height=2)
    assert raised.value.code == ErrorCode.RECORD_EXISTS
    with pytest.raises(ConsortiumError) as raised:
        create_record(
            overlay, "invoice", "1", INVOICE, SEED, 2, exists_code=ErrorCode.INVOICE_EXISTS
        )
    assert raised.value.code == ErrorCode.INVOICE_EXISTS
    # Another kind with the same id is another record.
    create_record(overlay, "clearance", "1", INVOICE, SEED, height=2)
    assert read_record(overlay, "invoice", "1").version == 1


def test_a_missing_record_is_not_found() -> None:
    state = DictState()
    assert read_record(state, "invoice", "nope") is None
    with pytest.raises(ConsortiumError) as raised:
        require_record(state, "invoice", "nope")
    assert raised.value.code == ErrorCode.RECORD_NOT_FOUND


@pytest.mark.parametrize("length", [0, 1, MIN_SEED_LEN - 1, MAX_SEED_LEN + 1, 200])
def test_a_seed_outside_16_to_64_bytes_is_refused(length: int) -> None:
    assert get_seed_error(b"\x01" * length)
    overlay = new_state()
    with pytest.raises(ConsortiumError) as raised:
        create_record(overlay, "invoice", "1", INVOICE, b"\x01" * length, height=1)
    assert raised.value.code == ErrorCode.INVALID_FIELD_VALUE
    assert not overlay.get_writes()


@pytest.mark.parametrize("length", [MIN_SEED_LEN, 32, MAX_SEED_LEN])
def test_seeds_of_16_to_64_bytes_are_accepted(length: int) -> None:
    assert get_seed_error(b"\x01" * length) == ""
    overlay = new_state()
    create_record(overlay, "invoice", "1", INVOICE, b"\x01" * length, height=1)
    assert read_record(overlay, "invoice", "1").seed == b"\x01" * length


@pytest.mark.parametrize(
    "raw",
    [b"", b"\xff\xff", b"\x0a\x03inv"],  # empty, garbage, a head with no commitment
    ids=["empty", "garbage", "no commitment"],
)
def test_a_malformed_head_is_refused(raw: bytes) -> None:
    with pytest.raises(ConsortiumError) as raised:
        decode_record_head(raw)
    assert raised.value.code in (ErrorCode.MALFORMED_INPUT, ErrorCode.RECORD_MALFORMED)


field_names = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12)
field_values = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.booleans(),
    st.binary(max_size=20),
)
field_maps = st.dictionaries(field_names, field_values, min_size=1, max_size=12)


@settings(max_examples=80, deadline=None)
@given(
    fields=field_maps, seed=st.binary(min_size=MIN_SEED_LEN, max_size=MAX_SEED_LEN), data=st.data()
)
def test_any_disclosed_subset_verifies_against_the_stored_head(
    fields: dict[str, FieldValue], seed: bytes, data: st.DataObject
) -> None:
    overlay = new_state()
    create_record(overlay, "kind", "id-1", fields, seed, height=5)
    state = commit(overlay)
    head = decode_record_head(state.get(get_record_key("kind", "id-1")))
    assert head.field_count == len(fields)
    assert head.commitment == commit_record(fields, seed).commitment
    record = require_record(state, "kind", "id-1")
    names = data.draw(
        st.lists(st.sampled_from(sorted(fields)), min_size=1, unique=True), label="disclosed"
    )
    disclosure = disclose_fields(record.get_committed(), names)
    assert disclosure.field_count == head.field_count
    assert verify_disclosure(head.commitment, disclosure).ok
    assert {f.name: f.value for f in disclosure.fields} == {n: fields[n] for n in names}
    # Any other value for a disclosed field is refused.
    first = disclosure.fields[0]
    other: FieldValue = first.value + b"x" if isinstance(first.value, bytes) else b"other"
    forged = DisclosedField(first.index, first.name, other, first.salt, first.proof)
    verdict = verify_disclosure(
        head.commitment, Disclosure(disclosure.field_count, (forged, *disclosure.fields[1:]))
    )
    assert verdict.code == ErrorCode.RECORD_COMMITMENT_MISMATCH


def test_every_version_keeps_its_own_body_beside_the_tree() -> None:
    overlay = new_state()
    first = create_record(overlay, "invoice", "1", INVOICE, SEED, height=3)
    second = update_record(overlay, first, {"status": "reimbursed"}, height=9)
    state = commit(overlay)
    assert set(state.values) == {get_record_key("invoice", "1")}
    for version in (first, second):
        seed, fields = decode_record_body(state.get_blob(get_record_body_key(version.commitment)))
        assert commit_record(fields, seed).commitment == version.commitment


def test_a_head_whose_body_is_missing_is_a_malformed_record() -> None:
    overlay = new_state()
    create_record(overlay, "invoice", "1", INVOICE, SEED, height=1)
    state = DictState()
    state.apply(overlay.get_writes())  # the head without its blob: a damaged store
    with pytest.raises(ConsortiumError) as raised:
        read_record(state, "invoice", "1")
    assert raised.value.code == ErrorCode.RECORD_MALFORMED


FIELD_VALUES = st.one_of(
    st.text(max_size=300), st.integers(), st.booleans(), st.binary(max_size=20_000)
)


@settings(max_examples=150, deadline=None)
@given(
    fields=st.dictionaries(st.text(min_size=1, max_size=200), FIELD_VALUES, min_size=1, max_size=8),
    seed=st.binary(min_size=16, max_size=64),
)
def test_a_body_is_exactly_its_protobuf_encoding(fields: dict, seed: bytes) -> None:
    # The body is written without building protobuf messages; it must be the same bytes,
    # for names and values on both sides of every varint length boundary.
    try:
        committed = commit_record(fields, seed)
    except ConsortiumError:
        return  # e.g. a name with a lone surrogate: no record to encode
    record = StoredRecord("k", "1", fields, seed, committed.commitment, 1, 1)
    expected = records_pb2.RecordBody(
        seed=seed,
        fields=[
            records_pb2.RecordField(name=name, value=value)
            for name, value in zip(committed.names, committed.encoded_values, strict=True)
        ],
    ).SerializeToString()
    assert encode_record_body(record, committed) == expected
    assert decode_record_body(expected) == (seed, dict(fields))
