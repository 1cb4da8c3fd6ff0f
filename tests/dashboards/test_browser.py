"""The dashboards in a real browser: Debian's chromium, driven by Playwright, against a
dashboard server (dashboards/server.py) on the session's running consortium.

All by clicking and typing, as a person would: the overview and the explorer; as the
enterprise, sign a consent and apply for a loan its bank's officer decides; as the
bank, wait for the verified data set and approve; as the auditor, look up an invoice
reimbursed twice, export the decision's audit bundle, and upload it to verify offline.
A screenshot of each page goes to the artifacts directory (``$CONSORTIUM_ARTIFACTS``,
default tests/dashboards/artifacts/); with ``CONSORTIUM_UPDATE_SCREENSHOTS=1`` they are
also copied to docs/screenshots/ for the README.

Playwright never downloads a browser here: it launches /usr/bin/chromium (``apt-get
install -y chromium``; .ci/run installs it). Without it the test skips on a
developer's machine and fails in CI.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from chains.runtime.launcher import get_free_ports
from dashboards.server import (
    LOG_FILE,
    is_answering,
    is_dashboard_running,
    read_dashboard_file,
    start_dashboard,
    stop_dashboard,
)
from tests.dashboards.test_regulator import reimburse_twice

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("CONSORTIUM_ARTIFACTS") or REPO / "tests/dashboards/artifacts")
SCREENSHOTS = REPO / "docs" / "screenshots"
UPDATE_SCREENSHOTS = "CONSORTIUM_UPDATE_SCREENSHOTS"
WIDTH, HEIGHT = 1400, 1000
TIMEOUT_MS = 60_000
INVOICE = "26440399990000000888"

pytestmark = pytest.mark.slow


def require_chromium() -> None:
    """Skip without Debian's chromium, except in CI, where its absence is a failure."""
    if CHROMIUM.exists():
        return
    message = (
        f"{CHROMIUM} is missing: install Debian's chromium (`apt-get install -y chromium`; "
        ".ci/run does). Playwright never downloads a browser for these tests."
    )
    if os.environ.get("CI") == "true" or os.environ.get("CONSORTIUM_REQUIRE_EXTERNAL"):
        pytest.fail(message)
    pytest.skip(message)


def test_the_background_server_starts_answers_and_stops(tmp_path) -> None:
    # No consortium needed: the pages say there is none; the server runs all the same.
    port = get_free_ports(1)[0]
    url = start_dashboard(tmp_path, port)
    try:
        assert url == f"http://127.0.0.1:{port}"
        assert is_dashboard_running(tmp_path) and is_answering(url)
        assert read_dashboard_file(tmp_path)["port"] == port
        assert start_dashboard(tmp_path) == url  # one server per directory
    finally:
        assert stop_dashboard(tmp_path)
    assert not is_answering(url) and read_dashboard_file(tmp_path) is None
    assert not stop_dashboard(tmp_path)
    assert "Stopping" in (tmp_path / LOG_FILE).read_text()


@pytest.fixture(scope="module")
def dashboard_url(world):
    root = world.consortium.root
    url = start_dashboard(root, get_free_ports(1)[0])
    yield url
    stop_dashboard(root)


@pytest.fixture(scope="module")
def browser():
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser, dashboard_url):
    context = browser.new_context(
        viewport={"width": WIDTH, "height": HEIGHT}, accept_downloads=True
    )
    context.set_default_timeout(TIMEOUT_MS)
    opened = context.new_page()
    opened.goto(dashboard_url)
    yield opened
    context.close()


# --------------------------------------------------------------------------
# Acting on a Streamlit page
# --------------------------------------------------------------------------


def settle(page, ms: int = 600) -> None:
    """Let Streamlit finish the run a click started (its status widget goes away)."""
    page.wait_for_timeout(ms)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=TIMEOUT_MS
    )


def open_page(page, title: str) -> None:
    """Click the page's link in the sidebar and wait for its title."""
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title).click()
    page.get_by_role("heading", name=title, level=1).wait_for()
    settle(page)


def choose(page, label: str, option: str) -> None:
    """Pick the option containing ``option`` in the select box labelled ``label``."""
    box = page.get_by_role("combobox", name=label, exact=True)
    wanted = page.get_by_role("option").filter(has_text=option).first
    for _ in range(5):
        # A rerun that lands just after the click redraws the box and closes its list.
        box.click()
        try:
            wanted.wait_for(timeout=5_000)
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
            settle(page)
            continue
        wanted.click()
        settle(page)
        return
    raise AssertionError(f"no option {option!r} in the select box {label!r}")


def type_into(page, label: str, text: str) -> None:
    """Type ``text`` into the text input labelled ``label`` and press Enter."""
    box = page.get_by_label(label, exact=True)
    box.fill(text)
    box.press("Enter")
    settle(page)


def click(page, name: str) -> None:
    """Click the button called ``name``."""
    page.get_by_role("button", name=name).click()
    settle(page)


def click_expecting(page, button, expect, what: str):
    """Click ``button`` until ``expect`` (e.g. ``page.expect_download``) sees its event; the
    event's value."""
    for _ in range(3):
        # A click that lands while a rerun redraws the button does nothing: click again.
        try:
            with expect(timeout=10_000) as event:
                button.click()
        except PlaywrightTimeout:
            settle(page)
            continue
        return event.value
    raise AssertionError(f"clicking never gave {what}")


