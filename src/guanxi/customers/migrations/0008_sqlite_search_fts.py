"""SQLite only: an FTS5 trigram index over `search_text`, `name_pinyin` and `name_initials` of
accounts and contacts, so search by a substring (phone fragments, email parts, names of three
characters or more) or by a pinyin / initials prefix of three or more reads an index instead of
scanning the workspace — and as one index, so a query's hits come as one list of ids that a
page sorted by id can stop reading early. PostgreSQL has its pg_trgm GIN indexes (0002) and
btree prefix indexes; there this is a no-op.

Each index is an external-content FTS5 table (`content=` the record table, rowid = the record's
id): it stores only the trigram index, never a second copy of the text, and the search joins
its hits to the records by primary key. Triggers keep it in step with every write, including
the plain INSERTs of seeding and imports and the UPDATEs of bulk_update; the 'delete' command
needs the values as they were indexed, which the UPDATE and DELETE triggers pass from `old`.
A contentless table (content='') with `workspace_id UNINDEXED` would not help: SQLite before
3.47 stores no column values for it, and filtering the workspace inside the index costs the
same lookup by rowid as joining the record, which the data scope needs anyway.

`case_sensitive 1`: the search columns are case-folded when they are written and queries are
case-folded too, so matching code points exactly is the same as the LIKE it replaces.
`columnsize=0`: no per-row size table (it only serves ranking, which search does not do), one
write less per row.

Note for later migrations: SQLite rebuilds a table for most AlterField/AddField operations
(copy, DROP, rename), and dropping the table drops its triggers. A migration that does that to
customers_account or customers_contact must create the triggers again (the statements below)
and rebuild the index; tests/customers/test_search_fts.py fails when the triggers are missing.
"""

from django.db import migrations

TABLES = ("customers_account", "customers_contact")
COLUMNS = ("search_text", "name_pinyin", "name_initials")
# The trigram tokenizer arrived in SQLite 3.34.0 (December 2020).
TRIGRAM_SINCE = (3, 34, 0)


def _create_statements(table):
    fts = f"{table}_fts"
    columns = ", ".join(COLUMNS)
    new = ", ".join(f"new.{column}" for column in COLUMNS)
    old = ", ".join(f"old.{column}" for column in COLUMNS)
    changed = " OR ".join(f"old.{column} IS NOT new.{column}" for column in COLUMNS)
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({columns}, content='{table}', "
        "content_rowid='id', tokenize='trigram case_sensitive 1', columnsize=0)",
        f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {fts}(rowid, {columns}) VALUES (new.id, {new}); END",
        f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {columns}) VALUES ('delete', old.id, {old}); END",
        # Only when the text changed: a save() of the whole row rewrites the columns unchanged.
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {columns} ON {table} WHEN {changed} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {columns}) VALUES ('delete', old.id, {old}); "
        f"INSERT INTO {fts}(rowid, {columns}) VALUES (new.id, {new}); END",
        # Index the rows already there, in one pass over the table, then merge what that wrote
        # into one b-tree (queries read ~40% faster; about a second per 400,000 rows).
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
        f"INSERT INTO {fts}({fts}) VALUES ('optimize')",
    ]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    database = schema_editor.connection.Database  # the sqlite3 module Django uses
    if database.sqlite_version_info < TRIGRAM_SINCE:
        raise RuntimeError(
            f"Guanxi's search needs SQLite {'.'.join(map(str, TRIGRAM_SINCE))} or newer (FTS5 "
            f"trigram tokenizer); this Python uses SQLite {database.sqlite_version}. Use a newer "
            "Python build or PostgreSQL (DATABASE_URL)."
        )
    for table in TABLES:
        for statement in _create_statements(table):
            schema_editor.execute(statement)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for table in TABLES:
        fts = f"{table}_fts"
        for trigger in ("insert", "delete", "update"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {fts}_{trigger}")
        schema_editor.execute(f"DROP TABLE IF EXISTS {fts}")


class Migration(migrations.Migration):
    dependencies = [("customers", "0007_other_phones_emails")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
