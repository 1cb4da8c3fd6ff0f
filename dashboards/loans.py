"""Loans for the Enterprise and Bank pages: consents, applications, decisions (no Streamlit).

The dashboards act for the organisations whose keys are in the consortium
directory (a demo consortium). What they do is what ``consortium loan`` and
``consortium consent`` do from the command line, with every choice the
command line fixes left open:

* an enterprise picks the scope of its one consent (chains, records,
  fields; the owner field of each record always travels, or the finance
  chain refuses the record with NOT_RECORD_OWNER), the bank, the expiry, and
  applies for a loan carrying it (:func:`apply_for_loan`); it may revoke a
  consent not yet used (:func:`revoke_consent`);
* a bank reads each application addressed to it with the checks the finance
  chain made (:func:`get_inbox`), re-runs its policy on the verified data set
  to show each rule (:func:`evaluate_data_set`), and decides by hand what no
  policy decides (:func:`decide_loan`, decision ``<application id>:officer``).

Reads are verified (:func:`chains.apps.bundle.fetch_verified_record` and
state proofs); a refused transaction raises ConsortiumError with the code and
message its block committed, a node that does not answer raises NodeError.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from chains.apps.audit import get_policy_from_fields
from chains.apps.bundle import fetch_verified_record
from chains.consortium import FINANCE, MEMBERS, Consortium
from chains.core.consensus.validators import decode_validator_set
from chains.core.errors import ConsortiumError, ErrorCode
from chains.core.records import FieldValue
from chains.finance.app import (
    DECIDED_BY_POLICY,
    LOAN_APPROVED,
    LOAN_SUBMITTED,
    MAX_REASONS,
    REASON_SEPARATOR,
    TX_APPLY_FOR_LOAN,
)
from chains.finance.facts import UNIT_FEN, compute_facts, format_fact_value
from chains.finance.policy import KIND_POLICY, CreditPolicy, PolicyOutcome, evaluate_policy
from chains.finance.relay_rules import (
    CONSENT_GRANTED,
    CONSENT_REVOKED,
    CONSENT_USED,
    decode_data_set_records,
    get_client_header_key,
)
from chains.loan_story import (
    CONSENT_FIELDS,
    ConsentedRecord,
    SentTx,
    get_enterprise_records,
    make_consent,
    send_finance_tx,
)
from chains.runtime.client import NodeClient, NodeError, verify_state_response
from chains.seed import SeedPlan
from consortium.v1 import finance_pb2
from dashboards.data import ApplicationView, get_applications, get_chain_client
from relay.consent import get_owner_field, make_signed_consent
from relay.relayer import Packet
from relay.transfer import VerifiedRecord

HOUR_MS = 3_600_000
CLOCK_SLACK_MS = 60_000
"""A consent is valid from a minute ago: the validators' clocks may run a little behind."""
DEFAULT_PURPOSE = "working capital against verified tax and production records"
AMOUNT_FIELDS = frozenset(
    {"amount", "tax_due", "tax_paid", "taxable_amount", "output_value", "value"}
)
"""Record fields that hold fen (shown as yuan)."""


def format_yuan(fen: int) -> str:
    """``fen`` for people: ``1,234.56 yuan``."""
    return format_fact_value(fen, UNIT_FEN)


# --------------------------------------------------------------------------
# Enterprises and banks
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Bank:
    """A bank of the consortium: its organisation id and name."""

    bank_id: str
    name: str


def get_banks() -> tuple[Bank, ...]:
    """The consortium's banks, in genesis order."""
    return tuple(Bank(member.id, member.name) for member in MEMBERS if member.role == "bank")


def get_default_application_id(uscc: str, now_s: float | None = None) -> str:
    """An application id like the command line's: ``LA-<code>-<unix seconds>``."""
    return f"LA-{uscc}-{int(time.time() if now_s is None else now_s)}"


def get_consent_id(application_id: str) -> str:
    """The id of the consent an application carries (as in :mod:`chains.loan_story`)."""
    return f"consent-{application_id}"


# --------------------------------------------------------------------------
# An enterprise's records and the scope of its consent
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EnterpriseRecord:
    """One of an enterprise's seeded records, read from its chain with its proof."""

    chain_id: str
    kind: str
    record_id: str
    height: int
    """The height whose certified header the record was proven under."""
    fields: Mapping[str, FieldValue]

    @property
    def owner_field(self) -> str:
        """The field naming the record's owner: always disclosed."""
        return get_owner_field(self.kind) or ""

    @property
    def place(self) -> tuple[str, str, str]:
        """(chain id, kind, id): what a consent names."""
        return (self.chain_id, self.kind, self.record_id)


