"""The finance chain's relay: light clients in its state, one consent, one verified transfer,
one decision (chains/finance/relay_rules.py, chains/finance/app.py).

Source chains are real state trees certified with real BLS signatures
(:mod:`tests.finance.sources`); every refusal is asserted by its code and
with nothing written but the sender's nonce.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from chains.apps.membership import TX_GOVERN, make_governance_action
from chains.core.errors import ConsortiumError, ErrorCode
from chains.finance.app import (
    KIND_DECISION,
    KIND_LOAN,
    TX_APPLY_FOR_LOAN,
    TX_DECIDE_LOAN,
    TX_REGISTER_POLICY,
    get_policy_decision_id,
)
from chains.finance.relay_rules import (
    KIND_CONSENT,
    KIND_DATA_SET,
    TX_REVOKE_CONSENT,
    TX_SUBMIT_MISBEHAVIOUR,
    TX_TRANSFER,
    TX_UPDATE_CLIENT,
    compute_client_genesis_updates,
    get_consent_record_id,
    read_client,
)
from consortium.v1 import finance_pb2, membership_pb2, relay_pb2
from relay.codec import certified_header_to_proto
from relay.consent import decode_signed_consent, make_signed_consent
from tests.apps.access_suite import assert_only_nonce_changed
from tests.apps.harness import AppHarness, assert_refused, get_fields, make_key
from tests.finance.sources import SourceChain
from tests.finance.world import (
    APP_STATE,
    BANK_A,
    BANK_B,
    ENT_A,
    ENT_B,
    FINANCE_CHAIN,
    GOVERNORS,
    INDUSTRY_CHAIN,
    KEY_A,
    KEY_B,
    KEY_BANK_A,
    KEY_BANK_B,
    KEYS,
    RELAY_SECTION,
    TAX_CHAIN,
    TRUSTING_PERIOD_MS,
    make_application,
    make_decision,
    make_harness,
    make_revocation,
    make_rule,
)
from tests.industry.support import make_seed
from tests.relay.support import START_MS, V, W, certify, make_header

RELAY = KEYS["central_bank"]
"""The relay's account: any member may carry a transfer, and none is trusted for it."""
FILING_ID = f"{ENT_A}:2025-Q1:vat"
CLEARANCE_ID = "TC-2026-0001"
PRODUCTION_ID = f"{ENT_A}:report-2025"
NEIGHBOUR_FILING_ID = f"{ENT_B}:2025-Q1:vat"
POLICY_ID = "relay-sme-2026"
VAT_PAID = 4_000_000_00


def make_relay_policy() -> finance_pb2.RegisterPolicy:
    """A policy over facts a transfer proves."""
    return finance_pb2.RegisterPolicy(
        policy_id=POLICY_ID,
        name="SME loan on verified tax and production data",
        rules=[
            make_rule("tax.clearance_valid", "==", True, "no valid tax clearance"),
            make_rule("tax.vat_paid_total", ">=", 1_000_000_00, "VAT paid below 1,000,000 yuan"),
            make_rule("industry.attested_reports", ">=", 1, "no attested production report"),
        ],
        max_amount=50_000_000_00,
        amount_basis_field="tax.vat_paid_total",
        amount_basis_ratio_bp=5_000,
        rate_bp=385,
        record_seed=make_seed("policy/relay"),
    )


def make_consent(**changes: object) -> relay_pb2.Consent:
    """ENT_A's consent for application app-1 to BANK_A (fields overridable)."""
    consent = relay_pb2.Consent(
        consent_id="consent-1",
        enterprise=ENT_A,
        bank=BANK_A,
        destination_chain=FINANCE_CHAIN,
        purpose="loan application",
        application_id="app-1",
        scopes=[
            relay_pb2.ConsentScope(
                chain_id=TAX_CHAIN,
                records=[
                    relay_pb2.ConsentRecord(
                        kind="filing",
                        id=FILING_ID,
                        fields=["enterprise", "tax_type", "tax_paid", "status"],
                    ),
                    relay_pb2.ConsentRecord(
                        kind="clearance",
                        id=CLEARANCE_ID,
                        fields=["enterprise", "status", "valid_until"],
                    ),
                ],
            ),
            relay_pb2.ConsentScope(
                chain_id=INDUSTRY_CHAIN,
                records=[
                    relay_pb2.ConsentRecord(
                        kind="production",
                        id=PRODUCTION_ID,
                        fields=["enterprise", "period", "output_value", "attestation"],
                    )
                ],
            ),
        ],
        not_before_ms=START_MS,
        expires_ms=START_MS + 86_400_000,
        nonce=b"\x42" * 16,
    )
    for name, value in changes.items():
        setattr(consent, name, value)
    return consent


