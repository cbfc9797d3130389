"""Pages: the import wizard (upload → mapping with a preview and templates → dry run → import,
with a live progress bar), the import history, and the export downloads the list pages link to.

Views are thin: they parse the request, call a selector or a service and render. The progress
bar is a fragment htmx reloads every second until the job has finished; the fragment that
reports the end carries no trigger, so the polling stops by itself.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from guanxi.core.errors import GuanxiError, NotFound, PermissionDenied, ValidationFailed
from guanxi.core.models import Membership
from guanxi.core.permissions import can
from guanxi.core.views.helpers import apply_error, membership_required
from guanxi.customers.listing import ListQuery
from guanxi.customers.services.records import lookups

from . import mapping as mapping_rules
from . import readers, selectors
from .api import errors_response
from .forms import TemplateForm, UploadForm
from .models import DuplicateMode, ImportJob, ImportStatus, RowStatus
from .services import exports as export_services
from .services import imports as import_services
from .services.processing import open_file

View = Callable[..., HttpResponseBase]
PREVIEW_ROWS = 5
RESULT_ROWS = 20
# Query-string keys of a list page that are not filters.
LIST_STATE = {"q", "sort", "col", "view", "cursor", "format", "page"}
END_OF_DAY = "T23:59:59.999999"
DATE_FILTERS = ("created_at__lte", "last_followed_at__lte", "updated_at__lte")


def dataio_page(view: View) -> View:
    """Signed in, with a membership passed as `actor`; domain "not found" / "not allowed"
    become the 404 and 403 pages."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        actor = membership_required(request)
        try:
            return view(request, actor, *args, **kwargs)
        except NotFound:
            raise Http404
        except PermissionDenied as error:
            raise DjangoPermissionDenied(error.message)

    return wrapper


def _type_label(object_type: str) -> str:
    return _("Accounts") if object_type == "accounts" else _("Contacts")


# --- History --------------------------------------------------------------------------------------


@dataio_page
@require_GET
def import_list(request: HttpRequest, actor: Membership) -> HttpResponse:
    try:
        page = selectors.import_list(actor=actor, cursor=request.GET.get("cursor") or None)
    except ValidationFailed:
        page = selectors.import_list(actor=actor)
    importable = [(t, _type_label(t)) for t in selectors.importable_types(actor)]
    if not page["items"] and not importable:
        raise DjangoPermissionDenied
    context = {"page": page, "importable": importable}
    template = "dataio/import_list.html"
    if getattr(request, "htmx", False) and request.GET.get("cursor"):
        template += "#rows"
    return render(request, template, context)


# --- Upload -------------------------------------------------------------------------------------


