"""The finance chain's business rules: policies, applications, decisions and their refusals."""

from __future__ import annotations

import pytest
from google.protobuf.message import Message

from chains.apps.membership import TX_ADD_ACCOUNT
from chains.apps.records import read_record
from chains.core.crypto import Ed25519KeyPair
from chains.core.errors import ConsortiumError, ErrorCode
from chains.finance.app import (
    KIND_DECISION,
    KIND_LOAN,
    KIND_POLICY,
    TX_APPLY_FOR_LOAN,
    TX_DECIDE_LOAN,
    TX_REGISTER_POLICY,
)
from chains.finance.policy import (
    CreditPolicy,
    PolicyRule,
    decode_policy_rules,
    evaluate_policy,
    read_policy,
)
from consortium.v1 import membership_pb2
from tests.apps.access_suite import assert_refused_unchanged, suspend
from tests.apps.harness import AppHarness, assert_refused, get_fields, make_key
from tests.finance.world import (
    BANK_A,
    BANK_B,
    ENT_A,
    ENT_B,
    GOVERNORS,
    KEY_A,
    KEY_B,
    KEY_BANK_A,
    KEY_BANK_B,
    KEYS,
    ORG_IDS,
    make_application,
    make_decision,
    make_harness,
    make_policy,
    make_rejection,
    make_rule,
)
from tests.industry.support import (
    assert_valid_record,
    get_record_ids,
    make_seed,
)

SAMPLE_RULES = (
    PolicyRule("tax.vat_paid_total", ">=", 1_000_000_00, "VAT paid below 1,000,000 yuan"),
    PolicyRule("tax.clearance_valid", "==", True, "no valid tax clearance"),
    PolicyRule("industry.attestation", "==", "attested", ""),
)


@pytest.fixture
def harness() -> AppHarness:
    return make_harness()


def assert_refused_before_a_block(
    harness: AppHarness, key: Ed25519KeyPair, tx_type: str, payload: Message, code: ErrorCode
) -> None:
    """The mempool refuses with ``code``; a block holding it is invalid; nothing changes."""
    before = harness.snapshot()
    verdict = harness.admit(harness.make_tx(key, tx_type, payload))
    assert_refused(verdict, code)
    with pytest.raises(ConsortiumError) as raised:
        harness.execute(key, tx_type, payload)
    assert raised.value.code == ErrorCode.INVALID_BLOCK
    assert code.name in raised.value.message
    assert harness.snapshot() == before


# --- policies ------------------------------------------------------------------


def test_a_policy_is_recorded_with_exactly_its_fields(harness: AppHarness) -> None:
    assert harness.run(KEY_BANK_A, TX_REGISTER_POLICY, make_policy()).ok
    record_id = f"{BANK_A}:sme-2025"
    fields = get_fields(harness, KIND_POLICY, record_id)
    rules_bytes = fields.pop("rules")
    assert fields == {
        "policy_id": "sme-2025",
        "bank": BANK_A,
        "name": "SME working capital 2025",
        "max_amount": 50_000_000_00,
        "amount_basis_field": "tax.vat_paid_total",
        "amount_basis_ratio_bp": 30_000,
        "rate_bp": 385,
    }
    assert isinstance(rules_bytes, bytes)
    assert decode_policy_rules(rules_bytes) == SAMPLE_RULES
    assert read_policy(harness.state, BANK_A, "sme-2025") == CreditPolicy(
        "sme-2025",
        BANK_A,
        "SME working capital 2025",
        SAMPLE_RULES,
        50_000_000_00,
        "tax.vat_paid_total",
        30_000,
        385,
    )
    assert read_policy(harness.state, BANK_B, "sme-2025") is None
    assert_valid_record(harness, KIND_POLICY, record_id)


def test_a_read_policy_evaluates_like_the_registered_one(harness: AppHarness) -> None:
    assert harness.run(KEY_BANK_A, TX_REGISTER_POLICY, make_policy()).ok
    policy = read_policy(harness.state, BANK_A, "sme-2025")
    data = {
        "tax.vat_paid_total": 2_000_000_00,
        "tax.clearance_valid": True,
        "industry.attestation": "attested",
    }
    outcome = evaluate_policy(policy, data, 9_000_000_00)
    assert (outcome.approved, outcome.amount, outcome.rate_bp) == (True, 6_000_000_00, 385)


