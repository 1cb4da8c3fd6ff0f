"""The facts a credit policy reads, from hand-made verified records: each fact, what does
not count, boundaries, properties, and the seed's policies end to end."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chains.core.records import FieldValue
from chains.core.types import ChainId, Hash32, Height
from chains.finance.facts import (
    FACT_DESCRIPTIONS,
    INDUSTRY_CHAIN,
    TAX_CHAIN,
    compute_capped_sum,
    compute_facts,
    describe_facts,
    format_fact_value,
    get_fact_description,
    get_utc_date,
    is_usable_tax_type,
)
from chains.finance.policy import (
    INT64_MAX,
    CreditPolicy,
    evaluate_policy,
    get_credit_policy,
    get_field_name_error,
    get_policy_error,
)
from chains.seed import POLICIES
from consortium.v1 import finance_pb2
from relay.transfer import VerifiedRecord
from tests.industry.support import make_uscc

ENT = make_uscc(7)
DAY_MS = 86_400_000
TODAY = "2026-01-15"
MIDNIGHT_MS = int(datetime.datetime(2026, 1, 15, tzinfo=datetime.UTC).timestamp() * 1000)
NOW_MS = MIDNIGHT_MS + 9 * 3_600_000  # 09:00 UTC


def yuan(amount: int) -> int:
    return amount * 100


def rec(
    kind: str,
    record_id: str = "r1",
    chain: str = TAX_CHAIN,
    version: int = 1,
    height: int = 10,
    **fields: FieldValue,
) -> VerifiedRecord:
    """A verified record as a transfer would give it (the commitment is not read)."""
    return VerifiedRecord(
        chain_id=ChainId(chain),
        height=Height(height),
        kind=kind,
        record_id=record_id,
        version=version,
        commitment=Hash32(bytes(32)),
        fields=fields,
    )


def clearance(record_id: str = "TC-1", **fields: FieldValue) -> VerifiedRecord:
    base: dict[str, FieldValue] = {"enterprise": ENT, "status": "valid", "valid_until": TODAY}
    return rec("clearance", record_id, **{**base, **fields})


def filing(
    period: str,
    tax_type: FieldValue,
    tax_paid: FieldValue,
    status: str = "paid",
    **fields: FieldValue,
) -> VerifiedRecord:
    base: dict[str, FieldValue] = {
        "enterprise": ENT,
        "period": period,
        "tax_type": tax_type,
        "tax_due": tax_paid,
        "tax_paid": tax_paid,
        "status": status,
    }
    return rec("filing", f"{ENT}:{period}:{tax_type}", **{**base, **fields})


def invoice(number: str, amount: int, **fields: FieldValue) -> VerifiedRecord:
    base: dict[str, FieldValue] = {
        "invoice_number": number,
        "invoice_type": "blue",
        "seller": ENT,
        "amount": amount,
        "status": "issued",
    }
    return rec("invoice", number, **{**base, **fields})


def production(
    report_id: str, period: str, output_value: FieldValue, **fields: FieldValue
) -> VerifiedRecord:
    base: dict[str, FieldValue] = {
        "enterprise": ENT,
        "period": period,
        "output_value": output_value,
        "attestation": "not_required",
    }
    return rec("production", f"{ENT}:{report_id}", INDUSTRY_CHAIN, **{**base, **fields})


def order(
    order_id: str, value: FieldValue, status: str = "open", **fields: FieldValue
) -> VerifiedRecord:
    base: dict[str, FieldValue] = {"supplier": ENT, "value": value, "status": status}
    return rec("order", f"{ENT}:{order_id}", INDUSTRY_CHAIN, **{**base, **fields})


def without(record: VerifiedRecord, *names: str) -> VerifiedRecord:
    """``record`` with ``names`` left undisclosed."""
    fields = {name: value for name, value in record.fields.items() if name not in names}
    return rec(
        record.kind,
        record.record_id,
        record.chain_id,
        record.version,
        record.height,
        **fields,
    )


# --- the UTC date and the saturating sum ---------------------------------------------


@pytest.mark.parametrize(
    ("now_ms", "date"),
    [
        (0, "1970-01-01"),
        (DAY_MS - 1, "1970-01-01"),
        (DAY_MS, "1970-01-02"),
        (-1, "1969-12-31"),
        (MIDNIGHT_MS - 1, "2026-01-14"),
        (MIDNIGHT_MS, TODAY),
        (NOW_MS, TODAY),
        (-(2**80), "0001-01-01"),
        (2**80, "9999-12-31"),
    ],
)
def test_utc_date(now_ms: int, date: str) -> None:
    assert get_utc_date(now_ms) == date


def test_capped_sum_saturates_at_int64() -> None:
    assert compute_capped_sum([]) == 0
    assert compute_capped_sum([1, 2]) == 3
    assert compute_capped_sum([INT64_MAX, 1]) == INT64_MAX
    assert compute_capped_sum([2**62] * 3) == INT64_MAX


# --- tax.clearance_valid ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("records", "now_ms", "valid"),
    [
        ([], NOW_MS, False),
        ([clearance()], NOW_MS, True),  # valid until today: still valid
        ([clearance(valid_until="2026-01-14")], NOW_MS, False),  # expired yesterday
        ([clearance(valid_until="2026-01-14")], MIDNIGHT_MS - 1, True),  # its last millisecond
        ([clearance(valid_until="2026-01-14")], MIDNIGHT_MS, False),
        ([clearance(valid_until="2027-06-30")], NOW_MS, True),
        ([clearance(status="revoked", valid_until="2027-06-30")], NOW_MS, False),
        ([clearance(status="Valid")], NOW_MS, False),
        ([without(clearance(), "status")], NOW_MS, False),
        ([without(clearance(), "valid_until")], NOW_MS, False),
        ([clearance(valid_until="9999")], NOW_MS, False),  # not a date, though "9999" > today
        ([clearance(valid_until="2026-02-30")], NOW_MS, False),
        ([clearance(valid_until=20270101)], NOW_MS, False),
        ([clearance(valid_until=b"2027-01-01")], NOW_MS, False),
        ([clearance(status=True)], NOW_MS, False),
        (
            [clearance("TC-1", status="revoked"), clearance("TC-2", valid_until="2026-03-31")],
            NOW_MS,
            True,
        ),
        ([rec("clearance", "TC-9", INDUSTRY_CHAIN, status="valid", valid_until=TODAY)], 0, False),
    ],
)
def test_clearance_valid(records: list[VerifiedRecord], now_ms: int, valid: bool) -> None:
    assert compute_facts(records, now_ms)["tax.clearance_valid"] is valid


# --- filings ------------------------------------------------------------------------------


def test_filings_paid_and_due_by_type() -> None:
    records = [
        filing("2024", "vat", 300, tax_due=300),
        filing("2025", "vat", 200, tax_due=500, status="partially_paid"),
        filing("2025", "cit", 70, tax_due=70),
        filing("2025-Q1", "stamp", 0, tax_due=9, status="filed"),
    ]
    facts = compute_facts(records, NOW_MS)
    assert facts["tax.filings"] == 4
    assert facts["tax.filings_unpaid"] == 2
    assert facts["tax.vat_paid_total"] == 500
    assert facts["tax.vat_due_total"] == 800
    assert facts["tax.cit_paid_total"] == 70
    assert facts["tax.cit_due_total"] == 70
    assert facts["tax.stamp_paid_total"] == 0
    assert facts["tax.stamp_due_total"] == 9


def test_no_filings_gives_counts_only() -> None:
    facts = compute_facts([clearance()], NOW_MS)
    assert facts == {"tax.clearance_valid": True, "tax.filings": 0}


def test_undisclosed_filing_fields_do_not_count() -> None:
    records = [
        filing("2024", "vat", 300),
        without(filing("2025", "vat", 200), "tax_paid"),
        without(filing("2023", "vat", 100), "tax_type"),
        without(filing("2025", "cit", 50), "status"),
    ]
    facts = compute_facts(records, NOW_MS)
    assert facts["tax.filings"] == 4  # every filing disclosed counts
    assert facts["tax.vat_paid_total"] == 300
    assert facts["tax.vat_due_total"] == 500
    assert facts["tax.cit_paid_total"] == 50
    assert facts["tax.filings_unpaid"] == 0  # the one without status is not judged


def test_facts_absent_when_no_filing_discloses_them() -> None:
    records = [without(filing("2025", "vat", 200), "status", "tax_paid", "tax_due")]
    facts = compute_facts(records, NOW_MS)
    assert facts["tax.filings"] == 1
    assert "tax.filings_unpaid" not in facts
    assert "tax.vat_paid_total" not in facts
    assert "tax.vat_due_total" not in facts


@pytest.mark.parametrize(
    "bad",
    [True, False, "300", b"\x01", -5],
    ids=["true", "false", "str", "bytes", "negative"],
)
def test_wrong_type_amounts_do_not_count(bad: FieldValue) -> None:
    records = [filing("2024", "vat", 300), filing("2025", "vat", bad, tax_due=bad)]
    facts = compute_facts(records, NOW_MS)
    assert facts["tax.vat_paid_total"] == 300
    assert facts["tax.vat_due_total"] == 300


@pytest.mark.parametrize(
    "tax_type",
    ["", "a/b", "x" * 114, "vat tax", ".vat", True, 7],
    ids=["empty", "slash", "too-long", "space", "dot-first", "bool", "int"],
)
def test_unusable_tax_type_makes_no_fact(tax_type: FieldValue) -> None:
    facts = compute_facts([filing("2025", tax_type, 1)], NOW_MS)
    assert facts == {"tax.clearance_valid": False, "tax.filings": 1, "tax.filings_unpaid": 0}


def test_longest_usable_tax_type() -> None:
    longest = "x" * 113
    assert is_usable_tax_type(longest)
    assert not is_usable_tax_type(longest + "x")
    facts = compute_facts([filing("2025", longest, 5)], NOW_MS)
    assert facts[f"tax.{longest}_paid_total"] == 5


def test_status_of_wrong_type_is_not_disclosed() -> None:
    facts = compute_facts([filing("2025", "vat", 5, status=0)], NOW_MS)
    assert "tax.filings_unpaid" not in facts


# --- invoices -----------------------------------------------------------------------------


def test_invoices_issued_total_nets_out_cancellations() -> None:
    records = [
        invoice("INV-1", 1_000),
        invoice("INV-2", 2_000, status="transferred"),
        invoice("INV-3", 4_000, status="cancelled", cancelled_by="RED-3"),
        invoice("RED-3", -4_000, invoice_type="red", original_number="INV-3"),
        # The original does not show it was cancelled; its disclosed red letter does.
        without(invoice("INV-4", 8_000), "status"),
        invoice("RED-4", -8_000, invoice_type="red", original_number="INV-4"),
        # A red letter whose original is not disclosed takes nothing off.
        invoice("RED-5", -16_000, invoice_type="red", original_number="INV-5"),
        # Negative amount, type withheld: still a red letter.
        without(invoice("RED-6", -1, original_number="INV-1"), "invoice_type"),
    ]
    facts = compute_facts(records, NOW_MS)
    assert facts["tax.invoices_issued_total"] == 2_000  # INV-1 was cancelled by RED-6


def test_invoices_issued_total_presence() -> None:
    assert "tax.invoices_issued_total" not in compute_facts([], NOW_MS)
    hidden = [without(invoice("INV-1", 1_000), "amount"), invoice("INV-2", "5")]
    assert "tax.invoices_issued_total" not in compute_facts(hidden, NOW_MS)
    only_red = [invoice("RED-1", -5, invoice_type="red", original_number="INV-9")]
    assert compute_facts(only_red, NOW_MS)["tax.invoices_issued_total"] == 0
    flagged = [invoice("INV-1", True)]
    assert "tax.invoices_issued_total" not in compute_facts(flagged, NOW_MS)


# --- industry -----------------------------------------------------------------------------


def test_output_value_by_year_and_total() -> None:
    records = [
        production("P1", "2025", 1_000),
        production("P2", "2025-Q3", 200),
        production("P3", "2025-07", 30),
        production("P4", "2024-Q4", 4),
        production("P5", "2025-13", 50_000),  # not a period: counts in the total only
        without(production("P6", "2025", 600_000), "period"),
        without(production("P7", "2025", 7_000_000), "output_value"),
        production("P8", "2025", True),
        production("P9", 2025, 80_000_000),
    ]
    facts = compute_facts(records, NOW_MS)
    assert facts["industry.output_value_2025"] == 1_230
    assert facts["industry.output_value_2024"] == 4
    assert facts["industry.output_value_total"] == 80_651_234
    per_year = {name for name in facts if name.startswith("industry.output_value_")}
    assert per_year == {
        "industry.output_value_2024",
        "industry.output_value_2025",
        "industry.output_value_total",
    }


def test_attested_reports() -> None:
    records = [
        production("P1", "2025", 1, attestation="attested"),
        production("P2", "2025", 1, attestation="required"),
        production("P3", "2025", 1, attestation="attested"),
        production("P4", "2025", 1, attestation=True),
        without(production("P5", "2025", 1, attestation="attested"), "attestation"),
        # An attested order is not a production report.
        order("O1", 1, attestation="attested"),
    ]
    assert compute_facts(records, NOW_MS)["industry.attested_reports"] == 2


def test_attested_reports_absent_when_undisclosed() -> None:
    records = [without(production("P1", "2025", 1), "attestation")]
    assert "industry.attested_reports" not in compute_facts(records, NOW_MS)
    records = [production("P1", "2025", 1)]
    assert compute_facts(records, NOW_MS)["industry.attested_reports"] == 0


def test_orders_open_and_total_value() -> None:
    records = [
        order("O1", 1_000),
        order("O2", 200, status="fulfilled"),
        order("O3", 30, status="open"),
        without(order("O4", 4_000), "status"),
        without(order("O5", 50_000), "value"),
        order("O6", "600"),
        order("O7", False, status="open"),
    ]
    facts = compute_facts(records, NOW_MS)
    assert facts["industry.orders_open_value"] == 1_030
    assert facts["industry.orders_total_value"] == 5_230


def test_orders_open_value_needs_value_and_status() -> None:
    facts = compute_facts([without(order("O1", 1_000), "status")], NOW_MS)
    assert facts["industry.orders_total_value"] == 1_000
    assert "industry.orders_open_value" not in facts
    facts = compute_facts([order("O1", 1_000, status="fulfilled")], NOW_MS)
    assert facts["industry.orders_open_value"] == 0
    facts = compute_facts([without(order("O1", 1_000), "value")], NOW_MS)
    assert "industry.orders_open_value" not in facts
    assert "industry.orders_total_value" not in facts


# --- chains, duplicates, bounds ---------------------------------------------------------


def test_records_of_another_chain_do_not_count() -> None:
    on_industry = [
        rec("filing", "F", INDUSTRY_CHAIN, tax_type="vat", tax_paid=5, status="filed"),
        rec("invoice", "I", INDUSTRY_CHAIN, amount=5),
        rec("clearance", "C", INDUSTRY_CHAIN, status="valid", valid_until=TODAY),
    ]
    on_tax = [
        rec("production", "P", TAX_CHAIN, period="2025", output_value=5, attestation="attested"),
        rec("order", "O", TAX_CHAIN, value=5, status="open"),
    ]
    on_finance = [rec("filing", "F", "finance-1", tax_type="vat", tax_paid=5)]
    facts = compute_facts([*on_industry, *on_tax, *on_finance], NOW_MS)
    assert facts == {"tax.clearance_valid": False, "tax.filings": 0}


def test_chain_ids_are_parameters() -> None:
    records = [
        rec("filing", "F", "tax-test", tax_type="vat", tax_paid=5, status="paid"),
        rec("order", "O", "industry-test", value=7, status="open"),
        filing("2025", "vat", 1_000),
    ]
    facts = compute_facts(records, NOW_MS, tax_chain="tax-test", industry_chain="industry-test")
    assert facts["tax.vat_paid_total"] == 5
    assert facts["tax.filings"] == 1
    assert facts["industry.orders_open_value"] == 7


def test_kinds_without_facts_are_ignored() -> None:
    records = [
        rec("payment", "PAY-1", amount=5, tax_type="vat"),
        rec("delivery", "D", INDUSTRY_CHAIN, quantity=5, value=5),
        rec("policy", "X", TAX_CHAIN, output_value=5),
    ]
    assert compute_facts(records, NOW_MS) == {"tax.clearance_valid": False, "tax.filings": 0}


def test_a_record_counts_once_its_latest_version() -> None:
    old = rec("order", "O1", INDUSTRY_CHAIN, version=1, height=5, value=100, status="open")
    new = rec("order", "O1", INDUSTRY_CHAIN, version=2, height=9, value=100, status="fulfilled")
    for records in ([old, new], [new, old], [old, new, old, new]):
        facts = compute_facts(records, NOW_MS)
        assert facts["industry.orders_total_value"] == 100
        assert facts["industry.orders_open_value"] == 0
    # The same id on two chains, or of two kinds, is two records.
    twin = rec("order", "O1", "industry-2", value=100, status="open")
    assert compute_facts([old, twin], NOW_MS, industry_chain="industry-2") == {
        "tax.clearance_valid": False,
        "tax.filings": 0,
        "industry.orders_open_value": 100,
        "industry.orders_total_value": 100,
    }


def test_sums_saturate_at_int64() -> None:
    huge = 2**62
    records = [
        filing("2023", "vat", huge),
        filing("2024", "vat", huge),
        filing("2025", "vat", huge),
        production("P1", "2025", 2**64),
        order("O1", INT64_MAX),
        order("O2", 1),
        invoice("INV-1", INT64_MAX),
        invoice("INV-2", INT64_MAX),
    ]
    facts = compute_facts(records, NOW_MS)
    for name in (
        "tax.vat_paid_total",
        "tax.vat_due_total",
        "tax.invoices_issued_total",
        "industry.output_value_2025",
        "industry.output_value_total",
        "industry.orders_open_value",
        "industry.orders_total_value",
    ):
        assert facts[name] == INT64_MAX, name


# --- properties ---------------------------------------------------------------------------

any_value = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.text(max_size=12),
    st.binary(max_size=8),
)
amounts = st.integers(min_value=-(10**6), max_value=2**64)


def chain_values(*values: str) -> st.SearchStrategy[FieldValue]:
    """Half the time a value the chains write for the field, else anything at all."""
    return st.one_of(st.sampled_from(values), any_value)


FIELD_VALUES: dict[str, st.SearchStrategy[FieldValue]] = {
    "enterprise": st.just(ENT),
    "valid_until": chain_values(TODAY, "2026-01-14", "9999-12-31", "2026-02-30", "9999"),
    "tax_type": chain_values("vat", "cit", "", "a/b"),
    "tax_paid": st.one_of(amounts, any_value),
    "tax_due": st.one_of(amounts, any_value),
    "amount": st.one_of(amounts, any_value),
    "invoice_type": chain_values("blue", "red"),
    "original_number": chain_values("r1", "r2", "r3"),
    "period": chain_values("2025", "2025-Q1", "2024-07", "2025-13"),
    "output_value": st.one_of(amounts, any_value),
    "attestation": chain_values("attested", "required", "not_required"),
    "value": st.one_of(amounts, any_value),
    "other": any_value,
}
HOME_CHAIN = {
    "filing": TAX_CHAIN,
    "payment": TAX_CHAIN,
    "clearance": TAX_CHAIN,
    "invoice": TAX_CHAIN,
    "production": INDUSTRY_CHAIN,
    "order": INDUSTRY_CHAIN,
    "delivery": INDUSTRY_CHAIN,
    "x": "finance-1",
}
STATUSES = {
    "filing": ("paid", "filed", "partially_paid"),
    "clearance": ("valid", "revoked"),
    "invoice": ("issued", "cancelled"),
    "order": ("open", "fulfilled"),
}


@st.composite
def records_of_kind(draw: st.DrawFn) -> VerifiedRecord:
    """A record of some kind, mostly on its own chain, with any of the fields disclosed."""
    kind = draw(st.sampled_from(list(HOME_CHAIN)))
    chain = draw(st.one_of(st.just(HOME_CHAIN[kind]), st.sampled_from(list(HOME_CHAIN.values()))))
    return rec(
        kind,
        draw(st.sampled_from(("r1", "r2", "r3"))),
        chain,
        draw(st.integers(min_value=1, max_value=3)),
        draw(st.integers(min_value=1, max_value=3)),
        **draw(
            st.fixed_dictionaries(
                {},
                optional={**FIELD_VALUES, "status": chain_values(*STATUSES.get(kind, ("x",)))},
            )
        ),
    )


records_strategy = st.lists(records_of_kind(), max_size=20)
now_values = st.one_of(
    st.integers(min_value=MIDNIGHT_MS - 2 * DAY_MS, max_value=MIDNIGHT_MS + 2 * DAY_MS),
    st.integers(min_value=-(2**80), max_value=2**80),
)


@settings(max_examples=300)
@given(records_strategy, now_values)
def test_random_records_give_well_formed_facts(records: list[VerifiedRecord], now_ms: int) -> None:
    facts = compute_facts(records, now_ms)
    assert list(facts) == sorted(facts)
    assert type(facts["tax.clearance_valid"]) is bool
    assert type(facts["tax.filings"]) is int
    for name, value in facts.items():
        assert get_field_name_error(name, "fact") == ""
        assert name.startswith(("tax.", "industry."))
        assert type(value) is bool or (type(value) is int and 0 <= value <= INT64_MAX)
        assert get_fact_description(name) is not None
    assert len(describe_facts(facts)) == len(facts)


@settings(max_examples=200)
@given(st.data(), records_strategy)
def test_order_and_repetition_do_not_matter(
    data: st.DataObject, records: list[VerifiedRecord]
) -> None:
    facts = compute_facts(records, NOW_MS)
    shuffled = data.draw(st.permutations(records))
    assert compute_facts(shuffled, NOW_MS) == facts
    assert compute_facts([*records, *shuffled], NOW_MS) == facts


@settings(max_examples=200)
@given(records_strategy)
def test_each_prefix_reads_its_own_chain_only(records: list[VerifiedRecord]) -> None:
    facts = compute_facts(records, NOW_MS)
    for chain, prefix in ((TAX_CHAIN, "tax."), (INDUSTRY_CHAIN, "industry.")):
        own = compute_facts([record for record in records if record.chain_id == chain], NOW_MS)
        assert {k: v for k, v in facts.items() if k.startswith(prefix)} == {
            k: v for k, v in own.items() if k.startswith(prefix)
        }


@settings(max_examples=100)
@given(records_strategy, st.permutations(range(3)))
def test_one_clearance_in_force_suffices_among_any_records(
    records: list[VerifiedRecord], positions: list[int]
) -> None:
    extra = [
        clearance("TC-in-force"),
        clearance("TC-revoked", status="revoked"),
        clearance("TC-expired", valid_until="2026-01-14"),
    ]
    facts = compute_facts([*records, *(extra[index] for index in positions)], NOW_MS)
    assert facts["tax.clearance_valid"] is True


# --- descriptions -------------------------------------------------------------------------


def test_every_described_fact_name_is_a_field_name() -> None:
    for description in FACT_DESCRIPTIONS:
        name = description.name.replace("<type>", "vat").replace("<year>", "2025")
        assert get_field_name_error(name, "fact") == ""
        assert get_fact_description(name) is not None
        assert description.unit in ("bool", "count", "fen")


def test_descriptions_fill_in_placeholders() -> None:
    vat = get_fact_description("tax.vat_paid_total")
    assert vat is not None and vat.unit == "fen" and "vat" in vat.meaning
    assert "<type>" not in vat.meaning
    year = get_fact_description("industry.output_value_2025")
    assert year is not None and "2025" in year.meaning
    due = get_fact_description("tax.x_paid_due_total")
    assert due is not None and "x_paid" in due.meaning
    assert get_fact_description("industry.output_value_25") is None
    assert get_fact_description("tax.unknown") is None


def test_describe_facts_formats_values() -> None:
    facts = {
        "tax.vat_paid_total": 123_456_789,
        "tax.clearance_valid": True,
        "industry.attested_reports": 2,
        "bank.other": "x",
    }
    assert describe_facts(facts) == [
        ("bank.other", "'x': not a fact this module computes"),
        (
            "industry.attested_reports",
            "2: disclosed production reports attested by the industry association",
        ),
        (
            "tax.clearance_valid",
            'true: a disclosed tax-clearance certificate has status "valid" and is valid '
            "until today or later (UTC date)",
        ),
        ("tax.vat_paid_total", "1,234,567.89 yuan: tax paid on the disclosed vat tax returns"),
    ]
    assert format_fact_value(5, "fen") == "0.05 yuan"
    assert format_fact_value(-105, "fen") == "-1.05 yuan"
    assert format_fact_value(False, "bool") == "false"


# --- end to end: the seed's policies read these facts ------------------------------------


def seed_policy(bank: str) -> CreditPolicy:
    terms = POLICIES[bank]
    policy = get_credit_policy(
        bank,
        finance_pb2.RegisterPolicy(
            policy_id=terms.policy_id,
            name=terms.name,
            rules=list(terms.rules),
            max_amount=terms.max_amount,
            amount_basis_field=terms.amount_basis_field,
            amount_basis_ratio_bp=terms.amount_basis_ratio_bp,
            rate_bp=terms.rate_bp,
        ),
    )
    assert get_policy_error(policy) == ""
    return policy


def good_enterprise(**changes: VerifiedRecord | None) -> list[VerifiedRecord]:
    """A data set every seed policy approves; ``changes`` replace (None: drop) a record."""
    records: dict[str, VerifiedRecord] = {
        "clearance": clearance(valid_until="2026-06-30"),
        "vat_2023": filing("2023", "vat", yuan(400_000)),
        "vat_2024": filing("2024", "vat", yuan(400_000)),
        "vat_2025": filing("2025", "vat", yuan(400_000)),
        "cit_2025": filing("2025", "cit", yuan(150_000)),
        "output_2025": production("P-2025", "2025", yuan(25_000_000), attestation="attested"),
        "output_2024": production("P-2024", "2024", yuan(90_000_000)),
        "order": order("O-1", yuan(6_000_000)),
        "invoice": invoice("INV-1", yuan(1_000_000)),
    }
    for key, record in changes.items():
        assert key in records
        if record is None:
            del records[key]
        else:
            records[key] = record
    return list(records.values())


def test_seed_policies_approve_a_good_enterprise() -> None:
    facts = compute_facts(good_enterprise(), NOW_MS)
    for bank, terms in POLICIES.items():
        policy = seed_policy(bank)
        for rule in terms.rules:
            assert rule.field in facts, (bank, rule.field)
        if terms.amount_basis_field:
            assert terms.amount_basis_field in facts
        outcome = evaluate_policy(policy, facts, yuan(1_000_000))
        assert outcome.approved, (bank, outcome.reasons)
        assert outcome.amount == yuan(1_000_000)


SHORTFALLS = [
    # (record changes, banks that reject, the fact their reasons name)
    (
        {"clearance": clearance(status="revoked", valid_until="2026-06-30")},
        set(POLICIES),
        "tax.clearance_valid",
    ),
    ({"clearance": clearance(valid_until="2026-01-14")}, set(POLICIES), "tax.clearance_valid"),
    ({"clearance": None}, set(POLICIES), "tax.clearance_valid"),
    (
        {"vat_2024": filing("2024", "vat", yuan(50_000)), "vat_2023": None},
        {"bank-icbc-sz", "bank-cmb-sz"},
        "tax.vat_paid_total",
    ),
    (
        {
            "vat_2025": filing(
                "2025", "vat", yuan(400_000), status="partially_paid", tax_due=yuan(500_000)
            )
        },
        {"bank-ccb-sz"},
        "tax.filings_unpaid",
    ),
    ({"cit_2025": filing("2025", "cit", yuan(99_999))}, {"bank-ccb-sz"}, "tax.cit_paid_total"),
    (
        {"output_2025": production("P-2025", "2025", yuan(15_000_000), attestation="attested")},
        {"bank-cmb-sz"},
        "industry.output_value_2025",
    ),
    (
        {"output_2025": production("P-2025", "2025", yuan(25_000_000), attestation="required")},
        {"bank-boc-sz"},
        "industry.attested_reports",
    ),
    (
        {"order": order("O-1", yuan(6_000_000), "fulfilled")},
        {"bank-boc-sz"},
        "industry.orders_open_value",
    ),
    # Undisclosed: the policy's reason says the fact is missing.
    (
        {"order": without(order("O-1", yuan(6_000_000)), "value")},
        {"bank-boc-sz"},
        "industry.orders_open_value is missing",
    ),
]


@pytest.mark.parametrize(("changes", "rejecting", "named"), SHORTFALLS)
def test_seed_policies_reject_naming_the_short_fact(
    changes: dict[str, VerifiedRecord | None], rejecting: set[str], named: str
) -> None:
    facts = compute_facts(good_enterprise(**changes), NOW_MS)
    for bank in POLICIES:
        outcome = evaluate_policy(seed_policy(bank), facts, yuan(1_000_000))
        if bank in rejecting:
            assert not outcome.approved, bank
            assert any(named in reason for reason in outcome.reasons), (bank, outcome.reasons)
        else:
            assert outcome.approved, (bank, outcome.reasons)