@dataclass
class World:
    """The finance chain under test and its two source chains."""

    finance: AppHarness
    tax: SourceChain
    industry: SourceChain

    def consent_bytes(self, key=KEY_A, **changes: object) -> bytes:
        return make_signed_consent(key, make_consent(**changes))

    def apply(self, consent: bytes | None = None, **changes: object):
        """ENT_A applies for app-1 under the relay policy, carrying ``consent``."""
        payload = make_application(**{"policy_id": POLICY_ID, **changes})
        if consent is not None:
            payload.signed_consent = consent
            payload.consent_record_seed = make_seed("consent/consent-1")
        return self.finance.run(KEY_A, TX_APPLY_FOR_LOAN, payload)

    def transfer(self, consent: bytes | None = None, records=None, headers=None):
        """What an honest relay submits for ``consent`` (ENT_A's default consent): the
        registry's proof of whose the signing key is, whatever it shows."""
        consent = consent or self.consent_bytes()
        signed = decode_signed_consent(consent)
        return finance_pb2.RelayTransfer(
            headers=[self.tax.client_header(), self.industry.client_header()]
            if headers is None
            else headers,
            transfer=relay_pb2.Transfer(
                signed_consent=consent,
                identity=self.tax.identity(signed.public_key, signed.consent.enterprise),
                records=records
                if records is not None
                else [
                    self.tax.disclose(
                        "filing", FILING_ID, ["enterprise", "tax_type", "tax_paid", "status"]
                    ),
                    self.tax.disclose(
                        "clearance", CLEARANCE_ID, ["enterprise", "status", "valid_until"]
                    ),
                    self.industry.disclose(
                        "production",
                        PRODUCTION_ID,
                        ["enterprise", "period", "output_value", "attestation"],
                    ),
                ],
            ),
            record_seed=make_seed("transfer/consent-1"),
        )


def make_world() -> World:
    finance = make_harness()
    tax = SourceChain(TAX_CHAIN, V, APP_STATE["organisations"])
    industry = SourceChain(INDUSTRY_CHAIN, W)
    tax.add_record(
        "filing",
        FILING_ID,
        {
            "enterprise": ENT_A,
            "period": "2025-Q1",
            "tax_type": "vat",
            "tax_due": VAT_PAID,
            "tax_paid": VAT_PAID,
            "status": "paid",
        },
    )
    tax.add_record(
        "filing",
        NEIGHBOUR_FILING_ID,
        {"enterprise": ENT_B, "tax_type": "vat", "tax_paid": 9 * VAT_PAID, "status": "paid"},
    )
    tax.add_record(
        "clearance",
        CLEARANCE_ID,
        {"enterprise": ENT_A, "valid_until": "2027-12-31", "status": "valid"},
    )
    industry.add_record(
        "production",
        PRODUCTION_ID,
        {
            "enterprise": ENT_A,
            "period": "2025",
            "output_value": 30_000_000_00,
            "attestation": "attested",
        },
    )
    tax.commit()
    industry.commit()
    assert finance.run(KEY_BANK_A, TX_REGISTER_POLICY, make_relay_policy()).ok
    return World(finance, tax, industry)


@pytest.fixture
def world() -> World:
    return make_world()


def assert_refused_unchanged(harness: AppHarness, key, tx_type, payload, code) -> None:
    """``payload`` from ``key`` fails with ``code`` in a block, writing only the nonce."""
    before = harness.snapshot()
    assert_refused(harness.execute(key, tx_type, payload), code)
    assert_only_nonce_changed(before, harness.snapshot(), key)


# --------------------------------------------------------------------------
# Genesis
# --------------------------------------------------------------------------


def test_genesis_creates_a_client_of_each_source_chain_at_height_0(world: World) -> None:
    for chain_id, keys in ((TAX_CHAIN, V), (INDUSTRY_CHAIN, W)):
        client = read_client(world.finance.state, chain_id)
        assert client.latest_height == 0 and not client.is_frozen
        assert client.latest.next_validators_hash == keys.hash
        assert client.trusting_period_ms == TRUSTING_PERIOD_MS


