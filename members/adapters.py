"""How allauth fits Hive: where people land after logging in, what its emails call the
site and where their links point, when a password counts as freshly entered, and how
its security notices reach people (through the notifications backbone, so they also
appear in the notification center and carry Hive's footer)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.authentication import get_authentication_records
from django.conf import settings
from django.shortcuts import resolve_url
from django.utils import timezone

from hive.http import absolute_url
from hive.text import render_text
from members.devices import device_name
from notifications.services import notify

# Context keys in which allauth hands its emails a link built from the request.
_EMAIL_LINKS = ("activate_url", "password_reset_url", "signup_url")
# Ways of logging in that prove the person knows the account's secrets; a link from an
# email (login on confirmation) does not.
_SECRET_METHODS = {"password", "mfa"}
# The allauth apps whose changes a fresh login may make without asking again.
_LOGIN_IS_FRESH_FOR = {"allauth.account", "allauth.mfa"}


@dataclass(frozen=True)
class Site:
    """What allauth's emails get as `current_site`: our name and public address, from
    settings. Without django.contrib.sites allauth would use the request's Host, so an
    email said "registered on 127.0.0.1:32915"."""

    name: str
    domain: str


def current_site() -> Site:
    return Site(
        name=settings.HIVE_SITE_NAME,
        domain=urlsplit(settings.HIVE_BASE_URL).netloc or settings.HIVE_BASE_URL,
    )


def on_our_site(url: str) -> str:
    """`url` (absolute, built from whatever Host the request came in on) moved onto
    HIVE_BASE_URL, keeping its path and query."""
    parts = urlsplit(url)
    return absolute_url(parts.path + (f"?{parts.query}" if parts.query else ""))


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request) -> str:
        """Members go home; everyone else goes to the page that says where they stand."""
        user = request.user
        if user.is_authenticated and not (user.is_member or user.is_staff):
            return resolve_url("members:status")
        return super().get_login_redirect_url(request)

    def get_email_verification_redirect_url(self, email_address) -> str:
        """An applicant who just confirmed their address goes on to the application
        (logged in when they confirmed in the browser they signed up in; otherwise the
        application page asks them to log in first)."""
        user = email_address.user
        if not (user.is_member or user.is_staff):
            return resolve_url("members:status")
        return super().get_email_verification_redirect_url(email_address)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Every email allauth sends names the site from settings, and its links point
        at HIVE_BASE_URL (behind a proxy or on a dev port, the request's Host is not
        the address people should keep)."""
        context = {**context, "current_site": current_site()}
        for key in _EMAIL_LINKS:
            if context.get(key):
                context[key] = on_our_site(str(context[key]))
        super().send_mail(template_prefix, email, context)

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """allauth counts only a password re-entered on its "confirm it's you" page as
        fresh, so turning on two-factor seconds after logging in asked for the password
        again. For allauth's own settings (email, password, two-factor) a login with the
        password (and code) counts too, for the same ACCOUNT_REAUTHENTICATION_TIMEOUT.
        Hive's own guarded steps (downloading one's data, deleting the account: `app`
        None) always ask: they are rare and cannot be undone by the member."""
        if not super().is_reauthentication_required(app=app, **kwargs):
            return False
        return not (app in _LOGIN_IS_FRESH_FOR and self._logged_in_recently())

    def _logged_in_recently(self) -> bool:
        request = self.request
        if request is None or not request.user.is_authenticated:
            return False
        times = [
            record.get("at", 0)
            for record in get_authentication_records(request, request.user)
            if record.get("method") in _SECRET_METHODS
        ]
        return bool(times) and time.time() - max(times) < (
            account_settings.REAUTHENTICATION_TIMEOUT
        )

    def send_notification_mail(self, template_prefix, user, context=None, email=None):
        """allauth's security notices (password changed, 2FA on/off, …) become an
        `account_security` notification: mandatory, in-app and by email."""
        # The browser by its readable name ("Firefox on Linux"), never the raw header.
        device = device_name(self.get_http_user_agent(self.request)) if self.request else ""
        if email and email.lower() != user.email.lower():
            # e.g. "your email was changed" also goes to the old address, directly.
            super().send_notification_mail(
                template_prefix, user, {**(context or {}), "user_agent": device}, email
            )
        now = timezone.now()
        details = {
            "timestamp": now,
            "ip": self.get_client_ip(self.request) if self.request else None,
            "user_agent": device,
            **(context or {}),
        }
        summary = render_text(f"{template_prefix}_subject.txt", details).strip()
        notify(
            recipient=user,
            kind="account_security",
            key=f"account_security:{user.pk}:{template_prefix}:{now.isoformat()}",
            context={
                "summary": summary,
                "occurred_at": now.isoformat(),
                "ip": details["ip"],
                "user_agent": details["user_agent"],
            },
            url=resolve_url("mfa_index"),
        )