def fetch_enterprise_records(
    consortium: Consortium, plan: SeedPlan, uscc: str
) -> list[EnterpriseRecord]:
    """The records the seed created for ``uscc`` that a consent may name (those of
    :func:`chains.loan_story.get_enterprise_records`), each read with its proof.

    RECORD_NOT_FOUND when a chain proves one absent (a consortium seeded otherwise).
    """
    planned = get_enterprise_records(consortium, plan, uscc)
    names = {chain.chain_id: chain.name for chain in consortium.chains}
    result = []
    for chain_id in dict.fromkeys(record.chain_id for record in planned):
        with get_chain_client(consortium, names[chain_id]) as client:
            for record in (r for r in planned if r.chain_id == chain_id):
                fetched = fetch_verified_record(client, record.kind, record.record_id)
                if fetched is None:
                    raise ConsortiumError(
                        ErrorCode.RECORD_NOT_FOUND,
                        f"{chain_id} proves no {record.kind} {record.record_id}, which the seed "
                        "plan created: was this consortium seeded with another plan?",
                    )
                result.append(
                    EnterpriseRecord(
                        chain_id,
                        record.kind,
                        record.record_id,
                        fetched.response.height,
                        fetched.fields,
                    )
                )
    return result


def format_field(name: str, value: FieldValue) -> str:
    """One field's value for people (fen as yuan, bytes as short hex)."""
    if name in AMOUNT_FIELDS and type(value) is int:
        return format_yuan(value)
    if isinstance(value, bytes):
        return value.hex()[:16] + ("…" if len(value) > 8 else "")
    return str(value)


def get_key_fields(record: EnterpriseRecord) -> str:
    """The fields that say what a record is (the story's consent fields), in one line."""
    names = CONSENT_FIELDS.get(record.kind, ())
    return " · ".join(
        f"{name} {format_field(name, record.fields[name])}"
        for name in names
        if name in record.fields
    )


def get_field_options(records: Iterable[EnterpriseRecord]) -> dict[str, tuple[str, ...]]:
    """Per kind, the fields a consent may choose (every field its records have, but the
    owner field, which always travels)."""
    options: dict[str, dict[str, None]] = {}
    for record in records:
        names = options.setdefault(record.kind, {})
        names.update(dict.fromkeys(n for n in record.fields if n != record.owner_field))
    return {kind: tuple(names) for kind, names in options.items()}


def get_default_fields(kind: str, options: Sequence[str]) -> list[str]:
    """The fields the story's consent discloses of ``kind`` (those among ``options``)."""
    return [name for name in CONSENT_FIELDS.get(kind, ()) if name in options]


def select_consent_records(
    records: Iterable[EnterpriseRecord],
    chosen: Collection[tuple[str, str, str]],
    fields_by_kind: Mapping[str, Sequence[str]],
) -> list[ConsentedRecord]:
    """The records of ``chosen`` places (chain id, kind, id), each with its owner field
    first and the fields chosen for its kind that it has (each once)."""
    selected = []
    for record in records:
        if record.place not in chosen:
            continue
        wanted = [
            name
            for name in dict.fromkeys(fields_by_kind.get(record.kind, ()))
            if name in record.fields and name != record.owner_field
        ]
        selected.append(
            ConsentedRecord(
                record.chain_id, record.kind, record.record_id, (record.owner_field, *wanted)
            )
        )
    return selected


# --------------------------------------------------------------------------
# Signing and sending
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LoanRequest:
    """What an enterprise asks a bank for."""

    application_id: str
    bank: str
    amount_fen: int
    term_months: int = 24
    purpose: str = DEFAULT_PURPOSE
    policy_id: str = ""
    """The bank's policy that decides it once the data is verified; "" for its officer."""


@dataclass(frozen=True, slots=True)
class AppliedLoan:
    """An application committed on the finance chain, with the consent it carries."""

    application_id: str
    consent_id: str
    """"" when it carries none."""
    records: int
    """How many records the consent names."""
    tx: SentTx


