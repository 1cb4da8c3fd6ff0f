"""Field-committed records: commit, disclose any subset, verify; every tampering is refused."""

from __future__ import annotations

import dataclasses
import itertools
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chains.core.errors import ConsortiumError, ErrorCode, Verdict
from chains.core.merkle import MerkleTree, compute_leaf_hash, compute_root_from_leaf_hashes
from chains.core.records import (
    CommittedRecord,
    DisclosedField,
    Disclosure,
    commit_record,
    compute_field_leaf,
    compute_field_leaf_hash,
    compute_field_salt,
    compute_record_commitment,
    disclose_fields,
    encode_field_value,
    get_disclosed_values,
    verify_disclosure,
)

SEED = bytes(range(32))
RECORD = {
    "enterprise_id": "91310000MA1FL0001X",
    "tax_year": 2024,
    "vat_paid_cents": 1_234_567_890_123,
    "clearance": True,
    "certificate": b"\x30\x82\x01\x0a-certificate-bytes",
}
COMMITTED = commit_record(RECORD, SEED)
VECTORS = json.loads((Path(__file__).parent / "vectors" / "records.json").read_text())


def _replace_field(disclosure: Disclosure, position: int, **changes: object) -> Disclosure:
    fields = list(disclosure.fields)
    fields[position] = dataclasses.replace(fields[position], **changes)
    return dataclasses.replace(disclosure, fields=tuple(fields))


# ---- committing ---------------------------------------------------------------


def test_commitment_is_the_root_of_the_sorted_salted_leaves() -> None:
    assert COMMITTED.names == tuple(sorted(RECORD))
    assert COMMITTED.values == tuple(RECORD[name] for name in COMMITTED.names)
    for name, salt, leaf_hash in zip(
        COMMITTED.names, COMMITTED.salts, COMMITTED.leaf_hashes, strict=True
    ):
        assert salt == compute_field_salt(SEED, name)
        assert len(salt) == 32
        assert leaf_hash == compute_leaf_hash(compute_field_leaf(name, RECORD[name], salt))
    assert COMMITTED.commitment == compute_root_from_leaf_hashes(COMMITTED.leaf_hashes)
    assert compute_record_commitment(RECORD, SEED) == COMMITTED.commitment


_FIELD_VALUES = st.one_of(
    st.text(max_size=20), st.integers(), st.booleans(), st.binary(max_size=20)
)


@settings(max_examples=200, deadline=None)
@given(
    fields=st.dictionaries(st.text(min_size=1, max_size=12), _FIELD_VALUES, min_size=1, max_size=8),
    seed=st.binary(min_size=16, max_size=200),
)
def test_the_fast_commitment_equals_field_by_field_hashing(fields: dict, seed: bytes) -> None:
    # commit_record encodes each part once and precomputes the HMAC pads;
    # it must give exactly what the public per-field functions give.
    try:
        committed = commit_record(fields, seed)
    except ConsortiumError:  # e.g. a name with a lone surrogate
        return
    for name, value, salt, leaf_hash, encoded in zip(
        committed.names,
        committed.values,
        committed.salts,
        committed.leaf_hashes,
        committed.encoded_values,
        strict=True,
    ):
        assert salt == compute_field_salt(seed, name)
        assert leaf_hash == compute_field_leaf_hash(name, value, salt)
        assert encoded == encode_field_value(value)
    assert committed.commitment == compute_root_from_leaf_hashes(committed.leaf_hashes)


def test_commitment_does_not_depend_on_insertion_order() -> None:
    reversed_pairs = list(reversed(list(RECORD.items())))
    assert commit_record(reversed_pairs, SEED) == COMMITTED


def test_commitment_depends_on_seed_and_every_value() -> None:
    assert compute_record_commitment(RECORD, b"\x01" * 32) != COMMITTED.commitment
    for name in RECORD:
        changed = {**RECORD, name: "changed"}
        assert compute_record_commitment(changed, SEED) != COMMITTED.commitment


def test_salts_are_per_field_and_per_seed() -> None:
    assert compute_field_salt(SEED, "a") != compute_field_salt(SEED, "b")
    assert compute_field_salt(SEED, "a") != compute_field_salt(b"\x01" * 32, "a")
    assert compute_field_salt(SEED, "a") == compute_field_salt(SEED, "a")


