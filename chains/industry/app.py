"""The industry chain's application (pure, deterministic; see docs/industry-finance.md).

Enterprises report their own production, the orders they receive as
supplier and the deliveries against those orders; the industry association
attests the records that call for it. Every record is field-committed
(:mod:`chains.apps.records`) and its id starts with the credit code of the
enterprise it is about, so an enterprise can only ever write under its own
code:

* ``production`` ``<uscc>:<report_id>`` (``industry.production.report``);
* ``order`` ``<uscc>:<order_id>`` (``industry.order.record``);
* ``delivery`` ``<uscc>:<delivery_id>`` (``industry.delivery.record``), which
  also moves its order's delivered quantity and status;
* ``industry.attest`` marks a production report or an order "attested".

A record calls for attestation when it is large (an output or order value of
at least :data:`ATTESTATION_THRESHOLD_FEN`) or, for a production report, when
the enterprise asks for one.
"""

from __future__ import annotations

from chains.apps.fields import (
    get_amount_error,
    get_date_error,
    get_first_error,
    get_id_error,
    get_period_error,
    get_text_error,
    get_uscc_error,
)
from chains.apps.framework import ConsortiumApplication, TxCall, TxRule, roles
from chains.apps.member_rules import get_membership_rules
from chains.apps.membership import Role
from chains.apps.records import (
    create_record,
    get_record_seed_error,
    read_record,
    update_record,
)
from chains.core.errors import ConsortiumError, ErrorCode
from consortium.v1 import industry_pb2

TX_REPORT_PRODUCTION = "industry.production.report"
TX_RECORD_ORDER = "industry.order.record"
TX_RECORD_DELIVERY = "industry.delivery.record"
TX_ATTEST = "industry.attest"

KIND_PRODUCTION = "production"
KIND_ORDER = "order"
KIND_DELIVERY = "delivery"
ATTESTABLE_KINDS = (KIND_PRODUCTION, KIND_ORDER)

ATTESTATION_THRESHOLD_FEN = 10**10
"""100,000,000 yuan: a production report or order worth this much calls for attestation."""
MAX_QUANTITY = 10**15
"""Quantities are positive integers in the record's unit; this bound only keeps them sane."""

ATTESTATION_NOT_REQUIRED = "not_required"
ATTESTATION_REQUIRED = "required"
ATTESTATION_DONE = "attested"

ORDER_OPEN = "open"
ORDER_FULFILLED = "fulfilled"


def get_enterprise_record_id(uscc: str, local_id: str) -> str:
    """The id of a record about enterprise ``uscc``: ``<uscc>:<local_id>``."""
    return f"{uscc}:{local_id}"


def get_attestation_need(value_fen: int, requested: bool = False) -> str:
    """What a record worth ``value_fen`` calls for: "required" (large, or ``requested``)
    or "not_required"."""
    if requested or value_fen >= ATTESTATION_THRESHOLD_FEN:
        return ATTESTATION_REQUIRED
    return ATTESTATION_NOT_REQUIRED


def _get_quantity_error(value: int, what: str) -> str:
    if not 1 <= value <= MAX_QUANTITY:
        return f"{what} must be between 1 and {MAX_QUANTITY}, not {value}"
    return ""


def get_enterprise_record_id_error(record_id: str) -> str:
    """Why ``record_id`` is not ``<uscc>:<id>`` (a valid credit code, then a valid id), or ""."""
    uscc, separator, local_id = record_id.partition(":")
    if not separator:
        return f"record_id must be <credit code>:<id>, not {record_id!r}"
    return get_first_error(get_uscc_error(uscc), get_id_error(local_id, "the id after the code"))


# --------------------------------------------------------------------------
# Stateless payload checks
# --------------------------------------------------------------------------


def check_report_production(payload: industry_pb2.ReportProduction) -> str:
    """Why a ``ReportProduction`` payload is unusable, or ""."""
    return get_first_error(
        get_id_error(payload.report_id, "report_id"),
        get_period_error(payload.period),
        get_text_error(payload.product, "product"),
        _get_quantity_error(payload.quantity, "quantity"),
        get_text_error(payload.unit, "unit"),
        get_amount_error(payload.output_value, "output_value"),
        get_record_seed_error(payload.record_seed),
    )


