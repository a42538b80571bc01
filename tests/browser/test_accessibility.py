"""Every main page passes axe-core's WCAG 2.2 A/AA checks and its best practices, on a
desktop and on a phone, for each role that sees it (SPEC, "Accessible").

axe-core (bundled by axe-playwright-python, so nothing is fetched at run time) runs in
the real page after it has loaded, styles and scripts included, so it sees computed
colour contrast, names of controls, landmarks, heading order and duplicate ids. Pages
are filled with believable content first: a photo-less profile with a bio, suggestions
with reasons, a pending connection request, a notification, an application to review.
Some states only a form submission shows are checked too (errors on a form).

What axe cannot judge (whether a label makes sense, whether focus order is logical)
is covered by the journeys, which find every control by its role and name.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from matching import engine
from matching import services as matching_services
from members import services as member_services
from members.models import Application
from messaging import services as messaging_services
from tests.browser.test_application_journey import sign_in
from tests.matching.people import answer, person
from tests.members.application_factories import ApplicationFactory
from tests.members.factories import ApplicantFactory, StaffFactory
from tests.notifications.factories import NotificationFactory

pytestmark = pytest.mark.browser
Status = Application.Status

RULES = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(autouse=True)
def _fresh_engine():
    """The suggestion snapshot is per process: start and end without one."""
    engine.reset()
    yield
    engine.reset()


@pytest.fixture
def community(transactional_db):
    member = person(
        "Avery Quinn", place="oakland", looking_for=["coffee-dates"], specialties=["anxiety"]
    )
    member.profile.headline = "Trauma-informed therapist for adults"
    member.profile.bio = "I work with **adults** after trauma.\n\n- EMDR\n- IFS"
    member.profile.save()
    matching_services.values_consent_give(member=member)
    answer(member, "harm-reduction", 0, 0b11, 3)
    colleague = person(
        "Blake Rivera", place="berkeley", looking_for=["coffee-dates"], specialties=["anxiety"]
    )
    person("Casey Morgan", place="berkeley", looking_for=["coffee-dates"])
    requester = person("Dana Lee", place="oakland")
    member_services.connection_request(sender=requester, recipient=member, note="Coffee soon?")
    NotificationFactory(recipient=member)
    # Messages and the network: a tagged connection to talk with, a request in the tray,
    # a report for the moderators.
    friend = person("Emery Stone", place="oakland", stage="seasoned")
    asked = member_services.connection_request(sender=friend, recipient=member)
    accepted = member_services.connection_accept(connection=asked, user=member)
    member_services.connection_tag_set(
        owner=member, connection=accepted, type="peer_consultation", strength=2, importance=5
    )
    chat = messaging_services.conversation_open(sender=friend, recipient=member)
    messaging_services.message_send(sender=friend, conversation=chat, body="Coffee Friday?")
    messaging_services.message_send(sender=member, conversation=chat, body="Yes, 10 am works.")
    stranger = person("Finley Park", place="oakland")
    messaging_services.message_request_send(
        sender=stranger, recipient=member, purpose="referral", body="Do you see adolescents?"
    )
    report = messaging_services.report_create(
        reporter=member, reported=stranger, reason="spam", note="A sales pitch."
    )
    # A coffee date waiting for the member's answer, so /coffee/ shows a date's card.
    from tests.coffee.factories import make_date, opt_in

    opt_in(member)
    opt_in(colleague)
    make_date(member, colleague)
    submitted = ApplicationFactory()
    states = {
        status: ApplicationFactory(status=status).user
        for status in (
            Status.SUBMITTED,
            Status.CHANGES_REQUESTED,
            Status.REJECTED,
            Status.LAPSED,
            Status.SUSPENDED,
        )
    }
    return {
        "states": states,
        "member": member,
        "colleague": colleague,
        "applicant": ApplicantFactory(),
        "staff": StaffFactory(),
        "application": submitted,
        "conversation": chat,
        "report": report,
    }


def violations(page: Page) -> list[str]:
    """axe's findings on the page as it is now, one line each."""
    found = Axe().run(page, options=RULES).response["violations"]
    return [
        f"{item['id']} ({item['impact']}): {item['help']} at "
        + ", ".join(str(node["target"]) for node in item["nodes"][:3])
        for item in found
    ]


def check(page: Page, paths: list[str]) -> list[str]:
    problems = []
    for path in paths:
        page.goto(path)
        page.wait_for_load_state("networkidle")  # htmx fragments loaded on page load
        # What a closed <details> holds is hidden from axe: open those of the page (not
        # the Me menu, a dropdown that covers the links below it while open).
        page.evaluate("document.querySelectorAll('main details').forEach(d => { d.open = true })")
        problems += [f"{path}: {line}" for line in violations(page)]
    return problems


