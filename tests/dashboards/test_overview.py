"""The overview page against a running consortium (Streamlit AppTest)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.dashboards.conftest import APP_TIMEOUT_S, get_page

PAGE = get_page("overview.py")


def test_the_three_chains_their_validators_clients_and_relay_are_shown(world) -> None:
    app = AppTest.from_file(PAGE, default_timeout=APP_TIMEOUT_S).run()
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    titles = [header.value for header in app.subheader]
    assert titles[:3] == ["tax-1", "industry-1", "finance-1"]
    metrics = {m.label: m.value for m in app.metric}
    assert int(metrics["height"]) > 0
    assert metrics["relayer"] == "running"
    assert metrics["backlog"] == "0"
    frames = [frame.value for frame in app.dataframe]
    validators = frames[0]
    assert list(validators["status"]) == ["up"] * 4
    clients = frames[-1]
    assert set(clients["source chain"]) == {"tax-1", "industry-1"}
    assert set(clients["status"]) == {"fresh"}


def test_a_missing_consortium_is_explained_not_a_traceback(world, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("CONSORTIUM_DIR", str(tmp_path / "nowhere"))
    app = AppTest.from_file(PAGE, default_timeout=APP_TIMEOUT_S).run()
    assert not app.exception
    (error,) = app.error
    assert "INVALID_CONFIG" in error.value and "consortium up" in error.value
