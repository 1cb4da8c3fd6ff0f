"""Consensus benchmark: messages, rounds and core CPU time per height, n = 4 to 100.

Each size runs the deterministic simulator on a calm network (no faults,
delays of 1–20 ms) for a few heights. Figures per height:

- ``msgs_per_height_N``: messages sent over the simulated network (proposals
  and votes; Tendermint's all-to-all voting makes this about 2·n²);
- ``rounds_per_height_N``: rounds needed (1.0 means every height decided in round 0);
- ``ms_per_height_N``: CPU time one node spends inside the pure core
  (``apply``) per height, the median over the nodes, with real BLS (blst)
  signatures for n = 4 and 16 and the simulator's mock signatures for 64 and
  100 (``scheme_N`` says which; real BLS at those sizes would measure only
  signature checks: one node verifies about 2·n votes a height);
- ``ms_per_height_mock_N``: the same with mock signatures, for every n, so the
  core's own cost and the signatures' can be told apart.

Run: ``python -m bench consensus``.
"""

from __future__ import annotations

import statistics

from chains.sim.scenario import generate_calm_scenario
from chains.sim.simulator import run_scenario

SIZES = (4, 16, 64, 100)
REAL_BLS_SIZES = (4, 16)


def measure(n: int, heights: int, scheme: str) -> dict[str, float]:
    """Run ``heights`` calm heights with ``n`` validators and return per-height figures."""
    result = run_scenario(generate_calm_scenario(n, heights, scheme), measure_core=True)
    if result.violations:
        raise RuntimeError(f"n={n}: {result.violations[0]}")
    decided = len(result.decision_rounds)
    per_node_ms = [seconds * 1000 / decided for seconds in result.core_seconds.values()]
    return {
        "msgs": result.messages / decided,
        "rounds": statistics.mean(r + 1 for r in result.decision_rounds),
        "ms": statistics.median(per_node_ms),
    }


def run(quick: bool = False) -> dict[str, object]:
    """All sizes; ``quick`` uses fewer heights (for the smoke test)."""
    figures: dict[str, object] = {}
    for n in SIZES:
        heights = 2 if quick else (6 if n <= 16 else 3)
        mock = measure(n, heights, "mock")
        figures[f"msgs_per_height_{n}"] = round(mock["msgs"], 1)
        figures[f"rounds_per_height_{n}"] = round(mock["rounds"], 3)
        figures[f"ms_per_height_mock_{n}"] = round(mock["ms"], 3)
        if n in REAL_BLS_SIZES:
            real = measure(n, heights, "bls")
            figures[f"ms_per_height_{n}"] = round(real["ms"], 3)
            figures[f"scheme_{n}"] = "bls"
        else:
            figures[f"ms_per_height_{n}"] = round(mock["ms"], 3)
            figures[f"scheme_{n}"] = "mock"
        print(
            f"n={n}: {figures[f'msgs_per_height_{n}']} msgs, "
            f"{figures[f'rounds_per_height_{n}']} rounds, "
            f"{figures[f'ms_per_height_{n}']} ms/height ({figures[f'scheme_{n}']})",
            flush=True,
        )
    return figures
