"""The e-invoice lifecycle: every step's fields, every refusal in its situation, and
reimbursement exactly once, even when many accounts race in one block."""

from __future__ import annotations

import pytest

from chains.apps.membership import TX_REGISTER_ENTERPRISE
from chains.core.app import TxResult
from chains.core.crypto import Ed25519KeyPair
from chains.core.errors import ErrorCode
from chains.tax.app import (
    TX_DECLARE_INVOICE,
    TX_ISSUE_INVOICE,
    TX_LOCK_INVOICE,
    TX_RED_LETTER,
    TX_REIMBURSE_INVOICE,
    TX_TRANSFER_INVOICE,
    describe_invoice,
    get_invoice,
)
from chains.tax.invoices import (
    BLANK_INVOICE,
    format_yuan,
    verify_can_declare,
    verify_can_lock,
    verify_can_red_letter,
    verify_can_reimburse,
    verify_can_transfer,
)
from consortium.v1 import membership_pb2
from tests.apps.harness import AppHarness, assert_refused, make_key
from tests.tax.helpers import (
    BUREAU,
    BUREAU_KEY,
    BUYER,
    BUYER_KEY,
    KEYS,
    ORG_IDS,
    OTHER_ENTERPRISE,
    OTHER_KEY,
    SELLER,
    SELLER_KEY,
    SELLER_NAME,
    add_accounts,
    assert_ok,
    declare,
    get_state_without_nonce,
    invoice,
    lock,
    make_harness,
    make_uscc,
    red_letter,
    reimburse,
    suspend,
    transfer,
)

BANK = ORG_IDS["bank"]
BANK_KEY = KEYS["bank"]
CUSTOMS = ORG_IDS["customs"]
CUSTOMS_KEY = KEYS["customs"]


def _fields(harness: AppHarness, number: str = "INV-1") -> dict[str, object]:
    record = get_invoice(harness.state, number)
    assert record is not None, f"no invoice {number}"
    return dict(record.fields)


def _issued(harness: AppHarness) -> AppHarness:
    assert_ok(harness.run(SELLER_KEY, TX_ISSUE_INVOICE, invoice()))
    return harness


ISSUED_FIELDS = {
    "invoice_number": "INV-1",
    "invoice_type": "blue",
    "seller": SELLER,
    "seller_name": SELLER_NAME,
    "buyer": BUYER,
    "holder": BUYER,
    "amount": 100_000,
    "tax_amount": 13_000,
    "tax_rate_bp": 1300,
    "issued_on": "2025-03-01",
    "description": "hot-rolled steel coil",
    "status": "issued",
    "issued_height": 1,
    "locked_by": "",
    "reimbursement_ref": "",
    "reimbursed_by": "",
    "reimbursed_height": 0,
    "declared_period": "",
    "cancelled_by": "",
    "original_number": "",
    "transfers": 0,
}


# --------------------------------------------------------------------------
# Each step's fields
# --------------------------------------------------------------------------


def test_issue_writes_exactly_the_specified_fields() -> None:
    harness = _issued(make_harness())
    record = get_invoice(harness.state, "INV-1")
    assert record is not None
    assert dict(record.fields) == ISSUED_FIELDS
    assert set(record.fields) == set(BLANK_INVOICE)
    assert (record.version, record.updated_height) == (1, 1)


def test_the_full_lifecycle_issue_transfer_lock_reimburse_declare() -> None:
    harness = _issued(make_harness())
    expected = dict(ISSUED_FIELDS)

    assert_ok(harness.run(BUYER_KEY, TX_TRANSFER_INVOICE, transfer(new_holder=BANK)))
    expected.update(holder=BANK, status="transferred", transfers=1)
    assert _fields(harness) == expected

    assert_ok(harness.run(BANK_KEY, TX_TRANSFER_INVOICE, transfer(new_holder=CUSTOMS)))
    expected.update(holder=CUSTOMS, transfers=2)
    assert _fields(harness) == expected

    assert_ok(harness.run(CUSTOMS_KEY, TX_LOCK_INVOICE, lock(reimbursement_ref="EXP-7")))
    expected.update(status="locked", locked_by=CUSTOMS, reimbursement_ref="EXP-7")
    assert _fields(harness) == expected

    # An empty ref keeps the lock's claim.
    assert_ok(harness.run(CUSTOMS_KEY, TX_REIMBURSE_INVOICE, reimburse(reimbursement_ref="")))
    expected.update(status="reimbursed", reimbursed_by=CUSTOMS, reimbursed_height=harness.height)
    assert _fields(harness) == expected

    assert_ok(harness.run(CUSTOMS_KEY, TX_DECLARE_INVOICE, declare(period="2025-Q1")))
    expected.update(status="declared", declared_period="2025-Q1")
    assert _fields(harness) == expected

    record = get_invoice(harness.state, "INV-1")
    assert record is not None
    assert (record.version, record.updated_height) == (6, harness.height)
    assert record.seed == invoice().record_seed  # later versions keep the creation's seed


