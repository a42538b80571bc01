"""The demo's network: accepted connections and open requests among members, mostly
within a city (a dozen for the demo member login), a few blocks, and the demo member
login's private tags on its connections, so /network/ has a picture to show.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.urls import reverse

from members.demo.data import BATCH, weighted_choice
from members.models import Block, Connection, ConnectionTag, Profile, User
from members.scope import scope_of
from notifications.models import Notification

# How many connection requests each member has sent (weights): most people know a few
# colleagues, some none, a few are busy networkers.
REQUESTS_SENT = [(0, 28), (1, 30), (2, 20), (3, 12), (4, 6), (6, 4)]
SAME_CITY = 0.75  # most colleagues practise nearby
ACCEPTED = 0.85  # the rest are requests still waiting for an answer
BLOCKERS = 0.004  # members who blocked somebody
DEMO_MEMBER = 1  # the member login's index among the people (community.py adds it second)
STAGES = [value for value, _ in Profile.Stage.choices]
REQUEST_NOTES = [
    "We met at the trauma-informed care training last spring. I'd love to stay in touch.",
    "I see a lot of adolescents too and am looking for people to consult with.",
    "Another clinician in {city}! I'd like to be able to refer to each other.",
    "Your work with couples caught my eye. Would you be open to a consult now and then?",
    "I'm building a small peer consultation group and thought of you.",
    "Hi! A colleague suggested we connect; we have a few clients' needs in common.",
]


def save_network(rng: random.Random, *, users, profiles, now) -> None:
    """Connections among members, mostly within a city, some requests still open, and
    a few blocks: what the directory's "shown to connections" rules and a member's
    connections page need to look real. Bulk inserted, pairs stored in id order."""
    members = [
        i
        for i, user in enumerate(users)
        if user.membership_status == User.Status.MEMBER and not user.is_staff
    ]
    if len(members) < 2:
        return
    by_city: dict[str, list[int]] = {}
    for i in members:
        by_city.setdefault(profiles[i].city, []).append(i)
    pairs: dict[tuple[int, int], int] = {}  # (low index, high index) -> who asked

    def ask(sender: int, recipient: int) -> None:
        if sender != recipient:
            pairs.setdefault((min(sender, recipient), max(sender, recipient)), sender)

    for i in members:
        neighbours = by_city[profiles[i].city]
        for _ in range(weighted_choice(rng, REQUESTS_SENT)):
            pool = neighbours if len(neighbours) > 1 and rng.random() < SAME_CITY else members
            ask(i, rng.choice(pool))
    # The demo member login knows a dozen colleagues, and three requests wait for them.
    demo_member = DEMO_MEMBER
    colleagues = rng.sample([i for i in members if i != demo_member], min(len(members) - 1, 15))
    for other in colleagues[:12]:
        ask(demo_member, other)
    for other in colleagues[12:]:
        ask(other, demo_member)
    connections = []
    for (low, high), sender in pairs.items():
        a, b = users[low], users[high]
        if a.pk > b.pk:  # the table stores each pair in id order
            a, b = b, a
        # Asked some time after both had joined, answered within a couple of weeks.
        since = max(profiles[low].created_at, profiles[high].created_at)
        asked = since + (now - since) * rng.random()
        waiting_for_demo = demo_member in (low, high) and sender != demo_member
        is_accepted = not waiting_for_demo and rng.random() < ACCEPTED
        # Some people say why they ask; more of them when they ask the demo login.
        note = (
            rng.choice(REQUEST_NOTES).format(city=profiles[sender].city or "town")
            if not is_accepted and rng.random() < (0.8 if waiting_for_demo else 0.4)
            else ""
        )
        connections.append(
            Connection(
                user_a=a,
                user_b=b,
                requested_by=users[sender],
                status=Connection.Status.ACCEPTED if is_accepted else Connection.Status.REQUESTED,
                note=note,
                created_at=asked,
                accepted_at=min(now, asked + timedelta(hours=rng.randint(1, 14 * 24)))
                if is_accepted
                else None,
            )
        )
    Connection.objects.bulk_create(connections, batch_size=BATCH * 5)
    save_request_notifications(connections, users=users, profiles=profiles)
    blocks = set()
    for blocker in rng.sample(members, int(len(members) * BLOCKERS)):
        blocked = rng.choice(members)
        pair = (min(blocker, blocked), max(blocker, blocked))
        # A block removes any connection, so a blocked pair is never connected.
        if blocked != blocker and pair not in pairs:
            blocks.add((blocker, blocked))
    Block.objects.bulk_create(
        [
            Block(
                blocker=users[a],
                blocked=users[b],
                created_at=now - timedelta(days=rng.randint(1, 300)),
            )
            for a, b in sorted(blocks)
        ]
    )


# How a clinician might rate each kind of tie: (strength range, importance range). The
# referral partner and the interdisciplinary colleague are the classic "important but
# weak" ties: people one sends clients to, or would like to, but barely knows.
TIE_SHAPES = {
    ConnectionTag.Type.PEER_CONSULTATION: ((4, 5), (4, 5)),
    ConnectionTag.Type.LEARNING_COMMUNITY: ((3, 5), (1, 3)),
    ConnectionTag.Type.MENTEE: ((3, 4), (3, 4)),
    ConnectionTag.Type.INTERDISCIPLINARY: ((1, 2), (4, 5)),
    ConnectionTag.Type.REFERRAL_PARTNER: ((1, 2), (4, 5)),
}
UNTAGGED = 2  # a couple left untagged: the page shows how to tag them


def _kind_of_tie(mine: Profile, theirs: Profile, n: int) -> str:
    """What the demo member would call this colleague: another discipline is a referral
    partner or a consultation peer; someone two stages junior a mentee; the rest peers
    or a learning community. Never a mentor or an interdisciplinary tie, so the demo's
    network check has something to say ("No mentor yet", "No interdisciplinary
    contacts") and someone to suggest."""
    mine_scope = scope_of(mine.profession.slug if mine.profession else None)
    their_scope = scope_of(theirs.profession.slug if theirs.profession else None)
    if mine_scope and their_scope and mine_scope.discipline != their_scope.discipline:
        # A referral partner or a consultation peer, never "interdisciplinary": the
        # network check then names that gap too, which matching can always fill,
        # whatever the login's career stage (a seasoned clinician has no mentor to find).
        return (
            ConnectionTag.Type.REFERRAL_PARTNER if n % 2 else ConnectionTag.Type.PEER_CONSULTATION
        )
    if (
        mine.career_stage in STAGES
        and theirs.career_stage in STAGES
        and STAGES.index(mine.career_stage) - STAGES.index(theirs.career_stage) >= 2
    ):
        return ConnectionTag.Type.MENTEE
    return ConnectionTag.Type.PEER_CONSULTATION if n % 3 else ConnectionTag.Type.LEARNING_COMMUNITY


def save_tags(rng: random.Random, *, users, profiles, now) -> None:
    """The demo member login's private tags on its accepted connections: varied kinds,
    strengths and importances, a few "important but weak", a couple left untagged."""
    me = users[DEMO_MEMBER]
    index_of = {user.pk: i for i, user in enumerate(users)}
    rows = list(
        Connection.objects.involving(me)
        .filter(status=Connection.Status.ACCEPTED)
        .order_by("accepted_at", "pk")
    )
    tags = []
    for n, row in enumerate(rows[: max(0, len(rows) - UNTAGGED)]):
        other = row.user_b_id if row.user_a_id == me.pk else row.user_a_id
        kind = _kind_of_tie(profiles[DEMO_MEMBER], profiles[index_of[other]], n)
        (low_s, high_s), (low_i, high_i) = TIE_SHAPES[kind]
        tags.append(
            ConnectionTag(
                owner=me,
                connection=row,
                type=kind,
                strength=rng.randint(low_s, high_s),
                importance=rng.randint(low_i, high_i),
                updated_at=now - timedelta(days=rng.randint(1, 60)),
            )
        )
    # A network of one discipline and stage has no referral or interdisciplinary ties:
    # then a peer or two met once and worth knowing better are the "important but weak".
    weak = [t for t in tags if t.importance >= 4 and t.strength <= 2]
    for tag in [t for t in tags if t not in weak][: max(0, 2 - len(weak))]:
        tag.strength, tag.importance = rng.randint(1, 2), rng.randint(4, 5)
    ConnectionTag.objects.bulk_create(tags)


def save_request_notifications(connections, *, users, profiles) -> None:
    """The notification each open request sends (members.services.connection_request
    does it for real requests), already emailed long ago, so the demo's notification
    centers show the requests waiting and can answer them there (issue 18: the demo made
    requests without their notifications). Keys match the service's, so answering one
    updates or removes it just as for a real request."""
    by_pk = {user.pk: (user, profile) for user, profile in zip(users, profiles, strict=False)}
    rows = []
    for connection in connections:
        if connection.status != Connection.Status.REQUESTED:
            continue
        sender = by_pk.get(connection.requested_by_id)
        recipient = by_pk.get(connection.recipient_id)
        if sender is None or recipient is None:
            continue
        rows.append(
            Notification(
                recipient=recipient[0],
                kind="connection_request",
                key=f"connection_request:{connection.pk}",
                context={"name": sender[1].display_name, "note": connection.note},
                url=reverse("members:connections"),
                created_at=connection.created_at,
                email_status=Notification.Email.SENT,
                email_sent_at=connection.created_at,
            )
        )
    Notification.objects.bulk_create(rows, batch_size=BATCH * 5)
