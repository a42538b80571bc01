"""Receivers that write allauth's and Django's security events to the audit log, and
tell the processes' copies of the taxonomy that a term changed.

These only translate a signal into `audit_record()` or `taxonomy_changed()`; the rule
lives in the service.
"""

from allauth.account import signals as account
from allauth.mfa import signals as mfa
from django.contrib.auth import signals as auth
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.shortcuts import resolve_url

from members.models import AuditEvent, Term, User
from members.services import audit_record
from members.taxonomy import taxonomy_changed
from notifications.services import notify

Action = AuditEvent.Action


@receiver(auth.user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    audit_record(action=Action.LOGIN, subject=user, request=request)


@receiver(auth.user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(action=Action.LOGOUT, subject=user, request=request)


@receiver(auth.user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    # Django hides secret-looking keys in credentials; the login name is kept.
    login = credentials.get("email") or credentials.get("username") or ""
    subject = User.objects.filter(email__iexact=login).first() if login else None
    audit_record(
        action=Action.LOGIN_FAILED,
        subject=subject,
        actor=None,
        request=request,
        data={"login": login[:254]},
    )


@receiver(account.password_changed)
def _password_changed(sender, request, user, **kwargs):
    audit_record(action=Action.PASSWORD_CHANGED, subject=user, request=request)


@receiver(account.password_reset)
def _password_reset(sender, request, user, **kwargs):
    audit_record(action=Action.PASSWORD_RESET, subject=user, request=request)


@receiver(account.email_added)
def _email_added(sender, request, user, email_address, **kwargs):
    audit_record(
        action=Action.EMAIL_ADDED,
        subject=user,
        request=request,
        data={"email": email_address.email},
    )


@receiver(account.email_removed)
def _email_removed(sender, request, user, email_address, **kwargs):
    audit_record(
        action=Action.EMAIL_REMOVED,
        subject=user,
        request=request,
        data={"email": email_address.email},
    )


@receiver(account.email_changed)
def _email_changed(sender, request, user, from_email_address, to_email_address, **kwargs):
    audit_record(
        action=Action.EMAIL_CHANGED,
        subject=user,
        request=request,
        data={
            "from": getattr(from_email_address, "email", None),
            "to": to_email_address.email,
        },
    )


@receiver(mfa.authenticator_added)
def _mfa_added(sender, request, user, authenticator, **kwargs):
    audit_record(
        action=Action.MFA_ADDED, subject=user, request=request, data={"type": authenticator.type}
    )


@receiver(mfa.authenticator_removed)
def _mfa_removed(sender, request, user, authenticator, **kwargs):
    audit_record(
        action=Action.MFA_REMOVED, subject=user, request=request, data={"type": authenticator.type}
    )


@receiver(mfa.authenticator_reset)
def _mfa_reset(sender, request, user, authenticator, **kwargs):
    audit_record(
        action=Action.MFA_RESET, subject=user, request=request, data={"type": authenticator.type}
    )


@receiver(mfa.authentication_failed)
def _mfa_failed(sender, request, user, **kwargs):
    audit_record(action=Action.MFA_FAILED, subject=user, request=request)


@receiver(account.email_confirmed)
def _welcome(sender, request, email_address, **kwargs):
    user = email_address.user
    if email_address.primary and not user.is_member:
        notify(
            recipient=user,
            kind="welcome",
            key=f"welcome:{user.pk}",
            url=resolve_url("members:status"),
        )


@receiver(post_save, sender=Term)
@receiver(post_delete, sender=Term)
def _term_changed(sender, **kwargs):
    taxonomy_changed()