@pytest.mark.parametrize(
    "section",
    [
        {"light_clients": RELAY_SECTION["light_clients"]},
        {**RELAY_SECTION, "identity_chain": "nowhere-1"},
        {**RELAY_SECTION, "light_clients": []},
        {
            **RELAY_SECTION,
            "light_clients": [{**RELAY_SECTION["light_clients"][0], "genesis_hash": "ab"}],
        },
        {
            **RELAY_SECTION,
            "light_clients": [
                {**RELAY_SECTION["light_clients"][0], "trusting_period_ms": 0},
            ],
        },
        {
            **RELAY_SECTION,
            "light_clients": RELAY_SECTION["light_clients"] * 2,
        },
    ],
)
def test_an_unusable_relay_genesis_is_refused(section: dict) -> None:
    with pytest.raises(ConsortiumError) as caught:
        compute_client_genesis_updates(section)
    assert caught.value.code == ErrorCode.INVALID_CONFIG


def test_a_finance_genesis_without_light_clients_is_refused() -> None:
    state = {"organisations": APP_STATE["organisations"]}
    with pytest.raises(ConsortiumError) as caught:
        AppHarness(make_harness().app, state)
    assert caught.value.code == ErrorCode.INVALID_CONFIG


# --------------------------------------------------------------------------
# Client updates, misbehaviour, recovery
# --------------------------------------------------------------------------


def update(world: World, header, key=RELAY):
    return world.finance.run(key, TX_UPDATE_CLIENT, finance_pb2.UpdateClient(header=header))


def test_a_certified_header_updates_the_client(world: World) -> None:
    assert update(world, world.tax.client_header()).ok
    client = read_client(world.finance.state, TAX_CHAIN)
    assert client.latest_height == 1
    assert client.latest.state_root == world.tax.tree.get_root(1)


def header_message(certified) -> finance_pb2.ClientHeader:
    return finance_pb2.ClientHeader(chain_id=TAX_CHAIN, header=certified_header_to_proto(certified))


def _weak(root) -> object:
    return certify(make_header(1, V, state_root=root), V, (0, 1))


def _other_set(root) -> object:
    return certify(make_header(1, W, state_root=root), W)


def _set_not_the_headers(root) -> object:
    return certify(make_header(1, V, state_root=root), W, validator_set=W)


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (_weak, ErrorCode.INSUFFICIENT_VOTING_POWER),
        (_other_set, ErrorCode.UNTRUSTED_VALIDATOR_SET),
        (_set_not_the_headers, ErrorCode.VALIDATORS_HASH_MISMATCH),
    ],
)
def test_a_header_without_a_trusted_quorum_changes_nothing(world: World, make, code) -> None:
    payload = finance_pb2.UpdateClient(header=header_message(make(world.tax.tree.get_root(1))))
    assert_refused_unchanged(world.finance, RELAY, TX_UPDATE_CLIENT, payload, code)


def test_headers_of_another_chain_the_future_or_the_past_are_refused(world: World) -> None:
    finance = world.finance
    foreign = make_header(1, V, chain_id="other-1")
    payload = finance_pb2.UpdateClient(header=header_message(certify(foreign, V)))
    assert_refused_unchanged(finance, RELAY, TX_UPDATE_CLIENT, payload, ErrorCode.WRONG_CHAIN_ID)
    future = make_header(2, V, time_ms=finance.time_unix_ms + 10 * 60_000)
    payload = finance_pb2.UpdateClient(header=header_message(certify(future, V)))
    assert_refused_unchanged(
        finance, RELAY, TX_UPDATE_CLIENT, payload, ErrorCode.HEADER_FROM_FUTURE
    )
    assert update(world, world.tax.client_header()).ok
    payload = finance_pb2.UpdateClient(header=world.tax.client_header(1))
    assert_refused_unchanged(finance, RELAY, TX_UPDATE_CLIENT, payload, ErrorCode.HEADER_NOT_NEWER)


def test_a_conflicting_header_freezes_the_client_and_keeps_the_evidence(world: World) -> None:
    assert update(world, world.tax.client_header()).ok
    forged = make_header(1, V, state_root=b"\x66" * 32)
    assert update(world, header_message(certify(forged, V))).ok  # the evidence is recorded
    client = read_client(world.finance.state, TAX_CHAIN)
    assert client.is_frozen and client.frozen_by.height == 1
    world.tax.commit()
    assert_refused(update(world, world.tax.client_header()), ErrorCode.CLIENT_FROZEN)


