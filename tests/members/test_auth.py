"""Accounts through allauth: sign-up, verification, login by email, reset, 2FA, sessions."""

import re
import time

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core import mail
from django.urls import reverse
from django.utils.http import urlencode

from members.models import User
from tests.members.factories import PASSWORD, MemberFactory, UserFactory

CONFIRM_URL = re.compile(r"https?://[^/\s]+(/accounts/confirm-email/[^/\s]+/)")
RESET_URL = re.compile(r"https?://[^/\s]+(/accounts/password/reset/key/[^\s]+/)")


def _signup(client, email="new.clinician@example.com", password=PASSWORD):
    return client.post(
        reverse("account_signup"),
        {"email": email, "password1": password, "password2": password},
    )


def _login(client, email, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_signup_creates_an_applicant_and_asks_to_verify(client, db):
    response = _signup(client)
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    user = User.objects.get(email="new.clinician@example.com")
    assert user.membership_status == User.Status.APPLICANT
    assert user.is_active  # approval is a status; is_active is only for suspension
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new.clinician@example.com"]
    assert CONFIRM_URL.search(mail.outbox[0].body)
    # Nobody is let in before the address is verified.
    assert client.get("/").context["user"].is_anonymous


def test_signup_form_errors_keep_what_was_typed(client, db):
    response = client.post(
        reverse("account_signup"),
        {"email": "typed@example.com", "password1": "short", "password2": "short"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="typed@example.com"' in html
    assert "too short" in html
    assert not User.objects.exists()


def test_verification_link_then_login_lands_on_status_page(client, db):
    _signup(client)
    path = CONFIRM_URL.search(mail.outbox[0].body).group(1)
    assert client.get(path).status_code == 200  # a GET only shows the confirm button
    assert not EmailAddress.objects.get(email="new.clinician@example.com").verified
    client.post(path)
    assert EmailAddress.objects.get(email="new.clinician@example.com").verified
    response = _login(client, "NEW.Clinician@example.com")  # case does not matter
    assert response.status_code == 302
    assert response.url == reverse("members:status")


def test_unverified_account_cannot_log_in(client, db):
    UserFactory(email="pending@example.com", verified_email=False)
    EmailAddress.objects.create(
        user=User.objects.get(email="pending@example.com"),
        email="pending@example.com",
        verified=False,
        primary=True,
    )
    response = _login(client, "pending@example.com")
    assert response.url == reverse("account_email_verification_sent")
    assert client.get("/").context["user"].is_anonymous


def test_duplicate_email_makes_no_second_account_and_reveals_nothing(client, db):
    MemberFactory(email="taken@example.com")
    response = _signup(client, email="Taken@Example.com")
    # Same answer as a fresh sign-up (no account enumeration) …
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    # … no duplicate, and the owner is told someone tried.
    assert User.objects.filter(email__iexact="taken@example.com").count() == 1
    assert mail.outbox[-1].to == ["taken@example.com"]


def test_database_rejects_case_insensitive_duplicate_emails(db):
    from django.db import IntegrityError

    UserFactory(email="same@example.com")
    with pytest.raises(IntegrityError):
        User.objects.create_user(email="SAME@example.com", password=PASSWORD)


def test_password_reset_round_trip(client, member):
    client.post(reverse("account_reset_password"), {"email": member.email})
    assert len(mail.outbox) == 1
    path = RESET_URL.search(mail.outbox[0].body).group(1)
    form_url = client.get(path).url  # allauth swaps the key into the session
    new_password = "another-calm-password-77"
    response = client.post(form_url, {"password1": new_password, "password2": new_password})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.check_password(new_password)


def test_failed_logins_are_rate_limited_per_account(client, member):
    for _ in range(5):
        assert _login(client, member.email, "wrong-password").status_code == 200
    response = _login(client, member.email, "wrong-password")
    assert "Too many failed login attempts" in response.content.decode()
    # Even the right password is refused until the window passes.
    assert _login(client, member.email).status_code == 200
    assert client.get("/").context["user"].is_anonymous


def test_admin_login_goes_through_allauth(client, db):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def _current_code(secret: str, step: int = 0) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + step))


def _activate_totp(client) -> str:
    activate = reverse("mfa_activate_totp")
    response = client.get(activate)
    # Turning on 2FA asks for the password again first.
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_reauthenticate"))
    client.post(response.url, {"password": PASSWORD})
    page = client.get(activate)
    secret = page.context["form"].secret
    response = client.post(activate, {"code": _current_code(secret)})
    assert response.status_code == 302
    return secret


def test_totp_setup_requires_reauthentication_and_guards_the_next_login(client, db):
    user = MemberFactory()
    client.force_login(user)
    secret = _activate_totp(client)
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).exists()
    client.post(reverse("account_logout"))

    response = _login(client, user.email)
    assert response.url == reverse("mfa_authenticate")
    assert client.get("/").context["user"].is_anonymous  # password alone is not enough
    response = client.post(reverse("mfa_authenticate"), {"code": _current_code(secret, 1)})
    assert response.status_code == 302
    assert client.get("/").context["user"] == user


def test_changing_email_requires_reauthentication(client, member):
    client.force_login(member)
    response = client.post(
        reverse("account_email"), {"action_add": "", "email": "second@example.com"}
    )
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_reauthenticate"))
    assert not EmailAddress.objects.filter(email="second@example.com").exists()


def test_sessions_list_and_sign_out_other_sessions(client, member, django_user_model):
    from django.test import Client

    firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"
    other = Client(HTTP_USER_AGENT=firefox)
    assert _login(other, member.email).status_code == 302
    assert _login(client, member.email).status_code == 302
    page = client.get(reverse("usersessions_list"))
    assert page.status_code == 200
    # A readable name, never the raw User-Agent (issue 18).
    assert "Firefox on Linux" in page.content.decode()
    assert firefox not in page.content.decode()
    client.post(reverse("usersessions_list"))
    assert other.get("/").context["user"].is_anonymous
    assert client.get("/").context["user"] == member


def test_login_redirect_honours_next_for_members(client, member):
    response = client.post(
        f"{reverse('account_login')}?{urlencode({'next': '/guidelines/'})}",
        {"login": member.email, "password": PASSWORD},
    )
    assert response.url == "/guidelines/"


def test_signup_keeps_the_browser_time_zone(client, db):
    page = client.get(reverse("account_signup")).content.decode()
    assert re.search(r'<input type="hidden" name="timezone"[^>]*data-browser-timezone', page)
    client.post(
        reverse("account_signup"),
        {
            "email": "tz@example.com",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "timezone": "America/Denver",
        },
    )
    assert User.objects.get(email="tz@example.com").timezone == "America/Denver"


def test_signup_with_an_unknown_time_zone_falls_back_to_utc(client, db):
    _signup(client, email="odd@example.com")
    assert User.objects.get(email="odd@example.com").timezone == "UTC"


def test_confirming_email_sends_the_welcome_once(client, db, django_capture_on_commit_callbacks):
    _signup(client)
    path = CONFIRM_URL.search(mail.outbox[0].body).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(path)
    welcome = [m for m in mail.outbox if m.subject == "[Hive] Welcome to Hive"]
    assert len(welcome) == 1
    assert "/apply/" in welcome[0].body
    assert welcome[0].extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
