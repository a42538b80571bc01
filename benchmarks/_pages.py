"""What the page benchmarks share: the floor view, counting SQL statements, percentiles,
and timing a table of pages in shuffled rounds against the floor.

The floor is a member-only view (registered for the run only) rendering a tiny
template through the same client and middleware stack as the pages it is compared
with, so what a ratio to it measures is the page's own work. Each round requests every
page once, in a shuffled order (so no page always follows the same one, or always runs
while the machine is busy with the same thing); --warmup rounds come first, untimed.
"""

from __future__ import annotations

import math
import os
import random
import sys
import time
import types
from collections.abc import Callable
from dataclasses import dataclass, field

FLOOR_URL = "/bench/floor/"
FLOOR = "floor"


def install_floor() -> None:
    """Serve the floor view at /bench/floor/ beside the real routes, for this run only."""
    from django.conf import settings
    from django.http import HttpResponse
    from django.template import engines
    from django.urls import clear_url_caches, path

    import hive.urls
    from hive.access import member_required

    template = engines["django"].from_string(
        "<!doctype html><title>Floor</title><p>Hello, {{ request.user.email }}.</p>"
    )

    @member_required
    def floor(request):
        return HttpResponse(template.render({}, request))

    urls = types.ModuleType("directory_bench_urls")
    urls.urlpatterns = [path("bench/floor/", floor), *hive.urls.urlpatterns]
    sys.modules[urls.__name__] = urls
    settings.ROOT_URLCONF = urls.__name__
    clear_url_caches()


class QueryCounter:
    """Counts SQL statements through connection.execute_wrapper, keeping none, and the
    time spent in them (`seconds`: the driver's round trips and the server's work)."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile: the smallest value at least `fraction` of them reach."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def load() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


@dataclass
class Timings:
    """Milliseconds per request and SQL statements per request, by page name."""

    times: dict[str, list[float]] = field(default_factory=dict)
    queries: dict[str, int] = field(default_factory=dict)
    slowest: dict[str, tuple[float, str]] = field(default_factory=dict)


def time_pages(
    client,
    table: dict[str, str | Callable[[], str]],
    *,
    iterations: int,
    warmup: int,
    seed: int = 1,
    ok: Callable[[object], bool] = lambda response: response.status_code == 200,
) -> Timings:
    """Request every page of `table` (name → URL, or a function drawing the next URL,
    for pages timed over varied inputs) once per round through `client`, in shuffled
    rounds. The table must hold FLOOR. Stops the run on an unexpected answer: a
    benchmark of an error page measures nothing."""
    from django.db import connection

    assert FLOOR in table, "the table needs the floor"
    result = Timings({name: [] for name in table})
    order = list(table)
    rng = random.Random(seed)
    for round_number in range(warmup + iterations):
        rng.shuffle(order)
        for name in order:
            target = table[name]
            url = target() if callable(target) else target
            counter = QueryCounter()
            with connection.execute_wrapper(counter):
                started = time.perf_counter()
                response = client.get(url)
                elapsed = (time.perf_counter() - started) * 1000
            if not ok(response):
                raise SystemExit(f"{name}: {url} answered {response.status_code}")
            if round_number < warmup:
                continue
            result.times[name].append(elapsed)
            result.queries[name] = max(result.queries.get(name, 0), counter.count)
            if elapsed > result.slowest.get(name, (0.0, ""))[0]:
                result.slowest[name] = (elapsed, url)
    return result


def print_pages(timings: Timings, *, target: float = 4.0, width: int = 32) -> dict[str, bool]:
    """One line per page: min, p50, p95 (ms), p95 as a multiple of the floor's, SQL
    statements per request (the most seen), and OK/MISS against p95 <= target x the
    floor's p95. Returns page → met."""
    floor95 = percentile(timings.times[FLOOR], 0.95)
    met = {}
    print(f"  {'page':{width}} {'min':>6} {'p50 ms':>7} {'p95 ms':>7} {'x p95':>6} {'SQL':>4}")
    for name, values in timings.times.items():
        p95 = percentile(values, 0.95)
        verdict = ""
        if name != FLOOR:
            met[name] = p95 <= target * floor95
            verdict = f"  {'OK' if met[name] else 'MISS'} (p95 <= {target:g}x floor)"
        print(
            f"  {name:{width}} {min(values):6.1f} {percentile(values, 0.5):7.1f} {p95:7.1f}"
            f" {p95 / floor95:6.1f} {timings.queries[name]:4d}{verdict}"
        )
    return met
