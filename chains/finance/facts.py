"""The facts a bank's credit policy reads, computed from a verified data set (pure).

A transfer (:mod:`relay.transfer`) proves records of one enterprise from the
tax and industry chains, each with only the fields the enterprise consented
to disclose. A credit policy (:mod:`chains.finance.policy`) reads a flat
mapping of named values; :func:`compute_facts` turns the one into the other.
Deterministic and total: no clock (the day is the UTC date of the finance
block's time, passed in), no randomness, no I/O, and no field value makes it
raise. A fact reads only disclosed fields of the expected exact type (a
``bool`` is never an integer here) and only records of its own chain; a
record that lacks a field, or has it with another type, simply adds nothing
to the facts reading that field. Amounts are integer fen; a negative amount,
which no chain writes, adds nothing either.

==============================  =====  ==========================================
fact                            unit   meaning
==============================  =====  ==========================================
``tax.clearance_valid``         bool   a disclosed clearance has status "valid"
                                       and ``valid_until`` on or after today
                                       (always present)
``tax.filings``                 count  filings disclosed (always present)
``tax.filings_unpaid``          count  filings whose disclosed status is not
                                       "paid" (present when one discloses status)
``tax.<type>_paid_total``       fen    ``tax_paid`` of the filings of tax_type
                                       ``<type>``, e.g. ``tax.vat_paid_total``
``tax.<type>_due_total``        fen    ``tax_due`` of those filings
``tax.invoices_issued_total``   fen    amounts of the disclosed blue invoices
                                       the enterprise issued, less cancelled ones
``industry.output_value_<Y>``   fen    ``output_value`` of production reports of
                                       a period in year ``<Y>``
``industry.output_value_total`` fen    ``output_value`` of all production reports
``industry.attested_reports``   count  production reports attested by the
                                       industry association
``industry.orders_open_value``  fen    ``value`` of orders with status "open"
``industry.orders_total_value`` fen    ``value`` of all orders
==============================  =====  ==========================================

A fact other than the two "always present" ones is present only when some
record discloses what it needs (e.g. ``industry.orders_open_value`` when some
order discloses both ``value`` and ``status``), so a policy rule on a fact
the consent did not cover fails with "missing", never on a made-up zero.

Sums saturate at 2**63-1 (the largest value a rule compares with), which
keeps them independent of the order of the records. Each record counts once:
if the same record (chain, kind, id) appears twice, the latest version does.

What a fact can say is bounded by what was disclosed: a filing that hides its
status is not counted as unpaid, and a cancelled invoice whose status and
red letter are both withheld still counts. A bank that relies on a fact asks,
in its consent request, for the fields that fact reads.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from chains.apps.fields import get_date_error, get_id_error, get_period_error
from chains.core.records import FieldValue
from chains.finance.policy import INT64_MAX, get_field_name_error
from chains.industry.app import (
    ATTESTATION_DONE,
    KIND_ORDER,
    KIND_PRODUCTION,
    ORDER_OPEN,
)
from chains.tax.clearances import CLEARANCE_VALID, KIND_CLEARANCE
from chains.tax.filings import FILING_PAID, KIND_FILING
from chains.tax.invoices import INVOICE_RED, KIND_INVOICE, STATUS_CANCELLED

TAX_CHAIN = "tax-1"
"""The consortium's tax chain id (``chains.consortium.CHAIN_IDS``; not imported: that
module writes files)."""
INDUSTRY_CHAIN = "industry-1"
"""The consortium's industry chain id."""

FACT_CLEARANCE_VALID = "tax.clearance_valid"
FACT_FILINGS = "tax.filings"
FACT_FILINGS_UNPAID = "tax.filings_unpaid"
FACT_INVOICES_ISSUED_TOTAL = "tax.invoices_issued_total"
FACT_OUTPUT_VALUE_TOTAL = "industry.output_value_total"
FACT_ATTESTED_REPORTS = "industry.attested_reports"
FACT_ORDERS_OPEN_VALUE = "industry.orders_open_value"
FACT_ORDERS_TOTAL_VALUE = "industry.orders_total_value"

