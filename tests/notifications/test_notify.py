"""notify(): one row per key, channels and preferences, and the email state machine."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from notifications import delivery, registry, services, tasks
from notifications.models import Notification, Preference
from notifications.models import Settings as NotificationSettings
from tests.members.factories import MemberFactory

EmailStatus = Notification.Email


def _notify(user, kind="welcome", key="k1", **extra):
    return services.notify(recipient=user, kind=kind, key=key, url="/apply/", **extra)


def test_same_key_twice_gives_one_notification_and_one_email(
    member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = _notify(member)
        second = _notify(member)
    assert first.pk == second.pk
    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1
    assert Notification.objects.get().email_status == EmailStatus.SENT


def test_email_is_queued_only_after_commit(member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        _notify(member)
        assert mail.outbox == []  # nothing leaves before the change commits
    assert len(callbacks) == 1


def test_rolled_back_change_leaves_no_notification(member):
    with pytest.raises(RuntimeError), transaction.atomic():
        _notify(member)
        raise RuntimeError("the change that caused it failed")
    assert not Notification.objects.exists()


def test_delivering_twice_sends_once(member, django_capture_on_commit_callbacks):
    notification = _notify(member)
    assert delivery.email_deliver(notification_id=notification.pk) == "sent"
    assert delivery.email_deliver(notification_id=notification.pk) == "skipped"
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    "channel, status, emails",
    [
        ("in_app", EmailStatus.NONE, 0),
        ("digest", EmailStatus.DIGEST, 0),
        ("email", EmailStatus.SENT, 1),
    ],
)
def test_channel_preference_decides_the_email(
    member, django_capture_on_commit_callbacks, channel, status, emails
):
    Preference.objects.create(user=member, kind="welcome", channel=channel)
    with django_capture_on_commit_callbacks(execute=True):
        notification = _notify(member)
    notification.refresh_from_db()
    assert notification.email_status == status
    assert len(mail.outbox) == emails


def test_off_means_nothing_at_all(member):
    Preference.objects.create(user=member, kind="welcome", channel="off")
    assert _notify(member) is None
    assert not Notification.objects.exists()


def test_mandatory_kind_ignores_off_and_pause(member, django_capture_on_commit_callbacks):
    Preference.objects.create(user=member, kind="account_security", channel="off")
    NotificationSettings.objects.create(user=member, paused_until=date.today() + timedelta(days=9))
    with django_capture_on_commit_callbacks(execute=True):
        _notify(member, kind="account_security", context={"summary": "Password changed"})
    assert len(mail.outbox) == 1
    with pytest.raises(ValueError):
        services.preference_set(
            user=member, kind=registry.get_kind("account_security"), channel="off"
        )


def test_pause_keeps_the_notification_but_not_the_email(member):
    NotificationSettings.objects.create(user=member, paused_until=date.today() + timedelta(days=3))
    notification = _notify(member)
    assert notification.email_status == EmailStatus.SUPPRESSED
    assert notification.email_reason.startswith("Paused until")
    assert mail.outbox == []


def test_pause_that_starts_after_notify_still_holds_the_email(member):
    notification = _notify(member)  # queued, not yet sent
    NotificationSettings.objects.create(user=member, paused_until=date.today() + timedelta(days=3))
    assert delivery.email_deliver(notification_id=notification.pk) == "suppressed"
    assert mail.outbox == []


def test_quiet_hours_hold_the_email_until_they_end(member):
    now = timezone.now().astimezone(member.zone)
    start = (now - timedelta(hours=1)).time().replace(second=0, microsecond=0)
    end = (now + timedelta(hours=2)).time().replace(second=0, microsecond=0)
    NotificationSettings.objects.create(user=member, quiet_start=start, quiet_end=end)
    notification = _notify(member)
    assert notification.email_status == EmailStatus.PENDING
    assert notification.email_not_before > timezone.now() + timedelta(minutes=100)
    assert delivery.email_deliver(notification_id=notification.pk) == "skipped"
    assert mail.outbox == []


def test_weekly_cap_on_nudges(member, settings):
    assert registry.get_kind("two_factor_reminder").nudge
    settings.NOTIFICATIONS_NUDGE_WEEKLY_CAP = 2
    outcomes = [
        delivery.email_deliver(
            notification_id=_notify(member, kind="two_factor_reminder", key=f"n{i}").pk
        )
        for i in range(3)
    ]
    assert outcomes == ["sent", "sent", "suppressed"]
    assert len(mail.outbox) == 2
    capped = Notification.objects.get(key="n2")
    assert capped.email_reason == "Weekly limit of 2 reminder emails reached"
    # Non-nudge kinds are not capped.
    assert delivery.email_deliver(notification_id=_notify(member, key="w").pk) == "sent"


def test_deactivated_account_gets_no_email(member):
    notification = _notify(member)
    member.is_active = False
    member.save(update_fields=["is_active"])
    assert delivery.email_deliver(notification_id=notification.pk) == "suppressed"


def test_smtp_failure_is_recorded_and_retried_with_backoff(member, monkeypatch):
    notification = _notify(member)

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    assert delivery.email_deliver(notification_id=notification.pk) == "retry"
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.PENDING
    assert "mail server down" in notification.email_reason
    assert notification.email_not_before > timezone.now()
    monkeypatch.undo()
    # Not due yet: the sweep leaves it; once due, it is sent exactly once.
    Notification.objects.filter(pk=notification.pk).update(
        email_not_before=timezone.now() - timedelta(seconds=1)
    )
    assert tasks.sweep() == {"revived": 0, "queued": 1}
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.SENT
    assert len(mail.outbox) == 1


def test_gives_up_after_max_attempts(member, monkeypatch):
    notification = _notify(member)
    Notification.objects.filter(pk=notification.pk).update(email_attempts=delivery.MAX_ATTEMPTS - 1)
    monkeypatch.setattr(
        "django.core.mail.EmailMessage.send", lambda *a, **k: (_ for _ in ()).throw(OSError("x"))
    )
    assert delivery.email_deliver(notification_id=notification.pk) == "failed"
    assert Notification.objects.get(pk=notification.pk).email_status == EmailStatus.FAILED


def test_sweep_revives_interrupted_sends_only_after_the_lease(member, settings):
    notification = _notify(member)
    claimed = timezone.now() - timedelta(seconds=settings.NOTIFICATIONS_SEND_LEASE_SECONDS - 30)
    Notification.objects.filter(pk=notification.pk).update(
        email_status=EmailStatus.SENDING, email_claimed_at=claimed
    )
    assert tasks.sweep()["revived"] == 0  # the sender may still be at work
    Notification.objects.filter(pk=notification.pk).update(
        email_claimed_at=claimed - timedelta(seconds=60)
    )
    assert tasks.sweep()["revived"] == 1
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.SENT
    assert len(mail.outbox) == 1


def test_email_shows_times_in_the_recipient_zone(db, django_capture_on_commit_callbacks):
    user = MemberFactory(timezone="America/Los_Angeles")
    moment = "2026-07-01T16:30:00+00:00"
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(
            recipient=user,
            kind="account_security",
            key="sec",
            context={"summary": "Password changed", "occurred_at": moment, "ip": "10.0.0.1"},
        )
    body = mail.outbox[0].body
    assert "9:30 AM PDT" in body and "Wednesday, July 1, 2026" in body


def test_unknown_kind_is_a_clear_error(member):
    with pytest.raises(LookupError, match="register it in its app.s notifications.py"):
        services.notify(recipient=member, kind="nope", key="x")


def test_every_kind_has_its_templates(member):
    for kind in registry.KINDS.values():
        notification = Notification(
            recipient=member,
            kind=kind.name,
            key=f"t-{kind.name}",
            context={
                "summary": "s",
                "headline": "h",
                "applicant": "a",
                "count": 2,
                "days_left": 7,
                "license_type": "LCSW",
                "occurred_at": timezone.now().isoformat(),
            },
        )
        notification.save()
        message = delivery.build_email(notification)
        assert message.subject.startswith("[Hive] ") and message.body
        assert message.alternatives[0][1] == "text/html"
        assert notification.in_app_text()