def check_record_order(payload: industry_pb2.RecordOrder) -> str:
    """Why a ``RecordOrder`` payload is unusable, or ""."""
    return get_first_error(
        get_id_error(payload.order_id, "order_id"),
        get_text_error(payload.customer, "customer"),
        get_text_error(payload.product, "product"),
        _get_quantity_error(payload.quantity, "quantity"),
        get_text_error(payload.unit, "unit"),
        get_amount_error(payload.value, "value"),
        get_date_error(payload.ordered_on, "ordered_on"),
        get_record_seed_error(payload.record_seed),
    )


def check_record_delivery(payload: industry_pb2.RecordDelivery) -> str:
    """Why a ``RecordDelivery`` payload is unusable, or ""."""
    return get_first_error(
        get_id_error(payload.delivery_id, "delivery_id"),
        get_id_error(payload.order_id, "order_id"),
        _get_quantity_error(payload.quantity, "quantity"),
        get_date_error(payload.delivered_on, "delivered_on"),
        get_record_seed_error(payload.record_seed),
    )


def check_attest(payload: industry_pb2.Attest) -> str:
    """Why an ``Attest`` payload is unusable, or ""."""
    if payload.kind not in ATTESTABLE_KINDS:
        return f"kind must be one of {', '.join(ATTESTABLE_KINDS)}, not {payload.kind!r}"
    return get_first_error(
        get_enterprise_record_id_error(payload.record_id),
        get_text_error(payload.note, "note", required=False),
    )


# --------------------------------------------------------------------------
# Handlers
# --------------------------------------------------------------------------


def _get_unattested_fields(need: str) -> dict[str, str | int]:
    # Every field exists from creation so that a record's field count never changes.
    return {
        "attestation": need,
        "attested_by": "",
        "attestation_note": "",
        "attested_height": 0,
    }


def execute_report_production(call: TxCall) -> None:
    """Record the sender enterprise's production report (RECORD_EXISTS if its id is taken)."""
    payload: industry_pb2.ReportProduction = call.payload
    uscc = call.sender.organisation.id
    fields = {
        "report_id": payload.report_id,
        "enterprise": uscc,
        "period": payload.period,
        "product": payload.product,
        "quantity": payload.quantity,
        "unit": payload.unit,
        "output_value": payload.output_value,
        **_get_unattested_fields(
            get_attestation_need(payload.output_value, payload.request_attestation)
        ),
    }
    record_id = get_enterprise_record_id(uscc, payload.report_id)
    create_record(call.state, KIND_PRODUCTION, record_id, fields, payload.record_seed, call.height)


def execute_record_order(call: TxCall) -> None:
    """Record an order the sender enterprise received as supplier (RECORD_EXISTS if taken)."""
    payload: industry_pb2.RecordOrder = call.payload
    uscc = call.sender.organisation.id
    fields = {
        "order_id": payload.order_id,
        "supplier": uscc,
        "customer": payload.customer,
        "product": payload.product,
        "quantity": payload.quantity,
        "unit": payload.unit,
        "value": payload.value,
        "ordered_on": payload.ordered_on,
        "delivered_quantity": 0,
        "status": ORDER_OPEN,
        **_get_unattested_fields(get_attestation_need(payload.value)),
    }
    record_id = get_enterprise_record_id(uscc, payload.order_id)
    create_record(call.state, KIND_ORDER, record_id, fields, payload.record_seed, call.height)


