"""Answers as numpy columns, read from the database without a Python object per value:
what the matching snapshot (matching.engine) is built and patched from, as it takes
profiles from matching.features."""

from __future__ import annotations

import numpy as np
from django.db import connection
from django.db.models import F, IntegerField
from django.db.models.functions import Cast

from matching import scoring
from matching.models import Answer

# An answer packed into one integer by the database: statement id, then choice (3 bits),
# accepted (8), importance (2), dealbreaker (1). Two Python ints per answer instead of
# six halves the cost of reading ~1.7 million answers at 100,000 members.
PACKED = (
    F("statement_id") * (1 << 14)
    + F("choice") * (1 << 11)
    + F("accepted") * (1 << 3)
    + F("importance") * 2
    + Cast("dealbreaker", IntegerField())
)
assert scoring.MAX_OPTIONS <= 8 and len(scoring.WEIGHTS) <= 4  # the bit widths above


def bigint_columns(queryset, width: int) -> np.ndarray:
    """The queryset's rows (`width` non-null integer columns) as an (n, width) int64
    array, with no Python object per row or per value.

    PostgreSQL packs every value as 8 big-endian bytes (`int8send`) into one bytea
    (`string_agg`), which numpy reads in place. At 100,000 members the answers are ~1.7
    million rows: as Python tuples (fetchall) they took ~280 MB at peak and ~0.8 s to
    become arrays; packed, ~55 MB and ~0.3 s. (A binary COPY would avoid the aggregate,
    but the driver hands COPY data back one row at a time.) A bytea holds up to 1 GB:
    some 60 million answers, far beyond any plausible membership."""
    sql, params = queryset.query.sql_with_params()
    names = [f"c{i}" for i in range(width)]
    packed = " || ".join(f"int8send({name}::bigint)" for name in names)
    # Django compiled `sql` (the values travel in `params`); the names are ours.
    query = f"SELECT string_agg({packed}, ''::bytea) FROM ({sql}) AS t({', '.join(names)})"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        (data,) = cursor.fetchone()
    if data is None:  # no rows
        return np.zeros((0, width), np.int64)
    return np.frombuffer(data, dtype=">i8").astype(np.int64).reshape(-1, width)


def read(statement_column: dict[int, int], member_ids=None):
    """Answers to the given statements (all members', or `member_ids`'), as numpy
    columns: member id, column, choice, accepted, importance, dealbreaker. One query,
    filtered on the statement ids alone (no join): eligibility is the caller's mask."""
    rows = Answer.objects.filter(statement_id__in=list(statement_column))
    if member_ids is not None:
        rows = rows.filter(member_id__in=list(member_ids))
    if statement_column:
        table = bigint_columns(rows.values_list("member_id", PACKED).order_by(), 2)
    else:
        table = np.zeros((0, 2), np.int64)
    packed = table[:, 1]
    # Statement ids to columns through a lookup table: ids are small and dense.
    lookup = np.full(max(statement_column, default=0) + 1, -1, np.int64)
    for statement_id, column in statement_column.items():
        lookup[statement_id] = column
    return (
        table[:, 0],
        lookup[packed >> 14],
        (packed >> 11) & 0b111,
        (packed >> 3) & 0xFF,
        (packed >> 1) & 0b11,
        (packed & 1) != 0,
    )