def test_salts_are_not_shown_in_repr() -> None:
    for salt in COMMITTED.salts:
        assert repr(salt) not in repr(COMMITTED)


@pytest.mark.parametrize(
    ("fields", "seed", "code"),
    [
        ({}, SEED, ErrorCode.RECORD_MALFORMED),
        ([], SEED, ErrorCode.RECORD_MALFORMED),
        ([("a", 1), ("a", 2)], SEED, ErrorCode.RECORD_DUPLICATE_FIELD),
        ([("a", 1), ("b", 2), ("a", 1)], SEED, ErrorCode.RECORD_DUPLICATE_FIELD),
        ({"": 1}, SEED, ErrorCode.RECORD_MALFORMED),
        ({"\ud800": 1}, SEED, ErrorCode.RECORD_MALFORMED),
        ({b"a": 1}, SEED, ErrorCode.RECORD_MALFORMED),
        ({1: 1}, SEED, ErrorCode.RECORD_MALFORMED),
        ({"a": 1.5}, SEED, ErrorCode.RECORD_MALFORMED),
        ({"a": None}, SEED, ErrorCode.RECORD_MALFORMED),
        ({"a": "\udfff"}, SEED, ErrorCode.RECORD_MALFORMED),
        ({"a": 1}, b"short", ErrorCode.RECORD_MALFORMED),
        ({"a": 1}, "a text seed of sufficient length", ErrorCode.RECORD_MALFORMED),
        ([("a", 1, 2)], SEED, ErrorCode.RECORD_MALFORMED),
        ("ab", SEED, ErrorCode.RECORD_MALFORMED),
        (None, SEED, ErrorCode.RECORD_MALFORMED),
    ],
)
def test_commit_refusals(fields: object, seed: object, code: ErrorCode) -> None:
    with pytest.raises(ConsortiumError) as caught:
        commit_record(fields, seed)  # type: ignore[arg-type]
    assert caught.value.code == code


def test_a_bad_salt_is_refused() -> None:
    for salt in (b"", b"\x00" * 31, b"\x00" * 33, "0" * 32):
        with pytest.raises(ConsortiumError) as caught:
            compute_field_leaf("a", 1, salt)  # type: ignore[arg-type]
        assert caught.value.code == ErrorCode.RECORD_MALFORMED


# ---- encodings ------------------------------------------------------------------


def test_the_same_text_in_different_types_gives_different_leaves() -> None:
    salt = compute_field_salt(SEED, "x")
    values: list[object] = ["1", 1, b"1", True, "True", b"\x01", 49]
    encodings = {encode_field_value(v) for v in values}  # type: ignore[arg-type]
    assert len(encodings) == len(values)
    leaves = {compute_field_leaf_hash("x", v, salt) for v in values}  # type: ignore[arg-type]
    assert len(leaves) == len(values)
    falsy: list[object] = [0, False, b"", "", b"\x00", "0"]
    assert len({encode_field_value(v) for v in falsy}) == len(falsy)  # type: ignore[arg-type]


def test_name_and_value_boundaries_cannot_shift() -> None:
    salt = compute_field_salt(SEED, "x")
    assert compute_field_leaf("ab", "c", salt) != compute_field_leaf("a", "bc", salt)
    assert compute_field_leaf("a", b"b", salt) != compute_field_leaf("a\x00", b"", salt)


@pytest.mark.parametrize("vector", VECTORS["values"], ids=lambda v: v["name"])
def test_value_encoding_vectors(vector: dict) -> None:
    value = _decode_vector_value(vector)
    assert encode_field_value(value).hex() == vector["encoding"]


def test_record_commitment_vector() -> None:
    record = VECTORS["record"]
    fields = {f["name"]: _decode_vector_value(f) for f in record["fields"]}
    committed = commit_record(fields, bytes.fromhex(record["seed"]))
    assert [s.hex() for s in committed.salts] == record["salts"]
    assert [h.hex() for h in committed.leaf_hashes] == record["leaf_hashes"]
    assert committed.commitment.hex() == record["commitment"]