def signed_in(browser: Browser, live_server, email: str | None, viewport: dict) -> Page:
    context = browser.new_context(base_url=live_server.url, viewport=viewport)
    page = context.new_page()
    if email:
        sign_in(page, email)
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
    return page


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=list(VIEWPORTS))
def test_every_main_page_passes_axe(browser, live_server, community, viewport):
    size = VIEWPORTS[viewport]
    handle = community["colleague"].profile.handle
    pages = {
        None: [
            "/",
            "/about/",
            "/guidelines/",
            "/accounts/login/",
            "/accounts/signup/",
            "/accounts/password/reset/",
        ],
        community["applicant"].email: ["/apply/"],
        community["member"].email: [
            "/",
            "/directory/",
            "/directory/?q=anxiety",
            f"/members/{handle}/",
            "/me/profile/",
            "/me/privacy/",
            "/me/connections/",
            "/me/values/",
            "/me/values/stop/",
            "/matches/",
            "/matches/?purpose=coffee",
            "/coffee/",
            "/notifications/",
            "/me/notifications/",
            "/me/data/",
            "/me/delete/",
            "/network/",
            "/messages/",
            "/messages/requests/",
            f"/messages/{community['conversation'].pk}/",
            f"/messages/start/{handle}/",
            "/accounts/email/",
            "/accounts/password/change/",
            "/accounts/2fa/",
            "/accounts/sessions/",
            "/no-such-page/",
        ],
        community["staff"].email: [
            "/review/",
            f"/review/{community['application'].pk}/",
            "/review/audit/",
            "/review/reports/",
            f"/review/reports/{community['report'].pk}/",
            "/review/members/?q=example",
            "/review/coffee/",
        ],
        **{user.email: ["/apply/"] for user in community["states"].values()},
    }
    problems = []
    for email, paths in pages.items():
        page = signed_in(browser, live_server, email, size)
        problems += [f"{email or 'visitor'} {line}" for line in check(page, paths)]
        page.context.close()
    assert problems == []


def test_forms_showing_errors_pass_axe(browser, live_server, community):
    page = signed_in(browser, live_server, None, VIEWPORTS["phone"])
    page.goto("/accounts/login/")
    page.get_by_label("Email", exact=True).fill(community["member"].email)
    page.get_by_label("Password", exact=True).fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert").or_(page.locator(".errorlist")).first).to_be_visible()
    problems = [f"login with errors: {line}" for line in violations(page)]

    sign_in(page, community["applicant"].email)
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto("/apply/")
    page.get_by_role("button", name=re.compile("^Submit")).click()
    page.wait_for_load_state("networkidle")
    problems += [f"application with errors: {line}" for line in violations(page)]

    page.context.clear_cookies()
    sign_in(page, community["member"].email)
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto("/coffee/")
    page.get_by_label("Snooze until").fill("2001-01-01")
    page.get_by_role("button", name="Save coffee settings").click()
    expect(page.locator(".errorlist").first).to_be_visible()
    problems += [f"coffee settings with errors: {line}" for line in violations(page)]
    assert problems == []


# --- Events (issue 13): the list, an event page in each state, the organizer's tools, the
# follow-up page and the public certificate check.


def _event_member(name: str):
    user = ApplicationFactory(approved=True, legal_name=name).user
    user.profile.display_name = name
    user.profile.save()
    return user