def apply_for_loan(
    consortium: Consortium,
    enterprise: str,
    request: LoanRequest,
    records: Sequence[ConsentedRecord],
    ttl_ms: int,
    now_ms: int | None = None,
) -> AppliedLoan:
    """``enterprise`` signs one consent over ``records`` for ``request``'s bank, valid from
    now (a minute's slack for clocks) for ``ttl_ms``, and applies carrying it (no records:
    no consent; its officer decides on what else it knows).

    The finance chain refuses with its code: RECORD_EXISTS (the application id is
    taken), POLICY_NOT_FOUND, CONSENT_USED (the consent id is taken), MEMBER_NOT_FOUND, ...
    """
    finance = consortium.get_chain(FINANCE)
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    consent_id = get_consent_id(request.application_id) if records else ""
    payload = finance_pb2.ApplyForLoan(
        application_id=request.application_id,
        bank=request.bank,
        amount=request.amount_fen,
        term_months=request.term_months,
        purpose=request.purpose,
        policy_id=request.policy_id,
        record_seed=os.urandom(32),
    )
    if records:
        consent = make_consent(
            consent_id,
            enterprise,
            request.bank,
            finance.chain_id,
            request.application_id,
            records,
            now_ms - CLOCK_SLACK_MS,
            ttl_ms + CLOCK_SLACK_MS,
        )
        key = consortium.read_key(enterprise).key_pair
        payload.signed_consent = make_signed_consent(key, consent)
        payload.consent_record_seed = os.urandom(32)
    tx = send_finance_tx(consortium, enterprise, TX_APPLY_FOR_LOAN, payload)
    return AppliedLoan(request.application_id, consent_id, len(records), tx)


# --------------------------------------------------------------------------
# An application's timeline, as its enterprise follows it
# --------------------------------------------------------------------------

DONE, WAITING, FAILED, SKIPPED = "done", "waiting", "failed", "skipped"
STEP_SIGNED, STEP_TRANSFERRED, STEP_VERIFIED, STEP_DECIDED = (
    "consent signed",
    "transferred",
    "verified",
    "decided",
)
STAGE_SUBMITTED = "submitted"
RELAY_GAVE_UP = frozenset({"rejected", "failed"})
"""Relayer packet statuses after which it carries the consent no more."""


@dataclass(frozen=True, slots=True)
class TimelineStep:
    """One step of an application: done, waiting, failed or skipped, and what happened."""

    name: str
    state: str
    detail: str


@dataclass(frozen=True, slots=True)
class Timeline:
    """An application's steps: consent signed → transferred → verified → decided."""

    application_id: str
    steps: tuple[TimelineStep, ...]

    @property
    def stage(self) -> str:
        """The furthest step done ("submitted" when none is)."""
        done = [step.name for step in self.steps if step.state == DONE]
        return done[-1] if done else STAGE_SUBMITTED


def get_timeline(view: ApplicationView, packet: Packet | None = None) -> Timeline:
    """Where ``view`` stands, from the finance chain's records (and, while the consent waits,
    the relayer's ``packet`` for it: a refusal it will not retry)."""
    consent = view.consent.fields if view.consent is not None else None
    data_set = view.data_set.fields if view.data_set is not None else None
    decision = view.decision.fields if view.decision is not None else None
    steps = (
        _get_signed_step(consent),
        _get_transferred_step(consent, packet),
        _get_verified_step(consent, data_set),
        _get_decided_step(view, decision),
    )
    return Timeline(view.application_id, steps)


def _get_signed_step(consent: Mapping[str, FieldValue] | None) -> TimelineStep:
    if consent is None:
        return TimelineStep(STEP_SIGNED, SKIPPED, "applied without a consent")
    if not consent.get("signed_consent"):
        # Revoked before any application carried it: nothing was ever signed for a bank.
        return TimelineStep(STEP_SIGNED, SKIPPED, f"consent {consent.get('consent_id')} revoked")
    return TimelineStep(
        STEP_SIGNED,
        DONE,
        f"consent {consent.get('consent_id')} for {consent.get('bank')}, "
        f"expires {_format_ms(int(consent.get('expires_ms', 0)))}",
    )


