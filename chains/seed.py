"""``consortium seed``: realistic synthetic data for the three chains, planned then submitted.

:func:`compute_seed_plan` is PURE and deterministic: the same seed gives the
same enterprises, keys and byte-identical payloads (``random.Random(seed)``
is its only source of chance; keys and record seeds are SHA-256 of the seed
and a label). The plan is a sequence of *waves*; a transaction only refers
to what an earlier wave created, so a wave can be sent all at once and
committed in any order:

1. registrations: the tax bureau, the industry association and a bank
   register every enterprise (the same key on each chain);
2. account keys: each seeded enterprise adds a second key, its finance desk;
3. tax filings, e-invoices, orders, production reports, credit policies;
4. payments, invoice transfers and locks, deliveries, attestations, loan
   applications (they name a policy, so they wait for wave 3);
5. reimbursements, red-letter invoices, loan decisions;
6. declarations of reimbursed invoices, tax-clearance certificates.

:func:`submit_seed_plan` signs each transaction with its sender's key and
next nonce, sends each wave in batches round-robin over a chain's
validators, and waits until all of it is committed; a failing result is a
bug in the plan and raises with its code.
"""

from __future__ import annotations

import datetime
import json
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from google.protobuf.message import Message

from chains.apps.fields import USCC_ALPHABET
from chains.apps.membership import TX_ADD_ACCOUNT, TX_REGISTER_ENTERPRISE, get_organisation_key
from chains.consortium import (
    BANKS,
    CHAIN_NAMES,
    ENTERPRISES_DIR,
    FINANCE,
    INDUSTRY,
    MEMBERS,
    TAX,
    Consortium,
    compute_organisation_code,
    compute_uscc,
)
from chains.core.app import get_nonce_key
from chains.core.crypto import Ed25519KeyPair, compute_ed25519_key_pair
from chains.core.errors import ConsortiumError, ErrorCode
from chains.core.transactions import make_signed_transaction
from chains.core.types import ChainId, compute_sha256
from chains.finance.app import TX_APPLY_FOR_LOAN, TX_DECIDE_LOAN, TX_REGISTER_POLICY
from chains.industry.app import (
    ATTESTATION_REQUIRED,
    TX_ATTEST,
    TX_RECORD_DELIVERY,
    TX_RECORD_ORDER,
    TX_REPORT_PRODUCTION,
    get_attestation_need,
)
from chains.runtime.client import NodeClient, NodeError
from chains.runtime.keys import AccountKey, read_account_key, write_account_key
from chains.tax.app import (
    TX_DECLARE_INVOICE,
    TX_ISSUE_CLEARANCE,
    TX_ISSUE_INVOICE,
    TX_LOCK_INVOICE,
    TX_RECORD_PAYMENT,
    TX_RED_LETTER,
    TX_REIMBURSE_INVOICE,
    TX_SUBMIT_FILING,
    TX_TRANSFER_INVOICE,
)
from chains.tax.invoices import compute_tax_amount
from consortium.v1 import finance_pb2, industry_pb2, membership_pb2, tax_pb2

SEED_DOMAIN = b"consortium/seed/v1"
"""Domain of every key and record seed derived from a plan's seed."""
MAX_ENTERPRISES = 200
MAX_BATCH = 500
"""Transactions per SubmitTransactions call (the node's limit)."""
PRIMARY = "primary"
FINANCE_DESK = "finance-desk"
SEED_FILE = "seed.json"

PAYLOAD_TYPES: Mapping[str, type[Message]] = {
    TX_REGISTER_ENTERPRISE: membership_pb2.RegisterEnterprise,
    TX_ADD_ACCOUNT: membership_pb2.AddAccount,
    TX_SUBMIT_FILING: tax_pb2.SubmitFiling,
    TX_RECORD_PAYMENT: tax_pb2.RecordPayment,
    TX_ISSUE_INVOICE: tax_pb2.IssueInvoice,
    TX_RED_LETTER: tax_pb2.IssueRedLetter,
    TX_TRANSFER_INVOICE: tax_pb2.TransferInvoice,
    TX_LOCK_INVOICE: tax_pb2.LockInvoice,
    TX_REIMBURSE_INVOICE: tax_pb2.ReimburseInvoice,
    TX_DECLARE_INVOICE: tax_pb2.DeclareInvoice,
    TX_ISSUE_CLEARANCE: tax_pb2.IssueClearance,
    TX_REPORT_PRODUCTION: industry_pb2.ReportProduction,
    TX_RECORD_ORDER: industry_pb2.RecordOrder,
    TX_RECORD_DELIVERY: industry_pb2.RecordDelivery,
    TX_ATTEST: industry_pb2.Attest,
    TX_REGISTER_POLICY: finance_pb2.RegisterPolicy,
    TX_APPLY_FOR_LOAN: finance_pb2.ApplyForLoan,
    TX_DECIDE_LOAN: finance_pb2.DecideLoan,
}
"""The payload message of every transaction type a plan uses."""

WAVE_NAMES = (
    "registrations",
    "account keys",
    "filings, invoices, orders, production, policies",
    "payments, transfers, locks, deliveries, attestations, loan applications",
    "reimbursements, red letters, loan decisions",
    "declarations, clearances",
)

# ----------------------------------------------------------- the economy


@dataclass(frozen=True, slots=True)
class Product:
    """Something an industry sells: its unit and a price range per unit, in fen."""

    name: str
    unit: str
    low_fen: int
    high_fen: int


@dataclass(frozen=True, slots=True)
class IndustryProfile:
    """How enterprises of one industry are named, taxed and what they sell."""

    name: str
    descriptors: tuple[str, ...]
    vat_rate_bp: int
    cit_rate_bp: int
    """25 % in general, 15 % for high and new technology enterprises."""
    products: tuple[Product, ...]


def _yuan(amount: float) -> int:
    return int(round(amount * 100))


