"""Who may send each tax transaction: roles, suspended members, unknown keys.

Every refusal is checked twice: the mempool refuses it (``admit``), and a
block that includes it anyway (a faulty proposer) executes it as a failure
that changes nothing but the sender's nonce.
"""

from __future__ import annotations

import pytest

from chains.apps.membership import get_role_name
from chains.core.app import get_account_nonce
from chains.core.errors import ErrorCode
from chains.tax.app import (
    HOLDER_ROLES,
    TAX_APPLICATION,
    TAX_RULES,
    TX_DECLARE_INVOICE,
    TX_ISSUE_INVOICE,
    TX_LOCK_INVOICE,
    TX_REIMBURSE_INVOICE,
    TX_TRANSFER_INVOICE,
)
from tests.apps.harness import AppHarness, assert_refused
from tests.tax.helpers import (
    ALLOWED_ROLES,
    BUYER,
    BUYER_KEY,
    HOLDER_ROLE_NAMES,
    KEYS,
    ORG_IDS,
    ROLE_NAMES,
    SELLER_KEY,
    STRANGER_KEY,
    TAX_TX_TYPES,
    add_accounts,
    assert_ok,
    declare,
    get_state_without_nonce,
    get_valid_calls,
    invoice,
    lock,
    make_seed,
    make_world,
    reimburse,
    suspend,
    transfer,
)


def _assert_refused_everywhere(harness: AppHarness, key, tx_type, payload, code) -> None:
    """The mempool refuses it with ``code`` and nothing changes; executed in a block anyway,
    it fails with ``code`` and changes nothing but the sender's nonce."""
    before = harness.snapshot()
    nonce = get_account_nonce(harness.state, key.public_key)
    assert_refused(harness.admit(harness.make_tx(key, tx_type, payload)), code)
    assert harness.snapshot() == before
    before_but_nonce = get_state_without_nonce(harness, key)
    assert_refused(harness.execute(key, tx_type, payload), code)
    assert get_state_without_nonce(harness, key) == before_but_nonce
    assert get_account_nonce(harness.state, key.public_key) == nonce + 1


def test_the_application_has_exactly_the_tax_and_membership_types() -> None:
    assert set(TAX_APPLICATION.get_tx_types()) == {
        *TAX_TX_TYPES,
        "member.enterprise.register",
        "member.account.add",
        "member.govern",
    }
    assert {rule.tx_type for rule in TAX_RULES} == set(TAX_TX_TYPES)


def test_holder_roles_are_every_role_but_the_bureau_and_the_auditor() -> None:
    assert {get_role_name(role) for role in HOLDER_ROLES} == set(HOLDER_ROLE_NAMES)


def test_only_the_tax_bureau_registers_enterprises_on_the_tax_chain() -> None:
    rule = TAX_APPLICATION.rules["member.enterprise.register"]
    assert {get_role_name(role) for role in rule.roles} == {"tax_bureau"}


@pytest.mark.parametrize("tx_type", TAX_TX_TYPES)
def test_the_allowed_sender_succeeds_in_the_world(tx_type: str) -> None:
    harness = make_world()
    _, key, payload = get_valid_calls()[tx_type]
    assert_ok(harness.admit(harness.make_tx(key, tx_type, payload)))
    assert_ok(harness.run(key, tx_type, payload))


_FORBIDDEN = [
    (tx_type, role)
    for tx_type in TAX_TX_TYPES
    for role in ROLE_NAMES
    if role not in ALLOWED_ROLES[tx_type]
]


@pytest.mark.parametrize(("tx_type", "role"), _FORBIDDEN)
def test_every_other_role_is_refused_and_changes_nothing(tx_type: str, role: str) -> None:
    harness = make_world()
    _, _, payload = get_valid_calls()[tx_type]
    _assert_refused_everywhere(harness, KEYS[role], tx_type, payload, ErrorCode.ROLE_NOT_ALLOWED)


def test_every_role_is_covered_by_the_forbidden_table() -> None:
    # 4 bureau types and 2 seller types refuse 8 roles each; 4 holder types refuse 2 each.
    assert len(_FORBIDDEN) == 4 * 8 + 2 * 8 + 4 * 2


@pytest.mark.parametrize("tx_type", TAX_TX_TYPES)
def test_a_suspended_sender_is_refused_and_changes_nothing(tx_type: str) -> None:
    harness = make_world()
    organisation_id, key, payload = get_valid_calls()[tx_type]
    suspend(harness, organisation_id)
    _assert_refused_everywhere(harness, key, tx_type, payload, ErrorCode.MEMBER_SUSPENDED)


@pytest.mark.parametrize("tx_type", TAX_TX_TYPES)
def test_an_unknown_key_is_refused_and_changes_nothing(tx_type: str) -> None:
    harness = make_world()
    _, _, payload = get_valid_calls()[tx_type]
    _assert_refused_everywhere(harness, STRANGER_KEY, tx_type, payload, ErrorCode.UNKNOWN_ACCOUNT)


@pytest.mark.parametrize("role", HOLDER_ROLE_NAMES)
def test_every_holder_role_can_take_an_invoice_through_its_lifecycle(role: str) -> None:
    """Issued to an organisation of ``role``, which transfers it on, gets it back,
    locks, reimburses and declares it."""
    harness = make_world()
    holder, key = (BUYER, BUYER_KEY) if role == "enterprise" else (ORG_IDS[role], KEYS[role])
    other, other_key = (BUYER, BUYER_KEY) if holder != BUYER else (ORG_IDS["bank"], KEYS["bank"])
    number = f"INV-{role}"
    payload = invoice(invoice_number=number, buyer=holder, record_seed=make_seed(number))
    assert_ok(harness.run(SELLER_KEY, TX_ISSUE_INVOICE, payload))
    assert_ok(
        harness.run(key, TX_TRANSFER_INVOICE, transfer(invoice_number=number, new_holder=other))
    )
    assert_ok(
        harness.run(
            other_key, TX_TRANSFER_INVOICE, transfer(invoice_number=number, new_holder=holder)
        )
    )
    assert_ok(harness.run(key, TX_LOCK_INVOICE, lock(invoice_number=number)))
    assert_ok(harness.run(key, TX_REIMBURSE_INVOICE, reimburse(invoice_number=number)))
    assert_ok(harness.run(key, TX_DECLARE_INVOICE, declare(invoice_number=number)))


def test_every_key_of_a_suspended_organisation_is_refused() -> None:
    harness = make_world()
    (second_key,) = add_accounts(harness, BUYER_KEY, ["buyer-clerk-2"])
    suspend(harness, BUYER)
    payload = reimburse(invoice_number="INV-HELD")
    for key in (BUYER_KEY, second_key):
        _assert_refused_everywhere(
            harness, key, TX_REIMBURSE_INVOICE, payload, ErrorCode.MEMBER_SUSPENDED
        )