def _get_transferred_step(
    consent: Mapping[str, FieldValue] | None, packet: Packet | None
) -> TimelineStep:
    if consent is None:
        return TimelineStep(STEP_TRANSFERRED, SKIPPED, "no consent to carry")
    status = consent.get("status")
    if status == CONSENT_USED:
        return TimelineStep(
            STEP_TRANSFERRED,
            DONE,
            f"carried by the relay, used at height {consent.get('changed_height')}",
        )
    if status == CONSENT_REVOKED:
        return TimelineStep(
            STEP_TRANSFERRED, FAILED, f"revoked at height {consent.get('changed_height')}"
        )
    if packet is not None and packet.status in RELAY_GAVE_UP:
        return TimelineStep(
            STEP_TRANSFERRED, FAILED, f"the relay gave up: {packet.code}: {packet.message}"
        )
    attempts = f" ({packet.attempts} attempts so far)" if packet and packet.attempts else ""
    return TimelineStep(STEP_TRANSFERRED, WAITING, f"waiting for the relay{attempts}")


def _get_verified_step(
    consent: Mapping[str, FieldValue] | None, data_set: Mapping[str, FieldValue] | None
) -> TimelineStep:
    if data_set is not None:
        return TimelineStep(
            STEP_VERIFIED,
            DONE,
            f"{data_set.get('record_count')} records from {data_set.get('sources')}, "
            f"verified by the finance chain at height {data_set.get('verified_height')}",
        )
    if consent is None or consent.get("status") != CONSENT_GRANTED:
        return TimelineStep(STEP_VERIFIED, SKIPPED, "no data set")
    return TimelineStep(STEP_VERIFIED, WAITING, "waiting for the transfer")


def _get_decided_step(
    view: ApplicationView, decision: Mapping[str, FieldValue] | None
) -> TimelineStep:
    if decision is not None:
        return TimelineStep(STEP_DECIDED, DONE, describe_decision(decision))
    waiting_for = "its policy" if view.loan.fields.get("policy_id") else "its officer"
    return TimelineStep(
        STEP_DECIDED, WAITING, f"waiting for {view.loan.fields.get('bank')} ({waiting_for})"
    )


def describe_decision(decision: Mapping[str, FieldValue]) -> str:
    """A committed decision in one line: outcome, by whom, terms or reasons."""
    outcome = decision.get("outcome")
    by = f"by {decision.get('decided_by')} at height {decision.get('decided_height')}"
    if outcome == LOAN_APPROVED:
        amount = format_yuan(int(decision.get("amount", 0)))
        return f"approved {by}: {amount} at {decision.get('rate_bp')} bp"
    return f"{outcome} {by}: {decision.get('reasons')}"


def _format_ms(time_ms: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(time_ms / 1000))


def get_unused_consents(views: Iterable[ApplicationView]) -> list[str]:
    """The ids of the consents these applications carry that are granted and not yet used."""
    return [
        str(view.consent.fields.get("consent_id"))
        for view in views
        if view.consent is not None and view.consent.fields.get("status") == CONSENT_GRANTED
    ]


# --------------------------------------------------------------------------
# The bank's checks of a verified data set
# --------------------------------------------------------------------------

CHECK_HEADERS = "source headers certified"
CHECK_RECORDS = "each record proven"
CHECK_CONSENT = "consent valid"


@dataclass(frozen=True, slots=True)
class Check:
    """One check a bank reads: passed (True), failed (False) or not yet possible (None)."""

    name: str
    ok: bool | None
    detail: str


def parse_sources(sources: str) -> list[tuple[str, int]]:
    """The (chain id, height) pairs of a data set's ``sources`` (``industry-1@31 tax-1@57``);
    MALFORMED_INPUT for anything else."""
    pairs = []
    for item in sources.split():
        chain_id, at, height = item.rpartition("@")
        if not at or not chain_id or not height.isdigit():
            raise ConsortiumError(ErrorCode.MALFORMED_INPUT, f"not a source: {item!r}")
        pairs.append((chain_id, int(height)))
    return pairs


def fetch_trusted_sources(
    client: NodeClient, sources: Iterable[tuple[str, int]]
) -> dict[tuple[str, int], bool]:
    """Whether the finance chain's light client of each source chain trusts the header at
    that height: its trusted header read from the finance state, the answer verified
    (certificate and state proof). Raises the verification's code when it does not verify."""
    result = {}
    validators = {}
    for chain_id, height in sources:
        key = get_client_header_key(chain_id, height)
        response = client.query_state(key)
        if response.height not in validators:
            raw = client.get_validator_set_response(response.height).validator_set
            validators[response.height] = decode_validator_set(raw)
        checked = verify_state_response(validators[response.height], key, response)
        if not checked.verdict.ok:
            raise ConsortiumError(
                checked.verdict.code,
                f"the finance node's answer for {chain_id}@{height} does not verify: "
                f"{checked.verdict.message}",
            )
        result[(chain_id, height)] = response.found
    return result


