"""Accounts and contacts get lists of other phones and emails, and the indexes the duplicate
check reads them through: only records that have such values are indexed (most have none, and
an import of a million rows should not pay for empty lists)."""

from django.db import migrations, models

TABLES = ("customers_account", "customers_contact")
COLUMNS = ("other_phones", "other_emails")


def _index_name(table: str, column: str) -> str:
    return f"{table.removeprefix('customers_')}_{column}"


def create_indexes(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        for column in COLUMNS:
            name = _index_name(table, column)
            if vendor == "postgresql":
                # GIN serves `?|` (any of these values); the record's workspace is checked on the
                # few rows found.
                schema_editor.execute(
                    f"CREATE INDEX {name} ON {table} USING gin ({column}) "
                    f"WHERE {column} <> '[]'::jsonb"
                )
            else:
                # SQLite cannot index inside JSON: the workspace's records that have a list,
                # searched with json_each.
                schema_editor.execute(
                    f"CREATE INDEX {name} ON {table} (workspace_id) WHERE {column} <> '[]'"
                )


def drop_indexes(apps, schema_editor):
    for table in TABLES:
        for column in COLUMNS:
            schema_editor.execute(f"DROP INDEX IF EXISTS {_index_name(table, column)}")


class Migration(migrations.Migration):
    dependencies = [("customers", "0006_contact_account_index_by_name")]

    operations = [
        migrations.AddField(
            model_name="account",
            name="other_phones",
            field=models.JSONField(blank=True, default=list, verbose_name="other phones"),
        ),
        migrations.AddField(
            model_name="account",
            name="other_emails",
            field=models.JSONField(blank=True, default=list, verbose_name="other emails"),
        ),
        migrations.AddField(
            model_name="contact",
            name="other_phones",
            field=models.JSONField(blank=True, default=list, verbose_name="other phones"),
        ),
        migrations.AddField(
            model_name="contact",
            name="other_emails",
            field=models.JSONField(blank=True, default=list, verbose_name="other emails"),
        ),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
