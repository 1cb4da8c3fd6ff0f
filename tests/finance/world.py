"""The finance chain under test: one organisation per role, a second bank and enterprise,
payload makers."""

from __future__ import annotations

from chains.finance.app import (
    FINANCE_APPLICATION,
    TX_APPLY_FOR_LOAN,
    TX_DECIDE_LOAN,
    TX_REGISTER_POLICY,
)
from chains.finance.relay_rules import (
    TX_REVOKE_CONSENT,
    TX_SUBMIT_MISBEHAVIOUR,
    TX_TRANSFER,
    TX_UPDATE_CLIENT,
)
from consortium.v1 import finance_pb2
from tests.apps.harness import AppHarness, make_key, make_org
from tests.industry.support import make_role_orgs, make_seed, make_uscc
from tests.relay.support import START_MS, V, W

FINANCE_CHAIN = "finance-test-1"
TAX_CHAIN = "tax-1"
INDUSTRY_CHAIN = "industry-1"
SOURCE_KEYS = {TAX_CHAIN: V, INDUSTRY_CHAIN: W}
"""The genesis validator sets of the source chains (real BLS keys)."""
SOURCE_GENESIS_HASHES = {TAX_CHAIN: b"\x71" * 32, INDUSTRY_CHAIN: b"\x72" * 32}
TRUSTING_PERIOD_MS = 3_600_000
MAX_CLOCK_DRIFT_MS = 60_000
RELAY_SECTION = {
    "identity_chain": TAX_CHAIN,
    "light_clients": [
        {
            "chain_id": chain_id,
            "genesis_hash": SOURCE_GENESIS_HASHES[chain_id].hex(),
            "genesis_time_unix_ms": START_MS,
            "validators_hash": keys.hash.hex(),
            "trusting_period_ms": TRUSTING_PERIOD_MS,
            "max_clock_drift_ms": MAX_CLOCK_DRIFT_MS,
        }
        for chain_id, keys in SOURCE_KEYS.items()
    ],
}

ENT_A = make_uscc(1)
ENT_B = make_uscc(2)
BANK_A = "bank-icbc-sz"
BANK_B = "bank-ccb-sz"
ORG_IDS = {
    "tax_bureau": "tax-bureau",
    "public_security": "public-security",
    "customs": "customs",
    "central_bank": "pboc-shenzhen",
    "industry_association": "industry-association",
    "enterprise_federation": "enterprise-federation",
    "bank": BANK_A,
    "enterprise": ENT_A,
    "auditor": "audit-office",
}
_ORGS, KEYS = make_role_orgs(ORG_IDS, governing=("bank",))
KEY_BANK_A = KEYS["bank"]
KEY_BANK_B = make_key("bank-b-key")
KEY_A = KEYS["enterprise"]
KEY_B = make_key("enterprise-b-key")
APP_STATE = {
    "organisations": [
        *_ORGS,
        make_org(BANK_B, "bank", KEY_BANK_B, governing=True),
        make_org(ENT_B, "enterprise", KEY_B),
    ],
    "relay": RELAY_SECTION,
}
GOVERNORS = (KEY_BANK_A, KEY_BANK_B)

ALLOWED_ROLE = {
    TX_REGISTER_POLICY: "bank",
    TX_APPLY_FOR_LOAN: "enterprise",
    TX_DECIDE_LOAN: "bank",
    TX_REVOKE_CONSENT: "enterprise",
}
OPEN_TX_TYPES = (TX_SUBMIT_MISBEHAVIOUR, TX_TRANSFER, TX_UPDATE_CLIENT)
"""Any member may send these: a relay is trusted for nothing (tests/finance/test_relay.py)."""


def make_harness() -> AppHarness:
    """A fresh finance chain at genesis."""
    return AppHarness(FINANCE_APPLICATION, APP_STATE, chain_id=FINANCE_CHAIN, time_unix_ms=START_MS)


def make_rule(
    field: str, op: str, value: int | str | bool | None, reason: str = ""
) -> finance_pb2.PolicyRule:
    """A ``PolicyRule`` message (value None: the oneof left unset)."""
    rule = finance_pb2.PolicyRule(field=field, op=op, reason=reason)
    if isinstance(value, bool):
        rule.bool_value = value
    elif isinstance(value, int):
        rule.int_value = value
    elif isinstance(value, str):
        rule.str_value = value
    return rule


def make_policy_rules() -> list[finance_pb2.PolicyRule]:
    """The rules of the sample policy."""
    return [
        make_rule("tax.vat_paid_total", ">=", 1_000_000_00, "VAT paid below 1,000,000 yuan"),
        make_rule("tax.clearance_valid", "==", True, "no valid tax clearance"),
        make_rule("industry.attestation", "==", "attested"),
    ]


def make_policy(policy_id: str = "sme-2025", **changes: object) -> finance_pb2.RegisterPolicy:
    """A valid policy registration (fields overridable)."""
    fields = {
        "policy_id": policy_id,
        "name": "SME working capital 2025",
        "rules": make_policy_rules(),
        "max_amount": 50_000_000_00,
        "amount_basis_field": "tax.vat_paid_total",
        "amount_basis_ratio_bp": 30_000,
        "rate_bp": 385,
        "record_seed": make_seed(f"policy/{policy_id}"),
        **changes,
    }
    return finance_pb2.RegisterPolicy(**fields)


def make_application(
    application_id: str = "app-1", bank: str = BANK_A, amount: int = 3_000_000_00, **changes: object
) -> finance_pb2.ApplyForLoan:
    """A valid loan application (fields overridable)."""
    fields = {
        "application_id": application_id,
        "bank": bank,
        "amount": amount,
        "term_months": 36,
        "purpose": "new production line",
        "policy_id": "",
        "record_seed": make_seed(f"loan/{application_id}"),
        **changes,
    }
    return finance_pb2.ApplyForLoan(**fields)


def make_decision(
    decision_id: str = "dec-1",
    application_id: str = "app-1",
    approve: bool = True,
    amount: int = 2_500_000_00,
    rate_bp: int = 385,
    reasons: tuple[str, ...] = (),
    **changes: object,
) -> finance_pb2.DecideLoan:
    """A valid decision (an approval unless told otherwise)."""
    fields = {
        "decision_id": decision_id,
        "application_id": application_id,
        "approve": approve,
        "amount": amount,
        "rate_bp": rate_bp,
        "reasons": list(reasons),
        "record_seed": make_seed(f"decision/{decision_id}"),
        **changes,
    }
    return finance_pb2.DecideLoan(**fields)


def make_rejection(
    decision_id: str = "dec-1", application_id: str = "app-1", **changes: object
) -> finance_pb2.DecideLoan:
    """A valid rejection (fields overridable)."""
    fields = {
        "approve": False,
        "amount": 0,
        "rate_bp": 0,
        "reasons": ("VAT paid below 1,000,000 yuan", "no valid tax clearance"),
        **changes,
    }
    return make_decision(decision_id, application_id, **fields)


def make_revocation(consent_id: str = "consent-1", **changes: object) -> finance_pb2.RevokeConsent:
    """A valid revocation (of a consent not yet seen unless one was granted)."""
    fields = {
        "consent_id": consent_id,
        "reason": "the loan was arranged elsewhere",
        "record_seed": make_seed(f"consent/{consent_id}"),
        **changes,
    }
    return finance_pb2.RevokeConsent(**fields)


VALID_PAYLOADS = {
    TX_REGISTER_POLICY: make_policy,
    TX_APPLY_FOR_LOAN: make_application,
    TX_DECIDE_LOAN: make_decision,
    TX_REVOKE_CONSENT: make_revocation,
}
