"""Starting, confirming, cancelling and resuming imports, and saved mappings (templates).

The work itself runs in the background (`tasks.run_import_task` → processing.run_import);
these services check who may do what, keep the job's state consistent and enqueue the task
after the transaction commits, so a worker never sees a job that is not there yet.
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from guanxi.core.errors import Conflict, GuanxiError, PermissionDenied, ValidationFailed
from guanxi.core.models import Membership
from guanxi.core.permissions import can, require
from guanxi.customers.services.records import clean_text, lookups

from .. import mapping as mapping_rules
from .. import readers
from ..models import DuplicateMode, ImportJob, ImportStatus, ImportTemplate

DEFAULT_MAX_UPLOAD_BYTES = 200 * 1024 * 1024
STALL_SECONDS = 300


class FileTooLarge(GuanxiError):
    status = 413
    code = "payload_too_large"


def max_upload_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES))


def stall_seconds() -> int:
    return int(getattr(settings, "IMPORT_STALL_SECONDS", STALL_SECONDS))


def _object_type(value: Any) -> str:
    if value not in mapping_rules.IMPORTABLE:
        raise ValidationFailed(
            fields={"object_type": [_("Choose what to import: accounts or contacts.")]}
        )
    return str(value)


def _duplicate_mode(actor: Membership, object_type: str, value: Any) -> str:
    if value not in DuplicateMode.values:
        raise ValidationFailed(fields={"duplicate_mode": [_("Choose skip, update or create.")]})
    if value == DuplicateMode.UPDATE:
        require(actor, object_type, "edit")
    return str(value)


def require_import(actor: Membership, object_type: str) -> None:
    """Importing creates records: it needs the import and the create permission."""
    require(actor, object_type, "import")
    require(actor, object_type, "create")


def may_import_anything(actor: Membership) -> bool:
    return any(
        can(actor, t, "import") and can(actor, t, "create") for t in mapping_rules.IMPORTABLE
    )


def enqueue(job: ImportJob) -> None:
    from ..tasks import run_import_task

    job_id = job.pk
    transaction.on_commit(lambda: run_import_task.enqueue(job_id))


def _check_size(size: int | None) -> None:
    limit = max_upload_bytes()
    if size is not None and size > limit:
        raise FileTooLarge(
            _("The file is larger than %(limit)d MB.") % {"limit": limit // (1024 * 1024)}
        )


@transaction.atomic
def import_create(
    *,
    actor: Membership,
    object_type: Any,
    upload: IO[bytes],
    filename: str,
    size: int | None = None,
    mapping: dict[str, Any] | None = None,
    template: ImportTemplate | None = None,
    duplicate_mode: Any = DuplicateMode.SKIP,
    dry_run: bool = True,
    start: bool = True,
    background: bool = True,
) -> ImportJob:
    """Store an uploaded file as a new import. The file is checked first (size, format,
    encoding, a header row) and refused with a clear error if it cannot be read; the mapping is
    guessed from the headers, a template's and the caller's choices winning.

    `start=False` leaves a draft for the member to check the mapping (the UI); otherwise the
    mapping must be complete and the job is queued (and, with `background`, enqueued after the
    commit; the command line runs it itself)."""
    object_type = _object_type(object_type)
    require_import(actor, object_type)
    duplicate_mode = _duplicate_mode(actor, object_type, duplicate_mode)
    if template is not None and template.object_type != object_type:
        raise ValidationFailed(fields={"template_id": [_("This template is for another type.")]})
    if size is None:
        upload.seek(0, os.SEEK_END)
        size = upload.tell()
        upload.seek(0)
    _check_size(size)
    info = readers.detect(upload, filename)
    headers = readers.open_table(upload, info).headers
    custom_fields = lookups(actor).custom_fields(object_type)
    chosen = mapping_rules.guess(object_type, headers, custom_fields)
    if template is not None:
        chosen = mapping_rules.apply_template(headers, template.mapping, chosen)
    if mapping is not None:
        if not isinstance(mapping, dict):
            raise ValidationFailed(
                fields={"mapping": [_("Send an object of column names and field names.")]}
            )
        # Fields the caller chose win; a guess for another column that collides is dropped.
        chosen_targets = {v for v in mapping.values() if v}
        chosen = {h: ("" if t in chosen_targets else t) for h, t in chosen.items()}
        chosen.update(mapping)
    if start:
        chosen = mapping_rules.check(
            actor=actor,
            object_type=object_type,
            headers=headers,
            mapping=chosen,
            custom_fields=custom_fields,
        )
    job = ImportJob(
        workspace_id=actor.workspace_id,
        object_type=object_type,
        created_by_id=actor.user_id,
        original_filename=os.path.basename(filename or "import")[:255] or "import",
        file_size=size,
        file_format=info.file_format,
        encoding=info.encoding,
        delimiter=info.delimiter,
        headers=headers,
        mapping={h: chosen.get(h) or "" for h in headers},
        duplicate_mode=duplicate_mode,
        dry_run=dry_run,
        status=ImportStatus.QUEUED if start else ImportStatus.DRAFT,
        language=translation.get_language() or "",
    )
    upload.seek(0)
    job.file.save("upload", File(upload), save=False)
    job.save()
    if start and background:
        enqueue(job)
    return job


def _require_creator(actor: Membership, job: ImportJob) -> None:
    if job.created_by_id != actor.user_id:
        raise PermissionDenied(_("Only the member who uploaded this file can start its import."))


@transaction.atomic
def import_start(
    *,
    actor: Membership,
    job: ImportJob,
    mapping: dict[str, Any],
    duplicate_mode: Any,
    dry_run: bool,
) -> ImportJob:
    """Start a draft with the mapping the member checked (the UI's "dry run" / "import")."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    _require_creator(actor, job)
    require_import(actor, job.object_type)
    if job.status != ImportStatus.DRAFT:
        raise Conflict(_("This import has already started."))
    job.duplicate_mode = _duplicate_mode(actor, job.object_type, duplicate_mode)
    job.mapping = mapping_rules.check(
        actor=actor,
        object_type=job.object_type,
        headers=job.headers,
        mapping=mapping,
        custom_fields=lookups(actor).custom_fields(job.object_type),
    )
    job.dry_run = dry_run
    job.status = ImportStatus.QUEUED
    job.version += 1
    job.save(
        update_fields=["duplicate_mode", "mapping", "dry_run", "status", "version", "updated_at"]
    )
    enqueue(job)
    return job


@transaction.atomic
def import_commit(*, actor: Membership, job: ImportJob) -> ImportJob:
    """The real import of a finished dry run: a new job with the same file, mapping and
    duplicate handling. Refused while an import of this dry run is under way or done."""
    require_import(actor, job.object_type)
    if job.duplicate_mode == DuplicateMode.UPDATE:
        require(actor, job.object_type, "edit")
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if not job.dry_run or job.status != ImportStatus.DONE:
        raise Conflict(_("Only a finished dry run can be imported."))
    earlier = (
        ImportJob.objects.filter(workspace_id=job.workspace_id, source_job=job)
        .exclude(status__in=(ImportStatus.FAILED, ImportStatus.CANCELLED))
        .first()
    )
    if earlier is not None:
        raise Conflict(
            _("This file has already been imported (import #%(id)s).") % {"id": earlier.pk},
            job_id=earlier.pk,
        )
    if not job.file:
        raise Conflict(_("The uploaded file has been removed; upload it again."))
    real = ImportJob.objects.create(
        workspace_id=job.workspace_id,
        object_type=job.object_type,
        created_by_id=actor.user_id,
        file=job.file.name,
        original_filename=job.original_filename,
        file_size=job.file_size,
        file_format=job.file_format,
        encoding=job.encoding,
        delimiter=job.delimiter,
        headers=job.headers,
        mapping=job.mapping,
        duplicate_mode=job.duplicate_mode,
        dry_run=False,
        language=translation.get_language() or job.language,
        source_job=job,
        status=ImportStatus.QUEUED,
        total_rows=job.total_rows,
    )
    enqueue(real)
    return real


@transaction.atomic
def import_cancel(*, actor: Membership, job: ImportJob) -> ImportJob:
    """A job that has not started is cancelled at once; a running one stops after the batch it
    is in (what is committed stays: the result lists it)."""
    require(actor, job.object_type, "import")
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status in (ImportStatus.DRAFT, ImportStatus.QUEUED):
        job.status = ImportStatus.CANCELLED
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "finished_at", "updated_at"])
    elif job.status == ImportStatus.RUNNING:
        job.cancel_requested = True
        job.save(update_fields=["cancel_requested", "updated_at"])
    else:
        raise Conflict(_("This import has already finished."))
    return job


