"""``python -m chains.sim``: search seeds for invariant violations, or replay one seed.

Examples::

    python -m chains.sim --seeds 5000 --jobs 2          # every family, seeds 0..4999
    python -m chains.sim --family twins4 --seed 17 --trace
    python -m chains.sim --family flip4 --seeds 300 --bug skip-lock-check
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from chains.core.consensus.votes import InjectedBug
from chains.sim.scenario import FAMILIES, generate_scenario
from chains.sim.search import search
from chains.sim.simulator import run_scenario


def main(argv: list[str] | None = None) -> int:
    """Run the command line; exit status 1 when any scenario violated an invariant."""
    parser = argparse.ArgumentParser(
        prog="python -m chains.sim",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--family",
        action="append",
        choices=FAMILIES,
        help="scenario family (repeatable; default: all)",
    )
    parser.add_argument("--seed", type=int, help="run this one seed")
    parser.add_argument("--seeds", type=int, default=200, help="seeds per family (default 200)")
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument(
        "--bug",
        action="append",
        default=[],
        choices=[bug.value for bug in InjectedBug],
        help="inject a deliberate bug (to see the simulator catch it)",
    )
    parser.add_argument("--bls", action="store_true", help="real BLS instead of the mock")
    parser.add_argument("--trace", action="store_true", help="print every event (one seed)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    families = args.family or list(FAMILIES)
    bugs = frozenset(InjectedBug(value) for value in args.bug)
    scheme = "bls" if args.bls else "mock"
    if args.seed is not None:
        status = 0
        for family in families:
            scenario = generate_scenario(family, args.seed, bugs, scheme)
            print(scenario)
            result = run_scenario(scenario, trace=print if args.trace else None)
            print(
                f"{family} seed {args.seed}: {result.heights} heights, "
                f"{result.events} events, {result.messages} messages"
            )
            for violation in result.violations:
                print(f"VIOLATION: {violation}")
                status = 1
        return status
    started = time.monotonic()
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    report = search(families, seeds, bugs, scheme, jobs=args.jobs)
    print(report.describe())
    print(f"{time.monotonic() - started:.1f} s")
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
