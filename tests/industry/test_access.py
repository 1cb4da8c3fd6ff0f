"""Who may send each industry transaction, and what is refused before any business rule:
roles, suspended and unknown senders, malformed payloads, replays, other chains."""

from __future__ import annotations

import pytest

from chains.apps.membership import TX_REGISTER_ENTERPRISE
from chains.core.errors import ConsortiumError, ErrorCode
from chains.industry.app import (
    INDUSTRY_APPLICATION,
    TX_ATTEST,
    TX_RECORD_DELIVERY,
    TX_RECORD_ORDER,
    TX_REPORT_PRODUCTION,
)
from consortium.v1 import membership_pb2
from tests.apps.harness import AppHarness, assert_refused, make_key
from tests.industry.support import (
    ALL_ROLES,
    assert_only_nonce_changed,
    get_changed_keys,
    make_uscc,
    suspend,
)
from tests.industry.world import (
    ALLOWED_ROLE,
    ASSOCIATION,
    KEY_A,
    KEYS,
    ORG_IDS,
    VALID_PAYLOADS,
    make_harness,
    make_order,
    make_report,
)

TX_TYPES = sorted(ALLOWED_ROLE)


def prepare(harness: AppHarness, tx_type: str) -> None:
    """Create what the valid payload of ``tx_type`` needs (an order, a report to attest)."""
    if tx_type == TX_RECORD_DELIVERY:
        assert harness.run(KEY_A, TX_RECORD_ORDER, make_order()).ok
    if tx_type == TX_ATTEST:
        assert harness.run(KEY_A, TX_REPORT_PRODUCTION, make_report(request_attestation=True)).ok


def test_the_application_has_exactly_the_industry_and_membership_types() -> None:
    assert INDUSTRY_APPLICATION.get_tx_types() == sorted(
        [*ALLOWED_ROLE, "member.account.add", "member.enterprise.register", "member.govern"]
    )


@pytest.mark.parametrize("tx_type", TX_TYPES)
def test_the_allowed_role_succeeds(tx_type: str) -> None:
    harness = make_harness()
    prepare(harness, tx_type)
    before = harness.snapshot()
    result = harness.run(KEYS[ALLOWED_ROLE[tx_type]], tx_type, VALID_PAYLOADS[tx_type]())
    assert result.ok, result.message
    assert len(get_changed_keys(before, harness.snapshot())) > 1


@pytest.mark.parametrize(
    ("tx_type", "role"),
    [(tx, role) for tx in TX_TYPES for role in ALL_ROLES if role != ALLOWED_ROLE[tx]],
)
def test_every_other_role_is_refused_and_nothing_changes(tx_type: str, role: str) -> None:
    harness = make_harness()
    prepare(harness, tx_type)
    payload = VALID_PAYLOADS[tx_type]()
    before = harness.snapshot()
    raw = harness.make_tx(KEYS[role], tx_type, payload)
    assert_refused(harness.admit(raw), ErrorCode.ROLE_NOT_ALLOWED)
    assert harness.snapshot() == before
    # A faulty proposer may include it anyway: execution refuses it too.
    assert_refused(harness.execute(KEYS[role], tx_type, payload), ErrorCode.ROLE_NOT_ALLOWED)
    assert_only_nonce_changed(before, harness.snapshot(), KEYS[role])


@pytest.mark.parametrize("tx_type", TX_TYPES)
def test_a_suspended_organisation_is_refused(tx_type: str) -> None:
    harness = make_harness()
    prepare(harness, tx_type)
    role = ALLOWED_ROLE[tx_type]
    governors = [KEYS["industry_association"], KEYS["enterprise_federation"]]
    suspend(harness, ORG_IDS[role], governors, KEYS["enterprise_federation"])
    payload = VALID_PAYLOADS[tx_type]()
    before = harness.snapshot()
    assert_refused(harness.run(KEYS[role], tx_type, payload), ErrorCode.MEMBER_SUSPENDED)
    assert harness.snapshot() == before
    assert_refused(harness.execute(KEYS[role], tx_type, payload), ErrorCode.MEMBER_SUSPENDED)
    assert_only_nonce_changed(before, harness.snapshot(), KEYS[role])


