"""Offline record bundles: a real certified header over a real state tree, then every tampering.

Everything is built in-process: four validators with fixed BLS keys sign a
header whose state root is a :class:`StateTree` holding an e-invoice, a
clearance certificate and other records. A bundle of the invoice verifies;
changing any part of it is refused with the code of the step that catches
it, and nothing ever raises.
"""

from __future__ import annotations

import copy
import datetime
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chains.apps.bundle import (
    BUNDLE_FORMAT,
    BUNDLE_KEYS,
    DISCLOSED_KEYS,
    FIELDS_KEYS,
    HEX_KEYS,
    STEPS,
    BundleReport,
    describe_bundle,
    encode_record_bundle,
    get_report_document,
    verify_record_bundle,
)
from chains.apps.records import (
    create_record,
    decode_record_body,
    decode_record_head,
    get_record_body_key,
    get_record_key,
    update_record,
)
from chains.core.app import StateOverlay
from chains.core.block import Header, decode_header, encode_header
from chains.core.consensus.certificate import (
    CommitCertificate,
    compute_signer_bitmap,
    encode_certificate,
)
from chains.core.consensus.messages import VoteType, compute_vote_sign_bytes
from chains.core.consensus.signing import BlsScheme
from chains.core.consensus.validators import (
    Validator,
    ValidatorSet,
    compute_validators_hash,
    encode_validator_set,
)
from chains.core.crypto.bls import get_bls
from chains.core.errors import ErrorCode
from chains.core.records import commit_record, disclose_fields
from chains.core.state_tree import StateTree, encode_state_proof
from chains.core.types import ChainId, Height, Round, Version
from chains.tax.invoices import BLANK_INVOICE
from consortium.v1 import consensus_pb2
from tests.app_helpers import DictState

SCHEME = BlsScheme()
CHAIN = "tax-1"
HEIGHT = 812
TIME_MS = int(datetime.datetime(2026, 11, 27, 11, 40, 2, tzinfo=datetime.UTC).timestamp() * 1000)
INVOICE = "044031900111"
OTHER_INVOICE = "044031900112"
CLEARANCE = "TC-2026-0001"
SELLER = "91440300MA5F00001X"
PRODUCTION = f"{SELLER}:R-7"

INVOICE_FIELDS = {
    **BLANK_INVOICE,
    "invoice_number": INVOICE,
    "invoice_type": "blue",
    "seller": SELLER,
    "seller_name": "Shenzhen Widgets Ltd",
    "buyer": "bank-icbc-sz",
    "holder": "bank-icbc-sz",
    "amount": 100_000,
    "tax_amount": 13_000,
    "tax_rate_bp": 1300,
    "issued_on": "2026-11-02",
    "description": "office chairs",
    "status": "issued",
    "issued_height": 700,
}
REIMBURSED = {
    "status": "reimbursed",
    "locked_by": "bank-icbc-sz",
    "reimbursed_by": "bank-icbc-sz",
    "reimbursed_height": 790,
    "reimbursement_ref": "EXP-2026-0042",
}
CLEARANCE_FIELDS = {
    "certificate_id": CLEARANCE,
    "enterprise": SELLER,
    "enterprise_name": "Shenzhen Widgets Ltd",
    "period_from": "2025-Q1",
    "period_to": "2025-Q4",
    "issued_on": "2026-01-05",
    "valid_until": "2026-06-30",
    "statement": "no tax arrears for the periods covered",
    "issued_by": "tax-bureau",
    "status": "valid",
    "revoked_reason": "",
}
PRODUCTION_FIELDS = {
    "report_id": "R-7",
    "enterprise": SELLER,
    "period": "2026-10",
    "product": "chairs",
    "quantity": 1200,
    "unit": "pieces",
    "output_value": 3_600_000,
    "attestation": "not_required",
    "attested_by": "",
    "attestation_note": "",
    "attested_height": 0,
}


def get_secret_key(index: int, base: int) -> int:
    return base + index


@cache
def make_validator(index: int, base: int = 1000) -> Validator:
    secret_key = get_secret_key(index, base)
    return Validator(
        name=f"validator-{index}",
        public_key=SCHEME.get_public_key(secret_key),
        proof_of_possession=get_bls().PopProve(secret_key),
        voting_power=10,
    )


@cache
def make_validators(base: int = 1000) -> ValidatorSet:
    return ValidatorSet(tuple(make_validator(i, base) for i in range(4)))


def sign_header(header: Header, signers: Sequence[int], base: int = 1000) -> bytes:
    """The encoded certificate of ``signers``' precommits for ``header`` (no quorum check)."""
    message = compute_vote_sign_bytes(
        VoteType.PRECOMMIT, header.chain_id, header.height, Round(0), header.hash
    )
    certificate = CommitCertificate(
        height=header.height,
        round=Round(0),
        block_hash=header.hash,
        signer_bitmap=compute_signer_bitmap(signers, 4),
        aggregate_signature=SCHEME.aggregate(
            [SCHEME.sign(get_secret_key(i, base), message) for i in signers]
        ),
    )
    return encode_certificate(certificate)


