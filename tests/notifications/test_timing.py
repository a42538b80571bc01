"""Quiet hours and digests in the member's own zone, across daylight-saving changes.

New York's clocks go back on 2026-11-01 (02:00 EDT → 01:00 EST) and forward on
2026-03-08 (02:00 EST → 03:00 EDT): 07:00 local is 11:00 UTC in summer, 12:00 in winter.
"""

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone

from notifications import digests, services, tasks
from notifications.models import DigestEmail, Notification
from notifications.models import Settings as NotificationSettings
from notifications.preferences import quiet_hours_end
from tests.members.factories import MemberFactory

NY = ZoneInfo("America/New_York")
EmailStatus = Notification.Email


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def quiet(start, end) -> NotificationSettings:
    return NotificationSettings(quiet_start=time(*start), quiet_end=time(*end))


@pytest.mark.parametrize(
    "now, expected_end",
    [
        # Saturday 23:30 EDT; quiet hours end Sunday 07:00, which is EST by then.
        (utc(2026, 11, 1, 3, 30), utc(2026, 11, 1, 12, 0)),
        # 01:30 happens twice that night; either way the end is 07:00 EST.
        (utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 12, 0)),
        (utc(2026, 11, 1, 6, 30), utc(2026, 11, 1, 12, 0)),
        # Spring: Saturday 23:00 EST; quiet hours end Sunday 07:00 EDT.
        (utc(2026, 3, 8, 4, 0), utc(2026, 3, 8, 11, 0)),
        # Just before the end it is still quiet; at the end it is not.
        (utc(2026, 11, 1, 11, 59), utc(2026, 11, 1, 12, 0)),
        (utc(2026, 11, 1, 12, 0), None),
        # Daytime is not quiet.
        (utc(2026, 11, 1, 18, 0), None),
    ],
)
def test_quiet_hours_across_midnight_and_dst(now, expected_end):
    assert quiet_hours_end(quiet((22, 0), (7, 0)), NY, now) == expected_end


def test_quiet_hours_within_one_day():
    prefs = quiet((12, 0), (14, 0))
    assert quiet_hours_end(prefs, NY, utc(2026, 11, 2, 17, 30)) == utc(2026, 11, 2, 19, 0)
    assert quiet_hours_end(prefs, NY, utc(2026, 11, 2, 16, 59)) is None


def test_quiet_hours_ending_in_the_spring_gap_end_after_it():
    # 02:30 does not exist on 2026-03-08 in New York; the email waits until 03:30 EDT.
    prefs = quiet((22, 0), (2, 30))
    assert quiet_hours_end(prefs, NY, utc(2026, 3, 8, 4, 0)) == utc(2026, 3, 8, 7, 30)


@pytest.fixture
def new_yorker(db):
    return MemberFactory(timezone="America/New_York")


def test_daily_digest_comes_at_eight_local_on_both_sides_of_dst(new_yorker):
    prefs = NotificationSettings(user=new_yorker)
    # Saturday (EDT): 8:00 local is 12:00 UTC.
    assert digests.digest_period(new_yorker, prefs, utc(2026, 10, 31, 11, 59)) is None
    assert digests.digest_period(new_yorker, prefs, utc(2026, 10, 31, 12, 0)) == "2026-10-31"
    # Sunday (EST): 8:00 local is 13:00 UTC, an hour later in UTC.
    assert digests.digest_period(new_yorker, prefs, utc(2026, 11, 1, 12, 30)) is None
    assert digests.digest_period(new_yorker, prefs, utc(2026, 11, 1, 13, 0)) == "2026-11-01"


def test_digest_is_a_morning_email(new_yorker):
    prefs = NotificationSettings(user=new_yorker)
    assert digests.digest_period(new_yorker, prefs, utc(2026, 11, 2, 16, 59)) == "2026-11-02"
    assert digests.digest_period(new_yorker, prefs, utc(2026, 11, 2, 17, 0)) is None  # noon
    assert digests.digest_period(new_yorker, prefs, utc(2026, 11, 3, 3, 0)) is None  # night


def test_weekly_digest_on_monday_morning_local(new_yorker):
    prefs = NotificationSettings(user=new_yorker, digest_frequency="weekly")
    assert digests.digest_period(new_yorker, prefs, utc(2026, 11, 2, 12, 59)) is None
    assert digests.digest_period(new_yorker, prefs, utc(2026, 11, 2, 13, 0)) == "2026-W45"
    assert digests.digest_period(new_yorker, prefs, utc(2026, 11, 3, 13, 0)) is None


def test_digest_waits_for_quiet_hours_and_pause(new_yorker):
    prefs = NotificationSettings(user=new_yorker, quiet_start=time(22), quiet_end=time(9))
    assert digests.digest_period(new_yorker, prefs, utc(2026, 11, 2, 13, 30)) is None
    assert digests.digest_period(new_yorker, prefs, utc(2026, 11, 2, 14, 0)) == "2026-11-02"
    paused = NotificationSettings(user=new_yorker, paused_until=datetime(2026, 11, 2).date())
    assert digests.digest_period(new_yorker, paused, utc(2026, 11, 2, 14, 0)) is None


def _digest_items(user, n=2):
    return [
        services.notify(recipient=user, kind="welcome", key=f"d{i}", url="/apply/")
        for i in range(n)
    ]


def test_digest_is_sent_once_per_period_with_every_item(new_yorker):
    new_yorker.notification_prefs.create(kind="welcome", channel="digest")
    items = _digest_items(new_yorker)
    assert {i.email_status for i in items} == {EmailStatus.DIGEST}
    assert digests.digest_deliver(user_id=new_yorker.pk, period="2026-11-02") == "sent"
    assert digests.digest_deliver(user_id=new_yorker.pk, period="2026-11-02") == "skipped"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "[Hive] Your Hive digest (2)"
    assert message.body.count("Welcome to Hive") == 2
    assert "EST" in message.body or "EDT" in message.body  # the member's zone
    assert set(Notification.objects.values_list("email_status", flat=True)) == {
        EmailStatus.DIGESTED
    }
    assert DigestEmail.objects.get().count == 2


def test_digest_send_due_queues_only_members_whose_morning_it_is(
    new_yorker, monkeypatch, django_capture_on_commit_callbacks
):
    tokyo = MemberFactory(timezone="Asia/Tokyo")
    # 13:30 UTC on a Monday: 08:30 in New York (its morning), 22:30 in Tokyo (not).
    # The clock is set before notifying, so the notifications are not from its future.
    monkeypatch.setattr(timezone, "now", lambda: utc(2026, 11, 23, 13, 30))
    for user in (new_yorker, tokyo):
        user.notification_prefs.create(kind="welcome", channel="digest")
        services.notify(recipient=user, kind="welcome", key=f"w{user.pk}", url="/apply/")
    assert tasks.send_digests() == 1
    assert [m.to for m in mail.outbox] == [[new_yorker.email]]
    assert tasks.send_digests() == 0  # already sent this period