def test_a_conflict_with_an_older_trusted_header_freezes_the_client_too(world: World) -> None:
    assert update(world, world.tax.client_header()).ok
    world.tax.commit()
    assert update(world, world.tax.client_header()).ok  # trusts heights 1 and 2
    forged = make_header(1, V, state_root=b"\x66" * 32)
    assert update(world, header_message(certify(forged, V))).ok
    client = read_client(world.finance.state, TAX_CHAIN)
    assert client.is_frozen and client.frozen_by.height == 1
    # The header the client trusts already is not news, and changes nothing.
    other = make_world()
    assert update(other, other.tax.client_header()).ok
    other.tax.commit()
    assert update(other, other.tax.client_header()).ok
    payload = finance_pb2.UpdateClient(header=other.tax.client_header(1))
    assert_refused_unchanged(
        other.finance, RELAY, TX_UPDATE_CLIENT, payload, ErrorCode.HEADER_NOT_NEWER
    )


def test_two_conflicting_headers_submitted_as_misbehaviour_freeze_the_client(
    world: World,
) -> None:
    honest = world.tax.certified[1]
    forged = certify(make_header(1, V, state_root=b"\x66" * 32), V)
    payload = finance_pb2.SubmitMisbehaviour(
        chain_id=TAX_CHAIN,
        first=certified_header_to_proto(honest),
        second=certified_header_to_proto(forged),
    )
    same = finance_pb2.SubmitMisbehaviour(
        chain_id=TAX_CHAIN,
        first=certified_header_to_proto(honest),
        second=certified_header_to_proto(honest),
    )
    assert_refused_unchanged(
        world.finance, RELAY, TX_SUBMIT_MISBEHAVIOUR, same, ErrorCode.MISBEHAVIOUR_NOT_PROVEN
    )
    assert world.finance.run(RELAY, TX_SUBMIT_MISBEHAVIOUR, payload).ok
    assert read_client(world.finance.state, TAX_CHAIN).is_frozen


def recovery(
    world: World, approvers, proposal_id="recover-tax-1"
) -> membership_pb2.GovernanceAction:
    header = world.tax.commit()
    proposal = membership_pb2.GovernanceProposal(
        chain_id=FINANCE_CHAIN,
        proposal_id=proposal_id,
        expires_at_unix_ms=world.finance.time_unix_ms + 3_600_000,
        recover_client=membership_pb2.RecoverClient(
            client_chain_id=TAX_CHAIN, header=certified_header_to_proto(header)
        ),
    )
    return make_governance_action(proposal, approvers)


def test_a_frozen_client_is_recovered_only_by_more_than_two_thirds_of_governance(
    world: World,
) -> None:
    forged = certify(make_header(1, V, state_root=b"\x66" * 32), V)
    assert update(world, world.tax.client_header()).ok
    assert update(world, header_message(forged)).ok
    action = recovery(world, GOVERNORS[:1])
    assert_refused_unchanged(
        world.finance, KEY_BANK_B, TX_GOVERN, action, ErrorCode.GOVERNANCE_QUORUM_NOT_MET
    )
    assert world.finance.run(KEY_BANK_B, TX_GOVERN, recovery(world, GOVERNORS, "again")).ok
    client = read_client(world.finance.state, TAX_CHAIN)
    assert not client.is_frozen and client.latest_height == world.tax.height


def test_a_healthy_client_is_not_recovered(world: World) -> None:
    action = recovery(world, GOVERNORS)
    assert_refused_unchanged(
        world.finance, KEY_BANK_B, TX_GOVERN, action, ErrorCode.INVALID_FIELD_VALUE
    )


def test_an_expired_client_trusts_nothing_until_recovered(world: World) -> None:
    world.finance.time_unix_ms += TRUSTING_PERIOD_MS
    header = world.tax.commit(time_ms=world.finance.time_unix_ms)
    payload = finance_pb2.UpdateClient(header=header_message(header))
    assert_refused_unchanged(
        world.finance, RELAY, TX_UPDATE_CLIENT, payload, ErrorCode.CLIENT_EXPIRED
    )
    assert world.finance.run(KEY_BANK_B, TX_GOVERN, recovery(world, GOVERNORS)).ok
    assert read_client(world.finance.state, TAX_CHAIN).latest_height == world.tax.height


