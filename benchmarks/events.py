"""Events at the issue's scale: /events/, an event page and the private feed against a
floor, and a race of many members for few seats from several processes.

    .venv/bin/python benchmarks/events.py [--members 100000] [--events 10000]
        [--feed-events 200] [--iterations 100] [--racers 200] [--seats 50]
        [--processes 8] [--keep] [--explain]

1. Seeding, into its own scratch database `hive_bench_events` (benchmarks/_db.py):
   the demo (`seed_demo --members 300`: the demo logins and every app's demo rows),
   then, loaded with COPY (benchmarks/_bulk.py), members up to `--members` (accounts
   and profiles: names, credential tiers in realistic shares, cities), a few thousand
   blocks (some of them the demo member's), and events up to `--events`: a year back
   and six months ahead, every type, a third CE workshops, some open to licensed
   clinicians only, a few unlisted or cancelled, 40 % online, in person in the 250
   largest US cities; co-organizers, and RSVPs filling each from empty to past capacity
   (a waitlist), checked in at past ones. The demo member goes to or organizes
   `--feed-events` events that belong in their private feed (the last 90 days on).
   Then VACUUM ANALYZE, as autovacuum would have on a live site. 100,000 members and
   10,000 events take about two minutes here; `--keep` keeps the database for the
   next run.
2. Pages, requested as the demo member through Django's test client in this process
   (the whole middleware stack, DEBUG off; benchmarks/_pages.py), in shuffled rounds:
   the floor (a member-only view with a tiny template), /events/ (first page, a deeper
   page, near a city, CE this month with seats, my events), an event page (one the
   member goes to, with its attendees; one that is full, with a waitlist) and the
   member's private feed. Printed: min/p50/p95 ms, p95 against 4x the floor's, SQL per
   request. `--explain` adds the plan of the list's main statement.
3. The race (tests/events/race.py): an event with `--seats` seats, `--racers` members
   who each RSVP from one of `--processes` spawned processes, each with its own
   database connection, released together by a barrier. Printed: going, waitlisted,
   whether arrival order held, errors, and the time from the release to the last answer.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import timedelta

from _bulk import copy_rows, reserve_ids
from _db import scratch_session
from _pages import FLOOR, FLOOR_URL, install_floor, load, print_pages, time_pages

SCRATCH = "hive_bench_events"
BENCH_DOMAIN = "bench.hive.test"
KINDS = [
    ("ce_workshop", 33),
    ("meetup", 22),
    ("study_group", 18),
    ("coffee_social", 15),
    ("conference", 12),
]
TIERS = [("licensed", 62), ("associate", 20), ("peer", 9), ("allied", 9)]
TOPICS = [
    "Ethics in telehealth",
    "Trauma-informed supervision",
    "Motivational interviewing refresher",
    "Suicide risk assessment",
    "Working with eating disorders",
    "Grief and bereavement",
    "Perinatal mental health",
    "Cultural humility in practice",
    "Documentation that protects you",
    "Starting a group practice",
    "Play therapy skills",
    "Couples work after infidelity",
    "Harm reduction basics",
    "EMDR case consultation",
    "Burnout and sustainable caseloads",
]
BODIES = ["NASW California Chapter", "APA", "NBCC", "ASWB ACE", "CAMFT"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--feed-events", type=int, default=200)
    parser.add_argument("--iterations", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--racers", type=int, default=200)
    parser.add_argument("--seats", type=int, default=50)
    parser.add_argument("--processes", type=int, default=8)
    parser.add_argument("--keep", action="store_true", help="keep the database for next time")
    parser.add_argument("--explain", action="store_true", help="print the list's query plan")
    parser.add_argument("--skip-race", action="store_true")
    args = parser.parse_args()
    with scratch_session(SCRATCH, keep=args.keep) as url:
        seeding = seed(args)
        pages(args, seeding)
        if not args.skip_race:
            race(args, url)


# --- 1. Seeding --------------------------------------------------------------------------


def weighted(rng: random.Random, pairs: list[tuple[str, int]]) -> str:
    return rng.choices([value for value, _ in pairs], weights=[w for _, w in pairs], k=1)[0]


def seed(args) -> str:
    from django.core.management import call_command
    from django.db import connection

    from events.models import Event
    from members.models import User

    members = User.objects.in_good_standing().count()
    events = Event.objects.count()
    if args.keep and members >= args.members * 0.9 and events >= args.events:
        return f"reused: {members} members in good standing, {events} events (--keep)"
    started = time.perf_counter()
    call_command("seed_demo", "--members", "300", "--seed", str(args.seed), "--replace")
    rng = random.Random(args.seed)
    added = seed_members(args, rng)
    blocks = seed_blocks(rng)
    summary = seed_events(args, rng)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return (
        f"seed_demo --members 300, then {added} members, {blocks} blocks, {summary}"
        f" by COPY, in {time.perf_counter() - started:.0f} s"
    )


def seed_members(args, rng: random.Random) -> int:
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from members.demo.data import FIRST_NAMES, LAST_NAMES, largest_cities, to_slug
    from members.models import Profile, Term, User

    count = args.members - User.objects.count()
    if count <= 0:
        return 0
    password = make_password(None)  # nobody logs in as these
    now = timezone.now()
    cities = largest_cities()
    professions = list(Term.objects.filter(kind=Term.Kind.PROFESSION))
    user_ids = reserve_ids(User, count)
    profile_ids = reserve_ids(Profile, count)
    users, profiles = [], []
    for n, (user_id, profile_id) in enumerate(zip(user_ids, profile_ids, strict=True)):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        city = rng.choice(cities)
        joined = now - timedelta(days=rng.randint(0, 900), minutes=rng.randint(0, 1439))
        roll = rng.random()
        status = "applicant" if roll < 0.03 else "lapsed" if roll < 0.04 else "member"
        users.append(
            User(
                pk=user_id,
                email=f"bench{n:06d}@{BENCH_DOMAIN}",
                password=password,
                membership_status=status,
                timezone=city["timezone"],
                date_joined=joined,
            )
        )
        if status == "applicant":
            continue  # applicants have no profile yet
        profiles.append(
            Profile(
                pk=profile_id,
                user_id=user_id,
                handle=f"{to_slug(f'{first}-{last}')[:30]}-b{n}",
                display_name=f"{first} {last}",
                profession=rng.choice(professions),
                credential_tier=weighted(rng, TIERS),
                city=city["name"],
                region=city["admin1code"],
                country="US",
                latitude=round(city["latitude"] + rng.uniform(-0.08, 0.08), 5),
                longitude=round(city["longitude"] + rng.uniform(-0.08, 0.08), 5),
                created_at=joined,
            )
        )
    copy_rows(User, users)
    copy_rows(Profile, profiles)
    return count


def _member_ids() -> list[int]:
    from members.models import User

    return list(
        User.objects.in_good_standing()
        .filter(profile__isnull=False, is_staff=False)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def seed_blocks(rng: random.Random) -> int:
    """About one block per fifty members, and a few for and against the demo member (so
    the block rule has real rows to check on every page)."""
    from hive.demo import DEMO_LOGINS
    from members.models import Block, User

    people = _member_ids()
    member = User.objects.get(email=DEMO_LOGINS["member"]).pk
    pairs = set()
    while len(pairs) < len(people) // 50:
        a, b = rng.sample(people, 2)
        pairs.add((a, b))
    for other in rng.sample(people, 12):
        if other != member:
            pairs.add((member, other) if rng.random() < 0.5 else (other, member))
    pairs = {(a, b) for a, b in pairs if (b, a) not in pairs or a < b}
    ids = reserve_ids(Block, len(pairs))
    return copy_rows(
        Block,
        (Block(pk=pk, blocker_id=a, blocked_id=b) for pk, (a, b) in zip(ids, pairs, strict=True)),
    )


def seed_events(args, rng: random.Random) -> str:
    from django.utils import timezone

    from events.models import Event, Organizer, Rsvp, new_slug_suffix
    from events.services import FOLLOW_UP_UNTIL
    from hive.demo import DEMO_LOGINS
    from members.demo.data import largest_cities
    from members.models import Block, User

    count = args.events - Event.objects.count()
    people = _member_ids()
    member = User.objects.get(email=DEMO_LOGINS["member"]).pk
    cities = largest_cities()
    now = timezone.now()
    ids = reserve_ids(Event, count)
    events = []
    for pk in ids:
        # A year of history and the next six months, busier ahead than behind.
        if rng.random() < 0.4:
            start = now - timedelta(days=rng.uniform(1, 365))
        else:
            start = now + timedelta(days=rng.uniform(0.1, 182))
        start = start.replace(minute=rng.choice((0, 30)), second=0, microsecond=0)
        kind = weighted(rng, KINDS)
        online = rng.random() < 0.4
        city = rng.choice(cities)
        hours = rng.choice((1, 1.5, 2, 3, 6)) if kind != "conference" else rng.choice((8, 30))
        title = f"{rng.choice(TOPICS)}" + ("" if kind == "ce_workshop" else f" ({kind})")
        cancelled = rng.random() < 0.03
        events.append(
            Event(
                pk=pk,
                slug=f"{title.lower().split(' (')[0].replace(' ', '-')[:50]}-{new_slug_suffix()}",
                kind=kind,
                title=title,
                description="We will work through cases together. Bring a question.",
                starts_at=start,
                ends_at=start + timedelta(hours=hours),
                timezone=city["timezone"],
                place_name="" if online else city["name"],
                place_region="" if online else city["admin1code"],
                latitude=None if online else city["latitude"],
                longitude=None if online else city["longitude"],
                online_url=f"https://meet.example.org/bench-{pk}" if online else "",
                venue_notes="" if online else "Second floor, room 204.",
                capacity=rng.choice((8, 12, 15, 20, 25, 30, 40, 60, 100)),
                ce_hours=rng.choice((1, 2, 3, 6)) if kind == "ce_workshop" else None,
                approving_body=rng.choice(BODIES) if kind == "ce_workshop" else "",
                allowed_tiers=(
                    ["licensed"]
                    if rng.random() < 0.12
                    else ["licensed", "associate"]
                    if rng.random() < 0.05
                    else []
                ),
                public=rng.random() < 0.2,
                cancelled_at=start - timedelta(days=2) if cancelled else None,
                unlisted_at=now if rng.random() < 0.01 else None,
                followed_up_at=start + timedelta(days=1) if start < now - FOLLOW_UP_UNTIL else None,
                created_by_id=rng.choice(people),
                created_at=start - timedelta(days=30),
                updated_at=start - timedelta(days=30),
            )
        )
    copy_rows(Event, events)

    organizers = [Organizer(event_id=e.pk, user_id=e.created_by_id) for e in events]
    organizers += [
        Organizer(event_id=e.pk, user_id=rng.choice(people)) for e in events if rng.random() < 0.15
    ]
    organizers = list({(o.event_id, o.user_id): o for o in organizers}.values())
    for organizer, pk in zip(organizers, reserve_ids(Organizer, len(organizers)), strict=True):
        organizer.pk = pk

    # The demo member's feed: events from the last 90 days on that they go to.
    blocked = set(Block.objects.filter(blocker_id=member).values_list("blocked_id", flat=True))
    blocked |= set(Block.objects.filter(blocked_id=member).values_list("blocker_id", flat=True))
    feed_window = [
        e
        for e in events
        if e.ends_at > now - timedelta(days=80)
        and not (e.allowed_tiers or e.unlisted_at or e.created_by_id in blocked)
    ]
    theirs = {e.pk for e in rng.sample(feed_window, min(args.feed_events, len(feed_window)))}
    rsvps = []
    for event in events:
        wanted = int(event.capacity * rng.choice((0.1, 0.3, 0.6, 0.9, 1.0, 1.2, 1.5)))
        chosen = rng.sample(people, wanted)
        if event.pk in theirs:
            chosen = [member, *(c for c in chosen if c != member)]
        else:
            chosen = [c for c in chosen if c != member]
        asked = event.starts_at - timedelta(days=20)
        for position, user_id in enumerate(chosen):
            queued = asked + timedelta(minutes=position)
            going = position < event.capacity or user_id == member
            ended = event.ends_at <= now
            rsvps.append(
                Rsvp(
                    event_id=event.pk,
                    user_id=user_id,
                    status="going" if going else "waitlisted",
                    queued_at=queued,
                    going_since=queued if going else None,
                    checked_in_at=event.starts_at
                    if going and ended and not event.cancelled_at and rng.random() < 0.85
                    else None,
                    updated_at=queued,
                )
            )
    for rsvp, pk in zip(rsvps, reserve_ids(Rsvp, len(rsvps)), strict=True):
        rsvp.pk = pk
    copy_rows(Organizer, organizers)
    copy_rows(Rsvp, rsvps)
    return f"{count} events, {len(organizers)} organizers, {len(rsvps)} RSVPs"


# --- 2. Pages ----------------------------------------------------------------------------


def pages(args, seeding: str) -> None:
    from django.test import Client
    from django.utils import timezone

    from events.models import Event, Rsvp
    from hive.calendar import member_calendar_entries
    from hive.demo import DEMO_LOGINS
    from members.models import User
    from members.services import calendar_token_regenerate

    install_floor()
    member = User.objects.get(email=DEMO_LOGINS["member"])
    token = calendar_token_regenerate(user=member).token
    now = timezone.now()
    upcoming = Event.objects.visible_to(member).filter(ends_at__gt=now, cancelled_at__isnull=True)
    going = Rsvp.objects.filter(status="going")
    mine = (
        upcoming.filter(pk__in=going.filter(user=member).values("event"))
        .order_by("-capacity", "pk")
        .first()
    )
    full = (
        upcoming.filter(pk__in=Rsvp.objects.filter(status="waitlisted").values("event"))
        .exclude(pk__in=Rsvp.objects.filter(user=member).values("event"))
        .order_by("-capacity", "pk")
        .first()
    )
    mine.going, full.going = (going.filter(event=e).count() for e in (mine, full))
    feed_size = len(member_calendar_entries(member))
    deep = max(2, upcoming.count() // 20 // 2)
    table = {
        FLOOR: FLOOR_URL,
        "/events/": "/events/",
        f"/events/?page={deep}": f"/events/?page={deep}",
        "/events/ near Oakland": "/events/?near=Oakland%2C+CA&radius=25",
        "/events/ CE, month, seats": "/events/?ce=on&when=month&seats=on",
        "/events/ my events": "/events/?mine=on",
        f"event page (going, {mine.going} going)": f"/events/{mine.slug}/",
        f"event page (full, {full.going} going)": f"/events/{full.slug}/",
        f"private feed ({feed_size} entries)": f"/calendar/{token}.ics",
    }
    client = Client()
    client.force_login(member)
    print(
        f"events pages: {User.objects.in_good_standing().count()} members in good standing,"
        f" {Event.objects.count()} events ({upcoming.count()} upcoming visible to the member),"
        f" {Rsvp.objects.count()} RSVPs (database {SCRATCH})"
    )
    print(f"  seeding: {seeding}")
    print(f"  {args.iterations} rounds after {args.warmup} warm-up; load average {load()}")
    timings = time_pages(client, table, iterations=args.iterations, warmup=args.warmup)
    print_pages(timings, width=34)
    if args.explain:
        explain(member)


def explain(member) -> None:
    """The plan of the list's main statement (the page of 20), as the view runs it."""
    from django.db import connection

    from events.listing import EventFilters, events_for

    queryset = events_for(member, EventFilters())[:20]
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        print("\n".join("    " + row[0] for row in cursor.fetchall()))
        count_sql, count_params = events_for(member, EventFilters()).query.sql_with_params()
        cursor.execute(
            f"EXPLAIN (ANALYZE, BUFFERS) SELECT count(*) FROM ({count_sql}) AS page",  # noqa: S608
            count_params,
        )
        print("\n".join("    " + row[0] for row in cursor.fetchall()))


