"""Loading many rows fast, for benchmarks that need a large database: PostgreSQL's COPY
fed with model instances, so the rows are what the models would have saved (defaults,
auto_now, JSON) at a fraction of bulk_create's cost.

COPY returns no ids, so the ids are handed out first from the table's own sequence
(`reserve_ids`) and set on the instances; rows that refer to them are built after.
"""

from __future__ import annotations

from collections.abc import Iterable


def reserve_ids(model, count: int) -> range:
    """`count` consecutive primary keys taken from `model`'s sequence, which moves past
    them (so later inserts, by the app or the ORM, never collide)."""
    from django.db import connection

    table = model._meta.db_table
    column = model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, column])
        (sequence,) = cursor.fetchone()
        cursor.execute("SELECT nextval(%s)", [sequence])
        (first,) = cursor.fetchone()
        if count > 1:
            cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
    return range(first, first + count)


def copy_rows(model, rows: Iterable, *, batch: int = 20_000) -> int:
    """COPY `rows` (unsaved instances of `model`, primary keys set) into its table, in
    transactions of `batch` rows; returns how many. Every concrete field is written as
    the ORM would write it on insert (`pre_save`, then `get_db_prep_save`)."""
    from django.db import connection, transaction

    fields = list(model._meta.concrete_fields)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    statement = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
    written = 0
    pending = []

    def flush() -> None:
        with (
            transaction.atomic(),
            connection.cursor() as cursor,
            cursor.cursor.copy(statement) as copy,
        ):
            for values in pending:
                copy.write_row(values)
        pending.clear()

    for row in rows:
        pending.append([f.get_db_prep_save(f.pre_save(row, True), connection) for f in fields])
        written += 1
        if len(pending) >= batch:
            flush()
    if pending:
        flush()
    return written
