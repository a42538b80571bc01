"""The account pages and the member home on a 390 px phone (issue 18): our words, no
sideways scrolling, two-factor as a slim line rather than a screenful, a connection
request answered from home, and a device logged out from "Where you're logged in".
Screenshots of each page are kept in test-artifacts/phone/ whether the test passes or
fails, for people to look at."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from members import services as member_services
from members.models import Connection
from tests.browser.conftest import BROWSER_TIMEZONE
from tests.members.factories import PASSWORD, MemberFactory

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
IPHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)


def _phone(browser: Browser, live_server) -> Page:
    context = browser.new_context(
        base_url=live_server.url,
        viewport=PHONE,
        user_agent=IPHONE_UA,
        timezone_id=BROWSER_TIMEZONE,
        is_mobile=True,
        has_touch=True,
    )
    return context.new_page()


def _shot(page: Page, request: pytest.FixtureRequest, name: str) -> None:
    folder = Path(request.config.rootpath) / "test-artifacts" / "phone"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def _no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide on a 390 px phone"


def test_accounts_pages_and_home_on_a_phone(
    browser: Browser, live_server, request: pytest.FixtureRequest
):
    member = MemberFactory(email="phone.member@example.com")
    askers = [MemberFactory() for _ in range(2)]
    for asker in askers:
        member_services.connection_request(sender=asker, recipient=member, note="Hello!")
    # Another device, logged in earlier: a laptop.
    laptop = browser.new_context(base_url=live_server.url).new_page()
    laptop.goto("/accounts/login/")
    laptop.get_by_label("Email", exact=True).fill(member.email)
    laptop.get_by_label("Password", exact=True).fill(PASSWORD)
    laptop.get_by_role("button", name="Log in").click()
    laptop.wait_for_url(lambda url: "/accounts/login/" not in url)

    page = _phone(browser, live_server)
    errors: list[str] = []  # a CSP violation or a script error on any page fails the test
    page.on(
        "console", lambda m: errors.append(f"{page.url}: {m.text}") if m.type == "error" else None
    )
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    for path, name, heading in [
        ("/accounts/signup/", "signup", "Apply to join Hive"),
        ("/accounts/password/reset/", "password-reset", "Reset your password"),
        ("/accounts/login/", "login", "Log in"),
    ]:
        page.goto(path)
        expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
        _no_sideways_scroll(page)
        _shot(page, request, name)
    expect(page.get_by_label("Keep me logged in")).to_be_visible()
    page.get_by_label("Email", exact=True).fill(member.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    # Home: the week, with two-factor as one slim line and the requests right there.
    expect(page.get_by_role("heading", name="Your week", level=1)).to_be_visible()
    banner = page.locator(".home-banner")
    expect(banner).to_be_visible()
    box = banner.bounding_box()
    assert box is not None and box["height"] < PHONE["height"] / 4, box
    requests = page.get_by_role("heading", name="2 colleagues asked to connect")
    expect(requests).to_be_visible()
    request_box = requests.bounding_box()
    assert request_box is not None and request_box["y"] < PHONE["height"], request_box
    _no_sideways_scroll(page)
    _shot(page, request, "home")
    first = askers[0].profile.display_name
    page.get_by_role("button", name=f"Accept {first}").click()
    expect(page.locator(".messages")).to_contain_text(f"You are now connected with {first}")
    expect(page.get_by_role("heading", name="1 colleague asked to connect")).to_be_visible()
    assert Connection.objects.between(member, askers[0]).get().status == "accepted"

    # The other request, answered from the notification center.
    page.goto("/notifications/")
    second = askers[1].profile.display_name
    page.get_by_role("button", name=f"Decline {second}").click()
    expect(page.locator(".messages")).to_contain_text("Request declined")
    _no_sideways_scroll(page)
    _shot(page, request, "notifications")

    # Where you're logged in: readable names, this device first, log the laptop out.
    page.goto("/accounts/sessions/")
    expect(page.get_by_role("heading", name="Where you're logged in", level=1)).to_be_visible()
    devices = page.locator(".device")
    expect(devices.first).to_contain_text("Safari on iPhone")
    expect(devices.first).to_contain_text("This device")
    _no_sideways_scroll(page)
    _shot(page, request, "devices")
    page.locator(".device").nth(1).get_by_role("button", name="Log out").click()
    expect(page.locator(".messages")).to_contain_text("Logged out of")
    expect(page.locator(".device")).to_have_count(1)
    laptop.goto("/")
    expect(laptop.get_by_role("heading", level=1)).not_to_have_text("Your week")

    for path, name in [
        ("/accounts/2fa/", "two-factor"),
        ("/accounts/email/", "email"),
        ("/accounts/password/change/", "password"),
    ]:
        page.goto(path)
        _no_sideways_scroll(page)
        _shot(page, request, name)
    assert errors == [], "\n".join(errors)