def get_data_set_records(data_set: Mapping[str, FieldValue]) -> list[VerifiedRecord]:
    """The records a data set holds (its ``records`` field), decoded; MALFORMED_INPUT when
    they do not decode."""
    raw = data_set.get("records", b"")
    return decode_data_set_records(raw if isinstance(raw, bytes) else b"")


def get_checks(
    view: ApplicationView,
    trusted: Mapping[tuple[str, int], bool],
    records: Sequence[VerifiedRecord],
) -> tuple[Check, Check, Check]:
    """The three checks of an application's data set: its source headers certified and
    trusted, each record proven, and the consent valid and used by this very data set."""
    if view.data_set is None:
        why = "no verified data set yet" if view.consent is not None else "no consent"
        return (
            Check(CHECK_HEADERS, None, why),
            Check(CHECK_RECORDS, None, why),
            Check(CHECK_CONSENT, None, why),
        )
    data_set = view.data_set.fields
    return (
        _check_headers(str(data_set.get("sources", "")), trusted),
        _check_records(data_set, records),
        _check_consent(view),
    )


def _check_headers(sources: str, trusted: Mapping[tuple[str, int], bool]) -> Check:
    pairs = parse_sources(sources)
    untrusted = [f"{c}@{h}" for c, h in pairs if not trusted.get((c, h), False)]
    if not pairs or untrusted:
        return Check(
            CHECK_HEADERS,
            False,
            f"the finance chain's light clients trust no header at {', '.join(untrusted)}"
            if untrusted
            else "the data set names no source header",
        )
    return Check(
        CHECK_HEADERS,
        True,
        f"{sources}: trusted by the finance chain's light clients. The data set exists only "
        "because the finance chain verified each header's certificate (more than 2/3 of "
        "its chain's validators) when the transfer came in.",
    )


def _check_records(data_set: Mapping[str, FieldValue], records: Sequence[VerifiedRecord]) -> Check:
    count = data_set.get("record_count")
    if not records or count != len(records):
        return Check(
            CHECK_RECORDS,
            False,
            f"the data set counts {count} records and holds {len(records)}",
        )
    kinds = Counter(f"{record.kind} on {record.chain_id}" for record in records)
    listed = ", ".join(f"{number} {kind}" for kind, number in kinds.items())
    return Check(
        CHECK_RECORDS,
        True,
        f"{count} records ({listed}), each proven by the finance chain under its header's "
        "state root, with only the consented fields",
    )


def _check_consent(view: ApplicationView) -> Check:
    if view.consent is None or view.data_set is None:
        return Check(CHECK_CONSENT, False, "the consent's record is missing")
    consent = view.consent.fields
    data_set = view.data_set.fields
    problems = []
    if consent.get("status") != CONSENT_USED:
        problems.append(f"its status is {consent.get('status')!r}, not {CONSENT_USED!r}")
    if consent.get("data_set_id") != data_set.get("data_set_id"):
        problems.append(f"it was used by {consent.get('data_set_id')!r}, not this data set")
    if consent.get("consent_hash") != data_set.get("consent_hash"):
        problems.append("its hash is not the one the data set rests on")
    if consent.get("bank") != view.loan.fields.get("bank"):
        problems.append(f"it names {consent.get('bank')!r}, not the application's bank")
    if problems:
        return Check(CHECK_CONSENT, False, "; ".join(problems))
    return Check(
        CHECK_CONSENT,
        True,
        f"consent {consent.get('consent_id')} signed by {consent.get('enterprise')} for "
        f"{consent.get('bank')}, used by this data set at height {consent.get('changed_height')}",
    )


# --------------------------------------------------------------------------
# The bank's policy, re-run for display
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PolicyEvaluation:
    """A policy evaluated again on a data set's facts, next to what was committed."""

    policy: CreditPolicy
    facts: Mapping[str, FieldValue]
    outcome: PolicyOutcome
    matches: bool | None
    """Whether the committed policy decision says the same (None: none committed)."""


def fetch_policy(client: NodeClient, bank: str, policy_id: str) -> CreditPolicy | None:
    """Bank ``bank``'s registered policy ``policy_id``, read with its proof (None: none)."""
    fetched = fetch_verified_record(client, KIND_POLICY, f"{bank}:{policy_id}")
    return None if fetched is None else get_policy_from_fields(fetched.fields)


