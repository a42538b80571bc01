"""Where a page's time goes, for the page benchmarks' --profile option.

Two measurements, both on requests made through the same test client and middleware
stack as the timed runs:

- `middleware_costs`: each middleware's own time on a request (its work before and
  after the layers inside it), read from markers put between the layers of
  settings.MIDDLEWARE for this measurement only. What is left inside the innermost
  marker is "URL resolving, the view and its template" (plus process_view hooks such
  as CSRF's). Medians over many requests, so a pause for the CPU does not count.
- `profile_requests`: a sampling profile (pyinstrument, every 0.5 ms) of many requests,
  summarised per request by what the time was spent on (each sample goes to the
  innermost frame that belongs to a known part: SQL, the ORM, templates, URL reversing,
  forms, Redis, a middleware's package, our code) and by the view's phases (the view
  function without its render, the render, the context processors), with the
  functions that cost the most by themselves. The full tree is written to var/profiles/.
"""

from __future__ import annotations

import statistics
import sys
import time
import types
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "profiles"  # the full trees, one text file per case


def out_file(name: str) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    return OUT / f"{name}.txt"


APPS = ("hive", "members", "notifications", "matching", "messaging", "groups", "events", "coffee")

# Innermost first: a frame's file decides, walking from the sample's leaf to the root;
# frames of no known part (the standard library, django.utils) belong to their caller.
PARTS = [
    ("SQL: driver and PostgreSQL", ("/psycopg/", "/psycopg_pool/", "django/db/backends/")),
    ("Redis and the cache", ("/redis/", "django/core/cache/", "django_redis/")),
    ("ORM: queries and model instances", ("django/db/models/", "django/db/transaction")),
    ("URL reversing and resolving", ("django/urls/",)),
    ("forms and widgets", ("django/forms/", "hive/widgets.py")),
    ("templates", ("django/template/", "template_partials/", "django/templatetags/")),
    ("session", ("django/contrib/sessions/",)),
    ("auth (user, session hash)", ("django/contrib/auth/",)),
    ("allauth (user sessions, account)", ("allauth/",)),
    ("messages", ("django/contrib/messages/",)),
    ("CSRF", ("django/middleware/csrf.py",)),
    ("CSP", ("/csp/",)),
    ("other middleware", ("django/middleware/", "whitenoise/", "django_htmx/")),
    (
        "test client, request and response",
        ("django/test/", "django/core/handlers/", "django/http/"),
    ),
]


def _part(path: list[str]) -> str:
    """The part a sample belongs to, from its stack's file paths (leaf last)."""
    for file_path in reversed(path):
        file_path = file_path.replace("\\", "/")
        for name, needles in PARTS:
            if any(needle in file_path for needle in needles):
                return name
        relative = file_path.removeprefix(str(ROOT) + "/")
        if relative != file_path and relative.split("/", 1)[0] in APPS:
            return "our code (views, search, cards, privacy)"
    return "other (interpreter, libraries)"


