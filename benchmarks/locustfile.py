"""The member traffic of the load test (benchmarks/load.py): one Locust user class.

    locust -f benchmarks/locustfile.py --headless -H http://127.0.0.1:8123 -u 20 -r 5 -t 60s

Every simulated user is a different signed-in member (their own session, made by
whoever wrote the data file) who browses as members do: the directory (words, filters,
distance, the htmx fragment a filter change asks for), profiles, matches, the home,
notifications, the network, messages, events, groups and coffee pages; and now and then
writes something that notifies another member: a connection request, or a message
request to someone they are not connected with.

The environment says what to use:

    HIVE_LOAD_DATA   a JSON file: {"users": [{"session": …, "handle": …}, …],
                     "targets": [handles of members to visit and write to],
                     "words": [directory search words], "filters": {name: [values]},
                     "cities": ["Oakland, CA", …], "purposes": [matching purposes],
                     "groups": [slugs], "events": [slugs],
                     "headers": {extra headers for every request, e.g. Origin}}
    HIVE_LOAD_LOG    optional: a CSV file, one line per request (see `record`)
    HIVE_LOAD_RATE   tasks per second per user (default 0.5: one every two seconds)
    HIVE_LOAD_WRITE_WEIGHT  the weight of each of the two writes (default 1, against 42
                     for the pages); the fault stage raises it so more writes meet an
                     outage
    HIVE_LOAD_SWEEP  "1": every user first runs every task once, in order (the test
                     in tests/hive/test_load_mix.py uses it so no page goes unvisited)

Cookies are sent by hand, not kept in a cookie jar: production sets them Secure, which
an HTTP client on plain loopback HTTP would otherwise never send back. The CSRF token
is a random secret of our own, sent as the cookie and the header, as a browser's would
be after its first page.

A request counts as failed when its status is not one the page may answer (200 for a
page; 302 after a write; 404 where the member may not see the object; 429 when the
anti-scraping limit says "slow down"). Every 5xx is a failure.
"""

from __future__ import annotations

import csv
import http.cookiejar
import itertools
import json
import os
import random
import secrets
import time
from pathlib import Path

from locust import HttpUser, constant_throughput, events, task

DATA = json.loads(Path(os.environ["HIVE_LOAD_DATA"]).read_text())
RATE = float(os.environ.get("HIVE_LOAD_RATE", "0.5"))
SWEEP = os.environ.get("HIVE_LOAD_SWEEP") == "1"
WRITE_WEIGHT = int(os.environ.get("HIVE_LOAD_WRITE_WEIGHT", "1"))
# Each new Locust user is the next member, in an order of this run's own, so runs one
# after another do not all spend the same members' daily message-request limit.
ACCOUNTS = itertools.cycle(random.sample(DATA["users"], len(DATA["users"])))
PAGE = (200,)
SEEN_OR_HIDDEN = (200, 404)
WRITE = (302,)
# Refused writes that are not errors: a daily limit on message requests (the form comes
# back with the reason), an existing request between the two, a member who is gone.
WRITE_REFUSED = (200, 400, 404)

_log_file = None
_log = None


def _open_log() -> None:
    global _log_file, _log
    path = os.environ.get("HIVE_LOAD_LOG")
    if path and _log is None:
        _log_file = open(path, "a", newline="", buffering=1)  # noqa: SIM115 - kept open
        _log = csv.writer(_log_file)


@events.request.add_listener
def record(request_type, name, response_time, response, exception, start_time=None, **kwargs):
    """One CSV line per request: started (epoch s), elapsed ms, name, status, error."""
    _open_log()
    if _log is None:
        return
    status = getattr(response, "status_code", 0) or 0
    error = "" if exception is None else f"{type(exception).__name__}: {exception}"[:200]
    started = start_time if start_time is not None else time.time() - response_time / 1000
    _log.writerow([f"{started:.3f}", f"{response_time:.1f}", name, status, error])


class _NoCookies(http.cookiejar.DefaultCookiePolicy):
    """Keep no cookie from any answer: the member's cookies are sent by hand."""

    def set_ok(self, cookie, request):
        return False


