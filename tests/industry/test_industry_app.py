"""The industry chain's business rules: exact records, attestation, deliveries, refusals."""

from __future__ import annotations

import pytest
from google.protobuf.message import Message

from chains.apps.fields import get_uscc_error
from chains.apps.records import read_record
from chains.core.app import get_account_nonce
from chains.core.errors import ConsortiumError, ErrorCode
from chains.industry.app import (
    ATTESTATION_THRESHOLD_FEN,
    KIND_DELIVERY,
    KIND_ORDER,
    KIND_PRODUCTION,
    TX_ATTEST,
    TX_RECORD_DELIVERY,
    TX_RECORD_ORDER,
    TX_REPORT_PRODUCTION,
    get_attestation_need,
)
from tests.apps.access_suite import assert_refused_unchanged
from tests.apps.harness import AppHarness, assert_refused, get_fields
from tests.industry.support import (
    assert_valid_record,
    get_record_ids,
    make_seed,
)
from tests.industry.world import (
    ASSOCIATION,
    ENT_A,
    ENT_B,
    KEY_A,
    KEY_B,
    ORG_IDS,
    make_attest,
    make_delivery,
    make_harness,
    make_order,
    make_report,
)


@pytest.fixture
def harness() -> AppHarness:
    return make_harness()


# --- production reports -------------------------------------------------------


def test_a_production_report_is_recorded_with_exactly_its_fields(harness: AppHarness) -> None:
    assert harness.run(KEY_A, TX_REPORT_PRODUCTION, make_report()).ok
    record_id = f"{ENT_A}:r-2025-q1"
    assert get_fields(harness, KIND_PRODUCTION, record_id) == {
        "report_id": "r-2025-q1",
        "enterprise": ENT_A,
        "period": "2025-Q1",
        "product": "lithium cells",
        "quantity": 120_000,
        "unit": "pcs",
        "output_value": 5_000_000_00,
        "attestation": "not_required",
        "attested_by": "",
        "attestation_note": "",
        "attested_height": 0,
    }
    record = read_record(harness.state, KIND_PRODUCTION, record_id)
    assert record.seed == make_seed("report/r-2025-q1")
    assert (record.version, record.updated_height) == (1, harness.height)
    assert_valid_record(harness, KIND_PRODUCTION, record_id)


def test_a_report_is_always_about_the_senders_own_enterprise(harness: AppHarness) -> None:
    assert harness.run(KEY_B, TX_REPORT_PRODUCTION, make_report()).ok
    assert get_fields(harness, KIND_PRODUCTION, f"{ENT_B}:r-2025-q1")["enterprise"] == ENT_B
    assert read_record(harness.state, KIND_PRODUCTION, f"{ENT_A}:r-2025-q1") is None
    # The same report id is free for another enterprise: ids live under each credit code.
    assert harness.run(KEY_A, TX_REPORT_PRODUCTION, make_report()).ok


@pytest.mark.parametrize(
    ("output_value", "requested", "expected"),
    [
        (0, False, "not_required"),
        (ATTESTATION_THRESHOLD_FEN - 1, False, "not_required"),
        (ATTESTATION_THRESHOLD_FEN, False, "required"),
        (ATTESTATION_THRESHOLD_FEN + 1, False, "required"),
        (1_000, True, "required"),
        (ATTESTATION_THRESHOLD_FEN, True, "required"),
    ],
)
def test_a_report_calls_for_attestation_when_large_or_asked(
    harness: AppHarness, output_value: int, requested: bool, expected: str
) -> None:
    assert ATTESTATION_THRESHOLD_FEN == 100_000_000 * 100
    payload = make_report(output_value=output_value, request_attestation=requested)
    assert harness.run(KEY_A, TX_REPORT_PRODUCTION, payload).ok
    fields = get_fields(harness, KIND_PRODUCTION, f"{ENT_A}:r-2025-q1")
    assert fields["attestation"] == expected == get_attestation_need(output_value, requested)