UNIT_BOOL = "bool"
UNIT_COUNT = "count"
UNIT_FEN = "fen"

_MS_PER_DAY = 86_400_000
_EPOCH_ORDINAL = datetime.date(1970, 1, 1).toordinal()


class ProvenRecord(Protocol):
    """What the facts read of a proven record; :class:`relay.transfer.VerifiedRecord` is one.

    A protocol rather than an import: the finance chain's code does not depend on the relay's.
    """

    @property
    def chain_id(self) -> str: ...

    @property
    def height(self) -> int: ...

    @property
    def kind(self) -> str: ...

    @property
    def record_id(self) -> str: ...

    @property
    def version(self) -> int: ...

    @property
    def fields(self) -> Mapping[str, FieldValue]: ...


@dataclass(frozen=True, slots=True)
class FactDescription:
    """What a fact means, for a bank officer writing rules.

    ``name`` may hold one placeholder, ``<type>`` (a tax type) or ``<year>``,
    which ``meaning`` repeats.
    """

    name: str
    unit: str
    meaning: str


FACT_DESCRIPTIONS: tuple[FactDescription, ...] = (
    FactDescription(
        FACT_CLEARANCE_VALID,
        UNIT_BOOL,
        'a disclosed tax-clearance certificate has status "valid" and is valid until today '
        "or later (UTC date)",
    ),
    FactDescription(FACT_FILINGS, UNIT_COUNT, "tax returns (filings) disclosed"),
    FactDescription(
        FACT_FILINGS_UNPAID,
        UNIT_COUNT,
        'disclosed tax returns whose status is not "paid" (of those disclosing status)',
    ),
    FactDescription(
        "tax.<type>_paid_total", UNIT_FEN, "tax paid on the disclosed <type> tax returns"
    ),
    FactDescription(
        "tax.<type>_due_total", UNIT_FEN, "tax due on the disclosed <type> tax returns"
    ),
    FactDescription(
        FACT_INVOICES_ISSUED_TOTAL,
        UNIT_FEN,
        "sales on the disclosed blue e-invoices the enterprise issued, without cancelled ones",
    ),
    FactDescription(
        "industry.output_value_<year>",
        UNIT_FEN,
        "output value of the disclosed production reports for periods in <year>",
    ),
    FactDescription(
        FACT_OUTPUT_VALUE_TOTAL, UNIT_FEN, "output value of all disclosed production reports"
    ),
    FactDescription(
        FACT_ATTESTED_REPORTS,
        UNIT_COUNT,
        "disclosed production reports attested by the industry association",
    ),
    FactDescription(
        FACT_ORDERS_OPEN_VALUE,
        UNIT_FEN,
        "value of the disclosed orders still open (received as supplier, not fully delivered)",
    ),
    FactDescription(
        FACT_ORDERS_TOTAL_VALUE, UNIT_FEN, "value of all disclosed orders received as supplier"
    ),
)
"""Every fact :func:`compute_facts` may produce (see the module docstring's table)."""

_DESCRIPTION_PATTERNS: tuple[tuple[re.Pattern[str], FactDescription], ...] = tuple(
    (
        re.compile(
            re.escape(description.name)
            .replace("<type>", "(?P<type>.+)")
            .replace("<year>", "(?P<year>[0-9]{4})")
        ),
        description,
    )
    for description in FACT_DESCRIPTIONS
)


# --------------------------------------------------------------------------
# Names and small readers
# --------------------------------------------------------------------------


def get_tax_paid_fact(tax_type: str) -> str:
    """The fact summing ``tax_paid`` of ``tax_type`` filings: ``tax.<type>_paid_total``."""
    return f"tax.{tax_type}_paid_total"


