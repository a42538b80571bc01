"""Consultation groups at scale: the list and a group's page against the floor, and
generating the next quarter's sessions for every group.

    .venv/bin/python benchmarks/groups.py [--groups 10000] [--iterations 100] [--keep]
                                          [--pages-only]

Seeds the demo (300 people) into its own scratch database, `hive_bench_groups`, then
adds --groups groups in bulk (each with its organizer seated and version 1 of its
agreement accepted; a third of them with three more members), no sessions yet. Then:

1. Generation: `schedule.sessions_generate` for every group, as the daily beat task
   does, timed in total and per group, with the SQL statements per group (min/max:
   constant means the work per group does not grow with anything but its own rows).
2. Pages, requested as the demo member through Django's test client (whole middleware
   stack, DEBUG off) in shuffled rounds: the floor (a member-only view with a tiny
   template, benchmarks/_pages.install_floor), /groups/ (the first page and a deep
   one), the page of a group the member belongs to (sessions, members, discussion),
   one of its sessions and all its sessions. The deep page is halfway down the list,
   reached by its keyset cursor as the "More groups" link does. Printed:
   min/p50/p95 in ms, p95 against 4x the floor, SQL per request.
3. The list's statement for that deep page, in the database alone (EXPLAIN ANALYZE,
   best of 10): the keyset statement the page runs, against the OFFSET statement and
   the COUNT(*) the paginator ran before (kept here as the reference it replaced).
"""

from __future__ import annotations

import argparse
import random
import time
from urllib.parse import urlencode

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
    parser.add_argument(
        "--pages-only",
        action="store_true",
        help="with --keep: skip generation when the kept groups have their sessions",
    )
    args = parser.parse_args()
    with scratch_session(SCRATCH, keep=args.keep):
        seed(args)
        if not (args.pages_only and _has_sessions()):
            generation(args)
        pages(args)
        list_statement()


def _has_sessions() -> bool:
    from groups.models import Session

    return Session.objects.filter(group__slug__startswith="bench-").exists()


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
    from groups.paging import cursor_for
    from groups.views.groups import PER_PAGE
    from hive.demo import DEMO_LOGINS
    from members.models import User

    install_floor()
    member = User.objects.get(email=DEMO_LOGINS["member"])
    mine = Membership.objects.filter(member=member, role="member").select_related("group").first()
    group = mine.group
    session = Session.objects.filter(group=group).first()
    # The deep page: halfway down the list, reached by its keyset cursor (the "More
    # groups" link of the page before it), as a member walking the list would.
    listed = Group.objects.listed().visible_to(member).order_by("-created_at", "-id")
    deep = listed.count() // PER_PAGE // 2
    anchor = listed[deep * PER_PAGE - 1]
    deep_url = "/groups/?" + urlencode({"after": cursor_for(anchor.created_at, anchor.pk)})
    table = {
        FLOOR: FLOOR_URL,
        "/groups/": "/groups/",
        f"/groups/ page {deep + 1} (keyset)": deep_url,
        "a group page (member)": f"/groups/{group.slug}/",
        "a session page (member)": f"/groups/{group.slug}/sessions/{session.pk}/",
        "all sessions (member)": f"/groups/{group.slug}/sessions/",
    }
    client = Client()
    client.force_login(member)
    timings = time_pages(client, table, iterations=args.iterations, warmup=args.warmup)
    print(f"pages ({args.iterations} rounds; load average {load()})")
    print_pages(timings, width=30)


def list_statement() -> None:
    from django.db import connection
    from django.db.models import Count, F, OuterRef, Subquery
    from django.db.models.functions import Coalesce, Greatest

    from groups.models import Group, Membership
    from groups.paging import before
    from groups.views.groups import PER_PAGE
    from hive.demo import DEMO_LOGINS
    from members.models import User

    member = User.objects.get(email=DEMO_LOGINS["member"])
    taken = (
        Membership.objects.filter(group=OuterRef("pk"), status__in=Membership.HOLDING_SEAT)
        .order_by()
        .values("group")
        .annotate(n=Count("pk"))
        .values("n")
    )
    # The list view's query (groups/views/groups.py group_list), built the same way.
    rows = (
        Group.objects.listed()
        .visible_to(member)
        .select_related("organizer__profile")
        .annotate(seats_open=Greatest(F("capacity") - Coalesce(Subquery(taken), 0), 0))
        .order_by("-created_at", "-id")
    )
    deep = rows.count() // PER_PAGE // 2
    anchor = rows[deep * PER_PAGE - 1]
    statements = {
        "keyset (now)": rows.filter(before("created_at", (anchor.created_at, anchor.pk)))[
            : PER_PAGE + 1
        ],
        "OFFSET (before)": rows[deep * PER_PAGE : (deep + 1) * PER_PAGE],
        "COUNT(*) (before)": None,
    }
    print(f"the list's statement for page {deep + 1} (EXPLAIN ANALYZE, best of 10)")
    for name, query in statements.items():
        sql, params = (query if query is not None else rows).query.sql_with_params()
        if query is None:
            sql = f"SELECT COUNT(*) FROM ({sql}) AS counted"  # noqa: S608 - Django-built SQL
        best = None
        with connection.cursor() as cursor:
            for _ in range(10):
                cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
                plan = cursor.fetchone()[0]
                plan = plan[0] if isinstance(plan, list) else plan
                took = plan["Execution Time"]
                best = took if best is None else min(best, took)
        print(f"  {name:20} {best:8.2f} ms")


if __name__ == "__main__":
    main()
