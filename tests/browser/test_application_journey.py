"""From applicant to member, in real browsers: a new clinician applies, staff ask for a
change, the applicant resubmits, a reference confirms through the emailed link, staff
approve, and the new member reaches the member home.

Three people, three browser contexts: the applicant (the `page` fixture, whose
screenshot is kept if the journey fails), a staff member with two-factor sign-in, and
the reference, who has no account at all.
"""

from __future__ import annotations

import re
import time
import uuid

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from playwright.sync_api import Page, expect

from members.models import Application, User
from tests.members.factories import PASSWORD, StaffFactory

pytestmark = pytest.mark.browser

REFERENCE_LINK = re.compile(r"https?://\S+/apply/references/\S+/")
CONFIRMATION_LINK = re.compile(r"https?://\S+/accounts/confirm-email/[^/\s]+/")
STAFF_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()


def test_applicant_becomes_a_member_after_review(
    page: Page, browser, live_server, mailoutbox, console_errors, settings
):
    url = live_server.url
    settings.HIVE_BASE_URL = url  # links in emails point at this server
    email = f"applicant.{uuid.uuid4().hex[:8]}@example.com"

    # 1. A new clinician signs up, confirms their address and lands on their application.
    page.goto("/accounts/signup/")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password, again").fill(PASSWORD)
    page.get_by_role("button", name="Create your account").click()
    confirm = CONFIRMATION_LINK.search(next(m for m in mailoutbox if email in m.to).body)
    page.goto(confirm.group(0))
    page.get_by_role("button", name="Yes, confirm my address").click()
    # Confirmed in the browser that signed up: logged in, no second login.
    expect(page).to_have_url(f"{url}/apply/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Draft")

    # 2. They fill in the application and submit it.
    page.get_by_label("Legal name").fill("Ana Lucía Ortiz")
    page.get_by_label("Display name").fill("Ana Ortiz")
    page.locator("#id_pronouns").fill("she/her")
    page.get_by_label("Profession", exact=True).select_option(
        label="Licensed Clinical Social Worker"
    )
    # The tier follows from the profession (autosave sends it back): nothing to pick.
    expect(page.locator("#tier-field")).to_contain_text("Licensed clinician")
    expect(page.locator("input[name=credential_tier]")).to_have_count(0)
    page.get_by_label("Practice setting").select_option(label="Solo private practice")
    page.get_by_label("City", exact=True).fill("Oakland, CA")
    page.get_by_label("License or certification type").fill("LCSW")
    page.get_by_label("License or certificate number").fill("LCS 88231")
    page.get_by_label("Issuing state or jurisdiction").select_option(label="California")
    page.get_by_label("Expiry date").fill("2029-06-30")
    for position, (name, address) in enumerate(
        [
            ("Dana Whitfield", "dana.whitfield@example.org"),
            ("Sam Okafor", "sam.okafor@example.org"),
        ],
        start=1,
    ):
        page.locator(f"#id_reference_{position}_name").fill(name)
        page.locator(f"#id_reference_{position}_email").fill(address)
        page.locator(f"#id_reference_{position}_relationship").fill("We co-lead a DBT group.")
    page.get_by_label("Why you want to join").fill(
        "I work alone and would like a small consultation group."
    )
    page.get_by_label("I have read and accept the community guidelines").check()
    page.get_by_role("button", name="Submit application").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Waiting for review")
    application = Application.objects.get(user__email=email)
    assert application.status == Application.Status.SUBMITTED

    # Each reference got an email with a signed link.
    to_dana = [m for m in mailoutbox if m.to == ["dana.whitfield@example.org"]]
    assert len(to_dana) == 1
    reference_link = REFERENCE_LINK.search(to_dana[0].body).group(0)

    # 3. A staff member (with two-factor sign-in) asks for a change.
    staff_user = StaffFactory(email=f"staff.{uuid.uuid4().hex[:6]}@example.com")
    TOTP.activate(staff_user, STAFF_SECRET)
    staff = browser.new_context(base_url=url).new_page()
    sign_in(staff, staff_user.email)
    expect(staff).to_have_url(f"{url}/accounts/2fa/authenticate/")
    code = format_hotp_value(hotp_value(STAFF_SECRET, int(time.time()) // 30))
    staff.get_by_label("Code from your authenticator app, or a recovery code").fill(code)
    staff.get_by_role("button", name="Log in").click()
    staff.get_by_role("navigation", name="Main").get_by_role("link", name="Review").click()
    expect(staff).to_have_url(re.compile(r"/review/"))
    staff.get_by_role("link", name="Ana Lucía Ortiz").click()
    expect(staff.get_by_role("heading", level=1)).to_contain_text("Submitted")
    staff.locator("#decide-request_changes summary").click()
    staff.get_by_label("What should the applicant change?").fill(
        "Please add your NPI so we can match your license."
    )
    staff.get_by_role("button", name="Send the request").click()
    expect(staff.get_by_role("heading", level=1)).to_contain_text("Changes requested")

    # 4. The applicant sees the request, adds the NPI and resubmits.
    page.goto("/apply/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Changes requested")
    expect(
        page.get_by_text("Please add your NPI so we can match your license.").first
    ).to_be_visible()
    page.locator("#id_npi").fill("1234567893")
    page.get_by_role("button", name="Submit application").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Your updated application is with our staff"
    )

    # 5. The reference, who has no account, confirms through the emailed link.
    reference = browser.new_context(base_url=url).new_page()
    reference.goto(reference_link)
    expect(reference.get_by_role("heading", level=1)).to_contain_text("Ana Ortiz")
    reference.get_by_role("button", name="Yes, I know them professionally").click()
    expect(reference.get_by_role("heading", level=1)).to_have_text("Thank you")

    # 6. Staff see the confirmation and approve.
    staff.reload()
    expect(staff.get_by_role("heading", level=1)).to_contain_text("Resubmitted")
    expect(staff.locator("#references-heading").locator("..")).to_contain_text("Confirmed")
    staff.locator("#decide-approve summary").click()
    staff.get_by_role("button", name="Approve and welcome").click()
    expect(staff.get_by_role("heading", level=1)).to_contain_text("Approved")

    # 7. The new member reaches the member home.
    page.goto("/")
    expect(page).to_have_url(f"{url}/")
    expect(page.get_by_role("heading", name="Your week", level=1)).to_be_visible()
    expect(
        page.get_by_role("heading", name=re.compile(r"Getting started: \d of \d done"))
    ).to_be_visible()
    assert User.objects.get(email=email).membership_status == User.Status.MEMBER
    welcome = [m for m in mailoutbox if m.to == [email] and "approved" in m.subject]
    assert len(welcome) == 1

    assert console_errors == [], "\n".join(console_errors)
