"""``make demo`` walks through every building block, and every check comes out as expected."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from typer.testing import CliRunner

from chains.cli import app
from chains.core.errors import ErrorCode, refuse
from chains.demo import Check, get_steps, render_check, run_demo


@pytest.fixture(scope="module")
def steps():
    """The walkthrough, built once: its last step runs a 4-process chain."""
    return get_steps()


def test_every_step_is_there_and_every_check_comes_out_as_expected(steps) -> None:
    assert len(steps) == 6
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
        "four validator processes",
        "WRONG_CHAIN_ID",
    ):
        assert words in text
    assert "UNEXPECTED" not in text


def test_an_unexpected_outcome_is_shown_and_fails_the_demo() -> None:
    check = Check("a forgery", refuse(ErrorCode.BAD_SIGNATURE, "no"), ErrorCode.MERKLE_TREE_SIZE)
    assert not check.as_expected
    assert "UNEXPECTED" in render_check(check)


def test_consortium_demo_command_exits_zero() -> None:
    result = CliRunner().invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    assert "Every proof verified" in result.output