def is_stalled(job: ImportJob, now: Any = None) -> bool:
    if job.status != ImportStatus.RUNNING:
        return False
    now = now or timezone.now()
    beat = job.heartbeat_at or job.started_at or job.created_at
    return beat < now - timedelta(seconds=stall_seconds())


@transaction.atomic
def import_resume(*, actor: Membership, job: ImportJob) -> ImportJob:
    """Continue a failed import, or one whose worker stopped (no heartbeat for
    IMPORT_STALL_SECONDS), from its checkpoint. Rows already committed are not read again."""
    require_import(actor, job.object_type)
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if not (job.status == ImportStatus.FAILED or is_stalled(job)):
        raise Conflict(_("Only a failed or stalled import can be resumed."))
    if job.cancel_requested:
        raise Conflict(_("This import was cancelled."))
    _requeue(job)
    return job


def _requeue(job: ImportJob) -> None:
    # A new token at claim time: a worker that was presumed dead and wakes up loses its lease
    # at its next checkpoint instead of writing alongside the new one.
    job.status = ImportStatus.QUEUED
    job.worker_token = ""
    job.error = ""
    job.finished_at = None
    job.save(update_fields=["status", "worker_token", "error", "finished_at", "updated_at"])
    enqueue(job)


def resume_stalled() -> list[int]:
    """Requeue every running job whose worker has gone quiet (the periodic job)."""
    limit = timezone.now() - timedelta(seconds=stall_seconds())
    resumed = []
    candidates = ImportJob.objects.filter(
        status=ImportStatus.RUNNING, heartbeat_at__lt=limit, cancel_requested=False
    ).values_list("pk", flat=True)
    for job_id in list(candidates[:100]):
        with transaction.atomic():
            job = ImportJob.objects.select_for_update().filter(pk=job_id).first()
            if job is not None and is_stalled(job):
                _requeue(job)
                resumed.append(job_id)
    return resumed


