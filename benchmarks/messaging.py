"""Messaging against the floor: the inbox, a conversation, and the "anything new?" poll.

    .venv/bin/python benchmarks/messaging.py [--members 300] [--iterations 100] [--keep]

Seeds the demo community (`seed_demo`, which gives the demo member conversations,
requests and reports) into the scratch database `hive_bench_messaging`, then requests,
as the demo member through Django's test client (the whole middleware stack, DEBUG
off), the floor (a member-only view with a tiny template, as benchmarks/pages.py), the
inbox, the busiest conversation, and the poller's "anything new?" with nothing new
(answered by messaging.live.LiveCheckMiddleware from Redis). Printed per case: min,
p50, p95 in ms, ratios to the floor, SQL statements per request.

Targets from issue 12: inbox and conversation p95 <= 4x the floor; the poll p95 <=
1.5x the floor with 0 SQL. This runs at demo size; the issue's 100,000 members and
1,000,000 messages are not seeded by this script (not done).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import time

from _db import scratch_session
from directory import QueryCounter, install_floor, percentile

SCRATCH = "hive_bench_messaging"
FLOOR_URL = "/bench/floor/"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--iterations", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    with scratch_session(SCRATCH, keep=args.keep):
        from django.core.management import call_command

        from members.models import User
        from messaging.models import Conversation

        if not (args.keep and Conversation.objects.exists() and User.objects.exists()):
            call_command("seed_demo", "--members", str(args.members), "--seed", str(args.seed))
        run(args)


def run(args) -> None:
    from django.db import connection
    from django.test import Client

    from hive.demo import DEMO_LOGINS
    from members.models import User
    from messaging.models import Conversation

    install_floor()
    member = User.objects.get(email=DEMO_LOGINS["member"])
    conversation = max(Conversation.objects.open_to(member), key=lambda c: c.messages.count())
    client = Client()
    client.force_login(member)
    page = client.get(f"/messages/{conversation.pk}/").content.decode()
    poll = re.search(r'id="messaging-live"[^>]*hx-get="([^"]+)"', page)
    if poll is None:
        raise SystemExit("no poller on the conversation page: is Redis up?")
    cases = {
        "floor: member-only view, tiny template": (FLOOR_URL, 200),
        "inbox": ("/messages/", 200),
        f"conversation ({conversation.messages.count()} messages)": (
            f"/messages/{conversation.pk}/",
            200,
        ),
        "anything new? (nothing new)": (poll.group(1).replace("&amp;", "&"), 204),
    }
    times = {name: [] for name in cases}
    queries = {}
    rng = random.Random(args.seed)
    order = list(cases)
    for round_number in range(args.warmup + args.iterations):
        rng.shuffle(order)
        for name in order:
            url, expected = cases[name]
            counter = QueryCounter()
            with connection.execute_wrapper(counter):
                started = time.perf_counter()
                response = client.get(url)
                elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != expected:
                raise SystemExit(f"{url} answered {response.status_code}, not {expected}")
            if round_number >= args.warmup:
                times[name].append(elapsed)
                queries[name] = counter.count
    floor = times["floor: member-only view, tiny template"]
    f50, f95 = percentile(floor, 0.5), percentile(floor, 0.95)
    print(f"messaging ({args.members} demo members; load {os.getloadavg()[0]:.1f})")
    print(
        f"  {'case':40} {'min':>6} {'p50 ms':>7} {'p95 ms':>7} {'x p50':>6} {'x p95':>6} {'SQL':>4}"
    )
    for name, values in times.items():
        p50, p95 = percentile(values, 0.5), percentile(values, 0.95)
        print(
            f"  {name:40} {min(values):6.1f} {p50:7.1f} {p95:7.1f} {p50 / f50:6.2f}"
            f" {p95 / f95:6.2f} {queries[name]:4d}"
        )


if __name__ == "__main__":
    main()