@pytest.fixture
def events_world(transactional_db):
    from events.services import certificate_issue, check_in, rsvp_going
    from tests.events.factories import CeWorkshopFactory, EventFactory

    organizer, member, colleague, waiting = (
        _event_member(name)
        for name in ("Rosa Alvarez", "Avery Quinn", "Blake Rivera", "Casey Morgan")
    )
    now = timezone.now()
    # Soon enough that the check-in list is open (a day before), with a waitlist.
    upcoming = CeWorkshopFactory(
        title="Ethics in telehealth across state lines",
        created_by=organizer,
        capacity=2,
        starts_at=now + timedelta(hours=3),
        ends_at=now + timedelta(hours=6),
    )
    for attendee in (member, colleague, waiting):
        rsvp_going(event=upcoming, user=attendee)
    check_in(event=upcoming, by=organizer, rsvp=upcoming.rsvps.get(user=colleague))
    # A past workshop: the member and a colleague were checked in; Casey held a seat
    # and did not come (a no-show on the organizer's list above).
    past = CeWorkshopFactory(
        title="Suicide risk assessment refresher",
        created_by=organizer,
        capacity=10,
        starts_at=now - timedelta(days=2, hours=3),
        ends_at=now - timedelta(days=2),
    )
    for attendee in (member, colleague, waiting):
        past.rsvps.create(user=attendee, status="going", going_since=past.starts_at)
    for attendee in (member, colleague):
        check_in(event=past, by=organizer, rsvp=past.rsvps.get(user=attendee))
    certificate = certificate_issue(event=past, user=member)
    public = EventFactory(title="Coffee for Oakland counselors", public=True, created_by=organizer)
    return {
        "organizer": organizer,
        "member": member,
        "waiting": waiting,
        "upcoming": upcoming,
        "past": past,
        "public": public,
        "certificate": certificate,
    }


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=list(VIEWPORTS))
def test_events_pages_pass_axe(browser, live_server, events_world, viewport):
    world = events_world
    upcoming, past = world["upcoming"].slug, world["past"].slug
    pages = {
        None: [f"/certificates/{world['certificate'].code}/", f"/events/{world['public'].slug}/"],
        world["member"].email: [
            "/events/",
            "/events/?ce=on&when=month&seats=on",
            "/events/?near=Oakland%2C+CA&radius=25",
            "/events/?near=Nowhereville",
            "/events/?mine=on",
            f"/events/{upcoming}/",
            f"/events/{past}/",
            f"/events/{past}/attended-with/",
            "/events/new/",
            "/me/calendar/",
        ],
        world["waiting"].email: [f"/events/{upcoming}/"],
        world["organizer"].email: [
            f"/events/{upcoming}/",
            f"/events/{upcoming}/manage/",
            f"/events/{upcoming}/check-in/",
            f"/events/{upcoming}/check-in/?q=zzz",
            f"/events/{upcoming}/edit/",
        ],
    }
    problems = []
    for email, paths in pages.items():
        page = signed_in(browser, live_server, email, VIEWPORTS[viewport])
        # A 404 or a login page would pass axe too: each page must really be there.
        for path in paths:
            response = page.goto(path)
            assert response.status == 200 and "/accounts/login/" not in page.url, path
        problems += [f"{email or 'visitor'} {line}" for line in check(page, paths)]
        page.context.close()
    assert problems == []


def test_event_forms_showing_errors_pass_axe(browser, live_server, events_world):
    page = signed_in(browser, live_server, events_world["member"].email, VIEWPORTS["phone"])
    page.goto("/events/new/")
    page.get_by_role("button", name=re.compile("Publish|Create|Save", re.I)).click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".errorlist").first).to_be_visible()
    problems = [f"new event with errors: {line}" for line in violations(page)]
    page.context.close()

    page = signed_in(browser, live_server, events_world["organizer"].email, VIEWPORTS["phone"])
    page.goto(f"/events/{events_world['upcoming'].slug}/manage/")
    page.get_by_label(re.compile("handle", re.I)).fill("nobody-by-this-handle")
    page.get_by_role("button", name="Add a co-organizer").click()
    page.wait_for_load_state("networkidle")
    problems += [f"co-organizer with errors: {line}" for line in violations(page)]
    assert problems == []


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=list(VIEWPORTS))
def test_first_week_states_pass_axe(browser, live_server, community, viewport):
    """States of the first-week pages only an action shows: a values step saved (its note
    and Undo) and one with a problem, the profile editor with an error open, the privacy
    previews following an unsaved choice, and a directory search with filters chosen."""
    page = signed_in(browser, live_server, community["member"].email, VIEWPORTS[viewport])
    problems = []

    def check_here(name: str) -> None:
        page.wait_for_load_state("networkidle")
        page.evaluate("document.querySelectorAll('main details').forEach(d => { d.open = true })")
        problems.extend(f"{name}: {line}" for line in violations(page))

    page.goto("/me/values/")
    statement = page.locator(".values-statement").first
    statement.get_by_role("group", name="My answer").get_by_role("radio").first.check()
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    check_here("values step saved")
    statement = page.locator(".values-statement").first
    statement.get_by_role("group", name="How much it matters").get_by_label("Very").check()
    page.get_by_role("button", name="Save and continue").click()  # no answer of one's own
    expect(page.locator(".values-statement.has-error")).to_have_count(1)
    check_here("values step with a problem")

    page.goto("/me/profile/")
    page.get_by_role("textbox", name="Handle").fill("x")
    page.get_by_role("button", name="Save and continue").first.click()
    expect(page.locator(".form-errors")).to_be_visible()
    check_here("profile editor with an error")

    page.goto("/me/privacy/")
    page.get_by_role("group", name="About me: pronouns, headline and bio").get_by_label(
        "Only me"
    ).check()
    expect(page.locator("#privacy-previews")).to_contain_text("Not saved yet")
    check_here("privacy previews of unsaved choices")

    page.goto("/directory/?q=anxiety&specialty=anxiety&near=Oakland%2C+CA&radius=25")
    check_here("directory with words and filters")
    assert problems == []