def test_policies_are_immutable_a_new_version_is_a_new_id(harness: AppHarness) -> None:
    assert harness.run(KEY_BANK_A, TX_REGISTER_POLICY, make_policy()).ok
    assert_refused_unchanged(
        harness,
        KEY_BANK_A,
        TX_REGISTER_POLICY,
        make_policy(rate_bp=100, record_seed=make_seed("v2")),
        ErrorCode.RECORD_EXISTS,
    )
    assert read_policy(harness.state, BANK_A, "sme-2025").rate_bp == 385
    assert harness.run(KEY_BANK_A, TX_REGISTER_POLICY, make_policy("sme-2025-v2")).ok
    # Another bank's policy of the same id is its own record.
    assert harness.run(KEY_BANK_B, TX_REGISTER_POLICY, make_policy()).ok
    assert read_policy(harness.state, BANK_B, "sme-2025").bank == BANK_B


INVALID_POLICIES = {
    "no rules": make_policy(rules=[]),
    "65 rules": make_policy(rules=[make_rule(f"f{i}", "==", i) for i in range(65)]),
    "unknown operator": make_policy(rules=[make_rule("tax.paid", "=~", 1)]),
    "empty operator": make_policy(rules=[make_rule("tax.paid", "", 1)]),
    "ordering a string": make_policy(rules=[make_rule("industry.level", ">=", "A")]),
    "ordering a boolean": make_policy(rules=[make_rule("tax.clear", "<", True)]),
    "empty field": make_policy(rules=[make_rule("", "==", 1)]),
    "field with a space": make_policy(rules=[make_rule("tax paid", "==", 1)]),
    "field with a slash": make_policy(rules=[make_rule("tax/paid", "==", 1)]),
    "field too long": make_policy(rules=[make_rule("f" * 129, "==", 1)]),
    "no value": make_policy(rules=[make_rule("tax.paid", "==", None)]),
    "value too long": make_policy(rules=[make_rule("tax.level", "==", "x" * 513)]),
    "reason too long": make_policy(rules=[make_rule("tax.paid", "==", 1, "r" * 513)]),
    "second rule bad": make_policy(
        rules=[make_rule("tax.paid", ">=", 1), make_rule("tax.paid", "=>", 1)]
    ),
    "max_amount 0": make_policy(max_amount=0),
    "max_amount negative": make_policy(max_amount=-1),
    "max_amount too large": make_policy(max_amount=10**15 + 1),
    "ratio without basis": make_policy(amount_basis_field="", amount_basis_ratio_bp=5_000),
    "basis without ratio": make_policy(amount_basis_ratio_bp=0),
    "bad basis field": make_policy(amount_basis_field="tax paid"),
    "rate above 10000": make_policy(rate_bp=10_001),
    "rate 0": make_policy(rate_bp=0),
}


@pytest.mark.parametrize("payload", INVALID_POLICIES.values(), ids=INVALID_POLICIES.keys())
def test_an_invalid_policy_is_refused_and_nothing_changes(
    harness: AppHarness, payload: Message
) -> None:
    assert_refused_before_a_block(
        harness, KEY_BANK_A, TX_REGISTER_POLICY, payload, ErrorCode.POLICY_INVALID
    )


@pytest.mark.parametrize(
    "payload",
    [
        make_policy(policy_id=""),
        make_policy(policy_id="sme 2025"),
        make_policy(name=""),
        make_policy(name="n" * 513),
        make_policy(record_seed=b""),
        make_policy(record_seed=b"s" * 65),
    ],
)
def test_a_bad_policy_field_is_refused_and_nothing_changes(
    harness: AppHarness, payload: Message
) -> None:
    assert_refused_before_a_block(
        harness, KEY_BANK_A, TX_REGISTER_POLICY, payload, ErrorCode.INVALID_FIELD_VALUE
    )