def test_reimbursing_without_a_lock_takes_the_payload_ref_and_the_lock() -> None:
    harness = _issued(make_harness())
    assert_ok(harness.run(BUYER_KEY, TX_REIMBURSE_INVOICE, reimburse(reimbursement_ref="EXP-9")))
    fields = _fields(harness)
    assert fields["status"] == "reimbursed"
    assert fields["reimbursed_by"] == BUYER
    assert fields["locked_by"] == BUYER
    assert fields["reimbursement_ref"] == "EXP-9"
    assert fields["reimbursed_height"] == harness.height == 2


def test_a_reimbursement_ref_replaces_the_lock_ref_when_given() -> None:
    harness = _issued(make_harness())
    assert_ok(harness.run(BUYER_KEY, TX_LOCK_INVOICE, lock(reimbursement_ref="EXP-1")))
    assert_ok(harness.run(BUYER_KEY, TX_REIMBURSE_INVOICE, reimburse(reimbursement_ref="EXP-2")))
    assert _fields(harness)["reimbursement_ref"] == "EXP-2"


@pytest.mark.parametrize("transferred", [False, True])
def test_a_red_letter_cancels_the_original(transferred: bool) -> None:
    harness = _issued(make_harness())
    holder = BUYER
    if transferred:
        assert_ok(harness.run(BUYER_KEY, TX_TRANSFER_INVOICE, transfer(new_holder=BANK)))
        holder = BANK
    original_before = _fields(harness)
    assert_ok(harness.run(SELLER_KEY, TX_RED_LETTER, red_letter()))
    assert _fields(harness, "RED-1") == {
        **BLANK_INVOICE,
        "invoice_number": "RED-1",
        "invoice_type": "red",
        "seller": SELLER,
        "seller_name": SELLER_NAME,
        "buyer": BUYER,
        "holder": holder,
        "amount": -100_000,
        "tax_amount": -13_000,
        "tax_rate_bp": 1300,
        "issued_on": "2025-03-05",
        "description": "goods returned",
        "status": "issued",
        "issued_height": harness.height,
        "original_number": "INV-1",
    }
    assert _fields(harness) == {**original_before, "status": "cancelled", "cancelled_by": "RED-1"}


def test_an_enterprise_registered_by_transaction_can_issue_and_receive() -> None:
    harness = make_harness()
    newcomer, newcomer_key = make_uscc(42), make_key("tax-newcomer")
    registration = membership_pb2.RegisterEnterprise(
        uscc=newcomer, name="Futian Chips", account_key=newcomer_key.public_key
    )
    assert_ok(harness.run(BUREAU_KEY, TX_REGISTER_ENTERPRISE, registration))
    assert_ok(harness.run(SELLER_KEY, TX_ISSUE_INVOICE, invoice(buyer=newcomer)))
    assert_ok(harness.run(newcomer_key, TX_ISSUE_INVOICE, invoice(invoice_number="FC-1")))
    assert _fields(harness, "FC-1")["seller_name"] == "Futian Chips"
    assert_ok(harness.run(newcomer_key, TX_REIMBURSE_INVOICE, reimburse()))


# --------------------------------------------------------------------------
# Every refusal in its situation
# --------------------------------------------------------------------------

Step = tuple[Ed25519KeyPair, str, object]

