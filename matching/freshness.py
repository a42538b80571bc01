"""What changed since the suggestion snapshot last looked (matching.engine).

The snapshot's high-water mark is a time, and rows carry `updated_at` stamps, but a
stamp is taken when a row is saved, not when its transaction commits: a row saved at t
and committed later may carry a t earlier than our last look, and a plain "changed
since the last look" would miss it for good.

So one query returns, besides every row stamped after the mark, the database's
transaction horizon: the start of the oldest transaction still open (from
pg_stat_activity, which every session of the same role can read). Nothing stamped
before it can still commit, so the next look starts there, less SKEW for the clock
difference between the web processes that stamp rows and the database that reports
transaction starts. In steady state the window is about SKEW wide and holds a few
rows; a long transaction widens it while it lasts, up to MAX_LAG (a session left idle
in a transaction must not widen every look forever; the engine's periodic rebuild
covers what such a transaction wrote).

Each source is capped at `limit` rows: past that the engine rebuilds rather than
patches, and reading the rest would be wasted.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import NamedTuple

from django.db import connection

from matching.models import Answer, MatchingChange, Questionnaire
from members.models import Application, Profile

SKEW = timedelta(seconds=30)
MAX_LAG = timedelta(minutes=10)


class Changes(NamedTuple):
    horizon: datetime  # no transaction still open at the look started before this
    newer_questionnaire: bool
    rows: list[tuple[int, int, int, datetime]]  # (source, row id, member id, stamp)
    truncated: bool  # a source had more than `limit` rows: rebuild instead


_SOURCES = (  # source number, table, row id, member id, stamp
    (1, Answer._meta.db_table, "id", "member_id", "updated_at"),
    (2, Profile._meta.db_table, "user_id", "user_id", "updated_at"),
    (3, Application._meta.db_table, "user_id", "user_id", "updated_at"),
    (4, MatchingChange._meta.db_table, "member_id", "member_id", "changed_at"),
)
# Table and column names come from the constants above; values travel as parameters.
_CHANGES_SQL = "\nUNION ALL ".join(
    [
        # Client sessions only: an autovacuum run is no writer of ours.
        """(SELECT -1, 0, 0, least(now(), min(xact_start)) FROM pg_stat_activity
            WHERE datname = current_database() AND backend_type = 'client backend')""",
        f"""(SELECT 0, id, 0, created_at FROM {Questionnaire._meta.db_table}
            WHERE version > %(version)s)""",  # noqa: S608
        *(
            f"(SELECT {n}, {row}, {member}, {stamp} FROM {table} "  # noqa: S608
            f"WHERE {stamp} > %(since)s LIMIT %(limit)s)"
            for n, table, row, member, stamp in _SOURCES
        ),
    ]
)


def changes(since: datetime, version: int, *, limit: int) -> Changes:
    """Everything changed since `since`, in one query on indexed timestamps, with the
    database's transaction horizon. Answers come a row each, not the latest per member:
    a late commit may carry an older stamp than another answer of the same member
    already applied, and only its own row shows it."""
    with connection.cursor() as cursor:
        cursor.execute(_CHANGES_SQL, {"since": since, "version": version, "limit": limit + 1})
        found = cursor.fetchall()
    horizon = next(stamp for source, _, _, stamp in found if source == -1)
    rows = [row for row in found if row[0] > 0]
    counts = Counter(source for source, _, _, _ in rows)
    return Changes(
        horizon=horizon,
        newer_questionnaire=any(row[0] == 0 for row in found),
        rows=rows,
        truncated=any(count > limit for count in counts.values()),
    )


def look_back(horizon: datetime, now: datetime) -> datetime:
    """Where the next look starts: the horizon (no longer ago than MAX_LAG), less SKEW."""
    return max(horizon, now - MAX_LAG) - SKEW