def get_tax_due_fact(tax_type: str) -> str:
    """The fact summing ``tax_due`` of ``tax_type`` filings: ``tax.<type>_due_total``."""
    return f"tax.{tax_type}_due_total"


def get_output_value_fact(year: str) -> str:
    """The fact summing output value of periods in ``year``: ``industry.output_value_<year>``."""
    return f"industry.output_value_{year}"


def is_usable_tax_type(tax_type: str) -> bool:
    """True when ``tax_type`` is an id whose paid and due facts are valid field names."""
    return (
        not get_id_error(tax_type)
        and not get_field_name_error(get_tax_paid_fact(tax_type), "fact")
        and not get_field_name_error(get_tax_due_fact(tax_type), "fact")
    )


def get_utc_date(now_ms: int) -> str:
    """The UTC calendar date ``YYYY-MM-DD`` of ``now_ms`` (ms since the Unix epoch).

    Pure arithmetic, no clock; a time before year 1 or after year 9999 is
    clamped to the first or last day a date can name.
    """
    ordinal = _EPOCH_ORDINAL + now_ms // _MS_PER_DAY
    ordinal = max(datetime.date.min.toordinal(), min(ordinal, datetime.date.max.toordinal()))
    return datetime.date.fromordinal(ordinal).isoformat()


def compute_capped_sum(values: Iterable[int]) -> int:
    """The sum of ``values``, at most 2**63-1 (an int64, the largest value a rule compares).

    Saturating after summing exactly keeps the result independent of order.
    """
    return min(sum(values), INT64_MAX)


def _get_str(fields: Mapping[str, FieldValue], name: str) -> str | None:
    value = fields.get(name)
    return value if type(value) is str else None


def _get_amount(fields: Mapping[str, FieldValue], name: str) -> int | None:
    # Exact type: bool is a subclass of int, and True must not count as 1 fen.
    value = fields.get(name)
    return value if type(value) is int and value >= 0 else None


def _get_year(period: str | None) -> str | None:
    if period is None or get_period_error(period):
        return None
    return period[:4]


def _get_sortable(value: object) -> object:
    # Values of one type compare; repr() of a huge int would hit Python's digit limit.
    return value if type(value) in (bool, int, str, bytes) else repr(value)


def _get_latest_key(record: ProvenRecord) -> tuple[object, ...]:
    # Latest version first; the rest only makes the choice total, hence order-independent.
    # Names are unique within a record, so sorting never compares two values; across two
    # records, values are compared only after equal names and equal type names.
    canonical = tuple(
        sorted(
            (name, type(value).__name__, _get_sortable(value))
            for name, value in record.fields.items()
        )
    )
    return (record.version, record.height, len(record.fields), canonical)


def select_latest_records(records: Iterable[ProvenRecord]) -> list[ProvenRecord]:
    """Each record (chain, kind, id) once: its latest version (then the fuller disclosure).

    :func:`relay.transfer.verify_transfer` already refuses a record twice;
    this keeps a merged or repeated data set from counting one twice.
    """
    latest: dict[tuple[str, str, str], ProvenRecord] = {}
    for record in records:
        key = (record.chain_id, record.kind, record.record_id)
        kept = latest.get(key)
        if kept is None or _get_latest_key(record) > _get_latest_key(kept):
            latest[key] = record
    return list(latest.values())


# --------------------------------------------------------------------------
# Tax facts
# --------------------------------------------------------------------------


def is_clearance_in_force(fields: Mapping[str, FieldValue], today: str) -> bool:
    """True when a clearance's disclosed fields show status "valid" and a
    ``valid_until`` date on or after ``today`` (``YYYY-MM-DD``)."""
    valid_until = _get_str(fields, "valid_until")
    if _get_str(fields, "status") != CLEARANCE_VALID or valid_until is None:
        return False
    # ISO dates order as strings, once they are dates at all.
    return not get_date_error(valid_until) and valid_until >= today