INDUSTRIES: tuple[IndustryProfile, ...] = (
    IndustryProfile(
        "manufacturing",
        ("Precision Manufacturing", "Machinery", "Mould Technology", "Hardware Products"),
        1300,
        2500,
        (
            Product("CNC-machined aluminium housings", "pcs", _yuan(80), _yuan(400)),
            Product("injection moulds", "sets", _yuan(30_000), _yuan(200_000)),
            Product("precision stamping parts", "pcs", _yuan(2), _yuan(20)),
        ),
    ),
    IndustryProfile(
        "electronics",
        ("Electronics Technology", "Circuit Technology", "Semiconductor", "Intelligent Technology"),
        1300,
        1500,
        (
            Product("PCB assemblies", "pcs", _yuan(50), _yuan(800)),
            Product("sensor modules", "pcs", _yuan(20), _yuan(300)),
            Product("power adapters", "pcs", _yuan(15), _yuan(80)),
        ),
    ),
    IndustryProfile(
        "logistics",
        ("Supply Chain Management", "International Freight Forwarding", "Logistics"),
        900,
        2500,
        (
            Product("container freight, Yantian to Rotterdam", "TEU", _yuan(3_000), _yuan(15_000)),
            Product("road haulage", "t", _yuan(200), _yuan(800)),
            Product("bonded warehousing", "pallet-months", _yuan(40), _yuan(90)),
        ),
    ),
    IndustryProfile(
        "retail",
        ("Trading", "Commerce", "Retail Chain Management"),
        1300,
        2500,
        (
            Product("consumer electronics accessories", "pcs", _yuan(30), _yuan(300)),
            Product("household goods", "pcs", _yuan(10), _yuan(200)),
        ),
    ),
    IndustryProfile(
        "software",
        ("Software Technology", "Information Technology", "Digital Technology"),
        600,
        1500,
        (
            Product("ERP software licences", "licences", _yuan(2_000), _yuan(50_000)),
            Product("IT implementation services", "person-days", _yuan(1_500), _yuan(4_000)),
            Product("cloud platform subscriptions", "subscriptions", _yuan(5_000), _yuan(80_000)),
        ),
    ),
    IndustryProfile(
        "construction",
        ("Construction Engineering", "Building Decoration Engineering", "Municipal Engineering"),
        900,
        2500,
        (
            Product("office fit-out works", "m2", _yuan(800), _yuan(3_000)),
            Product("steel structures", "t", _yuan(6_000), _yuan(12_000)),
        ),
    ),
    IndustryProfile(
        "food",
        ("Food", "Agricultural Products", "Catering Management"),
        900,
        2500,
        (
            Product("packaged rice noodles", "cartons", _yuan(50), _yuan(300)),
            Product("fresh vegetables", "t", _yuan(3_000), _yuan(9_000)),
        ),
    ),
    IndustryProfile(
        "textiles",
        ("Apparel", "Textile", "Garment"),
        1300,
        2500,
        (
            Product("knitted garments", "pcs", _yuan(30), _yuan(300)),
            Product("cotton fabric", "m", _yuan(10), _yuan(60)),
        ),
    ),
    IndustryProfile(
        "chemicals",
        ("New Materials", "Chemical", "Coatings"),
        1300,
        2500,
        (
            Product("industrial coatings", "t", _yuan(12_000), _yuan(40_000)),
            Product("epoxy adhesives", "t", _yuan(15_000), _yuan(50_000)),
        ),
    ),
    IndustryProfile(
        "new energy",
        ("New Energy Technology", "Battery Technology", "Photovoltaic Technology"),
        1300,
        1500,
        (
            Product("lithium battery packs", "pcs", _yuan(2_000), _yuan(20_000)),
            Product("photovoltaic modules", "pcs", _yuan(500), _yuan(1_500)),
            Product("EV charging piles", "sets", _yuan(3_000), _yuan(30_000)),
        ),
    ),
)

DISTRICTS = (
    "Nanshan",
    "Futian",
    "Bao'an",
    "Longgang",
    "Luohu",
    "Longhua",
    "Guangming",
    "Pingshan",
    "Yantian",
    "Dapeng",
)
BRANDS = (
    "Huaxin", "Jinpeng", "Tengyue", "Ruifeng", "Xinda", "Hongtai", "Zhongke", "Yuanhang",
    "Boya", "Anxin", "Chuangwei", "Dingsheng", "Haoyun", "Jiahe", "Kaida", "Longxiang",
    "Mingyang", "Qianhai", "Shengshi", "Tianrui", "Weilong", "Xinghe", "Yongfeng", "Zhixin",
    "Lianchuang", "Guanghui", "Fuxing", "Chenguang", "Hengtong", "Jiexun", "Meilin", "Nuowei",
    "Oulong", "Pengda", "Qixin", "Runze", "Sanhe", "Taiping", "Wanjia", "Xuri",
)  # fmt: skip
SMALL_SCALE_REVENUE_FEN = _yuan(5_000_000)
"""Below this annual revenue an enterprise is a small-scale VAT taxpayer (3 % on sales)."""
SMALL_SCALE_VAT_BP = 300
YEARS = (2023, 2024, 2025)


def get_industry(name: str) -> IndustryProfile:
    """The profile of industry ``name``."""
    for profile in INDUSTRIES:
        if profile.name == name:
            return profile
    raise ConsortiumError(ErrorCode.INVALID_FIELD_VALUE, f"no industry {name!r}")


# ---------------------------------------------------------------- the plan


@dataclass(frozen=True, slots=True)
class SeedEnterprise:
    """An enterprise of the plan: its registration and where its keys come from."""

    uscc: str
    name: str
    industry: str
    region: str
    house_bank: str
    """The bank that registers it on the finance chain and that it borrows from."""
    annual_revenue: tuple[int, ...]
    """Revenue in fen for each of ``YEARS``."""
    key_seed: bytes
    """Seed of its primary Ed25519 key; empty for a genesis member (its key is the consortium's)."""
    desk_key_seed: bytes = b""

    @property
    def is_genesis_member(self) -> bool:
        """True for the large enterprises that govern the industry chain from genesis."""
        return not self.key_seed

    @property
    def vat_rate_bp(self) -> int:
        """Its VAT rate: its industry's, or 3 % as a small-scale taxpayer."""
        if max(self.annual_revenue) < SMALL_SCALE_REVENUE_FEN:
            return SMALL_SCALE_VAT_BP
        return get_industry(self.industry).vat_rate_bp


@dataclass(frozen=True, slots=True)
class PlannedTx:
    """One transaction of the plan (unsigned: the nonce is only known when it is sent)."""

    chain: str
    sender: str
    """An organisation id, or an enterprise's credit code."""
    tx_type: str
    payload: bytes
    """The serialised payload message (``PAYLOAD_TYPES[tx_type]``)."""
    account: str = PRIMARY
    """Which of the sender's keys signs it."""
    creates: str = ""
    """The record kind it creates ("organisation" / "account" for membership), or ""."""
    record_id: str = ""

    def decode(self) -> Message:
        """The payload message."""
        return PAYLOAD_TYPES[self.tx_type].FromString(self.payload)


@dataclass(frozen=True, slots=True)
class SeedWave:
    """Transactions that depend only on earlier waves."""

    name: str
    txs: tuple[PlannedTx, ...]


