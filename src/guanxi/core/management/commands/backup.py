from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from guanxi.core.backup import BackupError, create_backup


class Command(BaseCommand):
    help = (
        "Write one consistent snapshot of the database and the media directory to FILE "
        "(a tar archive; .tar.gz to compress). Safe while Guanxi runs."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the archive to create (must not exist)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = create_backup(options["file"])
        except BackupError as exc:
            raise CommandError(str(exc))
        rows = sum(manifest["row_counts"].values())
        media = sum(1 for name in manifest["files"] if name.startswith("media/"))
        self.stdout.write(
            f"Backed up {manifest['database']['vendor']} ({len(manifest['row_counts'])} tables, "
            f"{rows} rows) and {media} media files to {options['file']}"
        )
