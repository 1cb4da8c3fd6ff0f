"""Credit policy validation and evaluation (pure): table-driven and property tests."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chains.core.errors import ConsortiumError, ErrorCode
from chains.finance.policy import (
    MAX_RULES,
    CreditPolicy,
    PolicyOutcome,
    PolicyRule,
    compute_rule_check,
    decode_policy_rules,
    encode_policy_rules,
    evaluate_policy,
    get_policy_error,
    require_valid_policy,
)

DATA = {
    "tax.vat_paid_total": 2_000_000_00,
    "tax.clearance_valid": True,
    "industry.attestation": "attested",
    "industry.headcount": 250,
}


def make_policy(*rules: PolicyRule, **changes: object) -> CreditPolicy:
    policy = CreditPolicy(
        policy_id="sme-2025",
        bank="bank-icbc-sz",
        name="SME working capital",
        rules=rules or (PolicyRule("tax.vat_paid_total", ">=", 1_000_000_00, "VAT too low"),),
        max_amount=50_000_000_00,
        rate_bp=385,
    )
    return replace(policy, **changes)


# --- one rule: every operator and type -------------------------------------------

RULE_TABLE = [
    # (op, rule value, data value, holds)
    (">=", 10, 10, True),
    (">=", 10, 11, True),
    (">=", 10, 9, False),
    (">", 10, 11, True),
    (">", 10, 10, False),
    ("<=", 10, 10, True),
    ("<=", 10, 11, False),
    ("<", 10, 9, True),
    ("<", 10, 10, False),
    ("<", -5, -6, True),
    (">", -(2**63), -(2**63) + 1, True),
    ("==", 10, 10, True),
    ("==", 10, 11, False),
    ("!=", 10, 11, True),
    ("!=", 10, 10, False),
    ("==", "attested", "attested", True),
    ("==", "attested", "Attested", False),
    ("==", "", "", True),
    ("!=", "attested", "required", True),
    ("!=", "attested", "attested", False),
    ("==", True, True, True),
    ("==", True, False, False),
    ("==", False, False, True),
    ("!=", True, False, True),
    ("!=", False, False, False),
]


@pytest.mark.parametrize(("op", "expected", "actual", "holds"), RULE_TABLE)
def test_each_operator_and_type(op: str, expected: object, actual: object, holds: bool) -> None:
    rule = PolicyRule("x.value", op, expected)
    check = compute_rule_check(rule, {"x.value": actual})
    assert check.holds is holds
    assert check.actual == actual
    assert (check.reason == "") is holds
    if not holds:
        assert "x.value" in check.reason


@pytest.mark.parametrize(
    ("expected", "actual"),
    [
        (1, True),  # True is not 1, although Python says True == 1
        (0, False),
        (True, 1),
        (False, 0),
        (1, "1"),
        ("1", 1),
        ("attested", b"attested"),
        (100, 100.0),
        (100, None),
        (True, "true"),
    ],
)
@pytest.mark.parametrize("op", ["==", "!="])
def test_a_value_of_another_type_fails_naming_the_field(
    op: str, expected: object, actual: object
) -> None:
    check = compute_rule_check(
        PolicyRule("tax.clearance_valid", op, expected), {"tax.clearance_valid": actual}
    )
    assert not check.holds
    assert "tax.clearance_valid" in check.reason


@pytest.mark.parametrize("op", [">=", ">", "<=", "<"])
@pytest.mark.parametrize("actual", [True, "5", b"\x05", 5.0, None, [5]])
def test_an_ordering_on_a_non_integer_fails(op: str, actual: object) -> None:
    check = compute_rule_check(PolicyRule("tax.paid", op, 5), {"tax.paid": actual})
    assert not check.holds
    assert "tax.paid" in check.reason


def test_a_missing_field_fails_naming_it() -> None:
    rule = PolicyRule("tax.vat_paid_total", ">=", 1, "VAT too low")
    check = compute_rule_check(rule, {"tax.other": 5})
    assert (check.holds, check.actual) == (False, None)
    assert "VAT too low" in check.reason
    assert "tax.vat_paid_total is missing" in check.reason


def test_a_rule_without_reason_describes_itself() -> None:
    check = compute_rule_check(PolicyRule("industry.headcount", ">", 500), DATA)
    assert check.reason == "industry.headcount must be > 500 (industry.headcount is 250)"


# --- a whole policy ---------------------------------------------------------------

RULES = (
    PolicyRule("tax.vat_paid_total", ">=", 1_000_000_00, "VAT paid below 1,000,000 yuan"),
    PolicyRule("tax.clearance_valid", "==", True, "no valid tax clearance"),
    PolicyRule("industry.attestation", "==", "attested", "production not attested"),
)


def test_all_rules_holding_approve_with_the_policy_rate() -> None:
    outcome = evaluate_policy(make_policy(*RULES), DATA, 3_000_000_00)
    assert outcome == PolicyOutcome(
        approved=True,
        amount=3_000_000_00,
        rate_bp=385,
        reasons=(),
        checks=tuple(compute_rule_check(rule, DATA) for rule in RULES),
    )
    assert all(check.holds for check in outcome.checks)


def test_every_failing_rule_gives_a_reason_in_order() -> None:
    data = {**DATA, "tax.vat_paid_total": 5, "industry.attestation": "required"}
    del data["tax.clearance_valid"]
    outcome = evaluate_policy(make_policy(*RULES), data, 3_000_000_00)
    assert (outcome.approved, outcome.amount, outcome.rate_bp) == (False, 0, 0)
    assert len(outcome.reasons) == 3
    assert outcome.reasons[0].startswith("VAT paid below 1,000,000 yuan")
    assert "tax.clearance_valid is missing" in outcome.reasons[1]
    assert outcome.reasons[2].startswith("production not attested")
    assert [check.holds for check in outcome.checks] == [False, False, False]


def test_one_failing_rule_rejects() -> None:
    outcome = evaluate_policy(make_policy(*RULES), {**DATA, "tax.clearance_valid": False}, 100)
    assert not outcome.approved
    assert outcome.reasons == ("no valid tax clearance (tax.clearance_valid is False)",)
    assert [check.holds for check in outcome.checks] == [True, False, True]


@pytest.mark.parametrize(
    ("requested", "max_amount", "basis", "ratio_bp", "expected"),
    [
        (100, 1_000, None, 0, 100),  # the request itself
        (5_000, 1_000, None, 0, 1_000),  # capped by max_amount
        (1_000, 1_000, None, 0, 1_000),
        (5_000, 10_000, 2_000, 10_000, 2_000),  # capped by the basis at 100%
        (5_000, 10_000, 2_000, 15_000, 3_000),  # 150% of the basis
        (5_000, 10_000, 2_000, 5_000, 1_000),  # 50%
        (5_000, 10_000, 3, 3_333, 0),  # 3 * 3333 // 10000 = 0: nothing to lend
        (5_000, 1_500, 2_000, 10_000, 1_500),  # max_amount below the basis cap
        (500, 10_000, 2_000, 10_000, 500),  # the request below both caps
        (5_000, 10_000, -2_000, 10_000, 0),  # a negative basis allows nothing
    ],
)
def test_the_approved_amount_is_the_smallest_cap(
    requested: int, max_amount: int, basis: int | None, ratio_bp: int, expected: int
) -> None:
    changes: dict[str, object] = {"max_amount": max_amount}
    data: dict[str, object] = {"tax.vat_paid_total": 2_000_000_00}
    if basis is not None:
        changes |= {"amount_basis_field": "tax.basis", "amount_basis_ratio_bp": ratio_bp}
        data["tax.basis"] = basis
    outcome = evaluate_policy(make_policy(**changes), data, requested)
    assert outcome.amount == expected
    assert outcome.approved is (expected > 0)
    assert outcome.rate_bp == (385 if expected else 0)
    assert bool(outcome.reasons) is (expected == 0)


@pytest.mark.parametrize("basis", [None, "2000", True, b"\x07\xd0", 2000.0])
def test_a_missing_or_non_integer_basis_rejects(basis: object) -> None:
    policy = make_policy(amount_basis_field="tax.basis", amount_basis_ratio_bp=10_000)
    data: dict[str, object] = {"tax.vat_paid_total": 2_000_000_00}
    if basis is not None:
        data["tax.basis"] = basis
    outcome = evaluate_policy(policy, data, 100)
    assert (outcome.approved, outcome.amount) == (False, 0)
    assert "tax.basis" in outcome.reasons[0]


@pytest.mark.parametrize("requested", [0, -1, True, "100", None])
def test_a_request_that_is_not_a_positive_integer_rejects(requested: object) -> None:
    outcome = evaluate_policy(make_policy(), DATA, requested)  # type: ignore[arg-type]
    assert (outcome.approved, outcome.amount, outcome.rate_bp) == (False, 0, 0)
    assert "requested amount" in outcome.reasons[-1]


def test_an_invalid_policy_rejects_without_raising() -> None:
    outcome = evaluate_policy(make_policy(PolicyRule("x", "=~", 1)), DATA, 100)
    assert not outcome.approved
    assert "unusable" in outcome.reasons[0]


def test_evaluation_is_deterministic() -> None:
    policy = make_policy(*RULES, amount_basis_field="tax.vat_paid_total", amount_basis_ratio_bp=7)
    reordered = dict(reversed(list(DATA.items())))
    first = evaluate_policy(policy, DATA, 10**9)
    assert (
        first == evaluate_policy(policy, DATA, 10**9) == evaluate_policy(policy, reordered, 10**9)
    )
    assert first.amount == 2_000_000_00 * 7 // 10_000


# --- validation -----------------------------------------------------------------

VALID = make_policy()
INVALID = {
    "no rules": replace(VALID, rules=()),
    "too many rules": replace(VALID, rules=(PolicyRule("a", "==", 1),) * (MAX_RULES + 1)),
    "bad operator": make_policy(PolicyRule("a", "=", 1)),
    "ordering a string": make_policy(PolicyRule("a", ">", "b")),
    "ordering a boolean": make_policy(PolicyRule("a", "<=", False)),
    "no value": make_policy(PolicyRule("a", "==", None)),
    "a float value": make_policy(PolicyRule("a", "==", 1.5)),  # type: ignore[arg-type]
    "a bytes value": make_policy(PolicyRule("a", "==", b"x")),  # type: ignore[arg-type]
    "an int beyond int64": make_policy(PolicyRule("a", "==", 2**63)),
    "empty field": make_policy(PolicyRule("", "==", 1)),
    "field with space": make_policy(PolicyRule("a b", "==", 1)),
    "field starting with a dot": make_policy(PolicyRule(".a", "==", 1)),
    "max_amount 0": replace(VALID, max_amount=0),
    "max_amount above the limit": replace(VALID, max_amount=10**15 + 1),
    "ratio without basis": replace(VALID, amount_basis_ratio_bp=100),
    "basis without ratio": replace(VALID, amount_basis_field="tax.basis"),
    "bad basis field": replace(VALID, amount_basis_field="tax basis", amount_basis_ratio_bp=1),
    "rate above 10000": replace(VALID, rate_bp=10_001),
    "rate 0": replace(VALID, rate_bp=0),
    "bad policy id": replace(VALID, policy_id="sme 2025"),
    "bad bank": replace(VALID, bank=""),
    "empty name": replace(VALID, name=" "),
}


@pytest.mark.parametrize("policy", INVALID.values(), ids=INVALID.keys())
def test_an_invalid_policy_is_named(policy: CreditPolicy) -> None:
    assert get_policy_error(policy)
    with pytest.raises(ConsortiumError) as raised:
        require_valid_policy(policy)
    assert raised.value.code == ErrorCode.POLICY_INVALID


@pytest.mark.parametrize(
    "policy",
    [
        VALID,
        make_policy(*RULES),
        replace(VALID, rules=(PolicyRule("a", "==", 1),) * MAX_RULES),
        replace(VALID, amount_basis_field="tax.basis", amount_basis_ratio_bp=1, rate_bp=10_000),
        make_policy(PolicyRule("a:b-c_d.e", "!=", ""), PolicyRule("Z9", "<", -(2**63))),
    ],
)
def test_a_valid_policy_passes(policy: CreditPolicy) -> None:
    assert get_policy_error(policy) == ""
    assert require_valid_policy(policy) is policy


def test_undecodable_rules_bytes_are_malformed() -> None:
    with pytest.raises(ConsortiumError) as raised:
        decode_policy_rules(b"\x0a\xff")
    assert raised.value.code == ErrorCode.MALFORMED_INPUT


# --- properties -----------------------------------------------------------------

FIELD_NAMES = st.sampled_from(["tax.a", "tax.b", "industry.c", "x"]) | st.text(max_size=8)
RULE_VALUES = st.integers(-(2**63), 2**63 - 1) | st.text(max_size=8) | st.booleans()
DATA_VALUES = (
    st.integers()
    | st.text(max_size=16)
    | st.booleans()
    | st.binary(max_size=16)
    | st.none()
    | st.floats(allow_nan=True)
    | st.lists(st.integers(), max_size=3)
)
RULE_STRATEGY = st.builds(
    PolicyRule,
    field=FIELD_NAMES,
    op=st.sampled_from([">=", ">", "<=", "<", "==", "!=", "=", ""]),
    value=RULE_VALUES | st.none(),
    reason=st.text(max_size=8),
)
POLICY_STRATEGY = st.builds(
    CreditPolicy,
    policy_id=st.just("p"),
    bank=st.just("bank"),
    name=st.just("policy"),
    rules=st.lists(RULE_STRATEGY, min_size=0, max_size=6).map(tuple),
    max_amount=st.integers(-5, 10**16),
    amount_basis_field=st.sampled_from(["", "tax.a", "x", "bad field"]),
    amount_basis_ratio_bp=st.integers(0, 2**32),
    rate_bp=st.integers(-1, 10_001),
)


@settings(max_examples=300, deadline=None)
@given(
    policy=POLICY_STRATEGY,
    data=st.dictionaries(FIELD_NAMES, DATA_VALUES, max_size=8),
    requested=st.integers() | st.none() | st.booleans(),
)
def test_evaluation_never_raises_and_keeps_its_invariants(
    policy: CreditPolicy, data: dict[str, object], requested: int
) -> None:
    outcome = evaluate_policy(policy, data, requested)
    assert outcome == evaluate_policy(policy, dict(data), requested)
    if outcome.approved:
        assert get_policy_error(policy) == ""
        assert 0 < outcome.amount <= min(requested, policy.max_amount)
        assert outcome.rate_bp == policy.rate_bp
        assert outcome.reasons == ()
        assert all(check.holds for check in outcome.checks)
    else:
        assert (outcome.amount, outcome.rate_bp) == (0, 0)
        assert outcome.reasons and all(isinstance(reason, str) for reason in outcome.reasons)


VALID_RULE = st.one_of(
    st.builds(
        PolicyRule,
        field=st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,20}", fullmatch=True),
        op=st.sampled_from([">=", ">", "<=", "<", "==", "!="]),
        value=st.integers(-(2**63), 2**63 - 1),
        reason=st.text(max_size=20),
    ),
    st.builds(
        PolicyRule,
        field=st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,20}", fullmatch=True),
        op=st.sampled_from(["==", "!="]),
        value=st.text(max_size=20) | st.booleans(),
        reason=st.text(max_size=20),
    ),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(VALID_RULE, min_size=1, max_size=12).map(tuple))
def test_valid_rules_round_trip_through_their_bytes(rules: tuple[PolicyRule, ...]) -> None:
    assert get_policy_error(replace(VALID, rules=rules)) == ""
    encoded = encode_policy_rules(rules)
    assert decode_policy_rules(encoded) == rules
    assert encode_policy_rules(decode_policy_rules(encoded)) == encoded
