"""Run many seeded scenarios, in parallel worker processes, and collect failures."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from chains.core.consensus.votes import InjectedBug
from chains.sim.scenario import generate_scenario
from chains.sim.simulator import run_scenario


@dataclass(frozen=True)
class Failure:
    """One failing scenario: what broke and how to replay it."""

    family: str
    seed: int
    violations: tuple[str, ...]
    replay: str


@dataclass
class SearchReport:
    """The outcome of a seed search."""

    runs: int = 0
    failures: list[Failure] = field(default_factory=list)
    max_rounds_after_gst: int = 0
    heights: int = 0

    def describe(self) -> str:
        """A human summary, with a replay command for every failure."""
        lines = [
            f"{self.runs} scenarios, {len(self.failures)} with violations, "
            f"{self.heights} heights decided, at most {self.max_rounds_after_gst} rounds "
            "after the network healed"
        ]
        for failure in self.failures:
            lines.append(f"FAIL {failure.family} seed {failure.seed}: {failure.violations[0]}")
            lines.append(f"  replay: {failure.replay}")
        return "\n".join(lines)


def _run_one(job: tuple[str, int, frozenset[InjectedBug], str]) -> tuple:
    family, seed, bugs, scheme = job
    scenario = generate_scenario(family, seed, bugs, scheme)
    result = run_scenario(scenario)
    return (
        family,
        seed,
        tuple(result.violations),
        scenario.get_replay_command(),
        result.max_rounds_after_gst,
        result.heights,
    )


def search(
    families: Sequence[str],
    seeds: Iterable[int],
    bugs: frozenset[InjectedBug] = frozenset(),
    scheme: str = "mock",
    jobs: int = 1,
    stop_at_first: bool = False,
) -> SearchReport:
    """Run every (family, seed); ``jobs`` worker processes when above 1."""
    work = [(family, seed, bugs, scheme) for seed in seeds for family in families]
    report = SearchReport()

    def collect(outcome: tuple) -> bool:
        family, seed, violations, replay, rounds, heights = outcome
        report.runs += 1
        report.max_rounds_after_gst = max(report.max_rounds_after_gst, rounds)
        report.heights += heights
        if violations:
            report.failures.append(Failure(family, seed, violations, replay))
            return stop_at_first
        return False

    if jobs <= 1:
        for job in work:
            if collect(_run_one(job)):
                break
        return report
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for outcome in pool.map(_run_one, work, chunksize=16):
            if collect(outcome):
                break
    return report
