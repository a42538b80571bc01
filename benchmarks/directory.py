"""How fast /directory/ answers at 100,000 members, against a floor measured in the same run.

    .venv/bin/python benchmarks/directory.py [--members 100000] [--iterations 200] [--keep]
    .venv/bin/python benchmarks/directory.py --keep --profile 100   # where the time goes

With --profile N nothing is timed: benchmarks/_profile.py prints each middleware's own
time on the floor, then profiles N requests of each case (pyinstrument) and prints
where their time went, by part and by phase.

Seeds the scratch database `hive_bench` (benchmarks/_db.py) with
`manage.py seed_demo --members N` (members spread over the 250 largest US cities,
the taxonomy's terms, about one in ten with a stricter privacy setting, a few
connections each, some blocks), then VACUUM ANALYZE so the planner has statistics, as
autovacuum would give a live site. Seeding 100,000 takes several minutes on a busy
2-core machine: `--keep` leaves the database in place after the run and reuses it next
time if it holds N demo people (migrations still run, so a new index is picked up).

Every request goes through Django's test client in this process: the whole middleware
stack, the session and the user read from the database, the member check, the rate
limit's Redis counter and the template render. What a live gunicorn would add is HTTP
parsing and a socket round trip: about the same for every case, so leaving it out makes
the ratios to the floor stricter, not kinder, and it keeps a load generator from
competing with the server for the machine's two cores. The SQL a request runs can then
be captured and explained in the same process.

The floor is a member-only view (registered for this run only) rendering a tiny
template through the same client, stack and viewers. The cases:

    (a) text only               q: a name, a term's label or a bio word
    (b) text + 3 filters        a search for a member drawn at random (among those who
                                show every field group to members) as a colleague
                                remembers them: their last name or one of their
                                specialties or modalities, and three of their own
                                filters (profession, tier, a term, telehealth state,
                                accepting referrals), so it finds them and those like
                                them (random filters found nobody, an empty page)
    (c) 25 miles + 1 filter     near: one of the seeded cities, radius 25 (miles: the
                                demo viewers are in the US), one filter
    (d) newest, no query        sort=newest, nothing else: the whole directory
    (e) newest, page 2-50       the same, further into the pages
    (f) htmx fragment           q and one filter, HX-Request: the results region only

Each round runs every case once, in a shuffled order, with fresh inputs and a viewer
drawn from --viewers members (each logged in with their own session), so no single
plan or result is reused; --warmup rounds come first and are not counted.

Reading the table: min, p50 and p95 (nearest rank) of the rounds' wall-clock times in
ms; "x p50" and "x p95" divide by the floor's p50 and p95. A case meets the targets
when its p95 is under 30 ms and under 4x the floor's p95. "SQL" is the statements per
request (the floor's 2 are the session and the user, 6 when the session's "last
active" is due; every case has them too), and "in SQL" the time a request spent
waiting for them (round trips included), p50/p95: what no change to the Python or the
templates can win back. A line after the table says which cases' SQL alone is over
the target at p95. "found" is the count the page showed, median
and largest ("1,000+" counts as 1000: counting stops there). The load average is
printed because the machine is shared: absolute times move with it, the ratios less,
and min shows the cost without waiting for a CPU. The slowest request of each case
shows which input drives its p95.

Then the search statement of one typical request per case (a broad term, a big city)
runs again under EXPLAIN (ANALYZE, BUFFERS): one line per scan or join (index used,
actual rows, heap fetches of index-only scans, total time, shared buffers), with the
planning and execution times; a sequential scan of members_profile or members_user is
flagged. (For a word in most profiles, such as "referrals", the planner rightly reads
the table in order and stops at the 1,001st match; no typical input here is one.)
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import re
import statistics
import time

from _db import scratch_session

# Shared with the other page benchmarks; imported from here by some of them too.
from _pages import QueryCounter, install_floor, load, percentile  # noqa: F401

SCRATCH = "hive_bench"
TARGET_P95_MS = 30.0
TARGET_RATIO = 4.0
FOUND = re.compile(r"([\d,]+\+?) found")
MAIN_TABLE = re.compile(r' FROM "(\w+)"')
# Plan nodes worth a line: where rows come from and how they meet.
SHOWN_NODES = {
    "Seq Scan",
    "Index Scan",
    "Index Only Scan",
    "Bitmap Heap Scan",
    "Bitmap Index Scan",
    "BitmapAnd",
    "BitmapOr",
    "Hash Join",
    "Merge Join",
}
BIG_TABLES = {"members_profile", "members_user"}
BIO_WORDS = [
    "trauma",
    "couples",
    "consultation group",
    "mentoring",
    "community mental health",
    "referrals",
    "reading group",
    "private practice",
    "gardening",
    "listening",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--iterations", type=int, default=200, help="timed rounds")
    parser.add_argument("--warmup", type=int, default=20, help="rounds before timing")
    parser.add_argument("--viewers", type=int, default=40, help="members who search")
    parser.add_argument(
        "--keep", action="store_true", help="keep the seeded database and reuse it next time"
    )
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="instead of timing, profile N requests of each case and print where the time goes",
    )
    args = parser.parse_args()
    if args.members < 100 or args.iterations < 20 or args.viewers < 1:
        parser.error("need --members >= 100, --iterations >= 20 and --viewers >= 1")

    # The anti-scraping limit (60 pages a minute) would answer 429 after three rounds;
    # its Redis counter still runs on every request.
    os.environ["HIVE_DIRECTORY_PAGES_PER_MINUTE"] = str(10**9)
    with scratch_session(SCRATCH, keep=args.keep):
        run(args, seed(args))


def seed(args) -> str:
    """Seed N demo people unless --keep found them there already; say which."""
    from django.core.management import call_command
    from django.db import connection

    from members.demo import DEMO_DOMAIN
    from members.models import User

    present = User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}").count()
    if args.keep and present == args.members:
        done = f"reused ({present} demo people, --keep)"
    else:
        if present:  # a kept database of another size: start again from empty tables
            with connection.cursor() as cursor:
                cursor.execute("TRUNCATE members_user, django_session RESTART IDENTITY CASCADE")
        said = io.StringIO()
        call_command(
            "seed_demo", "--members", str(args.members), "--seed", str(args.seed), stdout=said
        )
        done = f"manage.py seed_demo --members {args.members} --seed {args.seed}: "
        done += said.getvalue().strip()
    # Statistics for the planner and a current visibility map (for index-only scans),
    # as autovacuum keeps them on a live site; on a rerun, also after new migrations.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return done


# --- Inputs ---------------------------------------------------------------------------


class Inputs:
    """Realistic, varied GET parameters for each case, drawn from the seeded data."""

    def __init__(self, rng: random.Random) -> None:
        from members.demo import FIRST_NAMES, LAST_NAMES, largest_cities
        from members.directory import PRACTICE_TERM_FILTERS
        from members.models import US_JURISDICTIONS, Profile, Term, User
        from members.places import search_places

        self.rng = rng
        self.first, self.last = FIRST_NAMES, LAST_NAMES
        self.slugs: dict[str, list[str]] = {}
        self.labels: list[str] = []
        for term in Term.objects.order_by("kind", "position", "label"):
            self.slugs.setdefault(term.kind, []).append(term.slug)
            if term.kind in (Term.Kind.SPECIALTY, Term.Kind.MODALITY, Term.Kind.POPULATION):
                self.labels.append(term.label.split(" (")[0])
        self.tiers = list(Profile.Tier.values)
        # The cities members were seeded in, as a person types them ("Oakland, CA"),
        # kept only when the place search finds that very city.
        self.cities = []
        for city in largest_cities():
            label = f"{city['name']}, {city['admin1code']}"
            found = search_places(label, limit=1)
            if found and found[0].geonameid == int(city["geonameid"]):
                self.cities.append((label, city["admin1code"]))
        known = {code for code, _ in US_JURISDICTIONS}
        self.states = sorted({state for _, state in self.cities if state in known})
        # Members to build searches that find someone from (case b), with what each
        # shows to all members: a colleague typing words and filters they remember.
        kinds = {name: kind for name, kind in PRACTICE_TERM_FILTERS.items()}
        shown_to_all = Profile.objects.filter(
            listed_in_directory=True,
            user__in=User.objects.in_good_standing(),
            about_visibility=Profile.Visibility.MEMBERS,
            practice_visibility=Profile.Visibility.MEMBERS,
            credentials_visibility=Profile.Visibility.MEMBERS,
            location_visibility=Profile.Visibility.MEMBERS,
        )
        ids = list(shown_to_all.order_by("pk").values_list("pk", flat=True))
        sample = (
            Profile.objects.filter(pk__in=rng.sample(ids, min(2000, len(ids))))
            .select_related("profession")
            .prefetch_related("terms")
            .order_by("pk")
        )
        self.people = []
        for profile in sample:
            facts: dict[str, list[str]] = {}
            words = [profile.display_name.split()[-1]]
            for term in profile.terms.all():
                for name, kind in kinds.items():
                    if term.kind == kind:
                        facts.setdefault(name, []).append(term.slug)
                        if kind in (Term.Kind.SPECIALTY, Term.Kind.MODALITY):
                            words.append(term.label.split(" (")[0])
            if profile.profession_id:
                facts["profession"] = [profile.profession.slug]
            if profile.credential_tier:
                facts["tier"] = [profile.credential_tier]
            if profile.accepting_referrals == Profile.Referrals.YES:
                facts["referrals"] = ["on"]
            states = [s for s in profile.telehealth_jurisdictions or [] if s in known]
            if states:
                facts["telehealth"] = states
            if len(facts) >= 3:
                self.people.append((words, facts))

    def text(self) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.25:  # looking a colleague up
            return f"{rng.choice(self.first)} {rng.choice(self.last)}"
        if roll < 0.40:
            return rng.choice(self.last)
        if roll < 0.50:
            return rng.choice(self.first)
        if roll < 0.75:  # a focus: "Trauma", "EMDR", "Adolescents"
            return rng.choice(self.labels)
        if roll < 0.90:  # two of them: "grief EMDR"
            return " ".join(rng.sample(self.labels, 2))
        return rng.choice(BIO_WORDS)

    def filters(self, count: int) -> dict[str, str]:
        rng = self.rng
        names = [
            "profession",
            "tier",
            "specialty",
            "modality",
            "population",
            "language",
            "looking_for",
            "referrals",
            "telehealth",
        ]
        chosen = {}
        for name in rng.sample(names, count):
            if name == "tier":
                chosen[name] = rng.choice(self.tiers)
            elif name == "referrals":
                chosen[name] = "on"
            elif name == "telehealth":
                chosen[name] = rng.choice(self.states)
            else:
                chosen[name] = rng.choice(self.slugs[name])
        return chosen

    def someones(self, count: int) -> dict[str, str]:
        """A search for one member as a colleague would remember them: a word (their
        last name, or one of their specialties or modalities) and `count` filters of
        theirs, so it finds them and the others like them."""
        rng = self.rng
        words, facts = rng.choice(self.people)
        chosen = {"q": rng.choice(words)}
        for name in rng.sample(sorted(facts), count):
            chosen[name] = rng.choice(facts[name])
        return chosen

    def near(self) -> str:
        return self.rng.choice(self.cities)[0]


def cases(inputs: Inputs) -> dict[str, tuple[str, object]]:
    """Each case: a label and a function returning (path, GET parameters, headers)."""
    rng = inputs.rng
    directory = "/directory/"
    return {
        "floor": ("floor: member-only view, tiny template", lambda: ("/bench/floor/", {}, {})),
        "a": ("(a) text only", lambda: (directory, {"q": inputs.text()}, {})),
        "b": (
            "(b) text + 3 filters",
            lambda: (directory, inputs.someones(3), {}),
        ),
        "c": (
            "(c) 25 mi of a city + 1 filter",
            lambda: (directory, {"near": inputs.near(), "radius": "25", **inputs.filters(1)}, {}),
        ),
        "d": ("(d) newest, no query", lambda: (directory, {"sort": "newest"}, {})),
        "e": (
            "(e) newest, page 2-50",
            lambda: (directory, {"sort": "newest", "page": str(rng.randint(2, 50))}, {}),
        ),
        "f": (
            "(f) htmx: text + 1 filter",
            lambda: (
                directory,
                {"q": inputs.text(), **inputs.filters(1)},
                {"HX-Request": "true"},
            ),
        ),
    }


# --- The run --------------------------------------------------------------------------


def run(args, seeding: str) -> None:
    from django.db import connection
    from django.test import Client

    from hive.demo import DEMO_LOGINS
    from members.models import Block, Connection, Profile, User

    install_floor()
    rng = random.Random(args.seed)
    inputs = Inputs(rng)
    table = cases(inputs)

    # Viewers: listed members in good standing, plus the demo member (a dozen
    # connections) and a member who blocked someone, so both rules are exercised.
    member_ids = list(
        Profile.objects.filter(
            user__membership_status=User.Status.MEMBER,
            user__is_active=True,
            user__is_staff=False,
            listed_in_directory=True,
        )
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )
    viewer_ids = set(rng.sample(member_ids, min(args.viewers, len(member_ids))))
    viewer_ids.add(User.objects.get(email=DEMO_LOGINS["member"]).pk)
    blocker = Block.objects.order_by("pk").values_list("blocker_id", flat=True).first()
    if blocker is not None:
        viewer_ids.add(blocker)
    viewers = list(User.objects.filter(pk__in=viewer_ids).order_by("pk"))
    clients = []
    for user in viewers:
        client = Client()
        client.force_login(user)
        clients.append(client)

    def request(key: str, counter: QueryCounter | None = None):
        url, params, headers = table[key][1]()
        client = rng.choice(clients)
        if counter is None:
            started = time.perf_counter()
            response = client.get(url, params, headers=headers)
            elapsed = time.perf_counter() - started
        else:
            with connection.execute_wrapper(counter):
                started = time.perf_counter()
                response = client.get(url, params, headers=headers)
                elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise RuntimeError(f"{key}: {url} {params} answered {response.status_code}")
        return elapsed * 1000, response, params

    keys = list(table)
    if args.profile:
        profile(args, table, request, viewers)
        return
    before = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    for _ in range(args.warmup):
        for key in rng.sample(keys, len(keys)):
            request(key)
    times: dict[str, list[float]] = {key: [] for key in keys}
    found: dict[str, list[int]] = {key: [] for key in keys}
    queries: dict[str, set[int]] = {key: set() for key in keys}
    in_sql: dict[str, list[float]] = {key: [] for key in keys}
    slowest: dict[str, tuple[float, str]] = {key: (0.0, "") for key in keys}
    for _ in range(args.iterations):
        for key in rng.sample(keys, len(keys)):
            counter = QueryCounter()
            ms, response, params = request(key, counter)
            times[key].append(ms)
            slowest[key] = max(slowest[key], (ms, json.dumps(params)))
            queries[key].add(counter.count)
            in_sql[key].append(counter.seconds * 1000)
            match = FOUND.search(response.content.decode())
            if match:
                found[key].append(int(match.group(1).replace(",", "").rstrip("+")))

    # --- Report -----------------------------------------------------------------------
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_size_pretty(pg_relation_size('members_profile')),"
            " pg_size_pretty(pg_relation_size('members_profile_search_gin')),"
            " current_setting('server_version'), current_setting('shared_buffers')"
        )
        heap, gin, version, buffers = cursor.fetchone()
    listed = Profile.objects.filter(
        listed_in_directory=True, user__membership_status=User.Status.MEMBER
    ).count()
    accepted = Connection.objects.filter(status=Connection.Status.ACCEPTED).count()
    print(f"directory: {args.members} people seeded, {listed} listed members (database {SCRATCH})")
    print(f"  seeding: {seeding}")
    print(
        f"  members_profile {heap} heap, search GIN {gin}; {accepted} accepted connections; "
        f"PostgreSQL {version}, shared_buffers {buffers}"
    )
    print(
        f"  django.test.Client in-process, DEBUG off, {len(clients)} viewers; "
        f"{args.iterations} rounds after {args.warmup} warm-up, cases shuffled in each round"
    )
    floor50, floor95 = percentile(times["floor"], 0.5), percentile(times["floor"], 0.95)
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"  load average now {load} (1/5/15 min) on {os.cpu_count()} CPUs; before: {before}")
    header = f"  {'case':<34}{'min':>6}{'p50 ms':>8}{'p95 ms':>8}{'x p50':>7}{'x p95':>7}{'SQL':>6}"
    print(
        header
        + f"{'in SQL p50/p95':>16}{'found med/max':>16}"
        + f"  target (p95 < {TARGET_P95_MS:.0f} ms, < {TARGET_RATIO:.0f}x)"
    )
    misses = 0
    for key in keys:
        label = table[key][0]
        p50, p95 = percentile(times[key], 0.5), percentile(times[key], 0.95)
        sql = "/".join(str(n) for n in sorted(queries[key]))
        counts = found[key]
        shown = f"{statistics.median(counts):.0f}/{max(counts)}" if counts else "-"
        verdict = ""
        if key != "floor":
            ok = p95 < TARGET_P95_MS and p95 / floor95 < TARGET_RATIO
            misses += not ok
            verdict = "OK" if ok else "MISS"
        waited = f"{percentile(in_sql[key], 0.5):.1f}/{percentile(in_sql[key], 0.95):.1f}"
        print(
            f"  {label:<34}{min(times[key]):6.1f}{p50:8.1f}{p95:8.1f}{p50 / floor50:7.1f}"
            f"{p95 / floor95:7.1f}{sql:>6}{waited:>16}{shown:>16}  {verdict}"
        )
    print(f"  {'all cases meet the targets' if not misses else f'{misses} case(s) miss a target'}")
    # What no change to the Python or the templates could win back: the time a request
    # waits for its statements alone, against the line a case's whole p95 must stay under.
    line = min(TARGET_P95_MS, TARGET_RATIO * floor95)
    over = [
        table[key][0].split(" ", 1)[0]
        for key in keys
        if key != "floor" and percentile(in_sql[key], 0.95) > line
    ]
    print(
        f"  the line a case's p95 must stay under: {line:.1f} ms "
        f"(min of {TARGET_P95_MS:.0f} ms and {TARGET_RATIO:.0f}x the floor's p95); "
        + (
            f"the SQL alone is over it at p95 in {', '.join(over)}"
            if over
            else "every case's SQL alone is under it at p95"
        )
    )
    print("  slowest request of each case (what drives its p95):")
    for key in keys:
        ms, params = slowest[key]
        print(f"    {table[key][0]:<34}{ms:6.1f} ms  {params}")
    explain_cases(table, clients)


# --- Profile ----------------------------------------------------------------------------


def profile(args, table, request, viewers) -> None:
    """--profile: where each case's time goes (benchmarks/_profile.py), instead of the
    timed rounds: the middleware's own costs on the floor, then a sampling profile of
    --profile requests of each case, each after a few unprofiled ones."""
    from _profile import middleware_costs, out_file, profile_requests
    from django.test import Client

    def make_client():
        client = Client()
        client.force_login(viewers[0])
        return client

    print(f"directory --profile: load average {load()} on {os.cpu_count()} CPUs")
    middleware_costs(make_client, "/bench/floor/", count=args.profile)
    for key, (label, _) in table.items():
        for _ in range(10):
            request(key)
        print(f"  {label}")
        profile_requests(
            lambda key=key: request(key),
            count=args.profile,
            view="floor" if key == "floor" else "directory",
            out=out_file(f"directory-{key}"),
        )


# --- Plans ------------------------------------------------------------------------------


def explain_cases(table, clients) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) the search statement one request of each case ran,
    with a typical input (a broad term, a big city), after one request to warm up."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    typical = {
        "a": {"q": "anxiety"},
        "b": {"q": "trauma", "specialty": "anxiety", "language": "spanish", "referrals": "on"},
        "c": {"near": "Los Angeles, CA", "radius": "25", "modality": "emdr"},
        "d": {"sort": "newest"},
        "e": {"sort": "newest", "page": "50"},
        "f": {"q": "grief", "tier": "licensed"},
    }
    client = clients[0]
    print(
        "plans: EXPLAIN (ANALYZE, BUFFERS) of each case's statements on the profiles, "
        "scans and joins only"
    )
    for key, params in typical.items():
        headers = {"HX-Request": "true"} if key == "f" else {}
        client.get("/directory/", params, headers=headers)
        with CaptureQueriesContext(connection) as captured:
            client.get("/directory/", params, headers=headers)
        print(f"  {table[key][0]}: {json.dumps(params)}")
        for query in captured.captured_queries:
            sql = query["sql"]
            main_table = MAIN_TABLE.search(sql)
            if sql.lstrip().startswith("WITH candidates"):
                kind = "search statement (page, count, terms)"
            elif main_table and main_table.group(1).startswith("members_profile"):
                kind = "statement"
            else:
                continue  # the session, the user, the taxonomy, connections, the badge
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}")
                plan = cursor.fetchone()[0]
            plan = (plan if isinstance(plan, list) else json.loads(plan))[0]
            lines = plan_lines(plan["Plan"])
            seq = sum("SEQ SCAN" in line for line in lines)
            print(
                f"    {kind}: planning {plan['Planning Time']:.2f} ms, "
                f"execution {plan['Execution Time']:.2f} ms, "
                f"{seq or 'no'} sequential scan(s) of {' or '.join(sorted(BIG_TABLES))}"
            )
            for line in lines:
                print(f"      {line}")


def plan_lines(node: dict, depth: int = 0) -> list[str]:
    """One line per scan or join, indented by depth: index, rows, time, buffers."""
    lines = []
    kind = node["Node Type"]
    if kind in SHOWN_NODES:
        where = f" on {node['Relation Name']}" if "Relation Name" in node else ""
        if "Index Name" in node:
            where += f" using {node['Index Name']}"
        loops = node.get("Actual Loops", 1)
        detail = f"rows={node.get('Actual Rows', 0) * loops:.0f}"
        if loops > 1:
            detail += f" loops={loops}"
        if kind == "Index Only Scan":
            detail += f" heap fetches={node.get('Heap Fetches', 0)}"
        detail += f" {node.get('Actual Total Time', 0) * loops:.2f} ms"
        detail += f" buffers hit={node.get('Shared Hit Blocks', 0)}"
        if node.get("Shared Read Blocks"):
            detail += f" read={node['Shared Read Blocks']}"
        flag = ""
        if kind == "Seq Scan" and node.get("Relation Name") in BIG_TABLES:
            flag = "  <-- SEQ SCAN"
        lines.append(f"{'  ' * depth}{kind}{where}: {detail}{flag}")
        depth += 1
    for child in node.get("Plans", []):
        lines.extend(plan_lines(child, depth))
    return lines


if __name__ == "__main__":
    main()
