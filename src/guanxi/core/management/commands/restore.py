from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from guanxi.core.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Restore a `guanxi backup` archive into an empty database and media directory, then "
        "verify the row count of every table. Refuses damaged or foreign files."
    )
    # The target is empty on purpose; Django's system checks would query tables that are not
    # there yet.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the archive made by `guanxi backup`")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = restore_backup(options["file"])
        except BackupError as exc:
            raise CommandError(str(exc))
        manifest = result.manifest
        rows = sum(manifest["row_counts"].values())
        self.stdout.write(
            f"Restored the backup of {manifest['created_at']}: {len(manifest['row_counts'])} "
            f"tables, {rows} rows (row counts verified) and {result.media_files} media files."
        )
        if result.unknown_migrations:
            self.stderr.write(
                "Warning: the backup comes from a newer Guanxi; its migrations "
                f"{', '.join(result.unknown_migrations[:5])} are unknown to this version."
            )
        if result.pending_migrations:
            self.stdout.write(
                f"{len(result.pending_migrations)} migrations of this version are not applied "
                "yet: run `guanxi migrate` (`guanxi serve` does it on start)."
            )