class Member(HttpUser):
    """A signed-in member browsing Hive (see the module docstring)."""

    wait_time = constant_throughput(RATE)

    def on_start(self) -> None:
        account = next(ACCOUNTS)
        self.handle = account["handle"]
        self.rng = random.Random(secrets.randbits(32))
        csrf = secrets.token_hex(16)  # 32 characters: what Django accepts as a secret
        self.client.cookies.set_policy(_NoCookies())
        self.client.headers.update(
            {
                "Cookie": f"sessionid={account['session']}; csrftoken={csrf}",
                "X-CSRFToken": csrf,
                **DATA.get("headers", {}),
            }
        )
        if SWEEP:
            for name in TASKS:
                getattr(self, name)()

    # --- helpers -------------------------------------------------------------------

    def get(self, url: str, name: str, ok=PAGE, **kwargs) -> None:
        with self.client.get(
            url, name=name, catch_response=True, allow_redirects=False, **kwargs
        ) as response:
            _judge(response, ok)

    def post(self, url: str, data: dict, name: str, ok=WRITE, refused=WRITE_REFUSED) -> None:
        with self.client.post(
            url, data=data, name=name, catch_response=True, allow_redirects=False
        ) as response:
            _judge(response, ok + refused)

    def target(self) -> str:
        """Another member's handle."""
        while True:
            handle = self.rng.choice(DATA["targets"])
            if handle != self.handle:
                return handle

    def words(self) -> str:
        return self.rng.choice(DATA["words"])

    def some_filters(self, count: int) -> dict[str, str]:
        names = self.rng.sample(sorted(DATA["filters"]), count)
        return {name: self.rng.choice(DATA["filters"][name]) for name in names}

    # --- the mix (weights: how often a member does this, relative to the others) ------

    @task(6)
    def directory_text(self) -> None:
        self.get("/directory/", "directory: words", params={"q": self.words()})

    @task(3)
    def directory_filters(self) -> None:
        params = {"q": self.words(), **self.some_filters(2)}
        self.get("/directory/", "directory: words + filters", params=params)

    @task(2)
    def directory_near(self) -> None:
        params = {"near": self.rng.choice(DATA["cities"]), "radius": "25"}
        params.update(self.some_filters(1))
        self.get("/directory/", "directory: near a city", params=params)

    @task(4)
    def directory_fragment(self) -> None:
        params = {"q": self.words(), **self.some_filters(1)}
        headers = {"HX-Request": "true"}
        self.get("/directory/", "directory: htmx fragment", params=params, headers=headers)

    @task(6)
    def profile(self) -> None:
        self.get(f"/members/{self.target()}/", "profile", ok=SEEN_OR_HIDDEN)

    @task(3)
    def matches(self) -> None:
        params = {"purpose": self.rng.choice(DATA["purposes"])}
        self.get("/matches/", "matches", params=params)

    @task(4)
    def home(self) -> None:
        self.get("/", "home")

    @task(3)
    def notifications(self) -> None:
        self.get("/notifications/", "notifications")

    @task(2)
    def network(self) -> None:
        self.get("/network/", "network")

    @task(2)
    def inbox(self) -> None:
        self.get("/messages/", "messages")

    @task(1)
    def message_requests(self) -> None:
        self.get("/messages/requests/", "message requests")

    @task(2)
    def event_list(self) -> None:
        self.get("/events/", "events")

    @task(1)
    def event(self) -> None:
        if DATA["events"]:
            slug = self.rng.choice(DATA["events"])
            self.get(f"/events/{slug}/", "event", ok=SEEN_OR_HIDDEN)

    @task(1)
    def group_list(self) -> None:
        self.get("/groups/", "groups")

    @task(1)
    def group(self) -> None:
        if DATA["groups"]:
            slug = self.rng.choice(DATA["groups"])
            self.get(f"/groups/{slug}/", "group", ok=SEEN_OR_HIDDEN)

    @task(1)
    def coffee(self) -> None:
        self.get("/coffee/", "coffee")

    @task(WRITE_WEIGHT)
    def connect(self) -> None:
        """A connection request: the other member is notified (and emailed)."""
        note = "We seem to share a focus; would you like to connect?"
        self.post(f"/members/{self.target()}/connect/", {"note": note}, "write: connect")

    @task(WRITE_WEIGHT)
    def message_request(self) -> None:
        """A message request to someone I am not connected with: notified too."""
        data = {
            "purpose": "consultation",
            "body": "Hello! I read your profile and would value a short consultation call.",
        }
        self.post(f"/messages/start/{self.target()}/", data, "write: message request")


def _judge(response, ok) -> None:
    if response.status_code in ok:
        response.success()
    else:
        response.failure(f"answered {response.status_code}")


def _is_task(value) -> bool:
    return callable(value) and hasattr(value, "locust_task_weight")


TASKS = [name for name, value in vars(Member).items() if _is_task(value)]