@dataclass(frozen=True)
class World:
    """A state tree at one height with its blobs, its header signed by some validators,
    and their set."""

    validators: ValidatorSet
    tree: StateTree
    blobs: Mapping[bytes, bytes]
    header: Header
    certificate: bytes

    def make_bundle(self, kind: str, record_id: str, names: Sequence[str] | None = None) -> dict:
        version = Version(self.header.height)
        head_key = get_record_key(kind, record_id)
        head, proof = self.tree.get_with_proof(head_key, version)
        assert head is not None
        body = self.blobs[get_record_body_key(decode_record_head(head).commitment)]
        seed, fields = decode_record_body(body)
        committed = commit_record(fields, seed)
        disclosure = disclose_fields(committed, committed.names if names is None else names)
        return encode_record_bundle(
            kind,
            record_id,
            self.header.raw,
            self.certificate,
            encode_validator_set(self.validators),
            head,
            encode_state_proof(proof),
            disclosure,
        )


@cache
def make_world(
    chain_id: str = CHAIN,
    base: int = 1000,
    signers: tuple[int, ...] = (0, 1, 2, 3),
    height: int = HEIGHT,
) -> World:
    overlay = StateOverlay(DictState())
    invoice = create_record(overlay, "invoice", INVOICE, INVOICE_FIELDS, b"s" * 32, 700)
    update_record(overlay, invoice, REIMBURSED, 790)
    other = {**INVOICE_FIELDS, "invoice_number": OTHER_INVOICE, "amount": 5, "tax_amount": 1}
    create_record(overlay, "invoice", OTHER_INVOICE, other, b"t" * 32, 701)
    create_record(overlay, "clearance", CLEARANCE, CLEARANCE_FIELDS, b"c" * 32, 702)
    create_record(overlay, "production", PRODUCTION, PRODUCTION_FIELDS, b"p" * 32, 703)
    # A record whose kind and id split the same key differently: rec/inv/oice/1.
    create_record(overlay, "inv", "oice/1", {"x": 1}, b"q" * 32, 704)
    for index in range(40):  # other state, so that proofs have some depth
        overlay.set(f"org/member-{index}".encode(), index.to_bytes(4, "big"))
    tree = StateTree()
    root = tree.apply_updates(Version(height), dict(overlay.get_writes()))
    validators = make_validators(base)
    header = decode_header(
        encode_header(
            chain_id=ChainId(chain_id),
            height=Height(height),
            time_unix_ms=TIME_MS,
            prev_block_hash=b"\x01" * 32,
            tx_root=b"\x02" * 32,
            tx_count=0,
            state_root=root,
            validators_hash=compute_validators_hash(validators),
            next_validators_hash=compute_validators_hash(validators),
            proposer=validators.get_public_key(0),
        )
    )
    blobs = dict(overlay.get_blobs())
    return World(validators, tree, blobs, header, sign_header(header, signers, base))


WORLD = make_world()
TRUSTED = make_validators()


@cache
def _bundle_text(
    kind: str = "invoice", record_id: str = INVOICE, names: tuple | None = None
) -> str:
    return json.dumps(WORLD.make_bundle(kind, record_id, names))


def make_bundle(
    kind: str = "invoice", record_id: str = INVOICE, names: tuple[str, ...] | None = None
) -> dict:
    """A fresh (mutable) copy of a valid bundle."""
    return json.loads(_bundle_text(kind, record_id, names))


def verify(document: object, anchored: bool = True) -> BundleReport:
    return verify_record_bundle(document, TRUSTED if anchored else None)


def assert_code(report: BundleReport, code: ErrorCode, step: str | None = None) -> None:
    assert not report.ok
    assert report.verdict.code == code, f"expected {code.name}, got {report.verdict}"
    failed = report.steps[-1]
    assert (failed.ok, failed.code) == (False, code)
    assert all(s.ok for s in report.steps[:-1])
    assert [s.name for s in report.steps] == list(STEPS[: len(report.steps)])
    if step is not None:
        assert failed.name == step
    assert not report.fields  # nothing of an unverified bundle is handed out


# ---------------------------------------------------------------------------
# Bundles that verify
# ---------------------------------------------------------------------------


def test_an_invoice_bundle_verifies_with_every_step() -> None:
    report = verify(make_bundle())
    assert report.ok, report.verdict
    assert [s.name for s in report.steps] == list(STEPS)
    assert all(s.ok for s in report.steps)
    assert (report.chain_id, report.kind, report.record_id, report.height) == (
        CHAIN,
        "invoice",
        INVOICE,
        HEIGHT,
    )
    assert report.header_time_unix_ms == TIME_MS
    assert dict(report.fields) == {**INVOICE_FIELDS, **REIMBURSED}
    assert (report.field_count, report.record_version, report.record_updated_height) == (
        len(INVOICE_FIELDS),
        2,
        790,
    )
    assert (report.signer_count, report.validator_count) == (4, 4)
    assert (report.signed_power, report.total_power) == (40, 40)
    assert report.validators_hash == compute_validators_hash(TRUSTED)
    assert report.anchored


