"""The load test's member traffic (benchmarks/locustfile.py) runs for a few seconds against
the test server, so the mix cannot rot: a page of it that answers 5xx (or anything it
should not), a request the script can no longer make, or a write that no longer
notifies anyone fails here. The load test itself (benchmarks/load.py) is not part of
`make test`."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from messaging.models import MessageRequest
from notifications.models import Notification
from tests.events.factories import EventFactory
from tests.groups.factories import make_group
from tests.members.factories import MemberFactory

ROOT = Path(__file__).resolve().parents[2]
LOCUSTFILE = ROOT / "benchmarks" / "locustfile.py"


@pytest.mark.django_db(transaction=True)
def test_the_load_mix_runs_against_the_test_server_without_errors(live_server, tmp_path):
    members = [MemberFactory() for _ in range(6)]
    group = make_group(organizer=members[0])
    event = EventFactory(created_by=members[1])
    data = {
        "users": [
            {"session": _session_of(user), "handle": user.profile.handle} for user in members[:3]
        ],
        "targets": [user.profile.handle for user in members],
        "words": ["trauma", members[3].profile.display_name.split()[0]],
        "filters": {"referrals": ["on"], "language": ["spanish"]},
        "cities": ["Oakland, CA"],
        "purposes": ["peer_consultation", "coffee"],
        "groups": [group.slug],
        "events": [event.slug],
        "headers": {"Origin": live_server.url},  # the test server is plain HTTP
    }
    (tmp_path / "data.json").write_text(json.dumps(data))
    log = tmp_path / "requests.csv"
    env = {
        **os.environ,
        "HIVE_LOAD_DATA": str(tmp_path / "data.json"),
        "HIVE_LOAD_LOG": str(log),
        "HIVE_LOAD_SWEEP": "1",
        "HIVE_LOAD_RATE": "4",
    }
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "-H",
        live_server.url,
        "-u",
        "3",
        "-r",
        "3",
        "-t",
        "3s",
        "--stop-timeout",
        "5",
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    finished = subprocess.run(  # noqa: S603 - our own script
        command, env=env, capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    rows = list(csv.reader(log.open())) if log.exists() else []
    assert rows, f"no request was made:\n{finished.stderr[-3000:]}"

    failed = [row for row in rows if row[4] or int(row[3]) >= 500]
    assert not failed, failed[:10]
    assert finished.returncode == 0, finished.stderr[-3000:]

    # Every page and write of the mix was requested (each user sweeps them first).
    names = {row[2] for row in rows}
    expected = {
        "directory: words",
        "directory: words + filters",
        "directory: near a city",
        "directory: htmx fragment",
        "profile",
        "matches",
        "home",
        "notifications",
        "network",
        "messages",
        "message requests",
        "events",
        "event",
        "groups",
        "group",
        "coffee",
        "write: connect",
        "write: message request",
    }
    assert expected <= names, expected - names
    # The pages answered as themselves, not as "slow down" or "not found".
    assert {row[2] for row in rows if row[3] == "200"} >= expected - {
        "write: connect",
        "write: message request",
    }

    # The writes notified their recipients, once each.
    requests = MessageRequest.objects.all()
    assert requests.exists()
    for request in requests:
        assert Notification.objects.filter(key=f"message_request:{request.pk}").count() == 1
    asked = Notification.objects.filter(kind="connection_request")
    assert asked.exists()


def _session_of(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value