SITUATIONS: dict[str, list[Step]] = {
    "none": [],
    "issued": [(SELLER_KEY, TX_ISSUE_INVOICE, invoice())],
    "transferred": [
        (SELLER_KEY, TX_ISSUE_INVOICE, invoice()),
        (BUYER_KEY, TX_TRANSFER_INVOICE, transfer(new_holder=BANK)),
    ],
    "locked": [
        (SELLER_KEY, TX_ISSUE_INVOICE, invoice()),
        (BUYER_KEY, TX_LOCK_INVOICE, lock()),
    ],
    "reimbursed": [
        (SELLER_KEY, TX_ISSUE_INVOICE, invoice()),
        (BUYER_KEY, TX_REIMBURSE_INVOICE, reimburse()),
    ],
    "declared": [
        (SELLER_KEY, TX_ISSUE_INVOICE, invoice()),
        (BUYER_KEY, TX_REIMBURSE_INVOICE, reimburse()),
        (BUYER_KEY, TX_DECLARE_INVOICE, declare()),
    ],
    "cancelled": [
        (SELLER_KEY, TX_ISSUE_INVOICE, invoice()),
        (SELLER_KEY, TX_RED_LETTER, red_letter()),
    ],
}
"""Invoice INV-1 (issued by SELLER to BUYER) brought into each state; "cancelled"
also has the red-letter invoice RED-1."""

RED = {"invoice_number": "RED-1"}

