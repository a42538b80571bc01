"""The demo's network: accepted connections and open requests among members, mostly
within a city (a dozen for the demo member login), and a few blocks.
"""

from __future__ import annotations

import random
from datetime import timedelta

from members.demo.data import BATCH, weighted_choice
from members.models import Block, Connection, User

# How many connection requests each member has sent (weights): most people know a few
# colleagues, some none, a few are busy networkers.
REQUESTS_SENT = [(0, 28), (1, 30), (2, 20), (3, 12), (4, 6), (6, 4)]
SAME_CITY = 0.75  # most colleagues practise nearby
ACCEPTED = 0.85  # the rest are requests still waiting for an answer
BLOCKERS = 0.004  # members who blocked somebody


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
    demo_member = 1
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
        connections.append(
            Connection(
                user_a=a,
                user_b=b,
                requested_by=users[sender],
                status=Connection.Status.ACCEPTED if is_accepted else Connection.Status.REQUESTED,
                created_at=asked,
                accepted_at=min(now, asked + timedelta(hours=rng.randint(1, 14 * 24)))
                if is_accepted
                else None,
            )
        )
    Connection.objects.bulk_create(connections, batch_size=BATCH * 5)
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