def test_the_bundle_holds_the_exact_bytes() -> None:
    bundle = make_bundle()
    assert set(bundle) == BUNDLE_KEYS
    assert bundle["format"] == BUNDLE_FORMAT
    assert bytes.fromhex(bundle["header"]) == WORLD.header.raw
    assert bytes.fromhex(bundle["certificate"]) == WORLD.certificate
    assert bytes.fromhex(bundle["validator_set"]) == encode_validator_set(TRUSTED)
    assert bytes.fromhex(bundle["record_head"]) == WORLD.tree.get(
        get_record_key("invoice", INVOICE), Version(HEIGHT)
    )
    assert set(bundle["fields"]) == FIELDS_KEYS
    assert all(set(item) == DISCLOSED_KEYS for item in bundle["fields"]["disclosed"])


def test_the_text_of_a_bundle_verifies_too() -> None:
    assert verify(_bundle_text()).ok
    assert verify(_bundle_text().encode()).ok


def test_some_fields_only() -> None:
    names = ("status", "reimbursed_by", "amount")
    report = verify(make_bundle(names=names))
    assert report.ok, report.verdict
    assert dict(report.fields) == {
        "amount": 100_000,
        "reimbursed_by": "bank-icbc-sz",
        "status": "reimbursed",
    }
    assert report.field_count == len(INVOICE_FIELDS)


def test_three_of_four_signers_are_enough() -> None:
    world = make_world(signers=(0, 2, 3))
    report = verify(world.make_bundle("invoice", INVOICE))
    assert report.ok, report.verdict
    assert (report.signer_count, report.signed_power) == (3, 30)


@pytest.mark.parametrize(
    ("kind", "record_id", "expected"),
    [
        ("clearance", CLEARANCE, CLEARANCE_FIELDS),
        ("production", PRODUCTION, PRODUCTION_FIELDS),
    ],
)
def test_records_of_other_kinds_verify(kind: str, record_id: str, expected: dict) -> None:
    report = verify(make_bundle(kind, record_id))
    assert report.ok, report.verdict
    assert dict(report.fields) == expected
    assert report.record_version == 1


def test_without_an_anchor_it_verifies_but_says_so() -> None:
    report = verify(make_bundle(), anchored=False)
    assert report.ok
    assert not report.anchored
    lines = describe_bundle(report)
    assert any("taken from the bundle" in line for line in lines)
    assert any(compute_validators_hash(TRUSTED).hex() in line for line in lines)


def test_a_self_consistent_bundle_of_other_validators_needs_the_anchor() -> None:
    """Anyone can make up a validator set and sign a header: only the anchor refuses it."""
    forged = make_world(base=2000).make_bundle("invoice", INVOICE)
    assert verify(forged, anchored=False).ok
    assert_code(verify(forged), ErrorCode.BUNDLE_ANCHOR_MISMATCH, "validator set")


def test_the_trusted_chain_id_is_checked() -> None:
    bundle = make_world(chain_id="industry-1").make_bundle("invoice", INVOICE)
    assert verify(bundle).ok  # the same validators sign both chains here
    report = verify_record_bundle(bundle, TRUSTED, chain_id=CHAIN)
    assert_code(report, ErrorCode.WRONG_CHAIN_ID, "format")
    assert verify_record_bundle(make_bundle(), TRUSTED, chain_id=CHAIN).ok


# ---------------------------------------------------------------------------
# Describing
# ---------------------------------------------------------------------------


def test_describe_a_verified_invoice() -> None:
    lines = describe_bundle(verify(make_bundle()))
    assert lines[0] == (
        "authentic: invoice 044031900111 is committed on chain tax-1 at height 812 "
        "(2026-11-27 11:40:02 UTC), certified by 4 of 4 validators (power 40 of 40)"
    )
    assert lines[1].startswith("state at that height: invoice 044031900111 (blue)")
    assert "reimbursed by bank-icbc-sz at height 790" in lines[1]
    assert "1000.00 yuan + tax 130.00" in lines[1]
    assert "version 2, last changed at height 790" in lines[2]
    assert "21 of 21 fields disclosed" in lines[2]
    assert "trusted genesis set" in lines[3]


def test_describe_a_clearance_and_other_kinds() -> None:
    lines = describe_bundle(verify(make_bundle("clearance", CLEARANCE)))
    assert lines[1].startswith(f"state at that height: clearance {CLEARANCE} for {SELLER}")
    assert "valid 2026-01-05 to 2026-06-30, valid" in lines[1]
    lines = describe_bundle(verify(make_bundle("production", PRODUCTION)))
    assert "product='chairs'" in lines[1] and "quantity=1200" in lines[1]
    # An invoice whose status is not disclosed: only what was disclosed.
    lines = describe_bundle(verify(make_bundle(names=("amount", "seller"))))
    assert lines[1] == f"state at that height: amount=100000, seller='{SELLER}'"
    assert "2 of 21 fields disclosed" in lines[2]


