"""Security-relevant events land in the append-only audit log, in UTC."""

import datetime

import pytest
from django.urls import reverse

from members.models import AuditEvent
from tests.members.factories import PASSWORD, MemberFactory
from tests.members.test_auth import _activate_totp, _login

Action = AuditEvent.Action


def _actions(user):
    return list(AuditEvent.objects.filter(subject=user).values_list("action", flat=True))


def test_login_logout_and_failed_login_are_recorded(client, member):
    _login(client, member.email, "wrong-password")
    _login(client, member.email)
    client.post(reverse("account_logout"))
    assert _actions(member) == [Action.LOGOUT, Action.LOGIN, Action.LOGIN_FAILED]
    event = AuditEvent.objects.get(subject=member, action=Action.LOGIN)
    assert event.ip_address == "127.0.0.1"
    assert event.occurred_at.utcoffset() == datetime.timedelta(0)
    failed = AuditEvent.objects.get(subject=member, action=Action.LOGIN_FAILED)
    assert failed.actor is None and failed.data == {"login": member.email}


def test_failed_login_for_unknown_address_is_recorded_without_a_subject(client, db):
    _login(client, "nobody@example.com", "whatever-password")
    event = AuditEvent.objects.get(action=Action.LOGIN_FAILED)
    assert event.subject is None and event.data["login"] == "nobody@example.com"


def test_two_factor_changes_are_recorded(client, transactional_db, mailoutbox):
    # A real commit: allauth sends its signal (and the security email) on commit.
    member = MemberFactory()
    client.force_login(member)
    _activate_totp(client)
    assert Action.MFA_ADDED in _actions(member)
    assert any(
        "two-factor" in m.body.lower() or "authenticator" in m.body.lower() for m in mailoutbox
    )


def test_password_change_is_recorded(client, member):
    client.force_login(member)
    client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "new-calm-pass-99", "password2": "new-calm-pass-99"},
    )
    assert Action.PASSWORD_CHANGED in _actions(member)


def test_audit_events_cannot_be_rewritten(member):
    from members.services import audit_record

    event = audit_record(action=Action.LOGIN, subject=member)
    event.reason = "tampered"
    with pytest.raises(ValueError, match="append-only"):
        event.save()


def test_admin_cannot_edit_or_delete_audit_events(client, staff):
    from allauth.mfa.models import Authenticator

    from members.services import audit_record

    staff.is_superuser = True
    staff.save(update_fields=["is_superuser"])
    Authenticator.objects.create(user=staff, type=Authenticator.Type.TOTP, data={})
    event = audit_record(action=Action.LOGIN, subject=staff)
    client.force_login(staff)
    assert client.get(reverse("admin:members_auditevent_changelist")).status_code == 200
    response = client.post(
        reverse("admin:members_auditevent_delete", args=[event.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()