@dataclass(frozen=True, slots=True)
class SeedPlan:
    """Everything ``consortium seed`` sends, wave by wave."""

    seed: int
    enterprises: tuple[SeedEnterprise, ...]
    waves: tuple[SeedWave, ...]

    @property
    def txs(self) -> list[PlannedTx]:
        """Every transaction, in order."""
        return [tx for wave in self.waves for tx in wave.txs]

    def get_enterprise(self, uscc: str) -> SeedEnterprise:
        """The enterprise with credit code ``uscc``."""
        for enterprise in self.enterprises:
            if enterprise.uscc == uscc:
                return enterprise
        raise ConsortiumError(ErrorCode.MEMBER_NOT_FOUND, f"{uscc} is not in the plan")


def compute_key_seed(seed: int, index: int, label: str = PRIMARY) -> bytes:
    """The 32-byte Ed25519 seed of key ``label`` of the plan's enterprise ``index``."""
    return compute_sha256(
        SEED_DOMAIN + seed.to_bytes(8, "big") + index.to_bytes(4, "big") + label.encode()
    )


def compute_record_seed(seed: int, kind: str, record_id: str) -> bytes:
    """The salt seed of record ``kind``/``record_id`` of the plan (32 bytes)."""
    return compute_sha256(
        SEED_DOMAIN + b"/record/" + seed.to_bytes(8, "big") + f"{kind}/{record_id}".encode()
    )


def get_enterprise_key(enterprise: SeedEnterprise, account: str = PRIMARY) -> Ed25519KeyPair:
    """The key pair of a seeded enterprise's ``account`` (primary or finance desk)."""
    seed = enterprise.key_seed if account == PRIMARY else enterprise.desk_key_seed
    if not seed:
        raise ConsortiumError(
            ErrorCode.MEMBER_NOT_FOUND, f"{enterprise.uscc} has no {account} key in the plan"
        )
    return compute_ed25519_key_pair(seed)


def _encode(message: Message) -> bytes:
    return message.SerializeToString(deterministic=True)


def _date(day: datetime.date) -> str:
    return day.isoformat()


def _add_days(day: str, days: int) -> str:
    return _date(datetime.date.fromisoformat(day) + datetime.timedelta(days=days))


def _quarter_end(year: int, quarter: int) -> datetime.date:
    month = quarter * 3
    return datetime.date(year, month, 30 if month in (6, 9) else 31)