def test_describe_a_failure_says_exactly_why() -> None:
    bundle = make_bundle()
    bundle["certificate"] = make_world(signers=(0, 1)).certificate.hex()
    lines = describe_bundle(verify(bundle))
    assert lines[0].startswith("✗ certificate: INSUFFICIENT_VOTING_POWER: ")
    assert "20/40" in lines[0]
    assert "NOT verified" in lines[1]


def test_the_report_document_is_json() -> None:
    document = get_report_document(verify(make_bundle(names=("status", "amount"))))
    assert json.loads(json.dumps(document)) == document
    assert document["verified"] is True and document["code"] is None
    assert document["fields"] == {
        "amount": {"type": "int", "value": 100_000},
        "status": {"type": "str", "value": "reimbursed"},
    }
    failed = get_report_document(verify(b"{"))
    assert failed["verified"] is False and failed["code"] == "BUNDLE_MALFORMED"
    assert failed["steps"][-1]["code"] == "BUNDLE_MALFORMED"


# ---------------------------------------------------------------------------
# Tampering with every part
# ---------------------------------------------------------------------------


def flip(text: str, position: int, mask: int = 0x01) -> str:
    """``text`` (hex) with byte ``position`` xor ``mask``."""
    data = bytearray(bytes.fromhex(text))
    data[position] ^= mask
    return data.hex()


def flip_field(name: str) -> Callable[[dict], object]:
    return lambda b: b.update({name: flip(b[name], -1)})


def _disclosed(bundle: dict, name: str) -> dict:
    return next(item for item in bundle["fields"]["disclosed"] if item["name"] == name)


def _set_disclosed(name: str, key: str, value: object) -> Callable[[dict], object]:
    return lambda b: _disclosed(b, name).update({key: value})


def _flip_disclosed(
    name: str, key: str, position: int = -1, mask: int = 0x01
) -> Callable[[dict], object]:
    return lambda b: _disclosed(b, name).update(
        {key: flip(_disclosed(b, name)[key], position, mask)}
    )


def _flip_proof_hash(b: dict) -> None:
    proof = _disclosed(b, "status")["proof"]
    proof[0] = flip(proof[0], 5)


def _other_header_of_chain(b: dict) -> None:
    other = make_world(chain_id="industry-1")
    b.update(header=other.header.raw.hex(), certificate=other.certificate.hex())


def _certificate_bytes(transform: Callable[[consensus_pb2.CommitCertificate], None]) -> Callable:
    def mutate(b: dict) -> None:
        message = consensus_pb2.CommitCertificate.FromString(bytes.fromhex(b["certificate"]))
        transform(message)
        b["certificate"] = message.SerializeToString(deterministic=True).hex()

    return mutate


def _three_signers_claiming_four(b: dict) -> None:
    b["certificate"] = make_world(signers=(0, 1, 2)).certificate.hex()
    _certificate_bytes(lambda m: setattr(m, "signer_bitmap", b"\x0f"))(b)


def _block_hash_flipped(message: consensus_pb2.CommitCertificate) -> None:
    message.block_hash = bytes([message.block_hash[0] ^ 1]) + message.block_hash[1:]


def _validator_set(transform: Callable[[list[Validator]], None]) -> Callable[[dict], None]:
    def mutate(b: dict) -> None:
        members = list(TRUSTED.validators)
        transform(members)
        b["validator_set"] = encode_validator_set(ValidatorSet(tuple(members))).hex()

    return mutate


def _more_power(members: list[Validator]) -> None:
    first = members[0]
    members[0] = Validator(first.name, first.public_key, first.proof_of_possession, 11)


def _no_power(members: list[Validator]) -> None:
    first = members[0]
    members[0] = Validator(first.name, first.public_key, first.proof_of_possession, 0)


def _another_record(b: dict) -> None:
    other = make_bundle(record_id=OTHER_INVOICE)
    b.update(record_head=other["record_head"], state_proof=other["state_proof"])


def _another_records_id_head_and_proof(b: dict) -> None:
    _another_record(b)
    b["id"] = OTHER_INVOICE


def _key_split_differently(b: dict) -> None:
    other = make_bundle("inv", "oice/1")
    b.update(other, kind="inv/oice", id="1")


def _header_at_another_height(b: dict) -> None:
    other = make_world(height=HEIGHT + 1)
    b.update(header=other.header.raw.hex(), certificate=other.certificate.hex())


def _certificate_of_another_height(b: dict) -> None:
    b["certificate"] = make_world(height=HEIGHT + 1).certificate.hex()


