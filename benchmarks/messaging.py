"""Messaging at 100,000 members and 1,000,000 messages, against a floor measured in the
same run: the inbox, a conversation, the "anything new?" poll, and the unread-messages
email's batching.

    .venv/bin/python benchmarks/messaging.py [--members 100000] [--messages 1000000]
        [--iterations 100] [--viewers 20] [--recipients 1000,10000] [--keep]

The database is its own scratch database, `hive_bench_messaging` (benchmarks/_db.py),
never the demo's. Its people are `seed_demo --members N --seed S`, the community
benchmarks/directory.py and matching.py measure: when their database `hive_bench`
already holds N demo people (and nobody is connected to it), this one starts as a
file-level copy of it (`CREATE DATABASE ... TEMPLATE`, seconds instead of the minutes
seed_demo takes at 100,000); otherwise seed_demo runs here. `--keep` keeps the seeded
database and reuses it next time. Redis is database 9 of the same server (REDIS_URL or
the embedded Valkey), so the live versions and unread counts of the demo in database 0
are not touched.

Messages are then written in SQL (generate_series, one INSERT ... SELECT each for the
conversations and the messages, then one UPDATE for each conversation's last message
and read state), until the table holds exactly --messages rows:
  - --viewers busy members (drawn at random among members in good standing) with
    100 to 1,000 conversations each (spread evenly), of 2 to 15 messages, plus one long
    conversation of --busy messages (default 2,000) each: the people the pages are
    measured as;
  - the rest as conversations between random pairs of members, 1 to 20 messages each
    (most short), until the total is reached;
  - message times increase with their ids (as they do when messages are written one
    after another), each conversation's last message between an hour and a year ago;
    about 1 % of messages deleted (tombstones); about 10 % of the busy members'
    conversations and 3 % of everyone else's left unread by one side (already told by
    an earlier email, so the batching below starts from a known state).
VACUUM ANALYZE follows, as autovacuum would give a live site.

Pages go through Django's test client in this process (the whole middleware stack, the
session and the user from the database, DEBUG off), as benchmarks/directory.py
explains; each viewer has their own session. Each round draws a viewer and runs every
case once, in a shuffled order, after --warmup uncounted rounds:
    floor                      a member-only view with a tiny template
                               (directory.install_floor)
    inbox                      /messages/, the newest 20 conversations
    inbox, an older page       /messages/?after=<cursor>, from a random depth
    conversation, 2,000 msgs   the viewer's long conversation, its newest 30 messages
    conversation, typical      one of the viewer's other conversations, at random
    anything new? (no)         the poller's request with the version the page was
                               rendered at: LiveCheckMiddleware answers 204 from Redis
Printed per case: min, p50, p95 (nearest rank) in ms, the ratios of p50 and p95 to the
floor's, and the SQL statements per request (largest over the rounds; the poll's must
be 0, asserted). Targets (issue 12): inbox and conversation p95 <= 4x the floor's p95;
the poll p95 <= 1.5x with 0 SQL. `--repeat R` runs the whole set of rounds R times
(the ratios of each repetition printed, to show the noise). With `--explain`, one
request per case has each of its SELECT statements run again under EXPLAIN ANALYZE:
the statement's execution time and its first words.

Unread-email batching: for each N in --recipients, inside a transaction that is rolled
back at the end (so nothing is sent and the next N starts from the same state), N
members drawn at random (among those with a conversation) get up to two of their
conversations unread for more than 15 minutes and not yet emailed, then
`messaging.services.messages_unread_email_send()`, the Celery task's service, runs once
and its SQL is counted. Printed: members notified, statements in all and per
recipient, ms per recipient; the floor is notify() alone for the same N members (one
notification each, same kind and context size), so "x floor" is what the batching
costs over the notification itself. In the rolled-back transaction every atomic block
is a savepoint, counted apart ("savepoints"): in the task each is its own transaction,
whose BEGIN/COMMIT no statement counter sees.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import time
import types

from _db import ROOT, connect, database_exists, scratch_session
from directory import QueryCounter, install_floor, percentile

SCRATCH = "hive_bench_messaging"
TEMPLATE = "hive_bench"
REDIS_DB = 9
FLOOR = "floor: member-only view"
INBOX = "inbox"
INBOX_OLDER = "inbox, an older page"
LONG = "conversation, long"
TYPICAL = "conversation, typical"
POLL = "anything new? (nothing new)"
PAGE_TARGET, POLL_TARGET = 4.0, 1.5
LINES = [
    "Thanks for connecting! I saw we both work with teens and families.",
    "Would you be up for a peer consultation call next week?",
    "Sure, Tuesday afternoon works for me.",
    "Do you take referrals for adults with OCD right now?",
    "I have a waitlist of about three weeks, but yes.",
    "Great, I'll pass your name along.",
    "Are you still running the perinatal support group on Thursdays?",
    "We paused it for the summer; it starts again in September.",
    "I'm looking for a dietitian who works with ARFID in kids. Any names?",
    "Happy to share the handout on sleep hygiene I use with clients.",
    "That training on EMDR for complex trauma was excellent, thank you for the tip.",
    "Could we move our call to 3 p.m.? A session ran over.",
    "No problem at all, 3 works.",
    "I'd love to hear how you structure your intake for couples.",
    "Do you know anyone in-network with Aetna who does DBT skills groups?",
    "My practice is full until next month, sorry. I can suggest two colleagues.",
    "Congratulations on the new office!",
    "Thinking of you this week. Supervision was a lot on Monday.",
    "Here's the article I mentioned: https://www.apa.org/monitor",
    "Would you co-present the case consultation at the next meeting?",
    "I'm out of the office until the 14th, back after that.",
    "Yes, I accept referrals for adolescents with anxiety and school refusal.",
    "Let's set up coffee when the conference is over.",
    "Thank you, that was really helpful to think through.",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--viewers", type=int, default=20, help="busy members measured")
    parser.add_argument("--busy", type=int, default=2000, help="messages in the long ones")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--iterations", type=int, default=100, help="timed rounds")
    parser.add_argument("--warmup", type=int, default=10, help="rounds before timing")
    parser.add_argument("--repeat", type=int, default=1, help="repetitions of the rounds")
    parser.add_argument("--recipients", default="1000,10000", help="N for the email batching")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN one request per case")
    parser.add_argument("--keep", action="store_true", help="keep the database, reuse it")
    parser.add_argument(
        "--template", default=TEMPLATE, help="copy this database's people when it has N"
    )
    args = parser.parse_args()
    recipients = [int(n) for n in args.recipients.split(",") if n.strip()]
    if args.members < 100 or args.iterations < 20 or args.viewers < 2:
        parser.error("need --members >= 100, --iterations >= 20 and --viewers >= 2")

    sys.path.insert(0, str(ROOT))
    if "REDIS_URL" not in os.environ:
        from hive import embedded

        os.environ["REDIS_URL"] = embedded.redis_url()
    os.environ["REDIS_URL"] = re.sub(r"/\d*$", "", os.environ["REDIS_URL"]) + f"/{REDIS_DB}"
    template = None
    if not (args.keep and database_exists(SCRATCH)) and args.template:
        template = args.template if demo_people(args.template) == args.members else None
    with scratch_session(SCRATCH, keep=args.keep, template=template):
        print(seed(args, template))
        for repetition in range(args.repeat):
            pages(args, repetition)
        for n in recipients:
            batching(args, n)


def demo_people(name: str) -> int:
    """How many demo people database `name` holds (0 if it does not exist)."""
    if not database_exists(name):
        return 0
    with connect(name) as conn:
        tables = conn.execute("SELECT to_regclass('members_user')").fetchone()[0]
        if tables is None:
            return 0
        return conn.execute(
            "SELECT count(*) FROM members_user WHERE email LIKE %s", ["%@demo.hive.test"]
        ).fetchone()[0]


# --- Seeding ------------------------------------------------------------------------------


def seed(args, template: str | None) -> str:
    """Seed what is missing; say what was done."""
    import io

    from django.core.management import call_command
    from django.db import connection

    from members.demo import DEMO_DOMAIN
    from members.models import User
    from messaging.models import Message

    said = []
    started = time.perf_counter()
    present = User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}").count()
    if present == args.members:
        said.append(f"{present} demo people " + (f"copied from {template}" if template else "kept"))
    else:
        if present:
            raise SystemExit(f"the kept database holds {present} people: run without --keep")
        out = io.StringIO()
        call_command(
            "seed_demo", "--members", str(args.members), "--seed", str(args.seed), stdout=out
        )
        said.append(f"seed_demo --members {args.members}")
    said[-1] += f" ({time.perf_counter() - started:.0f} s)"
    messages = Message.objects.count()
    if messages < args.messages:
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass('bench_viewers')")
            seeded_before = cursor.fetchone()[0] is not None
        if seeded_before:
            raise SystemExit("the kept database holds another size of messages: run without --keep")
        started = time.perf_counter()
        seed_messages(args, args.messages - messages)
        took = time.perf_counter() - started
        said.append(f"{args.messages - messages} messages in SQL ({took:.0f} s)")
    elif messages > args.messages:
        raise SystemExit(f"the kept database holds {messages} messages: run without --keep")
    else:
        said.append(f"{messages} messages kept")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    said.append(f"VACUUM ANALYZE ({time.perf_counter() - started:.0f} s)")
    return "seeding: " + "; ".join(said)


def seed_messages(args, total: int) -> None:
    """`total` messages in conversations between members in good standing (see the
    module docstring), in a handful of statements."""
    from django.db import connection, transaction

    from members.models import User

    people_sql, people_params = User.objects.in_good_standing().values("pk").query.sql_with_params()
    viewers, busy = args.viewers, args.busy
    with transaction.atomic(), connection.cursor() as cursor:
        run = cursor.execute
        run("SET LOCAL max_parallel_workers_per_gather = 0")  # random() in one order
        run("SELECT setseed(%s)", [1 / (args.seed + 1)])
        numbered = (
            f"SELECT row_number() OVER (ORDER BY random())::int AS n, id FROM ({people_sql}) s(id)"  # noqa: S608, E501 - the ORM's own SQL
        )
        run(f"CREATE TEMP TABLE bench_people ON COMMIT DROP AS {numbered}", people_params)
        run("CREATE UNIQUE INDEX ON bench_people (n)")
        run("SELECT count(*) FROM bench_people")
        (people,) = cursor.fetchone()
        # The plan: one row per conversation, with its number of messages `k`, the gap
        # between them and when the last was sent. `rank` orders the kinds (the long
        # ones first, then the busy members', then everyone's): the first rows up to
        # `total` messages are kept.
        run(
            """
            CREATE TEMP TABLE bench_plan ON COMMIT DROP AS
            WITH raw AS (
                -- each busy member's long conversation
                SELECT 0 AS rank, v AS seq, v AS x,
                       %(viewers)s + 1 + floor(random() * (%(people)s - %(viewers)s))::int AS y,
                       %(busy)s AS k, interval '1 minute' * (5 + random() * 25) AS gap,
                       random() * interval '1 day' AS ago
                FROM generate_series(1, %(viewers)s) v
                UNION ALL
                -- the busy members' other conversations: 100 to 1,000 each
                SELECT 1, v * 10000 + i, v,
                       %(viewers)s + 1 + floor(random() * (%(people)s - %(viewers)s))::int,
                       2 + floor(random() * 14)::int, interval '1 hour' * (1 + random() * 47),
                       interval '1 hour' + random() * interval '365 days'
                FROM generate_series(1, %(viewers)s) v,
                     generate_series(1, 100 + (v - 1) * 900 / (%(viewers)s - 1)) i
                UNION ALL
                -- everyone else's, between random pairs: mostly short
                SELECT 2, i, 1 + floor(random() * %(people)s)::int,
                       1 + floor(random() * %(people)s)::int,
                       1 + floor(random() * random() * 20)::int,
                       interval '1 hour' * (1 + random() * 71),
                       interval '1 hour' + random() * interval '365 days'
                FROM generate_series(1, %(pairs)s) i
            ),
            pairs AS (
                SELECT DISTINCT ON (least(px.id, py.id), greatest(px.id, py.id))
                       raw.rank, raw.seq, least(px.id, py.id) AS low,
                       greatest(px.id, py.id) AS high, raw.k, raw.gap, raw.ago
                FROM raw
                JOIN bench_people px ON px.n = raw.x
                JOIN bench_people py ON py.n = raw.y
                WHERE px.id <> py.id
                  AND NOT EXISTS (
                      SELECT 1 FROM messaging_conversation c
                      WHERE c.user_a_id = least(px.id, py.id)
                        AND c.user_b_id = greatest(px.id, py.id)
                  )
                ORDER BY least(px.id, py.id), greatest(px.id, py.id), raw.rank, raw.seq
            ),
            counted AS (
                SELECT *, sum(k) OVER (ORDER BY rank, seq ROWS UNBOUNDED PRECEDING) AS upto
                FROM pairs
            )
            SELECT gen_random_uuid() AS id, rank, low, high,
                   least(k, %(total)s - (upto - k))::int AS k, gap,
                   now() - ago AS last_at, random() < 0.5 AS low_starts,
                   random() < CASE WHEN rank < 2 THEN 0.10 ELSE 0.03 END AS unread,
                   random() < 0.5 AS unread_by_low
            FROM counted
            WHERE upto - k < %(total)s
            """,
            {
                "viewers": viewers,
                "people": people,
                "busy": busy,
                "total": total,
                # enough random pairs for the rest at about six messages each
                "pairs": max(1000, int(total / 5)),
            },
        )
        run("SELECT coalesce(sum(k), 0) FROM bench_plan")
        (planned,) = cursor.fetchone()
        if planned != total:
            raise SystemExit(f"planned {planned} messages, not {total}: raise the pairs")
        run(
            """
            INSERT INTO messaging_conversation (
                id, user_a_id, user_b_id, created_at, a_read_up_to, b_read_up_to,
                a_emailed_up_to, b_emailed_up_to)
            SELECT id, low, high, last_at - gap * k, 0, 0, 0, 0 FROM bench_plan
            """
        )
        bodies = "ARRAY[" + ", ".join(["%s"] * len(LINES)) + "]::text[]"
        run(
            f"""
            INSERT INTO messaging_message (
                conversation_id, sender_id, body, created_at, deleted_at,
                removed_by_moderators)
            SELECT p.id, CASE WHEN (mod(j, 2) = 1) = p.low_starts THEN p.low ELSE p.high END,
                   ({bodies})[1 + floor(random() * {len(LINES)})::int],
                   p.last_at - p.gap * (p.k - j),
                   CASE WHEN random() < 0.01 THEN p.last_at - p.gap * (p.k - j)
                        + interval '5 minutes' END,
                   false
            FROM bench_plan p, generate_series(1, p.k) j
            ORDER BY p.last_at - p.gap * (p.k - j)
            """,  # noqa: S608 - constants only; the lines are parameters
            LINES,
        )
        # Last message, and read state: read by both, except the `unread` side, which
        # an earlier email already told (emailed_up_to = the last message).
        run(
            """
            WITH last AS (
                SELECT DISTINCT ON (m.conversation_id) m.conversation_id, m.id, m.created_at
                FROM messaging_message m JOIN bench_plan p ON p.id = m.conversation_id
                ORDER BY m.conversation_id, m.id DESC
            )
            UPDATE messaging_conversation c SET
                last_message_id = last.id,
                last_message_at = last.created_at,
                a_read_up_to = CASE WHEN p.unread AND p.unread_by_low THEN last.id - 1
                                    ELSE last.id END,
                b_read_up_to = CASE WHEN p.unread AND NOT p.unread_by_low THEN last.id - 1
                                    ELSE last.id END,
                a_unread_since = CASE WHEN p.unread AND p.unread_by_low
                                      THEN last.created_at END,
                b_unread_since = CASE WHEN p.unread AND NOT p.unread_by_low
                                      THEN last.created_at END,
                a_emailed_up_to = CASE WHEN p.unread AND p.unread_by_low THEN last.id
                                       ELSE 0 END,
                b_emailed_up_to = CASE WHEN p.unread AND NOT p.unread_by_low THEN last.id
                                       ELSE 0 END
            FROM last JOIN bench_plan p ON p.id = last.conversation_id
            WHERE c.id = last.conversation_id
            """
        )
        # Remember who the busy members are: the pages are measured as them.
        run("DROP TABLE IF EXISTS bench_viewers")
        run(
            "CREATE TABLE bench_viewers AS SELECT DISTINCT ON (bp.n) bp.id AS user_id, "
            "plan.id AS long_id FROM bench_people bp JOIN bench_plan plan "
            "ON plan.rank = 0 AND bp.id IN (plan.low, plan.high) "
            "WHERE bp.n <= %s ORDER BY bp.n",
            [viewers],
        )


# --- Pages --------------------------------------------------------------------------------


def pages(args, repetition: int) -> None:
    from django.db import connection
    from django.db.models import F
    from django.db.models.functions import Coalesce
    from django.test import Client

    from members.models import User
    from messaging import live
    from messaging.models import Conversation, Message

    install_floor()
    rng = random.Random(f"{args.seed}:{repetition}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT user_id, long_id FROM bench_viewers ORDER BY user_id")
        rows = cursor.fetchall()
    people = []
    for user_id, long_id in rows:
        user = User.objects.get(pk=user_id)
        if not user.is_member:
            continue
        client = Client()
        client.force_login(user)
        open_rows = list(
            Conversation.objects.open_to(user)
            .annotate(activity=Coalesce(F("last_message_at"), F("created_at")))
            .order_by("-activity", "-id")
            .values_list("pk", "activity")
        )
        others = [pk for pk, _ in open_rows if pk != long_id]
        if not any(pk == long_id for pk, _ in open_rows) or len(open_rows) < 60:
            continue
        # Render twice: the first render marks it read (a version bump), the second's
        # poller then carries the current version, i.e. "nothing new".
        client.get(f"/messages/{long_id}/")
        page = client.get(f"/messages/{long_id}/").content.decode()
        poll = re.search(r'id="messaging-live"[^>]*hx-get="([^"]+)"', page)
        if poll is None:
            raise SystemExit("no poller on the conversation page: is Redis up?")
        people.append(
            types.SimpleNamespace(
                user=user,
                client=client,
                long_id=long_id,
                others=others,
                cursors=[f"{at.isoformat()}_{pk}" for pk, at in open_rows[20:-20]],
                poll=poll.group(1).replace("&amp;", "&"),
                conversations=len(open_rows),
            )
        )
    if len(people) < 2:
        raise SystemExit("fewer than two busy members to measure as")
    long_messages = Message.objects.filter(conversation_id=people[0].long_id).count()
    long_label = f"{LONG} ({long_messages:,} msgs)"

    def urls(person) -> dict[str, tuple[str, int, dict]]:
        return {
            FLOOR: ("/bench/floor/", 200, {}),
            INBOX: ("/messages/", 200, {}),
            INBOX_OLDER: (f"/messages/?after={rng.choice(person.cursors)}", 200, {}),
            long_label: (f"/messages/{person.long_id}/", 200, {}),
            TYPICAL: (f"/messages/{rng.choice(person.others)}/", 200, {}),
            POLL: (person.poll, 204, {}),
        }

    names = list(urls(people[0]))
    times = {name: [] for name in names}
    queries = {name: 0 for name in names}
    poll_queries = []
    for round_number in range(args.warmup + args.iterations):
        person = rng.choice(people)
        cases = urls(person)
        order = list(cases)
        rng.shuffle(order)
        for name in order:
            url, expected, headers = cases[name]
            if name == POLL:
                # As the page would have it: opening an unread conversation (the
                # typical case, in this round or an earlier one) moved the version on.
                url = re.sub(r"([?&]v=)\d+", rf"\g<1>{live.version(person.user.pk)}", url)
            counter = QueryCounter()
            with connection.execute_wrapper(counter):
                started = time.perf_counter()
                response = person.client.get(url, **headers)
                elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != expected:
                raise SystemExit(f"{url} answered {response.status_code}, not {expected}")
            if round_number >= args.warmup:
                times[name].append(elapsed)
                queries[name] = max(queries[name], counter.count)
                if name == POLL:
                    poll_queries.append(counter.count)

    floor = times[FLOOR]
    f50, f95 = percentile(floor, 0.5), percentile(floor, 0.95)
    sizes = sorted(p.conversations for p in people)
    print(
        f"\npages, repetition {repetition + 1}/{args.repeat}: {len(people)} busy members "
        f"({sizes[0]}-{sizes[-1]} open conversations), {args.iterations} rounds "
        f"(+{args.warmup} warm-up); load {' / '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )
    print(
        f"  {'case':38} {'min':>6} {'p50 ms':>7} {'p95 ms':>7} {'x p50':>6} {'x p95':>6}"
        f" {'SQL':>4}  target"
    )
    for name, values in times.items():
        p50, p95 = percentile(values, 0.5), percentile(values, 0.95)
        target = ""
        if name != FLOOR:
            limit = POLL_TARGET if name == POLL else PAGE_TARGET
            target = f"<= {limit}x: {'OK' if p95 / f95 <= limit else 'MISS'}"
        print(
            f"  {name:38} {min(values):6.1f} {p50:7.1f} {p95:7.1f} {p50 / f50:6.2f}"
            f" {p95 / f95:6.2f} {queries[name]:4d}  {target}"
        )
    print(
        f"  the poll ran {sum(poll_queries)} SQL statements over {len(poll_queries)} "
        "requests with nothing new"
    )
    assert sum(poll_queries) == 0, "the 'anything new?' check touched PostgreSQL"
    if args.explain and repetition == 0:
        explain(people[0], urls(people[0]))


def explain(person, cases) -> None:
    """Each SELECT of one request per case, again under EXPLAIN ANALYZE."""
    import json

    from django.db import connection

    print("\n  EXPLAIN ANALYZE of each SELECT, one request per case (ms, first words)")
    for name, (url, _, headers) in cases.items():
        captured: list[tuple[str, object]] = []

        def keep(execute, sql, params, many, context, captured=captured):
            captured.append((sql, params))
            return execute(sql, params, many, context)

        with connection.execute_wrapper(keep):
            person.client.get(url, **headers)
        print(f"  {name}: {len(captured)} statements")
        for sql, params in captured:
            if not sql.lstrip().upper().startswith("SELECT"):
                print(f"    {'':>8}  {' '.join(sql.split())[:110]}")
                continue
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
                (plan,) = cursor.fetchone()
            plan = plan[0] if isinstance(plan, list) else json.loads(plan)[0]
            print(f"    {plan['Execution Time']:8.2f}  {' '.join(sql.split())[:110]}")


# --- The unread-messages email --------------------------------------------------------------


class SplitCounter(QueryCounter):
    """Counts statements, and savepoints apart."""

    def __init__(self) -> None:
        super().__init__()
        self.savepoints = 0

    def __call__(self, execute, sql, params, many, context):
        if sql.lstrip().upper().startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO")):
            self.savepoints += 1
        return super().__call__(execute, sql, params, many, context)


def batching(args, n: int) -> None:
    from django.db import connection, transaction

    from members.models import User
    from messaging import services
    from notifications.services import notify

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT setseed(%s)", [1 / (args.seed + 2)])
            # N members with a conversation, up to two of their conversations each,
            # made unread for an hour and never emailed.
            cursor.execute(
                """
                CREATE TEMP TABLE bench_unread ON COMMIT DROP AS
                WITH sides AS (
                    SELECT user_a_id AS user_id, id, 'a' AS side FROM messaging_conversation
                    WHERE last_message_id IS NOT NULL
                    UNION ALL
                    SELECT user_b_id, id, 'b' FROM messaging_conversation
                    WHERE last_message_id IS NOT NULL
                ),
                chosen AS (
                    SELECT user_id FROM (SELECT DISTINCT user_id FROM sides) s
                    ORDER BY random() LIMIT %s
                ),
                ranked AS (
                    SELECT sides.*, row_number() OVER (
                        PARTITION BY sides.user_id ORDER BY random()) AS r
                    FROM sides JOIN chosen USING (user_id)
                )
                SELECT user_id, id, side FROM ranked WHERE r <= 2
                """,
                [n],
            )
            for side in ("a", "b"):
                cursor.execute(
                    f"""
                    UPDATE messaging_conversation c SET
                        {side}_read_up_to = c.last_message_id - 1,
                        {side}_unread_since = c.last_message_at,
                        {side}_emailed_up_to = 0
                    FROM bench_unread u WHERE u.id = c.id AND u.side = %s
                    """,  # noqa: S608 - side is "a" or "b"
                    [side],
                )
            cursor.execute("SELECT DISTINCT user_id FROM bench_unread")
            chosen = [row[0] for row in cursor.fetchall()]
            cursor.execute("SELECT count(*) FROM bench_unread")
            (conversations,) = cursor.fetchone()
        counter = SplitCounter()
        with connection.execute_wrapper(counter):
            started = time.perf_counter()
            sent = services.messages_unread_email_send()
            elapsed = (time.perf_counter() - started) * 1000
        # The floor: notify() alone, once per member, each in its own atomic block.
        people = list(User.objects.filter(pk__in=chosen))
        context = {"conversations": [{"name": "A member", "link": "https://x"}] * 2}
        floor_counter = SplitCounter()
        with connection.execute_wrapper(floor_counter):
            started = time.perf_counter()
            for person in people:
                with transaction.atomic():
                    notify(
                        recipient=person,
                        kind="messages_unread",
                        key=f"bench:{person.pk}",
                        context=context,
                        url="/messages/",
                    )
            floor_ms = (time.perf_counter() - started) * 1000
        transaction.set_rollback(True)
    statements = counter.count - counter.savepoints
    floor_statements = floor_counter.count - floor_counter.savepoints
    print(
        f"\nunread-email batching, N = {n:,} members ({conversations:,} unread conversations);"
        f" load {os.getloadavg()[0]:.1f}"
    )
    print(
        f"  messages_unread_email_send(): {sent:,} notified; {statements:,} statements "
        f"({statements / max(sent, 1):.2f} per recipient) + {counter.savepoints:,} "
        f"savepoints; {elapsed:,.0f} ms ({elapsed / max(sent, 1):.2f} ms per recipient)"
    )
    print(
        f"  floor, notify() alone x {len(people):,}: {floor_statements:,} statements "
        f"({floor_statements / max(len(people), 1):.2f} each); {floor_ms:,.0f} ms "
        f"({floor_ms / max(len(people), 1):.2f} ms each); batching x floor "
        f"{elapsed / max(floor_ms, 1e-9):.2f}"
    )


if __name__ == "__main__":
    main()
