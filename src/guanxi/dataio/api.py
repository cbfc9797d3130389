"""REST endpoints: /imports (upload, status, row results, error file, cancel, resume, run a dry
run for real) and /exports/accounts, /exports/contacts."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.http import HttpRequest, StreamingHttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status, UploadedFile

from guanxi.core.apikit import PageOut, clamp_limit, permission
from guanxi.core.errors import PermissionDenied, ValidationFailed
from guanxi.core.models import Membership
from guanxi.customers.listing import ListQuery

from . import selectors
from .cells import csv_stream
from .mapping import IMPORTABLE
from .models import ImportJob, ImportRowResult
from .services import exports as export_services
from .services import imports as import_services

router = Router()
EXPORT_RESERVED = {"format", "columns", "q", "sort", "limit", "cursor"}


def _member(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined,no-any-return]


class ImportJobOut(Schema):
    id: int
    object_type: str
    status: str
    dry_run: bool
    original_filename: str
    file_format: str
    encoding: str
    headers: list[str]
    mapping: dict[str, str]
    duplicate_mode: str
    total_rows: int | None = None
    processed_rows: int
    progress: float
    created: int
    updated: int
    skipped: int
    failed: int
    error: str
    cancel_requested: bool
    source_job_id: int | None = None
    created_by_id: int | None = None
    version: int
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None


class ImportRowOut(Schema):
    row_number: int
    status: str
    record_id: int | None = None
    errors: dict[str, list[str]]
    message: str
    values: list[str]


def job_out(job: ImportJob) -> dict[str, Any]:
    return {
        "id": job.pk,
        "object_type": job.object_type,
        "status": job.status,
        "dry_run": job.dry_run,
        "original_filename": job.original_filename,
        "file_format": job.file_format,
        "encoding": job.encoding,
        "headers": job.headers,
        "mapping": job.mapping,
        "duplicate_mode": job.duplicate_mode,
        "total_rows": job.total_rows,
        "processed_rows": job.processed_rows,
        "progress": job.progress,
        "created": job.created_count,
        "updated": job.updated_count,
        "skipped": job.skipped_count,
        "failed": job.failed_count,
        "error": job.error,
        "cancel_requested": job.cancel_requested,
        "source_job_id": job.source_job_id,
        "created_by_id": job.created_by_id,
        "version": job.version,
        "created_at": job.created_at,
        "updated_at": job.updated_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
    }


def row_out(row: ImportRowResult) -> dict[str, Any]:
    return {
        "row_number": row.row_number,
        "status": row.status,
        "record_id": row.record_id,
        "errors": row.errors,
        "message": row.message,
        "values": [str(v) for v in row.values or []],
    }


def _mapping(raw: str | None) -> dict[str, Any] | None:
    if raw is None or not raw.strip():
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        raise ValidationFailed(fields={"mapping": [_("Send the mapping as a JSON object.")]})
    if not isinstance(value, dict):
        raise ValidationFailed(fields={"mapping": [_("Send the mapping as a JSON object.")]})
    return value


# --- Imports --------------------------------------------------------------------------------------


@router.post(
    "/imports",
    response={201: ImportJobOut},
    tags=["imports"],
    openapi_extra=permission(None, None),
)
def create_import(
    request: HttpRequest,
    file: UploadedFile | None = File(None),  # type: ignore[type-arg]  # noqa: B008
    object_type: str | None = Form(None),  # noqa: B008
    mapping: str | None = Form(None),  # noqa: B008
    duplicate_mode: str = Form("skip"),  # noqa: B008
    dry_run: bool = Form(False),  # noqa: B008
    template_id: int | None = Form(None),  # noqa: B008
) -> Any:
    """Upload a CSV (UTF-8, UTF-8 with BOM, GBK/GB18030) or XLSX file as multipart form data and
    start its import in the background. Needs the `import` and `create` permissions of
    `object_type` (accounts or contacts); `duplicate_mode=update` also needs `edit`.

    `mapping` is a JSON object {column header: field} ("custom.<key>" for custom fields, "" to
    leave a column out); columns it does not name keep the mapping guessed from their headers
    (English and Chinese: 姓名, 手机, 邮箱, 公司 …). `dry_run=true` checks every row and reports
    what would happen without changing anything. Poll GET /imports/{id} for progress."""
    actor = _member(request)
    if not import_services.may_import_anything(actor):
        raise PermissionDenied()
    if object_type in IMPORTABLE:
        import_services.require_import(actor, object_type)
    if file is None or file.file is None:
        raise ValidationFailed(fields={"file": [_("Upload a CSV or XLSX file.")]})
    template = (
        selectors.template_get(actor=actor, id=template_id, object_type=object_type)
        if template_id
        else None
    )
    job = import_services.import_create(
        actor=actor,
        object_type=object_type,
        upload=file.file,
        filename=file.name or "",
        size=file.size,
        mapping=_mapping(mapping),
        template=template,
        duplicate_mode=duplicate_mode,
        dry_run=dry_run,
    )
    job.refresh_from_db()
    return Status(201, job_out(job))


@router.get(
    "/imports",
    response=PageOut[ImportJobOut],
    tags=["imports"],
    openapi_extra=permission(None, None),
)
def list_imports(
    request: HttpRequest, limit: int = 50, cursor: str | None = None, object_type: str = ""
) -> Any:
    """The imports the member may see, newest first: their own, and with `imports.view`
    everyone's within their data scope."""
    page = selectors.import_list(
        actor=_member(request), cursor=cursor, limit=clamp_limit(limit), object_type=object_type
    )
    page["items"] = [job_out(job) for job in page["items"]]
    return page


