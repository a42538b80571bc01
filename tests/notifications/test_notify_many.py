"""notify_many(): one event reaching many members, in bulk, with notify()'s rules for each,
and the batch delivery that sends their emails over one SMTP connection."""

from __future__ import annotations

import smtplib
from datetime import date, timedelta

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications import delivery, registry, services, tasks
from notifications.models import Notification, Preference
from notifications.models import Settings as NotificationSettings
from notifications.services import Notice
from tests.members.factories import MemberFactory

EmailStatus = Notification.Email


def notices(members, prefix="fanout", **extra):
    return [
        Notice(recipient=m, key=f"{prefix}:{m.pk}", url="/apply/", context={"n": m.pk}, **extra)
        for m in members
    ]


def welcome_all(members, prefix="fanout", kind="welcome"):
    return services.notify_many(kind=kind, notices=notices(members, prefix))


# --- Idempotency by key --------------------------------------------------------------------


def test_second_call_with_the_same_keys_creates_and_queues_nothing(
    db, django_capture_on_commit_callbacks
):
    members = MemberFactory.create_batch(4)
    with django_capture_on_commit_callbacks(execute=True) as first_callbacks:
        created = welcome_all(members)
    with django_capture_on_commit_callbacks(execute=True) as second_callbacks:
        again = welcome_all(members)

    assert len(created) == 4 and again == []
    assert len(first_callbacks) == 1  # the emails of the whole call, queued once
    assert second_callbacks == []
    assert Notification.objects.count() == 4
    assert sorted(m.to[0] for m in mail.outbox) == sorted(m.email for m in members)
    rows = Notification.objects.all()
    assert {(r.email_status, r.email_attempts) for r in rows} == {(EmailStatus.SENT, 1)}
    # The rows carry what was given, per member.
    assert {(r.recipient_id, r.key, r.context["n"], r.url) for r in rows} == {
        (m.pk, f"fanout:{m.pk}", m.pk, "/apply/") for m in members
    }


def test_keys_already_written_by_notify_are_left_alone(db, django_capture_on_commit_callbacks):
    first, second = MemberFactory.create_batch(2)
    existing = services.notify(recipient=first, kind="welcome", key=f"fanout:{first.pk}")
    with django_capture_on_commit_callbacks(execute=True):
        created = welcome_all([first, second])
    assert [n.recipient_id for n in created] == [second.pk]
    assert Notification.objects.get(key=f"fanout:{first.pk}").pk == existing.pk
    assert [m.to[0] for m in mail.outbox] == [second.email]


def test_a_key_given_twice_in_one_call_counts_once(member):
    twice = [Notice(recipient=member, key="same"), Notice(recipient=member, key="same")]
    created = services.notify_many(kind="welcome", notices=twice)
    assert len(created) == 1
    assert Notification.objects.filter(key="same").count() == 1


def test_rows_commit_with_the_callers_change(member):
    with pytest.raises(RuntimeError), transaction.atomic():
        welcome_all([member])
        raise RuntimeError("the change that caused it failed")
    assert not Notification.objects.exists()


def test_nothing_to_notify_writes_nothing(db):
    assert services.notify_many(kind="welcome", notices=[]) == []
    assert not Notification.objects.exists()


# --- Each member's preferences, read in bulk -----------------------------------------------


def members_with_every_preference(kind: str):
    """One member per preference a member may have, by name."""
    people = {name: MemberFactory() for name in ("off", "digest", "in_app", "paused", "quiet")}
    people["plain"] = MemberFactory()
    for channel in ("off", "digest", "in_app"):
        Preference.objects.create(user=people[channel], kind=kind, channel=channel)
    NotificationSettings.objects.create(
        user=people["paused"], paused_until=date.today() + timedelta(days=3)
    )
    local = timezone.now().astimezone(people["quiet"].zone)
    NotificationSettings.objects.create(
        user=people["quiet"],
        quiet_start=(local - timedelta(hours=1)).time().replace(second=0, microsecond=0),
        quiet_end=(local + timedelta(hours=2)).time().replace(second=0, microsecond=0),
    )
    return people