def get_data_set_facts(
    data_set: Mapping[str, FieldValue], records: Sequence[VerifiedRecord]
) -> dict[str, FieldValue]:
    """The facts a policy reads, as the finance chain computed them: at the time of the
    block that verified the data set (a clearance is judged on that day)."""
    return compute_facts(records, int(data_set.get("verified_time_ms", 0)))


def is_same_decision(outcome: PolicyOutcome, decision: Mapping[str, FieldValue]) -> bool:
    """True when the committed ``decision`` says what ``outcome`` says."""
    reasons = REASON_SEPARATOR.join(outcome.reasons[:MAX_REASONS])
    return (
        (decision.get("outcome") == LOAN_APPROVED) == outcome.approved
        and decision.get("amount") == outcome.amount
        and decision.get("rate_bp") == outcome.rate_bp
        and decision.get("reasons") == reasons
    )


def evaluate_data_set(
    policy: CreditPolicy,
    view: ApplicationView,
    facts: Mapping[str, FieldValue],
) -> PolicyEvaluation:
    """``policy`` evaluated on ``facts`` for the amount ``view`` requests, and whether the
    policy's committed decision (if any) says the same."""
    outcome = evaluate_policy(policy, facts, int(view.loan.fields.get("amount", 0)))
    decision = view.decision.fields if view.decision is not None else None
    matches = None
    if decision is not None and decision.get("decided_by") == DECIDED_BY_POLICY:
        matches = is_same_decision(outcome, decision)
    return PolicyEvaluation(policy, facts, outcome, matches)


# --------------------------------------------------------------------------
# The bank's inbox
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InboxItem:
    """An application addressed to a bank, with its checks and its policy re-run."""

    view: ApplicationView
    checks: tuple[Check, Check, Check]
    records: tuple[VerifiedRecord, ...]
    facts: Mapping[str, FieldValue]
    """Empty without a data set."""
    evaluation: PolicyEvaluation | None
    """None without a data set or without a policy."""

    @property
    def is_awaiting_officer(self) -> bool:
        """True when only the bank's officer will decide it: undecided, and no policy will
        (no policy, or no consent left for the relay to carry)."""
        return is_awaiting_officer(self.view)


def is_awaiting_officer(view: ApplicationView) -> bool:
    """True for an undecided application that no policy will decide: it names none, or it
    has no consent the relay may still carry to it."""
    if view.loan.fields.get("status") != LOAN_SUBMITTED:
        return False
    carrying = view.consent is not None and view.consent.fields.get("status") == CONSENT_GRANTED
    return not (view.loan.fields.get("policy_id") and carrying)


def get_inbox_item(client: NodeClient, view: ApplicationView) -> InboxItem:
    """One application with its checks and its policy re-run on its data set."""
    if view.data_set is None:
        return InboxItem(view, get_checks(view, {}, ()), (), {}, None)
    data_set = view.data_set.fields
    records = get_data_set_records(data_set)
    trusted = fetch_trusted_sources(client, parse_sources(str(data_set.get("sources", ""))))
    facts = get_data_set_facts(data_set, records)
    evaluation = None
    policy_id = str(view.loan.fields.get("policy_id", ""))
    if policy_id:
        policy = fetch_policy(client, str(view.loan.fields.get("bank")), policy_id)
        if policy is not None:
            evaluation = evaluate_data_set(policy, view, facts)
    return InboxItem(view, get_checks(view, trusted, records), tuple(records), facts, evaluation)


def get_inbox(client: NodeClient, finance_chain: str, bank: str) -> list[InboxItem]:
    """The applications addressed to ``bank``, newest first, each with its checks."""
    return [
        get_inbox_item(client, view) for view in get_applications(client, finance_chain, bank=bank)
    ]


# --------------------------------------------------------------------------
# What a page shows after an action
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ActionOutcome:
    """What an action on a page came to: a message, or the error to show with its code."""

    message: str
    error: Exception | None = None


def perform(action: Callable[[], str]) -> ActionOutcome:
    """Run ``action`` (it returns what to tell the person); a refusal or a node that does not
    answer becomes the outcome's error (anything else is a bug and propagates)."""
    try:
        return ActionOutcome(action())
    except (ConsortiumError, NodeError) as error:
        return ActionOutcome("", error)
