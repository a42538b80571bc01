"""Browser tests: headless Chromium (Debian's, not Playwright's download) driven by
Playwright's sync API against pytest-django's live server.

Fixtures:
    chromium_executable  the browser binary: $HIVE_CHROMIUM, else /usr/bin/chromium.
                         Missing: the test is skipped, or fails when CI=true.
    browser              a headless Chromium, launched for one test.
    console_errors       console errors and uncaught page errors seen by `page`.
    page                 a page in a fresh browser context, pointed at the live server
                         (page.goto("/") works). If the test fails, a full-page
                         screenshot and the page's HTML are saved to
                         test-artifacts/browser/<test name>.png / .html.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator

import pytest
from django.db import connections
from playwright.sync_api import Browser, ConsoleMessage, Error, Page, expect, sync_playwright

DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",  # we run as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Chromium phones home (updates, sync, field trials) unless told not to; this
    # machine's network refuses those connections.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BROWSER_TIMEZONE = "America/Chicago"
# Every action, navigation and expect() gives up after this long.
TIMEOUT_MS = 10_000

expect.set_options(timeout=TIMEOUT_MS)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """Keep each phase's report on the test item (item.rep_setup, rep_call, rep_teardown),
    so fixtures can tell at teardown whether the test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    path = os.environ.get("HIVE_CHROMIUM") or DEFAULT_CHROMIUM
    found = shutil.which(path)
    if found:
        return found
    if os.environ.get("CI") == "true":
        pytest.fail(
            f"Chromium not found at {path!r} (set HIVE_CHROMIUM to its path). Browser tests "
            "must run in CI: install it in the CI image (apt-get install chromium).",
            pytrace=False,
        )
    pytest.skip(
        f"Chromium not found at {path!r}: install it with `apt-get install chromium` "
        "or point HIVE_CHROMIUM at a Chromium binary."
    )


@pytest.fixture
def browser(chromium_executable: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Browser]:
    # Playwright's sync API runs an asyncio event loop in this thread for as long as it
    # is started, so Django's async-unsafe guard would refuse every ORM call the test
    # (or pytest-django) makes here. Lifted only while Playwright runs, for browser
    # tests only: monkeypatch restores os.environ when the test ends.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_executable,
            headless=True,
            args=CHROMIUM_ARGS,
            timeout=30_000,  # launching, not an action
        )
        try:
            yield browser
        finally:
            browser.close()
            # While Playwright's loop runs, Django's connection handler (an asgiref
            # Local) keeps this thread's connections apart from those it had before.
            # Close the ones the test opened meanwhile, or they outlive it and block
            # dropping the test database at the end of the session.
            connections.close_all()


@pytest.fixture
def console_errors() -> list[str]:
    return []


@pytest.fixture
def page(
    request: pytest.FixtureRequest, browser: Browser, live_server, console_errors: list[str]
) -> Iterator[Page]:
    # A browser somewhere other than UTC, so time-zone handling is really exercised.
    context = browser.new_context(base_url=live_server.url, timezone_id=BROWSER_TIMEZONE)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    page = context.new_page()

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            location = message.location.get("url", "") if message.location else ""
            console_errors.append(f"{page.url}: {message.text} [{location}]")

    page.on("console", on_console)
    page.on("pageerror", lambda error: console_errors.append(f"{page.url}: uncaught {error}"))
    try:
        yield page
    finally:
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            _save_artifacts(request, page, console_errors)
        context.close()


def _save_artifacts(request: pytest.FixtureRequest, page: Page, console_errors: list[str]):
    directory = request.config.rootpath / "test-artifacts" / "browser"
    directory.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^\w.-]+", "_", request.node.name)
    try:
        page.screenshot(path=str(directory / f"{stem}.png"), full_page=True)
        (directory / f"{stem}.html").write_text(page.content(), encoding="utf-8")
        console_log = directory / f"{stem}.console.txt"
        console_log.unlink(missing_ok=True)  # from an earlier failure
        if console_errors:
            console_log.write_text("\n".join(console_errors) + "\n", encoding="utf-8")
    except Error as error:  # a crashed page must not hide the test's own failure
        print(f"Could not save browser artifacts for {request.node.nodeid}: {error}")
    else:
        print(f"Browser artifacts for {request.node.nodeid}: {directory / stem}.png / .html")
