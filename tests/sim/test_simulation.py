"""The deterministic simulator: thousands of seeded scenarios, and proof that it can fail.

CI runs ``SEEDS_PER_FAMILY`` seeds of every family (over 2,000 scenarios) and
requires zero violations. Each deliberately injected bug must be caught
within the same budget. ``make sim SEEDS=N`` searches further.
"""

from __future__ import annotations

import os
from dataclasses import replace

import pytest

from chains.core.block import decode_block
from chains.core.consensus.validators import compute_validators_hash
from chains.core.consensus.votes import InjectedBug
from chains.sim.__main__ import main as sim_main
from chains.sim.scenario import FAMILIES, generate_scenario
from chains.sim.search import search
from chains.sim.simulator import Simulator, run_scenario

SEEDS_PER_FAMILY = 300
JOBS = max(1, min(2, os.cpu_count() or 1))


def test_every_family_runs_its_seeds_without_a_violation() -> None:
    report = search(FAMILIES, range(SEEDS_PER_FAMILY), jobs=JOBS)
    assert report.runs == len(FAMILIES) * SEEDS_PER_FAMILY >= 2000
    assert not report.failures, report.describe()
    # Progress after the heal is bounded in rounds (the run enforces 2n + 4).
    assert report.max_rounds_after_gst <= 2 * 7 + 4
    assert report.heights > 10 * report.runs  # the runs decide real work, not nothing


# Which families expose each bug, and what the caught violation may look like.
INJECTED = [
    (InjectedBug.SKIP_LOCK_CHECK, ("flip4", "lossy4"), ("agreement",)),
    (InjectedBug.COUNT_DUPLICATE_SIGNER, ("twins4", "crash4"), ("certificate", "agreement")),
    (
        InjectedBug.ACCEPT_WRONG_ROUND_VOTE,
        ("twins4", "crash4"),
        ("evidence against honest", "certificate", "agreement"),
    ),
]


@pytest.mark.parametrize(
    ("bug", "families", "kinds"), INJECTED, ids=[bug.value for bug, _, _ in INJECTED]
)
def test_each_injected_bug_is_caught_within_the_ci_budget(
    bug: InjectedBug, families: tuple[str, ...], kinds: tuple[str, ...]
) -> None:
    report = search(
        families, range(SEEDS_PER_FAMILY), frozenset({bug}), jobs=JOBS, stop_at_first=True
    )
    assert report.failures, f"{bug.value} survived {report.runs} scenarios"
    failure = report.failures[0]
    assert any(kind in failure.violations[0] for kind in kinds), failure.violations
    # The printed replay command reproduces it exactly.
    argv = failure.replay.split()[3:]  # drop "python -m chains.sim"
    argv.remove("--trace")
    assert sim_main(argv) == 1


def test_a_run_is_a_pure_function_of_its_scenario() -> None:
    scenario = generate_scenario("twins4", 7)
    first, second = run_scenario(scenario), run_scenario(scenario)
    assert (first.events, first.messages, first.decision_rounds, first.sim_time_ms) == (
        second.events,
        second.messages,
        second.decision_rounds,
        second.sim_time_ms,
    )


def test_a_failing_seed_prints_how_to_replay_it(capsys: pytest.CaptureFixture[str]) -> None:
    status = sim_main(
        ["--family", "crash4", "--seeds", "20", "--jobs", "1", "--bug", "count-duplicate-signer"]
    )
    output = capsys.readouterr().out
    assert status == 1
    assert "replay: python -m chains.sim --family crash4 --seed" in output
    assert "--bug count-duplicate-signer --trace" in output


@pytest.mark.parametrize("family", ["twins4", "equivocate4", "crash4", "valset4"])
def test_real_bls_scenarios_hold_every_invariant(family: str) -> None:
    """One suite on real BLS: signatures, aggregation and certificate checks through blst."""
    for seed in range(2):
        result = run_scenario(generate_scenario(family, seed, scheme="bls"))
        assert result.ok, result.violations
        assert result.heights >= 2


def test_validator_set_changes_take_effect_two_heights_later() -> None:
    """A power change decided at height 2 changes the signing set from height 4 on."""
    base = generate_scenario("valset4", 0)
    scenario = replace(base, power_changes=((2, 1, 3),), heights_after_gst=8)
    simulator = Simulator(scenario)
    result = simulator.run()
    assert result.ok, result.violations
    assert result.heights >= 6
    powers = {
        h: [v.voting_power for v in simulator.reference.get_set(h).validators] for h in range(1, 7)
    }
    assert powers[2] == powers[3] == [1, 1, 1, 1]
    assert powers[4] == powers[5] == powers[6] == [1, 3, 1, 1]
    # Every certificate was verified against the set of its own height by the run's checker;
    # the headers of heights 3 and 4 name the new set as next / current.
    headers = {h: decode_block(simulator.reference.values[h - 1].block).header for h in (3, 4)}
    new_hash = compute_validators_hash(simulator.reference.get_set(4))
    assert headers[3].next_validators_hash == new_hash == headers[4].validators_hash