def _decode_vector_value(vector: dict) -> object:
    kind, raw = vector["type"], vector["value"]
    return {"bytes": bytes.fromhex, "str": str, "int": int, "bool": bool}[kind](raw)


scalar_values = st.one_of(
    st.booleans(),
    st.integers(-(2**80), 2**80),
    st.text(max_size=8),
    st.binary(max_size=8),
)


@given(scalar_values, scalar_values)
def test_value_encoding_is_injective(a: object, b: object) -> None:
    same = type(a) is type(b) and a == b
    assert (encode_field_value(a) == encode_field_value(b)) == same  # type: ignore[arg-type]


@given(st.integers())
def test_int_encoding_is_minimal_twos_complement(value: int) -> None:
    encoded = encode_field_value(value)
    payload = encoded[5:]
    assert int.from_bytes(encoded[1:5], "big") == len(payload)
    assert int.from_bytes(payload, "big", signed=True) == value
    if len(payload) > 1:  # minimal: the top byte is not just sign extension
        assert not (payload[0] == 0x00 and payload[1] < 0x80)
        assert not (payload[0] == 0xFF and payload[1] >= 0x80)


# ---- disclosing ---------------------------------------------------------------


SUBSETS = [
    subset
    for size in range(1, len(RECORD) + 1)
    for subset in itertools.combinations(sorted(RECORD), size)
]


@pytest.mark.parametrize("subset", SUBSETS, ids=lambda s: "+".join(s))
def test_every_subset_discloses_and_verifies(subset: tuple[str, ...]) -> None:
    asked = list(reversed(subset))  # order of the request does not matter
    disclosure = disclose_fields(COMMITTED, asked)
    assert disclosure.field_count == len(RECORD)
    assert [f.name for f in disclosure.fields] == list(subset)
    assert [f.index for f in disclosure.fields] == [COMMITTED.names.index(n) for n in subset]
    assert verify_disclosure(COMMITTED.commitment, disclosure).ok
    assert get_disclosed_values(disclosure) == {name: RECORD[name] for name in subset}
    # Undisclosed fields show nothing but leaf hashes: no name, value or salt.
    hidden = [name for name in RECORD if name not in subset]
    text = repr(disclosure)
    for name in hidden:
        salt = COMMITTED.salts[COMMITTED.names.index(name)]
        assert repr(name) not in text
        assert repr(RECORD[name]) not in text
        assert all(f.salt != salt for f in disclosure.fields)
        assert all(salt not in f.proof for f in disclosure.fields)
    allowed = set(COMMITTED.leaf_hashes) | _interior_hashes(COMMITTED)
    for f in disclosure.fields:
        assert set(f.proof) <= allowed


def _interior_hashes(committed: CommittedRecord) -> set[bytes]:
    tree = MerkleTree(committed.leaf_hashes)
    n = tree.size
    return {h for i in range(n) for h in tree.get_inclusion_proof(i).hashes}


@pytest.mark.parametrize(
    ("names", "code"),
    [
        ([], ErrorCode.RECORD_MALFORMED),
        (["tax_year", "tax_year"], ErrorCode.RECORD_DUPLICATE_FIELD),
        (["tax_year", "turnover"], ErrorCode.RECORD_FIELD_UNKNOWN),
        (["Tax_year"], ErrorCode.RECORD_FIELD_UNKNOWN),
    ],
)
def test_disclose_refusals(names: list[str], code: ErrorCode) -> None:
    with pytest.raises(ConsortiumError) as caught:
        disclose_fields(COMMITTED, names)
    assert caught.value.code == code


# ---- tampering ------------------------------------------------------------------

DISCLOSURE = disclose_fields(COMMITTED, ["tax_year", "clearance", "vat_paid_cents"])
MISMATCH = {
    ErrorCode.RECORD_COMMITMENT_MISMATCH,
    ErrorCode.MERKLE_PROOF_LENGTH,
    ErrorCode.MERKLE_INDEX_OUT_OF_RANGE,
}


def test_the_untouched_disclosure_verifies() -> None:
    assert verify_disclosure(COMMITTED.commitment, DISCLOSURE).ok


