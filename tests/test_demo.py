"""``make demo`` walks through every building block, then runs the consortium: every check comes
out as expected, and the e-invoice is reimbursed exactly once."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from typer.testing import CliRunner

from chains.apps.bundle import BundleReport
from chains.cli import app
from chains.core.errors import ErrorCode, refuse
from chains.demo import DEMO_INVOICE, Check, get_steps, render_check, run_demo


@pytest.fixture(scope="module")
def steps():
    """The walkthrough, built once: its last step runs the three chains (12 processes)."""
    return get_steps()


def test_every_step_is_there_and_every_check_comes_out_as_expected(steps) -> None:
    assert len(steps) == 7
    for step in steps:
        accepted = [c for c in step.checks if c.expect is ErrorCode.ERROR_CODE_UNSPECIFIED]
        refused = [c for c in step.checks if c.expect is not ErrorCode.ERROR_CODE_UNSPECIFIED]
        assert accepted and refused, f"{step.title} needs a proof and a forgery"
        for check in step.checks:
            assert check.as_expected, (step.title, check.what, check.verdict)


def test_the_validators_decide_blocks_whose_certificates_verify_alone(steps) -> None:
    step = steps[3]
    assert "decide a block" in step.title
    assert step.table.row_count >= 3  # one row per decided height
    assert [check.expect for check in step.checks] == [
        ErrorCode.ERROR_CODE_UNSPECIFIED,
        ErrorCode.WRONG_HEIGHT,
        ErrorCode.BLOCK_HASH_MISMATCH,
        ErrorCode.INSUFFICIENT_VOTING_POWER,
        ErrorCode.BAD_SIGNATURE,
        ErrorCode.WRONG_CHAIN_ID,
        ErrorCode.DOUBLE_SIGN_REFUSED,
    ]
    for check in step.checks:
        assert check.verdict.code is check.expect, (check.what, check.verdict)


def test_the_walkthrough_prints_each_part_readably(steps) -> None:
    out = io.StringIO()
    assert run_demo(Console(file=out, width=120, color_system=None), steps)
    text = out.getvalue()
    for words in (
        "proof of possession",
        "RFC 6962",
        "non-membership",
        "precommit",
        "certificate verifies alone",
        "Byzantine twin",
        "disclosed field by field",
        "STATE_KEY_PRESENT",
        "DOUBLE_SIGN_REFUSED",
        "RECORD_COMMITMENT_MISMATCH",
        "· hidden ·",
        "WRONG_CHAIN_ID",
        "Twelve validator processes",
        "tax-1",
        "industry-1",
        "finance-1",
        "INVOICE_ALREADY_REIMBURSED",
        "BUNDLE_ANCHOR_MISMATCH",
        f"authentic: invoice {DEMO_INVOICE} is committed on chain tax-1",
        "the trusted genesis set",
        "signs ONE consent",
        "CONSENT_EXPIRED",
        "NOT_RECORD_OWNER",
        "CONSENT_USED",
        "registered policy",
        "tax.vat_paid_total",
    ):
        assert words in text
    assert "UNEXPECTED" not in text


def test_the_consortium_reimburses_the_invoice_exactly_once_and_proves_it_offline(
    steps,
) -> None:
    step = steps[5]
    assert "three chains" in step.title
    facts = step.facts
    # Issued, reimbursed once; the second reimbursement is committed as a failing result.
    assert facts["results"] == [
        ErrorCode.ERROR_CODE_UNSPECIFIED,
        ErrorCode.ERROR_CODE_UNSPECIFIED,
        ErrorCode.INVOICE_ALREADY_REIMBURSED,
    ]
    assert [check.expect for check in step.checks] == [
        ErrorCode.ERROR_CODE_UNSPECIFIED,
        ErrorCode.ERROR_CODE_UNSPECIFIED,
        ErrorCode.INVOICE_ALREADY_REIMBURSED,
        ErrorCode.ERROR_CODE_UNSPECIFIED,
        ErrorCode.ERROR_CODE_UNSPECIFIED,
        ErrorCode.RECORD_COMMITMENT_MISMATCH,
        ErrorCode.BUNDLE_ANCHOR_MISMATCH,
    ]
    for check in step.checks:
        assert check.verdict.code is check.expect, (check.what, check.verdict)
    # The bundle verified against the tax chain's genesis set says who reimbursed it.
    report: BundleReport = facts["bundle"]
    assert report.ok and report.anchored and report.chain_id == "tax-1"
    assert report.record_id == DEMO_INVOICE == facts["invoice"]
    assert report.fields["status"] == "reimbursed"
    assert report.fields["reimbursed_by"] == facts["buyer"] == report.fields["holder"]
    assert report.fields["seller"] == facts["seller"]
    assert report.fields["reimbursement_ref"] == "EXP-2026-0417"  # the first claim, not the second
    assert 3 * report.signed_power > 2 * report.total_power
    # All three chains ran with four validators each and committed the seed.
    assert facts["nodes_up"] == {"tax-1": 4, "industry-1": 4, "finance-1": 4}
    assert all(height > 1 for height in facts["heights"].values())
    assert facts["heights"]["tax-1"] >= report.height
    assert step.table.row_count == 3
    assert facts["seed_txs"] > 300


def test_one_consent_carries_the_application_to_a_decision_on_verified_data(steps) -> None:
    step = steps[6]
    assert "One consent" in step.title
    assert [check.expect for check in step.checks] == [
        ErrorCode.ERROR_CODE_UNSPECIFIED,
        ErrorCode.CONSENT_EXPIRED,
        ErrorCode.NOT_RECORD_OWNER,
        ErrorCode.RECORD_COMMITMENT_MISMATCH,
        ErrorCode.ERROR_CODE_UNSPECIFIED,
        ErrorCode.ERROR_CODE_UNSPECIFIED,
        ErrorCode.CONSENT_USED,
        ErrorCode.ERROR_CODE_UNSPECIFIED,
        ErrorCode.RECORD_COMMITMENT_MISMATCH,
    ]
    for check in step.checks:
        assert check.verdict.code is check.expect, (check.what, check.verdict)
    facts = step.facts
    decision, data_set = facts["decision"], facts["data_set"]
    # Decided by the bank's policy, on the data set the transfer proved, under the consent.
    assert decision["decided_by"] == "policy"
    assert decision["application_id"] == facts["application_id"]
    assert decision["data_set_id"] == data_set["data_set_id"]
    assert decision["consent_id"] == data_set["consent_id"]
    assert facts["records"] == facts["consented"] == data_set["record_count"] > 0
    # The chain's decision is the one the policy gives on the same facts, recomputed here.
    evaluation = facts["evaluation"]
    assert (decision["outcome"] == "approved") == evaluation.approved
    assert decision["amount"] == evaluation.amount
    assert step.table.row_count == facts["records"]


def test_an_unexpected_outcome_is_shown_and_fails_the_demo() -> None:
    check = Check("a forgery", refuse(ErrorCode.BAD_SIGNATURE, "no"), ErrorCode.MERKLE_TREE_SIZE)
    assert not check.as_expected
    assert "UNEXPECTED" in render_check(check)


def test_consortium_demo_command_exits_zero() -> None:
    result = CliRunner().invoke(app, ["demo", "--exit"])
    assert result.exit_code == 0, result.output
    assert "Every proof verified" in result.output
    assert "INVOICE_ALREADY_REIMBURSED" in result.output
    assert "UNEXPECTED" not in result.output


def test_a_kept_demo_waits_until_interrupted_then_returns() -> None:
    import os
    import signal
    import threading

    from chains.cli import _wait_for_interrupt

    for signum in (signal.SIGINT, signal.SIGTERM):
        before = signal.getsignal(signum)
        threading.Timer(0.2, lambda s=signum: os.kill(os.getpid(), s)).start()
        _wait_for_interrupt()  # returns instead of ending the process
        assert signal.getsignal(signum) is before
