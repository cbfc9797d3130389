"""P2: export of every contact of a workspace as CSV, against the database's own dump of the same
rows (COPY … TO STDOUT on PostgreSQL, a plain cursor read on SQLite).

`p2_export(workspace, owner)` is called by bench/run.py (`--only P2`) after Django is set up.
The export is what `guanxi export contacts /dev/null` runs (`csv_write`, audited): the numbers are
the app's and the database's, not the disk's.
"""

from __future__ import annotations

import os
import resource
import time
from typing import Any

from django.db import connection

from guanxi.core.models import Membership, Workspace
from guanxi.customers.listing import ListQuery
from guanxi.dataio.services.export_copy import copy_statement
from guanxi.dataio.services.exports import DEFAULT_COLUMNS, RowMaker, csv_write, export_prepare

# The contact list's default columns (name, account, title, mobile, owner, tags, last follow-up:
# text, a joined name, a member name, tags, a local time), plus a date, a pick list and a choice.
COLUMNS = [*DEFAULT_COLUMNS["contacts"], "birthday", "source", "email_consent"]
# The same stored values, plain: what the database dumps without any formatting.
BASELINE_SELECT = (
    "SELECT c.id, c.name, a.name, c.title, c.mobile, c.owner_id, c.last_followed_at, "
    "c.birthday, c.source, c.email_consent "
    "FROM customers_contact c LEFT JOIN customers_account a ON a.id = c.account_id "
    "WHERE c.workspace_id = {workspace} AND c.deleted_at IS NULL ORDER BY c.id DESC"
)


def _baseline(workspace: Workspace) -> tuple[int, float]:
    """(rows, seconds) of the database's own fastest read of the same rows and columns."""
    sql = BASELINE_SELECT.format(workspace=int(workspace.pk))
    rows = 0
    started = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)") as copy:
                for _row in copy:
                    rows += 1
        else:
            cursor.execute(sql)
            while batch := cursor.fetchmany(5000):
                rows += len(batch)
    return rows, time.perf_counter() - started


def p2_export(workspace: Workspace, owner: Membership) -> dict[str, Any]:
    """Export every contact of `workspace` as its owner, then dump the same rows raw."""
    export = export_prepare(
        actor=owner, object_type="contacts", query=ListQuery(sort="-id"), columns=COLUMNS
    )
    # Which path the export takes: "copy" (PostgreSQL) or "python" (SQLite, or a column SQL
    # cannot render), so a run never measures the slow path by surprise.
    maker = RowMaker(owner, "contacts", export.columns)
    path = "python" if copy_statement(export, maker) is None else "copy"
    started = time.perf_counter()
    # What `guanxi export contacts /dev/null` does: a UTF-8 text file that discards.
    with open(os.devnull, "w", encoding="utf-8", newline="") as sink:
        rows = csv_write(export, sink)
    seconds = time.perf_counter() - started
    copy_rows, copy_seconds = _baseline(workspace)
    return {
        "rows": rows,
        "columns": [c.key for c in export.columns],
        "seconds": round(seconds, 3),
        "rows_per_s": round(rows / seconds),
        "copy_rows": copy_rows,
        "copy_seconds": round(copy_seconds, 3),
        "copy_rows_per_s": round(copy_rows / copy_seconds),
        "ratio_to_copy": round(copy_seconds / seconds, 3),
        "engine": connection.vendor,
        "path": path,
        # The process's peak, which includes everything before the export.
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