@pytest.mark.parametrize("position", range(3))
@pytest.mark.parametrize(
    "value", [2025, "2024", b"2024", True, False, 0, -2024, 1_234_567_890_124, "91310000MA1FL0001Y"]
)
def test_a_changed_value_is_refused(position: int, value: object) -> None:
    if DISCLOSURE.fields[position].value == value and type(value) is type(
        DISCLOSURE.fields[position].value
    ):
        return
    tampered = _replace_field(DISCLOSURE, position, value=value)
    verdict = verify_disclosure(COMMITTED.commitment, tampered)
    assert verdict.code == ErrorCode.RECORD_COMMITMENT_MISMATCH


@pytest.mark.parametrize("position", range(3))
def test_a_changed_salt_is_refused(position: int) -> None:
    salt = DISCLOSURE.fields[position].salt
    for byte in (0, 17, 31):
        flipped = salt[:byte] + bytes([salt[byte] ^ 1]) + salt[byte + 1 :]
        tampered = _replace_field(DISCLOSURE, position, salt=flipped)
        verdict = verify_disclosure(COMMITTED.commitment, tampered)
        assert verdict.code == ErrorCode.RECORD_COMMITMENT_MISMATCH
    for bad in (salt[:-1], salt + b"\x00", b"", "x" * 32):
        tampered = _replace_field(DISCLOSURE, position, salt=bad)
        assert verify_disclosure(COMMITTED.commitment, tampered).code == (
            ErrorCode.RECORD_MALFORMED
        )


@pytest.mark.parametrize("position", range(3))
def test_a_changed_name_is_refused(position: int) -> None:
    for name in ("tax_year ", "Tax_year", "vat_paid", "clearance\x00", "zzz"):
        if name == DISCLOSURE.fields[position].name:
            continue
        tampered = _replace_field(DISCLOSURE, position, name=name)
        verdict = verify_disclosure(COMMITTED.commitment, tampered)
        assert verdict.code in MISMATCH | {ErrorCode.RECORD_MALFORMED}, name
    for bad in ("", None, b"tax_year", "\ud800"):
        tampered = _replace_field(DISCLOSURE, position, name=bad)
        assert verify_disclosure(COMMITTED.commitment, tampered).code == (
            ErrorCode.RECORD_MALFORMED
        )


def test_a_field_moved_to_another_index_is_refused() -> None:
    # clearance is index 1 of 5; claim it sits at 0 (still in order), or at 2.
    assert DISCLOSURE.fields[0].name == "clearance"
    for index in (0, 2):
        tampered = _replace_field(DISCLOSURE, 0, index=index)
        verdict = verify_disclosure(COMMITTED.commitment, tampered)
        assert verdict.code in MISMATCH, index
    # Swap the names (and values, salts) of two disclosed fields, keeping the indices.
    a, b = DISCLOSURE.fields[0], DISCLOSURE.fields[1]
    swapped = dataclasses.replace(
        DISCLOSURE,
        fields=(
            dataclasses.replace(a, name=b.name, value=b.value, salt=b.salt),
            dataclasses.replace(b, name=a.name, value=a.value, salt=a.salt),
            DISCLOSURE.fields[2],
        ),
    )
    assert verify_disclosure(COMMITTED.commitment, swapped).code in {
        ErrorCode.RECORD_COMMITMENT_MISMATCH,
        ErrorCode.RECORD_MALFORMED,
    }
    # Swap whole fields: out of canonical order.
    reordered = dataclasses.replace(DISCLOSURE, fields=(b, a, DISCLOSURE.fields[2]))
    assert verify_disclosure(COMMITTED.commitment, reordered).code == ErrorCode.RECORD_MALFORMED


@pytest.mark.parametrize("index", [-1, 5, 6, 1 << 64, True, "1", 1.0])
def test_impossible_indices_are_refused(index: object) -> None:
    tampered = _replace_field(DISCLOSURE, 2, index=index)
    verdict = verify_disclosure(COMMITTED.commitment, tampered)
    assert verdict.code in {
        ErrorCode.RECORD_MALFORMED,
        ErrorCode.MERKLE_INDEX_OUT_OF_RANGE,
    }, verdict