TAMPERS: dict[str, tuple[Callable[[dict], object], ErrorCode, str]] = {
    # The validator set.
    "validator set: a key byte": (
        lambda b: b.update(validator_set=flip(b["validator_set"], 20)),
        ErrorCode.BUNDLE_ANCHOR_MISMATCH,
        "validator set",
    ),
    "validator set: last byte (a voting power)": (
        flip_field("validator_set"),
        ErrorCode.BUNDLE_ANCHOR_MISMATCH,
        "validator set",
    ),
    "validator set: one more power": (
        _validator_set(_more_power),
        ErrorCode.BUNDLE_ANCHOR_MISMATCH,
        "validator set",
    ),
    "validator set: one validator dropped": (
        _validator_set(lambda members: members.pop()),
        ErrorCode.BUNDLE_ANCHOR_MISMATCH,
        "validator set",
    ),
    "validator set: other validators": (
        lambda b: b.update(validator_set=encode_validator_set(make_validators(2000)).hex()),
        ErrorCode.BUNDLE_ANCHOR_MISMATCH,
        "validator set",
    ),
    "validator set: not canonical": (
        lambda b: b.update(validator_set=b["validator_set"] + "7801"),  # unknown field 15
        ErrorCode.BUNDLE_MALFORMED,
        "validator set",
    ),
    "validator set: garbage": (
        lambda b: b.update(validator_set="ffff"),
        ErrorCode.BUNDLE_MALFORMED,
        "validator set",
    ),
    "validator set: a validator without power": (
        _validator_set(_no_power),
        ErrorCode.BUNDLE_MALFORMED,
        "validator set",
    ),
    "validator set: empty": (
        lambda b: b.update(validator_set=""),
        ErrorCode.BUNDLE_MALFORMED,
        "validator set",
    ),
    # The header.
    "header: last byte (proposer)": (
        flip_field("header"),
        ErrorCode.BLOCK_HASH_MISMATCH,
        "certificate",
    ),
    "header: first byte (a tag)": (
        lambda b: b.update(header=flip(b["header"], 0)),
        ErrorCode.BUNDLE_MALFORMED,
        "header",
    ),
    "header: of another chain": (_other_header_of_chain, ErrorCode.WRONG_CHAIN_ID, "header"),
    "header: of another height": (_header_at_another_height, ErrorCode.WRONG_HEIGHT, "header"),
    "header: truncated": (
        lambda b: b.update(header=b["header"][:-2]),
        ErrorCode.BUNDLE_MALFORMED,
        "header",
    ),
    # The certificate.
    "certificate: last byte (signature)": (
        flip_field("certificate"),
        ErrorCode.INVALID_SIGNATURE_ENCODING,
        "certificate",
    ),
    "certificate: signed by 2 of 4": (
        lambda b: b.update(certificate=make_world(signers=(0, 1)).certificate.hex()),
        ErrorCode.INSUFFICIENT_VOTING_POWER,
        "certificate",
    ),
    "certificate: signer bitmap claims a missing signer": (
        _three_signers_claiming_four,
        ErrorCode.BAD_SIGNATURE,
        "certificate",
    ),
    "certificate: signer bitmap drops a signer": (
        _certificate_bytes(lambda m: setattr(m, "signer_bitmap", b"\x07")),
        ErrorCode.BAD_SIGNATURE,
        "certificate",
    ),
    "certificate: signer outside the set": (
        _certificate_bytes(lambda m: setattr(m, "signer_bitmap", b"\x1f")),
        ErrorCode.UNKNOWN_SIGNER,
        "certificate",
    ),
    "certificate: another block": (
        _certificate_bytes(_block_hash_flipped),
        ErrorCode.BLOCK_HASH_MISMATCH,
        "certificate",
    ),
    "certificate: another round": (
        _certificate_bytes(lambda m: setattr(m, "round", 1)),
        ErrorCode.BAD_SIGNATURE,
        "certificate",
    ),
    "certificate: of another height": (
        _certificate_of_another_height,
        ErrorCode.WRONG_HEIGHT,
        "certificate",
    ),
    "certificate: not canonical": (
        lambda b: b.update(certificate=b["certificate"] + "7801"),
        ErrorCode.BUNDLE_MALFORMED,
        "certificate",
    ),
    "certificate: garbage": (
        lambda b: b.update(certificate="0a"),
        ErrorCode.BUNDLE_MALFORMED,
        "certificate",
    ),
    # The record head and its state proof.
    "record head: last byte": (
        flip_field("record_head"),
        ErrorCode.STATE_VALUE_MISMATCH,
        "state proof",
    ),
    "record head: empty": (
        lambda b: b.update(record_head=""),
        ErrorCode.STATE_VALUE_MISMATCH,
        "state proof",
    ),
    "state proof: last byte (a sibling)": (
        flip_field("state_proof"),
        ErrorCode.STATE_ROOT_MISMATCH,
        "state proof",
    ),
    "state proof: first byte (its kind)": (
        lambda b: b.update(state_proof=flip(b["state_proof"], 0)),
        ErrorCode.STATE_PROOF_MALFORMED,
        "state proof",
    ),
    "state proof: key hash": (
        lambda b: b.update(state_proof=flip(b["state_proof"], 1)),
        ErrorCode.STATE_PROOF_MALFORMED,
        "state proof",
    ),
    "state proof: leaf value hash": (
        lambda b: b.update(state_proof=flip(b["state_proof"], 1 + 32 + 32)),
        ErrorCode.STATE_ROOT_MISMATCH,
        "state proof",
    ),
    "state proof: of another record": (
        _another_record,
        ErrorCode.STATE_PROOF_MALFORMED,
        "state proof",
    ),
    "state proof: another record under the claimed id": (
        lambda b: b.update(id=OTHER_INVOICE),
        ErrorCode.STATE_PROOF_MALFORMED,
        "state proof",
    ),
    "state proof: another kind": (
        lambda b: b.update(kind="clearance"),
        ErrorCode.STATE_PROOF_MALFORMED,
        "state proof",
    ),
    "record head: kind and id split the key differently": (
        _key_split_differently,
        ErrorCode.BUNDLE_MALFORMED,
        "record head",
    ),
    # The fields.
    "fields: another record's head with this record's fields": (
        _another_records_id_head_and_proof,
        ErrorCode.RECORD_COMMITMENT_MISMATCH,
        "fields",
    ),
    "fields: a value's last byte": (
        _flip_disclosed("status", "value"),
        ErrorCode.RECORD_COMMITMENT_MISMATCH,
        "fields",
    ),
    "fields: a value retyped (str to bytes)": (
        _flip_disclosed("status", "value", 0, 0x03),
        ErrorCode.RECORD_COMMITMENT_MISMATCH,
        "fields",
    ),
    "fields: a value retyped (str to int)": (
        _flip_disclosed("status", "value", 0, 0x01),
        ErrorCode.RECORD_COMMITMENT_MISMATCH,
        "fields",
    ),
    "fields: a value with an unknown type tag": (
        _flip_disclosed("status", "value", 0, 0x04),
        ErrorCode.RECORD_MALFORMED,
        "fields",
    ),
    "fields: a value changed to another valid one": (
        _set_disclosed("status", "value", "0200000006697373756564"),  # "issued"
        ErrorCode.RECORD_COMMITMENT_MISMATCH,
        "fields",
    ),
    "fields: an int value changed": (
        _set_disclosed("amount", "value", "030000000101"),  # 1
        ErrorCode.RECORD_COMMITMENT_MISMATCH,
        "fields",
    ),
    "fields: a value not canonically encoded": (
        _set_disclosed("amount", "value", "0300000002000001"),
        ErrorCode.RECORD_MALFORMED,
        "fields",
    ),
    "fields: a salt": (
        _flip_disclosed("status", "salt"),
        ErrorCode.RECORD_COMMITMENT_MISMATCH,
        "fields",
    ),
    "fields: a short salt": (
        _set_disclosed("status", "salt", "00" * 31),
        ErrorCode.RECORD_MALFORMED,
        "fields",
    ),
    "fields: a proof hash": (_flip_proof_hash, ErrorCode.RECORD_COMMITMENT_MISMATCH, "fields"),
    "fields: a hash dropped from a proof": (
        lambda b: _disclosed(b, "status")["proof"].pop(),
        ErrorCode.MERKLE_PROOF_LENGTH,
        "fields",
    ),
    "fields: a hash added to a proof": (
        lambda b: _disclosed(b, "status")["proof"].append("00" * 32),
        ErrorCode.MERKLE_PROOF_LENGTH,
        "fields",
    ),
    "fields: a short proof hash": (
        lambda b: _disclosed(b, "status")["proof"].__setitem__(0, "00" * 31),
        ErrorCode.MERKLE_HASH_LENGTH,
        "fields",
    ),
    "fields: a name": (
        _set_disclosed("status", "name", "statut"),
        ErrorCode.RECORD_COMMITMENT_MISMATCH,
        "fields",
    ),
    "fields: a name out of canonical order": (
        _set_disclosed("status", "name", "aaa"),
        ErrorCode.RECORD_MALFORMED,
        "fields",
    ),
    "fields: an index": (
        lambda b: _disclosed(b, "transfers").update(index=_disclosed(b, "transfers")["index"] + 1),
        ErrorCode.MERKLE_INDEX_OUT_OF_RANGE,
        "fields",
    ),
    "fields: an index repeated": (
        lambda b: _disclosed(b, "status").update(index=_disclosed(b, "status")["index"] - 1),
        ErrorCode.RECORD_DUPLICATE_FIELD,
        "fields",
    ),
    "fields: two fields swapped": (
        lambda b: b["fields"]["disclosed"].reverse(),
        ErrorCode.RECORD_MALFORMED,
        "fields",
    ),
    "fields: one field twice": (
        lambda b: b["fields"]["disclosed"].append(copy.deepcopy(b["fields"]["disclosed"][-1])),
        ErrorCode.RECORD_DUPLICATE_FIELD,
        "fields",
    ),
    "fields: field count": (
        lambda b: b["fields"].update(field_count=b["fields"]["field_count"] + 1),
        ErrorCode.RECORD_MALFORMED,
        "fields",
    ),
    # The envelope.
    "height": (lambda b: b.update(height=HEIGHT + 1), ErrorCode.WRONG_HEIGHT, "header"),
    "chain id": (lambda b: b.update(chain_id="finance-1"), ErrorCode.WRONG_CHAIN_ID, "header"),
    "format": (
        lambda b: b.update(format="consortium/record-bundle/v2"),
        ErrorCode.BUNDLE_MALFORMED,
        "format",
    ),
}