def test_each_members_preferences_are_honored(db, django_capture_on_commit_callbacks):
    people = members_with_every_preference("welcome")
    with django_capture_on_commit_callbacks(execute=True):
        created = welcome_all(people.values())

    by_name = {name: Notification.objects.filter(recipient=m).first() for name, m in people.items()}
    assert by_name["off"] is None  # turned off: no row at all
    assert len(created) == 5
    assert by_name["digest"].email_status == EmailStatus.DIGEST
    assert by_name["in_app"].email_status == EmailStatus.NONE
    assert by_name["paused"].email_status == EmailStatus.SUPPRESSED
    assert by_name["paused"].email_reason.startswith("Paused until")
    quiet = by_name["quiet"]
    assert quiet.email_status == EmailStatus.PENDING
    assert quiet.email_not_before > timezone.now() + timedelta(minutes=100)
    assert by_name["plain"].email_status == EmailStatus.SENT
    assert [m.to[0] for m in mail.outbox] == [people["plain"].email]


def test_same_outcome_as_notify_one_by_one(db):
    """notify_many() and notify() decide alike for every kind of member."""
    people = members_with_every_preference("welcome")
    bulk = {n.recipient_id: n for n in welcome_all(people.values(), prefix="bulk")}
    for member in people.values():
        single = services.notify(recipient=member, kind="welcome", key=f"single:{member.pk}")
        mine = bulk.get(member.pk)
        if single is None:
            assert mine is None
            continue
        assert (mine.email_status, mine.email_reason, mine.email_not_before) == (
            single.email_status,
            single.email_reason,
            single.email_not_before,  # quiet hours end at the same moment
        )


def test_mandatory_kind_is_emailed_whatever_was_chosen(db, django_capture_on_commit_callbacks):
    assert registry.get_kind("account_security").mandatory
    people = members_with_every_preference("account_security")
    with django_capture_on_commit_callbacks(execute=True):
        created = welcome_all(people.values(), kind="account_security")
    assert len(created) == len(people)
    assert {n.email_not_before for n in created} == {None}
    assert Notification.objects.filter(email_status=EmailStatus.SENT).count() == len(people)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(m.email for m in people.values())


def test_query_count_does_not_grow_with_the_number_of_members(
    db, django_capture_on_commit_callbacks
):
    people = members_with_every_preference("welcome")  # every branch, in both calls
    many = list(people.values()) + MemberFactory.create_batch(44)
    with CaptureQueriesContext(connection) as one:
        welcome_all([people["plain"]], prefix="one")
    with CaptureQueriesContext(connection) as fifty:
        welcome_all(many, prefix="fifty")
    assert len(many) == 50
    assert len(fifty.captured_queries) == len(one.captured_queries) <= 5


# --- One broker message per batch ----------------------------------------------------------


@pytest.fixture
def sent_tasks(monkeypatch):
    """The deliver_emails messages that would go to the broker, with their ids."""
    sent: list[list[int]] = []
    monkeypatch.setattr(tasks.deliver_emails, "delay", lambda ids: sent.append(ids))
    monkeypatch.setattr(
        tasks.deliver_email, "delay", lambda pk: pytest.fail("one task per notification")
    )
    return sent


