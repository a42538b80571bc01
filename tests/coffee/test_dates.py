"""A date's state machine: accept, pass, the conversation that opens, the times both are
free, the check-in and how it went. One function per transition; an illegal one
raises and changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from coffee import services
from coffee.models import CoffeeDate, CoffeeSettings
from members import services as member_services
from members.models import User
from messaging.models import Conversation
from notifications.models import Notification
from tests.coffee.factories import coffee_member, make_date, side

pytestmark = pytest.mark.django_db

Status = CoffeeDate.Status


@pytest.fixture
def two():
    ann = coffee_member("Ann Avery", timezone_name="America/New_York")
    ben = coffee_member("Ben Brooks", timezone_name="America/Chicago")
    return ann, ben


def test_both_accept_the_date_is_on_with_a_conversation_and_shared_times(two):
    ann, ben = two
    date = make_date(ann, ben)
    services.date_accept(date=date, member=ann)
    date.refresh_from_db()
    assert date.status == Status.PROPOSED and side(date, ann).response == "accepted"
    assert not Conversation.objects.exists()
    services.date_accept(date=date, member=ben)
    date.refresh_from_db()
    assert date.status == Status.CONFIRMED and date.confirmed_at is not None
    conversation = Conversation.objects.get()
    assert date.conversation_id == conversation.pk
    assert conversation.involves(ann) and conversation.involves(ben)
    # Both are free every morning: New York 8-11 and Chicago 8-11 share 9-11 New York.
    assert len(date.suggested_times) == 3
    for start, end in date.suggested_times:
        begin = datetime.fromisoformat(start).astimezone(ann.zone)
        assert (begin.hour, datetime.fromisoformat(end).astimezone(ann.zone).hour) == (9, 11)
    told = Notification.objects.filter(kind="coffee_update", context__change="confirmed")
    assert set(told.values_list("recipient_id", flat=True)) == {ann.pk, ben.pk}
    note = told.get(recipient=ann)
    assert note.context["name"] == "Ben Brooks" and len(note.context["times"]) == 3
    assert note.url == f"/messages/{conversation.pk}/"


def test_no_shared_time_says_so(two):
    ann, ben = two
    CoffeeSettings.objects.filter(user=ben).update(availability=["sat-evening"])
    CoffeeSettings.objects.filter(user=ann).update(availability=["mon-morning"])
    date = make_date(ann, ben)
    services.date_accept(date=date, member=ann)
    services.date_accept(date=date, member=ben)
    date.refresh_from_db()
    assert date.status == Status.CONFIRMED and date.suggested_times == []


def test_a_pass_closes_the_date_and_tells_the_other_kindly(two):
    ann, ben = two
    date = make_date(ann, ben)
    services.date_pass(date=date, member=ben)
    date.refresh_from_db()
    assert date.status == Status.PASSED and date.closed_at is not None
    assert side(date, ben).response == "passed" and side(date, ann).response == "pending"
    note = Notification.objects.get(recipient=ann, kind="coffee_update")
    assert note.context == {"change": "passed", "name": "Ben Brooks"}
    assert "can't make coffee this round" in note.in_app_text()
    assert not Notification.objects.filter(recipient=ben, kind="coffee_update").exists()


def test_a_yes_can_still_become_a_pass_before_the_other_answers(two):
    ann, ben = two
    date = make_date(ann, ben)
    services.date_accept(date=date, member=ann)
    services.date_pass(date=date, member=ann)
    date.refresh_from_db()
    assert date.status == Status.PASSED
    with pytest.raises(services.IllegalTransition):
        services.date_accept(date=date, member=ben)


def test_someone_not_yet_introduced_hears_nothing_of_a_pass(two):
    ann, ben = two
    date = make_date(ann, ben, introduced=False)
    services.date_pass(date=date, member=ann)
    assert not Notification.objects.filter(kind="coffee_update").exists()


@pytest.mark.parametrize(
    ("setup", "action"),
    [
        ("accepted", "accept"),  # answering twice
        ("passed", "accept"),
        ("passed", "pass"),
        ("confirmed", "pass"),  # a date that is on is settled in the conversation
        ("expired", "accept"),
        ("canceled", "accept"),
    ],
)
def test_illegal_transitions_raise_and_change_nothing(two, setup, action):
    ann, ben = two
    date = make_date(ann, ben)
    if setup == "accepted":
        services.date_accept(date=date, member=ann)
    elif setup == "passed":
        services.date_pass(date=date, member=ben)
    elif setup == "confirmed":
        services.date_accept(date=date, member=ann)
        services.date_accept(date=date, member=ben)
    else:
        CoffeeDate.objects.filter(pk=date.pk).update(status=setup)
    before = (CoffeeDate.objects.get(pk=date.pk).status, side(date, ann).response)
    act = services.date_accept if action == "accept" else services.date_pass
    with pytest.raises(services.IllegalTransition):
        act(date=date, member=ann)
    assert (CoffeeDate.objects.get(pk=date.pk).status, side(date, ann).response) == before


def test_only_the_two_members_answer(two):
    ann, ben = two
    date = make_date(ann, ben)
    stranger = coffee_member("Stranger")
    with pytest.raises(services.IllegalTransition):
        services.date_accept(date=date, member=stranger)
    with pytest.raises(services.IllegalTransition):
        services.date_check_in(date=date, member=stranger, met="yes")


def test_a_block_after_pairing_cancels_the_date_on_accepting(two):
    ann, ben = two
    date = make_date(ann, ben)
    member_services.block_create(blocker=ben, blocked=ann)
    with pytest.raises(services.IllegalTransition, match="can no longer go ahead"):
        services.date_accept(date=date, member=ann)
    date.refresh_from_db()
    assert date.status == Status.CANCELED
    assert not Conversation.objects.exists()


def test_a_partner_who_lapsed_cancels_the_date(two):
    ann, ben = two
    date = make_date(ann, ben)
    services.date_accept(date=date, member=ann)
    User.objects.filter(pk=ann.pk).update(membership_status=User.Status.LAPSED)
    ben.refresh_from_db()
    with pytest.raises(services.IllegalTransition):
        services.date_accept(date=date, member=ben)
    assert CoffeeDate.objects.get(pk=date.pk).status == Status.CANCELED


def _confirmed(ann, ben) -> CoffeeDate:
    date = make_date(ann, ben)
    services.date_accept(date=date, member=ann)
    services.date_accept(date=date, member=ben)
    return CoffeeDate.objects.get(pk=date.pk)


def test_check_in_yes_then_how_it_went(two):
    ann, ben = two
    date = _confirmed(ann, ben)
    with pytest.raises(services.IllegalTransition, match="met first"):
        services.date_rate(date=date, member=ann, rating="great")
    services.date_check_in(date=date, member=ann, met="not_yet")
    assert side(date, ann).met == "not_yet"
    services.date_check_in(date=date, member=ann, met="yes")
    mine = side(date, ann)
    assert mine.met == "yes" and mine.met_at is not None
    # Yes is final; how it went can be said (and changed) after it.
    with pytest.raises(services.IllegalTransition, match="already told us"):
        services.date_check_in(date=date, member=ann, met="no")
    services.date_rate(date=date, member=ann, rating="great")
    services.date_rate(date=date, member=ann, rating="good")
    assert side(date, ann).rating == "good"
    # Ben's side is his own.
    assert side(date, ben).met == "" and side(date, ben).rating == ""


def test_no_check_in_for_a_date_that_did_not_go_ahead(two):
    ann, ben = two
    date = make_date(ann, ben)
    with pytest.raises(services.IllegalTransition):
        services.date_check_in(date=date, member=ann, met="yes")
    with pytest.raises(services.IllegalTransition):
        services.date_check_in(date=_confirmed(*two), member=ann, met="maybe")


def test_answering_ends_a_run_of_unanswered_intros(two):
    ann, ben = two
    CoffeeSettings.objects.filter(user=ann).update(unanswered_in_a_row=2)
    services.date_pass(date=make_date(ann, ben), member=ann)
    assert CoffeeSettings.objects.get(user=ann).unanswered_in_a_row == 0


def test_dont_pair_me_with_is_members_dont_introduce_and_passes_a_waiting_intro(two):
    from members.models import DualRelationship, may_introduce

    ann, ben = two
    date = make_date(ann, ben)
    services.apart_add(member=ann, other=ben)
    note = DualRelationship.objects.get(member=ann, other=ben)
    assert note.kind == DualRelationship.Kind.DO_NOT_INTRODUCE
    assert not may_introduce(ann, ben)
    assert CoffeeDate.objects.get(pk=date.pk).status == Status.PASSED
    assert [n.other_id for n in services.apart_list(ann)] == [ben.pk]
    assert services.apart_list(ben) == []  # never shown to the other
    assert services.apart_remove(member=ann, other=ben)
    assert may_introduce(ann, ben)


def test_a_relationship_declared_on_a_profile_is_kept_as_it_is(two):
    from members.models import DualRelationship

    ann, ben = two
    DualRelationship.objects.create(member=ann, other=ben, kind="supervisory")
    services.apart_add(member=ann, other=ben)
    assert DualRelationship.objects.get(member=ann, other=ben).kind == "supervisory"
    assert not services.apart_remove(member=ann, other=ben)
    assert DualRelationship.objects.filter(member=ann, other=ben).exists()


def test_settings_save_and_resume(two):
    ann, _ = two
    saved = services.settings_save(
        member=ann,
        opted_in=True,
        cadence="monthly",
        format="virtual",
        travel_km=8.0,
        availability=["sun-evening", "mon-morning"],
        snoozed_until=None,
    )
    assert saved.availability == ["mon-morning", "sun-evening"]  # week order
    CoffeeSettings.objects.filter(user=ann).update(
        paused_at=datetime(2026, 7, 6, tzinfo=UTC),
        paused_reason="unanswered",
        unanswered_in_a_row=3,
        opted_in=False,
    )
    resumed = services.settings_resume(member=ann)
    assert resumed.opted_in and not resumed.is_paused and resumed.unanswered_in_a_row == 0


def test_suggested_times_are_ahead_and_in_each_members_zone(two):
    ann, ben = two
    now = datetime(2026, 3, 6, 15, 0, tzinfo=UTC)  # the Friday before US clocks go forward
    date = make_date(ann, ben)
    services.date_accept(date=date, member=ann, now=now)
    services.date_accept(date=date, member=ben, now=now)
    date.refresh_from_db()
    starts = [datetime.fromisoformat(start) for start, _ in date.suggested_times]
    assert all(start >= now + timedelta(hours=12) for start in starts)
    # 9:00 in New York before and after the change: 14:00 UTC, then 13:00 UTC.
    local = [s.astimezone(ann.zone) for s in starts]
    assert [(t.hour, t.minute) for t in local] == [(9, 0)] * 3
    assert {s.hour for s in starts} == {14, 13}


def test_the_emails_show_the_shared_times_in_each_members_own_zone(
    two, mailoutbox, django_capture_on_commit_callbacks
):
    ann, ben = two  # New York and Chicago, both free every morning
    date = make_date(ann, ben)
    now = datetime(2026, 7, 6, 12, 0, tzinfo=UTC)
    with django_capture_on_commit_callbacks(execute=True):
        services.date_accept(date=date, member=ann, now=now)
        services.date_accept(date=date, member=ben, now=now)
    mail = {message.to[0]: message for message in mailoutbox}
    to_ann, to_ben = mail[ann.email], mail[ben.email]
    assert "Your coffee date with Ben Brooks is on" in to_ann.subject
    # The same moment: 9:00 in New York is 8:00 in Chicago.
    assert "Tue, Jul 7, 9:00 AM to 11:00 AM EDT" in to_ann.body
    assert "Tue, Jul 7, 8:00 AM to 10:00 AM CDT" in to_ben.body
    html = to_ben.alternatives[0][0]
    assert "Tue, Jul 7, 8:00 AM" in html and "Open the conversation" in html