@pytest.mark.parametrize(("mutate", "code", "step"), TAMPERS.values(), ids=TAMPERS.keys())
def test_every_tampering_is_refused_with_its_code(
    mutate: Callable[[dict], object], code: ErrorCode, step: str
) -> None:
    bundle = make_bundle()
    mutate(bundle)
    assert bundle != make_bundle()
    assert_code(verify(bundle), code, step)


UNANCHORED_TAMPERS: dict[str, tuple[Callable[[dict], object], ErrorCode, str]] = {
    "validator set: a key byte": (
        lambda b: b.update(validator_set=flip(b["validator_set"], 20)),
        ErrorCode.VALIDATORS_HASH_MISMATCH,
        "header",
    ),
    "validator set: other validators": (
        lambda b: b.update(validator_set=encode_validator_set(make_validators(2000)).hex()),
        ErrorCode.VALIDATORS_HASH_MISMATCH,
        "header",
    ),
    "validator set: one more power": (
        _validator_set(_more_power),
        ErrorCode.VALIDATORS_HASH_MISMATCH,
        "header",
    ),
    "certificate: signed by 2 of 4": (
        lambda b: b.update(certificate=make_world(signers=(0, 1)).certificate.hex()),
        ErrorCode.INSUFFICIENT_VOTING_POWER,
        "certificate",
    ),
}