def execute_record_delivery(call: TxCall) -> None:
    """Record a delivery against the sender's own order and move the order's delivered quantity.

    ORDER_NOT_FOUND when the sender has no such order (another enterprise's
    order is never found: the id is looked up under the sender's own code),
    DELIVERY_EXCEEDS_ORDER when more would be delivered than was ordered.
    """
    payload: industry_pb2.RecordDelivery = call.payload
    uscc = call.sender.organisation.id
    order_record_id = get_enterprise_record_id(uscc, payload.order_id)
    order = read_record(call.state, KIND_ORDER, order_record_id)
    if order is None:
        raise ConsortiumError(
            ErrorCode.ORDER_NOT_FOUND,
            f"{uscc} has recorded no order {payload.order_id!r}; record the order first "
            "(only the supplier of an order records deliveries against it)",
        )
    ordered = int(order.get("quantity", 0))
    already = int(order.get("delivered_quantity", 0))
    delivered = already + payload.quantity
    if delivered > ordered:
        raise ConsortiumError(
            ErrorCode.DELIVERY_EXCEEDS_ORDER,
            f"order {payload.order_id!r} has {ordered - already} of {ordered} left to deliver, "
            f"not {payload.quantity}",
        )
    fields = {
        "delivery_id": payload.delivery_id,
        "order_id": payload.order_id,
        "supplier": uscc,
        "quantity": payload.quantity,
        "delivered_on": payload.delivered_on,
    }
    record_id = get_enterprise_record_id(uscc, payload.delivery_id)
    create_record(call.state, KIND_DELIVERY, record_id, fields, payload.record_seed, call.height)
    status = ORDER_FULFILLED if delivered == ordered else ORDER_OPEN
    update_record(
        call.state, order, {"delivered_quantity": delivered, "status": status}, call.height
    )


def execute_attest(call: TxCall) -> None:
    """Attest a production report or order that calls for it.

    RECORD_NOT_FOUND when there is no such record, ATTESTATION_NOT_REQUIRED
    when it does not call for attestation, ALREADY_ATTESTED when it has one.
    """
    payload: industry_pb2.Attest = call.payload
    record = read_record(call.state, payload.kind, payload.record_id)
    if record is None:
        raise ConsortiumError(
            ErrorCode.RECORD_NOT_FOUND, f"there is no {payload.kind} {payload.record_id!r}"
        )
    attestation = record.get("attestation")
    if attestation == ATTESTATION_DONE:
        raise ConsortiumError(
            ErrorCode.ALREADY_ATTESTED,
            f"{payload.kind} {payload.record_id!r} was attested by {record.get('attested_by')} "
            f"at height {record.get('attested_height')}",
        )
    if attestation != ATTESTATION_REQUIRED:
        raise ConsortiumError(
            ErrorCode.ATTESTATION_NOT_REQUIRED,
            f"{payload.kind} {payload.record_id!r} does not call for attestation",
        )
    update_record(
        call.state,
        record,
        {
            "attestation": ATTESTATION_DONE,
            "attested_by": call.sender.organisation.id,
            "attestation_note": payload.note,
            "attested_height": call.height,
        },
        call.height,
    )


ENTERPRISE = roles(Role.ROLE_ENTERPRISE)
INDUSTRY_ASSOCIATION = roles(Role.ROLE_INDUSTRY_ASSOCIATION)

INDUSTRY_RULES: tuple[TxRule, ...] = (
    TxRule(
        TX_REPORT_PRODUCTION,
        industry_pb2.ReportProduction,
        ENTERPRISE,
        execute_report_production,
        check_report_production,
    ),
    TxRule(
        TX_RECORD_ORDER,
        industry_pb2.RecordOrder,
        ENTERPRISE,
        execute_record_order,
        check_record_order,
    ),
    TxRule(
        TX_RECORD_DELIVERY,
        industry_pb2.RecordDelivery,
        ENTERPRISE,
        execute_record_delivery,
        check_record_delivery,
    ),
    TxRule(TX_ATTEST, industry_pb2.Attest, INDUSTRY_ASSOCIATION, execute_attest, check_attest),
)

INDUSTRY_APPLICATION = ConsortiumApplication.from_rules(
    "industry", [*get_membership_rules(INDUSTRY_ASSOCIATION), *INDUSTRY_RULES]
)
"""The industry chain's application: membership (registrar: the industry association) and
the rules above."""
