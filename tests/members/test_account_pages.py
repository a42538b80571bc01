"""allauth in our words and our ways (issue 18): no page shows allauth's wording, every
email allauth sends names the site from settings and links to HIVE_BASE_URL, confirming
the email logs you in, no password prompt right after logging in, and the devices page
(readable names, logging out one device)."""

from __future__ import annotations

import re
import time
from html import unescape

import pytest
from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.core import mail
from django.test import Client
from django.urls import reverse

from members.devices import device_name
from members.models import AuditEvent, User
from tests.members.factories import PASSWORD, ApplicantFactory, MemberFactory
from tests.members.test_auth import CONFIRM_URL, RESET_URL, _activate_totp, _current_code

# allauth's own words, and the "sign in / sign up" family we never use for the verb (our
# words are "Log in", "Log out", "Apply to join", "Create your account"). "Two-factor
# sign-in" (a noun, hyphenated) is ours and allowed.
BANNED = [
    re.compile(r"\bsign ?(in|up|out)\b", re.IGNORECASE),
    re.compile(r"\bsigned (in|out)\b", re.IGNORECASE),
    re.compile(r"remember me", re.IGNORECASE),
    re.compile(r"\busername\b", re.IGNORECASE),
    re.compile(
        r"Started At|IP Address|Make Primary|Re-send Verification|Add Email|Change Password"
        r"|Set Password|Password Reset|Reset My Password|Confirm Access|Email Addresses"
        r"|Two-Factor Authentication|Authenticator App|Recovery Codes|Account Inactive"
        r"|Verify Your Email Address|Bad Token|Current Password|New Password|Password \(again\)"
        r"|reauthenticate|Other Sessions|Sessions</h1>|Deactivate|Generate\b"
    ),
]
EMAIL_HOST = "hive.example.org"


READ_ATTRIBUTES = re.compile(r'\b(?:aria-label|title|alt|placeholder|value)="([^"]*)"')


