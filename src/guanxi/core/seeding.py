"""Bulk-generating synthetic data for benchmarks (`guanxi seed`).

Modules register a seeder with `register_seeder`; `guanxi seed --workspace SLUG --contacts N …`
creates (or reuses) the workspace, its members and teams, and calls every seeder in order with
the counts asked for. Seeders write through `bulk_insert`, which uses COPY on PostgreSQL and
batched inserts in one transaction on SQLite (core/sqlite_insert.py) — the fastest path each engine has — and skips
services, audit and per-row validation on purpose: this is load for benchmarks, not data entry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction

from .sqlite_insert import insert_rows

BATCH = 10_000


@dataclass
class SeedContext:
    workspace: Any
    members: list[Any]
    counts: dict[str, int]
    seed: int = 2026
    # What earlier seeders made, for later ones: e.g. "accounts" -> (first id, last id).
    made: dict[str, Any] = field(default_factory=dict)
    log: Callable[[str], None] = print


Seeder = Callable[[SeedContext], None]
_seeders: list[tuple[int, str, Seeder]] = []
# Count options (`--contacts`) each seeder understands: option -> help text.
SEED_OPTIONS: dict[str, str] = {}


def register_seeder(name: str, seeder: Seeder, *, order: int, options: dict[str, str]) -> None:
    if any(existing == name for _, existing, _ in _seeders):
        return
    _seeders.append((order, name, seeder))
    SEED_OPTIONS.update(options)


def seeders() -> list[tuple[str, Seeder]]:
    return [(name, seeder) for _, name, seeder in sorted(_seeders)]


def columns_of(model: Any) -> list[str]:
    """Every column of the model's table, in the order bulk_insert rows must follow."""
    return [str(f.column) for f in model._meta.concrete_fields]


def bulk_insert(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert `rows` into `table`, streaming: COPY on PostgreSQL, executemany batches on SQLite.
    Returns the number of rows written. The caller supplies ids if it needs to know them.
    Table and column names come from model metadata, never from input."""
    written = 0
    name = connection.ops.quote_name(table)
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {name} ({quoted}) FROM STDIN") as copy:  # psycopg 3
                for row in rows:
                    copy.write_row(row)
                    written += 1
            return written
        batch: list[Sequence[Any]] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= BATCH:
                insert_rows(cursor, table, columns, batch)
                written += len(batch)
                batch = []
        if batch:
            insert_rows(cursor, table, columns, batch)
            written += len(batch)
    return written


def next_id(table: str) -> int:
    """The next free id of `table` (seeding writes ids itself so it can refer to them)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {connection.ops.quote_name(table)}")  # noqa: S608
        return int(cursor.fetchone()[0])


def reset_sequence(table: str) -> None:
    """After inserting explicit ids on PostgreSQL, move the id sequence past them."""
    if connection.vendor != "postgresql":
        return
    name = connection.ops.quote_name(table)
    sql = f"SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT COALESCE(MAX(id), 1) FROM {name}))"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [table])
