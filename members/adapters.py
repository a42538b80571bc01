"""How allauth fits Hive: where people land after logging in, and how its security
notices reach people (through the notifications backbone, so they also appear in the
notification centre and carry Hive's footer)."""

from allauth.account.adapter import DefaultAccountAdapter
from django.shortcuts import resolve_url
from django.utils import timezone

from hive.text import render_text
from notifications.services import notify


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request) -> str:
        """Members go home; everyone else goes to the page that says where they stand."""
        user = request.user
        if user.is_authenticated and not (user.is_member or user.is_staff):
            return resolve_url("members:status")
        return super().get_login_redirect_url(request)

    def send_notification_mail(self, template_prefix, user, context=None, email=None):
        """allauth's security notices (password changed, 2FA on/off, …) become an
        `account_security` notification: mandatory, in-app and by email."""
        if email and email.lower() != user.email.lower():
            # e.g. "your email was changed" also goes to the old address, directly.
            super().send_notification_mail(template_prefix, user, context, email)
        now = timezone.now()
        details = {
            "timestamp": now,
            "ip": self.get_client_ip(self.request) if self.request else None,
            "user_agent": (self.get_http_user_agent(self.request) or "")[:200]
            if self.request
            else "",
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
