from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from guanxi.core.errors import GuanxiError
from guanxi.core.models import Membership
from guanxi.dataio.commands import command_actor, command_error, workspace_locale
from guanxi.dataio.models import DuplicateMode, ImportJob, ImportStatus
from guanxi.dataio.selectors import describe_errors, error_labels
from guanxi.dataio.services.imports import import_create
from guanxi.dataio.services.processing import run_import

SHOWN_ERRORS = 20


class Command(BaseCommand):
    help = (
        "Import accounts or contacts from a CSV or XLSX file: "
        "`guanxi import contacts FILE --workspace SLUG [--dry-run]`. Runs here, not in the "
        "background; acts as the workspace owner unless --email names a member."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("object_type", choices=["accounts", "contacts"])
        parser.add_argument("file")
        parser.add_argument("--workspace", required=True, help="slug of the workspace")
        parser.add_argument("--email", help="act as this member (default: the workspace owner)")
        parser.add_argument(
            "--dry-run", action="store_true", help="check every row, change nothing"
        )
        parser.add_argument(
            "--duplicates",
            choices=DuplicateMode.values,
            default=DuplicateMode.SKIP,
            help="what to do with rows matching an existing record (default: skip)",
        )
        parser.add_argument(
            "--mapping",
            help='JSON {"column header": "field"} or a path to a JSON file; '
            "unnamed columns keep the guessed mapping",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        actor = command_actor(options["workspace"], options.get("email"))
        with workspace_locale(actor):
            self._run(actor, options)

    def _run(self, actor: Membership, options: dict[str, Any]) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        mapping = self._mapping(options.get("mapping"))
        try:
            with path.open("rb") as upload:
                job = import_create(
                    actor=actor,
                    object_type=options["object_type"],
                    upload=upload,
                    filename=path.name,
                    size=path.stat().st_size,
                    mapping=mapping,
                    duplicate_mode=options["duplicates"],
                    dry_run=options["dry_run"],
                    background=False,
                )
        except GuanxiError as error:
            raise command_error(error)
        mapped = {h: t for h, t in job.mapping.items() if t}
        self.stdout.write(
            f"Import #{job.pk}: {path.name} ({job.file_format}"
            f"{', ' + job.encoding if job.encoding else ''}) into {job.object_type}"
            f"{' — dry run' if job.dry_run else ''}"
        )
        self.stdout.write("Columns: " + ", ".join(f"{h} → {t}" for h, t in mapped.items()))
        finished = run_import(job.pk, on_batch=self._progress)
        job = finished or ImportJob.objects.get(pk=job.pk)
        self._summary(job)
        if job.status != ImportStatus.DONE:
            raise CommandError(f"The import {job.get_status_display().lower()}: {job.error}")

    def _mapping(self, raw: str | None) -> dict[str, str] | None:
        if not raw:
            return None
        text = Path(raw).read_text(encoding="utf-8") if Path(raw).is_file() else raw
        try:
            value = json.loads(text)
        except ValueError as error:
            raise CommandError(f"--mapping is not valid JSON: {error}")
        if not isinstance(value, dict):
            raise CommandError("--mapping must be a JSON object")
        return value

    def _progress(self, job: ImportJob) -> None:
        total = f" of {job.total_rows:,}" if job.total_rows else ""
        self.stderr.write(f"  {job.processed_rows:,}{total} rows")

    def _summary(self, job: ImportJob) -> None:
        verb = "would be " if job.dry_run else ""
        self.stdout.write(
            f"{job.processed_rows:,} rows: {job.created_count:,} {verb}created, "
            f"{job.updated_count:,} {verb}updated, {job.skipped_count:,} skipped, "
            f"{job.failed_count:,} failed."
        )
        if not job.failed_count:
            return
        labels = error_labels(job)
        self.stdout.write("First errors:")
        rows = job.rows.filter(status="failed").order_by("row_number")[:SHOWN_ERRORS]
        for row in rows:
            self.stdout.write(f"  row {row.row_number}: {describe_errors(row.errors, labels)}")
        if job.failed_count > SHOWN_ERRORS:
            self.stdout.write(f"  … and {job.failed_count - SHOWN_ERRORS:,} more")
