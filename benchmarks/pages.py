"""How fast the main member pages answer, against a floor measured in the same run.

    .venv/bin/python benchmarks/pages.py [--members 300] [--iterations 100] [--keep]

Seeds the demo community (`manage.py seed_demo --members N`, as `make run` does with
its default size) into its own scratch database, `hive_bench_pages` (benchmarks/_db.py),
then requests each page as the demo member through Django's test client in this
process, DEBUG off: the whole middleware stack, the session, the member check and the
template render, as benchmarks/directory.py does (see its docstring for why in-process).
The floor is the same member-only view rendering a tiny template (directory.install_floor).

Each round requests every page once in a shuffled order; --warmup rounds come first.
Printed per page: min, p50 and p95 (nearest rank) in ms, the ratios of p50 and p95 to
the floor's, the SQL statements per request and the size of the HTML. The machine is
shared, so the load average is printed too: absolute times move with it, ratios less.

This is the benchmark behind the forms rendered by hive.widgets: before them, the
values questionnaire took ~62 ms at p50 here, the profile editor and the notification
settings ~49 ms, most of it Django's per-option templates.
"""

from __future__ import annotations

import argparse
import os
import random
import time

from _db import scratch_session
from directory import QueryCounter, install_floor, percentile

SCRATCH = "hive_bench_pages"
FLOOR_URL = "/bench/floor/"


def pages(handle: str) -> dict[str, str]:
    """The member's main pages, by what they are."""
    return {
        "floor: member-only view, tiny template": FLOOR_URL,
        "home": "/",
        "directory": "/directory/",
        "a colleague's profile": f"/members/{handle}/",
        "matches": "/matches/",
        "values questionnaire": "/me/values/",
        "profile editor": "/me/profile/",
        "privacy": "/me/privacy/",
        "connections": "/me/connections/",
        "notifications": "/notifications/",
        "notification settings": "/me/notifications/",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--iterations", type=int, default=100, help="timed rounds")
    parser.add_argument("--warmup", type=int, default=10, help="rounds before timing")
    parser.add_argument(
        "--keep", action="store_true", help="keep the seeded database and reuse it next time"
    )
    args = parser.parse_args()
    if args.members < 100 or args.iterations < 20:
        parser.error("need --members >= 100 and --iterations >= 20")

    # The anti-scraping limits would answer 429 within the first rounds.
    os.environ["HIVE_DIRECTORY_PAGES_PER_MINUTE"] = str(10**9)
    os.environ["HIVE_PROFILE_VIEWS_PER_MINUTE"] = str(10**9)
    with scratch_session(SCRATCH, keep=args.keep):
        run(args, seed(args))


def seed(args) -> str:
    from django.core.management import call_command

    from members.demo import DEMO_DOMAIN
    from members.models import User

    present = User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}").count()
    if args.keep and present:
        return f"reused ({present} demo people, --keep)"
    call_command("seed_demo", "--members", str(args.members), "--seed", str(args.seed))
    return f"manage.py seed_demo --members {args.members} --seed {args.seed}"


def load() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def run(args, seeding: str) -> None:
    from django.db import connection
    from django.test import Client

    from hive.demo import DEMO_LOGINS
    from members.models import Profile, User

    install_floor()
    member = User.objects.get(email=DEMO_LOGINS["member"])
    colleague = (
        Profile.objects.filter(user__membership_status=User.Status.MEMBER)
        .exclude(user=member)
        .order_by("pk")
        .first()
    )
    table = pages(colleague.handle)
    client = Client()
    client.force_login(member)
    print(f"pages: the demo member's main pages ({seeding}; database {SCRATCH})")
    print(f"  load average {load()} on {os.cpu_count()} CPUs")

    times = {name: [] for name in table}
    queries, sizes = {}, {}
    rng = random.Random(args.seed)
    order = list(table)
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
                sizes[name] = len(response.content)

    floor = times["floor: member-only view, tiny template"]
    floor_p50, floor_p95 = percentile(floor, 0.5), percentile(floor, 0.95)
    print(f"  {args.iterations} rounds after {args.warmup} warm-up, pages shuffled in each round")
    print(
        f"  {'page':40} {'min':>6} {'p50 ms':>7} {'p95 ms':>7} {'x p50':>6} {'x p95':>6}"
        f" {'SQL':>4} {'KB':>6}"
    )
    for name, values in times.items():
        p50, p95 = percentile(values, 0.5), percentile(values, 0.95)
        print(
            f"  {name:40} {min(values):6.1f} {p50:7.1f} {p95:7.1f} {p50 / floor_p50:6.1f}"
            f" {p95 / floor_p95:6.1f} {queries[name]:4d} {sizes[name] / 1024:6.1f}"
        )
    print(f"  load average now {load()}")


if __name__ == "__main__":
    main()
