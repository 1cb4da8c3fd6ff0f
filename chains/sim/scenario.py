"""Seeded scenarios: who is Byzantine, how the network misbehaves, who crashes.

A scenario is a pure function of (family, seed), so a failing seed replays
exactly. Families:

- ``twins4``: n = 4, one validator's key run by two nodes (Twins), partitions,
  drops, duplicates, and sometimes an honest crash.
- ``equivocate4``: n = 4, one proposer that sends different proposals (some
  invalid) and conflicting votes to different peers.
- ``crash4``: n = 4, all honest, crashes and restarts with partitions and drops.
- ``valset4``: n = 4 with voting-power changes that take effect two heights later.
- ``n7``: n = 7 with two Byzantine keys (a twin and an equivocator), partitions,
  drops and a crash.
- ``lossy4``: n = 4, sometimes with a twin, a long unstable period with heavy,
  one-directional message loss, so that some nodes decide while others time
  out and move on: the case that locks exist for.
- ``calm``: no faults at all (used by the benchmark), any n.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from chains.core.consensus.votes import InjectedBug

FAMILIES = ("twins4", "flip4", "equivocate4", "crash4", "valset4", "n7", "lossy4")


@dataclass(frozen=True)
class Scenario:
    """Everything one simulation run depends on."""

    family: str
    seed: int
    n: int
    powers: tuple[int, ...]
    twins: tuple[int, ...] = ()  # validator indices whose key a second node also runs
    equivocators: tuple[int, ...] = ()  # validator indices whose node equivocates
    gst_ms: int = 0  # global stabilisation time: after it, no drops, no partitions
    max_delay_ms: int = 100  # message delay bound before GST
    delta_ms: int = 100  # message delay bound after GST
    drop: float = 0.0  # drop probability before GST
    precommit_drop: float = 0.0  # extra drop probability of precommits before GST
    duplicate: float = 0.0  # probability that a message is delivered twice
    partitions: tuple[tuple[int, int, tuple[frozenset[int], ...]], ...] = ()
    crashes: tuple[tuple[int, int, int], ...] = ()  # (node, crash at, restart at)
    power_changes: tuple[tuple[int, int, int], ...] = ()  # (height, validator, new power)
    heights_after_gst: int = 2
    bugs: frozenset[InjectedBug] = field(default_factory=frozenset)
    scheme: str = "mock"

    @property
    def node_count(self) -> int:
        """Validators plus the extra twin nodes."""
        return self.n + len(self.twins)

    def get_key_index(self, node: int) -> int:
        """The validator index whose key ``node`` holds."""
        return node if node < self.n else self.twins[node - self.n]

    def is_honest(self, node: int) -> bool:
        """Honest nodes are checked by the invariants; twins and equivocators are not."""
        key = self.get_key_index(node)
        return key not in self.twins and key not in self.equivocators

    def get_replay_command(self) -> str:
        """How to run exactly this scenario again, with a trace."""
        bugs = "".join(f" --bug {bug.value}" for bug in sorted(self.bugs, key=lambda b: b.value))
        scheme = " --bls" if self.scheme == "bls" else ""
        where = f"--family {self.family} --seed {self.seed}"
        return f"python -m chains.sim {where}{bugs}{scheme} --trace"


def _random_partitions(
    rng: random.Random,
    nodes: int,
    gst_ms: int,
    n: int,
    twins: tuple[int, ...],
    lengths: tuple[int, int] = (300, 4000),
    gaps: tuple[int, int] = (0, 1500),
    twins_apart: float = 0.7,
) -> tuple[tuple[int, int, tuple[frozenset[int], ...]], ...]:
    windows = []
    start = rng.randint(0, 500)
    while start < gst_ms:
        length = rng.randint(*lengths)
        ids = list(range(nodes))
        rng.shuffle(ids)
        if twins and rng.random() < twins_apart:
            # Twins style: each copy of the shared key talks to a different part.
            copy = n  # the first twin copy
            original = twins[0]
            others = [i for i in ids if i not in (copy, original)]
            cut = rng.randint(1, len(others) - 1)
            groups = (
                frozenset([original, *others[:cut]]),
                frozenset([copy, *others[cut:]]),
            )
        else:
            parts = rng.choice((2, 2, 3))
            cuts = sorted(rng.sample(range(1, nodes), parts - 1))
            bounds = [0, *cuts, nodes]
            groups = tuple(frozenset(ids[a:b]) for a, b in zip(bounds, bounds[1:], strict=False))
        if gaps[1] == 0 or rng.random() < 0.8:
            windows.append((start, min(start + length, gst_ms), groups))
        start += length + rng.randint(*gaps)
    return tuple(windows)


def _choose_delay(rng: random.Random, family: str) -> int:
    if family == "flip4":
        return rng.choice((20, 50, 80))
    if family == "lossy4":
        return rng.choice((50, 300))
    return rng.choice((50, 300, 1000, 3000))


def generate_scenario(
    family: str, seed: int, bugs: frozenset[InjectedBug] = frozenset(), scheme: str = "mock"
) -> Scenario:
    """The scenario of ``family`` for ``seed`` (deterministic)."""
    rng = random.Random(f"{family}:{seed}")
    n = 7 if family == "n7" else 4
    powers = tuple([1] * n)
    twins: tuple[int, ...] = ()
    equivocators: tuple[int, ...] = ()
    if family in ("twins4", "flip4"):
        twins = (rng.randrange(n),)
    elif family == "equivocate4":
        equivocators = (rng.randrange(n),)
    elif family == "n7":
        first, second = rng.sample(range(n), 2)
        twins, equivocators = (first,), (second,)
    elif family == "lossy4":
        twins = (rng.randrange(n),) if rng.random() < 0.5 else ()
    elif family not in ("crash4", "valset4"):
        raise ValueError(f"unknown scenario family {family!r}; known: {', '.join(FAMILIES)}")
    if family in ("lossy4", "flip4"):
        gst_ms = rng.randint(40_000, 80_000)
    else:
        gst_ms = rng.randint(2000, 25000)
    nodes = n + len(twins)
    if family == "flip4":
        # Twins that flip sides every few hundred milliseconds, round after round.
        partitions = _random_partitions(rng, nodes, gst_ms, n, twins, (150, 1200), (0, 0), 1.0)
    else:
        partitions = _random_partitions(rng, nodes, gst_ms, n, twins)
    honest = [i for i in range(n) if i not in twins and i not in equivocators]
    crashes: list[tuple[int, int, int]] = []
    crash_chance = {
        "crash4": 0.9,
        "twins4": 0.3,
        "equivocate4": 0.3,
        "valset4": 0.3,
        "n7": 0.4,
        "lossy4": 0.2,
        "flip4": 0.0,
    }
    if rng.random() < crash_chance[family]:
        victims = rng.sample(honest, 2 if family == "crash4" and rng.random() < 0.3 else 1)
        for victim in victims:
            at = rng.randint(0, gst_ms)
            crashes.append((victim, at, rng.randint(at + 1, gst_ms + 1)))
    power_changes: tuple[tuple[int, int, int], ...] = ()
    if family == "valset4":
        raised = rng.sample(honest, rng.randint(1, 2))
        power_changes = tuple((rng.randint(1, 4), index, rng.randint(2, 3)) for index in raised)
    return Scenario(
        family=family,
        seed=seed,
        n=n,
        powers=powers,
        twins=twins,
        equivocators=equivocators,
        gst_ms=gst_ms,
        max_delay_ms=_choose_delay(rng, family),
        delta_ms=100,
        drop=0.0 if family == "flip4" else rng.choice((0.0, 0.05, 0.2, 0.4)),
        precommit_drop=rng.choice((0.4, 0.6, 0.8)) if family == "lossy4" else 0.0,
        duplicate=rng.choice((0.0, 0.05, 0.2)),
        partitions=partitions,
        crashes=tuple(crashes),
        power_changes=power_changes,
        heights_after_gst=2,
        bugs=bugs,
        scheme=scheme,
    )


def generate_calm_scenario(n: int, heights: int, scheme: str = "mock") -> Scenario:
    """A fault-free network of ``n`` equal validators (for the benchmark)."""
    return Scenario(
        family="calm",
        seed=0,
        n=n,
        powers=tuple([1] * n),
        gst_ms=0,
        delta_ms=20,
        heights_after_gst=heights,
        scheme=scheme,
    )
