"""Credit policies and their evaluation (pure, deterministic, no I/O).

A bank registers a *credit policy*: conditions over named data fields (e.g.
``tax.vat_paid_total >= 100000000``), a cap on the amount, optionally a
second cap proportional to one data field, and the rate it offers. The
finance application stores it as a ``policy`` record; the data it is
evaluated on comes from elsewhere (in the end: fields verified from the tax
and industry chains), so :func:`evaluate_policy` never trusts the data's
shape: a missing field or a value of another type fails the rule that reads
it, with a reason naming the field, and nothing raises.

Rule language (``PolicyRule``): ``field op value`` where

* ``field`` is a data field name, 1-128 of ``A-Z a-z 0-9 . _ : -`` starting
  with a letter or digit;
* ``op`` is one of ``>= > <= < == !=``; the ordering operators only with an
  integer value;
* ``value`` is an integer, a string or a boolean; a data value matches only
  a value of the same type (``True`` is not ``1``);
* ``reason`` (optional) is what a rejection says when the rule fails.

Every rule must hold to approve. The approved amount is the smallest of the
requested amount, ``max_amount`` and, when ``amount_basis_field`` is set,
``data[amount_basis_field] * amount_basis_ratio_bp // 10000``.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from chains.apps.fields import (
    MAX_AMOUNT,
    MAX_TEXT_LEN,
    get_first_error,
    get_id_error,
    get_text_error,
)
from chains.apps.records import read_record
from chains.core.app import StateReader
from chains.core.errors import ConsortiumError, ErrorCode
from chains.core.protobuf import parse_message
from chains.core.records import FieldValue
from consortium.v1 import finance_pb2

KIND_POLICY = "policy"
BASIS_POINTS = 10_000
MAX_RULES = 64
MAX_RATE_BP = 10_000
MAX_RATIO_BP = (1 << 32) - 1
"""The ratio travels as a uint32."""
INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1

RuleValue = int | str | bool
"""What a rule compares with: the ``value`` oneof of ``PolicyRule``."""

_ORDERING: dict[str, Callable[[int, int], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
}
_EQUALITY: dict[str, Callable[[object, object], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
}
OPERATORS = (*_ORDERING, *_EQUALITY)
_FIELD_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
_SHOWN_VALUE_LEN = 64
"""Values quoted in reasons are cut to this many characters: data may be arbitrarily long."""


@dataclass(frozen=True, slots=True)
class PolicyRule:
    """One condition ``field op value`` of a credit policy (``value`` None: not set)."""

    field: str
    op: str
    value: RuleValue | None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class CreditPolicy:
    """A bank's deterministic credit policy (see the module docstring)."""

    policy_id: str
    bank: str
    name: str
    rules: tuple[PolicyRule, ...]
    max_amount: int
    amount_basis_field: str = ""
    amount_basis_ratio_bp: int = 0
    rate_bp: int = 0


@dataclass(frozen=True, slots=True)
class RuleCheck:
    """How one rule fared: whether it held, the value it read (None: missing), why not."""

    rule: PolicyRule
    holds: bool
    actual: FieldValue | None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class PolicyOutcome:
    """The result of evaluating a policy: approved with an amount and rate, or the reasons not.

    A rejection has amount 0 and rate 0 and at least one reason.
    """

    approved: bool
    amount: int
    rate_bp: int
    reasons: tuple[str, ...]
    checks: tuple[RuleCheck, ...]


# --------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------


def is_rule_value(value: object) -> bool:
    """True for a value a rule may compare with: an int64, a str or a bool."""
    if type(value) in (bool, str):
        return True
    return type(value) is int and INT64_MIN <= value <= INT64_MAX


def get_field_name_error(name: str, what: str) -> str:
    """Why ``name`` is not a data field name (1-128 id characters, dots allowed), or ""."""
    if not isinstance(name, str) or not _FIELD_PATTERN.fullmatch(name):
        return f"{what} must be 1 to 128 characters of A-Z a-z 0-9 . _ : - (got {name!r})"
    return ""


def get_rule_error(rule: PolicyRule, where: str = "rule") -> str:
    """Why ``rule`` is not a usable condition, or ""."""
    problem = get_field_name_error(rule.field, f"{where}.field")
    if problem:
        return problem
    if rule.op not in OPERATORS:
        return f"{where}.op must be one of {' '.join(OPERATORS)}, not {rule.op!r}"
    if rule.value is None:
        return f"{where} has no value to compare {rule.field} with"
    if not is_rule_value(rule.value):
        return f"{where}.value must be a 64-bit integer, a string or a boolean"
    if rule.op in _ORDERING and type(rule.value) is not int:
        return f"{where}: {rule.op} compares integers only, and the value is not one"
    if isinstance(rule.value, str) and len(rule.value) > MAX_TEXT_LEN:
        return f"{where}.value must be at most {MAX_TEXT_LEN} characters"
    if not isinstance(rule.reason, str) or len(rule.reason) > MAX_TEXT_LEN:
        return f"{where}.reason must be text of at most {MAX_TEXT_LEN} characters"
    return ""


