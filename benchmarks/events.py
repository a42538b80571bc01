"""Events: the list, an event page and the private feed against a floor, and a race of
many members for few seats from several processes.

    .venv/bin/python benchmarks/events.py [--members 300] [--events 10000]
        [--feed-events 200] [--iterations 100] [--racers 200] [--seats 50]
        [--processes 8] [--keep]

Seeds the demo community (`seed_demo --members N`) into its own scratch database,
`hive_bench_events` (benchmarks/_db.py), adds `--events` upcoming events in bulk (each
with a few RSVPs), and puts the demo member on `--feed-events` of them. Then, as
benchmarks/pages.py does, requests through Django's test client in this process, DEBUG
off, in shuffled rounds: the floor (a member-only view with a tiny template), /events/,
/events/ filtered near a city, one event page, and the member's private feed. Printed:
min, p50, p95, ratios to the floor, SQL statements per request.

The race: an event with `--seats` seats, `--racers` members who each RSVP from one of
`--processes` worker processes, released together by a barrier, each with its own
database connection. Printed: how many are going and waitlisted (the target: exactly
the seats going, the rest waitlisted in arrival order), errors, and the wall time.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import time

from _db import scratch_session
from directory import QueryCounter, install_floor, percentile

SCRATCH = "hive_bench_events"
FLOOR_URL = "/bench/floor/"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--feed-events", type=int, default=200)
    parser.add_argument("--iterations", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--racers", type=int, default=200)
    parser.add_argument("--seats", type=int, default=50)
    parser.add_argument("--processes", type=int, default=8)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    with scratch_session(SCRATCH, keep=args.keep) as url:
        seeding = seed(args)
        pages(args, seeding)
        race(args, url)


def seed(args) -> str:
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from events.models import Event, Organizer, Rsvp, new_slug_suffix
    from hive.demo import DEMO_LOGINS
    from members.models import User

    if args.keep and Event.objects.count() >= args.events:
        return f"reused ({Event.objects.count()} events, --keep)"
    call_command("seed_demo", "--members", str(args.members), "--seed", str(args.seed))
    member = User.objects.get(email=DEMO_LOGINS["member"])
    people = list(
        User.objects.in_good_standing().exclude(pk=member.pk).values_list("pk", flat=True)
    )
    rng = random.Random(args.seed)
    now = timezone.now()
    cities = [
        ("Oakland", "CA", 37.80, -122.27),
        ("Chicago", "IL", 41.85, -87.65),
        ("Denver", "CO", 39.74, -104.98),
        ("Brooklyn", "NY", 40.65, -73.95),
    ]
    batch = []
    for index in range(args.events):
        start = now + timedelta(hours=rng.randint(2, 24 * 120))
        city = rng.choice(cities)
        online = rng.random() < 0.4
        batch.append(
            Event(
                slug=f"bench-event-{index}-{new_slug_suffix()}",
                kind=rng.choice(["meetup", "coffee_social", "study_group", "conference"]),
                title=f"Bench event {index}",
                description="A gathering.",
                starts_at=start,
                ends_at=start + timedelta(hours=2),
                timezone="America/Chicago",
                capacity=rng.choice((5, 10, 20)),
                created_by_id=rng.choice(people),
                online_url="https://meet.example.org/x" if online else "",
                place_name="" if online else city[0],
                place_region="" if online else city[1],
                latitude=None if online else city[2],
                longitude=None if online else city[3],
            )
        )
    Event.objects.bulk_create(batch, batch_size=2000)
    Organizer.objects.bulk_create(
        [Organizer(event=e, user_id=e.created_by_id) for e in batch], batch_size=5000
    )
    rsvps = []
    for event in batch:
        for user_id in rng.sample(people, min(3, len(people))):
            rsvps.append(Rsvp(event=event, user_id=user_id, status="going", going_since=now))
    for event in batch[: args.feed_events]:
        if not any(r.event is event and r.user_id == member.pk for r in rsvps[-3:]):
            rsvps.append(Rsvp(event=event, user=member, status="going", going_since=now))
    Rsvp.objects.bulk_create(rsvps, batch_size=5000, ignore_conflicts=True)
    return f"seed_demo --members {args.members} + {args.events} events"


def pages(args, seeding: str) -> None:
    from django.db import connection
    from django.test import Client

    from events.models import Event
    from hive.demo import DEMO_LOGINS
    from members.models import User
    from members.services import calendar_token_regenerate

    install_floor()
    member = User.objects.get(email=DEMO_LOGINS["member"])
    token = calendar_token_regenerate(user=member).token
    event = Event.objects.filter(rsvps__user=member).order_by("starts_at").first()
    feed_size = Event.objects.filter(rsvps__user=member).count()
    table = {
        "floor": FLOOR_URL,
        "/events/": "/events/",
        "/events/ near Oakland": "/events/?near=Oakland%2C+CA&radius=25",
        "an event page": f"/events/{event.slug}/",
        f"feed ({feed_size} events)": f"/calendar/{token}.ics",
    }
    client = Client()
    client.force_login(member)
    print(f"events pages ({seeding}; {Event.objects.count()} events; database {SCRATCH})")
    print(f"  load average {' / '.join(f'{x:.1f}' for x in os.getloadavg())}")
    times = {name: [] for name in table}
    queries = {}
    order = list(table)
    rng = random.Random(args.seed)
    for round_number in range(args.warmup + args.iterations):
        rng.shuffle(order)
        for name in order:
            counter = QueryCounter()
            with connection.execute_wrapper(counter):
                started = time.perf_counter()
                response = client.get(table[name])
                elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise SystemExit(f"{table[name]} answered {response.status_code}")
            if round_number >= args.warmup:
                times[name].append(elapsed)
                queries[name] = counter.count
    floor95 = percentile(times["floor"], 0.95)
    print(f"  {'page':32} {'min':>6} {'p50 ms':>7} {'p95 ms':>7} {'x p95':>6} {'SQL':>4}  target")
    for name, values in times.items():
        p95 = percentile(values, 0.95)
        verdict = "" if name == "floor" else ("OK" if p95 <= 4 * floor95 else "MISS")
        print(
            f"  {name:32} {min(values):6.1f} {percentile(values, 0.5):7.1f} {p95:7.1f}"
            f" {p95 / floor95:6.1f} {queries[name]:4d}  {verdict} (p95 <= 4x floor)"
        )


def _racer(url: str, event_id: int, user_ids: list[int], barrier, results) -> None:
    os.environ["DATABASE_URL"] = url
    import django

    django.setup()
    from django.db import connection

    from events.models import Event
    from events.services import rsvp_going
    from members.models import User

    event = Event.objects.get(pk=event_id)
    users = list(User.objects.filter(pk__in=user_ids))
    barrier.wait()
    errors = 0
    for user in users:
        try:
            rsvp_going(event=event, user=user)
        except Exception:  # noqa: BLE001 - counted and printed
            errors += 1
    connection.close()
    results.put(errors)


def race(args, url: str) -> None:
    from datetime import timedelta

    from django.db import connections
    from django.utils import timezone

    from events.models import Event, Organizer, Rsvp
    from members.models import User

    racers = list(
        User.objects.in_good_standing()
        .filter(profile__isnull=False)
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
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(args.processes)
    results = context.Queue()
    shares = [racers[i :: args.processes] for i in range(args.processes)]
    workers = [
        context.Process(target=_racer, args=(url, event.pk, share, barrier, results))
        for share in shares
    ]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    errors = sum(results.get() for _ in workers)
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    going = Rsvp.objects.filter(event=event, status="going").count()
    waiting = list(
        Rsvp.objects.filter(event=event).waitlisted().values_list("queued_at", flat=True)
    )
    in_order = waiting == sorted(waiting)
    ok = going == args.seats and len(waiting) == len(racers) - args.seats and errors == 0
    print(
        f"race: {len(racers)} members, {args.seats} seats, {args.processes} processes: "
        f"{going} going, {len(waiting)} waitlisted (arrival order kept: {in_order}), "
        f"{errors} errors, {elapsed:.1f} s wall (process start-up included) -> "
        f"{'OK' if ok and in_order else 'MISS'}"
    )


if __name__ == "__main__":
    main()