def _is_red_letter(fields: Mapping[str, FieldValue]) -> bool:
    # A red letter negates its original's amount, so a negative amount shows one too.
    amount = fields.get("amount")
    return _get_str(fields, "invoice_type") == INVOICE_RED or (type(amount) is int and amount < 0)


def compute_invoices_issued_total(invoices: Sequence[ProvenRecord]) -> int | None:
    """Net sales on the disclosed invoices, or None when none discloses its amount.

    A red-letter invoice (``invoice_type`` "red", or a negative amount) adds
    nothing itself: it cancels its ``original_number``, which then counts for
    nothing, as does a blue invoice whose status says "cancelled". An
    invoice's number is its record id.
    """
    red = [invoice for invoice in invoices if _is_red_letter(invoice.fields)]
    cancelled = {
        original
        for invoice in red
        if (original := _get_str(invoice.fields, "original_number")) is not None
    }
    disclosed = False
    amounts: list[int] = []
    for invoice in invoices:
        if type(invoice.fields.get("amount")) is not int:
            continue
        disclosed = True
        amount = _get_amount(invoice.fields, "amount")
        if (
            amount is None
            or _is_red_letter(invoice.fields)
            or _get_str(invoice.fields, "status") == STATUS_CANCELLED
            or invoice.record_id in cancelled
        ):
            continue
        amounts.append(amount)
    return compute_capped_sum(amounts) if disclosed else None


def compute_tax_facts(records: Sequence[ProvenRecord], today: str) -> dict[str, FieldValue]:
    """The ``tax.*`` facts of records of the tax chain, on UTC date ``today``."""
    filings = [record.fields for record in records if record.kind == KIND_FILING]
    facts: dict[str, FieldValue] = {
        FACT_CLEARANCE_VALID: any(
            is_clearance_in_force(record.fields, today)
            for record in records
            if record.kind == KIND_CLEARANCE
        ),
        FACT_FILINGS: len(filings),
    }
    paid: defaultdict[str, list[int]] = defaultdict(list)
    due: defaultdict[str, list[int]] = defaultdict(list)
    statuses: list[str] = []
    for fields in filings:
        status = _get_str(fields, "status")
        if status is not None:
            statuses.append(status)
        tax_type = _get_str(fields, "tax_type")
        if tax_type is None or not is_usable_tax_type(tax_type):
            continue
        for totals, name in ((paid, "tax_paid"), (due, "tax_due")):
            amount = _get_amount(fields, name)
            if amount is not None:
                totals[tax_type].append(amount)
    for tax_type, amounts in paid.items():
        facts[get_tax_paid_fact(tax_type)] = compute_capped_sum(amounts)
    for tax_type, amounts in due.items():
        facts[get_tax_due_fact(tax_type)] = compute_capped_sum(amounts)
    if statuses:
        facts[FACT_FILINGS_UNPAID] = sum(status != FILING_PAID for status in statuses)
    invoices = [record for record in records if record.kind == KIND_INVOICE]
    invoiced = compute_invoices_issued_total(invoices)
    if invoiced is not None:
        facts[FACT_INVOICES_ISSUED_TOTAL] = invoiced
    return facts


# --------------------------------------------------------------------------
# Industry facts
# --------------------------------------------------------------------------