def _get_range_error(value: object, low: int, high: int, what: str) -> str:
    if type(value) is not int or not low <= value <= high:
        return f"{what} must be an integer from {low} to {high}, not {value!r}"
    return ""


def get_policy_terms_error(policy: CreditPolicy) -> str:
    """Why the terms of ``policy`` (rules, caps, rate) are unusable, or "" (ids not checked)."""
    if not 1 <= len(policy.rules) <= MAX_RULES:
        return f"a policy has 1 to {MAX_RULES} rules, not {len(policy.rules)}"
    for index, rule in enumerate(policy.rules):
        problem = get_rule_error(rule, f"rules[{index}]")
        if problem:
            return problem
    problem = get_first_error(
        _get_range_error(policy.max_amount, 1, MAX_AMOUNT, "max_amount"),
        # A policy approves with its rate, and an approval needs a rate of 1 to 10000 bp.
        _get_range_error(policy.rate_bp, 1, MAX_RATE_BP, "rate_bp"),
    )
    if problem:
        return problem
    if not policy.amount_basis_field:
        if policy.amount_basis_ratio_bp != 0:
            return "amount_basis_ratio_bp needs an amount_basis_field to apply to"
        return ""
    return get_first_error(
        get_field_name_error(policy.amount_basis_field, "amount_basis_field"),
        # A ratio of 0 would cap every loan at nothing.
        _get_range_error(
            policy.amount_basis_ratio_bp, 1, MAX_RATIO_BP, "amount_basis_ratio_bp (with a basis)"
        ),
    )


def get_policy_error(policy: CreditPolicy) -> str:
    """Why ``policy`` cannot be registered or evaluated (the code is POLICY_INVALID), or ""."""
    return get_first_error(
        get_id_error(policy.policy_id, "policy_id"),
        get_id_error(policy.bank, "bank"),
        get_text_error(policy.name, "name"),
        get_policy_terms_error(policy),
    )


def require_valid_policy(policy: CreditPolicy) -> CreditPolicy:
    """``policy`` itself; raises ConsortiumError(POLICY_INVALID) naming what is wrong."""
    problem = get_policy_error(policy)
    if problem:
        raise ConsortiumError(ErrorCode.POLICY_INVALID, f"policy {policy.policy_id!r}: {problem}")
    return policy


# --------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= _SHOWN_VALUE_LEN else text[: _SHOWN_VALUE_LEN - 3] + "..."


def _type_name(value: object) -> str:
    return {bool: "a boolean", int: "an integer", str: "a string", bytes: "bytes"}.get(
        type(value), type(value).__name__
    )


def _describe(rule: PolicyRule) -> str:
    return rule.reason or f"{rule.field} must be {rule.op} {_show(rule.value)}"


def _compare(op: str, actual: RuleValue, expected: RuleValue) -> bool:
    if op in _ORDERING:
        return _ORDERING[op](actual, expected)  # both int: checked by the caller
    return _EQUALITY[op](actual, expected)


def compute_rule_check(rule: PolicyRule, data: Mapping[str, object]) -> RuleCheck:
    """Evaluate one rule on ``data``; a missing field or another type fails it, never raises."""
    if rule.field not in data:
        return RuleCheck(rule, False, None, f"{_describe(rule)} ({rule.field} is missing)")
    actual = data[rule.field]
    # Exact types: bool is a subclass of int in Python, but True must never pass for 1.
    if rule.value is None or type(actual) is not type(rule.value):
        shown = actual if isinstance(actual, FieldValue) else None
        return RuleCheck(
            rule,
            False,
            shown,
            f"{_describe(rule)} ({rule.field} is {_type_name(actual)}, "
            f"not {_type_name(rule.value)})",
        )
    if rule.op not in OPERATORS or (rule.op in _ORDERING and type(actual) is not int):
        return RuleCheck(rule, False, actual, f"{_describe(rule)} (operator {rule.op!r} unusable)")
    if _compare(rule.op, actual, rule.value):
        return RuleCheck(rule, True, actual)
    return RuleCheck(rule, False, actual, f"{_describe(rule)} ({rule.field} is {_show(actual)})")


def _reject(reasons: Sequence[str], checks: Sequence[RuleCheck]) -> PolicyOutcome:
    return PolicyOutcome(False, 0, 0, tuple(reasons), tuple(checks))


