"""Sessions: generated from the cadence idempotently, moved and cancelled (members
told), the presenter's reminder and checklist, recusal, notes with the identifier
warning; and the query budgets of the list, group and session pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from groups import schedule, sessions
from groups.models import Group, Session
from notifications.models import Notification
from tests.groups.factories import add_member, make_group
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_generation_is_idempotent_and_covers_a_quarter():
    group = make_group()
    count = Session.objects.filter(group=group).count()
    assert 3 <= count <= 4  # monthly, ~100 days
    schedule.sessions_generate(group=group)
    assert Session.objects.filter(group=group).count() == count


def test_generation_is_a_constant_number_of_queries(django_assert_max_num_queries):
    group = make_group()
    for _ in range(5):
        add_member(group)
    Session.objects.filter(group=group).delete()
    with django_assert_max_num_queries(8):
        schedule.sessions_generate(group=group)


def test_move_and_cancel_tell_the_members():
    group = make_group()
    member = add_member(group).member
    session = group.sessions.order_by("starts_at").first()
    new_start = session.starts_at + timedelta(days=2)
    sessions.session_move(session=session, by=group.organizer, starts_at=new_start)
    session.refresh_from_db()
    assert session.moved and session.sequence == 1
    assert Notification.objects.filter(recipient=member, kind="group_session_changed").count() == 1
    schedule.sessions_generate(group=group)  # the cadence does not bring it back
    assert group.sessions.filter(occurrence=session.occurrence).count() == 1
    sessions.session_cancel(session=session, by=group.organizer)
    assert Notification.objects.filter(recipient=member, kind="group_session_changed").count() == 2


def test_presenter_reminder_once_with_the_checklist():
    group = make_group()
    add_member(group)
    session = group.sessions.order_by("starts_at").first()
    soon = timezone.now() + timedelta(days=2)
    Session.objects.filter(group=group).exclude(pk=session.pk).delete()
    Session.objects.filter(pk=session.pk).update(starts_at=soon, ends_at=soon + timedelta(hours=1))
    session.refresh_from_db()
    assert sessions.presenter_reminders_send() == 1
    assert sessions.presenter_reminders_send() == 0
    note = Notification.objects.get(kind="group_presenter_reminder")
    assert note.recipient_id == session.presenter_id
    assert len(note.context["checklist"]) == 5


def test_checklist_seen_by_the_organizer(client):
    group = make_group()
    presenter = add_member(group).member
    session = group.sessions.filter(presenter=presenter).first() or group.sessions.first()
    session.presenter = presenter
    session.save()
    client.force_login(presenter)
    url = f"/groups/{group.slug}/sessions/{session.pk}/"
    client.post(url + "checklist/", {"item": ["name", "dates"]})
    session.refresh_from_db()
    assert not session.checklist_done
    client.post(url + "checklist/", {"item": ["name", "dates", "places", "rare", "recording"]})
    session.refresh_from_db()
    assert session.checklist_done
    client.force_login(group.organizer)
    assert "ticked</span>" in client.get(url).content.decode()


def test_notes_warn_about_identifiers_but_save_when_confirmed(client):
    group = make_group()
    add_member(group)
    session = group.sessions.first()
    client.force_login(group.organizer)
    url = f"/groups/{group.slug}/sessions/{session.pk}/notes/"
    text = "Client DOB 4/12/2009, doing better."
    response = client.post(url, {"notes": text})
    assert response.status_code == 200 and "This may identify a client" in response.content.decode()
    session.refresh_from_db()
    assert session.notes == ""
    client.post(url, {"notes": text, "confirm": "1"})
    session.refresh_from_db()
    assert session.notes == text


def test_notes_are_sanitized(client):
    group = make_group()
    session = group.sessions.first()
    sessions.notes_save(session=session, by=group.organizer, notes="<script>x</script> **ok**")
    client.force_login(group.organizer)
    html = client.get(f"/groups/{group.slug}/sessions/{session.pk}/").content.decode()
    assert "<script>x" not in html and "<strong>ok</strong>" in html


def test_create_a_group_through_the_form(client, member):
    client.force_login(member)
    response = client.post(
        "/groups/new/",
        {
            "name": "Perinatal peer consult",
            "focus": "Perinatal mood and anxiety.",
            "format": "virtual",
            "frequency": "monthly",
            "ordinal": "2",
            "weekday": "1",
            "start_time": "19:00",
            "duration_minutes": "90",
            "zone": "America/Chicago",
            "starts_on": timezone.localdate().isoformat(),
            "capacity": "4",
            "join_policy": "request",
            "listed": "on",
            "clauses": "Cameras on.",
        },
    )
    group = Group.objects.get(name="Perinatal peer consult")
    assert response.status_code == 302
    assert group.rrule == "FREQ=MONTHLY;BYDAY=+2TU" and group.agreement_version == 1
    assert group.sessions.exists()
    bad = client.post("/groups/new/", {"name": "x", "capacity": "99", "format": "in_person"})
    assert bad.status_code == 200 and "between 3 and 8" in bad.content.decode()


def test_query_budgets(client, django_assert_max_num_queries):
    viewer = MemberFactory()
    groups = [make_group(name=f"Group {n}") for n in range(25)]
    group = groups[0]
    for _ in range(6):
        add_member(group)
    member = add_member(group, viewer).member
    for n in range(10):
        sessions.post_create(group=group, author=member, body=f"post {n}")
    session = group.sessions.first()
    client.force_login(viewer)
    client.get("/groups/")  # warm the session and the notification badge
    with django_assert_max_num_queries(12):
        assert client.get("/groups/").status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get(f"/groups/{group.slug}/").status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get(f"/groups/{group.slug}/sessions/{session.pk}/").status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(f"/groups/{group.slug}/sessions/").status_code == 200
    client.force_login(group.organizer)
    # Two more than a member's: requests and the waitlist, and whom they removed.
    with django_assert_max_num_queries(20):
        assert client.get(f"/groups/{group.slug}/").status_code == 200
    with django_assert_max_num_queries(18):
        assert client.get(f"/groups/{group.slug}/sessions/{session.pk}/").status_code == 200
