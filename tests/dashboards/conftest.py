"""A running consortium for the dashboard tests: three chains of four validators and the
relayer, seeded, with one consent already carried to a decision.

Started once per test session (about 20 s); every page test reads it through
``CONSORTIUM_DIR`` as the real dashboards do.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from chains.consortium import (
    FINANCE,
    Consortium,
    create_consortium,
    start_consortium,
    stop_consortium,
)
from chains.loan_story import Application, Outcome, apply_with_consent, wait_for_decision
from chains.runtime.client import NodeClient
from chains.seed import SeedPlan, compute_seed_plan, submit_seed_plan
from dashboards.common import ENV_DIR

APP_TIMEOUT_S = 60
PAGES_DIR = Path(__file__).resolve().parents[2] / "dashboards" / "pages"


def get_page(name: str) -> str:
    """The absolute path of dashboard page ``name`` (e.g. "overview.py")."""
    return str(PAGES_DIR / name)


@dataclass(frozen=True)
class DashboardWorld:
    """The running consortium and what the tests know happened on it."""

    consortium: Consortium
    plan: SeedPlan
    application: Application
    outcome: Outcome

    @property
    def enterprise(self) -> str:
        return self.application.enterprise

    @property
    def bank(self) -> str:
        return self.application.bank


@pytest.fixture(scope="session")
def world(tmp_path_factory) -> DashboardWorld:
    root = tmp_path_factory.mktemp("dashboards") / "consortium"
    consortium = create_consortium(root)
    previous = os.environ.get(ENV_DIR)
    try:
        start_consortium(root)
        plan = compute_seed_plan(2026, 2, consortium.get_public_keys())
        submit_seed_plan(consortium, plan)
        enterprise = next(e for e in plan.enterprises if not e.is_genesis_member)
        key = consortium.read_key(enterprise.uscc).key_pair
        application = apply_with_consent(
            consortium, plan, enterprise, key, f"LA-{enterprise.uscc}-dash-1", 300_000_00
        )
        with NodeClient(consortium.get_chain(FINANCE).addresses[0]) as client:
            outcome = wait_for_decision(client, application, timeout_s=60)
        os.environ[ENV_DIR] = str(root)
        yield DashboardWorld(consortium, plan, application, outcome)
    finally:
        if previous is None:
            os.environ.pop(ENV_DIR, None)
        else:
            os.environ[ENV_DIR] = previous
        stop_consortium(root)