class _Builder:
    """Collects a plan's waves; every random draw goes through ``self.rng`` in a fixed order."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.waves: list[list[PlannedTx]] = [[] for _ in WAVE_NAMES]
        self.counter = 0

    def add(
        self,
        wave: int,
        chain: str,
        sender: str,
        tx_type: str,
        message: Message,
        account: str = PRIMARY,
        creates: str = "",
        record_id: str = "",
    ) -> None:
        self.waves[wave - 1].append(
            PlannedTx(chain, sender, tx_type, _encode(message), account, creates, record_id)
        )

    def record_seed(self, kind: str, record_id: str) -> bytes:
        return compute_record_seed(self.seed, kind, record_id)

    def next_number(self) -> int:
        self.counter += 1
        return self.counter

    def day_between(self, first: str, last: str) -> str:
        start = datetime.date.fromisoformat(first)
        span = (datetime.date.fromisoformat(last) - start).days
        return _date(start + datetime.timedelta(days=self.rng.randint(0, max(span, 0))))


def _compute_revenue(first_year_yuan: float, growth: float) -> tuple[int, ...]:
    """Revenue in fen for each of ``YEARS``, growing by ``growth`` a year (no pow: portable)."""
    revenue, amount = [], first_year_yuan
    for _ in YEARS:
        revenue.append(_yuan(amount))
        amount *= growth
    return tuple(revenue)


def _make_enterprises(builder: _Builder, count: int) -> list[SeedEnterprise]:
    rng = builder.rng
    used_codes: set[str] = set()
    used_names: set[str] = set()
    enterprises = []
    for index in range(count):
        # Every industry appears once before any appears twice.
        profile = INDUSTRIES[index] if index < len(INDUSTRIES) else rng.choice(INDUSTRIES)
        while True:
            code = compute_organisation_code(
                "MA5" + "".join(rng.choice(USCC_ALPHABET) for _ in range(5))
            )
            if code not in used_codes:
                used_codes.add(code)
                break
        region = rng.choice(DISTRICTS)
        while True:
            name = f"Shenzhen {rng.choice(BRANDS)} {rng.choice(profile.descriptors)} Co., Ltd."
            if name not in used_names:
                used_names.add(name)
                break
        # Revenue spans small-scale taxpayers to mid-sized firms; it changes a little each year.
        # Only + - * / on floats (exact in IEEE 754): the plan is the same on every machine.
        magnitude = rng.choice((1_000_000, 10_000_000, 100_000_000))
        low, high = {1_000_000: (2.5, 9.9), 10_000_000: (1.0, 9.9), 100_000_000: (1.0, 5.0)}[
            magnitude
        ]
        revenue = _compute_revenue(magnitude * rng.uniform(low, high), rng.uniform(0.95, 1.25))
        enterprises.append(
            SeedEnterprise(
                uscc=compute_uscc(code),
                name=name,
                industry=profile.name,
                region=region,
                house_bank=rng.choice(BANKS),
                annual_revenue=revenue,
                key_seed=compute_key_seed(builder.seed, index),
                desk_key_seed=compute_key_seed(builder.seed, index, FINANCE_DESK),
            )
        )
    return enterprises


def _make_large_enterprises(builder: _Builder) -> list[SeedEnterprise]:
    large = []
    for member in MEMBERS:
        if member.role != "enterprise":
            continue
        base = builder.rng.uniform(6e9, 12e9)  # billions of yuan a year
        revenue = _compute_revenue(base, 1.08)
        large.append(
            SeedEnterprise(
                uscc=member.id,
                name=member.name,
                industry=member.industry,
                region=member.region,
                house_bank=builder.rng.choice(BANKS),
                annual_revenue=revenue,
                key_seed=b"",
            )
        )
    return large


def _plan_registrations(
    builder: _Builder, enterprises: Sequence[SeedEnterprise], public_keys: Mapping[str, bytes]
) -> None:
    for enterprise in enterprises:
        if enterprise.is_genesis_member:
            key = public_keys[enterprise.uscc]
        else:
            key = get_enterprise_key(enterprise).public_key
        message = membership_pb2.RegisterEnterprise(
            uscc=enterprise.uscc,
            name=enterprise.name,
            industry=enterprise.industry,
            region=enterprise.region,
            account_key=key,
            account_name=PRIMARY,
        )
        registrars = [(TAX, "tax-bureau"), (FINANCE, enterprise.house_bank)]
        if not enterprise.is_genesis_member:  # the large ones are industry members from genesis
            registrars.insert(1, (INDUSTRY, "industry-association"))
        for chain, registrar in registrars:
            builder.add(
                1,
                chain,
                registrar,
                TX_REGISTER_ENTERPRISE,
                message,
                creates="organisation",
                record_id=enterprise.uscc,
            )
        if not enterprise.is_genesis_member:
            desk = get_enterprise_key(enterprise, FINANCE_DESK).public_key
            builder.add(
                2,
                TAX,
                enterprise.uscc,
                TX_ADD_ACCOUNT,
                membership_pb2.AddAccount(account_key=desk, name=FINANCE_DESK),
                creates="account",
                record_id=f"{enterprise.uscc}/{FINANCE_DESK}",
            )


def _plan_filings(builder: _Builder, enterprise: SeedEnterprise) -> bool:
    """VAT per quarter and CIT per year for ``YEARS``, with payments; True when all is paid."""
    rng = builder.rng
    profile = get_industry(enterprise.industry)
    small = enterprise.vat_rate_bp == SMALL_SCALE_VAT_BP
    filings = []  # (period, tax_type, tax_due, filed_on)
    for year, revenue in zip(YEARS, enterprise.annual_revenue, strict=True):
        for quarter in range(1, 5):
            sales = int(revenue / 4 * rng.uniform(0.85, 1.15))
            # A general taxpayer owes VAT on its value added, a small-scale one on its sales.
            taxable = sales if small else int(sales * rng.uniform(0.18, 0.35))
            filed_on = _add_days(_date(_quarter_end(year, quarter)), rng.randint(5, 15))
            filings.append((f"{year}-Q{quarter}", "vat", taxable, enterprise.vat_rate_bp, filed_on))
        profit = int(revenue * rng.uniform(0.04, 0.12))
        filed_on = builder.day_between(f"{year + 1}-04-10", f"{year + 1}-05-31")
        filings.append((str(year), "cit", profit, profile.cit_rate_bp, filed_on))
    # Most enterprises pay everything; some leave one return partly paid or unpaid.
    habit = rng.random()
    arrears_index = rng.randrange(len(filings)) if habit >= 0.75 else -1
    all_paid = arrears_index < 0
    for index, (period, tax_type, taxable, rate_bp, filed_on) in enumerate(filings):
        tax_due = compute_tax_amount(taxable, rate_bp)
        filing_id = f"{enterprise.uscc}:{period}:{tax_type}"
        builder.add(
            3,
            TAX,
            "tax-bureau",
            TX_SUBMIT_FILING,
            tax_pb2.SubmitFiling(
                enterprise=enterprise.uscc,
                period=period,
                tax_type=tax_type,
                taxable_amount=taxable,
                tax_due=tax_due,
                filed_on=filed_on,
                record_seed=builder.record_seed("filing", filing_id),
            ),
            creates="filing",
            record_id=filing_id,
        )
        if tax_due == 0:
            continue
        if index == arrears_index:
            if habit < 0.9:
                continue  # filed, nothing paid yet
            instalments = [max(1, int(tax_due * rng.uniform(0.3, 0.8)))]
        elif rng.random() < 0.12 and tax_due > 1:
            first = int(tax_due * rng.uniform(0.4, 0.7)) or 1
            instalments = [first, tax_due - first]
        else:
            instalments = [tax_due]
        paid_on = filed_on
        for number, amount in enumerate(instalments, start=1):
            paid_on = _add_days(paid_on, rng.randint(0, 20))
            payment_id = f"{enterprise.uscc}-{period}-{tax_type}-{number}"
            builder.add(
                4,
                TAX,
                "tax-bureau",
                TX_RECORD_PAYMENT,
                tax_pb2.RecordPayment(
                    payment_id=payment_id,
                    enterprise=enterprise.uscc,
                    period=period,
                    tax_type=tax_type,
                    amount=amount,
                    paid_on=paid_on,
                    record_seed=builder.record_seed("payment", payment_id),
                ),
                creates="payment",
                record_id=payment_id,
            )
    return all_paid


def _plan_clearance(builder: _Builder, enterprise: SeedEnterprise) -> None:
    certificate_id = f"TCC-{enterprise.uscc}-2026"
    issued_on = builder.day_between("2026-07-01", "2026-09-30")
    builder.add(
        6,
        TAX,
        "tax-bureau",
        TX_ISSUE_CLEARANCE,
        tax_pb2.IssueClearance(
            certificate_id=certificate_id,
            enterprise=enterprise.uscc,
            period_from=f"{YEARS[0]}-Q1",
            period_to=f"{YEARS[-1]}-Q4",
            issued_on=issued_on,
            valid_until=_add_days(issued_on, 365),
            statement=(
                f"No tax arrears: every VAT and corporate income tax return for "
                f"{YEARS[0]}-Q1 to {YEARS[-1]}-Q4 was filed and paid in full."
            ),
            record_seed=builder.record_seed("clearance", certificate_id),
        ),
        creates="clearance",
        record_id=certificate_id,
    )


def _get_signer(enterprise: SeedEnterprise, rng: random.Random) -> str:
    """Which key of the holder acts: sometimes its finance desk, when it has one."""
    if enterprise.desk_key_seed and rng.random() < 0.5:
        return FINANCE_DESK
    return PRIMARY


def _plan_invoices(builder: _Builder, enterprises: Sequence[SeedEnterprise]) -> None:
    """A few e-invoices per seller, each to another enterprise, with their lifecycles."""
    rng = builder.rng
    for seller in enterprises:
        profile = get_industry(seller.industry)
        others = [e for e in enterprises if e.uscc != seller.uscc]
        for _ in range(rng.randint(2, 4)):
            buyer = rng.choice(others)
            product = rng.choice(profile.products)
            price = rng.randint(product.low_fen, product.high_fen)
            # Between about 20,000 and 3,000,000 yuan before tax.
            quantity = max(1, int(rng.uniform(2_000_000, 300_000_000) / price))
            amount = price * quantity
            issued_on = builder.day_between("2025-01-06", "2026-10-30")
            number = _get_invoice_number(builder, issued_on)
            rate_bp = seller.vat_rate_bp
            builder.add(
                3,
                TAX,
                seller.uscc,
                TX_ISSUE_INVOICE,
                tax_pb2.IssueInvoice(
                    invoice_number=number,
                    buyer=buyer.uscc,
                    amount=amount,
                    tax_amount=compute_tax_amount(amount, rate_bp),
                    tax_rate_bp=rate_bp,
                    issued_on=issued_on,
                    description=f"{product.name}, {quantity} {product.unit}",
                    record_seed=builder.record_seed("invoice", number),
                ),
                creates="invoice",
                record_id=number,
            )
            _plan_invoice_life(builder, seller, buyer, others, number, issued_on)


def _get_invoice_number(builder: _Builder, issued_on: str) -> str:
    """A 20-digit fully digital e-invoice number: year, Shenzhen, the seed, a serial."""
    return f"{issued_on[2:4]}4403{builder.seed % 10_000:04d}{builder.next_number():010d}"


def _get_claim_ref(builder: _Builder, issued_on: str) -> str:
    return f"EXP-{issued_on[:4]}-{builder.next_number():05d}"


def _plan_invoice_life(
    builder: _Builder,
    seller: SeedEnterprise,
    buyer: SeedEnterprise,
    others: Sequence[SeedEnterprise],
    number: str,
    issued_on: str,
) -> None:
    """What happens to one invoice after issue.

    Half are reimbursed and declared, 12 % reimbursed only, 14 % only issued,
    11 % passed on to another enterprise (half of those then reimbursed and
    declared by it), 6 % locked for a claim under review, 7 % cancelled by a
    red-letter invoice.
    """
    rng = builder.rng
    fate = rng.random()
    holder = buyer
    if 0.62 <= fate < 0.76:
        return
    if fate >= 0.93:
        red_on = _add_days(issued_on, rng.randint(3, 30))
        red = _get_invoice_number(builder, red_on)
        reason = rng.choice(
            ("goods returned by the buyer", "wrong amount invoiced", "order cancelled")
        )
        builder.add(
            5,
            TAX,
            seller.uscc,
            TX_RED_LETTER,
            tax_pb2.IssueRedLetter(
                invoice_number=red,
                original_number=number,
                reason=reason,
                issued_on=red_on,
                record_seed=builder.record_seed("invoice", red),
            ),
            creates="invoice",
            record_id=red,
        )
        return
    if 0.87 <= fate < 0.93:
        builder.add(
            4,
            TAX,
            holder.uscc,
            TX_LOCK_INVOICE,
            tax_pb2.LockInvoice(
                invoice_number=number, reimbursement_ref=_get_claim_ref(builder, issued_on)
            ),
            account=_get_signer(holder, rng),
        )
        return
    transferred = 0.76 <= fate < 0.87
    if transferred:
        new_holder = rng.choice([e for e in others if e.uscc != holder.uscc])
        builder.add(
            4,
            TAX,
            holder.uscc,
            TX_TRANSFER_INVOICE,
            tax_pb2.TransferInvoice(invoice_number=number, new_holder=new_holder.uscc),
            account=_get_signer(holder, rng),
        )
        if rng.random() < 0.5:
            return
        holder = new_holder
    ref = _get_claim_ref(builder, issued_on)
    # A transferred invoice's new holder is not locked first: the transfer and a lock would
    # fall in one wave, and a wave's transactions may be executed in any order.
    locked_first = rng.random() < 0.3 and not transferred
    if locked_first:
        builder.add(
            4,
            TAX,
            holder.uscc,
            TX_LOCK_INVOICE,
            tax_pb2.LockInvoice(invoice_number=number, reimbursement_ref=ref),
            account=_get_signer(holder, rng),
        )
    builder.add(
        5,
        TAX,
        holder.uscc,
        TX_REIMBURSE_INVOICE,
        tax_pb2.ReimburseInvoice(
            invoice_number=number, reimbursement_ref="" if locked_first else ref
        ),
        account=_get_signer(holder, rng),
    )
    if fate < 0.5 or transferred:
        builder.add(
            6,
            TAX,
            holder.uscc,
            TX_DECLARE_INVOICE,
            tax_pb2.DeclareInvoice(invoice_number=number, period=issued_on[:7]),
            account=_get_signer(holder, rng),
        )


ATTESTATION_NOTE = "checked against VAT returns and customs declarations"


def _plan_production(builder: _Builder, enterprise: SeedEnterprise) -> None:
    """Quarterly production of the last year; large or requested reports get attested."""
    rng = builder.rng
    profile = get_industry(enterprise.industry)
    product = profile.products[0]
    year = YEARS[-1]
    requested = enterprise.is_genesis_member or rng.random() < 0.2
    for quarter in range(1, 5):
        period = f"{year}-Q{quarter}"
        report_id = f"PR-{period}"
        output_value = int(enterprise.annual_revenue[-1] / 4 * rng.uniform(0.85, 1.15))
        unit_price = (product.low_fen + product.high_fen) // 2
        record_id = f"{enterprise.uscc}:{report_id}"
        builder.add(
            3,
            INDUSTRY,
            enterprise.uscc,
            TX_REPORT_PRODUCTION,
            industry_pb2.ReportProduction(
                report_id=report_id,
                period=period,
                product=product.name,
                quantity=max(1, output_value // unit_price),
                unit=product.unit,
                output_value=output_value,
                request_attestation=requested,
                record_seed=builder.record_seed("production", record_id),
            ),
            creates="production",
            record_id=record_id,
        )
        needs = get_attestation_need(output_value, requested) == ATTESTATION_REQUIRED
        if needs and rng.random() < 0.8:
            builder.add(
                4,
                INDUSTRY,
                "industry-association",
                TX_ATTEST,
                industry_pb2.Attest(kind="production", record_id=record_id, note=ATTESTATION_NOTE),
            )


def _plan_orders(
    builder: _Builder, enterprise: SeedEnterprise, enterprises: Sequence[SeedEnterprise]
) -> None:
    """Orders the enterprise received as supplier, most delivered in one or two lots."""
    rng = builder.rng
    profile = get_industry(enterprise.industry)
    customers = [e for e in enterprises if e.uscc != enterprise.uscc]
    for number in range(1, rng.randint(1, 3) + 1):
        product = rng.choice(profile.products)
        price = rng.randint(product.low_fen, product.high_fen)
        # Up to about a month of sales; a large enterprise's orders are worth hundreds of millions.
        value_target = enterprise.annual_revenue[-1] / 12 * rng.uniform(0.1, 1.0)
        quantity = max(1, int(value_target / price))
        ordered_on = builder.day_between("2025-01-06", "2026-09-30")
        order_id = f"SO-{ordered_on[:4]}-{number:04d}"
        record_id = f"{enterprise.uscc}:{order_id}"
        value = price * quantity
        builder.add(
            3,
            INDUSTRY,
            enterprise.uscc,
            TX_RECORD_ORDER,
            industry_pb2.RecordOrder(
                order_id=order_id,
                customer=rng.choice(customers).uscc,
                product=product.name,
                quantity=quantity,
                unit=product.unit,
                value=value,
                ordered_on=ordered_on,
                record_seed=builder.record_seed("order", record_id),
            ),
            creates="order",
            record_id=record_id,
        )
        if get_attestation_need(value) == ATTESTATION_REQUIRED and rng.random() < 0.8:
            builder.add(
                4,
                INDUSTRY,
                "industry-association",
                TX_ATTEST,
                industry_pb2.Attest(kind="order", record_id=record_id, note=ATTESTATION_NOTE),
            )
        fate = rng.random()
        if fate < 0.55:
            lots = [quantity] if quantity < 2 or rng.random() < 0.5 else _split(rng, quantity)
        elif fate < 0.8:
            lots = [max(1, int(quantity * rng.uniform(0.3, 0.8)))] if quantity > 1 else []
        else:
            lots = []
        delivered_on = ordered_on
        for lot_number, lot in enumerate(lots, start=1):
            delivered_on = _add_days(delivered_on, rng.randint(5, 40))
            delivery_id = f"DN-{order_id}-{lot_number}"
            delivery_record = f"{enterprise.uscc}:{delivery_id}"
            builder.add(
                4,
                INDUSTRY,
                enterprise.uscc,
                TX_RECORD_DELIVERY,
                industry_pb2.RecordDelivery(
                    delivery_id=delivery_id,
                    order_id=order_id,
                    quantity=lot,
                    delivered_on=delivered_on,
                    record_seed=builder.record_seed("delivery", delivery_record),
                ),
                creates="delivery",
                record_id=delivery_record,
            )


def _split(rng: random.Random, quantity: int) -> list[int]:
    first = max(1, int(quantity * rng.uniform(0.3, 0.7)))
    return [first, quantity - first]


@dataclass(frozen=True, slots=True)
class PolicyTerms:
    """A bank's credit policy as the seed registers it."""

    policy_id: str
    name: str
    rules: tuple[finance_pb2.PolicyRule, ...]
    max_amount: int
    amount_basis_field: str
    amount_basis_ratio_bp: int
    rate_bp: int


