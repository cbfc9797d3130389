"""Many rows into one SQLite table, the fastest way for that table (seeding and imports).

executemany runs one INSERT statement per row, which is the fastest SQLite has — unless the
table has triggers that maintain an FTS5 index (customers' search, migration customers.0008):
FTS5 writes out its pending terms at the start of every statement, so each row would pay for a
small index write of its own. Such tables get multi-row `INSERT … VALUES (…), (…), …`
statements instead, as many rows per statement as SQLite's parameter limit allows (measured on
contacts: about 130 µs a row instead of 300; on a table without triggers multi-row statements
are slower than executemany, so they get executemany).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection

# SQLite's default SQLITE_MAX_VARIABLE_NUMBER since 3.32 (this project needs 3.34 or newer).
MAX_PARAMETERS = 32_766
MAX_ROWS_PER_STATEMENT = 500

_has_triggers: dict[tuple[str, str], bool] = {}


def _table_has_triggers(cursor: Any, table: str) -> bool:
    key = (str(connection.settings_dict["NAME"]), table)
    found = _has_triggers.get(key)
    if found is None:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s)",
            [table],
        )
        found = _has_triggers[key] = bool(cursor.fetchone()[0])
    return found


def insert_rows(
    cursor: Any, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """INSERT `rows` (values in `columns` order) into `table` through `cursor` (SQLite). Table
    and column names come from model metadata, never from input."""
    if not rows:
        return
    quote = connection.ops.quote_name
    head = f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) VALUES "  # noqa: S608
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    if not _table_has_triggers(cursor, table):
        cursor.executemany(head + one, rows)
        return
    per_statement = max(1, min(MAX_ROWS_PER_STATEMENT, MAX_PARAMETERS // len(columns)))
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        cursor.execute(
            head + ", ".join([one] * len(chunk)),
            [value for row in chunk for value in row],
        )