@pytest.mark.parametrize("position", range(3))
def test_a_changed_proof_is_refused(position: int) -> None:
    proof = DISCLOSURE.fields[position].proof
    for i in range(len(proof)):
        for byte in (0, 31):
            item = bytearray(proof[i])
            item[byte] ^= 0x80
            changed = (*proof[:i], bytes(item), *proof[i + 1 :])
            tampered = _replace_field(DISCLOSURE, position, proof=changed)
            verdict = verify_disclosure(COMMITTED.commitment, tampered)
            assert verdict.code == ErrorCode.RECORD_COMMITMENT_MISMATCH
    for changed, code in [
        (proof[:-1], ErrorCode.MERKLE_PROOF_LENGTH),
        ((*proof, proof[0]), ErrorCode.MERKLE_PROOF_LENGTH),
        ((*proof[:-1], proof[-1][:31]), ErrorCode.MERKLE_HASH_LENGTH),
        (None, ErrorCode.MALFORMED_INPUT),
    ]:
        tampered = _replace_field(DISCLOSURE, position, proof=changed)
        assert verify_disclosure(COMMITTED.commitment, tampered).code == code


@pytest.mark.parametrize("count", [1, 2, 4, 6, 8, 9])
def test_a_changed_field_count_is_refused(count: int) -> None:
    tampered = dataclasses.replace(DISCLOSURE, field_count=count)
    assert not verify_disclosure(COMMITTED.commitment, tampered).ok


@pytest.mark.parametrize("count", [0, -1, True, None, "5"])
def test_an_impossible_field_count_is_refused(count: object) -> None:
    tampered = dataclasses.replace(DISCLOSURE, field_count=count)
    assert verify_disclosure(COMMITTED.commitment, tampered).code == ErrorCode.RECORD_MALFORMED


def test_another_records_commitment_is_refused() -> None:
    other = compute_record_commitment({**RECORD, "tax_year": 2023}, SEED)
    assert verify_disclosure(other, DISCLOSURE).code == ErrorCode.RECORD_COMMITMENT_MISMATCH
    assert verify_disclosure(other[:31], DISCLOSURE).code == ErrorCode.MERKLE_HASH_LENGTH


def test_a_field_disclosed_twice_is_refused() -> None:
    first = DISCLOSURE.fields[0]
    twice = dataclasses.replace(DISCLOSURE, fields=(first, first, *DISCLOSURE.fields[1:]))
    assert verify_disclosure(COMMITTED.commitment, twice).code == (ErrorCode.RECORD_DUPLICATE_FIELD)


def test_malformed_disclosures_are_refused() -> None:
    for bad in (
        dataclasses.replace(DISCLOSURE, fields=()),
        dataclasses.replace(DISCLOSURE, fields=None),
        dataclasses.replace(DISCLOSURE, fields=("not a field",)),
        "not a disclosure",
        None,
    ):
        verdict = verify_disclosure(COMMITTED.commitment, bad)  # type: ignore[arg-type]
        assert verdict.code == ErrorCode.RECORD_MALFORMED


garbage = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**66), 2**66),
    st.floats(),
    st.text(max_size=12),
    st.binary(max_size=40),
    st.binary(min_size=32, max_size=32),
    st.tuples(st.binary(min_size=31, max_size=33)),
    st.lists(st.binary(min_size=32, max_size=32), max_size=5),
)


@settings(max_examples=300)
@given(garbage, garbage, garbage, garbage, garbage, garbage, garbage)
def test_garbage_disclosures_never_crash(
    index: object,
    name: object,
    value: object,
    salt: object,
    proof: object,
    count: object,
    commitment: object,
) -> None:
    disclosed = DisclosedField(index, name, value, salt, proof)  # type: ignore[arg-type]
    for candidate in (
        Disclosure(count, (disclosed,)),  # type: ignore[arg-type]
        Disclosure(5, (disclosed,)),
        Disclosure(5, (DISCLOSURE.fields[0], disclosed)),
    ):
        for root in (commitment, COMMITTED.commitment):
            try:
                verdict = verify_disclosure(root, candidate)  # type: ignore[arg-type]
            except ConsortiumError:
                continue
            assert isinstance(verdict, Verdict)
