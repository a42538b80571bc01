"""Coffee dates in real browsers (issue 15): Ann in Oakland and Ben in Berkeley.

  1. Both opt in from /coffee/ (how often, how, how far, when).
  2. Staff (with two-factor sign-in) run a round from the review area.
  3. Both see the intro with its reasons, and say yes.
  4. Their conversation opens; they write in it.
  5. Near the end of the round, the check-in asks "Did you meet?".
  6. After "yes", one click on "Connect" each makes them connections.

Three browser contexts: Ann (the `page` fixture, whose screenshot is kept if the
journey fails), Ben and staff.
"""

from __future__ import annotations

import re
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from playwright.sync_api import Page, expect

from coffee import rounds
from coffee.models import CoffeeDate, CoffeeSettings, Round
from members.models import Connection, User
from tests.browser.test_application_journey import STAFF_SECRET, sign_in
from tests.browser.test_directory_journey import expect_message
from tests.matching.people import person
from tests.members.factories import StaffFactory

pytestmark = pytest.mark.browser

ZONE = "America/Chicago"  # the browser's, and both members'


def member(name: str, place: str) -> User:
    user = person(name, place=place, looking_for=["coffee-dates"], specialties=["anxiety"])
    User.objects.filter(pk=user.pk).update(timezone=ZONE)
    return user


def opt_in(page: Page, user: User) -> None:
    sign_in(page, user.email)
    page.goto("/coffee/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Coffee dates")
    page.get_by_label("Pair me for coffee dates").check()
    page.get_by_label("Every week").check()
    page.get_by_label("In person or virtual").check()
    page.get_by_label("How far you'll travel to meet in person (miles)").fill("12")
    page.get_by_label("Tuesday morning").check()
    page.get_by_label("Thursday midday").check()
    page.get_by_role("button", name="Save coffee settings").click()
    expect_message(page, "You're in")


def test_two_members_meet_for_coffee_and_connect(page: Page, browser, live_server, console_errors):
    url = live_server.url
    ann, ben = member("Ann Avery", "oakland"), member("Ben Brooks", "berkeley")
    ben_page = browser.new_context(base_url=url, timezone_id=ZONE).new_page()

    # 1. Both opt in.
    opt_in(page, ann)
    opt_in(ben_page, ben)
    assert CoffeeSettings.objects.filter(opted_in=True).count() == 2
    assert CoffeeSettings.objects.get(user=ann).travel_km == pytest.approx(19.312128)

    # 2. Staff run a round now from the review area.
    staff_user = StaffFactory(email=f"staff.{uuid.uuid4().hex[:6]}@example.com")
    TOTP.activate(staff_user, STAFF_SECRET)
    staff = browser.new_context(base_url=url, timezone_id=ZONE).new_page()
    sign_in(staff, staff_user.email)
    expect(staff).to_have_url(f"{url}/accounts/2fa/authenticate/")
    staff.get_by_label("Code from your authenticator app, or a recovery code").fill(
        format_hotp_value(hotp_value(STAFF_SECRET, int(time.time()) // 30))
    )
    staff.get_by_role("button", name="Log in").click()
    staff.get_by_role("navigation", name="Main").get_by_role("link", name="Review").click()
    staff.get_by_role("link", name="coffee rounds").click()
    expect(staff.get_by_role("heading", level=1)).to_have_text("Coffee rounds")
    staff.get_by_role("button", name="Run a round now").click()
    expect_message(staff, "Round run: 2 of 2 members due were paired.")
    date = CoffeeDate.objects.get()
    assert date.in_person  # Oakland and Berkeley are a few miles apart

    # 3. Both see the intro with its reasons, and say yes (htmx swaps the card).
    for viewer, other in ((page, "Ben Brooks"), (ben_page, "Ann Avery")):
        viewer.goto("/coffee/")
        card = viewer.locator(f"#date-{date.pk}")
        expect(card.get_by_role("heading", name=other)).to_be_visible()
        expect(card).to_contain_text("Why you two:")
        expect(card).to_contain_text(re.compile(r"\d+ miles away"))
        card.get_by_role("button", name="Yes, let's meet").click()
    card = ben_page.locator(f"#date-{date.pk}")
    expect(card).to_contain_text("It's on")
    expect(card).to_contain_text("Times you're both free")
    page.reload()
    expect(page.locator(f"#date-{date.pk}")).to_contain_text("It's on")

    # 4. Their conversation is open: they write in it.
    page.locator(f"#date-{date.pk}").get_by_role("link", name="Open your conversation").click()
    page.get_by_role("textbox", name="Message").fill("Hi Ben! Tuesday at 9 near Lake Merritt?")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Tuesday at 9 near Lake Merritt?")).to_be_visible()
    ben_page.locator(f"#date-{date.pk}").get_by_role("link", name="Open your conversation").click()
    expect(ben_page.get_by_text("Tuesday at 9 near Lake Merritt?")).to_be_visible()
    ben_page.get_by_role("textbox", name="Message").fill("Perfect, see you there.")
    ben_page.get_by_role("button", name="Send").click()
    expect(ben_page.get_by_text("Perfect, see you there.")).to_be_visible()

    # 5. Near the end of the round, in their morning, the check-in asks "Did you meet?".
    round_ = Round.objects.get()
    morning = _first_morning_after(round_.check_in_at)
    assert rounds.check_ins_send(now=morning) == 2
    for viewer, other in ((page, "Ben Brooks"), (ben_page, "Ann Avery")):
        viewer.goto("/notifications/")
        expect(viewer.get_by_text(f"Did you meet {other}?").first).to_be_visible()
        viewer.goto("/coffee/")
        card = viewer.locator(f"#date-{date.pk}")
        expect(card).to_contain_text(f"Did you meet {other}?")
        card.get_by_role("button", name="Yes, we met").click()
        expect(card).to_contain_text("How did it go?")

    # 6. One click on "Connect" each: the second click accepts the first's request.
    page.locator(f"#date-{date.pk}").get_by_role("button", name="Connect with Ben Brooks").click()
    expect_message(page, "Request sent to Ben Brooks")
    expect(page.locator(f"#date-{date.pk}")).to_contain_text("Connection request sent")
    ben_page.reload()
    ben_page.locator(f"#date-{date.pk}").get_by_role(
        "button", name="Connect with Ann Avery"
    ).click()
    expect_message(ben_page, "You are now connected with Ann Avery")
    expect(ben_page.locator(f"#date-{date.pk}")).to_contain_text("Connected")
    assert Connection.objects.between(ann, ben).get().status == Connection.Status.ACCEPTED
    assert console_errors == []


def _first_morning_after(moment: datetime) -> datetime:
    """The first 8:30 a.m. Chicago time at or after `moment`, in UTC."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(ZONE)
    local = moment.astimezone(zone)
    candidate = local.replace(hour=8, minute=30, second=0, microsecond=0)
    if candidate < local:
        candidate += timedelta(days=1)
    return candidate.astimezone(UTC)
