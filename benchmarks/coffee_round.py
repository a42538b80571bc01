"""The whole coffee round as the beat runs it (`coffee.rounds.round_run`), and the
morning chore that sends its intros, on a seeded community: time and SQL per step.

    .venv/bin/python benchmarks/coffee_round.py [--members 10000] [--keep]

benchmarks/coffee.py measures the pairing itself (`plan_round`) at 100,000 members and
its quality; this one measures what the round service adds around it: reading who is
due, the exclusions (blocks and dual relationships, `introduction_barriers`; dates in
the look-back window), writing the dates and one row per member, closing the rounds
before it, and then each member's intro in their morning.

The community: `manage.py seed_demo --members N` in the scratch database `hive_bench`
(benchmarks/_db.py; with `--keep`, reused), which also seeds coffee's own demo (four
past rounds). Then every member in good standing is opted in here, with settings drawn
as the demo draws them (cadences, formats, travel, availability), so a round weighs
everyone: N seekers at most, those due by their cadence.

Figures, against a floor measured in the same run (the machine is shared): the floor
is `plan_round` itself, the planner's share; the service's own work is the rest.
Reported per step: wall and CPU seconds, SQL statements. Then the round of the next
week (the look-back must leave 0 repeats, and nobody may have two dates in a week),
and the morning chore: intros sent, milliseconds and statements per intro.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one core, as benchmarks/coffee.py

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep and reuse the seeded database")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _db import scratch_session
    from directory import SCRATCH, seed

    with scratch_session(SCRATCH, keep=args.keep):
        started = time.perf_counter()
        seeding = seed(args)
        took = time.perf_counter() - started
        print(f"coffee round: {args.members} people ({seeding}) in {took:.0f} s")
        run(args)


class Steps:
    """Wall time, CPU time and SQL statements of named steps (functions wrapped in
    place for the run)."""

    def __init__(self):
        self.rows: dict[str, list[float]] = {}
        self.originals: list[tuple[object, str, object]] = []

    @contextmanager
    def measure(self, name: str):
        wall, cpu = time.perf_counter(), time.process_time()
        with statements() as count:
            yield
        row = self.rows.setdefault(name, [0.0, 0.0, 0])
        row[0] += time.perf_counter() - wall
        row[1] += time.process_time() - cpu
        row[2] += count[0]

    def wrap(self, module, attribute: str, name: str) -> None:
        original = getattr(module, attribute)

        def timed(*args, **kwargs):
            with self.measure(name):
                return original(*args, **kwargs)

        self.originals.append((module, attribute, original))
        setattr(module, attribute, timed)

    def restore(self) -> None:
        for module, attribute, original in reversed(self.originals):
            setattr(module, attribute, original)

    def print(self, total: tuple[float, float, int], floor: str) -> None:
        base = self.rows[floor][1] or 1e-9
        print(f"  {'step':<28} {'wall s':>8} {'cpu s':>8} {'SQL':>6} {'cpu/floor':>10}")
        for name, (wall, cpu, sql) in self.rows.items():
            print(f"  {name:<28} {wall:8.2f} {cpu:8.2f} {sql:6d} {cpu / base:10.2f}")
        wall, cpu, sql = total
        print(f"  {'round_run (all)':<28} {wall:8.2f} {cpu:8.2f} {sql:6d} {cpu / base:10.2f}")


@contextmanager
def statements():
    """Count the SQL statements run inside (a counter, not a log: no cap, no memory)."""
    from django.db import connection

    count = [0]

    def counter(execute, sql, params, many, context):
        count[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        yield count


def opt_everyone_in(seed: int) -> int:
    """Every member in good standing opted in, weekly or not, as the demo draws it."""
    import random

    from coffee import demo
    from coffee.models import CoffeeSettings
    from members.models import User

    rng = random.Random(f"{seed}:coffee-bench")
    have = set(CoffeeSettings.objects.values_list("user_id", flat=True))
    CoffeeSettings.objects.update(
        opted_in=True, paused_at=None, paused_reason="", snoozed_until=None
    )
    ids = User.objects.in_good_standing().filter(profile__isnull=False).values_list("pk", flat=True)
    new = [demo._settings(rng, pk) for pk in ids if pk not in have]
    for row in new:
        row.snoozed_until = None
    CoffeeSettings.objects.bulk_create(new, batch_size=5000)
    return CoffeeSettings.objects.filter(opted_in=True).count()


def run(args) -> None:
    from django.db.models import Count

    from coffee import rounds
    from coffee.models import CoffeeDate, Participant, Round
    from matching import engine

    opted = opt_everyone_in(args.seed)
    print(f"  {opted} members opted in; load average {os.getloadavg()[0]:.1f}")
    snap_started = time.perf_counter()
    engine.snapshot()
    print(f"  matching snapshot ready in {time.perf_counter() - snap_started:.1f} s (not counted)")

    latest = Round.objects.order_by("-week").values_list("week", flat=True).first()
    week = (latest + timedelta(weeks=1)) if latest else Round.week_of(datetime.now(UTC))
    monday = datetime.combine(week, datetime.min.time(), tzinfo=UTC) + timedelta(hours=4)

    for n, when in enumerate((monday, monday + timedelta(weeks=1)), start=1):
        steps = Steps()
        steps.wrap(rounds, "rounds_close", "close earlier rounds")
        steps.wrap(rounds, "due_seekers", "who is due (1 + 2 queries)")
        steps.wrap(rounds, "introduction_barriers", "blocks, dual relationships")
        steps.wrap(rounds, "recent_pairs", "dates in the look-back")
        steps.wrap(rounds, "plan_round", "plan_round (the floor)")
        steps.wrap(rounds, "_write_round", "write dates and rows")
        wall, cpu = time.perf_counter(), time.process_time()
        with statements() as count:
            result = rounds.round_run(now=when)
        total = (time.perf_counter() - wall, time.process_time() - cpu, count[0])
        steps.restore()
        r = result.round
        print(
            f"\nround {n} ({r.key}): {r.eligible_count} due, {r.paired_count} paired "
            f"({100 * r.paired_count / max(1, r.eligible_count):.1f} %), "
            f"{r.dates.count()} dates"
        )
        steps.print(total, "plan_round (the floor)")
        twice = (
            Participant.objects.filter(round__week=r.week, date__isnull=False)
            .values("member")
            .order_by()
            .annotate(n=Count("pk"))
            .filter(n__gt=1)
            .count()
        )
        since = when - rounds.LOOK_BACK
        earlier = set(
            CoffeeDate.objects.filter(created_at__gte=since, created_at__lt=when).values_list(
                "member_a_id", "member_b_id"
            )
        )
        repeats = sum(
            1 for pair in r.dates.values_list("member_a_id", "member_b_id") if pair in earlier
        )
        print(f"  members with two dates this week: {twice}; repeats within 12 weeks: {repeats}")

    # The mornings: demo members live in their cities' zones, so the hourly chore runs
    # through a whole day (from 08:30 UTC on Monday) to reach every zone's morning.
    wall, cpu = time.perf_counter(), time.process_time()
    sent = 0
    with statements() as count:
        for hour in range(24):
            sent += rounds.intros_send(now=monday + timedelta(weeks=1, hours=4 + hour, minutes=30))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(
        f"\nintros in the morning: {sent} sent in {wall:.1f} s ({cpu:.1f} s CPU): "
        f"{1000 * wall / max(1, sent):.1f} ms and {count[0] / max(1, sent):.1f} SQL per intro "
        f"(notify_many() with its preferences, and the reason written; batches of "
        f"{rounds.BATCH}; 24 hourly runs)"
    )


if __name__ == "__main__":
    main()