def purge_old_files(days: int | None = None) -> int:
    """Delete uploaded files of imports finished more than IMPORT_FILE_DAYS ago (the results
    stay). A file shared with a newer job (a dry run and its import) waits for that job."""
    days = days if days is not None else int(getattr(settings, "IMPORT_FILE_DAYS", 7))
    limit = timezone.now() - timedelta(days=days)
    removed = 0
    old = (
        ImportJob.objects.filter(finished_at__lt=limit)
        .exclude(file="")
        .values_list("pk", "file")[:500]
    )
    for job_id, name in list(old):
        in_use = (
            ImportJob.objects.filter(file=name)
            .exclude(pk=job_id)
            .filter(finished_at__isnull=True)
            .exists()
        ) or ImportJob.objects.filter(file=name, finished_at__gte=limit).exists()
        if in_use:
            continue
        ImportJob.objects.filter(file=name).update(file="")
        from django.core.files.storage import default_storage

        default_storage.delete(name)
        removed += 1
    return removed


# --- Templates ---------------------------------------------------------------------------------


@transaction.atomic
def template_save(
    *, actor: Membership, object_type: Any, name: Any, mapping: Any
) -> ImportTemplate:
    """Save (or replace, by name) a mapping for the workspace's later imports of this type."""
    object_type = _object_type(object_type)
    require(actor, object_type, "import")
    clean_name = clean_text(name, field="name", limit=80, required=True)
    if not isinstance(mapping, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()
    ):
        raise ValidationFailed(
            fields={"mapping": [_("Send an object of column names and field names.")]}
        )
    known = {
        t.key
        for t in mapping_rules.targets_for(object_type, lookups(actor).custom_fields(object_type))
    }
    clean_mapping = {k[:200]: v for k, v in mapping.items() if not v or v in known}
    template, _created = ImportTemplate.objects.update_or_create(
        workspace_id=actor.workspace_id,
        object_type=object_type,
        name=clean_name,
        defaults={"mapping": clean_mapping, "created_by_id": actor.user_id},
    )
    return template


@transaction.atomic
def template_delete(*, actor: Membership, template: ImportTemplate) -> None:
    require(actor, template.object_type, "import")
    template.delete()