def test_a_report_id_is_taken_once(harness: AppHarness) -> None:
    assert harness.run(KEY_A, TX_REPORT_PRODUCTION, make_report()).ok
    payload = make_report(quantity=1, record_seed=make_seed("other"))
    assert_refused_unchanged(harness, KEY_A, TX_REPORT_PRODUCTION, payload, ErrorCode.RECORD_EXISTS)
    assert get_fields(harness, KIND_PRODUCTION, f"{ENT_A}:r-2025-q1")["quantity"] == 120_000


# --- orders and deliveries ------------------------------------------------------


def test_an_order_is_recorded_with_exactly_its_fields(harness: AppHarness) -> None:
    assert harness.run(KEY_A, TX_RECORD_ORDER, make_order()).ok
    record_id = f"{ENT_A}:po-77"
    assert get_fields(harness, KIND_ORDER, record_id) == {
        "order_id": "po-77",
        "supplier": ENT_A,
        "customer": "Shenzhen Battery Assembly Co.",
        "product": "lithium cells",
        "quantity": 100,
        "unit": "pcs",
        "value": 2_000_000_00,
        "ordered_on": "2025-03-02",
        "delivered_quantity": 0,
        "status": "open",
        "attestation": "not_required",
        "attested_by": "",
        "attestation_note": "",
        "attested_height": 0,
    }
    assert_valid_record(harness, KIND_ORDER, record_id)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (ATTESTATION_THRESHOLD_FEN - 1, "not_required"),
        (ATTESTATION_THRESHOLD_FEN, "required"),
        (ATTESTATION_THRESHOLD_FEN * 3, "required"),
    ],
)
def test_a_large_order_calls_for_attestation(
    harness: AppHarness, value: int, expected: str
) -> None:
    assert harness.run(KEY_A, TX_RECORD_ORDER, make_order(value=value)).ok
    assert get_fields(harness, KIND_ORDER, f"{ENT_A}:po-77")["attestation"] == expected


def test_an_order_id_is_taken_once(harness: AppHarness) -> None:
    assert harness.run(KEY_A, TX_RECORD_ORDER, make_order()).ok
    assert_refused_unchanged(
        harness, KEY_A, TX_RECORD_ORDER, make_order(quantity=5), ErrorCode.RECORD_EXISTS
    )


def test_deliveries_fill_an_order_until_it_is_fulfilled(harness: AppHarness) -> None:
    assert harness.run(KEY_A, TX_RECORD_ORDER, make_order(quantity=100)).ok
    order_id = f"{ENT_A}:po-77"
    assert harness.run(KEY_A, TX_RECORD_DELIVERY, make_delivery("d-1", quantity=40)).ok
    assert get_fields(harness, KIND_DELIVERY, f"{ENT_A}:d-1") == {
        "delivery_id": "d-1",
        "order_id": "po-77",
        "supplier": ENT_A,
        "quantity": 40,
        "delivered_on": "2025-03-20",
    }
    order = read_record(harness.state, KIND_ORDER, order_id)
    assert (order.get("delivered_quantity"), order.get("status"), order.version) == (40, "open", 2)
    assert harness.run(KEY_A, TX_RECORD_DELIVERY, make_delivery("d-2", quantity=60)).ok
    order = read_record(harness.state, KIND_ORDER, order_id)
    assert (order.get("delivered_quantity"), order.get("status"), order.version) == (
        100,
        "fulfilled",
        3,
    )
    assert order.updated_height == harness.height
    for kind, record_id in get_record_ids(harness):
        assert_valid_record(harness, kind, record_id)
    # A fulfilled order takes no more deliveries.
    assert_refused_unchanged(
        harness,
        KEY_A,
        TX_RECORD_DELIVERY,
        make_delivery("d-3", quantity=1),
        ErrorCode.DELIVERY_EXCEEDS_ORDER,
    )