@pytest.mark.parametrize("rate_bp", [1, 10_000])
def test_rate_bounds_of_a_policy_are_inclusive(harness: AppHarness, rate_bp: int) -> None:
    assert harness.run(KEY_BANK_A, TX_REGISTER_POLICY, make_policy(rate_bp=rate_bp)).ok


def test_a_policy_without_a_basis_field_is_valid(harness: AppHarness) -> None:
    payload = make_policy(amount_basis_field="", amount_basis_ratio_bp=0)
    assert harness.run(KEY_BANK_A, TX_REGISTER_POLICY, payload).ok
    assert read_policy(harness.state, BANK_A, "sme-2025").amount_basis_field == ""


# --- applications ----------------------------------------------------------------


def test_an_application_is_recorded_with_exactly_its_fields(harness: AppHarness) -> None:
    assert harness.run(KEY_A, TX_APPLY_FOR_LOAN, make_application()).ok
    assert get_fields(harness, KIND_LOAN, "app-1") == {
        "application_id": "app-1",
        "enterprise": ENT_A,
        "bank": BANK_A,
        "amount": 3_000_000_00,
        "term_months": 36,
        "purpose": "new production line",
        "policy_id": "",
        "status": "submitted",
        "decision_id": "",
        "decided_amount": 0,
        "rate_bp": 0,
        "reasons": "",
        "decided_height": 0,
        "consent_id": "",
        "data_set_id": "",
    }
    assert_valid_record(harness, KIND_LOAN, "app-1")


def test_an_application_under_a_policy_of_its_bank(harness: AppHarness) -> None:
    assert harness.run(KEY_BANK_A, TX_REGISTER_POLICY, make_policy()).ok
    assert harness.run(KEY_A, TX_APPLY_FOR_LOAN, make_application(policy_id="sme-2025")).ok
    assert get_fields(harness, KIND_LOAN, "app-1")["policy_id"] == "sme-2025"


def test_an_application_under_an_unknown_policy_is_refused(harness: AppHarness) -> None:
    # The policy exists, but at another bank than the one applied to.
    assert harness.run(KEY_BANK_B, TX_REGISTER_POLICY, make_policy()).ok
    assert_refused_unchanged(
        harness,
        KEY_A,
        TX_APPLY_FOR_LOAN,
        make_application(policy_id="sme-2025"),
        ErrorCode.POLICY_NOT_FOUND,
    )
    assert_refused_unchanged(
        harness,
        KEY_A,
        TX_APPLY_FOR_LOAN,
        make_application(bank=BANK_B, policy_id="no-such-policy"),
        ErrorCode.POLICY_NOT_FOUND,
    )


@pytest.mark.parametrize(
    "bank", ["bank-nowhere", ORG_IDS["central_bank"], ORG_IDS["auditor"], ENT_B]
)
def test_an_application_to_anything_but_a_bank_is_refused(harness: AppHarness, bank: str) -> None:
    assert_refused_unchanged(
        harness, KEY_A, TX_APPLY_FOR_LOAN, make_application(bank=bank), ErrorCode.MEMBER_NOT_FOUND
    )


def test_an_application_to_a_suspended_bank_is_refused(harness: AppHarness) -> None:
    suspend(harness, BANK_B, GOVERNORS, KEY_BANK_A)
    assert_refused_unchanged(
        harness,
        KEY_A,
        TX_APPLY_FOR_LOAN,
        make_application(bank=BANK_B),
        ErrorCode.MEMBER_SUSPENDED,
    )


def test_an_application_id_is_taken_once(harness: AppHarness) -> None:
    assert harness.run(KEY_A, TX_APPLY_FOR_LOAN, make_application()).ok
    # Even by another enterprise: application ids are one namespace.
    assert_refused_unchanged(
        harness, KEY_B, TX_APPLY_FOR_LOAN, make_application(amount=1), ErrorCode.RECORD_EXISTS
    )
    assert get_fields(harness, KIND_LOAN, "app-1")["enterprise"] == ENT_A