# --- 3. The race -------------------------------------------------------------------------


def race(args, url: str) -> None:
    from django.conf import settings
    from django.db import connections
    from django.utils import timezone

    from events.models import Event, Organizer
    from members.models import User
    from tests.events.race import check_race, rsvp_race

    racers = list(
        User.objects.in_good_standing()
        .filter(profile__isnull=False, is_staff=False)
        .order_by("?")
        .values_list("pk", flat=True)[: args.racers]
    )
    start = timezone.now() + timedelta(days=5)
    creator = User.objects.get(pk=racers[0])
    event = Event(
        title="The race for seats",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        timezone="America/Chicago",
        online_url="https://meet.example.org/race",
        capacity=args.seats,
        created_by=creator,
    )
    event.save()
    Organizer.objects.create(event=event, user=creator)
    connections.close_all()
    started = time.perf_counter()
    result = rsvp_race(
        event_id=event.pk,
        user_ids=racers,
        processes=args.processes,
        database_url=url,
        redis_url=settings.REDIS_URL,
        settings_module="hive.settings.local",
    )
    elapsed = time.perf_counter() - started
    problems = check_race(result, event_id=event.pk, racers=len(racers), seats=args.seats)
    going = sum(1 for answers in result.answers for _, status in answers if status == "going")
    print(
        f"race: {len(racers)} members, {args.seats} seats, {args.processes} processes:"
        f" {going} going, {len(racers) - going - len(result.errors)} waitlisted,"
        f" {len(result.errors)} errors; {result.wall_seconds:.2f} s from the release to the"
        f" last answer ({elapsed:.1f} s with process start-up) ->"
        f" {'OK' if not problems else 'MISS: ' + '; '.join(problems)}"
    )


if __name__ == "__main__":
    main()