# --------------------------------------------------------------------------
# Consent on the application
# --------------------------------------------------------------------------


def test_an_application_records_its_consent_as_granted(world: World) -> None:
    consent = world.consent_bytes()
    assert world.apply(consent).ok
    fields = get_fields(world.finance, KIND_CONSENT, get_consent_record_id(ENT_A, "consent-1"))
    assert fields["status"] == "granted" and fields["signed_consent"] == consent
    assert get_fields(world.finance, KIND_LOAN, "app-1")["consent_id"] == "consent-1"


@pytest.mark.parametrize(
    ("key", "changes", "code"),
    [
        (KEY_B, {}, ErrorCode.CONSENT_NOT_BY_OWNER),
        (KEY_A, {"bank": BANK_B}, ErrorCode.CONSENT_WRONG_BANK),
        (KEY_A, {"expires_ms": START_MS + 1}, ErrorCode.CONSENT_EXPIRED),
        (KEY_A, {"destination_chain": "finance-9"}, ErrorCode.WRONG_CHAIN_ID),
        (KEY_A, {"application_id": "app-9"}, ErrorCode.INVALID_FIELD_VALUE),
    ],
)
def test_an_application_with_an_unusable_consent_is_refused(world, key, changes, code) -> None:
    payload = make_application(policy_id=POLICY_ID)
    payload.signed_consent = world.consent_bytes(key, **changes)
    payload.consent_record_seed = make_seed("consent")
    assert_refused_unchanged(world.finance, KEY_A, TX_APPLY_FOR_LOAN, payload, code)


# --------------------------------------------------------------------------
# Transfers
# --------------------------------------------------------------------------


def test_an_honest_transfer_records_the_data_set_and_the_policys_decision(world: World) -> None:
    assert world.apply(world.consent_bytes()).ok
    assert world.finance.run(RELAY, TX_TRANSFER, world.transfer()).ok
    height = world.finance.height
    record_id = get_consent_record_id(ENT_A, "consent-1")
    consent = get_fields(world.finance, KIND_CONSENT, record_id)
    assert (consent["status"], consent["changed_height"], consent["data_set_id"]) == (
        "used",
        height,
        record_id,
    )
    data_set = get_fields(world.finance, KIND_DATA_SET, record_id)
    assert data_set["record_count"] == 3
    assert data_set["sources"] == f"{INDUSTRY_CHAIN}@1 {TAX_CHAIN}@1"
    assert (data_set["bank"], data_set["enterprise"], data_set["application_id"]) == (
        BANK_A,
        ENT_A,
        "app-1",
    )
    records = finance_pb2.DataSetRecords.FromString(data_set["records"]).records
    assert [(r.chain_id, r.kind, r.id) for r in records] == [
        (TAX_CHAIN, "filing", FILING_ID),
        (TAX_CHAIN, "clearance", CLEARANCE_ID),
        (INDUSTRY_CHAIN, "production", PRODUCTION_ID),
    ]
    decision_id = get_policy_decision_id("app-1")
    decision = get_fields(world.finance, KIND_DECISION, decision_id)
    # Approved, capped by the basis: VAT paid * 50 %.
    assert (decision["outcome"], decision["amount"], decision["rate_bp"]) == (
        "approved",
        VAT_PAID // 2,
        385,
    )
    assert (decision["decided_by"], decision["consent_id"], decision["data_set_id"]) == (
        "policy",
        "consent-1",
        record_id,
    )
    loan = get_fields(world.finance, KIND_LOAN, "app-1")
    assert (loan["status"], loan["decision_id"], loan["data_set_id"]) == (
        "approved",
        decision_id,
        record_id,
    )
    assert read_client(world.finance.state, TAX_CHAIN).latest_height == 1


def test_a_replayed_transfer_is_refused_as_used(world: World) -> None:
    assert world.apply(world.consent_bytes()).ok
    transfer = world.transfer()
    assert world.finance.run(RELAY, TX_TRANSFER, transfer).ok
    # The very same transfer again, by any relay: refused for what it is.
    assert_refused_unchanged(
        world.finance, KEY_BANK_A, TX_TRANSFER, transfer, ErrorCode.CONSENT_USED
    )
    # The application is decided now; with a fresh one, the used consent still refuses.
    assert world.apply(application_id="app-2").ok
    again = world.transfer(world.consent_bytes(application_id="app-2"))
    assert_refused_unchanged(world.finance, RELAY, TX_TRANSFER, again, ErrorCode.CONSENT_USED)


