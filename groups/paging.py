"""Keyset pages for the groups' long lists (the groups list, a group's past sessions):
the next page starts after the last row shown, named by its sort time and id, so a deep
page costs what the first one does (no OFFSET: the database never reads and throws away
the rows before it) and rows added meanwhile do not shift what a page shows.

A cursor is "<ISO time>_<id>"; anything malformed is read as "from the start", never an
error.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from django.db.models import Q
from django.utils.dateparse import parse_datetime

MAX_CURSOR = 80  # an ISO time with microseconds and offset, "_", a bigint or a UUID


def cursor_for(at: datetime, pk) -> str:
    return f"{at.isoformat()}_{pk}"


def _bigint(value: str) -> int:
    number = int(value)
    if not 0 < number < 2**63:
        raise ValueError(value)
    return number


def parse_cursor(raw: str | None, key: Callable = _bigint) -> tuple[datetime, object] | None:
    """(time, id) from a cursor; `key` reads the id (a bigint by default, uuid.UUID for
    tables keyed by UUID) and raises ValueError for anything else."""
    if not raw or len(raw) > MAX_CURSOR:
        return None
    moment, _, pk = raw.rpartition("_")
    try:
        at = parse_datetime(moment)
        pk = key(pk)
    except (ValueError, OverflowError):
        return None
    if at is None or at.tzinfo is None:
        return None
    return at, pk


UUID_KEY = uuid.UUID


def before(field: str, cursor: tuple[datetime, object]) -> Q:
    """Rows after `cursor` in a (field DESC, id DESC) order. The plain `field <= at`
    is what lets the index's range scan start at the cursor; the rest breaks ties."""
    at, pk = cursor
    return Q(**{f"{field}__lte": at}) & ~Q(**{field: at, "id__gte": pk})
