"""Many members asking for the same seats at the same moment from separate OS processes,
each with its own database connection: the real shape of a popular event opening, where
web processes, not threads of one, race each other (used by tests/events/test_concurrency.py
and benchmarks/events.py).

`rsvp_race` starts `processes` workers (spawned, so each is a fresh interpreter that sets
Django up on its own), gives each a share of the members, and lets them connect and load
everything first; a barrier then releases them together, and each RSVPs its members one
after another, as fast as the event's row lock lets it. Each worker reports, in the order
it sent them, which members it asked for and what came back (or the error).

`check_race` says what must hold afterwards: exactly `seats` going, everyone else
waitlisted, no errors, and the seats went to the first arrivals. Arrival order is the
order the lock let the requests in (`queued_at` is stamped under the lock), checked
against something the database did not write: each worker sent its members in a known
order, so their `queued_at` must increase in that order too.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit


def database_url_named(base_url: str, name: str) -> str:
    """`base_url` pointed at database `name` (the test database, a scratch one). Works for
    the embedded server's socket URLs (postgresql://postgres:@/hive?host=/path) too."""
    return urlunsplit(urlsplit(base_url)._replace(path=f"/{name}"))


@dataclass
class RaceResult:
    # Per worker, in the order it sent them: (user id, status answered).
    answers: list[list[tuple[int, str]]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    wall_seconds: float = 0.0  # from the barrier's release to the last answer


def _worker(environment, event_id, user_ids, barrier, results) -> None:
    os.environ.update(environment)
    import django

    django.setup()
    from django.db import connection

    from events.models import Event
    from events.services import rsvp_going
    from members.models import User

    answers, errors = [], []
    try:
        event = Event.objects.get(pk=event_id)
        by_id = User.objects.select_related("profile").in_bulk(user_ids)
        users = [by_id[pk] for pk in user_ids]
        connection.ensure_connection()  # connected before the start, not during the race
    except Exception as error:  # noqa: BLE001 - reported to the parent, which fails
        barrier.abort()
        results.put(([], [f"setup: {error!r}"], 0.0))
        return
    barrier.wait()
    started = time.monotonic()
    for user in users:
        try:
            answers.append((user.pk, rsvp_going(event=event, user=user).status))
        except Exception as error:  # noqa: BLE001 - counted: the race must have none
            errors.append(f"{user.pk}: {error!r}")
    elapsed = time.monotonic() - started
    connection.close()
    results.put((answers, errors, elapsed))


def rsvp_race(
    *,
    event_id: int,
    user_ids: list[int],
    processes: int,
    database_url: str,
    redis_url: str,
    settings_module: str,
    timeout: float = 120,
) -> RaceResult:
    """Race `user_ids` for the event's seats from `processes` spawned workers."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(processes)
    results = context.Queue()
    environment = {
        "DJANGO_SETTINGS_MODULE": settings_module,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
    }
    shares = [user_ids[i::processes] for i in range(processes)]
    workers = [
        context.Process(
            target=_worker, args=(environment, event_id, share, barrier, results), daemon=True
        )
        for share in shares
    ]
    for worker in workers:
        worker.start()
    result = RaceResult()
    try:
        for _ in workers:
            answers, errors, elapsed = results.get(timeout=timeout)
            result.answers.append(answers)
            result.errors += errors
            result.wall_seconds = max(result.wall_seconds, elapsed)
    finally:
        for worker in workers:
            worker.join(timeout=10)
            if worker.is_alive():
                worker.kill()
    return result


def check_race(result: RaceResult, *, event_id: int, racers: int, seats: int) -> list[str]:
    """What went wrong, in words; empty when the race ended as it must."""
    from events.models import Rsvp

    problems = [f"error: {error}" for error in result.errors]
    rows = {r.user_id: r for r in Rsvp.objects.filter(event_id=event_id)}
    going = [r for r in rows.values() if r.status == Rsvp.Status.GOING]
    waiting = sorted(
        (r for r in rows.values() if r.status == Rsvp.Status.WAITLISTED),
        key=lambda r: (r.queued_at, r.pk),
    )
    if len(going) != seats:
        problems.append(f"{len(going)} going, not {seats}")
    if len(waiting) != racers - seats:
        problems.append(f"{len(waiting)} waitlisted, not {racers - seats}")
    if len(rows) != racers:
        problems.append(f"{len(rows)} RSVPs for {racers} members")
    # The seats went to the first arrivals: every seat was asked for before any wait.
    if going and waiting and max(r.queued_at for r in going) >= waiting[0].queued_at:
        problems.append("someone who arrived later got a seat before an earlier arrival")
    # Arrival order, as each worker sent its members: their stamps increase in that order.
    for answers in result.answers:
        stamps = [rows[user_id].queued_at for user_id, _ in answers if user_id in rows]
        if stamps != sorted(stamps) or len(set(stamps)) != len(stamps):
            problems.append("a worker's members were not queued in the order it sent them")
            break
    # What each member was told is what the database holds.
    told = {user_id: status for answers in result.answers for user_id, status in answers}
    if any(rows[user_id].status != status for user_id, status in told.items() if user_id in rows):
        problems.append("a member was told a status the database does not hold")
    return problems
