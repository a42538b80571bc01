"""The weekly two-factor reminder: members in good standing without two-factor, once a week."""

from datetime import UTC, datetime

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from hive.celery import app
from members import services
from members.models import User
from notifications.models import Notification
from tests.members.factories import ApplicantFactory, MemberFactory, UserFactory


def test_only_members_in_good_standing_without_two_factor_are_reminded(db):
    reminded = MemberFactory()
    protected = MemberFactory()
    Authenticator.objects.create(user=protected, type=Authenticator.Type.TOTP, data={})
    ApplicantFactory()
    UserFactory(membership_status=User.Status.LAPSED)
    MemberFactory(is_active=False)

    assert services.two_factor_reminders_send() == 1
    notification = Notification.objects.get()
    assert notification.recipient == reminded
    assert notification.kind == "two_factor_reminder"
    assert notification.url == reverse("mfa_index")


def test_one_reminder_per_member_per_week_under_the_same_key(db, monkeypatch):
    member = MemberFactory()
    # Tuesday of ISO week 47 of 2026: the key is the one used before the task moved to
    # members, so nobody is reminded twice in the week of the deploy.
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 11, 17, 15, 0, tzinfo=UTC))
    services.two_factor_reminders_send()
    services.two_factor_reminders_send()
    assert list(Notification.objects.values_list("key", flat=True)) == [
        f"two_factor_reminder:{member.pk}:2026-W47"
    ]


def test_beat_runs_the_members_task():
    entry = settings.CELERY_BEAT_SCHEDULE["two-factor-reminders"]
    assert entry["task"] == "members.two_factor_reminders"
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks
