"""A source chain discloses an enterprise's records only under its valid consent, all or
nothing, and what it serves is exactly what the finance chain's transfer check accepts."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from chains.apps.disclosure import ConsentedDisclosure, disclose_consented_records
from chains.apps.membership import compute_genesis_updates, get_account_key, get_organisation_key
from chains.apps.records import create_record
from chains.consortium import compute_organisation_code, compute_uscc
from chains.core.app import StateOverlay
from chains.core.crypto import Ed25519KeyPair
from chains.core.errors import ErrorCode
from chains.core.records import encode_field_value
from chains.core.state_tree import StateTree
from chains.core.types import ChainId, Height, Version
from chains.core.wire import disclosure_from_proto
from consortium.v1 import membership_pb2, relay_pb2
from relay.consent import make_signed_consent
from relay.light_client import create_client
from relay.transfer import verify_transfer
from tests.app_helpers import DictState
from tests.apps.harness import make_key, make_org
from tests.relay.support import START_MS, certify, make_header
from tests.relay.test_consent import (
    BANK,
    ENTERPRISE,
    FINANCE,
    OTHER,
    OWNER,
    STRANGER,
    SUSPENDED,
    SUSPENDED_KEY,
    UNREGISTERED,
    make_consent,
    organisation,
)

TAX, INDUSTRY = ChainId("tax-1"), ChainId("industry-1")
TAX_HEIGHT, INDUSTRY_HEIGHT = Height(10), Height(20)
NOW = START_MS + 200_000
NOT_AN_ENTERPRISE = compute_uscc(compute_organisation_code("14142135"))

FILING_ID = f"{ENTERPRISE}:2025-Q1:vat"
FILING = {"tax_due": 125_000, "paid": True, "period": "first quarter", "enterprise": ENTERPRISE}
INVOICE = {"seller": ENTERPRISE, "buyer": BANK, "amount": 100_000, "status": "issued"}
OTHER_FILING_ID = f"{OTHER}:2025-Q1:vat"
PRODUCTION_ID = f"{ENTERPRISE}:r-2025-q1"
PRODUCTION = {"output_value": 3_600_000, "product": "chairs", "enterprise": ENTERPRISE}
BANK_KEY = make_key("bank")
NOT_AN_ENTERPRISE_KEY = make_key("not-an-enterprise")

# The same enterprises, with the same account keys, on every chain (membership genesis),
# plus a suspended enterprise and an organisation with a credit code that is no enterprise.
GENESIS = compute_genesis_updates(
    {
        "organisations": [
            make_org("tax-bureau", "tax_bureau", make_key("tax-bureau"), governing=True),
            make_org(BANK, "bank", BANK_KEY),
            make_org(ENTERPRISE, "enterprise", OWNER),
            make_org(OTHER, "enterprise", STRANGER),
        ]
    }
)
EXTRA_REGISTRY = {
    get_account_key(SUSPENDED_KEY.public_key): membership_pb2.Account(
        organisation_id=SUSPENDED, name="primary"
    ).SerializeToString(),
    get_organisation_key(SUSPENDED): organisation(
        SUSPENDED, membership_pb2.MEMBER_STATUS_SUSPENDED
    ),
    get_account_key(NOT_AN_ENTERPRISE_KEY.public_key): membership_pb2.Account(
        organisation_id=NOT_AN_ENTERPRISE, name="primary"
    ).SerializeToString(),
    get_organisation_key(NOT_AN_ENTERPRISE): membership_pb2.Organisation(
        id=NOT_AN_ENTERPRISE,
        name="a bank with a credit code",
        role=membership_pb2.ROLE_BANK,
        status=membership_pb2.MEMBER_STATUS_ACTIVE,
    ).SerializeToString(),
}


class TreeState:
    """The state of a source chain after one version of its tree, with its blobs: what a
    node reads when it serves that height."""

    def __init__(self, records: list[tuple[str, str, Mapping, bytes]]) -> None:
        overlay = StateOverlay(DictState({**GENESIS, **EXTRA_REGISTRY}))
        for kind, record_id, fields, seed in records:
            create_record(overlay, kind, record_id, fields, seed, height=1)
        self.tree = StateTree()
        self.root = self.tree.apply_updates(
            Version(1), {**GENESIS, **EXTRA_REGISTRY, **overlay.get_writes()}
        )
        self.blobs = dict(overlay.get_blobs())

    def get(self, key: bytes) -> bytes | None:
        return self.tree.get(key, Version(1))

    def get_blob(self, key: bytes) -> bytes | None:
        return self.blobs.get(key)

    def prove(self, key: bytes):
        return self.tree.get_with_proof(key, Version(1))


TAX_STATE = TreeState(
    [
        ("filing", FILING_ID, FILING, b"f" * 32),
        ("filing", f"{ENTERPRISE}:2025-Q2:vat", FILING, b"g" * 32),
        ("filing", OTHER_FILING_ID, {**FILING, "enterprise": OTHER}, b"o" * 32),
        ("invoice", "044031900111", INVOICE, b"i" * 32),
        ("inv", "oice-1", {"x": 1}, b"x" * 32),
        ("filing", "a/b", {**FILING}, b"a" * 32),
    ]
)
INDUSTRY_STATE = TreeState([("production", PRODUCTION_ID, PRODUCTION, b"p" * 32)])
CLIENTS = {
    TAX: create_client(
        TAX, certify(make_header(TAX_HEIGHT, state_root=TAX_STATE.root)), 3_600_000, 10_000
    ),
    INDUSTRY: create_client(
        INDUSTRY,
        certify(make_header(INDUSTRY_HEIGHT, chain_id=INDUSTRY, state_root=INDUSTRY_STATE.root)),
        3_600_000,
        10_000,
    ),
}

TAX_RECORDS = [
    ("filing", FILING_ID, ["tax_due", "paid", "enterprise"]),
    ("invoice", "044031900111", ["amount", "seller"]),
]
INDUSTRY_RECORDS = [("production", PRODUCTION_ID, ["output_value", "enterprise"])]


def make_scoped_consent(tax=TAX_RECORDS, industry=INDUSTRY_RECORDS, **changes) -> relay_pb2.Consent:
    """A consent of ENTERPRISE for BANK naming these (kind, id, fields) per chain."""
    consent = make_consent(**changes)
    del consent.scopes[:]
    for chain_id, records in ((TAX, tax), (INDUSTRY, industry)):
        if records:
            consent.scopes.add(
                chain_id=chain_id,
                records=[
                    relay_pb2.ConsentRecord(kind=kind, id=record_id, fields=fields)
                    for kind, record_id, fields in records
                ],
            )
    return consent


def serve(
    signed_consent: bytes,
    state: TreeState = TAX_STATE,
    chain_id: ChainId = TAX,
    height: Height = TAX_HEIGHT,
    now_ms: int = NOW,
) -> ConsentedDisclosure:
    """What a node of ``chain_id`` answers at ``height`` for this consent."""
    return disclose_consented_records(state, state.prove, chain_id, height, signed_consent, now_ms)


def sign(consent: relay_pb2.Consent, key: Ed25519KeyPair = OWNER) -> bytes:
    return make_signed_consent(key, consent)


def assert_refused(outcome: ConsentedDisclosure, code: ErrorCode) -> str:
    """The refusal's message, after checking its code and that nothing was disclosed."""
    assert outcome.verdict.code == code, outcome.verdict
    assert not outcome.ok
    assert outcome.records == () and outcome.identity is None
    return outcome.verdict.message


