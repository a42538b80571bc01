"""Consultation groups at scale: the list and a group's page against the floor, and
generating the next quarter's sessions for every group.

    .venv/bin/python benchmarks/groups.py [--groups 10000] [--iterations 100] [--keep]

Seeds the demo (300 people) into its own scratch database, `hive_bench_groups`, then
adds --groups groups in bulk (each with its organizer seated and version 1 of its
agreement accepted; a third of them with three more members), no sessions yet. Then:

1. Generation: `schedule.sessions_generate` for every group, as the daily beat task
   does, timed in total and per group, with the SQL statements per group (min/max:
   constant means the work per group does not grow with anything but its own rows).
2. Pages, requested as the demo member through Django's test client (whole middleware
   stack, DEBUG off) in shuffled rounds: the floor (a member-only view with a tiny
   template, benchmarks/_pages.install_floor), /groups/ (first page, a deep page),
   the page of a group the member belongs to (sessions, members, discussion) and one
   of its sessions. Printed: min/p50/p95 in ms, p95 against 4x the floor, SQL per
   request.
"""

from __future__ import annotations

import argparse
import random
import time

from _db import scratch_session
from _pages import FLOOR, QueryCounter, install_floor, load, percentile, print_pages, time_pages

SCRATCH = "hive_bench_groups"
FLOOR_URL = "/bench/floor/"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=10_000)
    parser.add_argument("--members", type=int, default=300)
    parser.add_argument("--iterations", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    with scratch_session(SCRATCH, keep=args.keep):
        seed(args)
        generation(args)
        pages(args)


def seed(args) -> None:
    from datetime import time as clock
    from datetime import timedelta

    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from groups.cadence import MONTHLY, Cadence
    from groups.demo import PREFIX
    from groups.models import Agreement, AgreementAcceptance, Group, Membership
    from members.models import User

    if args.keep and Group.objects.count() >= args.groups:
        print(f"reusing {Group.objects.count()} groups (--keep)")
        return
    started = time.perf_counter()
    call_command("seed_demo", "--members", str(args.members), "--seed", "1", "--replace")
    Group.objects.exclude(slug__startswith=PREFIX).delete()
    people = list(User.objects.in_good_standing().values_list("pk", flat=True))
    rng = random.Random(1)
    rule = Cadence(MONTHLY, 1, 2).rule()
    today = timezone.localdate()
    with transaction.atomic():
        groups = Group.objects.bulk_create(
            [
                Group(
                    slug=f"bench-{n}",
                    name=f"Bench group {n}",
                    focus="Benchmark consultation group.",
                    organizer_id=rng.choice(people),
                    rrule=rule,
                    starts_on=today - timedelta(days=rng.randrange(200)),
                    start_time=clock(19, 0),
                    zone=rng.choice(["America/New_York", "America/Chicago", "Europe/London"]),
                    capacity=6,
                    agreement_version=1,
                    created_at=timezone.now() - timedelta(minutes=n),
                )
                for n in range(args.groups)
            ],
            batch_size=2000,
        )
        agreements = Agreement.objects.bulk_create(
            [Agreement(group=g, version=1, published_by_id=g.organizer_id) for g in groups],
            batch_size=2000,
        )
        memberships, acceptances = [], []
        for group, agreement in zip(groups, agreements, strict=True):
            seated = {group.organizer_id}
            if group.pk % 3 == 0:
                seated |= set(rng.sample(people, 3))
            for pk in seated:
                role = "organizer" if pk == group.organizer_id else "member"
                memberships.append(
                    Membership(
                        group=group, member_id=pk, role=role, status="active", accepted_version=1
                    )
                )
                acceptances.append(AgreementAcceptance(agreement=agreement, member_id=pk))
        Membership.objects.bulk_create(memberships, batch_size=5000)
        AgreementAcceptance.objects.bulk_create(acceptances, batch_size=5000)
    print(
        f"seeded {args.groups} groups, {len(memberships)} memberships"
        f" in {time.perf_counter() - started:.0f} s"
    )


def generation(args) -> None:
    from django.db import connection

    from groups import schedule
    from groups.models import Group, Session

    Session.objects.filter(group__slug__startswith="bench-").delete()
    per_group, statements = [], []
    started = time.perf_counter()
    for group in Group.objects.filter(slug__startswith="bench-").iterator():
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            one = time.perf_counter()
            schedule.sessions_generate(group=group)
            per_group.append((time.perf_counter() - one) * 1000)
        statements.append(counter.count)
    total = time.perf_counter() - started
    print(
        f"generation: {len(per_group)} groups, {Session.objects.count()} sessions in {total:.1f} s;"
        f" per group p50 {percentile(per_group, 0.5):.1f} ms, p95 {percentile(per_group, 0.95):.1f}"
        f" ms; SQL per group min {min(statements)} max {max(statements)}"
    )


def pages(args) -> None:
    from django.test import Client

    from groups.models import Group, Membership, Session
    from hive.demo import DEMO_LOGINS
    from members.models import User

    install_floor()
    member = User.objects.get(email=DEMO_LOGINS["member"])
    mine = Membership.objects.filter(member=member, role="member").select_related("group").first()
    group = mine.group
    session = Session.objects.filter(group=group).first()
    deep = Group.objects.listed().count() // 20 // 2
    table = {
        FLOOR: FLOOR_URL,
        "/groups/": "/groups/",
        f"/groups/?page={deep}": f"/groups/?page={deep}",
        "a group page (member)": f"/groups/{group.slug}/",
        "a session page (member)": f"/groups/{group.slug}/sessions/{session.pk}/",
    }
    client = Client()
    client.force_login(member)
    timings = time_pages(client, table, iterations=args.iterations, warmup=args.warmup)
    print(f"pages ({args.iterations} rounds; load average {load()})")
    print_pages(timings, width=30)


if __name__ == "__main__":
    main()
