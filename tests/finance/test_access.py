"""Who may send each finance transaction, and what is refused before any business rule:
roles, suspended and unknown senders, malformed payloads, replays, other chains.

The checks are shared with the other chains (:mod:`tests.apps.access_suite`); this
module describes the finance chain once as :data:`WORLD`."""

from __future__ import annotations

import pytest

from chains.apps.membership import TX_REGISTER_ENTERPRISE
from chains.core.errors import ErrorCode
from chains.finance.app import (
    FINANCE_APPLICATION,
    TX_APPLY_FOR_LOAN,
    TX_DECIDE_LOAN,
    TX_REGISTER_POLICY,
)
from consortium.v1 import membership_pb2
from tests.apps import access_suite as suite
from tests.apps.access_suite import GARBAGE_PAYLOADS, ChainWorld
from tests.apps.harness import AppHarness, assert_refused, make_key
from tests.finance.world import (
    ALLOWED_ROLE,
    GOVERNORS,
    KEY_A,
    KEY_BANK_A,
    KEY_BANK_B,
    KEYS,
    OPEN_TX_TYPES,
    ORG_IDS,
    VALID_PAYLOADS,
    make_application,
    make_harness,
)
from tests.industry.support import make_uscc


def prepare(harness: AppHarness, tx_type: str) -> None:
    """Create what the valid payload of ``tx_type`` needs (an application to decide)."""
    if tx_type == TX_DECIDE_LOAN:
        assert harness.run(KEY_A, TX_APPLY_FOR_LOAN, make_application()).ok


WORLD = ChainWorld(
    application=FINANCE_APPLICATION,
    allowed_role=ALLOWED_ROLE,
    keys=KEYS,
    org_ids=ORG_IDS,
    valid_payloads=VALID_PAYLOADS,
    make_harness=make_harness,
    prepare=prepare,
    governors=GOVERNORS,
    governance_sender=KEY_BANK_B,
    foreign_chain_id="industry-test-1",
    open_tx_types=OPEN_TX_TYPES,
)
TX_TYPES = WORLD.tx_types


def test_the_application_has_exactly_the_finance_and_membership_types() -> None:
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


def test_a_bank_registers_enterprises_and_they_may_then_apply() -> None:
    harness = make_harness()
    newcomer = make_key("newcomer")
    register = membership_pb2.RegisterEnterprise(
        uscc=make_uscc(3), name="Newcomer Ltd", account_key=newcomer.public_key
    )
    assert_refused(
        harness.run(KEYS["central_bank"], TX_REGISTER_ENTERPRISE, register),
        ErrorCode.ROLE_NOT_ALLOWED,
    )
    assert harness.run(KEY_BANK_A, TX_REGISTER_ENTERPRISE, register).ok
    assert harness.run(newcomer, TX_APPLY_FOR_LOAN, make_application()).ok
    assert TX_REGISTER_POLICY in FINANCE_APPLICATION.get_tx_types()
