"""/network/: private tags on connections, counts, the chart with its table, last
contact from messages (through the contacts plug-in), what is missing, the weekly
"gone quiet" note; a fixed number of queries whatever the size."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from members import network, services
from members.models import Connection, ConnectionTag, User
from notifications.models import Notification
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db


def _connect(a, b) -> Connection:
    row = Connection.for_pair(
        a, b, requested_by=a, status=Connection.Status.ACCEPTED, accepted_at=timezone.now()
    )
    row.save()
    return row


def _tag(client, other, **fields):
    row = Connection.objects.between(client.user, other).get()
    data = {f"c{row.pk}-{k}": v for k, v in fields.items()}
    return client.post(reverse("members:network_tag", args=[other.profile.handle]), data)


@pytest.fixture
def me_client(client):
    me = MemberFactory()
    client.force_login(me)
    client.user = me
    return client


def test_tags_are_private_and_per_side(me_client):
    me, other = me_client.user, MemberFactory()
    _connect(me, other)
    _tag(me_client, other, type="mentor", strength=2, importance=5)
    tag = ConnectionTag.objects.get()
    assert (tag.owner, tag.type, tag.strength, tag.importance) == (me, "mentor", 2, 5)
    # The other person sees nothing of it on their own page.
    me_client.force_login(other)
    html = me_client.get(reverse("members:network")).content.decode()
    assert "Mentor</td>" not in html
    # A stranger cannot be tagged.
    me_client.force_login(me)
    stranger = MemberFactory()
    url = reverse("members:network_tag", args=[stranger.profile.handle])
    assert me_client.post(url, {"c1-type": "mentor"}).status_code == 404


def test_bad_scores_are_refused(me_client):
    other = MemberFactory()
    _connect(me_client.user, other)
    _tag(me_client, other, type="mentor", strength=9, importance=0)
    assert not ConnectionTag.objects.exists()
    with pytest.raises(services.NotAllowed):
        services.connection_tag_set(
            owner=MemberFactory(),
            connection=Connection.objects.get(),
            type="mentor",
            strength=1,
            importance=1,
        )


def test_page_counts_chart_table_and_missing(me_client):
    me = me_client.user
    people = [MemberFactory() for _ in range(3)]
    for person in people:
        _connect(me, person)
    _tag(me_client, people[0], type="peer_consultation", strength=1, importance=5)
    _tag(me_client, people[1], type="peer_consultation", strength=4, importance=2)
    html = me_client.get(reverse("members:network")).content.decode()
    assert "<dt>Peer consultation</dt><dd>2</dd>" in html
    assert html.count('class="network-dot"') == 2
    assert '<caption id="tagged-caption">Tagged connections</caption>' in html
    assert "No mentor yet." in html and "No interdisciplinary contacts." in html
    assert "No one to consult with" not in html
    data = network.network_for(me)
    assert [tie.profile for tie in data.invest] == [people[0].profile]


def test_last_contact_comes_from_messages(me_client):
    from messaging import services as messaging_services

    me, other = me_client.user, MemberFactory()
    _connect(me, other)
    conversation = messaging_services.conversation_open(sender=me, recipient=other)
    message = messaging_services.message_send(sender=other, conversation=conversation, body="hi")
    contacts = network.last_contacts(me, [other.pk])
    assert contacts == {other.pk: message.created_at}


def test_query_count_is_the_same_for_1_or_50_connections(client):
    """With the "who to meet next" plug-in (matching) at work too: peers who share the
    member's focus are suggested for the missing peer consultation and interdisciplinary
    ties, in the same number of queries whatever the number of connections."""
    from matching import engine
    from tests.matching.people import person

    engine.reset()  # a snapshot left by another test's (rolled back) members
    counts = []
    for n in (1, 50):
        me = person(stage="mid", specialties=["anxiety"], populations=["adults"])
        for _ in range(n):
            row = _connect(me, MemberFactory())
            ConnectionTag.objects.create(owner=me, connection=row, type="mentor")
        peers = [person(stage="mid", specialties=["anxiety"]) for _ in range(2)]
        client.force_login(me)
        # Build (then patch) the per-process matching snapshot, and settle its look-back:
        # the snapshot is a cache of the process, not a cost of the page.
        client.get(reverse("members:network"))
        client.get(reverse("members:network"))
        with CaptureQueriesContext(db) as queries:
            response = client.get(reverse("members:network"))
        assert response.status_code == 200
        # Earlier rounds' people are candidates too: at least this round's two peers.
        assert len(response.context["next_to_meet"].people) >= len(peers)
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    engine.reset()


def test_gone_quiet_is_one_note_a_week_naming_everyone():
    me = MemberFactory()
    for _ in range(2):
        row = _connect(me, MemberFactory())
        ConnectionTag.objects.create(owner=me, connection=row, type="mentor", importance=5)
    Connection.objects.update(accepted_at=timezone.now() - timedelta(weeks=10))
    assert network.network_quiet_reminders_send() == 1
    assert network.network_quiet_reminders_send() == 1  # same week: same key
    note = Notification.objects.get(recipient=me, kind="network_quiet")
    assert len(note.context["names"]) == 2


def test_the_demo_member_login_has_a_tagged_network_to_look_at(client):
    from hive.demo import DEMO_LOGINS
    from members.demo import seed_community

    seed_community(members=80, seed=3)
    me = User.objects.get(email=DEMO_LOGINS["member"])
    tags = list(ConnectionTag.objects.filter(owner=me))
    assert len(tags) >= 5
    assert len({tag.type for tag in tags}) >= 3
    assert len({(tag.strength, tag.importance) for tag in tags}) >= 4
    # Nobody else tagged anything: tags are the member login's alone.
    assert not ConnectionTag.objects.exclude(owner=me).exists()
    data = network.network_for(me)
    assert len(data.invest) >= 2  # important but weak: where to invest
    assert len(data.tagged) < len(data.ties)  # a couple left to tag
    assert "No mentor yet." in data.missing  # something for "who to meet next"
    client.force_login(me)
    html = client.get(reverse("members:network")).content.decode()
    assert html.count('class="network-dot"') == len(tags)
