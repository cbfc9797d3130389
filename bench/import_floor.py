"""What PostgreSQL itself costs to load contacts: the floor under P1.

Imports N rows (default 100,000) through the real import, so the rows are exactly what an import
writes, then bulk-loads them again with one COPY in several variants, each in a transaction that
is rolled back: as the table is (the P1 baseline), without the trigram search index, without
the foreign keys, without both, and with the primary key alone. Dropping an index or a
constraint inside the transaction is undone by the rollback, but it locks the whole table while
it runs: run this on the benchmark database only, never on one people use.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/guanxi_bench \\
        .venv/bin/python bench/import_floor.py --rows 100000 --out bench/results/postgresql-import-floor.json

An import cannot go faster than the first line: it writes these rows plus their timeline
entries and row results, and validates and checks duplicates before that.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

if __name__ == "__main__":
    ROOT = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanxi.settings")
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    import django

    django.setup()

from django.db import connection, transaction  # noqa: E402

from bench.import_bench import _columns, drop_workspace, import_workspace, time_import, write_csv  # noqa: E402
from bench.run import machine  # noqa: E402
from guanxi.core.models import Membership, Workspace  # noqa: E402
from guanxi.customers.models import Contact  # noqa: E402

TRIGRAM_INDEX = "customers_contact_search_trgm"


def _names(sql: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(sql, [Contact._meta.db_table])
        return [row[0] for row in cursor.fetchall()]


def _copy(scratch: IO[bytes], rows: int, *, indexes: list[str], foreign_keys: list[str]) -> dict:
    """One COPY of the scratch file with the given indexes and foreign keys dropped first."""
    quote = connection.ops.quote_name
    table = quote(Contact._meta.db_table)
    names = ", ".join(quote(c) for c in _columns())
    scratch.seek(0)
    with transaction.atomic(), connection.cursor() as cursor:
        for index in indexes:
            cursor.execute(f"DROP INDEX {quote(index)}")
        for constraint in foreign_keys:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(constraint)}")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        started = time.perf_counter()
        with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            while block := scratch.read(1 << 20):
                copy.write(block)
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return {
        "rows_per_s": round(rows / seconds),
        "us_per_row": round(seconds / rows * 1e6, 1),
        "dropped_indexes": len(indexes),
        "dropped_foreign_keys": len(foreign_keys),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workspace", default="bench", help="the seeded workspace (its owner)")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("This measures PostgreSQL's COPY; set DATABASE_URL to the bench database.")
    workspace = Workspace.objects.get(slug=args.workspace)
    owner = Membership.objects.get(workspace=workspace, role__is_owner=True)
    indexes = _names(
        "SELECT indexname FROM pg_indexes WHERE tablename = %s AND indexname NOT LIKE '%%_pkey'"
    )
    foreign_keys = _names(
        "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'"
    )
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "contacts.csv")
        write_csv(path, args.rows)
        member = import_workspace(owner.user, "floor")
        try:
            imported = time_import(member, path)
            quote = connection.ops.quote_name
            select = (
                f"SELECT {', '.join(quote(c) for c in _columns())} "  # noqa: S608
                f"FROM {quote(Contact._meta.db_table)} "
                f"WHERE workspace_id = {int(member.workspace_id)} ORDER BY id"
            )
            with tempfile.TemporaryFile() as scratch:
                with (
                    connection.cursor() as cursor,
                    cursor.cursor.copy(f"COPY ({select}) TO STDOUT") as copy,
                ):
                    for block in copy:
                        scratch.write(block)
                rows = imported["created"]
                variants = {
                    "as_the_table_is": _copy(scratch, rows, indexes=[], foreign_keys=[]),
                    "without_trigram_index": _copy(
                        scratch, rows, indexes=[TRIGRAM_INDEX], foreign_keys=[]
                    ),
                    "without_foreign_keys": _copy(
                        scratch, rows, indexes=[], foreign_keys=foreign_keys
                    ),
                    "without_both": _copy(
                        scratch, rows, indexes=[TRIGRAM_INDEX], foreign_keys=foreign_keys
                    ),
                    "primary_key_only": _copy(
                        scratch, rows, indexes=indexes, foreign_keys=foreign_keys
                    ),
                }
        finally:
            drop_workspace(member)
    report: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "what": "one COPY of the contacts an import wrote, into the seeded contacts table "
        f"({Contact.objects.count()} rows), constraints checked, rolled back",
        "import": imported,
        "copy": variants,
        "secondary_indexes": len(indexes),
        "foreign_keys": len(foreign_keys),
    }
    text = json.dumps(report, indent=2, ensure_ascii=False)
    if args.out:
        args.out.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
