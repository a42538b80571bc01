"""An organizer runs a CE workshop for two, in a real browser (issue 13).

1. Rosa organizes a CE workshop for 2 seats, online, in New York time.
2. Ada and Ben go; Cy is waitlisted (first in line) and does not see the link.
3. Ada cancels: Cy is promoted at once, is notified, and now sees the link.
4. At the door Rosa checks Ben in from the check-in list (one tap, in place).
5. Ben downloads his CE certificate (a PDF naming him).
6. Ben turns on his private calendar: the feed shows the workshop at its New York
   local time, with its TZID.
"""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from events.models import Event
from notifications.models import Notification
from tests.browser.test_directory_journey import expect_message, log_in, main_menu
from tests.members.application_factories import ApplicationFactory

pytestmark = pytest.mark.browser
LINK = "https://meet.example.org/ce-room-31"
NEW_YORK = ZoneInfo("America/New_York")


def member(name: str):
    user = ApplicationFactory(approved=True, legal_name=name).user
    user.profile.display_name = name
    user.profile.save()
    return user


def switch_to(page: Page, user) -> None:
    page.context.clear_cookies()
    log_in(page, user.profile)


def test_organizer_runs_a_ce_workshop_from_rsvps_to_certificate(
    page: Page, console_errors: list[str]
):
    rosa, ada, ben, cy = (member(n) for n in ("Rosa Diaz", "Ada Byrne", "Ben Okafor", "Cy Lee"))
    start = (
        (timezone.now() + timedelta(days=3))
        .astimezone(NEW_YORK)
        .replace(hour=18, minute=0, second=0, microsecond=0)
    )

    # 1. Rosa organizes.
    switch_to(page, rosa)
    main_menu(page).get_by_role("link", name="Events").click()
    page.get_by_role("link", name="Organize an event").click()
    page.get_by_label("Type").select_option(label="CE workshop")
    page.get_by_label("Title").fill("Ethics of telehealth")
    page.get_by_label("Starts").fill(start.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Ends").fill((start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Time zone").select_option("America/New_York")
    page.get_by_label("Online link").fill(LINK)
    page.get_by_label("Capacity").fill("2")
    page.get_by_label("CE hours").fill("2")
    page.get_by_label("Approving body").fill("NASW New York State")
    page.get_by_role("button", name="Publish the event").click()
    expect_message(page, "Your event is published.")
    event = Event.objects.get(title="Ethics of telehealth")
    assert event.starts_at == start
    url = page.url

    # 2. Two go, the third waits and sees no link.
    for person in (ada, ben):
        switch_to(page, person)
        page.goto(url)
        page.get_by_role("button", name="I’m going").click()
        expect(page.get_by_role("link", name=LINK)).to_be_visible()
    switch_to(page, cy)
    page.goto(url)
    page.get_by_role("button", name="Join the waitlist").click()
    expect(page.get_by_text("You are number 1")).to_be_visible()
    assert LINK not in page.content()

    # 3. Ada cancels; Cy moves up, is told, and sees the link.
    switch_to(page, ada)
    page.goto(url)
    page.get_by_role("button", name="Cancel my RSVP").click()
    expect(page.get_by_role("link", name=LINK)).to_have_count(0)
    assert Notification.objects.filter(recipient=cy, kind="event_seat").exists()
    switch_to(page, cy)
    page.goto(url)
    expect(page.get_by_role("link", name=LINK)).to_be_visible()

    # 4. The workshop begins; Rosa checks Ben in with one tap.
    Event.objects.filter(pk=event.pk).update(
        starts_at=timezone.now() - timedelta(minutes=10),
        ends_at=timezone.now() + timedelta(hours=2),
    )
    switch_to(page, rosa)
    page.goto(url + "check-in/")
    page.get_by_role("button", name="Check in Ben Okafor").click()
    expect(page.get_by_role("button", name="Undo the check-in of Ben Okafor")).to_be_visible()

    # 5. Ben's certificate.
    switch_to(page, ben)
    page.goto(url)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download my CE certificate (PDF)").click()
    text = PdfReader(download.value.path()).pages[0].extract_text()
    assert "Ben Okafor" in text and "NASW New York State" in text

    # 6. His private feed, at the event's local time.
    page.goto("/me/calendar/")
    page.get_by_role("button", name="Turn on my private calendar").click()
    feed_url = page.get_by_label("Address to subscribe to").input_value()
    feed = page.request.get(feed_url.replace("http://testserver", "")).text()
    event.refresh_from_db()
    local = event.starts_at.astimezone(NEW_YORK).strftime("%Y%m%dT%H%M%S")
    assert re.search(rf"DTSTART;TZID=America/New_York:{local}", feed)
    assert LINK in feed.replace("\r\n ", "")
    assert console_errors == []