def test_a_policy_that_is_not_met_rejects_with_its_reasons(world: World) -> None:
    assert world.apply(world.consent_bytes()).ok
    transfer = world.transfer(
        records=[
            world.tax.disclose(
                "filing", FILING_ID, ["enterprise", "tax_type", "tax_paid", "status"]
            )
        ]
    )
    assert world.finance.run(RELAY, TX_TRANSFER, transfer).ok
    decision = get_fields(world.finance, KIND_DECISION, get_policy_decision_id("app-1"))
    assert decision["outcome"] == "rejected" and decision["amount"] == 0
    assert "no valid tax clearance" in decision["reasons"]
    assert "no attested production report" in decision["reasons"]


def test_without_a_policy_the_verified_application_waits_for_the_officer(world: World) -> None:
    assert world.apply(world.consent_bytes(), policy_id="").ok
    assert world.finance.run(RELAY, TX_TRANSFER, world.transfer()).ok
    loan = get_fields(world.finance, KIND_LOAN, "app-1")
    assert loan["status"] == "submitted" and loan["data_set_id"]
    assert world.finance.run(KEY_BANK_A, TX_DECIDE_LOAN, make_decision()).ok
    decision = get_fields(world.finance, KIND_DECISION, "dec-1")
    assert (decision["decided_by"], decision["data_set_id"]) == ("officer", loan["data_set_id"])


def test_a_revoked_consent_cannot_be_used_and_a_used_one_cannot_be_revoked(world: World) -> None:
    assert world.apply(world.consent_bytes()).ok
    assert world.finance.run(KEY_A, TX_REVOKE_CONSENT, make_revocation()).ok
    assert_refused_unchanged(
        world.finance, RELAY, TX_TRANSFER, world.transfer(), ErrorCode.CONSENT_REVOKED
    )
    assert_refused(
        world.finance.run(KEY_A, TX_REVOKE_CONSENT, make_revocation()), ErrorCode.CONSENT_REVOKED
    )
    other = make_world()
    assert other.apply(other.consent_bytes()).ok
    assert other.finance.run(RELAY, TX_TRANSFER, other.transfer()).ok
    assert_refused_unchanged(
        other.finance, KEY_A, TX_REVOKE_CONSENT, make_revocation(), ErrorCode.CONSENT_USED
    )


def test_a_consent_revoked_before_it_was_seen_is_refused(world: World) -> None:
    assert world.finance.run(KEY_A, TX_REVOKE_CONSENT, make_revocation()).ok
    assert world.apply().ok  # applied without carrying the consent
    assert_refused_unchanged(
        world.finance, RELAY, TX_TRANSFER, world.transfer(), ErrorCode.CONSENT_REVOKED
    )


def test_another_enterprise_cannot_revoke_or_use_up_a_consent(world: World) -> None:
    # ENT_B revoking "consent-1" revokes its own consent of that id, not ENT_A's.
    assert world.finance.run(KEY_B, TX_REVOKE_CONSENT, make_revocation()).ok
    assert world.apply(world.consent_bytes()).ok
    assert world.finance.run(RELAY, TX_TRANSFER, world.transfer()).ok


def test_a_relay_that_alters_one_disclosed_value_changes_nothing(world: World) -> None:
    assert world.apply(world.consent_bytes()).ok
    transfer = world.transfer()
    transfer.transfer.records[0].disclosure.fields[2].value = (
        transfer.transfer.records[0].disclosure.fields[2].value[:-1] + b"\x01"
    )
    assert_refused_unchanged(
        world.finance, RELAY, TX_TRANSFER, transfer, ErrorCode.RECORD_COMMITMENT_MISMATCH
    )


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"expires_ms": START_MS + 500}, ErrorCode.CONSENT_EXPIRED),
        ({"not_before_ms": START_MS + 86_000_000}, ErrorCode.CONSENT_NOT_YET_VALID),
        ({"bank": BANK_B}, ErrorCode.CONSENT_WRONG_BANK),
    ],
)
def test_a_transfer_under_an_unusable_consent_changes_nothing(world, changes, code) -> None:
    assert world.apply().ok
    transfer = world.transfer(world.consent_bytes(**changes))
    assert_refused_unchanged(world.finance, RELAY, TX_TRANSFER, transfer, code)


