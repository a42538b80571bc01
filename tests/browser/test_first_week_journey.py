"""A new member's first session, on a 390 px phone (issue 18).

Riley, a social worker in Richmond, Virginia:
  1. confirms their email from the link Hive sent, and is logged in by it;
  2. applies; staff approve (the review service, as a staff member with two-factor);
  3. lands on a home that says what to do first;
  4. fills in their profile section by section: the bio, a specialty found by typing
     in the searchable list, referrals, their city, with the time zone their phone is in;
  5. answers the values questions one step at a time: a "Saved" note with an Undo after
     each step, nothing saved on a mere tap;
  6. searches the directory: the filters fold behind "Filters" so the results come
     first, and the words searched for are marked on the cards;
  7. opens a colleague's profile and asks to connect from the first screen, with a note.

Every page fits the phone (no sideways scrolling), no console error appears, and a
screenshot of each step is kept in test-artifacts/first-week/ whether the test passes or
fails.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from playwright.sync_api import Browser, Page, expect

from matching.models import Answer
from members.directory import profile_refresh_search
from members.models import Application, Connection, Profile, Term, User
from members.vetting import application_approve
from tests.browser.test_directory_journey import colleague, record_console_errors
from tests.members.factories import PASSWORD, StaffFactory

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
PHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
ZONE = "America/New_York"  # the phone's own zone: Riley is in Virginia
CONFIRMATION_LINK = re.compile(r"https?://\S+/accounts/confirm-email/[^/\s]+/")
GRIEF = "Grief and loss"


class Journey:
    """The phone, its screenshots and the checks every page gets."""

    def __init__(self, page: Page, folder: Path):
        self.page = page
        self.folder = folder
        self.count = 0

    def shot(self, name: str) -> None:
        """Keep a full-page screenshot, after checking the page fits the phone."""
        width = self.page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{self.page.url} is {width} px wide on a phone"
        self.count += 1
        self.page.screenshot(path=str(self.folder / f"{self.count:02d}-{name}.png"), full_page=True)

    def in_first_screen(self, locator) -> None:
        """The element is visible without scrolling."""
        expect(locator).to_be_visible()
        box = locator.bounding_box()
        assert box is not None and box["y"] + box["height"] <= PHONE["height"], (
            f"below the fold at y={box and box['y']}: {locator}"
        )


@pytest.fixture
def phone(browser: Browser, live_server, request: pytest.FixtureRequest):
    context = browser.new_context(
        base_url=live_server.url,
        viewport=PHONE,
        user_agent=PHONE_UA,
        timezone_id=ZONE,
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    folder = Path(request.config.rootpath) / "test-artifacts" / "first-week"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    yield Journey(page, folder)
    context.close()


def fill_application(page: Page) -> None:
    page.get_by_label("Legal name").fill("Riley Jordan Park")
    page.get_by_label("Display name").fill("Riley Park")
    page.locator("#id_pronouns").fill("they/them")
    page.get_by_label("Profession", exact=True).select_option(
        label="Licensed Clinical Social Worker"
    )
    expect(page.locator("#tier-field")).to_contain_text("Licensed clinician")
    page.get_by_label("Practice setting").select_option(label="Solo private practice")
    page.get_by_label("City", exact=True).fill("Richmond, VA")
    page.get_by_label("License or certification type").fill("LCSW")
    page.get_by_label("License or certificate number").fill("0904012345")
    page.get_by_label("Issuing state or jurisdiction").select_option(label="Virginia")
    page.get_by_label("Expiry date").fill("2029-06-30")
    for position, (name, address) in enumerate(
        [("Morgan Lee", "morgan.lee@example.org"), ("Sam Okafor", "sam.okafor@example.org")],
        start=1,
    ):
        page.locator(f"#id_reference_{position}_name").fill(name)
        page.locator(f"#id_reference_{position}_email").fill(address)
        page.locator(f"#id_reference_{position}_relationship").fill("We share a caseload.")
    page.get_by_label("Why you want to join").fill(
        "I moved my practice to Richmond and want colleagues to consult with."
    )
    page.get_by_label("I have read and accept the community guidelines").check()


def test_a_new_members_first_session_on_a_phone(phone: Journey, live_server, mailoutbox, settings):
    page = phone.page
    url = live_server.url
    settings.HIVE_BASE_URL = url  # links in emails point at this server
    errors: list[str] = []
    record_console_errors(page, errors)
    email = f"riley.{uuid.uuid4().hex[:8]}@example.com"

    # Colleagues in and around Richmond, one of them a grief specialist.
    grief = colleague(
        "Jordan Ellis",
        "Richmond, VA",
        GRIEF,
        "Anxiety",
        headline="LCSW · Grief and loss counseling for adults",
        profession=Term.objects.get(
            kind=Term.Kind.PROFESSION, slug="licensed-clinical-social-worker"
        ),
        credentials="LCSW",
        bio="I sit with people after a death, a diagnosis or a move. Grief is not a problem "
        "to solve.",
    )
    other = colleague("Casey Moreau", "Mechanicsville, VA", "Anxiety", headline="Anxiety care")
    far = colleague("Dana Whitfield", "Oakland, CA", GRIEF)
    profile_refresh_search([grief.pk, other.pk, far.pk])

    # 1. Sign up and confirm the email: the link logs Riley in, on their application.
    page.goto("/accounts/signup/")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password, again").fill(PASSWORD)
    page.get_by_role("button", name="Create your account").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    confirm = CONFIRMATION_LINK.search(next(m for m in mailoutbox if email in m.to).body)
    page.goto(confirm.group(0))
    page.get_by_role("button", name="Yes, confirm my address").click()
    expect(page).to_have_url(f"{url}/apply/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Draft")
    assert User.objects.get(email=email).timezone == ZONE  # from the phone, at sign-up
    phone.shot("confirmed-and-logged-in")

    # 2. Apply; staff approve.
    fill_application(page)
    page.get_by_role("button", name="Submit application").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Waiting for review")
    phone.shot("application-submitted")
    reviewer = StaffFactory()
    TOTP.activate(reviewer, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    application_approve(application=Application.objects.get(user__email=email), reviewer=reviewer)

    # 3. Home says what to do first.
    page.goto("/")
    expect(page.get_by_role("heading", name="Your week", level=1)).to_be_visible()
    checklist = page.get_by_role("heading", name=re.compile(r"Getting started: 0 of \d+ done"))
    expect(checklist).to_be_visible()
    phone.shot("home")

    # 4. The profile, section by section.
    page.get_by_role("link", name="Fill in your profile").click()
    expect(page.get_by_role("heading", name="My profile", level=1)).to_be_visible()
    about = page.locator("#section-about")
    expect(about).to_have_attribute("open", "")
    for closed in ("credentials", "practice", "location"):
        expect(page.locator(f"#section-{closed}")).not_to_have_attribute("open", "")
    page.get_by_role("textbox", name="Headline").fill("Grief-informed therapy for adults")
    page.get_by_role("textbox", name="About me").fill(
        "I work with adults through loss and big changes, in person and by video."
    )
    phone.shot("profile-about")
    about.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("status").filter(has_text="Your profile is saved.")).to_be_visible()
    # The credentials came from the application; on to the practice.
    credentials = page.locator("#section-credentials")
    expect(credentials).to_have_attribute("open", "")
    profession = credentials.get_by_role("combobox", name="Profession")
    expect(profession.locator("option:checked")).to_have_text("Licensed Clinical Social Worker")
    expect(page.get_by_text("---------")).to_have_count(0)
    credentials.get_by_role("button", name="Save and continue").click()

    practice = page.locator("#section-practice")
    expect(practice).to_have_attribute("open", "")
    practice.get_by_role("group", name="Referrals").get_by_label(
        "Accepting referrals", exact=True
    ).check()
    # A long list, searched: typing leaves the matching specialties in view.
    practice.get_by_label("Search specialties").fill("grie")
    specialties = practice.get_by_role("group", name="Specialties")
    expect(specialties.get_by_label(GRIEF)).to_be_visible()
    expect(specialties.get_by_label("Anxiety", exact=True)).to_be_hidden()
    specialties.get_by_label(GRIEF).check()
    expect(specialties.get_by_role("button", name=f"Remove {GRIEF}")).to_be_visible()
    phone.shot("profile-practice-search")
    practice.get_by_role("button", name="Save and continue").click()

    location = page.locator("#section-location")
    expect(location).to_have_attribute("open", "")
    location.get_by_role("searchbox", name="Find your city").fill("Richmond, V")
    location.get_by_role("button", name="Richmond, Virginia, US", exact=True).click()
    location = page.locator("#section-location")
    expect(location.get_by_text("City: Richmond, VA, US")).to_contain_text("save to keep it")
    # The time zone is the phone's, grouped with the other US zones in plain words.
    zone = location.get_by_label("Your time zone")
    expect(zone).to_have_value(ZONE)
    expect(zone.locator("option:checked")).to_have_text("Eastern Time — New York")
    phone.shot("profile-location")
    location.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("status").filter(has_text="Your profile is saved.")).to_be_visible()
    riley = Profile.objects.get(user__email=email)
    assert riley.city == "Richmond" and riley.region == "VA"
    assert riley.accepting_referrals == Profile.Referrals.YES
    assert list(riley.terms.values_list("label", flat=True)) == [GRIEF]
    assert riley.headline == "Grief-informed therapy for adults"

    # 5. The values questions, a step at a time.
    page.goto("/")
    page.get_by_role("link", name="Answer the values questionnaire").click()
    page.get_by_role("button", name="I agree: use my answers for matching").click()
    expect(page.get_by_text("Step 1 of 4")).to_be_visible()
    first = page.locator(".values-statement").first
    first.get_by_role("group", name="My answer").get_by_role("radio").first.check()
    first.get_by_role("group", name="How much it matters").get_by_label("Very").check()
    assert not Answer.objects.filter(member__email=email).exists()  # a tap saves nothing
    phone.shot("values-step-1")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_text("Step 2 of 4")).to_be_visible()
    saved = page.get_by_role("status").filter(has_text="Saved.")
    expect(saved).to_contain_text("Your 1 change in “Affirming care” is saved.")
    expect(saved.get_by_role("button", name=re.compile("^Undo"))).to_be_visible()
    expect(page.locator("#values-progress")).to_contain_text("1 of 19 answered")
    phone.shot("values-saved-with-undo")
    second = page.locator(".values-statement").first
    second.get_by_role("group", name="My answer").get_by_role("radio").first.check()
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_text("Step 3 of 4")).to_be_visible()
    expect(page.locator("#values-progress")).to_contain_text("2 of 19 answered")
    assert Answer.objects.filter(member__email=email).count() == 2

    # 6. The directory: results first, the filters folded behind one button.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Directory").click()
    expect(page.get_by_role("heading", name="Directory", level=1)).to_be_visible()
    toggle = page.locator("summary", has_text="Filters")
    phone.in_first_screen(toggle)
    expect(page.get_by_label("Specialty")).to_be_hidden()  # folded
    phone.in_first_screen(page.get_by_role("heading", name=re.compile("^Members"), level=2))
    phone.shot("directory-filters-folded")
    search = page.get_by_role("search", name="Search the directory")
    search.get_by_label("Search", exact=True).fill("grief")
    search.get_by_label("Search", exact=True).press("Enter")
    toggle.click()
    search.get_by_label("Specialty").select_option(label=GRIEF)
    search.get_by_label(re.compile(r"^Near\b")).fill("Richmond, VA")
    search.get_by_role("button", name="Show results").click()
    results = page.locator("#directory-results")
    expect(results).to_contain_text("1 found within 25 miles of Richmond, VA")
    expect(page.locator("summary", has_text="Filters")).to_contain_text("(2)")
    expect(page.locator("details[data-filter-panel]")).not_to_have_attribute("open", "")
    card = results.get_by_role("article", name="Jordan Ellis")
    expect(card.locator("mark").first).to_have_text(re.compile("grief", re.I))
    # The credential once, in plain case (the headline's own "LCSW ·" is not repeated).
    expect(card.locator(".directory-credential")).to_have_text(
        "Licensed Clinical Social Worker, LCSW"
    )
    expect(card.locator(".directory-headline")).to_have_text("Grief and loss counseling for adults")
    expect(results).not_to_contain_text("Dana Whitfield")  # in California
    phone.shot("directory-results")

    # 7. A colleague's profile: asking to connect is in the first screen.
    card.get_by_role("link", name="Jordan Ellis").click()
    expect(page.get_by_role("heading", name="Jordan Ellis", level=1)).to_be_visible()
    ask = page.get_by_role("button", name="Ask to connect")
    phone.in_first_screen(ask)
    phone.shot("profile-ask-to-connect")
    page.locator("summary", has_text="Add a note to your request").click()
    page.get_by_label("A short note (optional)").fill("We're both in Richmond: coffee soon?")
    ask.click()
    expect(
        page.get_by_role("status").filter(has_text="Request sent to Jordan Ellis.")
    ).to_be_visible()
    expect(page.get_by_text("Request sent. Waiting for an answer.")).to_be_visible()
    phone.shot("request-sent")
    request = Connection.objects.get()
    assert request.note == "We're both in Richmond: coffee soon?"
    assert request.status == Connection.Status.REQUESTED

    assert errors == [], "\n".join(errors)
