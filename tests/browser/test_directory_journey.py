"""A member shapes their profile and uses the directory, in real browsers (issue 5).

Avery, an approved member, signs in and
  1. edits their profile: a new headline and bio, and a city picked from the htmx place
     suggestions; the profile page shows the change;
  2. shows their bio to connections only, and the privacy previews agree: "as a member"
     has no bio, "as a connection" has it;
  3. is looked up by two colleagues in browsers of their own: Blake (not connected)
     does not see the bio on Avery's profile, Casey (connected) does;
  4. searches the directory for trauma specialists near Oakland: results update in
     place (no page load), the address bar follows every change, a wider radius brings
     in San Jose and the back button takes the previous results back. The specialist
     in Chicago and the Oakland colleague with another specialty never show;
  5. opens Dana's profile from the results, blocks her (after the confirmation step),
     runs the same search again from the menu: Dana is gone, and her profile address
     is a 404 for Avery.

No console error on any page, in any of the three browsers.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone
from django.utils.text import slugify
from playwright.sync_api import Browser, ConsoleMessage, Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from members.directory import profile_refresh_search
from members.models import Connection, Profile, Term
from members.places import search_places
from tests.browser.conftest import BROWSER_TIMEZONE, TIMEOUT_MS
from tests.members.factories import PASSWORD, ProfileFactory

pytestmark = pytest.mark.browser

NEW_HEADLINE = "Trauma-informed therapist for East Bay adults"
BIO_OPENING = "I help adults find steady ground after loss and trauma."
BIO_DETAIL = "On Thursdays I host a small consultation group for new associates."
TRAUMA = "Trauma and PTSD"


# --- Data --------------------------------------------------------------------------------


def colleague(name: str, city: str, *specialties: str, **fields) -> Profile:
    """A listed member practising in `city` (resolved from the offline place list),
    with the given specialties (taxonomy labels)."""
    where = search_places(city, limit=1)[0]
    profile = ProfileFactory(
        display_name=name,
        handle=slugify(name),
        city=where.name,
        region=where.region,
        country=where.country_code,
        latitude=where.latitude,
        longitude=where.longitude,
        **fields,
    )
    profile.terms.set(Term.objects.filter(kind=Term.Kind.SPECIALTY, label__in=specialties))
    return profile


def connected(one: Profile, other: Profile) -> None:
    Connection.for_pair(
        one.user,
        other.user,
        status=Connection.Status.ACCEPTED,
        requested_by=one.user,
        accepted_at=timezone.now(),
    ).save()


# --- Browser helpers ---------------------------------------------------------------------


def record_console_errors(page: Page, errors: list[str]) -> None:
    """Collect console errors and uncaught exceptions of a page opened outside the
    `page` fixture (the other members' browsers)."""

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(f"{page.url}: uncaught {error}"))


def log_in(page: Page, profile: Profile) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email", exact=True).fill(profile.user.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    # Members get the member menu (no second factor unless they turned it on).
    expect(main_menu(page).get_by_role("link", name="Directory")).to_be_visible()