def test_a_delivery_may_not_exceed_what_is_left(harness: AppHarness) -> None:
    assert harness.run(KEY_A, TX_RECORD_ORDER, make_order(quantity=100)).ok
    assert harness.run(KEY_A, TX_RECORD_DELIVERY, make_delivery("d-1", quantity=70)).ok
    assert_refused_unchanged(
        harness,
        KEY_A,
        TX_RECORD_DELIVERY,
        make_delivery("d-2", quantity=31),
        ErrorCode.DELIVERY_EXCEEDS_ORDER,
    )
    assert read_record(harness.state, KIND_DELIVERY, f"{ENT_A}:d-2") is None
    assert get_fields(harness, KIND_ORDER, f"{ENT_A}:po-77")["delivered_quantity"] == 70
    assert harness.run(KEY_A, TX_RECORD_DELIVERY, make_delivery("d-2", quantity=30)).ok


def test_an_enterprise_cannot_deliver_against_another_enterprises_order(
    harness: AppHarness,
) -> None:
    assert harness.run(KEY_A, TX_RECORD_ORDER, make_order()).ok
    assert_refused_unchanged(
        harness, KEY_B, TX_RECORD_DELIVERY, make_delivery(), ErrorCode.ORDER_NOT_FOUND
    )
    assert get_fields(harness, KIND_ORDER, f"{ENT_A}:po-77")["delivered_quantity"] == 0


def test_a_delivery_against_no_order_is_refused(harness: AppHarness) -> None:
    assert_refused_unchanged(
        harness, KEY_A, TX_RECORD_DELIVERY, make_delivery(), ErrorCode.ORDER_NOT_FOUND
    )


def test_a_delivery_id_is_taken_once_and_the_order_does_not_move(harness: AppHarness) -> None:
    assert harness.run(KEY_A, TX_RECORD_ORDER, make_order(quantity=100)).ok
    assert harness.run(KEY_A, TX_RECORD_DELIVERY, make_delivery("d-1", quantity=10)).ok
    assert_refused_unchanged(
        harness,
        KEY_A,
        TX_RECORD_DELIVERY,
        make_delivery("d-1", quantity=10),
        ErrorCode.RECORD_EXISTS,
    )
    assert get_fields(harness, KIND_ORDER, f"{ENT_A}:po-77")["delivered_quantity"] == 10


def test_deliveries_in_one_block_see_each_other(harness: AppHarness) -> None:
    assert harness.run(KEY_A, TX_RECORD_ORDER, make_order(quantity=10)).ok
    first = harness.make_tx(KEY_A, TX_RECORD_DELIVERY, make_delivery("d-1", quantity=6))
    nonce = get_account_nonce(harness.state, KEY_A.public_key)
    second = harness.make_tx(
        KEY_A, TX_RECORD_DELIVERY, make_delivery("d-2", quantity=6), nonce=nonce + 2
    )
    results = harness.run_block([first, second])
    assert results[0].ok
    assert_refused(results[1], ErrorCode.DELIVERY_EXCEEDS_ORDER)
    assert get_fields(harness, KIND_ORDER, f"{ENT_A}:po-77")["delivered_quantity"] == 6


# --- attestation ---------------------------------------------------------------


def test_the_association_attests_a_report_that_calls_for_it(harness: AppHarness) -> None:
    assert harness.run(KEY_A, TX_REPORT_PRODUCTION, make_report(request_attestation=True)).ok
    record_id = f"{ENT_A}:r-2025-q1"
    before = get_fields(harness, KIND_PRODUCTION, record_id)
    assert harness.run(ASSOCIATION, TX_ATTEST, make_attest(note="site visit 2025-04-02")).ok
    after = read_record(harness.state, KIND_PRODUCTION, record_id)
    assert dict(after.fields) == {
        **before,
        "attestation": "attested",
        "attested_by": ORG_IDS["industry_association"],
        "attestation_note": "site visit 2025-04-02",
        "attested_height": harness.height,
    }
    assert (after.version, after.updated_height) == (2, harness.height)
    assert_valid_record(harness, KIND_PRODUCTION, record_id)