def _rule(field_name: str, op: str, reason: str, **value: object) -> finance_pb2.PolicyRule:
    return finance_pb2.PolicyRule(field=field_name, op=op, reason=reason, **value)


CLEARANCE_RULE = _rule(
    "tax.clearance_valid", "==", "no valid tax-clearance certificate", bool_value=True
)

POLICIES: Mapping[str, PolicyTerms] = {
    "bank-icbc-sz": PolicyTerms(
        "icbc-sme-working-capital-2026",
        "ICBC Shenzhen SME Working Capital Loan 2026",
        (
            CLEARANCE_RULE,
            _rule(
                "tax.vat_paid_total",
                ">=",
                "VAT paid over three years is below 500,000 yuan",
                int_value=_yuan(500_000),
            ),
            _rule(
                "industry.output_value_2025",
                ">=",
                "2025 output is below 10 million yuan",
                int_value=_yuan(10_000_000),
            ),
        ),
        _yuan(30_000_000),
        "tax.vat_paid_total",
        30_000,
        345,
    ),
    "bank-ccb-sz": PolicyTerms(
        "ccb-tax-credit-2026",
        "CCB Tax-Credit Loan 2026",
        (
            CLEARANCE_RULE,
            _rule("tax.filings_unpaid", "==", "tax returns are not paid in full", int_value=0),
            _rule(
                "tax.cit_paid_total",
                ">=",
                "corporate income tax paid over three years is below 100,000 yuan",
                int_value=_yuan(100_000),
            ),
        ),
        _yuan(10_000_000),
        "tax.vat_paid_total",
        20_000,
        365,
    ),
    "bank-boc-sz": PolicyTerms(
        "boc-supply-chain-2026",
        "BOC Supply-Chain Order Finance 2026",
        (
            CLEARANCE_RULE,
            _rule(
                "industry.orders_open_value",
                ">=",
                "open orders are worth less than 5 million yuan",
                int_value=_yuan(5_000_000),
            ),
            _rule(
                "industry.attested_reports",
                ">=",
                "no production report attested by the industry association",
                int_value=1,
            ),
        ),
        _yuan(50_000_000),
        "industry.orders_open_value",
        7_000,
        380,
    ),
    "bank-cmb-sz": PolicyTerms(
        "cmb-tech-growth-2026",
        "CMB Technology Enterprise Growth Loan 2026",
        (
            CLEARANCE_RULE,
            _rule(
                "industry.output_value_2025",
                ">=",
                "2025 output is below 20 million yuan",
                int_value=_yuan(20_000_000),
            ),
            _rule(
                "tax.vat_paid_total",
                ">=",
                "VAT paid over three years is below 1 million yuan",
                int_value=_yuan(1_000_000),
            ),
        ),
        _yuan(20_000_000),
        "",
        0,
        395,
    ),
}
"""One credit policy per bank (the data fields they read come through the relay, issue 6)."""

