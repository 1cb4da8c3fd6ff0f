"""Every benchmark still runs and prints its figures as one JSON object on the last line.

Figures are never asserted: the machine is shared and noisy. Only the shape is.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

EXPECTED_KEYS = {
    "bls": {"fast_ms", "py_ecc_ms", "speedup", "fast_ms_100"},
    "merkle": {"append_ratio", "prove_ratio", "verify_ratio"},
    "consensus": {
        f"{figure}_{n}"
        for figure in ("msgs_per_height", "rounds_per_height", "ms_per_height")
        for n in (4, 16, 64, 100)
    },
    "chain": {"tx_per_s", "latency_p50_ms", "latency_p99_ms", "validators", "rss_mb_max"},
    "invoices": {
        "issue_per_s",
        "verify_bundle_ms",
        "proof_ms_p50_1e6",
        "proof_ms_p99_1e6",
        "rss_mb_1e6",
        "build_1e6_s",
        "invoices",
    },
    "transfer": {
        "consent_to_decision_ms_p50",
        "consent_to_decision_ms_p99",
        "consent_to_decision_count",
        "proofs_verified_per_s",
        "proofs_per_transfer",
        "transfers_per_s",
    },
    "state": {
        "updates_per_s_1e5",
        "proofs_per_s_1e5",
        "verifies_per_s_1e5",
        "proof_bytes_1e6",
        "growth",
    },
}


@pytest.mark.parametrize("name", sorted(EXPECTED_KEYS))
def test_benchmark_prints_one_json_object_last(name: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench", name, "--quick"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert EXPECTED_KEYS[name] <= set(figures)
    for key in EXPECTED_KEYS[name]:
        assert isinstance(figures[key], int | float) and figures[key] > 0, (key, figures[key])
    if name == "invoices":
        _assert_invoice_figures_consistent(figures)
    if name == "transfer":
        _assert_transfer_figures_consistent(figures)


def _assert_invoice_figures_consistent(figures: dict) -> None:
    # Shape, not speed: the quick run built its store, and every issuance it offered landed.
    assert figures["quick"] is True and figures["invoices"] == 20_000
    assert figures["store_height"] == 1 + 20_000 // figures["block_txs"]  # registrations first
    assert figures["issued_committed"] == figures["issued_submitted"] > 0
    assert figures["results_checked"] > 0 and figures["results_failed"] == 0
    assert figures["proof_ms_p50_1e6"] <= figures["proof_ms_p99_1e6"]
    assert figures["node_height_after"] >= figures["store_height"]


def _assert_transfer_figures_consistent(figures: dict) -> None:
    # Every application was decided (by the policy, with its evidence), every transfer too.
    assert figures["quick"] is True and figures["consent_to_decision_count"] == 3
    decided = figures["consent_to_decision_approved"] + figures["consent_to_decision_rejected"]
    assert decided == figures["consent_to_decision_count"]
    assert figures["concurrent_approved"] + figures["concurrent_rejected"] == 2
    assert figures["consent_to_decision_ms_p50"] <= figures["consent_to_decision_ms_p99"]
    assert figures["consent_to_decision_ms_p99"] <= figures["consent_to_decision_ms_max"]
    verified = figures["transfers_approved"] + figures["transfers_rejected"]
    assert verified == figures["transfers_verified"] > 0
    assert figures["proofs_per_transfer"] == (
        figures["state_proofs_per_transfer"] + figures["field_proofs_per_transfer"]
    )
    assert figures["state_proofs_per_transfer"] == figures["records_per_transfer"] + 2


def test_unknown_benchmark_is_refused() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench", "no-such-bench"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode != 0
    assert "invalid choice" in result.stderr