def evaluate_policy(
    policy: CreditPolicy, data: Mapping[str, object], requested_amount: int
) -> PolicyOutcome:
    """Decide a loan request of ``requested_amount`` fen under ``policy`` on ``data``.

    Every rule is evaluated, in order, and every failure gives a reason; all
    must hold to approve. The approved amount is min(requested, max_amount,
    basis * ratio // 10000); a missing or non-integer basis field, or a cap
    that leaves nothing, rejects. Deterministic; never raises on any data.
    """
    problem = get_policy_error(policy)
    if problem:
        return _reject([f"the policy is unusable: {problem}"], [])
    checks = [compute_rule_check(rule, data) for rule in policy.rules]
    reasons = [check.reason for check in checks if not check.holds]
    if type(requested_amount) is not int or requested_amount <= 0:
        reasons.append(
            f"the requested amount must be a positive number of fen, not {_show(requested_amount)}"
        )
    if reasons:
        return _reject(reasons, checks)
    amount = min(requested_amount, policy.max_amount)
    basis_field = policy.amount_basis_field
    if basis_field:
        basis = data.get(basis_field)
        if type(basis) is not int:
            missing = "missing" if basis_field not in data else _type_name(basis)
            return _reject(
                [f"the amount is capped by {basis_field}, which is {missing}, not an integer"],
                checks,
            )
        amount = min(amount, basis * policy.amount_basis_ratio_bp // BASIS_POINTS)
    if amount <= 0:
        return _reject(
            [
                f"{basis_field} of {_show(data.get(basis_field))} at "
                f"{policy.amount_basis_ratio_bp} bp leaves no amount to lend"
            ],
            checks,
        )
    return PolicyOutcome(True, amount, policy.rate_bp, (), tuple(checks))


# --------------------------------------------------------------------------
# Encoding and reading
# --------------------------------------------------------------------------


def get_policy_rule(message: finance_pb2.PolicyRule) -> PolicyRule:
    """The rule a ``PolicyRule`` message states (value None when its oneof is unset)."""
    which = message.WhichOneof("value")
    value: RuleValue | None = None if which is None else getattr(message, which)
    return PolicyRule(message.field, message.op, value, message.reason)


def make_policy_rule_message(rule: PolicyRule) -> finance_pb2.PolicyRule:
    """The ``PolicyRule`` message of ``rule`` (a valid one: see :func:`get_rule_error`)."""
    message = finance_pb2.PolicyRule(field=rule.field, op=rule.op, reason=rule.reason)
    if isinstance(rule.value, bool):
        message.bool_value = rule.value
    elif isinstance(rule.value, int):
        message.int_value = rule.value
    elif isinstance(rule.value, str):
        message.str_value = rule.value
    return message


def encode_policy_rules(rules: Sequence[PolicyRule]) -> bytes:
    """The serialised ``PolicyRules`` kept in a policy record's "rules" field."""
    message = finance_pb2.PolicyRules(rules=[make_policy_rule_message(rule) for rule in rules])
    return message.SerializeToString(deterministic=True)


def decode_policy_rules(raw: bytes) -> tuple[PolicyRule, ...]:
    """The rules of a policy record's "rules" bytes; MALFORMED_INPUT when undecodable."""
    message = parse_message(finance_pb2.PolicyRules, raw)
    return tuple(get_policy_rule(rule) for rule in message.rules)


def get_credit_policy(bank: str, payload: finance_pb2.RegisterPolicy) -> CreditPolicy:
    """The policy a ``RegisterPolicy`` payload from ``bank`` states (not yet validated)."""
    return CreditPolicy(
        policy_id=payload.policy_id,
        bank=bank,
        name=payload.name,
        rules=tuple(get_policy_rule(rule) for rule in payload.rules),
        max_amount=payload.max_amount,
        amount_basis_field=payload.amount_basis_field,
        amount_basis_ratio_bp=payload.amount_basis_ratio_bp,
        rate_bp=payload.rate_bp,
    )


def get_policy_record_id(bank: str, policy_id: str) -> str:
    """The id of bank ``bank``'s policy ``policy_id``: ``<bank>:<policy_id>``."""
    return f"{bank}:{policy_id}"


def get_policy_fields(policy: CreditPolicy) -> dict[str, FieldValue]:
    """The fields of the ``policy`` record that stores ``policy``."""
    return {
        "policy_id": policy.policy_id,
        "bank": policy.bank,
        "name": policy.name,
        "rules": encode_policy_rules(policy.rules),
        "max_amount": policy.max_amount,
        "amount_basis_field": policy.amount_basis_field,
        "amount_basis_ratio_bp": policy.amount_basis_ratio_bp,
        "rate_bp": policy.rate_bp,
    }


def read_policy(state: StateReader, bank: str, policy_id: str) -> CreditPolicy | None:
    """Bank ``bank``'s registered policy ``policy_id``, or None when it has none by that id."""
    record = read_record(state, KIND_POLICY, get_policy_record_id(bank, policy_id))
    if record is None:
        return None
    try:
        return CreditPolicy(
            policy_id=str(record.get("policy_id")),
            bank=str(record.get("bank")),
            name=str(record.get("name")),
            rules=decode_policy_rules(record.get("rules", b"")),
            max_amount=int(record.get("max_amount", 0)),
            amount_basis_field=str(record.get("amount_basis_field", "")),
            amount_basis_ratio_bp=int(record.get("amount_basis_ratio_bp", 0)),
            rate_bp=int(record.get("rate_bp", 0)),
        )
    except (TypeError, ValueError):
        raise ConsortiumError(
            ErrorCode.RECORD_MALFORMED, f"policy record {bank}:{policy_id} has malformed fields"
        ) from None