def main_menu(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Main")


def follow_me_menu(page: Page, link: str) -> None:
    """Follow a link of the main menu's "Me" list (a <details> disclosure: profile,
    settings and log out)."""
    me = main_menu(page).locator("details").filter(has=page.locator("summary", has_text="Me"))
    me.locator("summary").click()
    me.get_by_role("link", name=link, exact=True).click()


def expect_message(page: Page, text: str) -> None:
    """The message banner at the top of the page says `text`."""
    expect(page.get_by_role("status").filter(has_text=text)).to_be_visible()


def search_form(page: Page) -> Locator:
    return page.get_by_role("search", name="Search the directory")


def results(page: Page) -> Locator:
    return page.locator("#directory-results")


def result_names(page: Page) -> Locator:
    """The names on the result cards, in order."""
    return results(page).get_by_role("heading", level=3)


def wait_for_query(page: Page, **expected: str) -> None:
    """Wait until the address bar's query holds these parameters (htmx pushes it)."""

    def holds(url: str) -> bool:
        query = parse_qs(urlsplit(url).query)
        return all(query.get(name) == [value] for name, value in expected.items())

    try:
        page.wait_for_url(holds, timeout=TIMEOUT_MS)
    except PlaywrightTimeoutError:
        raise AssertionError(f"the address {page.url} does not hold {expected}") from None


def mark_document(page: Page) -> None:
    """Tag the current document: the tag survives htmx swaps, not a page load."""
    page.evaluate("window.journeyDocument = true")


def assert_same_document(page: Page) -> None:
    assert page.evaluate("window.journeyDocument === true"), "the page was reloaded"


def search_trauma_near_oakland(page: Page) -> None:
    """Specialty, city and radius, chosen one at a time as a person would."""
    form = search_form(page)
    form.get_by_label("Specialty").select_option(label=TRAUMA)
    wait_for_query(page, specialty="trauma-and-ptsd")
    form.get_by_label(re.compile(r"^Near\b")).fill("Oakland, CA")
    form.get_by_label("Within").select_option(label="25 miles")
    form.get_by_role("button", name="Search").click()
    wait_for_query(page, specialty="trauma-and-ptsd", near="Oakland, CA", radius="25")


def open_as(browser: Browser, live_server, profile: Profile, errors: list[str]) -> Page:
    """Another member's own browser, signed in."""
    context = browser.new_context(base_url=live_server.url, timezone_id=BROWSER_TIMEZONE)
    context.set_default_timeout(TIMEOUT_MS)
    other = context.new_page()
    record_console_errors(other, errors)
    log_in(other, profile)
    return other


def find_in_directory(page: Page, name: str) -> Locator:
    """Search the directory by name; the result card of `name`."""
    main_menu(page).get_by_role("link", name="Directory").click()
    expect(page.get_by_role("heading", name="Directory", level=1)).to_be_visible()
    search_form(page).get_by_label("Search", exact=True).fill(name)
    search_form(page).get_by_label("Search", exact=True).press("Enter")
    wait_for_query(page, q=name)
    card = results(page).get_by_role("article", name=name)
    expect(card).to_be_visible()
    return card


# --- The journey -------------------------------------------------------------------------


def test_member_edits_profile_hides_bio_searches_directory_and_blocks(
    page: Page, browser: Browser, live_server, console_errors: list[str]
):
    avery = ProfileFactory(
        display_name="Avery Quinn",
        handle="avery-quinn",
        headline="Therapist",
        bio="Draft bio, to be rewritten.",
    )
    blake = colleague("Blake Moreno", "San Francisco, CA", "Anxiety")
    casey = colleague("Casey Lindqvist", "Berkeley, CA", TRAUMA, "Grief and loss")
    dana = colleague("Dana Whitfield", "Oakland, CA", TRAUMA)
    emery = colleague("Emery Stone", "San Francisco, CA", TRAUMA, "Complex trauma")
    frankie = colleague("Frankie Osei", "Chicago, IL", TRAUMA)  # far away
    gale = colleague("Gale Park", "Oakland, CA", "Grief and loss")  # near, other focus
    harper = colleague("Harper Nguyen", "San Jose, CA", TRAUMA)  # ~60 km from Oakland
    connected(avery, casey)
    connected(blake, emery)  # a connection between two others changes nothing for Avery
    profile_refresh_search(p.pk for p in (avery, blake, casey, dana, emery, frankie, gale, harper))

    # 1. Avery signs in and rewrites their profile, choosing a city from the suggestions.
    log_in(page, avery)
    follow_me_menu(page, "Edit profile")
    expect(page.get_by_role("heading", name="My profile", level=1)).to_be_visible()
    page.get_by_role("textbox", name="Headline").fill(NEW_HEADLINE)
    page.get_by_role("textbox", name="About me").fill(f"{BIO_OPENING}\n\n{BIO_DETAIL}")
    # The editor is in sections: "About you" is open, the location is one click away.
    page.locator("summary", has_text="Location and time zone").click()
    expect(page.get_by_text("No city chosen.")).to_be_visible()
    page.get_by_role("searchbox", name="Find your city").fill("Oaklan")
    suggestion = page.get_by_role("button", name="Oakland, California, US", exact=True)
    suggestion.click()  # htmx brought the suggestions; choosing one re-shows the form
    expect(page.get_by_text("City: Oakland, CA, US")).to_contain_text("save to keep it")
    expect(page.get_by_role("textbox", name="Headline")).to_have_value(NEW_HEADLINE)
    page.get_by_role("button", name="Save profile").click()
    expect_message(page, "Your profile is saved.")
    expect(page.get_by_text("City: Oakland, CA, US")).not_to_contain_text("save to keep it")

    page.get_by_role("link", name="see your profile").click()
    expect(page.get_by_role("heading", name="Avery Quinn", level=1)).to_be_visible()
    expect(page.get_by_text(NEW_HEADLINE)).to_be_visible()
    about = page.get_by_role("region", name="About")
    expect(about).to_contain_text(BIO_OPENING)
    expect(about).to_contain_text(BIO_DETAIL)
    expect(page.get_by_text("Oakland, CA, US", exact=True)).to_be_visible()

    # 2. Avery shows the "about" part (pronouns, headline, bio) to connections only.
    page.get_by_role("link", name="Choose who sees what").click()
    expect(page.get_by_role("heading", name="Who sees what", level=1)).to_be_visible()
    about_audience = page.get_by_role("group", name="About me: pronouns, headline and bio")
    expect(about_audience.get_by_label("Members", exact=True)).to_be_checked()
    about_audience.get_by_label("My connections", exact=True).check()
    page.get_by_role("button", name="Save privacy settings").click()
    expect_message(page, "Your privacy settings are saved.")
    expect(about_audience.get_by_label("My connections", exact=True)).to_be_checked()
    as_member = page.get_by_role("region", name="How my profile looks to a member")
    as_connection = page.get_by_role("region", name="How my profile looks to a connection")
    expect(as_member).to_contain_text("Avery Quinn")
    expect(as_member).not_to_contain_text(BIO_DETAIL)
    expect(as_member).not_to_contain_text(NEW_HEADLINE)
    expect(as_connection).to_contain_text(BIO_DETAIL)
    expect(as_connection).to_contain_text(NEW_HEADLINE)

    # 3. Blake (not connected) finds Avery without headline or bio; Casey (connected)
    # sees both.
    blake_page = open_as(browser, live_server, blake, console_errors)
    card = find_in_directory(blake_page, "Avery Quinn")
    expect(card).not_to_contain_text(NEW_HEADLINE)
    card.get_by_role("link", name="Avery Quinn").click()
    expect(blake_page.get_by_role("heading", name="Avery Quinn", level=1)).to_be_visible()
    expect(blake_page.get_by_role("button", name="Ask to connect")).to_be_visible()
    expect(blake_page.get_by_role("main")).not_to_contain_text(BIO_DETAIL)
    expect(blake_page.get_by_role("main")).not_to_contain_text(NEW_HEADLINE)
    blake_page.context.close()

    casey_page = open_as(browser, live_server, casey, console_errors)
    card = find_in_directory(casey_page, "Avery Quinn")
    expect(card).to_contain_text(NEW_HEADLINE)
    card.get_by_role("link", name="Avery Quinn").click()
    expect(casey_page.get_by_role("heading", name="Avery Quinn", level=1)).to_be_visible()
    expect(casey_page.get_by_text("You are connected.")).to_be_visible()
    expect(casey_page.get_by_role("region", name="About")).to_contain_text(BIO_DETAIL)
    casey_page.context.close()

    # 4. Avery looks for trauma specialists near Oakland. Every change reloads only the
    # results, and the address bar follows.
    main_menu(page).get_by_role("link", name="Directory").click()
    expect(page.get_by_role("heading", name="Directory", level=1)).to_be_visible()
    mark_document(page)
    search_trauma_near_oakland(page)
    expect(results(page)).to_contain_text("3 found within 25 miles of Oakland, CA")
    # Nearest first: Oakland itself, then Berkeley, then San Francisco.
    expect(result_names(page)).to_have_text(["Dana Whitfield", "Casey Lindqvist", "Emery Stone"])
    for absent in ("Frankie Osei", "Gale Park", "Harper Nguyen", "Blake Moreno"):
        expect(results(page).get_by_text(absent)).to_have_count(0)
    assert_same_document(page)
    search_url = page.url

    # A wider radius reaches San Jose; the back button brings the 25-mile results back.
    search_form(page).get_by_label("Within").select_option(label="100 miles")
    wait_for_query(page, specialty="trauma-and-ptsd", near="Oakland, CA", radius="100")
    expect(results(page)).to_contain_text("4 found within 100 miles of Oakland, CA")
    expect(result_names(page)).to_have_text(
        ["Dana Whitfield", "Casey Lindqvist", "Emery Stone", "Harper Nguyen"]
    )
    assert_same_document(page)
    page.go_back()
    wait_for_query(page, specialty="trauma-and-ptsd", near="Oakland, CA", radius="25")
    expect(results(page)).to_contain_text("3 found within 25 miles of Oakland, CA")
    expect(result_names(page)).to_have_text(["Dana Whitfield", "Casey Lindqvist", "Emery Stone"])
    expect(search_form(page).get_by_label("Within")).to_have_value("25")
    expect(search_form(page).get_by_label("Specialty")).to_have_value("trauma-and-ptsd")

    # 5. Avery opens Dana's profile from the results and blocks her.
    results(page).get_by_role("link", name="Dana Whitfield").click()
    expect(page.get_by_role("heading", name="Dana Whitfield", level=1)).to_be_visible()
    dana_url = page.url
    page.get_by_role("button", name="Block Dana Whitfield…").click()
    expect(page.get_by_role("heading", name="Block Dana Whitfield?", level=1)).to_be_visible()
    page.get_by_role("button", name="Block Dana Whitfield", exact=True).click()
    expect_message(page, "You blocked Dana Whitfield.")

    # The same search again, from the menu: Dana is gone, the others remain.
    main_menu(page).get_by_role("link", name="Directory").click()
    expect(page.get_by_role("heading", name="Directory", level=1)).to_be_visible()
    search_trauma_near_oakland(page)
    expect(results(page)).to_contain_text("2 found within 25 miles of Oakland, CA")
    expect(result_names(page)).to_have_text(["Casey Lindqvist", "Emery Stone"])
    expect(results(page).get_by_text("Dana Whitfield")).to_have_count(0)
    assert page.url == search_url, "the same search should give the same address"

    assert console_errors == [], "\n".join(console_errors)

    # Her profile address no longer exists for Avery (opened as a saved link would be).
    response = page.goto(dana_url)
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("We couldn't find that page")
    expect(page.get_by_text("Dana Whitfield")).to_have_count(0)
    # Chromium logs the 404 document itself as a console error; nothing else may appear.
    unexpected = [e for e in console_errors if not e.startswith(f"{dana_url}: Failed to load")]
    assert unexpected == [], "\n".join(unexpected)
