"""Step 7 of ``make demo``: one consent, one verified transfer, one loan decision.

On the running consortium of step 6, a seeded enterprise applies to its
bank and signs one consent over its own records on the tax and industry
chains. The source nodes refuse to disclose under a consent that is expired
or names another enterprise's record. A dishonest relay alters one disclosed
value: the finance chain refuses its transfer and records nothing. The
relayer process then carries the honest disclosure; the finance chain
verifies every header, proof and the consent itself, records the data set,
and the bank's registered policy decides. A replay of that transfer is
refused, and the decision's audit bundle is re-checked offline. Every step is
shown with what it proves.
"""

from __future__ import annotations

import json
import time

from rich.table import Table

from chains.apps.audit import describe_audit, fetch_audit_bundle, verify_audit_bundle
from chains.apps.bundle import fetch_verified_record
from chains.consortium import FINANCE, TAX, Consortium
from chains.core.errors import ACCEPTED, ErrorCode, Verdict, refuse
from chains.core.records import decode_field_value, encode_field_value
from chains.demo import Check, Step, _table, _yuan
from chains.finance.app import KIND_DECISION, KIND_LOAN, TX_APPLY_FOR_LOAN
from chains.finance.facts import compute_facts, describe_facts
from chains.finance.policy import evaluate_policy, get_credit_policy
from chains.finance.relay_rules import TX_TRANSFER, decode_data_set_records
from chains.loan_story import (
    CONSENT_TTL_MS,
    Application,
    apply_with_consent,
    get_enterprise_records,
    make_consent,
    pick_story_enterprise,
    wait_for_decision,
)
from chains.runtime.client import NodeClient, NodeError
from chains.runtime.genesis import read_genesis
from chains.seed import POLICIES, SeedPlan, get_policy_payload
from consortium.v1 import chain_pb2, finance_pb2
from relay.consent import decode_signed_consent, make_signed_consent
from relay.daemon import (
    RELAY_ORGANISATION,
    get_relayer_config,
    start_relayer_process,
    stop_relayer,
)
from relay.relayer import Packet, Relayer
from relay.transfer import VerifiedRecord

LOAN_AMOUNT_FEN = 2_000_000_00
"""What the demo's enterprise asks for: 2 million yuan."""


def _verdict_of(response) -> Verdict:
    if response.code == 0:
        return ACCEPTED
    return refuse(ErrorCode(response.code), response.message)


def _refusal(action) -> Verdict:
    try:
        action()
    except NodeError as error:
        return error.to_verdict()
    return ACCEPTED


def _packet_of(application: Application, height: int) -> Packet:
    return Packet(
        record_id=f"{application.enterprise}:{application.consent_id}",
        consent_id=application.consent_id,
        enterprise=application.enterprise,
        bank=application.bank,
        application_id=application.application_id,
        signed_consent=application.signed_consent.hex(),
        seen_height=height,
        seen_time_ms=0,
    )


def _alter_one_payment(transfer: finance_pb2.RelayTransfer) -> tuple[str, int]:
    """Multiply the first disclosed ``tax_paid`` by ten, in place; what was altered."""
    for record in transfer.transfer.records:
        for disclosed in record.disclosure.fields:
            if disclosed.name == "tax_paid":
                value = decode_field_value(disclosed.value)
                disclosed.value = encode_field_value(int(value) * 10)
                return record.id, int(value)
    raise AssertionError("the consent discloses no tax payment")


def _wait_for_application(client: NodeClient, application_id: str) -> None:
    deadline = time.monotonic() + 30
    while fetch_verified_record(client, KIND_LOAN, application_id) is None:
        if time.monotonic() > deadline:
            raise TimeoutError(f"application {application_id} was not committed")
        time.sleep(0.05)


