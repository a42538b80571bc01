"""Connections and blocks (members/services.py, members/models/connections.py): one connection per
pair, every transition and every illegal one, the silent decline, mutual requests, and
the single visibility rule for blocks (User.objects.visible_to / blocked_between)."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404

from members import services
from members.models import Block, Connection, User, blocked_between
from members.models.connections import in_block_with_ids
from members.services import NotAllowed, NotAvailable
from notifications.models import Notification
from tests.members.factories import ApplicantFactory, MemberFactory

pytestmark = pytest.mark.django_db
R, A = Connection.Status.REQUESTED, Connection.Status.ACCEPTED


@pytest.fixture
def ann():
    return MemberFactory()


@pytest.fixture
def bob():
    return MemberFactory()


def snapshot():
    """Everything a connection or block action could change."""
    return (
        list(Connection.objects.order_by("pk").values()),
        list(Block.objects.order_by("pk").values()),
        list(Notification.objects.order_by("pk").values_list("pk", "recipient", "kind")),
    )


def kinds_for(user):
    return list(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def request(sender, recipient, note="Hello from the trauma consult group"):
    return services.connection_request(sender=sender, recipient=recipient, note=note)


# --- The constraint --------------------------------------------------------------------


def test_one_row_per_pair_whichever_way_round(ann, bob):
    Connection.for_pair(ann, bob, requested_by=ann).save()
    with pytest.raises(IntegrityError), transaction.atomic():
        Connection.for_pair(bob, ann, requested_by=bob).save()


def test_the_reversed_pair_cannot_be_stored_by_hand(ann, bob):
    low, high = sorted([ann, bob], key=lambda u: u.pk)
    Connection.objects.create(user_a=low, user_b=high, requested_by=low)
    with pytest.raises(IntegrityError), transaction.atomic():
        Connection.objects.create(user_a=high, user_b=low, requested_by=high)


def test_constraints_explain_themselves(ann, bob):
    low, high = sorted([ann, bob], key=lambda u: u.pk)
    with pytest.raises(ValidationError, match="two different members"):
        Connection(user_a=low, user_b=low, requested_by=low).full_clean()
    Connection.objects.create(user_a=low, user_b=high, requested_by=low)
    with pytest.raises(ValidationError, match="already have a connection"):
        Connection(user_a=low, user_b=high, requested_by=high).full_clean()
    with pytest.raises(ValidationError, match="cannot block yourself"):
        Block(blocker=ann, blocked=ann).full_clean()


# --- Requests and their answers -------------------------------------------------------


def test_request_notifies_the_recipient_by_email(ann, bob):
    connection = request(ann, bob)
    assert connection.status == R and connection.requested_by == ann
    assert connection.recipient_id == bob.pk and connection.accepted_at is None
    assert connection.note == "Hello from the trauma consult group"
    notification = Notification.objects.get(recipient=bob)
    assert notification.kind == "connection_request"
    assert notification.email_status == Notification.Email.PENDING  # default: email
    assert ann.profile.display_name in notification.in_app_text()
    assert kinds_for(ann) == []


def test_a_long_note_is_refused(ann, bob):
    with pytest.raises(ValidationError):
        request(ann, bob, note="x" * 301)
    assert not Connection.objects.exists()


def test_accept_connects_and_tells_the_sender_in_app(ann, bob):
    connection = services.connection_accept(connection=request(ann, bob), user=bob)
    connection.refresh_from_db()
    assert connection.status == A and connection.accepted_at is not None
    notification = Notification.objects.get(recipient=ann)
    assert notification.kind == "connection_accepted"
    assert notification.email_status == Notification.Email.NONE  # default: in Hive only
    assert bob.profile.display_name in notification.in_app_text()


def test_decline_is_silent_to_the_sender(ann, bob):
    connection = request(ann, bob)
    services.connection_decline(connection=connection, user=bob)
    assert not Connection.objects.exists()
    assert kinds_for(ann) == []
    # The request leaves the recipient's notifications too; asking again is possible.
    assert kinds_for(bob) == []
    assert request(ann, bob).status == R


def test_withdraw_removes_the_request_and_its_notification(ann, bob):
    services.connection_withdraw(connection=request(ann, bob), user=ann)
    assert not Connection.objects.exists()
    assert not Notification.objects.exists()


def test_either_side_can_remove_a_connection(ann, bob):
    for remover in (ann, bob):
        connection = services.connection_accept(connection=request(ann, bob), user=bob)
        services.connection_remove(connection=connection, user=remover)
        assert not Connection.objects.exists()


def test_mutual_requests_connect(ann, bob):
    first = request(ann, bob)
    second = request(bob, ann, note="")
    assert second.pk == first.pk and second.status == A
    assert Connection.objects.get().status == A
    assert kinds_for(ann) == ["connection_accepted"]
    assert kinds_for(bob) == ["connection_request"]


# --- Illegal actions raise and change nothing ------------------------------------------


@pytest.fixture
def cat():
    return MemberFactory()


def illegal_cases(ann, bob, cat):
    """(description, action) pairs, each illegal in the state set up just before."""
    pending = request(ann, bob)
    accepted = services.connection_accept(connection=request(cat, ann), user=ann)
    s = services

    def act(fn, connection, user):
        return lambda: fn(connection=connection, user=user)

    return [
        ("request yourself", lambda: request(ann, ann)),
        ("request twice", lambda: request(ann, bob)),
        ("request when connected", lambda: request(ann, cat)),
        ("request back when connected", lambda: request(cat, ann)),
        ("accept your own request", act(s.connection_accept, pending, ann)),
        ("a stranger accepts", act(s.connection_accept, pending, cat)),
        ("accept an accepted one", act(s.connection_accept, accepted, ann)),
        ("decline your own request", act(s.connection_decline, pending, ann)),
        ("a stranger declines", act(s.connection_decline, pending, cat)),
        ("decline an accepted one", act(s.connection_decline, accepted, ann)),
        ("recipient withdraws", act(s.connection_withdraw, pending, bob)),
        ("withdraw an accepted one", act(s.connection_withdraw, accepted, cat)),
        ("remove a pending one", act(s.connection_remove, pending, ann)),
        ("a stranger removes", act(s.connection_remove, accepted, bob)),
        ("block yourself", lambda: s.block_create(blocker=ann, blocked=ann)),
        ("unblock nobody", lambda: s.block_remove(blocker=ann, blocked=bob)),
    ]


def test_each_illegal_action_raises_and_changes_nothing(ann, bob, cat):
    cases = illegal_cases(ann, bob, cat)
    before = snapshot()
    for description, action in cases:
        with pytest.raises(NotAllowed):
            action()
        assert snapshot() == before, description


def test_acting_on_a_request_that_is_gone(ann, bob):
    connection = request(ann, bob)
    services.connection_withdraw(connection=connection, user=ann)
    with pytest.raises(NotAllowed, match="no longer exists"):
        services.connection_accept(connection=connection, user=bob)
    assert not Connection.objects.exists()


def test_only_members_connect(ann):
    applicant = ApplicantFactory()
    with pytest.raises(NotAvailable):
        request(ann, applicant)
    with pytest.raises(NotAllowed):
        request(applicant, ann)
    suspended = MemberFactory(is_active=False)
    with pytest.raises(NotAvailable):
        request(ann, suspended)
    assert not Connection.objects.exists() and not Notification.objects.exists()


# --- Blocks --------------------------------------------------------------------------------


def test_block_removes_the_connection_and_its_notifications(ann, bob):
    services.connection_accept(connection=request(ann, bob), user=bob)
    services.block_create(blocker=bob, blocked=ann)
    assert not Connection.objects.exists()
    assert not Notification.objects.exists()
    assert blocked_between(ann, bob) and blocked_between(bob, ann)


def test_block_removes_a_pending_request(ann, bob):
    request(ann, bob)
    services.block_create(blocker=ann, blocked=bob)
    assert not Connection.objects.exists()


@pytest.mark.parametrize("blocker_is_sender", [True, False])
def test_no_requests_across_a_block_in_either_direction(ann, bob, blocker_is_sender):
    services.block_create(
        blocker=ann if blocker_is_sender else bob, blocked=bob if blocker_is_sender else ann
    )
    for sender, recipient in ((ann, bob), (bob, ann)):
        with pytest.raises(NotAvailable) as raised:
            request(sender, recipient)
        assert isinstance(raised.value, Http404)  # views answer 404, revealing nothing
    assert not Connection.objects.exists() and not Notification.objects.exists()


def test_blocking_twice_is_harmless_and_the_blocked_side_cannot_lift_it(ann, bob):
    first = services.block_create(blocker=ann, blocked=bob)
    assert services.block_create(blocker=ann, blocked=bob) == first
    with pytest.raises(NotAllowed):
        services.block_remove(blocker=bob, blocked=ann)
    assert Block.objects.count() == 1


def test_visible_to_hides_blocks_both_ways_in_one_query(ann, bob, cat, django_assert_num_queries):
    dan, eve = MemberFactory(), MemberFactory()
    services.block_create(blocker=ann, blocked=bob)  # ann blocked bob
    services.block_create(blocker=cat, blocked=ann)  # cat blocked ann
    services.block_create(blocker=dan, blocked=eve)  # not ann's business
    with django_assert_num_queries(1):
        visible = set(User.objects.visible_to(ann))
    assert bob not in visible and cat not in visible
    assert {ann, dan, eve} <= visible
    assert ann not in set(User.objects.visible_to(bob))
    assert ann not in set(User.objects.visible_to(cat))
    # It composes with any other filter, still in one query.
    with django_assert_num_queries(1):
        members = list(User.objects.visible_to(ann).filter(membership_status="member"))
    assert set(members) == {ann, dan, eve}


def test_unblock_restores_visibility_but_not_the_connection(ann, bob):
    services.connection_accept(connection=request(ann, bob), user=bob)
    services.block_create(blocker=ann, blocked=bob)
    services.block_remove(blocker=ann, blocked=bob)
    assert bob in User.objects.visible_to(ann) and ann in User.objects.visible_to(bob)
    assert not blocked_between(ann, bob)
    assert not Connection.objects.exists()
    assert request(bob, ann).status == R


def test_visible_to_an_anonymous_viewer_is_not_filtered_by_blocks(ann, bob):
    from django.contrib.auth.models import AnonymousUser

    services.block_create(blocker=ann, blocked=bob)
    assert {ann, bob} <= set(User.objects.visible_to(AnonymousUser()))


def test_create_user_still_works():
    user = User.objects.create_user("new@example.com", "pw-12345678")
    admin = User.objects.create_superuser("root@example.com", "pw-12345678")
    assert user.check_password("pw-12345678") and admin.is_superuser
    assert User.objects.visible_to(user).filter(pk=admin.pk).exists()


# --- "May these two be introduced?" --------------------------------------------------------


@pytest.mark.parametrize("who_acts", ["me", "them"])
@pytest.mark.parametrize("how", ["block", "dual_relationship"])
def test_a_block_or_a_dual_relationship_either_way_stops_introductions(db, who_acts, how):
    """`introducible_to` (lists) and `may_introduce` (one pair) are one rule: a block or
    a declared dual relationship, made by either side, keeps the two apart; a third
    person is unaffected."""
    from members.models import DualRelationship, may_introduce

    me, them, bystander = MemberFactory(), MemberFactory(), MemberFactory()
    actor, target = (me, them) if who_acts == "me" else (them, me)
    assert may_introduce(me, them)
    if how == "block":
        Block.objects.create(blocker=actor, blocked=target)
    else:
        DualRelationship.objects.create(
            member=actor, other=target, kind=DualRelationship.Kind.DO_NOT_INTRODUCE
        )
    assert not may_introduce(me, them) and not may_introduce(them, me)
    assert may_introduce(me, bystander)
    seen = set(User.objects.introducible_to(me).values_list("pk", flat=True))
    assert them.pk not in seen and bystander.pk in seen
    # A dual relationship does not hide anyone: only a block does.
    assert (them in User.objects.visible_to(me)) == (how == "dual_relationship")


def test_states_with_many_people_in_one_query_from_each_side(ann, bob, django_assert_num_queries):
    carl, dee, eve = MemberFactory.create_batch(3)
    services.connection_request(sender=ann, recipient=bob)
    services.connection_request(sender=carl, recipient=ann)
    services.connection_accept(
        connection=services.connection_request(sender=ann, recipient=dee), user=dee
    )
    with django_assert_num_queries(1):
        seen_by_ann = Connection.objects.states_with(ann, [bob.pk, carl.pk, dee.pk, eve.pk])
    assert seen_by_ann == {bob.pk: "sent", carl.pk: "received", dee.pk: "connected"}
    assert Connection.objects.states_with(bob, [ann.pk]) == {ann.pk: "received"}


def test_in_block_with_ids_is_the_block_rule_as_a_set(ann, bob):
    """The set form names exactly the people visible_to() hides, both directions."""
    carl, dee = MemberFactory.create_batch(2)
    services.block_create(blocker=ann, blocked=bob)
    services.block_create(blocker=carl, blocked=ann)
    services.block_create(blocker=bob, blocked=dee)  # not ann's
    ids = set(User.objects.filter(pk__in=in_block_with_ids(ann)).values_list("pk", flat=True))
    assert ids == {bob.pk, carl.pk}
    everyone = set(User.objects.values_list("pk", flat=True))
    assert ids == everyone - set(User.objects.visible_to(ann).values_list("pk", flat=True))


def test_introduction_barriers_is_the_same_rule_for_many_people_at_once(
    db, django_assert_num_queries, monkeypatch
):
    """`introduction_barriers` finds exactly the pairs `may_introduce` refuses, among the
    ids asked about only, each once in (lower, higher) order, in two statements per
    batch of ids whatever the number of rows."""
    from members.models import DualRelationship, connections, introduction_barriers, may_introduce

    people = MemberFactory.create_batch(7)
    a, b, c, d, e, f, outsider = people
    Block.objects.create(blocker=b, blocked=a)  # found from the higher id's side
    Block.objects.create(blocker=c, blocked=d)
    Block.objects.create(blocker=d, blocked=c)  # both ways: still one pair
    DualRelationship.objects.create(member=e, other=a, kind="clinical")
    DualRelationship.objects.create(member=f, other=e, kind=DualRelationship.Kind.DO_NOT_INTRODUCE)
    DualRelationship.objects.create(member=outsider, other=a, kind="personal")
    Block.objects.create(blocker=a, blocked=outsider)
    asked = [a, b, c, d, e, f]
    with django_assert_num_queries(2):
        found = introduction_barriers(asked)
    expected = {
        tuple(sorted((x.pk, y.pk)))
        for i, x in enumerate(asked)
        for y in asked[i + 1 :]
        if not may_introduce(x, y)
    }
    assert found == expected
    assert found == {
        tuple(sorted(pair)) for pair in [(a.pk, b.pk), (c.pk, d.pk), (a.pk, e.pk), (e.pk, f.pk)]
    }
    # Ids or users alike; the outsider's rows are not about anyone asked.
    assert introduction_barriers([p.pk for p in asked]) == found
    # Many ids go in slices: two statements per slice.
    monkeypatch.setattr(connections, "BARRIER_BATCH", 2)
    with django_assert_num_queries(6):
        assert introduction_barriers(asked) == found
    assert introduction_barriers([]) == set()