REFUSALS: list[tuple[str, str, Ed25519KeyPair, str, object, ErrorCode]] = [
    # (case, situation, sender, type, payload, code)
    ("issue to itself", "none", SELLER_KEY, TX_ISSUE_INVOICE, invoice(buyer=SELLER),
     ErrorCode.INVALID_FIELD_VALUE),
    ("issue to an unknown buyer", "none", SELLER_KEY, TX_ISSUE_INVOICE,
     invoice(buyer="nobody"), ErrorCode.MEMBER_NOT_FOUND),
    ("issue to the tax bureau", "none", SELLER_KEY, TX_ISSUE_INVOICE, invoice(buyer=BUREAU),
     ErrorCode.INVALID_FIELD_VALUE),
    ("issue to the auditor", "none", SELLER_KEY, TX_ISSUE_INVOICE,
     invoice(buyer=ORG_IDS["auditor"]), ErrorCode.INVALID_FIELD_VALUE),
    ("issue a used number", "issued", OTHER_KEY, TX_ISSUE_INVOICE, invoice(),
     ErrorCode.INVOICE_EXISTS),
    ("issue a red letter's number", "cancelled", SELLER_KEY, TX_ISSUE_INVOICE,
     invoice(invoice_number="RED-1"), ErrorCode.INVOICE_EXISTS),
    ("red letter of nothing", "none", SELLER_KEY, TX_RED_LETTER, red_letter(),
     ErrorCode.INVOICE_NOT_FOUND),
    ("red letter of a red letter", "cancelled", SELLER_KEY, TX_RED_LETTER,
     red_letter(invoice_number="RED-2", original_number="RED-1"), ErrorCode.INVOICE_WRONG_STATE),
    ("red letter by another seller", "issued", OTHER_KEY, TX_RED_LETTER, red_letter(),
     ErrorCode.NOT_RECORD_OWNER),
    ("red letter of a locked invoice", "locked", SELLER_KEY, TX_RED_LETTER, red_letter(),
     ErrorCode.INVOICE_LOCKED),
    ("red letter of a reimbursed invoice", "reimbursed", SELLER_KEY, TX_RED_LETTER,
     red_letter(), ErrorCode.INVOICE_ALREADY_REIMBURSED),
    ("red letter of a declared invoice", "declared", SELLER_KEY, TX_RED_LETTER, red_letter(),
     ErrorCode.INVOICE_ALREADY_REIMBURSED),
    ("red letter of a cancelled invoice", "cancelled", SELLER_KEY, TX_RED_LETTER,
     red_letter(invoice_number="RED-2"), ErrorCode.INVOICE_CANCELLED),
    ("red letter under a used number", "issued", SELLER_KEY, TX_RED_LETTER,
     red_letter(invoice_number="INV-1"), ErrorCode.INVOICE_EXISTS),
    ("transfer of nothing", "none", BUYER_KEY, TX_TRANSFER_INVOICE, transfer(),
     ErrorCode.INVOICE_NOT_FOUND),
    ("transfer of a red letter", "cancelled", BUYER_KEY, TX_TRANSFER_INVOICE, transfer(**RED),
     ErrorCode.INVOICE_WRONG_STATE),
    ("transfer of a cancelled invoice", "cancelled", BUYER_KEY, TX_TRANSFER_INVOICE, transfer(),
     ErrorCode.INVOICE_CANCELLED),
    ("transfer of an invoice it locked", "locked", BUYER_KEY, TX_TRANSFER_INVOICE, transfer(),
     ErrorCode.INVOICE_LOCKED),
    ("transfer of a reimbursed invoice", "reimbursed", BUYER_KEY, TX_TRANSFER_INVOICE,
     transfer(), ErrorCode.INVOICE_ALREADY_REIMBURSED),
    ("transfer of a declared invoice", "declared", BUYER_KEY, TX_TRANSFER_INVOICE, transfer(),
     ErrorCode.INVOICE_ALREADY_REIMBURSED),
    ("transfer by the seller", "issued", SELLER_KEY, TX_TRANSFER_INVOICE, transfer(),
     ErrorCode.NOT_INVOICE_HOLDER),
    ("transfer by the former holder", "transferred", BUYER_KEY, TX_TRANSFER_INVOICE,
     transfer(new_holder=CUSTOMS), ErrorCode.NOT_INVOICE_HOLDER),
    ("transfer to nobody", "issued", BUYER_KEY, TX_TRANSFER_INVOICE,
     transfer(new_holder="nobody"), ErrorCode.MEMBER_NOT_FOUND),
    ("transfer to the holder itself", "issued", BUYER_KEY, TX_TRANSFER_INVOICE,
     transfer(new_holder=BUYER), ErrorCode.INVALID_FIELD_VALUE),
    ("transfer to the tax bureau", "issued", BUYER_KEY, TX_TRANSFER_INVOICE,
     transfer(new_holder=BUREAU), ErrorCode.INVALID_FIELD_VALUE),
    ("lock of nothing", "none", BUYER_KEY, TX_LOCK_INVOICE, lock(), ErrorCode.INVOICE_NOT_FOUND),
    ("lock of a red letter", "cancelled", BUYER_KEY, TX_LOCK_INVOICE, lock(**RED),
     ErrorCode.INVOICE_WRONG_STATE),
    ("lock of a cancelled invoice", "cancelled", BUYER_KEY, TX_LOCK_INVOICE, lock(),
     ErrorCode.INVOICE_CANCELLED),
    ("lock of an invoice another locked", "locked", BANK_KEY, TX_LOCK_INVOICE, lock(),
     ErrorCode.INVOICE_LOCKED),
    ("lock of an invoice it locked", "locked", BUYER_KEY, TX_LOCK_INVOICE, lock(),
     ErrorCode.INVOICE_WRONG_STATE),
    ("lock of a reimbursed invoice", "reimbursed", BUYER_KEY, TX_LOCK_INVOICE, lock(),
     ErrorCode.INVOICE_ALREADY_REIMBURSED),
    ("lock of a declared invoice", "declared", BUYER_KEY, TX_LOCK_INVOICE, lock(),
     ErrorCode.INVOICE_ALREADY_REIMBURSED),
    ("lock by a non-holder", "issued", BANK_KEY, TX_LOCK_INVOICE, lock(),
     ErrorCode.NOT_INVOICE_HOLDER),
    ("reimburse nothing", "none", BUYER_KEY, TX_REIMBURSE_INVOICE, reimburse(),
     ErrorCode.INVOICE_NOT_FOUND),
    ("reimburse a red letter", "cancelled", BUYER_KEY, TX_REIMBURSE_INVOICE, reimburse(**RED),
     ErrorCode.INVOICE_WRONG_STATE),
    ("reimburse a cancelled invoice", "cancelled", BUYER_KEY, TX_REIMBURSE_INVOICE, reimburse(),
     ErrorCode.INVOICE_CANCELLED),
    ("reimburse twice", "reimbursed", BUYER_KEY, TX_REIMBURSE_INVOICE, reimburse(),
     ErrorCode.INVOICE_ALREADY_REIMBURSED),
    ("reimburse a declared invoice", "declared", BUYER_KEY, TX_REIMBURSE_INVOICE, reimburse(),
     ErrorCode.INVOICE_ALREADY_REIMBURSED),
    ("reimburse what another locked", "locked", BANK_KEY, TX_REIMBURSE_INVOICE, reimburse(),
     ErrorCode.INVOICE_LOCKED),
    ("reimburse as a non-holder", "issued", BANK_KEY, TX_REIMBURSE_INVOICE, reimburse(),
     ErrorCode.NOT_INVOICE_HOLDER),
    ("reimburse as the former holder", "transferred", BUYER_KEY, TX_REIMBURSE_INVOICE,
     reimburse(), ErrorCode.NOT_INVOICE_HOLDER),
    # Order: whoever tries after the first reimbursement learns it was reimbursed.
    ("reimburse after it, as a non-holder", "reimbursed", BANK_KEY, TX_REIMBURSE_INVOICE,
     reimburse(), ErrorCode.INVOICE_ALREADY_REIMBURSED),
    ("reimburse a cancelled one, as a non-holder", "cancelled", BANK_KEY, TX_REIMBURSE_INVOICE,
     reimburse(), ErrorCode.INVOICE_CANCELLED),
    ("declare nothing", "none", BUYER_KEY, TX_DECLARE_INVOICE, declare(),
     ErrorCode.INVOICE_NOT_FOUND),
    ("declare a red letter", "cancelled", BUYER_KEY, TX_DECLARE_INVOICE, declare(**RED),
     ErrorCode.INVOICE_WRONG_STATE),
    ("declare a cancelled invoice", "cancelled", BUYER_KEY, TX_DECLARE_INVOICE, declare(),
     ErrorCode.INVOICE_CANCELLED),
    ("declare an issued invoice", "issued", BUYER_KEY, TX_DECLARE_INVOICE, declare(),
     ErrorCode.INVOICE_WRONG_STATE),
    ("declare a transferred invoice", "transferred", BANK_KEY, TX_DECLARE_INVOICE, declare(),
     ErrorCode.INVOICE_WRONG_STATE),
    ("declare a locked invoice", "locked", BUYER_KEY, TX_DECLARE_INVOICE, declare(),
     ErrorCode.INVOICE_WRONG_STATE),
    ("declare twice", "declared", BUYER_KEY, TX_DECLARE_INVOICE, declare(period="2025-04"),
     ErrorCode.INVOICE_WRONG_STATE),
    ("declare as a non-holder", "reimbursed", BANK_KEY, TX_DECLARE_INVOICE, declare(),
     ErrorCode.NOT_INVOICE_HOLDER),
]  # fmt: skip


