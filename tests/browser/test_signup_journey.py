"""A new clinician's first visit, in a real browser: from the landing page to a verified,
two-factor-protected applicant account.

Runs against the live server with the project's real middleware (CSP included); any
console error the browser reports, such as a Content Security Policy violation, fails
the journey.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Collection

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from playwright.sync_api import Page, expect

from tests.browser.conftest import BROWSER_TIMEZONE

pytestmark = pytest.mark.browser

PASSWORD = "quiet-harbor-4821"
CONFIRMATION_LINK = re.compile(r"https?://\S+/accounts/confirm-email/[^/\s]+/")


def authenticator_code(secret: str, *, not_in: Collection[str] = ()) -> str:
    """The code an authenticator app would show for `secret`: allauth's own HOTP helpers
    at allauth's time step (RFC 6238: SHA-1, 30 s, 6 digits).

    allauth refuses a code that was already used; Hive accepts the neighbouring step
    (MFA_TOTP_TOLERANCE = 1, for phone clock drift), so when the current code is in
    `not_in` we hand out the next step's code instead of waiting for it.
    """
    assert mfa_settings.TOTP_TOLERANCE >= 1
    step = int(time.time() // mfa_settings.TOTP_PERIOD)
    for candidate in (step, step + 1):
        code = format_hotp_value(hotp_value(secret, candidate))
        if code not in not_in:
            return code
    raise AssertionError("no unused code in the accepted window")


def sign_in(page: Page, email: str, password: str) -> None:
    expect(page.get_by_role("heading", name="Log in", level=1)).to_be_visible()
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()


def test_visitor_signs_up_verifies_email_and_protects_account_with_2fa(
    page: Page, live_server, mailoutbox, console_errors: list[str], settings
):
    # A fresh address each run: allauth rate-limits verification mail per address.
    email = f"new.clinician.{uuid.uuid4().hex[:8]}@example.com"
    url = live_server.url
    settings.HIVE_BASE_URL = url  # links in emails point at this server (never the Host)
    main_nav = page.get_by_role("navigation", name="Main")
    messages = page.locator(".messages")  # the page's message banner (role=status)

    # a. A visitor opens Hive and finds the landing page, served under our CSP.
    response = page.goto("/")
    assert response is not None and response.ok
    assert "script-src 'self'" in response.headers.get("content-security-policy", "")
    expect(page).to_have_title(re.compile(r"Hive$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Colleagues you can trust, in a place that keeps your confidence."
    )
    apply_link = main_nav.get_by_role("link", name="Apply to join")
    expect(apply_link).to_be_visible()

    # b. They apply: the sign-up form asks for an email address and a password, twice.
    apply_link.click()
    expect(page).to_have_url(f"{url}/accounts/signup/")
    expect(page.get_by_role("heading", name="Apply to join Hive", level=1)).to_be_visible()
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password, again").fill(PASSWORD)
    page.get_by_role("button", name="Create your account").click()

    # The browser's time zone was taken at sign-up (static/js/hive.js fills it in).
    from members.models import User

    assert User.objects.get(email=email).timezone == BROWSER_TIMEZONE

    # c. Hive asks them to verify their address and sends exactly one email with a link.
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    expect(page).to_have_url(f"{url}/accounts/confirm-email/")
    to_them = [message for message in mailoutbox if email in message.to]
    assert len(to_them) == 1, [(m.subject, m.to) for m in mailoutbox]
    assert to_them[0].subject.startswith("[Hive] "), to_them[0].subject
    assert "confirm your email" in to_them[0].subject.lower(), to_them[0].subject
    link = CONFIRMATION_LINK.search(to_them[0].body)
    assert link, f"no confirmation link in the email:\n{to_them[0].body}"
    assert link.group(0).startswith(f"{url}/"), link.group(0)

    page.goto(link.group(0))
    expect(page.get_by_role("heading", name="Confirm your email address")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(f"Is {email} your address?")
    page.get_by_role("button", name="Yes, confirm my address").click()

    # d. Confirmed in the browser they signed up in: logged in, on their application.
    expect(page).to_have_url(f"{url}/apply/")
    expect(messages).to_contain_text(f"Thank you: {email} is confirmed.")
    status_heading = page.get_by_role("heading", name="Your application", level=1)
    expect(status_heading).to_be_visible()
    expect(status_heading).to_contain_text("Draft")
    expect(main_nav.get_by_role("link", name="My application")).to_have_attribute(
        "aria-current", "page"
    )

    # e. From their account settings, they set up two-factor authentication with an app.
    main_nav.get_by_role("link", name="Account").click()
    page.get_by_role("navigation", name="Account settings").get_by_role(
        "link", name="Two-factor authentication"
    ).click()
    expect(page).to_have_url(f"{url}/accounts/2fa/")
    expect(page.get_by_role("heading", name="Two-factor sign-in", level=1)).to_be_visible()
    page.get_by_role("link", name="Turn on two-factor sign-in").click()

    # Logged in by the link in the email, not with the password: changing how they log
    # in needs the password first (a password login would count for a few minutes).
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/\?next="))
    expect(page.get_by_role("heading", name="Confirm it's you")).to_be_visible()
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_url(f"{url}/accounts/2fa/totp/activate/")
    expect(page.get_by_role("heading", name="Turn on two-factor sign-in")).to_be_visible()
    secret_field = page.get_by_label("Key for your app")
    expect(secret_field).to_have_attribute("readonly", "")  # to copy, never submitted
    assert secret_field.get_attribute("name") is None
    secret = secret_field.input_value()
    assert re.fullmatch(r"[A-Z2-7]{16,}=*", secret), f"not a base32 secret: {secret!r}"
    activation_code = authenticator_code(secret)
    page.get_by_label("The six-digit code your app shows").fill(activation_code)
    page.get_by_role("button", name="Turn on").click()

    # Turned on: the new recovery codes are shown, and the app is on record.
    expect(page).to_have_url(f"{url}/accounts/2fa/recovery-codes/")
    expect(messages).to_contain_text("Two-factor sign-in is on.")
    expect(page.get_by_role("heading", name="Recovery codes", level=1)).to_be_visible()
    recovery_codes = page.get_by_label("Unused codes").input_value().split()
    assert len(recovery_codes) == mfa_settings.RECOVERY_CODE_COUNT, recovery_codes
    assert Authenticator.objects.filter(user__email=email, type=Authenticator.Type.TOTP).exists()
    assert Authenticator.objects.filter(
        user__email=email, type=Authenticator.Type.RECOVERY_CODES
    ).exists()
    # ACCOUNT_EMAIL_NOTIFICATIONS: they're told by email that 2FA was switched on.
    notice = [m for m in mailoutbox if email in m.to][-1]
    assert notice.subject == "[Hive] Two-factor sign-in was turned on", notice.subject

    page.get_by_role("navigation", name="Account settings").get_by_role(
        "link", name="Two-factor authentication"
    ).click()
    expect(page).to_have_url(f"{url}/accounts/2fa/")
    expect(
        page.get_by_text("Your account asks for a code from your authenticator app")
    ).to_be_visible()

    # f. They log out, and logging back in now takes a code from their app as well.
    main_nav.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(f"{url}/")
    expect(messages).to_contain_text("You're logged out.")

    main_nav.get_by_role("link", name="Log in").click()
    expect(page).to_have_url(f"{url}/accounts/login/")
    sign_in(page, email, PASSWORD)
    expect(page).to_have_url(f"{url}/accounts/2fa/authenticate/")
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    page.get_by_label("Code from your authenticator app, or a recovery code").fill(
        authenticator_code(secret, not_in={activation_code})
    )
    page.get_by_role("button", name="Log in").click()

    expect(page).to_have_url(f"{url}/apply/")
    expect(page.get_by_role("heading", name="Your application", level=1)).to_be_visible()

    # No page on the way reported an error: no CSP violation, missing file or JS error.
    assert console_errors == [], "\n".join(console_errors)