def test_one_broker_message_per_batch_of_emails(
    db, monkeypatch, sent_tasks, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(delivery, "EMAIL_BATCH", 3)
    members = MemberFactory.create_batch(7)
    with django_capture_on_commit_callbacks(execute=True):
        created = welcome_all(members)
        assert sent_tasks == []  # nothing before commit
    assert [len(batch) for batch in sent_tasks] == [3, 3, 1]
    assert sorted(pk for batch in sent_tasks for pk in batch) == sorted(n.pk for n in created)


def test_only_emails_due_now_are_queued(db, sent_tasks, django_capture_on_commit_callbacks):
    people = members_with_every_preference("welcome")
    with django_capture_on_commit_callbacks(execute=True):
        welcome_all(people.values())
    assert sent_tasks == [[Notification.objects.get(recipient=people["plain"]).pk]]


def test_the_sweep_queues_due_emails_in_batches(db, monkeypatch, sent_tasks):
    monkeypatch.setattr(delivery, "EMAIL_BATCH", 2)
    created = welcome_all(MemberFactory.create_batch(5))
    Notification.objects.update(created_at=timezone.now() - timedelta(minutes=5))
    assert tasks.sweep() == {"revived": 0, "queued": 5}
    assert [len(batch) for batch in sent_tasks] == [2, 2, 1]
    assert sorted(pk for batch in sent_tasks for pk in batch) == sorted(n.pk for n in created)


# --- Delivery of a batch over one connection -----------------------------------------------


class CountingBackend(EmailBackend):
    """locmem, counting connections opened, and failing as a test tells it to:
    `refuse` = addresses the server refuses (the connection stays up), `drop_at` = the
    message number (1-based, across the run) during which the connection drops,
    `reopen` = whether connecting again after that works, `stop_at` = the message
    during which the task's soft time limit strikes."""

    opened = 0
    messages = 0
    refuse: set[str] = set()
    drop_at: int | None = None
    reopen = True
    stop_at: int | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.is_open = False

    def open(self):
        cls = type(self)
        if cls.drop_at is not None and cls.messages >= cls.drop_at and not cls.reopen:
            raise ConnectionRefusedError("mail server down")
        if not self.is_open:
            cls.opened += 1
            self.is_open = True
        return True

    def close(self):
        self.is_open = False

    def send_messages(self, messages):
        cls = type(self)
        if not self.is_open:
            cls.opened += 1  # as the SMTP backend does: a connection for this call alone
        for message in messages:
            cls.messages += 1
            if cls.messages == cls.stop_at:
                raise SoftTimeLimitExceeded()
            if cls.messages == cls.drop_at:
                raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
            if message.to[0] in cls.refuse:
                raise smtplib.SMTPRecipientsRefused({message.to[0]: (550, b"No such user")})
        return super().send_messages(messages)


@pytest.fixture
def backend(settings):
    settings.EMAIL_BACKEND = f"{__name__}.CountingBackend"
    CountingBackend.opened = CountingBackend.messages = 0
    CountingBackend.refuse, CountingBackend.drop_at, CountingBackend.reopen = set(), None, True
    CountingBackend.stop_at = None
    return CountingBackend


def queued_batch(count: int) -> tuple[list, list[int]]:
    members = MemberFactory.create_batch(count)
    created = welcome_all(members)  # not committed in the test: nothing queued yet
    return members, sorted(n.pk for n in created)


def statuses(ids) -> dict[int, tuple[str, int]]:
    rows = Notification.objects.filter(pk__in=ids).order_by("pk")
    return {r.pk: (r.email_status, r.email_attempts) for r in rows}


def test_a_batch_is_sent_over_one_connection(db, backend):
    members, ids = queued_batch(5)
    outcomes = tasks.deliver_emails(ids)
    assert outcomes == {"sent": 5}
    assert backend.opened == 1
    assert sorted(m.to[0] for m in mail.outbox) == sorted(m.email for m in members)
    assert set(statuses(ids).values()) == {(EmailStatus.SENT, 1)}
    # Run again (a redelivered message): nothing more is sent, nothing is opened.
    assert tasks.deliver_emails(ids) == {}
    assert len(mail.outbox) == 5


def test_one_refused_message_is_retried_without_holding_up_the_others(db, backend):
    members, ids = queued_batch(4)
    refused = Notification.objects.get(pk=ids[1])
    backend.refuse = {refused.recipient.email}
    outcomes = delivery.emails_deliver(notification_ids=ids)
    assert outcomes == {ids[0]: "sent", ids[1]: "retry", ids[2]: "sent", ids[3]: "sent"}
    assert backend.opened == 1  # a refused recipient does not cost the connection
    refused.refresh_from_db()
    assert refused.email_status == EmailStatus.PENDING
    assert "SMTPRecipientsRefused" in refused.email_reason
    assert refused.email_not_before > timezone.now()

    # Once its back-off is over, the sweep sends it, and only it.
    backend.refuse = set()
    Notification.objects.filter(pk=refused.pk).update(email_not_before=timezone.now())
    assert tasks.sweep() == {"revived": 0, "queued": 1}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(m.email for m in members)
    assert statuses(ids)[refused.pk] == (EmailStatus.SENT, 2)


def test_a_dropped_connection_is_opened_again_for_the_rest(db, backend):
    members, ids = queued_batch(5)
    backend.drop_at = 3
    outcomes = delivery.emails_deliver(notification_ids=ids)
    assert [outcomes[pk] for pk in ids] == ["sent", "sent", "retry", "sent", "sent"]
    assert backend.opened == 2
    assert len(mail.outbox) == 4
    assert statuses(ids)[ids[2]] == (EmailStatus.PENDING, 1)


def test_a_connection_that_cannot_be_opened_again_retries_the_rest_later(db, backend):
    members, ids = queued_batch(5)
    backend.drop_at, backend.reopen = 3, False
    outcomes = delivery.emails_deliver(notification_ids=ids)
    assert [outcomes[pk] for pk in ids] == ["sent", "sent", "retry", "retry", "retry"]
    assert len(mail.outbox) == 2
    rows = Notification.objects.filter(pk__in=ids[2:])
    assert {(r.email_status, r.email_attempts) for r in rows} == {(EmailStatus.PENDING, 1)}
    assert all(r.email_not_before > timezone.now() for r in rows)

    # The server is back: once due, each is sent exactly once.
    backend.drop_at = None
    Notification.objects.filter(pk__in=ids).update(email_not_before=timezone.now())
    assert delivery.emails_deliver(notification_ids=ids) == {pk: "sent" for pk in ids[2:]}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(m.email for m in members)


def test_a_server_down_from_the_start_retries_every_row(db, backend, monkeypatch):
    members, ids = queued_batch(3)
    monkeypatch.setattr(
        CountingBackend, "open", lambda self: (_ for _ in ()).throw(ConnectionRefusedError())
    )
    assert delivery.emails_deliver(notification_ids=ids) == dict.fromkeys(ids, "retry")
    assert set(statuses(ids).values()) == {(EmailStatus.PENDING, 1)}
    assert mail.outbox == []


def test_a_batch_stopped_by_its_time_limit_hands_back_what_it_did_not_reach(db, backend):
    members, ids = queued_batch(5)
    backend.stop_at = 3
    with pytest.raises(SoftTimeLimitExceeded):
        delivery.emails_deliver(notification_ids=ids)
    assert len(mail.outbox) == 2
    rows = statuses(ids)
    assert [rows[pk] for pk in ids[:2]] == [(EmailStatus.SENT, 1)] * 2
    # The one being sent may have reached the server: it waits for its lease.
    assert rows[ids[2]] == (EmailStatus.SENDING, 1)
    # Those never tried are pending again, the attempt not counted, due at once.
    assert [rows[pk] for pk in ids[3:]] == [(EmailStatus.PENDING, 0)] * 2
    backend.stop_at = None
    assert tasks.sweep() == {"revived": 0, "queued": 2}
    assert len(mail.outbox) == 4


def test_a_batch_keeps_each_suppression_rule(db, backend, settings):
    settings.NOTIFICATIONS_NUDGE_WEEKLY_CAP = 2
    nudged, paused, gone, fine = MemberFactory.create_batch(4)
    reminders = [
        services.notify(recipient=nudged, kind="two_factor_reminder", key=f"n{i}") for i in range(3)
    ]
    others = welcome_all([paused, gone, fine])
    NotificationSettings.objects.create(user=paused, paused_until=date.today())
    gone.is_active = False
    gone.save(update_fields=["is_active"])

    by_id = {n.pk: n for n in [*reminders, *others]}
    outcomes = delivery.emails_deliver(notification_ids=list(by_id))
    by_key = {by_id[pk].key: outcome for pk, outcome in outcomes.items()}
    assert by_key == {
        "n0": "sent",
        "n1": "sent",
        "n2": "suppressed",
        f"fanout:{paused.pk}": "suppressed",
        f"fanout:{gone.pk}": "suppressed",
        f"fanout:{fine.pk}": "sent",
    }
    assert Notification.objects.get(key="n2").email_reason == (
        "Weekly limit of 2 reminder emails reached"
    )
    assert Notification.objects.get(key=f"fanout:{gone.pk}").email_reason == (
        "The account is deactivated."
    )
    assert backend.opened == 1 and len(mail.outbox) == 3


def test_delivery_query_count_does_not_grow_with_the_batch(db, backend):
    _, few = queued_batch(2)
    _, many = queued_batch(20)
    with CaptureQueriesContext(connection) as small:
        delivery.emails_deliver(notification_ids=few)
    with CaptureQueriesContext(connection) as large:
        delivery.emails_deliver(notification_ids=many)
    # Claiming costs the same; each email then costs its one UPDATE (sent).
    assert len(large.captured_queries) - 20 == len(small.captured_queries) - 2