def readable_text(html: str) -> str:
    """What a person reads or hears on a page: its text, and the attributes a browser
    shows or a screen reader speaks (not URLs, class names or scripts)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.DOTALL)
    html = re.sub(r'<input type="hidden"[^>]*>', " ", html)
    spoken = " ".join(READ_ATTRIBUTES.findall(html))
    return re.sub(r"<[^>]+>", " ", html) + " " + spoken


def banned_in(html: str) -> list[str]:
    text = readable_text(html)
    return [match.group(0) for pattern in BANNED for match in pattern.finditer(text)]


def _page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


def _password_login(client, user):
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return response


def _two_factor(user, client=None) -> str:
    """Turn on two-factor for `user` (through the pages), returning the TOTP secret."""
    own = client or Client()
    own.force_login(user)
    return _activate_totp(own)


# --- No page shows allauth's default wording ----------------------------------------


def test_visitor_pages_are_in_our_words(client, db):
    pages = {
        "login": _page(client, reverse("account_login")),
        "signup": _page(client, reverse("account_signup")),
        "reset": _page(client, reverse("account_reset_password")),
        "reset done": _page(client, reverse("account_reset_password_done")),
        "verification sent": _page(client, reverse("account_email_verification_sent")),
        "inactive": _page(client, reverse("account_inactive")),
        "bad confirmation link": _page(client, reverse("account_confirm_email", args=["nope"])),
        "bad reset link": _page(
            client,
            reverse("account_reset_password_from_key", kwargs={"uidb36": "zz", "key": "bad"}),
        ),
        "login errors": client.post(
            reverse("account_login"), {"login": "nobody@example.com", "password": "x"}
        ).content.decode(),
        "signup errors": client.post(
            reverse("account_signup"),
            {"email": "not-an-address", "password1": "a", "password2": "b"},
        ).content.decode(),
    }
    found = {name: banned_in(html) for name, html in pages.items()}
    assert not any(found.values()), found
    assert "Log in</h1>" in pages["login"] and "Keep me logged in" in pages["login"]
    assert "Apply to join Hive</h1>" in pages["signup"]
    assert "Create your account</button>" in pages["signup"]


def test_the_email_flow_pages_are_in_our_words(client, db):
    client.post(
        reverse("account_signup"),
        {"email": "words@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    confirm = CONFIRM_URL.search(mail.outbox[-1].body).group(1)
    confirm_page = _page(Client(), confirm)
    member = MemberFactory()
    client = Client()
    client.post(reverse("account_reset_password"), {"email": member.email})
    reset_form_url = client.get(RESET_URL.search(mail.outbox[-1].body).group(1)).url
    reset_form = _page(client, reset_form_url)
    assert not banned_in(confirm_page), banned_in(confirm_page)
    assert "Yes, confirm my address" in confirm_page
    assert not banned_in(reset_form), banned_in(reset_form)
    assert "Choose a new password" in reset_form


def test_account_settings_pages_are_in_our_words(client, db):
    member = MemberFactory()
    Client().force_login(member)  # a second device, so the devices page lists two
    pages = {}
    client.force_login(member)  # no password entered: sensitive pages ask for it first
    reauth_url = client.get(reverse("mfa_activate_totp")).url
    pages["reauthenticate"] = _page(client, reauth_url)
    _password_login(Client(), member)
    for name in ["account_email", "account_change_password", "mfa_index", "usersessions_list"]:
        pages[name] = _page(client, reverse(name))
    pages["logout"] = _page(client, reverse("account_logout"))
    client.post(reauth_url, {"password": PASSWORD})
    pages["activate"] = _page(client, reverse("mfa_activate_totp"))
    secret = _activate_totp_after_reauth(client)
    for name in [
        "mfa_index",
        "mfa_view_recovery_codes",
        "mfa_generate_recovery_codes",
        "mfa_deactivate_totp",
    ]:
        pages[f"{name} (on)"] = _page(client, reverse(name))
    pages["mfa reauthenticate"] = _page(client, reverse("mfa_reauthenticate"))
    # The code step of logging in.
    other = Client()
    other.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})
    pages["code step"] = _page(other, reverse("mfa_authenticate"))
    pages["code step error"] = other.post(
        reverse("mfa_authenticate"), {"code": "000000"}
    ).content.decode()
    assert other.post(reverse("mfa_authenticate"), {"code": _current_code(secret, 1)}).url
    found = {name: banned_in(html) for name, html in pages.items()}
    assert not any(found.values()), found


def _activate_totp_after_reauth(client) -> str:
    page = client.get(reverse("mfa_activate_totp"))
    secret = page.context["form"].secret
    response = client.post(reverse("mfa_activate_totp"), {"code": _current_code(secret)})
    assert response.status_code == 302
    return secret


def test_flash_messages_are_in_our_words(client, member):
    _password_login(client, member)
    response = client.post(reverse("account_logout"), follow=True)
    html = unescape(response.content.decode())
    assert "You're logged out" in html
    assert not banned_in(html)


# --- Emails: the site's name and address, from settings --------------------------------


@pytest.fixture
def site_settings(settings):
    settings.HIVE_BASE_URL = f"https://{EMAIL_HOST}"
    settings.HIVE_SITE_NAME = "Hive"
    return settings


def _all_mail_says_our_site(messages) -> None:
    assert messages
    for message in messages:
        text = message.subject + "\n" + message.body
        assert "Hive" in text, message.subject
        assert "testserver" not in text, (message.subject, message.body)
        urls = re.findall(r"https?://[^\s\"'<>]+", text)
        words = re.sub(r"https?://[^\s\"'<>]+", " ", text)
        assert not banned_in(words), (message.subject, banned_in(words))
        for url in urls:
            assert url.startswith(f"https://{EMAIL_HOST}/"), (message.subject, url)


def test_every_email_allauth_sends_names_the_site_from_settings(
    client, db, site_settings, django_capture_on_commit_callbacks
):
    """Signing up, the "already registered" and "no such account" answers, password
    reset, adding an address, and each security notice (password, email, two-factor)."""
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("account_signup"),
            {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD},
        )
        signup = mail.outbox[-1]
        assert signup.subject == "[Hive] Confirm your email address to apply to Hive"
        assert f"on Hive ({EMAIL_HOST})" in signup.body
        assert CONFIRM_URL.search(signup.body).group(0).startswith(f"https://{EMAIL_HOST}/")
        member = MemberFactory(email="member@example.com")
        Client().post(
            reverse("account_signup"),
            {"email": member.email, "password1": PASSWORD, "password2": PASSWORD},
        )
        Client().post(reverse("account_reset_password"), {"email": member.email})
        Client().post(reverse("account_reset_password"), {"email": "stranger@example.com"})
        mine = Client()
        _password_login(mine, member)
        new_password = "a-new-calm-4412"
        mine.post(
            reverse("account_change_password"),
            {"oldpassword": PASSWORD, "password1": new_password, "password2": new_password},
        )
        _activate_totp_after_reauth(mine)
        mine.post(reverse("mfa_generate_recovery_codes"))
        mine.post(reverse("mfa_deactivate_totp"))
        # Last: allauth allows no two-factor change while an address is unconfirmed.
        mine.post(reverse("account_email"), {"action_add": "", "email": "second@example.com"})
    subjects = [m.subject for m in mail.outbox]
    for expected in [
        "[Hive] You already have an account on Hive",
        "[Hive] Reset your Hive password",
        "[Hive] About your request to Hive",
        "[Hive] Confirm your new email address for Hive",
        "[Hive] Your password was changed",
        "[Hive] Two-factor sign-in was turned on",
        "[Hive] New recovery codes were made",
        "[Hive] Two-factor sign-in was turned off",
    ]:
        assert expected in subjects, subjects
    _all_mail_says_our_site(mail.outbox)


def test_the_email_changed_notice_to_the_old_address_names_the_site(
    client, db, site_settings, django_capture_on_commit_callbacks
):
    from allauth.account.models import EmailAddress

    member = MemberFactory(email="old@example.com")
    EmailAddress.objects.create(user=member, email="new@example.com", verified=True)
    _password_login(client, member)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_email"), {"action_primary": "", "email": "new@example.com"})
    to_old = [m for m in mail.outbox if m.to == ["old@example.com"]]
    assert to_old and "new@example.com" in to_old[0].body
    _all_mail_says_our_site(mail.outbox)


# --- Confirming the email logs you in ----------------------------------------------------


def test_confirming_the_email_in_the_same_browser_logs_the_applicant_in(client, db):
    client.post(
        reverse("account_signup"),
        {"email": "confirm@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    response = client.post(CONFIRM_URL.search(mail.outbox[-1].body).group(1))
    assert response.status_code == 302
    assert response.url == reverse("members:status")
    assert client.get(reverse("members:status")).context["user"].email == "confirm@example.com"


def test_confirming_the_email_in_another_browser_asks_to_log_in(client, db):
    client.post(
        reverse("account_signup"),
        {"email": "elsewhere@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    other = Client()  # the link opened on another device: nobody is logged in by a link
    other.post(CONFIRM_URL.search(mail.outbox[-1].body).group(1))
    assert other.get("/").context["user"].is_anonymous


# --- No password prompt right after logging in ------------------------------------------


def test_turning_on_two_factor_right_after_logging_in_asks_no_password(client, member):
    _password_login(client, member)
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 200
    _activate_totp_after_reauth(client)
    assert Authenticator.objects.filter(user=member, type=Authenticator.Type.TOTP).exists()


def test_the_password_is_asked_again_once_the_login_is_old(client, member, settings):
    _password_login(client, member)
    session = client.session
    records = session[AUTHENTICATION_METHODS_SESSION_KEY]
    for record in records:
        record["at"] = time.time() - settings.ACCOUNT_REAUTHENTICATION_TIMEOUT - 1
    session[AUTHENTICATION_METHODS_SESSION_KEY] = records
    session.save()
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_reauthenticate"))


def test_a_login_by_confirmation_link_is_not_a_fresh_password(client, db):
    client.post(
        reverse("account_signup"),
        {"email": "link@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    client.post(CONFIRM_URL.search(mail.outbox[-1].body).group(1))
    # Logged in by the link in the email: whoever holds the mailbox is not asked nothing.
    response = client.get(reverse("account_change_password"))
    assert response.status_code == 200
    response = client.post(
        reverse("account_email"), {"action_add": "", "email": "another@example.com"}
    )
    assert response.url.startswith(reverse("account_reauthenticate"))


# --- Where you're logged in ------------------------------------------------------------

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
WINDOWS_CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"
)


@pytest.mark.parametrize(
    ("agent", "name"),
    [
        (IPHONE, "Safari on iPhone"),
        (WINDOWS_CHROME, "Chrome on Windows"),
        (
            "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
            "Firefox on Ubuntu",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/124.0.0.0 Mobile Safari/537.36",
            "Chrome on a Samsung phone",
        ),
        ("", "Unknown browser"),
        ("definitely not a browser", "Unknown browser"),
    ],
)
def test_device_names_read_like_people_say_them(agent, name):
    assert device_name(agent) == name


def _logged_in(member, agent) -> Client:
    client = Client(HTTP_USER_AGENT=agent)
    _password_login(client, member)
    return client


def test_devices_page_names_each_device_and_logs_one_out(member):
    phone = _logged_in(member, IPHONE)
    laptop = _logged_in(member, WINDOWS_CHROME)
    html = _page(laptop, reverse("usersessions_list"))
    assert "Safari on iPhone" in html and "Chrome on Windows" in html
    assert IPHONE not in html  # never the raw string
    assert html.index("This device") < html.index("Safari on iPhone")  # this one first
    phone_session = UserSession.objects.get(user=member, user_agent=IPHONE)

    response = laptop.post(
        reverse("members:sessions_end"), {"session": phone_session.pk}, follow=True
    )
    assert response.redirect_chain == [(reverse("usersessions_list"), 302)]
    assert "Logged out of Safari on iPhone." in unescape(response.content.decode())
    assert phone.get("/").context["user"].is_anonymous
    assert laptop.get("/").context["user"] == member
    event = AuditEvent.objects.get(action=AuditEvent.Action.SESSIONS_ENDED, subject=member)
    assert event.data == {"devices": ["Safari on iPhone"]}


def test_logging_out_all_other_devices(member):
    phone = _logged_in(member, IPHONE)
    tablet = _logged_in(member, "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) Safari/604.1")
    laptop = _logged_in(member, WINDOWS_CHROME)
    laptop.post(reverse("members:sessions_end"), {"others": "1"})
    assert phone.get("/").context["user"].is_anonymous
    assert tablet.get("/").context["user"].is_anonymous
    assert laptop.get("/").context["user"] == member
    assert UserSession.objects.filter(user=member).count() == 1


def test_nobody_can_log_out_someone_elses_device(member):
    stranger = MemberFactory()
    theirs = _logged_in(stranger, IPHONE)
    mine = _logged_in(member, WINDOWS_CHROME)
    session = UserSession.objects.get(user=stranger)
    assert mine.post(reverse("members:sessions_end"), {"session": session.pk}).status_code == 404
    assert mine.post(reverse("members:sessions_end"), {"session": "x"}).status_code == 404
    assert theirs.get("/").context["user"] == stranger


def test_this_device_is_not_logged_out_from_the_list(member):
    laptop = _logged_in(member, WINDOWS_CHROME)
    session = UserSession.objects.get(user=member)
    laptop.post(reverse("members:sessions_end"), {"session": session.pk})
    assert laptop.get("/").context["user"] == member


def test_applicants_have_a_devices_page_too(client, db):
    applicant = ApplicantFactory()
    _password_login(client, applicant)
    assert "Where you're logged in" in unescape(_page(client, reverse("usersessions_list")))


def test_logging_out_devices_needs_a_login(client, db):
    response = client.post(reverse("members:sessions_end"), {"others": "1"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert not User.objects.exists()


def test_security_notices_name_the_device(member):
    from notifications.models import Notification

    firefox = _logged_in(
        member, "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"
    )
    new_password = "a-new-calm-4412"
    firefox.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": new_password, "password2": new_password},
    )
    notice = Notification.objects.get(recipient=member, kind="account_security")
    assert notice.context["user_agent"] == "Firefox on Linux"
    assert notice.in_app_text() == "Your password was changed"


def test_deleting_the_account_still_asks_for_the_password_after_logging_in(client, member):
    """Only allauth's own settings take a fresh login as the password: Hive's steps that
    cannot be undone (download my data, delete my account) always ask."""
    _password_login(client, member)
    response = client.post(reverse("members:account_delete"), {"confirm": "delete"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_reauthenticate"))