def test_what_a_source_serves_passes_the_finance_chains_transfer_check() -> None:
    signed = sign(make_scoped_consent())
    tax = serve(signed)
    industry = serve(signed, INDUSTRY_STATE, INDUSTRY, INDUSTRY_HEIGHT)
    assert tax.ok and industry.ok, (tax.verdict, industry.verdict)
    assert [(r.chain_id, r.height, r.kind, r.id) for r in tax.records] == [
        (TAX, TAX_HEIGHT, "filing", FILING_ID),
        (TAX, TAX_HEIGHT, "invoice", "044031900111"),
    ]
    transfer = relay_pb2.Transfer(
        signed_consent=signed,
        identity=tax.identity,  # the tax chain's registry proves whose key signed
        records=[*tax.records, *industry.records],
    )
    outcome = verify_transfer(transfer, CLIENTS, TAX, BANK, FINANCE, NOW)
    assert outcome.verdict.ok, outcome.verdict
    fields = [dict(record.fields) for record in outcome.data_set.records]
    assert fields == [
        {"tax_due": 125_000, "paid": True, "enterprise": ENTERPRISE},
        {"amount": 100_000, "seller": ENTERPRISE},
        {"output_value": 3_600_000, "enterprise": ENTERPRISE},
    ]


def test_each_chain_proves_the_identity_from_its_own_registry() -> None:
    # The enterprise has the same account on every chain: either registry's proof passes.
    signed = sign(make_scoped_consent(industry=[]))
    industry_identity = serve(
        sign(make_scoped_consent()), INDUSTRY_STATE, INDUSTRY, INDUSTRY_HEIGHT
    ).identity
    assert industry_identity.height == INDUSTRY_HEIGHT
    assert industry_identity.account and industry_identity.organisation
    transfer = relay_pb2.Transfer(
        signed_consent=signed, identity=industry_identity, records=serve(signed).records
    )
    assert verify_transfer(transfer, CLIENTS, INDUSTRY, BANK, FINANCE, NOW).verdict.ok