def upload(page, path: Path) -> None:
    """Click the upload box's button and pick ``path`` in the file chooser."""
    button = page.get_by_test_id("stFileUploaderDropzone").get_by_test_id("stBaseButton-secondary")
    chooser = click_expecting(page, button, page.expect_file_chooser, "a file chooser")
    chooser.set_files(str(path))
    settle(page)


def screenshot(page, name: str) -> Path:
    """The whole page (the viewport stretched to its content) as ARTIFACTS/<name>.png."""
    height = page.evaluate(
        "() => document.querySelector('[data-testid=\"stMainBlockContainer\"]').scrollHeight"
    )
    page.set_viewport_size({"width": WIDTH, "height": max(HEIGHT, min(int(height) + 120, 6000))})
    page.mouse.move(0, 0)  # no table toolbar shown on hover
    page.wait_for_timeout(800)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    if os.environ.get(UPDATE_SCREENSHOTS):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, SCREENSHOTS / path.name)
    return path


def text_of(page) -> str:
    """Everything the main area shows as text (tables drawn on a canvas excepted)."""
    return page.locator('[data-testid="stMain"]').inner_text()


# --------------------------------------------------------------------------
# The story, page by page
# --------------------------------------------------------------------------


def see_overview(page) -> None:
    page.get_by_role("heading", name="Consortium overview", level=1).wait_for()
    for chain in ("tax-1", "industry-1", "finance-1"):
        page.get_by_role("heading", name=chain, exact=True).wait_for()
    page.get_by_text("Light clients on finance-1").wait_for()
    settle(page, 2500)  # the block-time charts draw after the data
    assert "Traceback" not in text_of(page)
    screenshot(page, "overview")


def see_explorer(page) -> None:
    open_page(page, "Explorer")
    click(page, "Verify this block")
    page.get_by_text(re.compile("Verified here, in this session")).wait_for()
    assert "Traceback" not in text_of(page)
    screenshot(page, "explorer")


def apply_as_enterprise(page, world, application_id: str) -> None:
    open_page(page, "Enterprise")
    choose(page, "Enterprise", world.enterprise)
    page.get_by_role("button", name="Sign consent and apply").wait_for()
    choose(page, "Bank", f"({world.bank})")
    choose(page, "Decided by", "its officer")
    type_into(page, "Application id", application_id)
    click(page, "Sign consent and apply")
    applied = page.get_by_text(re.compile(rf"Applied: {re.escape(application_id)}"))
    applied.wait_for()
    assert "carrying consent" in applied.inner_text()
    screenshot(page, "enterprise")


def decide_as_bank(page, world, application_id: str) -> str:
    open_page(page, "Bank")
    choose(page, "Bank", f"({world.bank})")
    # The relayer carries the consent; the data set appears once finance-1 verified it.
    verified = page.get_by_text(re.compile(rf"{re.escape(application_id)} · .* · verified"))
    deadline = time.monotonic() + 60
    while not verified.count():
        assert time.monotonic() < deadline, f"{application_id} was never verified:\n" + text_of(
            page
        )
        page.wait_for_timeout(1500)
        open_page(page, "Bank")
    verified.first.click()  # open it: the checks' badges
    settle(page)
    choose(page, "Application", application_id)
    click(page, "Sign and commit the decision")
    decided = page.get_by_text(re.compile(rf"Decided: {re.escape(application_id)} approved"))
    decided.wait_for()
    decision_id = f"{application_id}:officer"
    assert decision_id in decided.inner_text()
    screenshot(page, "bank")
    return decision_id


def audit_as_regulator(page, world, decision_id: str, invoice: str, buyer: str) -> None:
    open_page(page, "Regulator and auditor")
    type_into(page, "Invoice number", invoice)
    page.get_by_text(re.compile(rf"Authentic: invoice {invoice}")).wait_for()
    shown = text_of(page)
    assert "reimbursed" in shown and buyer in shown
    assert "Refused double reimbursements" in shown
    # Export the decision's audit bundle from the page, then upload it to the box.
    page.get_by_text("No bundle at hand? Export a decision's audit bundle").click()
    settle(page)
    choose(page, "Decision", decision_id)
    button = page.get_by_role("button", name="Download the audit bundle")
    download = click_expecting(page, button, page.expect_download, "a download")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    bundle_path = ARTIFACTS / "audit-bundle.json"
    download.save_as(str(bundle_path))
    assert f'"decision_id": "{decision_id}"' in bundle_path.read_text()
    upload(page, bundle_path)
    page.get_by_text(re.compile(r"Verified offline: this audit bundle holds")).wait_for()
    settle(page)
    shown = text_of(page)
    for step in ("decision record", "consent record", "transfer transaction", "source headers"):
        assert f"✓ {step}" in shown, step
    assert "✓ transfer re-verified" in shown and "✗" not in shown
    assert "by hand" in shown
    screenshot(page, "regulator")


def test_consent_to_audited_decision_by_clicking(page, world) -> None:
    double = reimburse_twice(world, INVOICE)
    application_id = f"LA-{world.enterprise}-browser-{int(time.time())}"
    try:
        see_overview(page)
        see_explorer(page)
        apply_as_enterprise(page, world, application_id)
        decision_id = decide_as_bank(page, world, application_id)
        audit_as_regulator(page, world, decision_id, double.number, double.buyer)
    except BaseException:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "failure.png"), full_page=True)
        raise