@router.get(
    "/imports/{id}",
    response=ImportJobOut,
    tags=["imports"],
    openapi_extra=permission(None, None),
)
def read_import(request: HttpRequest, id: int) -> Any:
    """Status, progress (per cent of rows) and counts."""
    return job_out(selectors.import_get(actor=_member(request), id=id))


@router.get(
    "/imports/{id}/rows",
    response=PageOut[ImportRowOut],
    tags=["imports"],
    openapi_extra=permission(None, None),
)
def import_rows(
    request: HttpRequest,
    id: int,
    status: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> Any:
    """Row results in file order (`status=failed` for the errors, with field names and the
    values as read). A dry run lists the rows that would not simply be created."""
    actor = _member(request)
    job = selectors.import_get(actor=actor, id=id)
    page = selectors.import_rows(
        actor=actor, job=job, status=status, cursor=cursor, limit=clamp_limit(limit)
    )
    page["items"] = [row_out(row) for row in page["items"]]
    return page


@router.get(
    "/imports/{id}/errors.csv",
    tags=["imports"],
    openapi_extra=permission(None, None),
)
def import_errors(request: HttpRequest, id: int) -> Any:
    """The failed rows as CSV (UTF-8 with BOM): row number, the original cells, the errors —
    fix them and import this file again."""
    job = selectors.import_get(actor=_member(request), id=id)
    return errors_response(job)


def errors_response(job: ImportJob) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        csv_stream(selectors.error_header(job), selectors.error_rows(job)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-errors.csv"'
    return response


@router.post(
    "/imports/{id}/cancel",
    response=ImportJobOut,
    tags=["imports"],
    openapi_extra=permission(None, None),
)
def cancel_import(request: HttpRequest, id: int) -> Any:
    """A queued import is cancelled at once, a running one after its current batch."""
    actor = _member(request)
    job = import_services.import_cancel(actor=actor, job=selectors.import_get(actor=actor, id=id))
    job.refresh_from_db()
    return job_out(job)


@router.post(
    "/imports/{id}/resume",
    response=ImportJobOut,
    tags=["imports"],
    openapi_extra=permission(None, None),
)
def resume_import(request: HttpRequest, id: int) -> Any:
    """Continue a failed or stalled import from its checkpoint (no row is imported twice)."""
    actor = _member(request)
    job = import_services.import_resume(actor=actor, job=selectors.import_get(actor=actor, id=id))
    job.refresh_from_db()
    return job_out(job)


@router.post(
    "/imports/{id}/run",
    response={201: ImportJobOut},
    tags=["imports"],
    openapi_extra=permission(None, None),
)
def run_dry_run(request: HttpRequest, id: int) -> Any:
    """Import for real what a finished dry run checked: a new import of the same file with the
    same mapping (201 with the new job)."""
    actor = _member(request)
    job = import_services.import_commit(actor=actor, job=selectors.import_get(actor=actor, id=id))
    job.refresh_from_db()
    return Status(201, job_out(job))


# --- Exports --------------------------------------------------------------------------------------


def _export_route(object_type: str) -> None:
    @router.get(
        f"/exports/{object_type}",
        tags=["exports"],
        openapi_extra=permission(object_type, "export"),
        operation_id=f"export_{object_type}",
    )
    def export(
        request: HttpRequest,
        format: str = "csv",
        columns: str | None = None,
        q: str | None = None,
        sort: str | None = None,
    ) -> Any:
        """What GET /{object_type} lists — the same filters as query parameters, `q`, `sort` —
        as CSV (streamed, UTF-8 with BOM) or XLSX. `columns` is a comma-separated list of the
        list's column keys (name, owner, level, mobile, tags, custom.<key> …); fields hidden
        from the member's role are left out. Formulas are neutralized; the export is audited."""
        filters = {k: v for k, v in request.GET.items() if k not in EXPORT_RESERVED}
        wanted = [c.strip() for c in (columns or "").split(",") if c.strip()]
        export = export_services.export_prepare(
            actor=_member(request),
            object_type=object_type,
            query=ListQuery(q=q or "", filters=filters, sort=sort or "-id"),
            columns=wanted or None,
            file_format=format,
        )
        return export_services.export_response(export)


_export_route("accounts")
_export_route("contacts")
