"""The Enterprise page against a running consortium (Streamlit AppTest): its records, a
consent with a narrowed scope carried to a decision, and revoking a consent."""

from __future__ import annotations

import time

from streamlit.testing.v1 import AppTest

from chains.consortium import FINANCE
from chains.loan_story import get_enterprise_records
from chains.runtime.client import NodeClient
from dashboards.data import get_application
from dashboards.loans import get_data_set_records
from tests.dashboards.conftest import APP_TIMEOUT_S, get_page

PAGE = get_page("enterprise.py")
DEADLINE_S = 60


def open_page(world) -> AppTest:
    """The page, run once, acting for the world's enterprise."""
    app = AppTest.from_file(PAGE, default_timeout=APP_TIMEOUT_S)
    app.session_state["enterprise_pick"] = world.enterprise
    app.run()
    assert not app.exception, app.exception
    return app


def get_unique_id(prefix: str) -> str:
    """An id no other test (or earlier run of this one) used."""
    return f"{prefix}-{time.time_ns() // 1000}"


def get_stage(app: AppTest, application_id: str) -> str | None:
    """The stage the applications table shows for ``application_id`` (None: not listed)."""
    table = app.dataframe[-1].value
    rows = table[table["application"] == application_id]
    return None if rows.empty else str(rows.iloc[0]["stage"])


def assert_records_shown(app: AppTest, world, uscc: str) -> None:
    """The page lists exactly ``uscc``'s seeded records, one table per chain."""
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    planned = get_enterprise_records(world.consortium, world.plan, uscc)
    chains = sorted({record.chain_id for record in planned})
    assert sorted(h.value for h in app.subheader) == chains
    shown = set()
    for table in app.dataframe[: len(chains)]:
        assert {"kind", "id", "key fields", "proven at height"} <= set(table.value.columns)
        shown |= set(zip(table.value["kind"], table.value["id"], strict=True))
    assert shown == {(record.kind, record.record_id) for record in planned}


def test_the_enterprise_records_are_listed_per_chain(world) -> None:
    app = open_page(world)
    assert_records_shown(app, world, world.enterprise)
    assert app.selectbox(key="enterprise_bank").value == world.bank

    # Another enterprise: its own records, scope and house bank (the picks are reset).
    other = next(e for e in world.plan.enterprises if e.uscc != world.enterprise)
    app.selectbox(key="enterprise_pick").set_value(other.uscc).run()
    assert_records_shown(app, world, other.uscc)
    assert app.selectbox(key="enterprise_bank").value == other.house_bank


def test_a_consent_with_a_picked_scope_carries_the_application_to_a_decision(world) -> None:
    app = open_page(world)
    application_id = get_unique_id(f"LA-{world.enterprise}-page")
    # Only the tax chain, and of the filings only what they paid (the owner field travels).
    app.multiselect(key="enterprise_scope_chains").set_value(["tax-1"])
    app.multiselect(key="enterprise_scope_fields_filing").set_value(["tax_paid"])
    app.text_input(key="enterprise_application_id").set_value(application_id)
    app.number_input(key="enterprise_amount_yuan").set_value(200_000)
    app.button(key="enterprise_apply").click().run()
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    (success,) = app.success
    assert application_id in success.value and "committed at height" in success.value

    deadline = time.monotonic() + DEADLINE_S
    while get_stage(app, application_id) != "decided":
        assert time.monotonic() < deadline, f"stage {get_stage(app, application_id)}"
        time.sleep(0.5)
        app.run()
    assert not app.error, [e.value for e in app.error]

    with NodeClient(world.consortium.get_chain(FINANCE).addresses[0]) as client:
        view = get_application(client, application_id)
    assert view is not None and view.data_set is not None and view.decision is not None
    records = get_data_set_records(view.data_set.fields)
    assert records and {record.chain_id for record in records} == {"tax-1"}
    for record in records:
        wanted = {"enterprise", "tax_paid"} if record.kind == "filing" else None
        if wanted is not None:
            assert set(record.fields) == wanted
    assert view.loan.fields["bank"] == world.bank


def test_applying_without_a_record_is_explained(world) -> None:
    app = open_page(world)
    app.multiselect(key="enterprise_scope_chains").set_value([])
    app.button(key="enterprise_apply").click().run()
    assert not app.exception, app.exception
    (error,) = app.error
    assert "INVALID_FIELD_VALUE" in error.value and "names no record" in error.value


def test_revoking_an_unused_consent_then_again(world) -> None:
    app = open_page(world)
    consent_id = get_unique_id("consent-unused")
    app.text_input(key="enterprise_revoke_other").set_value(consent_id)
    app.text_input(key="enterprise_revoke_reason").set_value("changed our mind")
    app.button(key="enterprise_revoke").click().run()
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    assert any(consent_id in s.value and "Revoked" in s.value for s in app.success)

    app.button(key="enterprise_revoke").click().run()
    (error,) = app.error
    assert "CONSENT_REVOKED" in error.value and consent_id in error.value