def test_the_association_attests_a_large_order(harness: AppHarness) -> None:
    assert harness.run(KEY_A, TX_RECORD_ORDER, make_order(value=ATTESTATION_THRESHOLD_FEN)).ok
    record_id = f"{ENT_A}:po-77"
    assert harness.run(ASSOCIATION, TX_ATTEST, make_attest("order", record_id, "")).ok
    fields = get_fields(harness, KIND_ORDER, record_id)
    assert (fields["attestation"], fields["attested_by"], fields["attestation_note"]) == (
        "attested",
        ORG_IDS["industry_association"],
        "",
    )
    assert fields["attested_height"] == harness.height
    assert_valid_record(harness, KIND_ORDER, record_id)


def test_a_record_that_does_not_call_for_attestation_is_not_attested(
    harness: AppHarness,
) -> None:
    assert harness.run(KEY_A, TX_REPORT_PRODUCTION, make_report()).ok
    assert_refused_unchanged(
        harness, ASSOCIATION, TX_ATTEST, make_attest(), ErrorCode.ATTESTATION_NOT_REQUIRED
    )
    assert harness.run(KEY_A, TX_RECORD_ORDER, make_order()).ok
    assert_refused_unchanged(
        harness,
        ASSOCIATION,
        TX_ATTEST,
        make_attest("order", f"{ENT_A}:po-77"),
        ErrorCode.ATTESTATION_NOT_REQUIRED,
    )


def test_a_record_is_attested_once(harness: AppHarness) -> None:
    assert harness.run(KEY_A, TX_REPORT_PRODUCTION, make_report(request_attestation=True)).ok
    assert harness.run(ASSOCIATION, TX_ATTEST, make_attest(note="first")).ok
    assert_refused_unchanged(
        harness, ASSOCIATION, TX_ATTEST, make_attest(note="again"), ErrorCode.ALREADY_ATTESTED
    )
    fields = get_fields(harness, KIND_PRODUCTION, f"{ENT_A}:r-2025-q1")
    assert fields["attestation_note"] == "first"


@pytest.mark.parametrize(
    ("kind", "record_id"),
    [
        ("production", f"{ENT_A}:no-such-report"),
        ("production", f"{ENT_B}:r-2025-q1"),
        # The report exists, but it is not an order.
        ("order", f"{ENT_A}:r-2025-q1"),
    ],
)
def test_attesting_a_missing_record_is_refused(
    harness: AppHarness, kind: str, record_id: str
) -> None:
    assert harness.run(KEY_A, TX_REPORT_PRODUCTION, make_report(request_attestation=True)).ok
    assert_refused_unchanged(
        harness, ASSOCIATION, TX_ATTEST, make_attest(kind, record_id), ErrorCode.RECORD_NOT_FOUND
    )


# --- stateless field checks ----------------------------------------------------

