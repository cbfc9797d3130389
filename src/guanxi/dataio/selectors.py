"""Reads of imports, their rows and templates, scoped to what the member may see.

A member sees the imports they started. With the `imports.view` permission (administrators and
sales managers by default) they see everyone's, within their data scope (a manager sees the
imports of their team). Another workspace's import is a 404.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from guanxi.core.apikit import keyset_page
from guanxi.core.errors import NotFound, ValidationFailed
from guanxi.core.models import Membership
from guanxi.core.permissions import can, visible_owner_ids

from . import mapping as mapping_rules
from .models import ImportJob, ImportRowResult, ImportTemplate, RowStatus


def import_queryset(*, actor: Membership) -> QuerySet[ImportJob]:
    base = ImportJob.objects.filter(workspace_id=actor.workspace_id)
    if can(actor, "imports", "view"):
        owners = visible_owner_ids(actor)
        return base if owners is None else base.filter(created_by_id__in=owners)
    return base.filter(created_by_id=actor.user_id)


def import_get(*, actor: Membership, id: int) -> ImportJob:
    job = import_queryset(actor=actor).select_related("created_by").filter(pk=id).first()
    if job is None:
        raise NotFound()
    return job


def import_list(
    *, actor: Membership, cursor: str | None = None, limit: int = 50, object_type: str = ""
) -> dict[str, Any]:
    queryset = import_queryset(actor=actor).select_related("created_by")
    if object_type:
        queryset = queryset.filter(object_type=object_type)
    return keyset_page(queryset, order=["-id"], cursor=cursor, limit=limit)


def import_rows(
    *,
    actor: Membership,
    job: ImportJob,
    status: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> dict[str, Any]:
    """The job's row results in file order, optionally of one status. The caller fetched the job
    through `import_get`."""
    queryset = ImportRowResult.objects.filter(workspace_id=job.workspace_id, job=job)
    if status:
        if status not in RowStatus.values:
            raise ValidationFailed(
                fields={"status": [_("Use created, updated, skipped or failed.")]}
            )
        queryset = queryset.filter(status=status)
    return keyset_page(queryset, order=["row_number"], cursor=cursor, limit=limit)


def error_labels(job: ImportJob) -> dict[str, str]:
    """Field name in row errors → the column header it came from (what the person sees), in
    the file's column order."""
    labels: dict[str, str] = {}
    mapping = job.mapping or {}
    for header in job.headers:
        target = mapping.get(header) or ""
        if not target:
            continue
        labels[target] = header
        if target in ("owner", "account"):
            labels[f"{target}_id"] = header
    return labels


def ordered_errors(errors: dict[str, list[str]], labels: dict[str, str]) -> list[tuple[str, str]]:
    """(column header or "" for the whole row, messages) in the file's column order (stored
    errors lose their order on PostgreSQL)."""
    position = {name: index for index, name in enumerate(labels)}
    names = sorted(errors, key=lambda n: (n != "__all__", position.get(n, len(position)), n))
    return [
        ("" if name == "__all__" else labels.get(name, name), " ".join(map(str, errors[name])))
        for name in names
    ]


def describe_errors(errors: dict[str, list[str]], labels: dict[str, str]) -> str:
    return "; ".join(
        f"{label}: {text}" if label else text for label, text in ordered_errors(errors, labels)
    )


def error_rows(job: ImportJob) -> Iterator[list[Any]]:
    """The failed rows as they were read, for the error file: row number, the cells, the errors.
    Streamed in file order with constant memory."""
    labels = error_labels(job)
    width = len(job.headers)
    rows = (
        ImportRowResult.objects.filter(
            workspace_id=job.workspace_id, job=job, status=RowStatus.FAILED
        )
        .order_by("row_number")
        .values_list("row_number", "values", "errors")
    )
    for row_number, values, errors in rows.iterator(chunk_size=2000):
        cells = list(values or [])[:width]
        cells += [""] * (width - len(cells))
        yield [row_number, *cells, describe_errors(errors or {}, labels)]


def error_header(job: ImportJob) -> list[str]:
    return [_("Row"), *job.headers, _("Errors")]


def template_list(*, actor: Membership, object_type: str) -> list[ImportTemplate]:
    if not can(actor, object_type, "import"):
        return []
    return list(
        ImportTemplate.objects.filter(
            workspace_id=actor.workspace_id, object_type=object_type
        ).order_by("name", "id")
    )


def template_get(*, actor: Membership, id: Any, object_type: str | None = None) -> ImportTemplate:
    try:
        pk = int(id)
    except (TypeError, ValueError):
        raise NotFound()
    queryset = ImportTemplate.objects.filter(workspace_id=actor.workspace_id, pk=pk)
    if object_type:
        queryset = queryset.filter(object_type=object_type)
    template = queryset.first()
    if template is None or not can(actor, template.object_type, "import"):
        raise NotFound()
    return template


def importable_types(actor: Membership) -> list[str]:
    return [
        t for t in mapping_rules.IMPORTABLE if can(actor, t, "import") and can(actor, t, "create")
    ]
