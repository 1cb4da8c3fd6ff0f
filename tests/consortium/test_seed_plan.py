"""The seed plan: pure, deterministic, consistent, and every transaction succeeds on the real
applications when each wave is one block (in memory, as nodes execute them)."""

from __future__ import annotations

import random
from collections import Counter, defaultdict

import pytest

from chains.apps.fields import get_uscc_error
from chains.apps.membership import TX_ADD_ACCOUNT, TX_REGISTER_ENTERPRISE
from chains.apps.records import read_record
from chains.consortium import CHAIN_IDS, CHAIN_NAMES, MEMBERS, compute_app_state, get_member
from chains.core.app import BlockContext, check_transaction, execute_block
from chains.core.errors import ConsortiumError, ErrorCode
from chains.core.transactions import decode_verified_transaction, make_signed_transaction
from chains.core.types import ChainId, Height
from chains.finance.app import (
    FINANCE_APPLICATION,
    TX_APPLY_FOR_LOAN,
    TX_DECIDE_LOAN,
    TX_REGISTER_POLICY,
)
from chains.industry.app import (
    INDUSTRY_APPLICATION,
    TX_ATTEST,
    TX_RECORD_DELIVERY,
    TX_RECORD_ORDER,
    TX_REPORT_PRODUCTION,
    get_attestation_need,
)
from chains.seed import (
    DISTRICTS,
    FINANCE_DESK,
    INDUSTRIES,
    PAYLOAD_TYPES,
    PRIMARY,
    SeedPlan,
    compute_plan_summary,
    compute_seed_plan,
    get_enterprise_key,
    get_industry,
)
from chains.tax.app import (
    TAX_APPLICATION,
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
from tests.app_helpers import DictState
from tests.apps.harness import make_key
from tests.finance.world import RELAY_SECTION

APPLICATIONS = {
    "tax": TAX_APPLICATION,
    "industry": INDUSTRY_APPLICATION,
    "finance": FINANCE_APPLICATION,
}
REGISTRARS = {"tax": "tax_bureau", "industry": "industry_association", "finance": "bank"}


def _round_half_up(amount: int, rate_bp: int) -> int:
    # Written independently of the application's helper, with exact decimals.
    from decimal import ROUND_HALF_UP, Decimal

    return int((Decimal(amount) * rate_bp / 10_000).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@pytest.fixture(scope="module")
def orgs():
    return {member.id: make_key(member.id).public_key for member in MEMBERS}


@pytest.fixture(scope="module")
def plan(orgs) -> SeedPlan:
    return compute_seed_plan(7, 20, orgs)


def test_the_same_seed_gives_the_same_plan_byte_for_byte(orgs, plan) -> None:
    again = compute_seed_plan(7, 20, orgs)
    assert again == plan
    assert [tx.payload for tx in again.txs] == [tx.payload for tx in plan.txs]
    assert [get_enterprise_key(e).public_key for e in again.enterprises[:20]] == [
        get_enterprise_key(e).public_key for e in plan.enterprises[:20]
    ]


def test_another_seed_gives_other_enterprises_keys_and_payloads(orgs, plan) -> None:
    other = compute_seed_plan(8, 20, orgs)
    assert other != plan
    assert {e.uscc for e in other.enterprises[:20]}.isdisjoint(e.uscc for e in plan.enterprises)
    assert {tx.payload for tx in other.txs}.isdisjoint(tx.payload for tx in plan.txs[:20])
    assert get_enterprise_key(other.enterprises[0]) != get_enterprise_key(plan.enterprises[0])


def test_planning_uses_no_global_randomness(orgs) -> None:
    state = random.getstate()
    compute_seed_plan(11, 3, orgs)
    assert random.getstate() == state
    random.seed(1)
    first = compute_seed_plan(11, 3, orgs)
    random.seed(2)
    assert compute_seed_plan(11, 3, orgs) == first


@pytest.mark.parametrize("count", [0, -1, 201])
def test_an_impossible_enterprise_count_is_refused(orgs, count) -> None:
    with pytest.raises(ConsortiumError) as caught:
        compute_seed_plan(7, count, orgs)
    assert caught.value.code == ErrorCode.INVALID_FIELD_VALUE


def test_a_missing_organisation_key_is_refused(orgs) -> None:
    partial = {k: v for k, v in orgs.items() if k != "tax-bureau"}
    with pytest.raises(ConsortiumError) as caught:
        compute_seed_plan(7, 3, partial)
    assert caught.value.code == ErrorCode.MEMBER_NOT_FOUND


def test_enterprises_are_realistic_shenzhen_companies(plan) -> None:
    seeded = [e for e in plan.enterprises if not e.is_genesis_member]
    assert len(seeded) == 20 and len(plan.enterprises) == 22
    usccs = [e.uscc for e in plan.enterprises]
    assert len(set(usccs)) == len(usccs)
    assert len({e.name for e in plan.enterprises}) == len(plan.enterprises)
    for enterprise in plan.enterprises:
        assert get_uscc_error(enterprise.uscc) == ""
        assert enterprise.uscc.startswith("91440300")
        assert enterprise.name.startswith("Shenzhen ") and enterprise.name.endswith(" Co., Ltd.")
        assert enterprise.region in DISTRICTS
        assert enterprise.vat_rate_bp in (1300, 900, 600, 300)
    # Every industry appears once the plan has ten enterprises or more.
    assert {e.industry for e in seeded} == {profile.name for profile in INDUSTRIES}
    assert len({e.region for e in seeded}) >= 5
    keys = {get_enterprise_key(e, a).public_key for e in seeded for a in (PRIMARY, FINANCE_DESK)}
    assert len(keys) == 40


def test_amounts_are_consistent(plan) -> None:
    enterprises = {e.uscc: e for e in plan.enterprises}
    due: dict[str, int] = {}
    paid: Counter[str] = Counter()
    for tx in plan.txs:
        payload = tx.decode()
        if tx.tx_type == TX_ISSUE_INVOICE:
            seller = enterprises[tx.sender]
            assert payload.tax_rate_bp == seller.vat_rate_bp
            assert payload.tax_amount == _round_half_up(payload.amount, payload.tax_rate_bp)
            assert payload.amount > 0
        elif tx.tx_type == TX_SUBMIT_FILING:
            enterprise = enterprises[payload.enterprise]
            rate = (
                enterprise.vat_rate_bp
                if payload.tax_type == "vat"
                else get_industry(enterprise.industry).cit_rate_bp
            )
            assert payload.tax_due == _round_half_up(payload.taxable_amount, rate)
            due[f"{payload.enterprise}:{payload.period}:{payload.tax_type}"] = payload.tax_due
        elif tx.tx_type == TX_RECORD_PAYMENT:
            filing = f"{payload.enterprise}:{payload.period}:{payload.tax_type}"
            paid[filing] += payload.amount
        elif tx.tx_type == TX_DECIDE_LOAN and payload.approve:
            assert payload.amount > 0 and payload.rate_bp > 0
    assert all(paid[filing] <= due[filing] for filing in due), "no filing is overpaid"
    fully_paid = {
        uscc
        for uscc in enterprises
        if all(paid[f] == d for f, d in due.items() if f.startswith(uscc + ":"))
    }
    cleared = {tx.decode().enterprise for tx in plan.txs if tx.tx_type == TX_ISSUE_CLEARANCE}
    assert cleared == fully_paid, "a clearance exactly for the enterprises that paid everything"
    assert 0 < len(cleared) < len(enterprises)
    statuses = Counter(
        "paid" if paid[f] == d else "partially_paid" if paid[f] else "filed" for f, d in due.items()
    )
    assert statuses["paid"] > statuses["partially_paid"] > 0


class _References:
    """A model of what each wave creates, to check that every reference points back."""

    def __init__(self) -> None:
        self.created: dict[tuple[str, ...], int] = {}
        self.invoices: dict[str, dict] = {}

    def add(self, key: tuple[str, ...], wave: int) -> None:
        assert key not in self.created, f"{key} is created twice"
        self.created[key] = wave

    def require(self, key: tuple[str, ...], wave: int) -> None:
        assert key in self.created, f"{key} is referred to but never created"
        assert self.created[key] < wave, (
            f"{key} is created in wave {self.created[key]}, not before {wave}"
        )

    def is_member(self, chain: str, org: str) -> bool:
        member = next((m for m in MEMBERS if m.id == org), None)
        return member is not None and member.is_on(chain)

    def require_sender(self, chain: str, org: str, account: str, wave: int) -> None:
        if not self.is_member(chain, org):
            self.require(("org", chain, org), wave)
        if account != PRIMARY:
            self.require(("account", chain, org, account), wave)

    def move(self, number: str, wave: int, status: str, sender: str, **changes) -> None:
        invoice = self.invoices[number]
        assert invoice["wave"] < wave, f"invoice {number} changes twice in wave {wave}"
        assert sender == (invoice["seller"] if status == "cancelled" else invoice["holder"])
        invoice.update(changes, status=status, wave=wave)


def test_every_reference_points_at_something_an_earlier_wave_created(plan) -> None:
    model = _References()
    for wave_number, wave in enumerate(plan.waves, start=1):
        for tx in wave.txs:
            p = tx.decode()
            chain = tx.chain
            if tx.tx_type == TX_REGISTER_ENTERPRISE:
                assert get_member(tx.sender).role == REGISTRARS[chain]
                model.add(("org", chain, p.uscc), wave_number)
                continue
            model.require_sender(chain, tx.sender, tx.account, wave_number)
            if tx.tx_type == TX_ADD_ACCOUNT:
                model.add(("account", chain, tx.sender, p.name), wave_number)
            elif tx.tx_type == TX_SUBMIT_FILING:
                model.require(("org", chain, p.enterprise), wave_number)
                model.add(("filing", f"{p.enterprise}:{p.period}:{p.tax_type}"), wave_number)
            elif tx.tx_type == TX_RECORD_PAYMENT:
                model.require(("filing", f"{p.enterprise}:{p.period}:{p.tax_type}"), wave_number)
                model.add(("payment", p.payment_id), wave_number)
            elif tx.tx_type == TX_ISSUE_CLEARANCE:
                model.require(("org", chain, p.enterprise), wave_number)
                for key, created in model.created.items():
                    if key[0] == "payment" and key[1].startswith(p.enterprise + "-"):
                        assert created < wave_number
                model.add(("clearance", p.certificate_id), wave_number)
            elif tx.tx_type == TX_ISSUE_INVOICE:
                model.require(("org", chain, p.buyer), wave_number)
                assert p.buyer != tx.sender
                model.add(("invoice", p.invoice_number), wave_number)
                model.invoices[p.invoice_number] = {
                    "seller": tx.sender,
                    "holder": p.buyer,
                    "status": "issued",
                    "wave": wave_number,
                }
            elif tx.tx_type == TX_RED_LETTER:
                model.require(("invoice", p.original_number), wave_number)
                assert model.invoices[p.original_number]["status"] in ("issued", "transferred")
                model.move(p.original_number, wave_number, "cancelled", tx.sender)
                model.add(("invoice", p.invoice_number), wave_number)
            elif tx.tx_type == TX_TRANSFER_INVOICE:
                model.require(("invoice", p.invoice_number), wave_number)
                model.require(("org", chain, p.new_holder), wave_number)
                assert model.invoices[p.invoice_number]["status"] in ("issued", "transferred")
                assert p.new_holder != model.invoices[p.invoice_number]["holder"]
                model.move(
                    p.invoice_number, wave_number, "transferred", tx.sender, holder=p.new_holder
                )
            elif tx.tx_type == TX_LOCK_INVOICE:
                assert model.invoices[p.invoice_number]["status"] in ("issued", "transferred")
                model.move(p.invoice_number, wave_number, "locked", tx.sender)
            elif tx.tx_type == TX_REIMBURSE_INVOICE:
                assert model.invoices[p.invoice_number]["status"] in (
                    "issued",
                    "transferred",
                    "locked",
                )
                model.move(p.invoice_number, wave_number, "reimbursed", tx.sender)
            elif tx.tx_type == TX_DECLARE_INVOICE:
                assert model.invoices[p.invoice_number]["status"] == "reimbursed"
                model.move(p.invoice_number, wave_number, "declared", tx.sender)
            elif tx.tx_type in (TX_REPORT_PRODUCTION, TX_RECORD_ORDER):
                local = p.report_id if tx.tx_type == TX_REPORT_PRODUCTION else p.order_id
                kind = "production" if tx.tx_type == TX_REPORT_PRODUCTION else "order"
                model.add((kind, f"{tx.sender}:{local}"), wave_number)
            elif tx.tx_type == TX_RECORD_DELIVERY:
                model.require(("order", f"{tx.sender}:{p.order_id}"), wave_number)
                model.add(("delivery", f"{tx.sender}:{p.delivery_id}"), wave_number)
            elif tx.tx_type == TX_ATTEST:
                model.require((p.kind, p.record_id), wave_number)
            elif tx.tx_type == TX_REGISTER_POLICY:
                model.add(("policy", f"{tx.sender}:{p.policy_id}"), wave_number)
            elif tx.tx_type == TX_APPLY_FOR_LOAN:
                model.require(("policy", f"{p.bank}:{p.policy_id}"), wave_number)
                model.add(("loan", p.application_id), wave_number)
            elif tx.tx_type == TX_DECIDE_LOAN:
                model.require(("loan", p.application_id), wave_number)
                model.add(("decision", p.decision_id), wave_number)
            else:
                pytest.fail(f"the model does not know {tx.tx_type}")
    final = Counter(invoice["status"] for invoice in model.invoices.values())
    # Most reimbursed and declared; some only issued, transferred, locked, cancelled.
    assert final["declared"] == max(final.values())
    for status in ("issued", "transferred", "locked", "reimbursed", "cancelled"):
        assert final[status] > 0, (status, final)


def _run_plan_in_memory(plan: SeedPlan, orgs_keys, reverse: bool) -> dict[str, DictState]:
    """Each wave one block per chain, admitted against the state before it (as a mempool
    would), senders interleaved in the given order (nonces stay in order per sender)."""
    keys = {(member.id, PRIMARY): orgs_keys[member.id] for member in MEMBERS}
    for enterprise in plan.enterprises:
        if not enterprise.is_genesis_member:
            for account in (PRIMARY, FINANCE_DESK):
                keys[(enterprise.uscc, account)] = get_enterprise_key(enterprise, account)
    states = {}
    public = {org: key.public_key for org, key in orgs_keys.items()}
    for chain in CHAIN_NAMES:
        app = APPLICATIONS[chain]
        state = DictState()
        state.apply(app.get_genesis_updates(compute_app_state(chain, public, RELAY_SECTION)))
        chain_id = ChainId(CHAIN_IDS[chain])
        nonces: Counter[bytes] = Counter()
        for height, wave in enumerate(plan.waves, start=1):
            by_sender: dict[tuple[str, str], list] = defaultdict(list)
            for tx in wave.txs:
                if tx.chain != chain:
                    continue
                key = keys[(tx.sender, tx.account)]
                nonces[key.public_key] += 1
                raw = make_signed_transaction(
                    key, chain_id, nonces[key.public_key], tx.tx_type, tx.payload
                )
                by_sender[(tx.sender, tx.account)].append((tx, raw))
            queues = list(by_sender.values())
            if reverse:
                queues.reverse()
            ordered = []
            while any(queues):  # round-robin over senders
                for queue in queues:
                    if queue:
                        ordered.append(queue.pop(0))
            txs = []
            for tx, raw in ordered:
                decoded = decode_verified_transaction(raw, chain_id)
                verdict = check_transaction(app, decoded, state)
                assert verdict.ok, (chain, tx.tx_type, tx.sender, verdict)
                txs.append(decoded)
            context = BlockContext(chain_id, Height(height), 1_780_000_000_000 + height, b"")
            execution = execute_block(app, context, txs, state)
            for (tx, _), result in zip(ordered, execution.results, strict=True):
                assert result.ok, (chain, wave.name, tx.tx_type, tx.sender, result)
            state.apply(execution.updates, execution.blobs)
        states[chain] = state
    return states


@pytest.mark.parametrize("reverse", [False, True], ids=["senders-in-order", "senders-reversed"])
def test_every_transaction_succeeds_on_the_real_applications(plan, reverse) -> None:
    orgs_keys = {member.id: make_key(member.id) for member in MEMBERS}
    states = _run_plan_in_memory(plan, orgs_keys, reverse)
    tax, industry, finance = states["tax"], states["industry"], states["finance"]
    invoices = [tx.record_id for tx in plan.txs if tx.creates == "invoice"]
    statuses = Counter(read_record(tax, "invoice", number).get("status") for number in invoices)
    assert set(statuses) == {
        "issued",
        "transferred",
        "locked",
        "reimbursed",
        "declared",
        "cancelled",
    }
    filings = [tx.record_id for tx in plan.txs if tx.creates == "filing"]
    filing_statuses = Counter(read_record(tax, "filing", f).get("status") for f in filings)
    assert filing_statuses["paid"] > filing_statuses["partially_paid"] > 0
    reports = [tx.record_id for tx in plan.txs if tx.creates == "production"]
    attestations = Counter(
        read_record(industry, "production", r).get("attestation") for r in reports
    )
    assert attestations["attested"] > 0 and attestations["not_required"] > 0
    orders = [tx.record_id for tx in plan.txs if tx.creates == "order"]
    order_statuses = Counter(read_record(industry, "order", o).get("status") for o in orders)
    assert order_statuses["fulfilled"] > 0 and order_statuses["open"] > 0
    loans = [tx.record_id for tx in plan.txs if tx.creates == "loan"]
    loan_statuses = Counter(read_record(finance, "loan", loan).get("status") for loan in loans)
    assert set(loan_statuses) == {"submitted", "approved", "rejected"}
    # The large enterprises' big production reports call for attestation by themselves.
    large = [e for e in plan.enterprises if e.is_genesis_member]
    for enterprise in large:
        report = read_record(industry, "production", f"{enterprise.uscc}:PR-2025-Q1")
        assert get_attestation_need(report.get("output_value")) == "required"


def test_the_summary_counts_transactions_and_records_per_chain(plan) -> None:
    summary = {s.chain: s for s in compute_plan_summary(plan)}
    assert sum(s.txs for s in summary.values()) == len(plan.txs)
    assert summary["tax"].records["organisation"] == 22
    assert summary["industry"].records["organisation"] == 20  # the large two are in genesis
    assert summary["finance"].records["policy"] == 4
    assert summary["tax"].records["invoice"] == sum(
        1 for tx in plan.txs if tx.tx_type in (TX_ISSUE_INVOICE, TX_RED_LETTER)
    )
    assert set(PAYLOAD_TYPES) >= {tx.tx_type for tx in plan.txs}
