"""A tax chain in memory for the tax application's tests: one organisation of each role.

``make_world()`` returns a harness after a few blocks that set up one record
of each kind, so that :func:`get_valid_calls` has, for every tax transaction
type, a payload its allowed sender can send successfully right then.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from google.protobuf.message import Message

from chains.apps.fields import compute_uscc_check_character
from chains.apps.membership import (
    TX_ADD_ACCOUNT,
    TX_GOVERN,
    make_governance_action,
)
from chains.core.app import TxResult, get_account_nonce, get_nonce_key
from chains.core.crypto import Ed25519KeyPair
from chains.core.errors import Verdict
from chains.tax.app import (
    TAX_APPLICATION,
    TX_DECLARE_INVOICE,
    TX_ISSUE_CLEARANCE,
    TX_ISSUE_INVOICE,
    TX_LOCK_INVOICE,
    TX_RECORD_PAYMENT,
    TX_RED_LETTER,
    TX_REIMBURSE_INVOICE,
    TX_REVOKE_CLEARANCE,
    TX_SUBMIT_FILING,
    TX_TRANSFER_INVOICE,
)
from consortium.v1 import membership_pb2, tax_pb2
from tests.apps.harness import AppHarness, make_key, make_org


def make_uscc(number: int) -> str:
    """A valid unified social credit code (Shenzhen, company) numbered ``number``."""
    first17 = f"91440300{number:09d}"
    return first17 + compute_uscc_check_character(first17)


ROLE_NAMES = (
    "tax_bureau",
    "public_security",
    "customs",
    "central_bank",
    "industry_association",
    "enterprise_federation",
    "bank",
    "enterprise",
    "auditor",
)
HOLDER_ROLE_NAMES = tuple(name for name in ROLE_NAMES if name not in ("tax_bureau", "auditor"))

SELLER = make_uscc(1)
"""The enterprise of role ``enterprise`` in :data:`ORG_IDS`: it issues the invoices."""
BUYER = make_uscc(2)
"""A second enterprise: it buys, holds and reimburses."""
OTHER_ENTERPRISE = make_uscc(3)

ORG_IDS: Mapping[str, str] = {
    "tax_bureau": "tax-bureau",
    "public_security": "public-security",
    "customs": "customs",
    "central_bank": "pboc-shenzhen",
    "industry_association": "industry-association",
    "enterprise_federation": "enterprise-federation",
    "bank": "bank-icbc-sz",
    "enterprise": SELLER,
    "auditor": "audit-office",
}
KEYS: Mapping[str, Ed25519KeyPair] = {role: make_key(f"tax-{role}") for role in ROLE_NAMES}
BUREAU = ORG_IDS["tax_bureau"]
BUREAU_KEY = KEYS["tax_bureau"]
SELLER_KEY = KEYS["enterprise"]
BUYER_KEY = make_key("tax-buyer")
OTHER_KEY = make_key("tax-other-enterprise")
STRANGER_KEY = make_key("tax-stranger")

SELLER_NAME = "Shenzhen Steel Works"
BUYER_NAME = "Nanshan Robotics"


GOVERNING_ROLES = ("tax_bureau", "public_security")
"""Two governing members, so that either may be suspended (the last one may not be)."""


def make_genesis() -> dict[str, object]:
    """One organisation of every role (bureau and police govern) and two more enterprises."""
    organisations = [
        make_org(
            ORG_IDS[role],
            role,
            KEYS[role],
            governing=role in GOVERNING_ROLES,
            name=SELLER_NAME if role == "enterprise" else "",
        )
        for role in ROLE_NAMES
    ]
    organisations.append(make_org(BUYER, "enterprise", BUYER_KEY, name=BUYER_NAME))
    organisations.append(make_org(OTHER_ENTERPRISE, "enterprise", OTHER_KEY))
    return {"organisations": organisations}


def make_harness() -> AppHarness:
    """The tax application over :func:`make_genesis`, before any block."""
    return AppHarness(TAX_APPLICATION, make_genesis())


def make_seed(label: str) -> bytes:
    """A 32-byte record seed, different for each label."""
    return hashlib.sha256(b"tax-test-seed/" + label.encode()).digest()


def assert_ok(result: TxResult | Verdict) -> None:
    """``result`` took effect."""
    assert result.ok, f"{result.code.name}: {result.message}"


def get_state_without_nonce(harness: AppHarness, key: Ed25519KeyPair) -> dict[bytes, bytes]:
    """The whole state except ``key``'s nonce (which a failing transaction still uses)."""
    state = harness.snapshot()
    state.pop(get_nonce_key(key.public_key), None)
    return state