@pytest.mark.parametrize(
    ("mutate", "code", "step"), UNANCHORED_TAMPERS.values(), ids=UNANCHORED_TAMPERS.keys()
)
def test_without_an_anchor_the_header_still_binds_the_set(
    mutate: Callable[[dict], object], code: ErrorCode, step: str
) -> None:
    bundle = make_bundle()
    mutate(bundle)
    assert_code(verify(bundle, anchored=False), code, step)


def _drop(path: Sequence[object]) -> Callable[[dict], None]:
    def mutate(b: dict) -> None:
        target: object = b
        for part in path[:-1]:
            target = target[part]  # type: ignore[index]
        del target[path[-1]]  # type: ignore[attr-defined]

    return mutate


def _put(path: Sequence[object], value: object) -> Callable[[dict], None]:
    def mutate(b: dict) -> None:
        target: object = b
        for part in path[:-1]:
            target = target[part]  # type: ignore[index]
        target[path[-1]] = value  # type: ignore[index]

    return mutate


MALFORMED: dict[str, Callable[[dict], object]] = {
    **{f"missing {key}": _drop([key]) for key in sorted(BUNDLE_KEYS)},
    **{f"missing fields.{key}": _drop(["fields", key]) for key in sorted(FIELDS_KEYS)},
    **{
        f"missing disclosed.{key}": _drop(["fields", "disclosed", 0, key]) for key in DISCLOSED_KEYS
    },
    "unknown key": _put(["signature"], "00"),
    "unknown fields key": _put(["fields", "salt"], "00"),
    "unknown disclosed key": _put(["fields", "disclosed", 0, "type"], "str"),
    "height as a string": _put(["height"], str(HEIGHT)),
    "height as a float": _put(["height"], float(HEIGHT)),
    "height true": _put(["height"], True),
    "height 0": _put(["height"], 0),
    "chain id not a string": _put(["chain_id"], 1),
    "empty kind": _put(["kind"], ""),
    "id null": _put(["id"], None),
    "id with a lone surrogate": _put(["id"], "\ud800"),
    "header not hex": _put(["header"], "zz"),
    "header uppercase hex": lambda b: b.update(header=b["header"].upper()),
    "header odd hex": lambda b: b.update(header=b["header"] + "0"),
    "header with spaces": lambda b: b.update(header=b["header"][:2] + " " + b["header"][2:]),
    "certificate a list": _put(["certificate"], [1, 2]),
    "state proof bytes as numbers": _put(["state_proof"], 12),
    "fields a list": _put(["fields"], []),
    "field count a string": _put(["fields", "field_count"], "21"),
    "field count 0": _put(["fields", "field_count"], 0),
    "field count true": _put(["fields", "field_count"], True),
    "nothing disclosed": _put(["fields", "disclosed"], []),
    "disclosed an object": _put(["fields", "disclosed"], {}),
    "disclosed item a string": _put(["fields", "disclosed", 0], "status"),
    "index a string": _put(["fields", "disclosed", 0, "index"], "0"),
    "index negative": _put(["fields", "disclosed", 0, "index"], -1),
    "index a float": _put(["fields", "disclosed", 0, "index"], 0.0),
    "name empty": _put(["fields", "disclosed", 0, "name"], ""),
    "name a number": _put(["fields", "disclosed", 0, "name"], 3),
    "value not hex": _put(["fields", "disclosed", 0, "value"], "reimbursed"),
    "salt null": _put(["fields", "disclosed", 0, "salt"], None),
    "proof a string": _put(["fields", "disclosed", 0, "proof"], "00" * 32),
    "proof item not hex": _put(["fields", "disclosed", 0, "proof", 0], "xyz"),
}