@pytest.mark.parametrize(
    "payload",
    [
        make_application(application_id=""),
        make_application(application_id="app 1"),
        make_application(bank=""),
        make_application(bank="bank icbc"),
        make_application(amount=0),
        make_application(amount=-5),
        make_application(amount=10**15 + 1),
        make_application(term_months=0),
        make_application(term_months=361),
        make_application(purpose=""),
        make_application(purpose="p" * 513),
        make_application(policy_id="bad policy"),
        make_application(record_seed=b"tiny"),
    ],
)
def test_a_bad_application_field_is_refused_and_nothing_changes(
    harness: AppHarness, payload: Message
) -> None:
    assert_refused_before_a_block(
        harness, KEY_A, TX_APPLY_FOR_LOAN, payload, ErrorCode.INVALID_FIELD_VALUE
    )


@pytest.mark.parametrize("term_months", [1, 360])
def test_term_bounds_are_inclusive(harness: AppHarness, term_months: int) -> None:
    assert harness.run(KEY_A, TX_APPLY_FOR_LOAN, make_application(term_months=term_months)).ok


# --- decisions -------------------------------------------------------------------


def apply(harness: AppHarness, **changes: object) -> None:
    assert harness.run(KEY_A, TX_APPLY_FOR_LOAN, make_application(**changes)).ok


def test_an_approval_creates_the_decision_and_updates_the_loan(harness: AppHarness) -> None:
    assert harness.run(KEY_BANK_A, TX_REGISTER_POLICY, make_policy()).ok
    apply(harness, policy_id="sme-2025")
    before = get_fields(harness, KIND_LOAN, "app-1")
    payload = make_decision(reasons=("strong VAT record",))
    assert harness.run(KEY_BANK_A, TX_DECIDE_LOAN, payload).ok
    height = harness.height
    assert get_fields(harness, KIND_DECISION, "dec-1") == {
        "decision_id": "dec-1",
        "application_id": "app-1",
        "bank": BANK_A,
        "enterprise": ENT_A,
        "outcome": "approved",
        "amount": 2_500_000_00,
        "rate_bp": 385,
        "reasons": "strong VAT record",
        "policy_id": "sme-2025",
        "decided_height": height,
        "decided_by": "officer",
        "consent_id": "",
        "data_set_id": "",
    }
    loan = read_record(harness.state, KIND_LOAN, "app-1")
    assert dict(loan.fields) == {
        **before,
        "status": "approved",
        "decision_id": "dec-1",
        "decided_amount": 2_500_000_00,
        "rate_bp": 385,
        "reasons": "strong VAT record",
        "decided_height": height,
    }
    assert (loan.version, loan.updated_height) == (2, height)
    for kind, record_id in get_record_ids(harness):
        assert_valid_record(harness, kind, record_id)


def test_a_rejection_records_its_reasons(harness: AppHarness) -> None:
    apply(harness)
    assert harness.run(KEY_BANK_A, TX_DECIDE_LOAN, make_rejection()).ok
    reasons = "VAT paid below 1,000,000 yuan; no valid tax clearance"
    decision = get_fields(harness, KIND_DECISION, "dec-1")
    assert (decision["outcome"], decision["amount"], decision["rate_bp"]) == ("rejected", 0, 0)
    assert decision["reasons"] == reasons
    assert decision["policy_id"] == ""
    loan = get_fields(harness, KIND_LOAN, "app-1")
    assert (loan["status"], loan["decided_amount"], loan["reasons"]) == ("rejected", 0, reasons)
    assert loan["decision_id"] == "dec-1"
    assert_valid_record(harness, KIND_DECISION, "dec-1")
    assert_valid_record(harness, KIND_LOAN, "app-1")


def test_the_whole_requested_amount_may_be_approved_but_no_more(harness: AppHarness) -> None:
    apply(harness, amount=1_000)
    assert_refused_unchanged(
        harness,
        KEY_BANK_A,
        TX_DECIDE_LOAN,
        make_decision(amount=1_001),
        ErrorCode.INVALID_FIELD_VALUE,
    )
    assert get_fields(harness, KIND_LOAN, "app-1")["status"] == "submitted"
    assert harness.run(KEY_BANK_A, TX_DECIDE_LOAN, make_decision(amount=1_000)).ok