def compute_industry_facts(records: Sequence[ProvenRecord]) -> dict[str, FieldValue]:
    """The ``industry.*`` facts of records of the industry chain."""
    facts: dict[str, FieldValue] = {}
    reports = [record.fields for record in records if record.kind == KIND_PRODUCTION]
    by_year: defaultdict[str, list[int]] = defaultdict(list)
    outputs: list[int] = []
    attestations: list[str] = []
    for fields in reports:
        output = _get_amount(fields, "output_value")
        if output is not None:
            outputs.append(output)
            year = _get_year(_get_str(fields, "period"))
            if year is not None:
                by_year[year].append(output)
        attestation = _get_str(fields, "attestation")
        if attestation is not None:
            attestations.append(attestation)
    for year, amounts in by_year.items():
        facts[get_output_value_fact(year)] = compute_capped_sum(amounts)
    if outputs:
        facts[FACT_OUTPUT_VALUE_TOTAL] = compute_capped_sum(outputs)
    if attestations:
        facts[FACT_ATTESTED_REPORTS] = sum(state == ATTESTATION_DONE for state in attestations)

    orders = [record.fields for record in records if record.kind == KIND_ORDER]
    values: list[int] = []
    open_values: list[int] = []
    knows_status = False
    for fields in orders:
        value = _get_amount(fields, "value")
        if value is None:
            continue
        values.append(value)
        status = _get_str(fields, "status")
        if status is not None:
            knows_status = True
            if status == ORDER_OPEN:
                open_values.append(value)
    if values:
        facts[FACT_ORDERS_TOTAL_VALUE] = compute_capped_sum(values)
    if knows_status:
        facts[FACT_ORDERS_OPEN_VALUE] = compute_capped_sum(open_values)
    return facts


# --------------------------------------------------------------------------
# The data set's facts
# --------------------------------------------------------------------------


def compute_facts(
    records: Sequence[ProvenRecord],
    now_ms: int,
    tax_chain: str = TAX_CHAIN,
    industry_chain: str = INDUSTRY_CHAIN,
) -> dict[str, FieldValue]:
    """The facts a credit policy reads, from a verified data set's records at ``now_ms``.

    ``now_ms`` is the finance block's time; clearances are judged on its UTC
    date. ``tax.*`` facts read only records of ``tax_chain``, ``industry.*``
    only those of ``industry_chain``; records of other chains and kinds are
    ignored. Every name passes :func:`chains.finance.policy.get_field_name_error`
    and every value is a bool or an int from 0 to 2**63-1. Sorted by name;
    deterministic, independent of the records' order, never raises on fields.
    """
    latest = select_latest_records(records)
    tax = [record for record in latest if record.chain_id == tax_chain]
    industry = [record for record in latest if record.chain_id == industry_chain]
    facts = {**compute_tax_facts(tax, get_utc_date(now_ms)), **compute_industry_facts(industry)}
    return dict(sorted(facts.items()))


# --------------------------------------------------------------------------
# For people
# --------------------------------------------------------------------------


def get_fact_description(name: str) -> FactDescription | None:
    """The description of fact ``name``, placeholders filled in; None for an unknown name."""
    for pattern, description in _DESCRIPTION_PATTERNS:
        match = pattern.fullmatch(name)
        if match is None:
            continue
        meaning = description.meaning
        for placeholder, value in match.groupdict().items():
            meaning = meaning.replace(f"<{placeholder}>", value)
        return FactDescription(name, description.unit, meaning)
    return None


def format_fact_value(value: FieldValue, unit: str) -> str:
    """``value`` for people: fen as yuan (``1,234.56 yuan``), a bool as ``true``/``false``."""
    if type(value) is bool:
        return "true" if value else "false"
    if unit == UNIT_FEN and type(value) is int:
        sign = "-" if value < 0 else ""
        yuan, fen = divmod(abs(value), 100)
        return f"{sign}{yuan:,}.{fen:02d} yuan"
    return str(value)


def describe_facts(facts: Mapping[str, FieldValue]) -> list[tuple[str, str]]:
    """``(name, "value: meaning")`` for each fact, by name, e.g. for a table to print."""
    lines: list[tuple[str, str]] = []
    for name in sorted(facts):
        description = get_fact_description(name)
        if description is None:
            lines.append((name, f"{facts[name]!r}: not a fact this module computes"))
        else:
            shown = format_fact_value(facts[name], description.unit)
            lines.append((name, f"{shown}: {description.meaning}"))
    return lines
