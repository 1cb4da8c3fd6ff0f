"""Field-committed records: commit a record field by field, disclose only some fields.

DESIGN §3 "Records for disclosure". A record is a set of named fields. Each
field becomes one salted leaf of an RFC 6962 tree (:mod:`chains.core.merkle`),
leaves in canonical order (field names sorted by their UTF-8 bytes, which is
code-point order). The tree's root is the record's *commitment*. A disclosure
reveals some fields with their salts and an inclusion proof each; the other
fields stay hidden behind their salted leaf hashes.

Encodings (all injective, so no two different fields share a leaf):

- value = type tag (1 byte) || length (4 bytes, big-endian) || payload

  ====  =====  ==========================================================
  tag   type   payload
  ====  =====  ==========================================================
  0x01  bytes  the bytes
  0x02  str    UTF-8 (no normalisation: different code points differ)
  0x03  int    minimal two's-complement big-endian (0 is 0x00, -1 is 0xff,
               128 is 0x00 0x80), as DER encodes an INTEGER
  0x04  bool   0x00 (False) or 0x01 (True)
  ====  =====  ==========================================================

- leaf data = ``b"consortium/record-field/v1"`` || len32(salt) || salt
  || len32(name) || name (UTF-8) || value

The domain tag keeps record leaves apart from transaction leaves; the length
prefixes make the split of the leaf into salt, name and value unique.

Salts are 32 bytes, HMAC-SHA256(seed, ``b"consortium/record-salt/v1"`` ||
name) from a caller-supplied secret *record seed*, so that this module stays
pure and a holder can recompute them. Use a fresh seed per record (e.g.
derived from a master secret and the record's id): the same seed for two
records would give equal fields equal leaf hashes, linking the records.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from hashlib import sha256
from typing import Any

from chains.core.errors import ACCEPTED, ConsortiumError, ErrorCode, Verdict, refuse
from chains.core.merkle import (
    LEAF_PREFIX,
    MerkleTree,
    compute_leaf_hash,
    compute_root_from_leaf_hashes,
    verify_inclusion,
)
from chains.core.types import HASH_LEN, Hash32

FieldValue = str | int | bool | bytes
"""What a record field may hold. Business values (amounts, dates, codes) map onto these."""

SALT_LEN = 32
MIN_SEED_LEN = 16
"""A record seed shorter than 128 bits could be guessed, and with it every salt."""

MAX_PART_LEN = (1 << 32) - 1
"""Names, salts and value payloads are length-prefixed with 4 bytes."""

SALT_DOMAIN = b"consortium/record-salt/v1"
LEAF_DOMAIN = b"consortium/record-field/v1"

TAG_BYTES = 0x01
TAG_STR = 0x02
TAG_INT = 0x03
TAG_BOOL = 0x04


@dataclass(frozen=True, slots=True)
class CommittedRecord:
    """A record as its holder keeps it: everything needed to disclose any field later.

    Tuples are parallel and in canonical order. ``salts`` are secret: a salt
    together with the field's leaf hash lets anyone test guesses of the value.
    """

    commitment: Hash32
    names: tuple[str, ...]
    values: tuple[FieldValue, ...]
    salts: tuple[bytes, ...] = field(repr=False)
    leaf_hashes: tuple[Hash32, ...]
    encoded_values: tuple[bytes, ...] = field(repr=False)
    """The canonical encoding of each value (:func:`encode_field_value`)."""


@dataclass(frozen=True, slots=True)
class DisclosedField:
    """One revealed field: its place in the record, its value, its salt and its proof.

    ``proof`` is the RFC 6962 audit path of leaf ``index`` in the record's tree
    of ``Disclosure.field_count`` leaves.
    """

    index: int
    name: str
    value: FieldValue
    salt: bytes
    proof: tuple[Hash32, ...]


@dataclass(frozen=True, slots=True)
class Disclosure:
    """Some fields of a committed record, in canonical order, with proofs against its commitment."""

    field_count: int
    fields: tuple[DisclosedField, ...]


# --------------------------------------------------------------------------
# Encoding
# --------------------------------------------------------------------------


def _length_prefixed(part: bytes) -> bytes:
    if len(part) > MAX_PART_LEN:
        raise ConsortiumError(ErrorCode.RECORD_MALFORMED, "a record part exceeds 4 GiB")
    return len(part).to_bytes(4, "big") + part


def encode_field_name(name: str) -> bytes:
    """The UTF-8 bytes of a field name; refuses empty names and unencodable text."""
    if not isinstance(name, str) or not name:
        raise ConsortiumError(ErrorCode.RECORD_MALFORMED, "a field name must be a non-empty str")
    try:
        return name.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates have no UTF-8 form
        raise ConsortiumError(
            ErrorCode.RECORD_MALFORMED, f"field name {name!r} is not valid Unicode"
        ) from None


_TAG_BYTES_STR = bytes([TAG_STR])
_TAG_BYTES_INT = bytes([TAG_INT])


def encode_field_value(value: FieldValue) -> bytes:
    """The canonical, typed encoding of one value: tag || len32 || payload (module docs)."""
    # Fast paths for exact str and int (most fields; every node encodes every
    # record it writes); anything else, subclasses included, goes the long way.
    kind = type(value)
    if kind is str:
        try:
            payload = value.encode("utf-8")
        except UnicodeEncodeError:
            raise ConsortiumError(
                ErrorCode.RECORD_MALFORMED, "a str value is not valid Unicode"
            ) from None
        return _TAG_BYTES_STR + _length_prefixed(payload)
    if kind is int:
        width = ((value if value >= 0 else ~value).bit_length() + 8) // 8
        return _TAG_BYTES_INT + _length_prefixed(value.to_bytes(width, "big", signed=True))
    # bool before int: True is an int in Python, but a different value here.
    if isinstance(value, bool):
        tag, payload = TAG_BOOL, b"\x01" if value else b"\x00"
    elif isinstance(value, int):
        # Minimal two's complement: one sign bit on top of the magnitude's bits.
        width = ((value if value >= 0 else ~value).bit_length() + 8) // 8
        tag, payload = TAG_INT, value.to_bytes(width, "big", signed=True)
    elif isinstance(value, str):
        try:
            tag, payload = TAG_STR, value.encode("utf-8")
        except UnicodeEncodeError:
            raise ConsortiumError(
                ErrorCode.RECORD_MALFORMED, "a str value is not valid Unicode"
            ) from None
    elif isinstance(value, bytes):
        tag, payload = TAG_BYTES, value
    else:
        raise ConsortiumError(
            ErrorCode.RECORD_MALFORMED,
            f"a field value must be str, int, bool or bytes, not {type(value).__name__}",
        )
    return bytes([tag]) + _length_prefixed(payload)


def decode_field_value(data: bytes) -> FieldValue:
    """The value whose canonical encoding is ``data``; refuses any other spelling.

    Only the exact output of :func:`encode_field_value` decodes, so a value
    that travelled as bytes (e.g. in a protobuf disclosure) has one meaning.
    Raises ConsortiumError(RECORD_MALFORMED).
    """
    if not isinstance(data, bytes) or len(data) < 5:
        raise ConsortiumError(ErrorCode.RECORD_MALFORMED, "an encoded value needs 5+ bytes")
    tag, length, payload = data[0], int.from_bytes(data[1:5], "big"), data[5:]
    if length != len(payload):
        raise ConsortiumError(ErrorCode.RECORD_MALFORMED, "an encoded value has a wrong length")
    value: FieldValue
    if tag == TAG_BYTES:
        value = payload
    elif tag == TAG_STR:
        try:
            value = payload.decode("utf-8")
        except UnicodeDecodeError:
            raise ConsortiumError(ErrorCode.RECORD_MALFORMED, "a str value is not UTF-8") from None
    elif tag == TAG_INT and payload:
        value = int.from_bytes(payload, "big", signed=True)
    elif tag == TAG_BOOL and payload in (b"\x00", b"\x01"):
        value = payload == b"\x01"
    else:
        raise ConsortiumError(ErrorCode.RECORD_MALFORMED, f"unknown value encoding (tag {tag})")
    if encode_field_value(value) != data:  # e.g. a non-minimal int
        raise ConsortiumError(ErrorCode.RECORD_MALFORMED, "the value is not canonically encoded")
    return value


def compute_field_leaf(name: str, value: FieldValue, salt: bytes) -> bytes:
    """The leaf data of one field: domain || len32(salt) || salt || len32(name) || name || value."""
    if not (isinstance(salt, bytes) and len(salt) == SALT_LEN):
        raise ConsortiumError(ErrorCode.RECORD_MALFORMED, f"a field salt must be {SALT_LEN} bytes")
    return (
        LEAF_DOMAIN
        + _length_prefixed(salt)
        + _length_prefixed(encode_field_name(name))
        + encode_field_value(value)
    )


def compute_field_leaf_hash(name: str, value: FieldValue, salt: bytes) -> Hash32:
    """The RFC 6962 leaf hash of one field (what an undisclosed field shows)."""
    return compute_leaf_hash(compute_field_leaf(name, value, salt))


_LEAF_HASH_PREFIX = LEAF_PREFIX + LEAF_DOMAIN + SALT_LEN.to_bytes(4, "big")
"""What every field leaf's hash input starts with: RFC 6962's leaf byte, the domain, len32(salt)."""
_IPAD = bytes(byte ^ 0x36 for byte in range(256))
_OPAD = bytes(byte ^ 0x5C for byte in range(256))
_SHA256_BLOCK = 64


def _get_hmac_pads(seed: bytes) -> tuple[Any, Any]:
    """SHA-256 states with HMAC-SHA256's inner and outer key pads for ``seed`` absorbed
    (RFC 2104): a salt is then two short hashes, not a new HMAC per field."""
    key = seed if len(seed) <= _SHA256_BLOCK else sha256(seed).digest()
    key = key.ljust(_SHA256_BLOCK, b"\x00")
    return sha256(key.translate(_IPAD)), sha256(key.translate(_OPAD))


def compute_field_salt(seed: bytes, name: str) -> bytes:
    """The 32-byte salt of field ``name``: HMAC-SHA256(seed, SALT_DOMAIN || name)."""
    if not isinstance(seed, bytes) or len(seed) < MIN_SEED_LEN:
        raise ConsortiumError(
            ErrorCode.RECORD_MALFORMED, f"a record seed must be at least {MIN_SEED_LEN} bytes"
        )
    return hmac.digest(seed, SALT_DOMAIN + encode_field_name(name), "sha256")


# --------------------------------------------------------------------------
# Committing and disclosing
# --------------------------------------------------------------------------

_NameParts = tuple[bytes, bytes, bytes]
_NAME_PARTS: dict[str, _NameParts] = {}
_NAME_PARTS_LIMIT = 4096
"""Field names are few (each application has a fixed set), so their parts are kept."""


def _get_name_parts(name: str) -> _NameParts:
    """(UTF-8 name, the salt's HMAC message, the leaf's len32(name) || name) of a field."""
    parts = _NAME_PARTS.get(name) if type(name) is str else None
    if parts is None:
        encoded = encode_field_name(name)
        parts = (encoded, SALT_DOMAIN + encoded, _length_prefixed(encoded))
        if type(name) is str:
            if len(_NAME_PARTS) >= _NAME_PARTS_LIMIT:
                _NAME_PARTS.clear()
            _NAME_PARTS[name] = parts
    return parts


def commit_record(
    fields: Mapping[str, FieldValue] | Iterable[tuple[str, FieldValue]], seed: bytes
) -> CommittedRecord:
    """Commit to ``fields`` (a mapping, or (name, value) pairs) with salts from ``seed``.

    Equal to salting and hashing each field with :func:`compute_field_salt` and
    :func:`compute_field_leaf_hash`, with every name and value encoded once and
    the seed's HMAC pads hashed once: every node commits every record that a
    transaction writes, so this is on the execution path of each block.
    Refuses RECORD_MALFORMED (no fields, a short seed, an unsupported value)
    and RECORD_DUPLICATE_FIELD.
    """
    items = fields.items() if isinstance(fields, Mapping) else fields
    try:
        pairs = list(items)
    except TypeError:
        raise ConsortiumError(ErrorCode.RECORD_MALFORMED, "a record must be a mapping") from None
    if not pairs:
        raise ConsortiumError(ErrorCode.RECORD_MALFORMED, "a record needs at least one field")
    if not isinstance(seed, bytes) or len(seed) < MIN_SEED_LEN:
        raise ConsortiumError(
            ErrorCode.RECORD_MALFORMED, f"a record seed must be at least {MIN_SEED_LEN} bytes"
        )
    # Canonical order: by UTF-8 name. Encoding refuses bad values before anything is hashed.
    by_name: dict[bytes, tuple[str, FieldValue, bytes, bytes, bytes]] = {}
    for pair in pairs:
        if not (isinstance(pair, tuple) and len(pair) == 2):
            raise ConsortiumError(ErrorCode.RECORD_MALFORMED, "record items are (name, value)")
        name, value = pair
        encoded_name, salt_message, leaf_name = _get_name_parts(name)
        if encoded_name in by_name:
            raise ConsortiumError(
                ErrorCode.RECORD_DUPLICATE_FIELD, f"field {name!r} appears more than once"
            )
        by_name[encoded_name] = (name, value, encode_field_value(value), salt_message, leaf_name)
    inner, outer = _get_hmac_pads(seed)
    prefix = _LEAF_HASH_PREFIX
    names, values, salts, leaf_hashes, encoded_values = [], [], [], [], []
    for encoded_name in sorted(by_name):
        name, value, encoded_value, salt_message, leaf_name = by_name[encoded_name]
        inner_hash = inner.copy()
        inner_hash.update(salt_message)
        outer_hash = outer.copy()
        outer_hash.update(inner_hash.digest())
        salt = outer_hash.digest()
        # compute_leaf_hash(compute_field_leaf(...)), each part encoded once.
        leaf_hashes.append(sha256(prefix + salt + leaf_name + encoded_value).digest())
        names.append(name)
        values.append(value)
        salts.append(salt)
        encoded_values.append(encoded_value)
    return CommittedRecord(
        compute_root_from_leaf_hashes(leaf_hashes),
        tuple(names),
        tuple(values),
        tuple(salts),
        tuple(leaf_hashes),
        tuple(encoded_values),
    )


def compute_record_commitment(
    fields: Mapping[str, FieldValue] | Iterable[tuple[str, FieldValue]], seed: bytes
) -> Hash32:
    """The commitment (RFC 6962 root) of ``fields`` with salts from ``seed``."""
    return commit_record(fields, seed).commitment


def disclose_fields(committed: CommittedRecord, names: Iterable[str]) -> Disclosure:
    """A disclosure of the fields ``names`` of ``committed``, in canonical order."""
    wanted = list(names)
    if not wanted:
        raise ConsortiumError(ErrorCode.RECORD_MALFORMED, "a disclosure needs at least one field")
    if len(set(wanted)) != len(wanted):
        raise ConsortiumError(ErrorCode.RECORD_DUPLICATE_FIELD, "a field is asked for twice")
    position = {name: index for index, name in enumerate(committed.names)}
    unknown = [name for name in wanted if name not in position]
    if unknown:
        raise ConsortiumError(
            ErrorCode.RECORD_FIELD_UNKNOWN, f"the record has no field {unknown[0]!r}"
        )
    tree = MerkleTree(committed.leaf_hashes)
    disclosed = tuple(
        DisclosedField(
            index=index,
            name=committed.names[index],
            value=committed.values[index],
            salt=committed.salts[index],
            proof=tree.get_inclusion_proof(index).hashes,
        )
        for index in sorted(position[name] for name in wanted)
    )
    return Disclosure(field_count=len(committed.names), fields=disclosed)


def get_disclosed_values(disclosure: Disclosure) -> dict[str, FieldValue]:
    """The disclosed fields as a name -> value mapping (verify the disclosure first)."""
    return {f.name: f.value for f in disclosure.fields}


def verify_disclosure(commitment: bytes, disclosure: Disclosure) -> Verdict:
    """Check every disclosed field against the record ``commitment``.

    Refuses malformed disclosures (RECORD_MALFORMED), fields out of canonical
    order (RECORD_MALFORMED) or repeated (RECORD_DUPLICATE_FIELD), and any
    field whose name, value, salt, index or proof was altered
    (RECORD_COMMITMENT_MISMATCH, or the MERKLE_* code of a misshapen proof).
    """
    if not (isinstance(commitment, bytes) and len(commitment) == HASH_LEN):
        return refuse(ErrorCode.MERKLE_HASH_LENGTH, "a record commitment must be 32 bytes")
    if not isinstance(disclosure, Disclosure):
        return refuse(ErrorCode.RECORD_MALFORMED, "not a Disclosure")
    count = disclosure.field_count
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        return refuse(ErrorCode.RECORD_MALFORMED, "a record has at least one field")
    fields = disclosure.fields
    if not isinstance(fields, tuple | list) or not fields:
        return refuse(ErrorCode.RECORD_MALFORMED, "a disclosure reveals at least one field")
    previous_index, previous_name = -1, b""
    for disclosed in fields:
        if not isinstance(disclosed, DisclosedField):
            return refuse(ErrorCode.RECORD_MALFORMED, "not a DisclosedField")
        index = disclosed.index
        if isinstance(index, bool) or not isinstance(index, int):
            return refuse(ErrorCode.RECORD_MALFORMED, "a field index must be an integer")
        try:
            leaf = compute_field_leaf(disclosed.name, disclosed.value, disclosed.salt)
            encoded_name = encode_field_name(disclosed.name)
        except ConsortiumError as error:
            return error.to_verdict()
        # Canonical order: indices and names both strictly increasing, so a
        # field cannot appear twice or be presented at a place it does not hold.
        if encoded_name == previous_name or index == previous_index:
            return refuse(
                ErrorCode.RECORD_DUPLICATE_FIELD, f"field {disclosed.name!r} is disclosed twice"
            )
        if index < previous_index or encoded_name < previous_name:
            return refuse(ErrorCode.RECORD_MALFORMED, "disclosed fields are not in canonical order")
        previous_index, previous_name = index, encoded_name
        verdict = verify_inclusion(
            compute_leaf_hash(leaf), index, count, disclosed.proof, commitment
        )
        if verdict.code == ErrorCode.MERKLE_ROOT_MISMATCH:
            return refuse(
                ErrorCode.RECORD_COMMITMENT_MISMATCH,
                f"field {disclosed.name!r} at index {index} does not match the commitment",
            )
        if not verdict.ok:
            return verdict
    return ACCEPTED