LONG = "x" * 513
WRONG_CHECK = ENT_A[:-1] + ("1" if ENT_A[-1] == "0" else "0")
BAD_PAYLOADS = [
    (TX_REPORT_PRODUCTION, make_report(report_id="")),
    (TX_REPORT_PRODUCTION, make_report(report_id="has space")),
    (TX_REPORT_PRODUCTION, make_report(report_id="r" * 129)),
    (TX_REPORT_PRODUCTION, make_report(period="2025-13")),
    (TX_REPORT_PRODUCTION, make_report(period="2025-Q5")),
    (TX_REPORT_PRODUCTION, make_report(period="")),
    (TX_REPORT_PRODUCTION, make_report(product="")),
    (TX_REPORT_PRODUCTION, make_report(product="   ")),
    (TX_REPORT_PRODUCTION, make_report(product=LONG)),
    (TX_REPORT_PRODUCTION, make_report(quantity=0)),
    (TX_REPORT_PRODUCTION, make_report(quantity=-5)),
    (TX_REPORT_PRODUCTION, make_report(quantity=10**15 + 1)),
    (TX_REPORT_PRODUCTION, make_report(unit="")),
    (TX_REPORT_PRODUCTION, make_report(output_value=-1)),
    (TX_REPORT_PRODUCTION, make_report(output_value=10**15 + 1)),
    (TX_REPORT_PRODUCTION, make_report(record_seed=b"")),
    (TX_REPORT_PRODUCTION, make_report(record_seed=b"s" * 15)),
    (TX_REPORT_PRODUCTION, make_report(record_seed=b"s" * 65)),
    (TX_RECORD_ORDER, make_order(order_id="")),
    (TX_RECORD_ORDER, make_order(order_id="po/1")),
    (TX_RECORD_ORDER, make_order(customer="")),
    (TX_RECORD_ORDER, make_order(customer=LONG)),
    (TX_RECORD_ORDER, make_order(product="")),
    (TX_RECORD_ORDER, make_order(quantity=0)),
    (TX_RECORD_ORDER, make_order(quantity=-1)),
    (TX_RECORD_ORDER, make_order(unit=" ")),
    (TX_RECORD_ORDER, make_order(value=-100)),
    (TX_RECORD_ORDER, make_order(value=10**15 + 1)),
    (TX_RECORD_ORDER, make_order(ordered_on="")),
    (TX_RECORD_ORDER, make_order(ordered_on="2025-02-30")),
    (TX_RECORD_ORDER, make_order(ordered_on="20250302")),
    (TX_RECORD_ORDER, make_order(record_seed=b"short")),
    (TX_RECORD_DELIVERY, make_delivery(delivery_id="")),
    (TX_RECORD_DELIVERY, make_delivery(delivery_id="-starts-with-dash")),
    (TX_RECORD_DELIVERY, make_delivery(order_id="")),
    (TX_RECORD_DELIVERY, make_delivery(quantity=0)),
    (TX_RECORD_DELIVERY, make_delivery(quantity=-40)),
    (TX_RECORD_DELIVERY, make_delivery(delivered_on="2025-13-01")),
    (TX_RECORD_DELIVERY, make_delivery(delivered_on="yesterday")),
    (TX_RECORD_DELIVERY, make_delivery(record_seed=b"")),
    (TX_ATTEST, make_attest(kind="delivery")),
    (TX_ATTEST, make_attest(kind="")),
    (TX_ATTEST, make_attest(kind="Production")),
    (TX_ATTEST, make_attest(record_id="")),
    (TX_ATTEST, make_attest(record_id="r-2025-q1")),
    (TX_ATTEST, make_attest(record_id="91440300000000000X:r-1")),
    (TX_ATTEST, make_attest(record_id=f"{WRONG_CHECK}:r-2025-q1")),
    (TX_ATTEST, make_attest(record_id=f"{ENT_A}:")),
    (TX_ATTEST, make_attest(record_id=f"{ENT_A}:bad id")),
    (TX_ATTEST, make_attest(note=LONG)),
]


@pytest.mark.parametrize(
    ("tx_type", "payload"),
    BAD_PAYLOADS,
    ids=[f"{tx}-{index}" for index, (tx, _) in enumerate(BAD_PAYLOADS)],
)
def test_each_bad_field_is_refused_before_a_block(
    harness: AppHarness, tx_type: str, payload: Message
) -> None:
    key = ASSOCIATION if tx_type == TX_ATTEST else KEY_A
    if tx_type == TX_RECORD_DELIVERY:
        assert harness.run(KEY_A, TX_RECORD_ORDER, make_order()).ok
    before = harness.snapshot()
    verdict = harness.admit(harness.make_tx(key, tx_type, payload))
    assert_refused(verdict, ErrorCode.INVALID_FIELD_VALUE)
    assert verdict.message.startswith(tx_type)
    with pytest.raises(ConsortiumError) as raised:
        harness.execute(key, tx_type, payload)
    assert raised.value.code == ErrorCode.INVALID_BLOCK
    assert "INVALID_FIELD_VALUE" in raised.value.message
    assert harness.snapshot() == before


def test_the_altered_credit_code_fails_only_by_its_check_character() -> None:
    # Guards the table above: that record id is refused for its check character alone.
    assert get_uscc_error(ENT_A) == ""
    assert "check character" in get_uscc_error(WRONG_CHECK)