def run_loan_step(consortium: Consortium, plan: SeedPlan) -> Step:
    """Step 7 on a running, seeded consortium (module docs)."""
    root = consortium.root
    enterprise = pick_story_enterprise(plan)
    key = consortium.read_key(enterprise.uscc).key_pair
    records = get_enterprise_records(consortium, plan, enterprise.uscc)
    finance = consortium.get_chain(FINANCE)
    tax = consortium.get_chain(TAX)
    application_id = f"LA-{enterprise.uscc}-2026-02"
    checks: list[Check] = []
    chains = sorted({record.chain_id for record in records})
    # The relayer waits while a dishonest relay tries its luck first.
    stop_relayer(root)
    relay_key = consortium.read_key(RELAY_ORGANISATION).key_pair
    dishonest = Relayer(get_relayer_config(consortium), relay_key)
    try:
        application = apply_with_consent(
            consortium, plan, enterprise, key, application_id, LOAN_AMOUNT_FEN
        )
        with NodeClient(finance.addresses[0]) as client:
            _wait_for_application(client, application_id)
        checks.append(
            Check(
                f"{enterprise.name} applies to {enterprise.house_bank} for "
                f"{_yuan(LOAN_AMOUNT_FEN)} and signs ONE consent: {len(records)} of its records "
                f"on {' and '.join(chains)}, only the fields a lender needs, for 24 hours, "
                f"for this application only ({TX_APPLY_FOR_LOAN}, committed)",
                ACCEPTED,
            )
        )
        now_ms = int(time.time() * 1000)
        with NodeClient(tax.addresses[0]) as tax_client:
            expired = make_consent(
                "demo-expired",
                enterprise.uscc,
                enterprise.house_bank,
                finance.chain_id,
                application_id,
                records,
                now_ms - CONSENT_TTL_MS - 1,
                ttl_ms=CONSENT_TTL_MS,
            )
            checks.append(
                Check(
                    "a tax node asked to disclose under an expired consent",
                    _refusal(
                        lambda: tax_client.disclose_records(make_signed_consent(key, expired))
                    ),
                    ErrorCode.CONSENT_EXPIRED,
                )
            )
            neighbour = next(
                e for e in plan.enterprises if e.uscc != enterprise.uscc and not e.is_genesis_member
            )
            stolen = [
                r
                for r in get_enterprise_records(consortium, plan, neighbour.uscc)
                if r.kind == "filing"
            ][:1]
            greedy = make_consent(
                "demo-greedy",
                enterprise.uscc,
                enterprise.house_bank,
                finance.chain_id,
                application_id,
                stolen,
                now_ms - 60_000,
            )
            checks.append(
                Check(
                    f"a consent by {enterprise.name} naming {neighbour.name}'s tax filing",
                    _refusal(lambda: tax_client.disclose_records(make_signed_consent(key, greedy))),
                    ErrorCode.NOT_RECORD_OWNER,
                )
            )
        signed = decode_signed_consent(application.signed_consent)
        transfer = dishonest.build_transfer(signed, _packet_of(application, 0))
        proofs = len(transfer.transfer.records)
        fields = sum(len(r.disclosure.fields) for r in transfer.transfer.records)
        altered_record, paid = _alter_one_payment(transfer)
        forged = dishonest.send(TX_TRANSFER, transfer)
        checks.append(
            Check(
                f"a dishonest relay carries the disclosure but multiplies one tax payment by ten "
                f"({altered_record}: {_yuan(paid)} → {_yuan(paid * 10)}): the finance chain "
                f"refuses the transfer and records nothing (height {forged.height})",
                _verdict_of(forged),
                ErrorCode.RECORD_COMMITMENT_MISMATCH,
            )
        )
    finally:
        dishonest.close()
        start_relayer_process(root)
    with NodeClient(finance.addresses[0]) as client:
        outcome = wait_for_decision(client, application, timeout_s=60)
        data_set = outcome.data_set.fields
        transfer_tx = client.get_transaction(bytes(data_set["transfer_tx"]))
        audit = fetch_audit_bundle(client, str(outcome.decision.fields["decision_id"]))
    decision = outcome.decision.fields
    checks.append(
        Check(
            f"the relayer's transfer, verified by the finance chain's validators themselves: "
            f"{len(str(data_set['sources']).split())} source headers, each certified by more "
            f"than 2/3 of its chain's validators (BLS) and followed from genesis by the light "
            f"clients; {proofs} record heads proven in those state roots; {fields} disclosed "
            f"fields proven against their commitments; the consent's key proven to be "
            f"{enterprise.name}'s in the tax chain's registry; consent unrevoked and unused "
            f"(data set {data_set['data_set_id']}, height {data_set['verified_height']})",
            _verdict_of(transfer_tx),
        )
    )
    outcome_text = (
        f"approved {_yuan(int(decision['amount']))} at {int(decision['rate_bp']) / 100:g} %"
        if decision["outcome"] == "approved"
        else f"rejected: {decision['reasons']}"
    )
    checks.append(
        Check(
            f"{enterprise.house_bank}'s registered policy, evaluated by the chain on the verified "
            f"facts: {outcome_text} (decision {decision['decision_id']}, committed with consent "
            f"{decision['consent_id']} and data set {decision['data_set_id']})",
            ACCEPTED if decision["decided_by"] == "policy" else refuse(ErrorCode.NOT_FOUND, "?"),
        )
    )
    replay = chain_pb2.SignedTransaction.FromString(transfer_tx.tx)
    replayed_payload = finance_pb2.RelayTransfer.FromString(
        chain_pb2.TransactionBody.FromString(replay.body).payload
    )
    again = Relayer(get_relayer_config(consortium), relay_key)
    try:
        replayed = again.send(TX_TRANSFER, replayed_payload)
    finally:
        again.close()
    checks.append(
        Check(
            "the same transfer submitted again",
            _verdict_of(replayed),
            ErrorCode.CONSENT_USED,
        )
    )
    finance_genesis = read_genesis(finance.genesis_path)
    audit_text = json.dumps(audit)
    report = verify_audit_bundle(json.loads(audit_text), finance_genesis)
    checks.append(
        Check(
            f"the decision's audit bundle ({len(audit_text):,} bytes of JSON: the records, the "
            "transfer transaction, the light clients' trusted headers, each proven) re-checked "
            "offline by an auditor with only the finance chain's genesis: the transfer "
            "re-verified and the policy re-evaluated give the same decision",
            report.verdict,
        )
    )
    inflated = json.loads(audit_text)
    for item in inflated["records"][KIND_DECISION]["fields"]["disclosed"]:
        if item["name"] == "amount":
            item["value"] = encode_field_value(int(decision["amount"]) * 10 + 1).hex()
    checks.append(
        Check(
            "the same audit bundle with the approved amount inflated",
            verify_audit_bundle(inflated, finance_genesis).verdict,
            ErrorCode.RECORD_COMMITMENT_MISMATCH,
        )
    )
    verified = decode_data_set_records(data_set["records"])
    facts = compute_facts(verified, int(data_set["verified_time_ms"]))
    terms = POLICIES[enterprise.house_bank]
    policy = get_credit_policy(enterprise.house_bank, get_policy_payload(terms))
    evaluation = evaluate_policy(policy, facts, LOAN_AMOUNT_FEN)
    return Step(
        "7. One consent, one verified transfer, one loan decision",
        "The reason the consortium exists. The enterprise signs one consent; the relay is a "
        "courier trusted for nothing: the source nodes check the consent before they disclose, "
        "and the finance chain checks everything the relay brings (headers, certificates, "
        "proofs, the consent, its owner) against light clients of the tax and industry chains "
        "kept in its own state. Then the bank's policy decides on the facts, on chain.",
        _data_set_table(verified),
        checks,
        notes=[
            "What the audit bundle proves, checked offline (its records: the table above):",
            *(f"  {line}" for line in describe_audit(report) if not line.startswith("  ")),
            "Facts the policy read (computed by the finance chain from the proven fields):",
            *(f"  {name} = {text}" for name, text in describe_facts(facts)),
            f"Policy {policy.policy_id}:",
            *(
                f"  {'✓' if check.holds else '✗'} {check.rule.field} {check.rule.op} "
                f"{check.rule.value!r}" + ("" if check.holds else f": {check.reason}")
                for check in evaluation.checks
            ),
        ],
        facts={
            "enterprise": enterprise.uscc,
            "application_id": application_id,
            "decision": dict(decision),
            "data_set": {k: v for k, v in data_set.items() if k != "records"},
            "records": len(verified),
            "consented": len(records),
            "evaluation": evaluation,
        },
    )


def _data_set_table(records: list[VerifiedRecord]) -> Table:
    table = _table("chain", "height", "record", "disclosed fields (proven)")
    for record in records:
        shown = ", ".join(
            f"{name}={value}" for name, value in record.fields.items() if name != "enterprise"
        )
        table.add_row(
            record.chain_id,
            str(record.height),
            f"{record.kind} {record.record_id}",
            shown if len(shown) <= 80 else shown[:77] + "…",
        )
    return table