def profile_requests(request: Callable[[], object], *, count: int, view: str, out: Path) -> None:
    """Profile `count` calls of `request` and print where their time went, per call.
    `view` is the view function's name, to split its own work from its render."""
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(count):
        request()
    session = profiler.stop()
    root = profiler.last_session.root_frame(trim_stem=False)
    out.write_text(profiler.output_text(unicode=True, show_all=False))

    parts: dict[str, float] = defaultdict(float)
    own: dict[str, float] = defaultdict(float)
    phases: dict[str, float] = defaultdict(float)
    markers = {
        (view, ""): f"view {view}() with its render",
        ("render", "django/shortcuts.py"): "  its render (template, context processors)",
        ("bind_template", "django/template/context.py"): "    context processors",
        ("render", "django/template/defaulttags.py"): "    {% url %} tags",
        ("_execute", "django/db/backends/utils.py"): "SQL statements, anywhere",
    }

    def walk(frame, path: list[str], inside: frozenset[str]) -> None:
        file_path = frame.file_path or ""
        path = [*path, file_path]
        for (function, where), label in markers.items():
            if frame.function == function and where in file_path and label not in inside:
                if where == "django/template/defaulttags.py" and frame.class_name != "URLNode":
                    continue
                phases[label] += frame.time
                inside = inside | {label}
        if not frame.children:  # a leaf: the samples taken there ("[self]" of its parent)
            parts[_part(path)] += frame.time
            owner = frame.parent if frame.is_synthetic and frame.parent else frame
            key = f"{owner.function} ({owner.file_path_short}:{owner.line_no})"
            own[key] += frame.time
        for child in frame.children:
            walk(child, path, inside)

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    walk(root, [], frozenset())
    total = sum(parts.values())
    per = 1000 / count
    print(
        f"    {count} requests, {total * per:.1f} ms each on average under the profiler "
        f"({session.sample_count} samples); full tree: {out}"
    )
    print("    by part (innermost known frame of each sample), ms per request:")
    for name, seconds in sorted(parts.items(), key=lambda item: -item[1]):
        print(f"      {name:<44}{seconds * per:7.2f}  {seconds / total:5.0%}")
    print("    by phase (inclusive), ms per request:")
    for label in markers.values():
        print(f"      {label:<44}{phases.get(label, 0.0) * per:7.2f}")
    print("    costliest functions by their own time, ms per request:")
    for key, seconds in sorted(own.items(), key=lambda item: -item[1])[:12]:
        print(f"      {seconds * per:6.2f}  {key}")


def middleware_costs(make_client: Callable[[], object], url: str, *, count: int) -> None:
    """Print each middleware's own median time on `count` requests of `url`, from a
    client made (and logged in) by `make_client` after the markers are in place."""
    from django.conf import settings
    from django.test import override_settings

    stamps: list[tuple[str, int, float]] = []
    module = types.ModuleType("bench_middleware_marks")

    def marker(position: int):
        def factory(get_response):
            def middleware(request):
                stamps.append(("in", position, time.perf_counter()))
                response = get_response(request)
                stamps.append(("out", position, time.perf_counter()))
                return response

            return middleware

        return factory

    names = list(settings.MIDDLEWARE)
    stack = []
    for position, name in enumerate(names):
        setattr(module, f"mark{position}", marker(position))
        stack += [f"{module.__name__}.mark{position}", name]
    setattr(module, f"mark{len(names)}", marker(len(names)))
    stack.append(f"{module.__name__}.mark{len(names)}")
    sys.modules[module.__name__] = module

    own: dict[int, list[float]] = defaultdict(list)
    whole: list[float] = []
    with override_settings(MIDDLEWARE=stack):
        client = make_client()
        for _ in range(count + 10):
            stamps.clear()
            started = time.perf_counter()
            client.get(url)
            ended = time.perf_counter()
            ins = {position: at for kind, position, at in stamps if kind == "in"}
            outs = {position: at for kind, position, at in stamps if kind == "out"}
            if len(ins) != len(names) + 1:
                raise SystemExit(f"a middleware answered {url} itself: cannot split its costs")
            for position in range(len(names)):
                before = ins[position + 1] - ins[position]
                after = outs[position] - outs[position + 1]
                own[position].append(before + after)
            own[len(names)].append(outs[len(names)] - ins[len(names)])
            own[-1].append((ins[0] - started) + (ended - outs[0]))
            whole.append(ended - started)
    skip = 10  # warm-up
    print(f"    each middleware's own time on {url}, median of {count} requests (ms):")
    for position, name in enumerate(names):
        print(f"      {statistics.median(own[position][skip:]) * 1000:6.2f}  {name}")
    inner = statistics.median(own[len(names)][skip:]) * 1000
    outer = statistics.median(own[-1][skip:]) * 1000
    print(f"      {inner:6.2f}  inside them all: URL resolving, process_view hooks, the view")
    print(f"      {outer:6.2f}  outside them all: the test client, request, signals")
    print(f"      {statistics.median(whole[skip:]) * 1000:6.2f}  the whole request (median)")