def test_only_the_consented_fields_are_disclosed() -> None:
    outcome = serve(sign(make_scoped_consent(tax=[("filing", FILING_ID, ["enterprise", "paid"])])))
    assert outcome.ok, outcome.verdict
    (record,) = outcome.records
    commitment, disclosure = disclosure_from_proto(record.disclosure)
    assert {f.name for f in disclosure.fields} == {"enterprise", "paid"}
    assert disclosure.field_count == len(FILING)  # the others stay hidden behind the commitment
    served = record.SerializeToString()
    for hidden in ("tax_due", "period", "first quarter"):
        assert hidden.encode() not in served
    assert encode_field_value(125_000) not in served


def test_a_node_refuses_what_does_not_decode() -> None:
    assert_refused(serve(b"\xff\x00not a consent"), ErrorCode.MALFORMED_INPUT)
    assert_refused(serve(b""), ErrorCode.MALFORMED_INPUT)
    twice = make_scoped_consent(
        tax=[("filing", FILING_ID, ["enterprise"]), ("filing", FILING_ID, ["paid", "enterprise"])]
    )
    assert "twice" in assert_refused(serve(sign(twice)), ErrorCode.MALFORMED_INPUT)


def test_a_forged_signature_is_refused() -> None:
    signed = relay_pb2.SignedConsent.FromString(sign(make_scoped_consent()))
    signed.signature = bytes([signed.signature[0] ^ 1]) + signed.signature[1:]
    assert_refused(serve(signed.SerializeToString()), ErrorCode.BAD_SIGNATURE)
    # Another consent under the enterprise's signature of the first.
    other = relay_pb2.SignedConsent.FromString(sign(make_scoped_consent()))
    other.consent = make_scoped_consent(application_id="loan-2").SerializeToString()
    assert_refused(serve(other.SerializeToString()), ErrorCode.BAD_SIGNATURE)


@pytest.mark.parametrize(
    ("now_ms", "code"),
    [
        (START_MS - 1, ErrorCode.CONSENT_NOT_YET_VALID),
        (START_MS + 86_400_000, ErrorCode.CONSENT_EXPIRED),
        (START_MS + 90_000_000, ErrorCode.CONSENT_EXPIRED),
    ],
)
def test_a_consent_outside_its_window_is_refused(now_ms: int, code: ErrorCode) -> None:
    assert_refused(serve(sign(make_scoped_consent()), now_ms=now_ms), code)


def test_a_consent_for_a_window_edge_is_served() -> None:
    assert serve(sign(make_scoped_consent()), now_ms=START_MS).ok
    assert serve(sign(make_scoped_consent()), now_ms=START_MS + 86_400_000 - 1).ok


