"""Imports of accounts and contacts (CSV and XLSX), their per-row results and saved mappings.

An import is a background job that works through its file in batches. Each batch is one
transaction that writes the records, their row results and the job's `processed_rows`, so that
counter is the checkpoint: a job that stopped (a crash, a deploy, a killed worker) resumes from
it without writing any row twice. Exports are streamed straight to the client and leave only an
audit event.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.models import TenantModel


class ImportStatus(models.TextChoices):
    # Uploaded, waiting for the member to check the column mapping (the UI's second step).
    DRAFT = "draft", _("Waiting for mapping")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


UNFINISHED = (ImportStatus.DRAFT, ImportStatus.QUEUED, ImportStatus.RUNNING)


class DuplicateMode(models.TextChoices):
    SKIP = "skip", _("Skip rows that match an existing record")
    UPDATE = "update", _("Update the existing record")
    CREATE = "create", _("Create a new record anyway")


class RowStatus(models.TextChoices):
    CREATED = "created", pgettext_lazy("import result", "Created")
    UPDATED = "updated", pgettext_lazy("import result", "Updated")
    SKIPPED = "skipped", _("Skipped")
    FAILED = "failed", _("Failed")


def import_upload_to(instance: ImportJob, filename: str) -> str:
    """A generated name: nothing of the uploader's file name reaches the file system."""
    extension = "xlsx" if instance.file_format == "xlsx" else "csv"
    return f"imports/{instance.workspace_id}/{uuid.uuid4().hex}.{extension}"


class ImportJob(TenantModel):
    object_type = models.CharField(max_length=40)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Emptied when the file is purged (IMPORT_FILE_DAYS after the import); the results stay.
    file = models.FileField(upload_to=import_upload_to, max_length=255, blank=True)
    original_filename = models.CharField(_("file"), max_length=255)
    file_size = models.BigIntegerField(default=0)
    file_format = models.CharField(max_length=10)  # csv | xlsx
    encoding = models.CharField(max_length=30, blank=True)  # detected (CSV only)
    delimiter = models.CharField(max_length=1, blank=True)
    # The header row as read (made unique: a repeated header gets " (2)").
    headers = models.JSONField(default=list, blank=True)
    # {column header: field name, "custom.<key>" or "" (not imported)}
    mapping = models.JSONField(default=dict, blank=True)
    duplicate_mode = models.CharField(
        _("duplicates"), max_length=10, choices=DuplicateMode.choices, default=DuplicateMode.SKIP
    )
    dry_run = models.BooleanField(_("dry run"), default=True)
    # The language of whoever started it (their UI; the workspace's for `guanxi import`): its
    # row errors and notes are written in it. Blank on older jobs: the workspace's language.
    language = models.CharField(max_length=10, blank=True, default="")
    # The dry run this import was started from (its file and mapping are reused).
    source_job = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.DRAFT
    )
    cancel_requested = models.BooleanField(default=False)
    total_rows = models.PositiveIntegerField(null=True, blank=True)
    # Rows finished and committed: the checkpoint a resumed job starts from.
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    failed_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Written with every batch; a running job whose heartbeat is old has lost its worker.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # Which worker holds the job: a worker that finds another's token has been taken over.
    worker_token = models.CharField(max_length=32, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        indexes = [
            models.Index(fields=["workspace", "-id"], name="importjob_ws_id"),
            models.Index(fields=["workspace", "created_by", "-id"], name="importjob_ws_creator"),
            models.Index(fields=["status", "heartbeat_at"], name="importjob_status_beat"),
        ]

    def __str__(self) -> str:
        return self.original_filename

    @property
    def is_finished(self) -> bool:
        return self.status not in UNFINISHED

    @property
    def progress(self) -> float:
        """Per cent of the rows processed (0 until the rows are counted)."""
        if self.status == ImportStatus.DONE:
            return 100.0
        if not self.total_rows:
            return 0.0
        return min(100.0, round(self.processed_rows * 100 / self.total_rows, 1))

    def counts(self) -> dict[str, Any]:
        return {
            "total": self.total_rows,
            "processed": self.processed_rows,
            "created": self.created_count,
            "updated": self.updated_count,
            "skipped": self.skipped_count,
            "failed": self.failed_count,
        }


class ImportRowResult(TenantModel):
    """What happened to one row of an import (or, in a dry run, what would happen). A real run
    keeps every row; a dry run keeps the rows that would not simply be created."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rows")
    # As the spreadsheet numbers it: the header is row 1.
    row_number = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=RowStatus.choices)
    # The record created or updated, or the existing record a skipped row matched.
    record_id = models.BigIntegerField(null=True, blank=True)
    # {field: [messages]}; field names as in the API ("mobile", "owner_id", "custom.budget").
    errors = models.JSONField(default=dict, blank=True)
    # Why a row was skipped or matched, and notes (an account name that was not found).
    message = models.CharField(max_length=255, blank=True)
    # The row's cells as read, for failed rows (the error file lets people fix and re-import).
    values = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "job", "row_number"], name="importrow_unique_row"
            )
        ]
        indexes = [
            models.Index(
                fields=["workspace", "job", "status", "row_number"], name="importrow_status"
            )
        ]


class ImportKey(TenantModel):
    """A duplicate key (normalized mobile, email, credit code …) of a row a dry run would create
    or update, so later batches find in-file duplicates the way a real run finds the records it
    has already written. Deleted when the dry run ends."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=300)
    row_number = models.PositiveIntegerField()
    record_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "job", "key"], name="importkey_job_key")]


class ImportTemplate(TenantModel):
    """A saved column mapping for one object type, shared in the workspace."""

    object_type = models.CharField(max_length=40)
    name = models.CharField(_("name"), max_length=80)
    mapping = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("import template")
        verbose_name_plural = _("import templates")
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "object_type", "name"], name="importtemplate_unique_name"
            )
        ]

    def __str__(self) -> str:
        return self.name
