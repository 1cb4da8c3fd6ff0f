"""Who may send each industry transaction, and what is refused before any business rule:
roles, suspended and unknown senders, malformed payloads, replays, other chains.

The checks are shared with the other chains (:mod:`tests.apps.access_suite`); this
module describes the industry chain once as :data:`WORLD`."""

from __future__ import annotations

import pytest

from chains.apps.membership import TX_REGISTER_ENTERPRISE
from chains.core.errors import ErrorCode
from chains.industry.app import (
    INDUSTRY_APPLICATION,
    TX_ATTEST,
    TX_RECORD_DELIVERY,
    TX_RECORD_ORDER,
    TX_REPORT_PRODUCTION,
)
from consortium.v1 import membership_pb2
from tests.apps import access_suite as suite
from tests.apps.access_suite import GARBAGE_PAYLOADS, ChainWorld
from tests.apps.harness import AppHarness, assert_refused, make_key
from tests.industry.support import make_uscc
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


def prepare(harness: AppHarness, tx_type: str) -> None:
    """Create what the valid payload of ``tx_type`` needs (an order, a report to attest)."""
    if tx_type == TX_RECORD_DELIVERY:
        assert harness.run(KEY_A, TX_RECORD_ORDER, make_order()).ok
    if tx_type == TX_ATTEST:
        assert harness.run(KEY_A, TX_REPORT_PRODUCTION, make_report(request_attestation=True)).ok


WORLD = ChainWorld(
    application=INDUSTRY_APPLICATION,
    allowed_role=ALLOWED_ROLE,
    keys=KEYS,
    org_ids=ORG_IDS,
    valid_payloads=VALID_PAYLOADS,
    make_harness=make_harness,
    prepare=prepare,
    governors=(KEYS["industry_association"], KEYS["enterprise_federation"]),
    governance_sender=KEYS["enterprise_federation"],
    foreign_chain_id="finance-test-1",
)
TX_TYPES = WORLD.tx_types


def test_the_application_has_exactly_the_industry_and_membership_types() -> None:
    suite.check_application_types(WORLD)


@pytest.mark.parametrize("tx_type", TX_TYPES)
def test_the_allowed_role_succeeds(tx_type: str) -> None:
    suite.check_allowed_role_succeeds(WORLD, tx_type)


@pytest.mark.parametrize(("tx_type", "role"), WORLD.get_forbidden())
def test_every_other_role_is_refused_and_nothing_changes(tx_type: str, role: str) -> None:
    suite.check_other_role_refused(WORLD, tx_type, role)


@pytest.mark.parametrize("tx_type", TX_TYPES)
def test_a_suspended_organisation_is_refused(tx_type: str) -> None:
    suite.check_suspended_organisation_refused(WORLD, tx_type)


@pytest.mark.parametrize("tx_type", TX_TYPES)
def test_an_unknown_key_is_refused(tx_type: str) -> None:
    suite.check_unknown_key_refused(WORLD, tx_type)


@pytest.mark.parametrize("tx_type", TX_TYPES)
@pytest.mark.parametrize("garbage", GARBAGE_PAYLOADS)
def test_an_undecodable_payload_is_malformed(tx_type: str, garbage: bytes) -> None:
    suite.check_undecodable_payload_malformed(WORLD, tx_type, garbage)


@pytest.mark.parametrize("tx_type", TX_TYPES)
def test_a_replayed_transaction_is_stale(tx_type: str) -> None:
    suite.check_replay_stale(WORLD, tx_type)


@pytest.mark.parametrize("tx_type", TX_TYPES)
def test_a_transaction_for_another_chain_is_refused(tx_type: str) -> None:
    suite.check_foreign_chain_refused(WORLD, tx_type)


def test_the_association_registers_enterprises_and_they_may_then_report() -> None:
    harness = make_harness()
    newcomer = make_key("newcomer")
    register = membership_pb2.RegisterEnterprise(
        uscc=make_uscc(3), name="Newcomer Ltd", account_key=newcomer.public_key
    )
    assert_refused(harness.run(KEY_A, TX_REGISTER_ENTERPRISE, register), ErrorCode.ROLE_NOT_ALLOWED)
    assert harness.run(ASSOCIATION, TX_REGISTER_ENTERPRISE, register).ok
    assert harness.run(newcomer, TX_REPORT_PRODUCTION, make_report()).ok