@dataio_page
@require_http_methods(["GET", "POST"])
def import_new(request: HttpRequest, actor: Membership, object_type: str) -> HttpResponse:
    if object_type not in mapping_rules.IMPORTABLE:
        raise Http404
    import_services.require_import(actor, object_type)
    templates = selectors.template_list(actor=actor, object_type=object_type)
    form = UploadForm(
        request.POST or None, request.FILES or None, templates=templates, object_type=object_type
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            template = None
            if form.cleaned_data.get("template"):
                template = selectors.template_get(
                    actor=actor, id=form.cleaned_data["template"], object_type=object_type
                )
            try:
                job = import_services.import_create(
                    actor=actor,
                    object_type=object_type,
                    upload=upload.file,
                    filename=upload.name or "",
                    size=upload.size,
                    template=template,
                    start=False,
                )
            except GuanxiError as error:
                apply_error(error, form=form)
            else:
                return redirect("dataio:import", pk=job.pk)
        status = 422
    context = {
        "form": form,
        "object_type": object_type,
        "type_label": _type_label(object_type),
        "max_mb": import_services.max_upload_bytes() // (1024 * 1024),
    }
    return render(request, "dataio/import_new.html", context, status=status)


# --- One import -----------------------------------------------------------------------------------


def _mapping_rows(
    actor: Membership, job: ImportJob, chosen: dict[str, str], errors: dict[str, list[str]]
) -> dict[str, Any]:
    """The mapping table: per column its header, sample values and the field chosen."""
    custom_fields = lookups(actor).custom_fields(job.object_type)
    targets = mapping_rules.targets_for(job.object_type, custom_fields)
    samples: list[readers.Row] = []
    preview_error = ""
    try:
        with open_file(job) as handle:
            info = readers.FileInfo(job.file_format, job.encoding, job.delimiter)
            _headers, samples = readers.preview(handle, info, limit=PREVIEW_ROWS)
    except (GuanxiError, OSError) as error:
        preview_error = str(getattr(error, "message", error))
    columns = []
    for index, header in enumerate(job.headers):
        columns.append(
            {
                "index": index,
                "header": header,
                "selected": chosen.get(header, ""),
                "samples": [row.cells[index] for row in samples if index < len(row.cells)][:3],
                "errors": errors.get(f"mapping.{header}", []),
            }
        )
    return {
        "columns": columns,
        "targets": [(t.key, t.label) for t in targets],
        "preview": samples,
        "preview_error": preview_error,
        "mapping_errors": errors.get("mapping", []),
    }


def with_problems(job: ImportJob, rows: list[Any]) -> list[Any]:
    """Each row result with `problems`: (column header, messages) per field in error."""
    labels = selectors.error_labels(job)
    for row in rows:
        row.problems = selectors.ordered_errors(row.errors or {}, labels)
    return rows


def _posted_mapping(request: HttpRequest, job: ImportJob) -> dict[str, str]:
    return {
        header: request.POST.get(f"map-{index}", "").strip()
        for index, header in enumerate(job.headers)
    }


def _status_context(actor: Membership, job: ImportJob) -> dict[str, Any]:
    context: dict[str, Any] = {
        "job": job,
        "type_label": _type_label(job.object_type),
        "stalled": import_services.is_stalled(job),
    }
    if job.is_finished:
        # A dry run lists what would not simply be created (errors, duplicates, notes); a real
        # run's created rows are many, its failed ones are what needs attention.
        rows = selectors.import_rows(
            actor=actor,
            job=job,
            status=None if job.dry_run else RowStatus.FAILED,
            limit=RESULT_ROWS,
        )["items"]
        context["result_rows"] = with_problems(job, rows)
        context["follow_up"] = (
            ImportJob.objects.filter(workspace_id=job.workspace_id, source_job=job)
            .exclude(status__in=(ImportStatus.FAILED, ImportStatus.CANCELLED))
            .first()
            if job.dry_run
            else None
        )
        context["list_url"] = (
            "customers:accounts" if job.object_type == "accounts" else "customers:contacts"
        )
    return context


@dataio_page
@require_http_methods(["GET", "POST"])
def import_detail(request: HttpRequest, actor: Membership, pk: int) -> HttpResponse:
    job = selectors.import_get(actor=actor, id=pk)
    if job.status != ImportStatus.DRAFT:
        if request.method == "POST":
            return redirect("dataio:import", pk=job.pk)
        context = _status_context(actor, job)
        return render(request, "dataio/import_detail.html", context)
    return _mapping_step(request, actor, job)


def _mapping_step(request: HttpRequest, actor: Membership, job: ImportJob) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    chosen = dict(job.mapping)
    duplicate_mode = job.duplicate_mode
    template_form = TemplateForm(prefix="template")
    status = 200
    templates = selectors.template_list(actor=actor, object_type=job.object_type)
    if request.method == "GET" and request.GET.get("template"):
        try:
            template = selectors.template_get(
                actor=actor, id=request.GET["template"], object_type=job.object_type
            )
        except NotFound:
            messages.error(request, _("This template no longer exists."))
        else:
            chosen = mapping_rules.apply_template(job.headers, template.mapping, chosen)
            messages.info(request, _("Mapping “%(name)s” applied.") % {"name": template.name})
    if request.method == "POST":
        chosen = _posted_mapping(request, job)
        duplicate_mode = request.POST.get("duplicate_mode", duplicate_mode)
        action = request.POST.get("action", "dry_run")
        if action == "save_template":
            template_form = TemplateForm(request.POST, prefix="template")
            if template_form.is_valid():
                try:
                    saved = import_services.template_save(
                        actor=actor,
                        object_type=job.object_type,
                        name=template_form.cleaned_data["name"],
                        mapping=chosen,
                    )
                except GuanxiError as error:
                    apply_error(error, form=template_form)
                else:
                    messages.success(
                        request, _("Mapping saved as “%(name)s”.") % {"name": saved.name}
                    )
                    templates = selectors.template_list(actor=actor, object_type=job.object_type)
                    template_form = TemplateForm(prefix="template")
            status = 422 if template_form.errors else 200
        else:
            try:
                import_services.import_start(
                    actor=actor,
                    job=job,
                    mapping=chosen,
                    duplicate_mode=duplicate_mode,
                    dry_run=action != "import",
                )
            except ValidationFailed as error:
                errors = error.fields or {"mapping": [error.message]}
                status = 422
            except GuanxiError as error:
                messages.error(request, error.message)
                status = 422
            else:
                return redirect("dataio:import", pk=job.pk)
    context = {
        "job": job,
        "type_label": _type_label(job.object_type),
        "duplicate_modes": DuplicateMode.choices,
        "duplicate_mode": duplicate_mode,
        "templates": templates,
        "template_form": template_form,
        "can_update": can(actor, job.object_type, "edit"),
        **_mapping_rows(actor, job, chosen, errors),
    }
    return render(request, "dataio/import_mapping.html", context, status=status)


@dataio_page
@require_GET
def import_status(request: HttpRequest, actor: Membership, pk: int) -> HttpResponse:
    """The progress fragment htmx polls (and the results, once the job has finished)."""
    job = selectors.import_get(actor=actor, id=pk)
    return render(request, "dataio/import_detail.html#status", _status_context(actor, job))


@dataio_page
@require_GET
def import_rows(request: HttpRequest, actor: Membership, pk: int) -> HttpResponse:
    job = selectors.import_get(actor=actor, id=pk)
    status = request.GET.get("status") or None
    if status not in (None, *RowStatus.values):
        status = None
    try:
        page = selectors.import_rows(
            actor=actor, job=job, status=status, cursor=request.GET.get("cursor") or None
        )
    except ValidationFailed:
        page = selectors.import_rows(actor=actor, job=job, status=status)
    page["items"] = with_problems(job, page["items"])
    context = {
        "job": job,
        "page": page,
        "status": status or "",
        "statuses": RowStatus.choices,
        "type_label": _type_label(job.object_type),
    }
    template = "dataio/import_rows.html"
    if getattr(request, "htmx", False) and request.GET.get("cursor"):
        template += "#rows"
    return render(request, template, context)


@dataio_page
@require_GET
def import_errors(request: HttpRequest, actor: Membership, pk: int) -> HttpResponseBase:
    return errors_response(selectors.import_get(actor=actor, id=pk))


def _job_action(action: Callable[..., ImportJob]) -> View:
    @dataio_page
    @require_POST
    def view(request: HttpRequest, actor: Membership, pk: int) -> HttpResponse:
        job = selectors.import_get(actor=actor, id=pk)
        try:
            result = action(actor=actor, job=job)
        except GuanxiError as error:
            if isinstance(error, PermissionDenied):
                raise
            messages.error(request, error.message)
            return redirect("dataio:import", pk=job.pk)
        return redirect("dataio:import", pk=result.pk)

    return view


import_cancel = _job_action(import_services.import_cancel)
import_resume = _job_action(import_services.import_resume)
import_run = _job_action(import_services.import_commit)


@dataio_page
@require_POST
def template_delete(request: HttpRequest, actor: Membership, pk: int) -> HttpResponse:
    template = selectors.template_get(actor=actor, id=pk)
    import_services.template_delete(actor=actor, template=template)
    messages.success(request, _("Mapping “%(name)s” deleted.") % {"name": template.name})
    back = request.POST.get("job")
    if back and back.isdigit():
        return redirect("dataio:import", pk=int(back))
    return redirect("dataio:imports")


# --- Export ---------------------------------------------------------------------------------------


def list_query(request: HttpRequest) -> ListQuery:
    """The list page's state from its query string: search, sort and filters (an "until" date
    covers the whole day, as on the list)."""
    filters: dict[str, Any] = {}
    for key in request.GET:
        value = request.GET.get(key) or ""
        if key in LIST_STATE or not value:
            continue
        if key in DATE_FILTERS and len(value) == 10:
            value += END_OF_DAY
        filters[key] = value
    return ListQuery(
        q=request.GET.get("q", "").strip(), filters=filters, sort=request.GET.get("sort") or "-id"
    )


def list_columns(request: HttpRequest, object_type: str) -> list[str]:
    """The columns the list shows: `col=` in the query string, else the ones remembered in the
    session by the list page, else its defaults."""
    wanted = request.GET.getlist("col")
    if wanted:
        return wanted
    remembered = request.session.get(f"customers:{object_type}:columns")
    return list(remembered or export_services.DEFAULT_COLUMNS[object_type])


@dataio_page
@require_GET
def export(request: HttpRequest, actor: Membership, object_type: str) -> HttpResponseBase:
    """Download what the list shows (link: {% url 'dataio:export' 'contacts' %}?<the list's
    query string>&format=xlsx)."""
    if object_type not in export_services.EXPORTABLE:
        raise Http404
    try:
        prepared = export_services.export_prepare(
            actor=actor,
            object_type=object_type,
            query=list_query(request),
            columns=list_columns(request, object_type),
            file_format=request.GET.get("format", "csv"),
        )
        return export_services.export_response(prepared)
    except PermissionDenied:
        raise
    except ValidationFailed as error:
        problems = [p for ps in error.fields.values() for p in ps] or [error.message]
        return HttpResponseBadRequest(" ".join(str(p) for p in problems))