def _in_situation(name: str) -> AppHarness:
    harness = make_harness()
    for key, tx_type, payload in SITUATIONS[name]:
        assert_ok(harness.run(key, tx_type, payload))
    return harness


@pytest.mark.parametrize(
    ("situation", "sender", "tx_type", "payload", "code"),
    [case[1:] for case in REFUSALS],
    ids=[case[0] for case in REFUSALS],
)
def test_refusal_in_its_situation_changes_nothing(
    situation: str, sender: Ed25519KeyPair, tx_type: str, payload, code: ErrorCode
) -> None:
    harness = _in_situation(situation)
    before = get_state_without_nonce(harness, sender)
    # The mempool admits it (business rules are decided in block order); the block refuses it.
    assert_ok(harness.admit(harness.make_tx(sender, tx_type, payload)))
    result = harness.run(sender, tx_type, payload)
    assert_refused(result, code)
    assert result.message  # a reason a person can act on
    assert get_state_without_nonce(harness, sender) == before


def test_every_tax_invoice_code_is_exercised() -> None:
    codes = {case[-1] for case in REFUSALS}
    assert {
        ErrorCode.INVOICE_NOT_FOUND,
        ErrorCode.INVOICE_EXISTS,
        ErrorCode.INVOICE_ALREADY_REIMBURSED,
        ErrorCode.INVOICE_LOCKED,
        ErrorCode.INVOICE_CANCELLED,
        ErrorCode.INVOICE_WRONG_STATE,
        ErrorCode.NOT_INVOICE_HOLDER,
        ErrorCode.NOT_RECORD_OWNER,
    } <= codes