# --------------------------------------------------------------------------
# Payloads: valid by default, any field overridden by keyword
# --------------------------------------------------------------------------


def filing(**changes: object) -> tax_pb2.SubmitFiling:
    """A ``SubmitFiling`` of SELLER's VAT for 2025-Q1."""
    values: dict[str, object] = {
        "enterprise": SELLER,
        "period": "2025-Q1",
        "tax_type": "vat",
        "taxable_amount": 10_000_000,
        "tax_due": 1_300_000,
        "filed_on": "2025-04-15",
        "record_seed": make_seed("filing"),
    }
    return tax_pb2.SubmitFiling(**{**values, **changes})


def payment(**changes: object) -> tax_pb2.RecordPayment:
    """A ``RecordPayment`` of 300,000 fen against :func:`filing`."""
    values: dict[str, object] = {
        "payment_id": "PAY-1",
        "enterprise": SELLER,
        "period": "2025-Q1",
        "tax_type": "vat",
        "amount": 300_000,
        "paid_on": "2025-04-20",
        "record_seed": make_seed("payment"),
    }
    return tax_pb2.RecordPayment(**{**values, **changes})


def invoice(**changes: object) -> tax_pb2.IssueInvoice:
    """An ``IssueInvoice`` from the sender to BUYER: 1,000.00 yuan at 13 %."""
    values: dict[str, object] = {
        "invoice_number": "INV-1",
        "buyer": BUYER,
        "amount": 100_000,
        "tax_amount": 13_000,
        "tax_rate_bp": 1300,
        "issued_on": "2025-03-01",
        "description": "hot-rolled steel coil",
        "record_seed": make_seed("invoice"),
    }
    return tax_pb2.IssueInvoice(**{**values, **changes})


def red_letter(**changes: object) -> tax_pb2.IssueRedLetter:
    """An ``IssueRedLetter`` RED-1 cancelling INV-1."""
    values: dict[str, object] = {
        "invoice_number": "RED-1",
        "original_number": "INV-1",
        "reason": "goods returned",
        "issued_on": "2025-03-05",
        "record_seed": make_seed("red"),
    }
    return tax_pb2.IssueRedLetter(**{**values, **changes})


def transfer(**changes: object) -> tax_pb2.TransferInvoice:
    """A ``TransferInvoice`` of INV-1 to the bank."""
    values: dict[str, object] = {"invoice_number": "INV-1", "new_holder": ORG_IDS["bank"]}
    return tax_pb2.TransferInvoice(**{**values, **changes})


def lock(**changes: object) -> tax_pb2.LockInvoice:
    """A ``LockInvoice`` of INV-1 for claim EXP-1."""
    values: dict[str, object] = {"invoice_number": "INV-1", "reimbursement_ref": "EXP-1"}
    return tax_pb2.LockInvoice(**{**values, **changes})


def reimburse(**changes: object) -> tax_pb2.ReimburseInvoice:
    """A ``ReimburseInvoice`` of INV-1 for claim EXP-2."""
    values: dict[str, object] = {"invoice_number": "INV-1", "reimbursement_ref": "EXP-2"}
    return tax_pb2.ReimburseInvoice(**{**values, **changes})


def declare(**changes: object) -> tax_pb2.DeclareInvoice:
    """A ``DeclareInvoice`` of INV-1 for 2025-03."""
    values: dict[str, object] = {"invoice_number": "INV-1", "period": "2025-03"}
    return tax_pb2.DeclareInvoice(**{**values, **changes})


def clearance(**changes: object) -> tax_pb2.IssueClearance:
    """An ``IssueClearance`` CERT-1 for SELLER, 2024-Q1..2024-Q4."""
    values: dict[str, object] = {
        "certificate_id": "CERT-1",
        "enterprise": SELLER,
        "period_from": "2024-Q1",
        "period_to": "2024-Q4",
        "issued_on": "2025-01-10",
        "valid_until": "2025-07-10",
        "statement": "no tax arrears for the periods covered",
        "record_seed": make_seed("clearance"),
    }
    return tax_pb2.IssueClearance(**{**values, **changes})


def revoke(**changes: object) -> tax_pb2.RevokeClearance:
    """A ``RevokeClearance`` of CERT-1."""
    values: dict[str, object] = {"certificate_id": "CERT-1", "reason": "arrears found in audit"}
    return tax_pb2.RevokeClearance(**{**values, **changes})


# --------------------------------------------------------------------------
# A world with one record of each kind
# --------------------------------------------------------------------------


