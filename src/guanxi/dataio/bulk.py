"""Fast inserts for imports: rows given as {attname: value} dicts go straight to the database —
COPY on PostgreSQL, plain INSERTs on SQLite (core/sqlite_insert.py) — inside the caller's transaction.

Django's bulk_create spends most of an import's write time building model instances and
preparing every field of every row through the generic field API; here each row is one list
built in a comprehension, and only the columns that need it (dates, times, JSON) are converted.
Missing values take the field's default, as a model instance would. No model `save()` runs, so
nothing may rely on save() or signals for these tables (this codebase uses neither for them).

When the caller needs the new rows' ids (to tag records, put them on timelines), ids are taken
first — from the sequence on PostgreSQL (safe under concurrency), and on SQLite from the table's
high-water mark while the transaction holds SQLite's single write lock.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, models
from django.utils import timezone

from guanxi.core.sqlite_insert import insert_rows


def _remembering(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`convert` that reuses its last result for the same object: a batch stamps every row with
    one `now`, and converting it once instead of per row matters at a million rows."""
    last: list[Any] = [object(), None]

    def remembered(value: Any) -> Any:
        if value is not last[0]:
            last[0], last[1] = value, convert(value)
        return last[1]

    return remembered


def _converter(field: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    postgres = connection.vendor == "postgresql"
    if isinstance(field, models.JSONField):
        encoder = field.encoder

        def dumps(value: Any) -> str:
            # Most rows carry an empty dict or list (no errors, no custom values): no encoder.
            if not value and isinstance(value, dict | list):
                return "{}" if isinstance(value, dict) else "[]"
            return json.dumps(value, cls=encoder)

        return dumps
    if isinstance(field, models.DateTimeField):
        return None if postgres else _remembering(connection.ops.adapt_datetimefield_value)
    if isinstance(field, models.DateField):
        return None if postgres else connection.ops.adapt_datefield_value
    if isinstance(field, models.DecimalField):
        if postgres:
            return None
        return lambda value: connection.ops.adapt_decimalfield_value(
            value, field.max_digits, field.decimal_places
        )
    return None


class Table:
    """One model's table, ready for fast inserts."""

    def __init__(self, model: type[models.Model]):
        self.model = model
        self.table = model._meta.db_table
        self.fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self.attnames = [f.attname for f in self.fields]
        self.columns = [f.column for f in self.fields]
        self.converters = [
            (index, converter)
            for index, field in enumerate(self.fields)
            if (converter := _converter(field)) is not None
        ]

    def _defaults(self) -> list[Any]:
        now = timezone.now()
        defaults = []
        for field in self.fields:
            if isinstance(field, models.DateTimeField) and (field.auto_now or field.auto_now_add):
                defaults.append(now)
            else:
                defaults.append(field.get_default())
        return defaults

    def values(self, rows: Sequence[dict[str, Any]]) -> list[list[Any]]:
        defaults = dict(zip(self.attnames, self._defaults(), strict=True))
        # One C-level lookup of every column per row (keys the table lacks are ignored).
        pick = operator.itemgetter(*self.attnames)
        converters = self.converters
        result = []
        for row in rows:
            values = list(pick({**defaults, **row}))
            for index, convert in converters:
                value = values[index]
                if value is not None:
                    values[index] = convert(value)
            result.append(values)
        return result

    def _reserve_ids(self, count: int) -> list[int]:
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [self.table, count],
                )
                return [row[0] for row in cursor.fetchall()]
            # SQLite: one writer at a time, and this transaction is it once it has written (the
            # import's batch transaction is IMMEDIATE in production, so it holds the lock from
            # its start). AUTOINCREMENT's high-water mark keeps ids of deleted rows unused.
            # The table name is the model's, quoted; no value is interpolated.
            cursor.execute(
                f"SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "  # noqa: S608
                f"COALESCE((SELECT MAX(id) FROM {quote(self.table)}), 0))",
                [self.table],
            )
            start = int(cursor.fetchone()[0]) + 1
            return list(range(start, start + count))

    def insert(self, rows: Sequence[dict[str, Any]], *, with_ids: bool = False) -> list[int]:
        """Insert the rows; returns their new ids when `with_ids` (else an empty list)."""
        if not rows:
            return []
        values = self.values(rows)
        columns = self.columns
        ids: list[int] = []
        if with_ids:
            ids = self._reserve_ids(len(rows))
            columns = ["id", *columns]
            values = [[pk, *row] for pk, row in zip(ids, values, strict=True)]
        quote = connection.ops.quote_name
        names = ", ".join(quote(str(c)) for c in columns)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                raw = cursor.cursor  # psycopg 3
                with raw.copy(f"COPY {quote(self.table)} ({names}) FROM STDIN") as copy:
                    for row in values:
                        copy.write_row(row)
            else:
                insert_rows(cursor, self.table, [str(c) for c in columns], values)
        return ids


_tables: dict[type[models.Model], Table] = {}


def table(model: type[models.Model]) -> Table:
    found = _tables.get(model)
    if found is None:
        found = _tables[model] = Table(model)
    return found