@pytest.mark.parametrize(
    ("tx_type", "payload"),
    [
        (TX_ISSUE_INVOICE, invoice(buyer=BANK)),
        (TX_TRANSFER_INVOICE, transfer(new_holder=BANK)),
    ],
)
def test_a_suspended_counterparty_is_refused(tx_type: str, payload) -> None:
    harness = _in_situation("none" if tx_type == TX_ISSUE_INVOICE else "issued")
    suspend(harness, BANK)
    sender = SELLER_KEY if tx_type == TX_ISSUE_INVOICE else BUYER_KEY
    before = get_state_without_nonce(harness, sender)
    assert_refused(harness.run(sender, tx_type, payload), ErrorCode.MEMBER_SUSPENDED)
    assert get_state_without_nonce(harness, sender) == before


def test_an_invoice_holder_that_is_suspended_cannot_act_until_reinstated() -> None:
    harness = _in_situation("issued")
    suspend(harness, BUYER)
    assert_refused(
        harness.run(BUYER_KEY, TX_REIMBURSE_INVOICE, reimburse()), ErrorCode.MEMBER_SUSPENDED
    )
    assert _fields(harness)["status"] == "issued"


# --------------------------------------------------------------------------
# The verdicts alone (pure), for orders of checks hard to reach by transactions
# --------------------------------------------------------------------------


def _invoice_fields(**changes: object) -> dict[str, object]:
    return {**ISSUED_FIELDS, **changes}


@pytest.mark.parametrize(
    ("verify", "fields", "sender", "code"),
    [
        (verify_can_transfer, _invoice_fields(), BUYER, None),
        (verify_can_transfer, _invoice_fields(invoice_type="red", status="cancelled"), BANK,
         ErrorCode.INVOICE_WRONG_STATE),
        (verify_can_lock, _invoice_fields(status="locked", locked_by=BANK, holder=BANK), BUYER,
         ErrorCode.INVOICE_LOCKED),
        (verify_can_lock, _invoice_fields(status="locked", locked_by=BUYER), BUYER,
         ErrorCode.INVOICE_WRONG_STATE),
        (verify_can_reimburse, _invoice_fields(status="locked", locked_by=BUYER), BUYER, None),
        (verify_can_reimburse, _invoice_fields(status="transferred", holder=BANK), BANK, None),
        (verify_can_reimburse, _invoice_fields(status="declared", reimbursed_by=BUYER), BANK,
         ErrorCode.INVOICE_ALREADY_REIMBURSED),
        (verify_can_declare, _invoice_fields(status="reimbursed"), BUYER, None),
        (verify_can_declare, _invoice_fields(status="reimbursed"), BANK,
         ErrorCode.NOT_INVOICE_HOLDER),
        (verify_can_red_letter, _invoice_fields(status="transferred", holder=BANK), SELLER, None),
        (verify_can_red_letter, _invoice_fields(status="locked", locked_by=BUYER), OTHER_ENTERPRISE,
         ErrorCode.NOT_RECORD_OWNER),
    ],
)  # fmt: skip
def test_verdicts_follow_the_documented_order(verify, fields, sender, code) -> None:
    verdict = verify(fields, sender)
    if code is None:
        assert verdict.ok, verdict.message
    else:
        assert_refused(verdict, code)


# --------------------------------------------------------------------------
# Exactly once, in one block
# --------------------------------------------------------------------------


def _reimburse_raw(harness: AppHarness, key: Ed25519KeyPair, ref: str) -> bytes:
    return harness.make_tx(key, TX_REIMBURSE_INVOICE, reimburse(reimbursement_ref=ref))