@pytest.mark.parametrize("tx_type", TX_TYPES)
def test_an_unknown_key_is_refused(tx_type: str) -> None:
    harness = make_harness()
    prepare(harness, tx_type)
    stranger = make_key("stranger")
    payload = VALID_PAYLOADS[tx_type]()
    before = harness.snapshot()
    assert_refused(harness.run(stranger, tx_type, payload), ErrorCode.UNKNOWN_ACCOUNT)
    assert harness.snapshot() == before
    assert_refused(harness.execute(stranger, tx_type, payload), ErrorCode.UNKNOWN_ACCOUNT)
    assert_only_nonce_changed(before, harness.snapshot(), stranger)


@pytest.mark.parametrize("tx_type", TX_TYPES)
@pytest.mark.parametrize("garbage", [b"\x0a\xff", b"\xff\xff\xff", b"\x08"])
def test_an_undecodable_payload_is_malformed(tx_type: str, garbage: bytes) -> None:
    harness = make_harness()
    key = KEYS[ALLOWED_ROLE[tx_type]]
    before = harness.snapshot()
    assert_refused(harness.admit(harness.make_tx(key, tx_type, garbage)), ErrorCode.MALFORMED_INPUT)
    with pytest.raises(ConsortiumError) as raised:
        harness.execute(key, tx_type, garbage)
    assert raised.value.code == ErrorCode.INVALID_BLOCK
    assert "MALFORMED_INPUT" in raised.value.message
    assert harness.snapshot() == before


@pytest.mark.parametrize("tx_type", TX_TYPES)
def test_a_replayed_transaction_is_stale(tx_type: str) -> None:
    harness = make_harness()
    prepare(harness, tx_type)
    key = KEYS[ALLOWED_ROLE[tx_type]]
    raw = harness.make_tx(key, tx_type, VALID_PAYLOADS[tx_type]())
    assert harness.admit(raw).ok
    assert harness.run_block([raw])[0].ok
    before = harness.snapshot()
    assert_refused(harness.admit(raw), ErrorCode.STALE_NONCE)
    with pytest.raises(ConsortiumError) as raised:
        harness.run_block([raw])
    assert raised.value.code == ErrorCode.INVALID_BLOCK
    assert "STALE_NONCE" in raised.value.message
    assert harness.snapshot() == before


@pytest.mark.parametrize("tx_type", TX_TYPES)
def test_a_transaction_for_another_chain_is_refused(tx_type: str) -> None:
    harness = make_harness()
    prepare(harness, tx_type)
    key = KEYS[ALLOWED_ROLE[tx_type]]
    raw = harness.make_tx(key, tx_type, VALID_PAYLOADS[tx_type](), chain_id="finance-test-1")
    before = harness.snapshot()
    assert_refused(harness.admit(raw), ErrorCode.WRONG_CHAIN_ID)
    with pytest.raises(ConsortiumError) as raised:
        harness.run_block([raw])
    assert raised.value.code == ErrorCode.WRONG_CHAIN_ID
    assert harness.snapshot() == before


def test_the_association_registers_enterprises_and_they_may_then_report() -> None:
    harness = make_harness()
    newcomer = make_key("newcomer")
    register = membership_pb2.RegisterEnterprise(
        uscc=make_uscc(3), name="Newcomer Ltd", account_key=newcomer.public_key
    )
    assert_refused(harness.run(KEY_A, TX_REGISTER_ENTERPRISE, register), ErrorCode.ROLE_NOT_ALLOWED)
    assert harness.run(ASSOCIATION, TX_REGISTER_ENTERPRISE, register).ok
    assert harness.run(newcomer, TX_REPORT_PRODUCTION, make_report()).ok
