"""Helpers for the industry and finance application tests: a genesis with one
organisation of every role, valid codes and seeds, record checks.

Role names, snapshot comparison and suspension live in :mod:`tests.apps.access_suite`."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

from chains.apps.fields import compute_uscc_check_character
from chains.apps.records import (
    RECORD_PREFIX,
    decode_record_head,
    get_record_body_key,
    read_record,
)
from chains.core.crypto import Ed25519KeyPair
from chains.core.records import commit_record, disclose_fields, verify_disclosure
from tests.apps.harness import AppHarness, make_key, make_org


def make_uscc(number: int) -> str:
    """A valid unified social credit code (GB 32100-2015 check character) from ``number``."""
    first17 = f"914403007{number:08d}"
    return first17 + compute_uscc_check_character(first17)


def make_seed(label: str) -> bytes:
    """A 32-byte record seed, different for every label."""
    return hashlib.sha256(b"test-seed/" + label.encode()).digest()


def assert_valid_record(harness: AppHarness, kind: str, record_id: str) -> None:
    """The record is a valid field-committed record: the head commits to the stored fields,
    its field count matches, and a disclosure of each field verifies against it."""
    head_raw = harness.state.get(RECORD_PREFIX + f"{kind}/{record_id}".encode())
    assert head_raw is not None, f"no head for {kind}/{record_id}"
    head = decode_record_head(head_raw)
    assert harness.state.get_blob(get_record_body_key(head.commitment)) is not None
    record = read_record(harness.state, kind, record_id)
    assert record is not None
    assert (head.kind, head.id) == (kind, record_id)
    committed = commit_record(record.fields, record.seed)
    assert head.commitment == committed.commitment == record.commitment
    assert head.field_count == len(record.fields)
    for name in record.fields:
        disclosure = disclose_fields(record.get_committed(), [name])
        assert verify_disclosure(head.commitment, disclosure).ok
    # A disclosure of an altered value must not verify against the same head.
    name = sorted(record.fields)[0]
    altered = {**record.fields, name: _alter(record.fields[name])}
    forged = disclose_fields(commit_record(altered, record.seed), [name])
    assert not verify_disclosure(head.commitment, forged).ok


def _alter(value: object) -> object:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, bytes):
        return value + b"!"
    return f"{value}!"


def get_record_ids(harness: AppHarness) -> list[tuple[str, str]]:
    """Every (kind, id) that has a record head in the harness's state."""
    ids = []
    for key in harness.state.values:
        if key.startswith(RECORD_PREFIX):
            kind, _, record_id = key[len(RECORD_PREFIX) :].decode().partition("/")
            ids.append((kind, record_id))
    return sorted(ids)


def make_role_orgs(
    ids: Mapping[str, str], governing: Sequence[str]
) -> tuple[list[dict[str, object]], dict[str, Ed25519KeyPair]]:
    """Genesis organisations, one per role in ``ids`` (role -> organisation id), and their keys."""
    keys = {role: make_key(f"{role}-key") for role in ids}
    orgs = [make_org(ids[role], role, keys[role], governing=role in governing) for role in ids]
    return orgs, keys