def test_two_accounts_of_the_holder_reimbursing_in_one_block_succeed_once() -> None:
    harness = _in_situation("issued")
    (clerk,) = add_accounts(harness, BUYER_KEY, ["buyer-clerk-2"])
    raws = [_reimburse_raw(harness, BUYER_KEY, "EXP-A"), _reimburse_raw(harness, clerk, "EXP-B")]
    for raw in raws:
        assert_ok(harness.admit(raw))  # both look fine before the block
    results = harness.run_block(raws)
    assert_ok(results[0])
    assert_refused(results[1], ErrorCode.INVOICE_ALREADY_REIMBURSED)
    assert "reimbursed only once" in results[1].message
    fields = _fields(harness)
    assert (fields["status"], fields["reimbursed_by"], fields["reimbursement_ref"]) == (
        "reimbursed",
        BUYER,
        "EXP-A",
    )
    assert fields["reimbursed_height"] == harness.height


def test_a_competing_organisation_after_the_first_learns_it_was_reimbursed() -> None:
    harness = _in_situation("issued")
    results = harness.run_block(
        [_reimburse_raw(harness, BUYER_KEY, "EXP-A"), _reimburse_raw(harness, BANK_KEY, "X")]
    )
    assert_ok(results[0])
    assert_refused(results[1], ErrorCode.INVOICE_ALREADY_REIMBURSED)


def test_fifty_accounts_reimbursing_in_one_block_succeed_exactly_once() -> None:
    harness = _in_situation("issued")
    clerks = add_accounts(harness, BUYER_KEY, [f"buyer-clerk-{n}" for n in range(50)])
    raws = [_reimburse_raw(harness, clerk, f"EXP-{n}") for n, clerk in enumerate(clerks)]
    results: list[TxResult] = harness.run_block(raws)
    assert [result.ok for result in results].count(True) == 1
    assert results[0].ok
    refused = [result.code for result in results[1:]]
    assert refused == [ErrorCode.INVOICE_ALREADY_REIMBURSED] * 49
    fields = _fields(harness)
    assert (fields["reimbursed_by"], fields["reimbursement_ref"]) == (BUYER, "EXP-0")
    record = get_invoice(harness.state, "INV-1")
    assert record is not None and record.version == 2  # written once


# --------------------------------------------------------------------------
# Reading and describing
# --------------------------------------------------------------------------


def test_get_invoice_of_an_unknown_number_is_none() -> None:
    assert get_invoice(make_harness().state, "INV-404") is None


@pytest.mark.parametrize(
    ("fen", "text"),
    [(0, "0.00"), (5, "0.05"), (100_000, "1000.00"), (123_456, "1234.56"), (-13_050, "-130.50"),
     ("12", "?"), (True, "?"), (None, "?")],
)  # fmt: skip
def test_format_yuan(fen: object, text: str) -> None:
    assert format_yuan(fen) == text


def test_describe_invoice_says_who_reimbursed_it_and_when() -> None:
    harness = _in_situation("reimbursed")
    line = describe_invoice(_fields(harness))
    assert line == (
        f"invoice INV-1 (blue): {SELLER} -> {BUYER}, 1000.00 yuan + tax 130.00, "
        f"reimbursed: reimbursed by {BUYER} at height 2"
    )
    assert "\n" not in line


def test_describe_invoice_of_each_state() -> None:
    assert describe_invoice(ISSUED_FIELDS).endswith(f"issued, held by {BUYER}")
    assert describe_invoice(_invoice_fields(status="locked", locked_by=BANK)).endswith(
        f"locked by {BANK}"
    )
    cancelled = describe_invoice(_invoice_fields(status="cancelled", cancelled_by="RED-1"))
    assert cancelled.endswith("cancelled by red letter RED-1")
    red = _invoice_fields(invoice_type="red", amount=-100_000, original_number="INV-0")
    assert "(red)" in describe_invoice(red) and "-1000.00 yuan" in describe_invoice(red)
    assert describe_invoice(red).endswith("cancels INV-0")
    declared = _invoice_fields(
        status="declared", reimbursed_by=BUYER, reimbursed_height=3, declared_period="2025-03"
    )
    assert describe_invoice(declared).endswith("at height 3, declared for 2025-03")


def test_describe_invoice_of_a_partial_disclosure_shows_what_is_missing() -> None:
    line = describe_invoice({"invoice_number": "INV-1", "status": "reimbursed"})
    assert line == (
        "invoice INV-1 (?): ? -> ?, ? yuan + tax ?, reimbursed: reimbursed by ? at height ?"
    )