@pytest.mark.parametrize("mutate", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_bundle_is_refused(mutate: Callable[[dict], object]) -> None:
    bundle = make_bundle()
    mutate(bundle)
    assert_code(verify(bundle), ErrorCode.BUNDLE_MALFORMED, "format")


@pytest.mark.parametrize(
    "document",
    [
        None,
        0,
        [],
        "",
        b"",
        "null",
        "[1, 2]",
        b"\xff\xfe",
        "{",
        _bundle_text()[:-1],
        _bundle_text()[: len(_bundle_text()) // 2],
        "[" * 100_000,  # deeper than the JSON parser recurses
        object(),
    ],
    ids=lambda d: repr(d)[:20],
)
def test_what_is_not_a_bundle_at_all_is_malformed(document: object) -> None:
    assert_code(verify(document), ErrorCode.BUNDLE_MALFORMED, "format")


def test_a_name_that_is_not_unicode_is_refused() -> None:
    bundle = make_bundle(names=("status",))
    bundle["fields"]["disclosed"][0]["name"] = "\udcff"
    assert_code(verify(bundle), ErrorCode.RECORD_MALFORMED, "fields")


def test_a_disclosed_index_moved_to_its_neighbour_is_refused() -> None:
    bundle = make_bundle(names=("status",))
    _disclosed(bundle, "status")["index"] += 1
    report = verify(bundle)
    assert_code(report, ErrorCode.RECORD_COMMITMENT_MISMATCH, "fields")


# ---------------------------------------------------------------------------
# Random tampering (Hypothesis): never raises, never verifies
# ---------------------------------------------------------------------------


def _hex_paths(bundle: dict) -> list[tuple[object, ...]]:
    paths: list[tuple[object, ...]] = [(key,) for key in HEX_KEYS]
    for number, item in enumerate(bundle["fields"]["disclosed"]):
        paths += [("fields", "disclosed", number, "value"), ("fields", "disclosed", number, "salt")]
        paths += [("fields", "disclosed", number, "proof", i) for i in range(len(item["proof"]))]
    return paths


SMALL_BUNDLE = make_bundle(names=("reimbursed_by", "status"))
SMALL_PATHS = _hex_paths(SMALL_BUNDLE)


def _get(document: object, path: Sequence[object]) -> object:
    for part in path:
        document = document[part]  # type: ignore[index]
    return document


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SMALL_PATHS), st.data())
def test_a_random_byte_flip_never_raises_and_never_verifies(
    path: tuple[object, ...], data: st.DataObject
) -> None:
    bundle = copy.deepcopy(SMALL_BUNDLE)
    raw = bytes.fromhex(_get(bundle, path))  # type: ignore[arg-type]
    if not raw:
        return
    position = data.draw(st.integers(0, len(raw) - 1), label="position")
    mask = data.draw(st.integers(1, 255), label="mask")
    _put(path, flip(raw.hex(), position, mask))(bundle)
    report = verify(bundle)
    assert not report.ok
    report = verify(bundle, anchored=False)
    assert not report.ok


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SMALL_PATHS), st.data())
def test_a_random_character_change_never_raises_and_never_verifies(
    path: tuple[object, ...], data: st.DataObject
) -> None:
    bundle = copy.deepcopy(SMALL_BUNDLE)
    text = _get(bundle, path)
    assert isinstance(text, str)
    if not text:
        return
    position = data.draw(st.integers(0, len(text) - 1), label="position")
    char = data.draw(st.characters().filter(lambda c: c != text[position]), label="char")
    _put(path, text[:position] + char + text[position + 1 :])(bundle)
    assert not verify(bundle).ok


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=10,
)


def _paths(document: object, prefix: tuple = ()) -> list[tuple]:
    paths = [prefix] if prefix else []
    if isinstance(document, dict):
        for key, value in document.items():
            paths += _paths(value, (*prefix, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            paths += _paths(value, (*prefix, index))
    return paths


ALL_PATHS = _paths(SMALL_BUNDLE)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(ALL_PATHS), json_values)
def test_any_value_replaced_never_raises_and_verifies_only_if_unchanged(
    path: tuple, value: object
) -> None:
    bundle = copy.deepcopy(SMALL_BUNDLE)
    old = _get(bundle, path)
    _put(path, value)(bundle)
    report = verify(bundle)
    if report.ok:
        assert value == old and type(value) is type(old)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_random_documents_never_raise(document: object) -> None:
    assert not verify(document).ok
    assert not verify(json.dumps(document)).ok