def test_deciding_no_application_is_refused(harness: AppHarness) -> None:
    assert_refused_unchanged(
        harness, KEY_BANK_A, TX_DECIDE_LOAN, make_decision(), ErrorCode.LOAN_NOT_FOUND
    )


def test_only_the_bank_applied_to_decides(harness: AppHarness) -> None:
    apply(harness)
    assert_refused_unchanged(
        harness, KEY_BANK_B, TX_DECIDE_LOAN, make_decision(), ErrorCode.LOAN_WRONG_BANK
    )
    assert_refused_unchanged(
        harness, KEY_BANK_B, TX_DECIDE_LOAN, make_rejection(), ErrorCode.LOAN_WRONG_BANK
    )
    assert get_fields(harness, KIND_LOAN, "app-1")["status"] == "submitted"


@pytest.mark.parametrize("first_approves", [True, False])
def test_an_application_is_decided_once(harness: AppHarness, first_approves: bool) -> None:
    apply(harness)
    first = make_decision() if first_approves else make_rejection()
    assert harness.run(KEY_BANK_A, TX_DECIDE_LOAN, first).ok
    for again in (make_decision("dec-2"), make_rejection("dec-2")):
        assert_refused_unchanged(
            harness, KEY_BANK_A, TX_DECIDE_LOAN, again, ErrorCode.LOAN_ALREADY_DECIDED
        )
    assert read_record(harness.state, KIND_DECISION, "dec-2") is None


def test_a_decision_id_is_taken_once(harness: AppHarness) -> None:
    apply(harness)
    apply(harness, application_id="app-2")
    assert harness.run(KEY_BANK_A, TX_DECIDE_LOAN, make_decision()).ok
    assert_refused_unchanged(
        harness,
        KEY_BANK_A,
        TX_DECIDE_LOAN,
        make_decision(application_id="app-2"),
        ErrorCode.RECORD_EXISTS,
    )
    assert get_fields(harness, KIND_LOAN, "app-2")["status"] == "submitted"


def test_a_suspended_enterprises_application_may_still_be_decided(harness: AppHarness) -> None:
    apply(harness)
    suspend(harness, ENT_A, GOVERNORS, KEY_BANK_B)
    assert harness.run(KEY_BANK_A, TX_DECIDE_LOAN, make_rejection()).ok


@pytest.mark.parametrize(
    "payload",
    [
        make_decision(decision_id=""),
        make_decision(decision_id="dec 1"),
        make_decision(application_id=""),
        make_decision(amount=0),
        make_decision(amount=-1),
        make_decision(amount=10**15 + 1),
        make_decision(rate_bp=0),
        make_decision(rate_bp=10_001),
        make_decision(reasons=("",)),
        make_decision(reasons=("r" * 513,)),
        make_decision(reasons=tuple(f"r{i}" for i in range(65))),
        make_rejection(amount=1),
        make_rejection(rate_bp=385),
        make_rejection(reasons=[]),
        make_rejection(reasons=["fine", "  "]),
        make_decision(record_seed=b""),
    ],
)
def test_a_bad_decision_field_is_refused_and_nothing_changes(
    harness: AppHarness, payload: Message
) -> None:
    apply(harness)
    assert_refused_before_a_block(
        harness, KEY_BANK_A, TX_DECIDE_LOAN, payload, ErrorCode.INVALID_FIELD_VALUE
    )


def test_the_registered_enterprise_is_the_applicant_whatever_key_it_uses(
    harness: AppHarness,
) -> None:
    clerk = make_key("enterprise-a-clerk")
    add = membership_pb2.AddAccount(account_key=clerk.public_key, name="finance desk")
    assert harness.run(KEYS["enterprise"], TX_ADD_ACCOUNT, add).ok
    assert harness.run(clerk, TX_APPLY_FOR_LOAN, make_application()).ok
    assert get_fields(harness, KIND_LOAN, "app-1")["enterprise"] == ENT_A