def test_a_consent_not_signed_by_the_owner_changes_nothing(world: World) -> None:
    assert world.apply().ok
    stranger = make_key("stranger")
    transfer = world.transfer(world.consent_bytes(stranger))
    assert_refused_unchanged(
        world.finance, RELAY, TX_TRANSFER, transfer, ErrorCode.CONSENT_NOT_BY_OWNER
    )
    # ENT_B's own key, claiming to be ENT_A.
    transfer = world.transfer(world.consent_bytes(KEY_B))
    assert_refused_unchanged(
        world.finance, RELAY, TX_TRANSFER, transfer, ErrorCode.CONSENT_NOT_BY_OWNER
    )


def test_a_consent_not_covering_a_record_or_field_changes_nothing(world: World) -> None:
    assert world.apply(world.consent_bytes()).ok
    wider = world.transfer(
        records=[
            world.tax.disclose(
                "filing", FILING_ID, ["enterprise", "tax_type", "tax_paid", "status", "period"]
            )
        ]
    )
    assert_refused_unchanged(
        world.finance, RELAY, TX_TRANSFER, wider, ErrorCode.CONSENT_SCOPE_EXCEEDED
    )
    neighbour = world.transfer(
        records=[world.tax.disclose("filing", NEIGHBOUR_FILING_ID, ["enterprise", "tax_paid"])]
    )
    assert_refused_unchanged(
        world.finance, RELAY, TX_TRANSFER, neighbour, ErrorCode.CONSENT_SCOPE_EXCEEDED
    )


def test_a_transfer_through_a_frozen_client_changes_nothing(world: World) -> None:
    assert world.apply(world.consent_bytes()).ok
    assert update(world, world.tax.client_header()).ok
    assert update(world, header_message(certify(make_header(1, V, state_root=b"\x66" * 32), V))).ok
    assert_refused_unchanged(
        world.finance, RELAY, TX_TRANSFER, world.transfer(), ErrorCode.CLIENT_FROZEN
    )


def test_a_transfer_carrying_an_uncertified_header_changes_nothing(world: World) -> None:
    assert world.apply(world.consent_bytes()).ok
    weak = certify(make_header(1, V, state_root=world.tax.tree.get_root(1)), V, (0, 1))
    transfer = world.transfer(headers=[header_message(weak), world.industry.client_header()])
    assert_refused_unchanged(
        world.finance, RELAY, TX_TRANSFER, transfer, ErrorCode.INSUFFICIENT_VOTING_POWER
    )


def test_a_transfer_for_another_enterprises_application_changes_nothing(world: World) -> None:
    assert world.finance.run(KEY_B, TX_APPLY_FOR_LOAN, make_application("app-b")).ok
    transfer = world.transfer(world.consent_bytes(application_id="app-b"))
    assert_refused_unchanged(
        world.finance, RELAY, TX_TRANSFER, transfer, ErrorCode.NOT_RECORD_OWNER
    )


def test_a_transfer_for_a_decided_or_unknown_application_changes_nothing(world: World) -> None:
    transfer = world.transfer()
    assert_refused_unchanged(world.finance, RELAY, TX_TRANSFER, transfer, ErrorCode.LOAN_NOT_FOUND)
    assert world.apply().ok
    assert world.finance.run(KEY_BANK_A, TX_DECIDE_LOAN, make_decision()).ok
    assert_refused_unchanged(
        world.finance, RELAY, TX_TRANSFER, transfer, ErrorCode.LOAN_ALREADY_DECIDED
    )


def test_a_transfer_from_an_unknown_key_is_refused_by_the_mempool(world: World) -> None:
    assert world.apply(world.consent_bytes()).ok
    assert_refused(
        world.finance.run(make_key("nobody"), TX_TRANSFER, world.transfer()),
        ErrorCode.UNKNOWN_ACCOUNT,
    )
    assert KEY_BANK_A  # banks may relay too: any member may


def test_a_different_consent_under_a_granted_id_changes_nothing(world: World) -> None:
    assert world.apply(world.consent_bytes()).ok
    # Signed by the owner too, but not the consent the application carried.
    other = world.transfer(world.consent_bytes(expires_ms=START_MS + 86_000_000))
    assert_refused_unchanged(world.finance, RELAY, TX_TRANSFER, other, ErrorCode.CONSENT_USED)
    assert world.finance.run(RELAY, TX_TRANSFER, world.transfer()).ok
