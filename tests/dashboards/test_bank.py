"""The Bank page against a running consortium (Streamlit AppTest): the inbox with its
checks and the policy re-run, and decisions by hand."""

from __future__ import annotations

import time

from streamlit.testing.v1 import AppTest

from chains import loan_story
from chains.consortium import FINANCE
from chains.runtime.client import NodeClient
from dashboards import loans
from dashboards.data import get_application
from tests.dashboards.conftest import APP_TIMEOUT_S, get_page

PAGE = get_page("bank.py")
DEADLINE_S = 60
CHECKS = (loans.CHECK_HEADERS, loans.CHECK_RECORDS, loans.CHECK_CONSENT)


def open_page(world) -> AppTest:
    """The page, run once, acting for the world's bank."""
    app = AppTest.from_file(PAGE, default_timeout=APP_TIMEOUT_S)
    app.session_state["bank_pick"] = world.bank
    app.run()
    assert not app.exception, app.exception
    return app


def get_row(app: AppTest, application_id: str) -> dict | None:
    """The inbox row of ``application_id`` (None: not listed)."""
    table = app.dataframe[0].value
    rows = table[table["application"] == application_id]
    return None if rows.empty else rows.iloc[0].to_dict()


def wait_for_option(app: AppTest, application_id: str) -> None:
    """Re-run the page until ``application_id`` waits for the officer (reads are cached
    for a moment)."""
    deadline = time.monotonic() + DEADLINE_S
    while not any(
        option.startswith(f"{application_id} ·")
        for option in app.selectbox(key="bank_decide_application").options
    ):
        assert time.monotonic() < deadline, f"{application_id} never waited for the officer"
        time.sleep(0.5)
        app.run()


def apply_without_policy(world, suffix: str, with_consent: bool) -> str:
    """The world's enterprise applies to its bank under no policy (with a consent over the
    story's records, or none); the application's id."""
    application_id = f"LA-{world.enterprise}-{suffix}-{time.time_ns() // 1000}"
    records = []
    if with_consent:
        mine = loans.fetch_enterprise_records(world.consortium, world.plan, world.enterprise)
        fields = {
            kind: loans.get_default_fields(kind, names)
            for kind, names in loans.get_field_options(mine).items()
        }
        records = loans.select_consent_records(mine, {r.place for r in mine}, fields)
    request = loans.LoanRequest(application_id, world.bank, 150_000_00)
    loans.apply_for_loan(world.consortium, world.enterprise, request, records, loans.HOUR_MS)
    return application_id


def read_application(world, application_id: str):
    with NodeClient(world.consortium.get_chain(FINANCE).addresses[0]) as client:
        return get_application(client, application_id)


def test_the_inbox_shows_the_checks_and_the_policy_matching_its_decision(world) -> None:
    app = open_page(world)
    assert not app.error, [e.value for e in app.error]
    row = get_row(app, world.application.application_id)
    assert row is not None
    assert [row[name] for name in CHECKS] == ["✓", "✓", "✓"]
    assert row["policy re-run"] == "✓ matches"
    assert row["decided by"] == "policy"
    assert row["status"] == world.outcome.decision.fields["outcome"]
    badges = " ".join(f":green-badge[✓ {name}]" for name in CHECKS)
    assert badges in [m.value for m in app.markdown]
    assert ":green-badge[✓ the policy re-run says the same]" in [m.value for m in app.markdown]


def test_an_application_without_a_policy_is_decided_by_the_officer(world) -> None:
    application_id = apply_without_policy(world, "officer", with_consent=True)
    deadline = time.monotonic() + DEADLINE_S
    while (view := read_application(world, application_id)).data_set is None:
        assert time.monotonic() < deadline, "the relay did not carry the consent"
        time.sleep(0.2)
    assert view.status == "verified"

    app = open_page(world)
    wait_for_option(app, application_id)
    app.selectbox(key="bank_decide_application").set_value(application_id)
    app.radio(key="bank_decide_action").set_value("approve")
    app.number_input(key="bank_decide_amount_yuan").set_value(120_000)
    app.number_input(key="bank_decide_rate_bp").set_value(420)
    app.button(key="bank_decide").click().run()
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    (success,) = app.success
    assert f"{application_id}:officer" in success.value

    row = get_row(app, application_id)
    assert row is not None and row["decided by"] == "officer" and row["status"] == "approved"
    assert [row[name] for name in CHECKS] == ["✓", "✓", "✓"]
    decision = read_application(world, application_id).decision
    assert decision is not None
    assert decision.fields["decided_by"] == "officer"
    assert (decision.fields["amount"], decision.fields["rate_bp"]) == (120_000_00, 420)


def test_deciding_an_application_decided_meanwhile_is_refused(world) -> None:
    application_id = apply_without_policy(world, "race", with_consent=False)
    app = open_page(world)
    wait_for_option(app, application_id)
    app.selectbox(key="bank_decide_application").set_value(application_id)
    app.run()
    # Another officer decides it while this page still offers it.
    loan_story.decide_loan(
        world.consortium, world.bank, application_id, False, reasons=["elsewhere"]
    )
    app.radio(key="bank_decide_action").set_value("approve")
    app.button(key="bank_decide").click().run()
    assert not app.exception, app.exception
    (error,) = app.error
    assert "LOAN_ALREADY_DECIDED" in error.value and application_id in error.value