LOAN_PURPOSES = (
    "working capital for raw materials",
    "new production line equipment",
    "warehouse expansion in Qianhai",
    "research and development of the next product generation",
    "bridging receivables from large customers",
)


def get_policy_payload(terms: PolicyTerms, record_seed: bytes = b"") -> finance_pb2.RegisterPolicy:
    """The ``finance.policy.register`` payload of ``terms``."""
    return finance_pb2.RegisterPolicy(
        policy_id=terms.policy_id,
        name=terms.name,
        rules=list(terms.rules),
        max_amount=terms.max_amount,
        amount_basis_field=terms.amount_basis_field,
        amount_basis_ratio_bp=terms.amount_basis_ratio_bp,
        rate_bp=terms.rate_bp,
        record_seed=record_seed,
    )


def _plan_policies(builder: _Builder) -> None:
    for bank in BANKS:
        terms = POLICIES[bank]
        record_id = f"{bank}:{terms.policy_id}"
        builder.add(
            3,
            FINANCE,
            bank,
            TX_REGISTER_POLICY,
            get_policy_payload(terms, builder.record_seed("policy", record_id)),
            creates="policy",
            record_id=record_id,
        )


def _plan_loan(builder: _Builder, enterprise: SeedEnterprise) -> None:
    """Half the enterprises (and the large ones) apply to their bank; most are decided."""
    rng = builder.rng
    if not (enterprise.is_genesis_member or rng.random() < 0.5):
        return
    bank = enterprise.house_bank
    terms = POLICIES[bank]
    requested = max(_yuan(500_000), enterprise.annual_revenue[-1] * rng.randint(5, 20) // 100)
    requested -= requested % _yuan(10_000)
    application_id = f"LA-{enterprise.uscc}-2026-01"
    builder.add(
        4,
        FINANCE,
        enterprise.uscc,
        TX_APPLY_FOR_LOAN,
        finance_pb2.ApplyForLoan(
            application_id=application_id,
            bank=bank,
            amount=requested,
            term_months=rng.choice((12, 24, 36, 60)),
            purpose=rng.choice(LOAN_PURPOSES),
            policy_id=terms.policy_id,
            record_seed=builder.record_seed("loan", application_id),
        ),
        creates="loan",
        record_id=application_id,
    )
    if rng.random() >= 0.7:
        return  # still under review
    decision_id = f"LD-{enterprise.uscc}-2026-01"
    if rng.random() < 0.65:
        amount = min(requested, terms.max_amount)
        decision = finance_pb2.DecideLoan(
            decision_id=decision_id,
            application_id=application_id,
            approve=True,
            amount=amount,
            rate_bp=terms.rate_bp + rng.choice((0, 10, 25)),
            record_seed=builder.record_seed("decision", decision_id),
        )
    else:
        reasons = rng.sample([rule.reason for rule in terms.rules], rng.randint(1, 2))
        decision = finance_pb2.DecideLoan(
            decision_id=decision_id,
            application_id=application_id,
            approve=False,
            reasons=reasons,
            record_seed=builder.record_seed("decision", decision_id),
        )
    builder.add(
        5, FINANCE, bank, TX_DECIDE_LOAN, decision, creates="decision", record_id=decision_id
    )


def compute_seed_plan(seed: int, enterprises: int, orgs: Mapping[str, bytes]) -> SeedPlan:
    """The plan of ``enterprises`` synthetic enterprises (plus the two large genesis ones).

    PURE and deterministic: ``orgs`` maps the genesis organisations' ids to
    their public keys (the large enterprises register with theirs). Raises
    ConsortiumError(INVALID_FIELD_VALUE) for a count outside 1..200 or a
    negative seed.
    """
    if not 1 <= enterprises <= MAX_ENTERPRISES:
        raise ConsortiumError(
            ErrorCode.INVALID_FIELD_VALUE,
            f"seed between 1 and {MAX_ENTERPRISES} enterprises, not {enterprises}",
        )
    if not 0 <= seed < 2**63:
        raise ConsortiumError(
            ErrorCode.INVALID_FIELD_VALUE, f"the seed is an integer from 0 to 2^63-1, not {seed}"
        )
    missing = [member.id for member in MEMBERS if member.id not in orgs]
    if missing:
        raise ConsortiumError(
            ErrorCode.MEMBER_NOT_FOUND, f"public keys are missing for {', '.join(missing)}"
        )
    builder = _Builder(seed)
    everyone = _make_enterprises(builder, enterprises) + _make_large_enterprises(builder)
    _plan_registrations(builder, everyone, orgs)
    _plan_policies(builder)
    for enterprise in everyone:
        if _plan_filings(builder, enterprise):
            _plan_clearance(builder, enterprise)
    _plan_invoices(builder, everyone)
    for enterprise in everyone:
        _plan_production(builder, enterprise)
        _plan_orders(builder, enterprise, everyone)
        _plan_loan(builder, enterprise)
    waves = tuple(
        SeedWave(name, tuple(txs)) for name, txs in zip(WAVE_NAMES, builder.waves, strict=True)
    )
    return SeedPlan(seed, tuple(everyone), waves)


@dataclass(frozen=True, slots=True)
class ChainSummary:
    """What a plan (or a seeding) puts on one chain."""

    chain: str
    txs: int
    records: Mapping[str, int]
    """Created records by kind (and "organisation" / "account" for membership)."""
    height: int = 0


def compute_plan_summary(plan: SeedPlan) -> list[ChainSummary]:
    """Per chain: how many transactions the plan sends and which records they create."""
    result = []
    for chain in CHAIN_NAMES:
        txs = [tx for tx in plan.txs if tx.chain == chain]
        kinds = Counter(tx.creates for tx in txs if tx.creates)
        result.append(ChainSummary(chain, len(txs), dict(sorted(kinds.items()))))
    return result


# ------------------------------------------------------------- submission


def get_enterprise_key_path(root: Path, uscc: str, account: str = PRIMARY) -> Path:
    """Where ``consortium seed`` writes an enterprise's key (``account``: primary or desk)."""
    suffix = "" if account == PRIMARY else f".{account}"
    return Path(root) / ENTERPRISES_DIR / f"{uscc}{suffix}.json"


def write_enterprise_keys(root: Path, plan: SeedPlan) -> None:
    """Write every seeded enterprise's keys under ``root/enterprises`` (mode 0600).

    A key file already there must hold the same key (INVALID_CONFIG otherwise).
    """
    for enterprise in plan.enterprises:
        if enterprise.is_genesis_member:
            continue
        for account in (PRIMARY, FINANCE_DESK):
            path = get_enterprise_key_path(root, enterprise.uscc, account)
            key = AccountKey(
                f"{enterprise.uscc}/{account}", get_enterprise_key(enterprise, account)
            )
            if path.exists():
                if read_account_key(path).public_key != key.public_key:
                    raise ConsortiumError(
                        ErrorCode.INVALID_CONFIG,
                        f"{path} holds another key; this consortium was seeded differently",
                    )
                continue
            write_account_key(path, key)


def read_enterprise_key(root: Path, uscc: str, account: str = PRIMARY) -> AccountKey:
    """A seeded enterprise's key (``consortium seed`` wrote it)."""
    return read_account_key(get_enterprise_key_path(root, uscc, account))


class ChainSender:
    """Signs and sends one chain's transactions: consecutive nonces per key, batches of at
    most 500 round-robin over the validators, and waiting until they are committed."""

    def __init__(self, chain_id: str, addresses: Sequence[str], timeout_s: float = 10.0) -> None:
        self.chain_id = ChainId(chain_id)
        self.clients = [NodeClient(address, timeout_s=timeout_s) for address in addresses]
        self.nonces: dict[bytes, int] = {}
        self.turn = 0

    def close(self) -> None:
        """Close every client."""
        for client in self.clients:
            client.close()

    def __enter__(self) -> ChainSender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get_last_nonce(self, public_key: bytes) -> int:
        """The key's last committed nonce, asked once, then counted here."""
        if public_key not in self.nonces:
            try:
                response = self.clients[0].query_state(get_nonce_key(public_key))
            except NodeError as error:
                if error.code != ErrorCode.NOT_FOUND:  # no block yet: no nonce used
                    raise
                self.nonces[public_key] = 0
            else:
                value = response.value if response.found else b""
                self.nonces[public_key] = int.from_bytes(value, "big")
        return self.nonces[public_key]

    def sign(self, key: Ed25519KeyPair, tx_type: str, payload: bytes) -> bytes:
        """The signed transaction with the key's next nonce (which it then counts as used)."""
        nonce = self.get_last_nonce(key.public_key) + 1
        self.nonces[key.public_key] = nonce
        return make_signed_transaction(key, self.chain_id, nonce, tx_type, payload)

    def submit(self, raws: Sequence[bytes]) -> list[bytes]:
        """Send ``raws`` in batches round-robin; their ids. A refused one raises its code."""
        tx_ids = []
        for start in range(0, len(raws), MAX_BATCH):
            batch = list(raws[start : start + MAX_BATCH])
            client = self.clients[self.turn % len(self.clients)]
            self.turn += 1
            for admission in client.submit(batch):
                if admission.code:
                    raise ConsortiumError(
                        ErrorCode(admission.code),
                        f"{self.chain_id}: {client.address} refused a transaction: "
                        f"{admission.message}",
                    )
                tx_ids.append(bytes(admission.tx_id))
        return tx_ids

    def wait(self, tx_ids: Iterable[bytes], timeout_s: float = 120.0, on_each=None) -> list:
        """The committed transactions (GetTransaction answers, failing results included)."""
        deadline = time.monotonic() + timeout_s
        client = self.clients[0]
        responses = []
        for tx_id in tx_ids:
            left = max(0.5, deadline - time.monotonic())
            responses.append(client.wait_for_transaction(tx_id, timeout_s=left))
            if on_each is not None:
                on_each(responses[-1])
        return responses

    def send(self, key: Ed25519KeyPair, tx_type: str, message: Message):
        """Sign, send and wait for one transaction; its GetTransaction answer."""
        raw = self.sign(key, tx_type, _encode(message))
        (tx_id,) = self.submit([raw])
        (response,) = self.wait([tx_id])
        self.wait_for_height(response.height)
        return response

    def wait_for_height(self, height: int, timeout_s: float = 30.0) -> None:
        """Wait until every validator has committed ``height`` (so each checks new
        transactions against that state)."""
        deadline = time.monotonic() + timeout_s
        for client in self.clients:
            while client.get_chain_info().height < height:
                if time.monotonic() > deadline:
                    raise ConsortiumError(
                        ErrorCode.NOT_FOUND,
                        f"{self.chain_id}: {client.address} did not reach height {height}",
                    )
                time.sleep(0.05)


def get_signing_keys(
    consortium: Consortium, plan: SeedPlan
) -> dict[tuple[str, str], Ed25519KeyPair]:
    """(sender, account) -> key pair for every sender of the plan."""
    keys = {
        (org_id, PRIMARY): consortium.read_key(org_id).key_pair for org_id in consortium.key_paths
    }
    for enterprise in plan.enterprises:
        if not enterprise.is_genesis_member:
            keys[(enterprise.uscc, PRIMARY)] = get_enterprise_key(enterprise)
            keys[(enterprise.uscc, FINANCE_DESK)] = get_enterprise_key(enterprise, FINANCE_DESK)
    return keys


def _refuse_seeded(sender: ChainSender, plan: SeedPlan) -> None:
    """One seeding per consortium: the large enterprises can be registered only once."""
    large = [e.uscc for e in plan.enterprises if e.is_genesis_member]
    try:
        response = sender.clients[0].query_state(get_organisation_key(large[0]))
    except NodeError as error:
        if error.code == ErrorCode.NOT_FOUND:
            return  # no block yet
        raise
    if response.found:
        raise ConsortiumError(
            ErrorCode.MEMBER_EXISTS,
            "this consortium is seeded already (its enterprises are registered); "
            "seed a new one: consortium down DIR --remove, then up and seed",
        )


def submit_seed_plan(
    consortium: Consortium,
    plan: SeedPlan,
    on_progress: Callable[[int], None] = lambda committed: None,
    timeout_s: float = 180.0,
) -> list[ChainSummary]:
    """Send the plan, wave by wave, and wait until every transaction is committed.

    ``on_progress`` hears how many more transactions were committed. Every
    transaction must succeed: a failing result raises ConsortiumError with its
    code (the plan has a bug). Enterprise keys are written first under
    ``root/enterprises``. Returns per chain what was sent and its height.
    """
    keys = get_signing_keys(consortium, plan)
    senders = {
        chain.name: ChainSender(chain.chain_id, chain.addresses) for chain in consortium.chains
    }
    try:
        _refuse_seeded(senders[TAX], plan)
        write_enterprise_keys(consortium.root, plan)
        heights = dict.fromkeys(CHAIN_NAMES, 0)
        for wave in plan.waves:
            sent: dict[str, tuple[list[PlannedTx], list[bytes]]] = {}
            for chain in CHAIN_NAMES:
                planned = [tx for tx in wave.txs if tx.chain == chain]
                sender = senders[chain]
                raws = [
                    sender.sign(keys[(tx.sender, tx.account)], tx.tx_type, tx.payload)
                    for tx in planned
                ]
                sent[chain] = (planned, sender.submit(raws))
            for chain, (planned, tx_ids) in sent.items():
                responses = senders[chain].wait(
                    tx_ids, timeout_s, on_each=lambda response: on_progress(1)
                )
                for tx, response in zip(planned, responses, strict=True):
                    if response.code:
                        raise ConsortiumError(
                            ErrorCode(response.code),
                            f"seed plan bug: wave {wave.name!r}: {tx.tx_type} from {tx.sender} "
                            f"failed on {chain}: {response.message}",
                        )
                if responses:
                    heights[chain] = max(heights[chain], *(r.height for r in responses))
                    senders[chain].wait_for_height(heights[chain])
    finally:
        for sender in senders.values():
            sender.close()
    _write_seed_file(consortium.root, plan)
    return [
        ChainSummary(summary.chain, summary.txs, summary.records, heights[summary.chain])
        for summary in compute_plan_summary(plan)
    ]


def _write_seed_file(root: Path, plan: SeedPlan) -> None:
    document = {
        "seed": plan.seed,
        "enterprises": [
            {
                "uscc": e.uscc,
                "name": e.name,
                "industry": e.industry,
                "region": e.region,
                "house_bank": e.house_bank,
                "key": str(get_enterprise_key_path(root, e.uscc).relative_to(root))
                if not e.is_genesis_member
                else f"orgs/{e.uscc}.json",
            }
            for e in plan.enterprises
        ],
        "txs": len(plan.txs),
    }
    (Path(root) / SEED_FILE).write_text(json.dumps(document, indent=2) + "\n")


def read_seed_plan(consortium: Consortium) -> SeedPlan:
    """The plan ``consortium seed`` sent to ``consortium`` (recomputed from its seed file).

    Raises ConsortiumError(NOT_FOUND) when the consortium was never seeded.
    """
    path = Path(consortium.root) / SEED_FILE
    try:
        document = json.loads(path.read_text())
        seed = int(document["seed"])
        usccs = [item["uscc"] for item in document["enterprises"]]
    except FileNotFoundError:
        raise ConsortiumError(
            ErrorCode.NOT_FOUND, f"{consortium.root} was not seeded: run `consortium seed` first"
        ) from None
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ConsortiumError(ErrorCode.INVALID_CONFIG, f"{path}: {error}") from None
    large = sum(1 for member in MEMBERS if member.role == "enterprise")
    plan = compute_seed_plan(seed, len(usccs) - large, consortium.get_public_keys())
    if [e.uscc for e in plan.enterprises] != usccs:
        raise ConsortiumError(ErrorCode.INVALID_CONFIG, f"{path} does not match its seed")
    return plan