def make_world() -> AppHarness:
    """:func:`make_harness` after blocks that create: SELLER's filing for 2025-Q1;
    INV-HELD (held by BUYER); INV-DONE (reimbursed by BUYER); certificate CERT-1."""
    harness = make_harness()
    assert_ok(harness.run(BUREAU_KEY, TX_SUBMIT_FILING, filing()))
    for number in ("INV-HELD", "INV-DONE"):
        payload = invoice(invoice_number=number, record_seed=make_seed(number))
        assert_ok(harness.run(SELLER_KEY, TX_ISSUE_INVOICE, payload))
    assert_ok(harness.run(BUYER_KEY, TX_REIMBURSE_INVOICE, reimburse(invoice_number="INV-DONE")))
    assert_ok(harness.run(BUREAU_KEY, TX_ISSUE_CLEARANCE, clearance()))
    return harness


def get_valid_calls() -> dict[str, tuple[str, Ed25519KeyPair, Message]]:
    """For each tax type: (the sender's organisation id, its key, a payload) that
    succeeds in :func:`make_world`."""
    bureau = (BUREAU, BUREAU_KEY)
    seller = (SELLER, SELLER_KEY)
    buyer = (BUYER, BUYER_KEY)
    calls = {
        TX_SUBMIT_FILING: (*bureau, filing(period="2025-Q2")),
        TX_RECORD_PAYMENT: (*bureau, payment()),
        TX_ISSUE_INVOICE: (*seller, invoice(invoice_number="INV-NEW")),
        TX_RED_LETTER: (*seller, red_letter(original_number="INV-HELD")),
        TX_TRANSFER_INVOICE: (*buyer, transfer(invoice_number="INV-HELD")),
        TX_LOCK_INVOICE: (*buyer, lock(invoice_number="INV-HELD")),
        TX_REIMBURSE_INVOICE: (*buyer, reimburse(invoice_number="INV-HELD")),
        TX_DECLARE_INVOICE: (*buyer, declare(invoice_number="INV-DONE")),
        TX_ISSUE_CLEARANCE: (*bureau, clearance(certificate_id="CERT-2")),
        TX_REVOKE_CLEARANCE: (*bureau, revoke()),
    }
    return calls


TAX_TX_TYPES = tuple(get_valid_calls())

ALLOWED_ROLES: Mapping[str, frozenset[str]] = {
    TX_SUBMIT_FILING: frozenset({"tax_bureau"}),
    TX_RECORD_PAYMENT: frozenset({"tax_bureau"}),
    TX_ISSUE_INVOICE: frozenset({"enterprise"}),
    TX_RED_LETTER: frozenset({"enterprise"}),
    TX_TRANSFER_INVOICE: frozenset(HOLDER_ROLE_NAMES),
    TX_LOCK_INVOICE: frozenset(HOLDER_ROLE_NAMES),
    TX_REIMBURSE_INVOICE: frozenset(HOLDER_ROLE_NAMES),
    TX_DECLARE_INVOICE: frozenset(HOLDER_ROLE_NAMES),
    TX_ISSUE_CLEARANCE: frozenset({"tax_bureau"}),
    TX_REVOKE_CLEARANCE: frozenset({"tax_bureau"}),
}
"""The roles that may send each type, as the brief fixes them (not read from the app)."""


def suspend(harness: AppHarness, organisation_id: str) -> None:
    """Suspend ``organisation_id`` by governance (both governing members approve)."""
    proposal = membership_pb2.GovernanceProposal(
        chain_id=harness.chain_id,
        proposal_id=f"suspend-{organisation_id}",
        expires_at_unix_ms=harness.time_unix_ms + 3_600_000,
        suspend_member=membership_pb2.SetMemberStatus(
            organisation_id=organisation_id, reason="test"
        ),
    )
    action = make_governance_action(proposal, [KEYS[role] for role in GOVERNING_ROLES])
    assert_ok(harness.run(BUREAU_KEY, TX_GOVERN, action))


def add_accounts(
    harness: AppHarness, owner: Ed25519KeyPair, names: list[str]
) -> list[Ed25519KeyPair]:
    """Add one account per name to ``owner``'s organisation, all in one block."""
    keys = [make_key(name) for name in names]
    nonce = get_account_nonce(harness.state, owner.public_key) + 1
    raws = [
        harness.make_tx(
            owner,
            TX_ADD_ACCOUNT,
            membership_pb2.AddAccount(account_key=key.public_key, name=name),
            nonce=nonce + index,
        )
        for index, (key, name) in enumerate(zip(keys, names, strict=True))
    ]
    for result in harness.run_block(raws):
        assert_ok(result)
    return keys