def test_a_consent_naming_nothing_on_this_chain_is_refused() -> None:
    consent = make_scoped_consent(tax=[])
    message = assert_refused(serve(sign(consent)), ErrorCode.CONSENT_SCOPE_EXCEEDED)
    assert TAX in message


@pytest.mark.parametrize(
    ("key", "enterprise"),
    [
        (STRANGER, ENTERPRISE),  # another enterprise's key
        (BANK_KEY, ENTERPRISE),  # the bank's own key
        (UNREGISTERED, ENTERPRISE),  # no account on this chain
        (SUSPENDED_KEY, SUSPENDED),  # its own key, but the enterprise is suspended
        (NOT_AN_ENTERPRISE_KEY, NOT_AN_ENTERPRISE),  # an organisation that is no enterprise
        (OWNER, OTHER),  # the owner's key, for another enterprise
    ],
)
def test_a_consent_not_signed_by_an_active_enterprises_account_is_refused(
    key: Ed25519KeyPair, enterprise: str
) -> None:
    consent = make_scoped_consent(
        tax=[("filing", f"{enterprise}:2025-Q1:vat", ["enterprise"])], enterprise=enterprise
    )
    assert_refused(serve(sign(consent, key)), ErrorCode.CONSENT_NOT_BY_OWNER)


def test_a_missing_record_is_refused_and_nothing_else_is_disclosed() -> None:
    consent = make_scoped_consent(
        tax=[*TAX_RECORDS, ("filing", f"{ENTERPRISE}:2019-Q1:vat", ["enterprise"])]
    )
    message = assert_refused(serve(sign(consent)), ErrorCode.RECORD_NOT_FOUND)
    assert "2019-Q1" in message


def test_a_record_under_the_same_key_as_another_is_not_found() -> None:
    # rec/filing/a/b is also the key of kind "filing/a", id "b".
    consent = make_scoped_consent(tax=[("filing/a", "b", ["enterprise"])])
    assert_refused(serve(sign(consent)), ErrorCode.RECORD_NOT_FOUND)


def test_another_enterprises_record_is_refused_without_naming_its_owner() -> None:
    consent = make_scoped_consent(tax=[*TAX_RECORDS, ("filing", OTHER_FILING_ID, ["tax_due"])])
    message = assert_refused(serve(sign(consent)), ErrorCode.NOT_RECORD_OWNER)
    assert OTHER_FILING_ID in message
    assert f"belongs to {OTHER!r}" not in message  # the owner field was not consented to


def test_a_kind_no_consent_discloses_is_refused() -> None:
    consent = make_scoped_consent(tax=[("inv", "oice-1", ["x"])])
    message = assert_refused(serve(sign(consent)), ErrorCode.NOT_RECORD_OWNER)
    assert "'inv'" in message


def test_a_record_whose_owner_field_is_not_consented_is_refused() -> None:
    # The finance chain would refuse it: it must see whose record it is.
    consent = make_scoped_consent(tax=[("filing", FILING_ID, ["tax_due", "paid"])])
    message = assert_refused(serve(sign(consent)), ErrorCode.NOT_RECORD_OWNER)
    assert "'enterprise'" in message


def test_a_consented_field_the_record_lacks_is_named() -> None:
    consent = make_scoped_consent(tax=[("filing", FILING_ID, ["enterprise", "penalty"])])
    message = assert_refused(serve(sign(consent)), ErrorCode.INVALID_FIELD_VALUE)
    assert "'penalty'" in message


def test_a_height_whose_state_is_gone_is_refused_with_the_trees_code() -> None:
    def prove_pruned(key: bytes):
        return TAX_STATE.tree.get_with_proof(key, Version(7))

    outcome = disclose_consented_records(
        TAX_STATE, prove_pruned, TAX, TAX_HEIGHT, sign(make_scoped_consent()), NOW
    )
    assert_refused(outcome, ErrorCode.STATE_VERSION_UNAVAILABLE)
