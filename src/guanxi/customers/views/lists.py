"""The account and contact lists: search, filters, sort, columns, saved views, bulk actions and
inline edit of a cell.

The list's state lives in the query string (bookmarkable, back button works): `q`, `sort`, the
filters under their listing.py names (`owner_id=me`, `level=A`, `tag=3`, `created_at__gte=…`,
`custom.budget__lte=…`), `view` (the saved view being shown) and `cursor`. The columns are
remembered in the session (`col=…` in the query string chooses them) and in saved views.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from guanxi.core.errors import GuanxiError, StaleVersion, ValidationFailed
from guanxi.core.models import Membership
from guanxi.core.permissions import can, require
from guanxi.core.views.helpers import apply_error

from .. import selectors, ui_support
from ..forms import BulkForm, CellForm, SavedViewForm, picklist_choices
from ..listing import ListQuery
from ..models import CustomField, LifecycleStage, PicklistKey
from .common import PICKLIST_OF, TYPES, Presenter, RecordType, customers_page, is_htmx
from .list_state import (
    Column,
    available_columns,
    cell_of,
    count_label,
    current_query,
    editable_columns,
    headers_of,
    read_state,
    rows_html,
    view_url,
)

PAGE_SIZE = 50
# A list the planner expects to be longer than this is counted by a second request, which the
# page sends as soon as it is shown: counting up to selectors.COUNT_CAP rows of a big table
# (their index entries and, until the table is vacuumed, their heap pages) took longer than
# everything else on the page. Shorter lists are counted with the page, cheaply.
COUNT_WITH_PAGE_UP_TO = 1_000


# --- The list page -----------------------------------------------------------------------------


def record_list(request: HttpRequest, actor: Membership, rtype: RecordType) -> HttpResponse:
    """The list page; through htmx its `list` fragment (filters, sort, columns changed) or,
    with a cursor, its next rows ("Load more"). Each answer computes only what it shows."""
    require(actor, rtype.key, "view")
    presenter = Presenter(actor, rtype.key)
    state = read_state(request, actor, rtype, presenter)
    cursor = request.GET.get("cursor") or None
    htmx = is_htmx(request)
    list_fn = selectors.account_list if rtype.key == "accounts" else selectors.contact_list
    # Loaded once for the columns, the filter form, the rows and the count.
    fields = presenter.custom_fields
    # "" on later pages (no count shown); None: the page asks for it (record_count).
    count_text: str | None = ""
    try:
        page = list_fn(
            actor=actor, query=state.query, cursor=cursor, limit=PAGE_SIZE, custom_fields=fields
        )
        if not cursor:
            count_text = _count_text(actor, rtype, state.query, fields, defer_big=True)
    except ValidationFailed as error:
        if set(error.fields) == {"cursor"} or not error.fields:
            page = list_fn(
                actor=actor, query=state.query, cursor=None, limit=PAGE_SIZE, custom_fields=fields
            )
        else:
            apply_error(error, form=state.form)
            page = {"items": [], "next_cursor": None}
    editable = editable_columns(actor, rtype, state.columns)
    template = "customers/list.html"
    context: dict[str, Any] = {
        "rows": page["items"],
        "rows_html": rows_html(page["items"], state.columns, presenter, editable, rtype),
        "next_cursor": page["next_cursor"],
        "colspan": len(state.columns) + 1,
    }
    if htmx and cursor:
        return render(request, f"{template}#rows", context)
    # The `list` fragment: count, column chooser, "save view", bulk actions and the table.
    context |= {
        "rtype": rtype,
        "form": state.form,
        "available_columns": state.available,
        "chosen_keys": [c.key for c in state.columns],
        "count_text": count_text,
        "count_url": _with_query(reverse(f"customers:{rtype.key[:-1]}-count"), request),
        "sort": state.query.sort,
        "headers": headers_of(request, state.columns, state.query.sort),
        "keep_params": [
            (name, value)
            for name, values in request.GET.lists()
            if name not in ("col", "cursor")
            for value in values
        ],
        "bulk_url": f"customers:{rtype.key[:-1]}-bulk",
        "view_create_url": f"customers:{rtype.key[:-1]}-view-create",
        "view_update_url": f"customers:{rtype.key[:-1]}-view-update",
        "view_delete_url": f"customers:{rtype.key[:-1]}-view-delete",
        "filtered": bool(state.query.q or state.query.filters),
        "active_view": state.view,
        "current_query": current_query(request),
        "list_url": reverse(rtype.list_url),
        "bulk_form": BulkForm(
            actor=actor,
            object_type=rtype.key,
            level_choices=(
                presenter.picklist_choices(PicklistKey.ACCOUNT_LEVEL, blank="—")
                if rtype.key == "accounts"
                else None
            ),
        ),
        "bulk_limit": ui_support.BULK_LIMIT,
        "oob": htmx,
    }
    if htmx:
        return render(request, f"{template}#list", context)
    # The whole page adds the title bar (saved views, import/export, new) and the filter bar.
    context |= {
        "more_open": any(
            name not in state.form.primary and request.GET.get(name) for name in state.form.fields
        ),
        "saved_views": [
            {"view": v, "url": view_url(rtype, v), "mine": v.owner_id == actor.user_id}
            for v in ui_support.saved_view_list(actor=actor, object_type=rtype.key)
        ],
        "can_create": can(actor, rtype.key, "create"),
        "can_import": can(actor, rtype.key, "import") and can(actor, rtype.key, "create"),
        "can_export": can(actor, rtype.key, "export"),
        "tag_names": [t.name for t in presenter.tags or []],
    }
    return render(request, template, context)


def _count_text(
    actor: Membership,
    rtype: RecordType,
    query: ListQuery,
    fields: list[CustomField],
    *,
    defer_big: bool,
) -> str | None:
    """ "1,234 contacts"; past the cap PostgreSQL's estimate ("about …") or "10,000+". With
    `defer_big`, None for a list the planner expects to be long (counted by record_count): the
    estimate only decides when the count is made, never what it says."""
    queryset, _order = selectors.filtered_queryset(
        actor=actor, object_type=rtype.key, query=query, custom_fields=fields
    )
    estimate = selectors.estimated_count(queryset)
    if defer_big and estimate is not None and estimate > COUNT_WITH_PAGE_UP_TO:
        return None
    count, exact = selectors.capped_count(queryset)
    if not exact and estimate is not None and estimate > count:
        return count_label(rtype, estimate, exact=False, estimated=True)
    return count_label(rtype, count, exact)


def _with_query(url: str, request: HttpRequest) -> str:
    query = current_query(request)
    return f"{url}?{query}" if query else url


@customers_page
def record_count(request: HttpRequest, actor: Membership, object_type: str) -> HttpResponse:
    """The count of a list page's rows (same query string), for the page's title of a long
    list: the page asks for it as soon as it is shown."""
    rtype = TYPES[object_type]
    require(actor, rtype.key, "view")
    presenter = Presenter(actor, rtype.key)
    state = read_state(request, actor, rtype, presenter)
    try:
        text = _count_text(actor, rtype, state.query, presenter.custom_fields, defer_big=False)
    except ValidationFailed:
        text = ""  # the list shows the error
    return HttpResponse(escape(text or ""))


@customers_page
def account_list(request: HttpRequest, actor: Membership) -> HttpResponse:
    return record_list(request, actor, TYPES["accounts"])


@customers_page
def contact_list(request: HttpRequest, actor: Membership) -> HttpResponse:
    return record_list(request, actor, TYPES["contacts"])


# --- Saved views -----------------------------------------------------------------------------------


def _view_query(
    request: HttpRequest, actor: Membership, rtype: RecordType, raw: str
) -> dict[str, Any]:
    params = QueryDict(raw or "")
    presenter = Presenter(actor, rtype.key)
    state = read_state(request, actor, rtype, presenter, params=params)
    return {
        "q": state.query.q,
        "filters": state.query.filters,
        "sort": state.query.sort,
        "columns": [c.key for c in state.columns],
    }


@customers_page
@require_POST
def saved_view_save(
    request: HttpRequest, actor: Membership, object_type: str, pk: int | None = None
) -> HttpResponse:
    rtype = TYPES[object_type]
    view = ui_support.saved_view_get(actor=actor, id=pk, object_type=rtype.key) if pk else None
    form = SavedViewForm(request.POST)
    back = reverse(rtype.list_url)
    if not form.is_valid():
        messages.error(request, _("Give the view a name."))
        return redirect(f"{back}?{form.data.get('query', '')}")
    query = _view_query(request, actor, rtype, form.cleaned_data["query"])
    try:
        view = ui_support.saved_view_save(
            actor=actor,
            object_type=rtype.key,
            name=form.cleaned_data["name"],
            is_shared=form.cleaned_data["is_shared"],
            query=query,
            view=view,
        )
    except GuanxiError as error:
        messages.error(request, error.message)
        return redirect(f"{back}?{form.cleaned_data['query']}")
    messages.success(request, _("The view “%(name)s” was saved.") % {"name": view.name})
    return redirect(view_url(rtype, view))


@customers_page
@require_POST
def saved_view_delete(
    request: HttpRequest, actor: Membership, object_type: str, pk: int
) -> HttpResponse:
    rtype = TYPES[object_type]
    view = ui_support.saved_view_get(actor=actor, id=pk, object_type=rtype.key)
    try:
        ui_support.saved_view_delete(actor=actor, view=view)
    except GuanxiError as error:
        messages.error(request, error.message)
        return redirect(view_url(rtype, view))
    messages.success(request, _("The view “%(name)s” was deleted.") % {"name": view.name})
    return redirect(rtype.list_url)


# --- Bulk actions -----------------------------------------------------------------------------------


@customers_page
@require_POST
def bulk_action(request: HttpRequest, actor: Membership, object_type: str) -> HttpResponse:
    rtype = TYPES[object_type]
    require(actor, rtype.key, "view")
    form = BulkForm(request.POST, actor=actor, object_type=rtype.key)
    query = request.POST.get("query", "")
    back = f"{reverse(rtype.list_url)}?{query}" if query else reverse(rtype.list_url)
    if not form.is_valid():
        messages.error(request, _("Choose an action."))
        return redirect(back)
    data = form.cleaned_data
    action = data["action"]
    value: Any = None
    if action == "assign":
        value = int(data["owner"]) if data.get("owner") else None
    elif action in ("add_tag", "remove_tag"):
        value = " ".join((data.get("tag") or "").split())
        if not value:
            messages.error(request, _("Enter the tag to add or remove."))
            return redirect(back)
    elif action == "level":
        value = data.get("level", "")
    try:
        if data["all_matching"]:
            presenter = Presenter(actor, rtype.key)
            state = read_state(request, actor, rtype, presenter, params=QueryDict(query))
            queryset, _order = selectors.filtered_queryset(
                actor=actor, object_type=rtype.key, query=state.query
            )
            records = ui_support.bulk_records(actor=actor, object_type=rtype.key, queryset=queryset)
        else:
            if not data["ids"]:
                messages.error(request, _("Select the records to change first."))
                return redirect(back)
            records = ui_support.bulk_records(actor=actor, object_type=rtype.key, ids=data["ids"])
        result = ui_support.bulk_apply(
            actor=actor, object_type=rtype.key, records=records, action=action, value=value
        )
    except GuanxiError as error:
        problems = [p for ps in error.fields.values() for p in ps]
        messages.error(request, problems[0] if problems else error.message)
        return redirect(back)
    if result.changed or not result.failed:
        messages.success(
            request,
            ngettext(
                "%(count)d record was changed.", "%(count)d records were changed.", result.changed
            )
            % {"count": result.changed},
        )
    if result.failed:
        details = "; ".join(f"{label}: {problem}" for label, problem in result.failed[:10])
        more = len(result.failed) - 10
        if more > 0:
            details += " " + _("and %(count)d more") % {"count": more}
        messages.error(
            request,
            ngettext(
                "%(count)d record could not be changed: %(details)s",
                "%(count)d records could not be changed: %(details)s",
                len(result.failed),
            )
            % {"count": len(result.failed), "details": details},
        )
    return redirect(back)


# --- Inline edit of one cell ------------------------------------------------------------------------


def _cell_choices(
    actor: Membership, rtype: RecordType, column: Column, record: Any
) -> list[tuple[str, str]]:
    if column.key == "owner":
        return [
            ("", str(_("No owner (public pool)"))),
            *((str(pk), name) for pk, name in ui_support.member_choices(actor=actor)),
        ]
    if column.key == "stage":
        return [(str(v), str(label)) for v, label in LifecycleStage.choices]
    list_key = PICKLIST_OF[column.key]
    return picklist_choices(actor.workspace_id, list_key, current=getattr(record, column.key))


def _current_value(record: Any, column: Column) -> str:
    if column.key == "owner":
        return str(record.owner_id or "")
    return str(getattr(record, column.key) or "")


@customers_page
def cell_edit(
    request: HttpRequest, actor: Membership, object_type: str, pk: int, column_key: str
) -> HttpResponse:
    """GET: the cell's small form (or, with ?show=1, the cell as shown). POST: save it and
    answer with the updated cell; a stale version or a refusal shows in the cell instead."""
    rtype = TYPES[object_type]
    record = rtype.fetch(actor, pk)
    presenter = Presenter(actor, rtype.key)
    available = available_columns(actor, rtype, presenter)
    column = next((c for c in available if c.key == column_key), None)
    editable = editable_columns(actor, rtype, available)
    if column is None or column.key not in editable:
        raise Http404
    template = "customers/_cell.html"
    context: dict[str, Any] = {
        "rtype": rtype,
        "record": record,
        "column": column,
        "cell_url": f"customers:{rtype.key[:-1]}-cell",
    }
    if request.method == "GET" and request.GET.get("show"):
        context["cell"] = cell_of(record, column, presenter, editable)
        return render(request, template, context)
    form = CellForm(
        request.POST if request.method == "POST" else None,
        initial={"value": _current_value(record, column), "version": record.version},
    )
    form.fields["value"].choices = _cell_choices(actor, rtype, column, record)  # type: ignore[attr-defined]
    form.fields["value"].label = column.label
    context["form"] = form
    if request.method != "POST":
        return render(request, template, context)
    status = 200
    if form.is_valid():
        value: Any = form.cleaned_data["value"]
        if column.edit == "owner_id":
            value = int(value) if value else None
        try:
            rtype.do_update(actor, record, {str(column.edit): value}, form.cleaned_data["version"])
        except StaleVersion:
            context["stale"] = True
            status = 409
        except GuanxiError as error:
            problems = [p for ps in error.fields.values() for p in ps]
            form.add_error("value", problems[0] if problems else error.message)
            status = error.status
        else:
            record = rtype.fetch(actor, pk)
            context["record"] = record
            context["cell"] = cell_of(record, column, presenter, editable)
            context["form"] = None
            context["saved"] = True
            return render(request, template, context)
    else:
        status = 400
    if context.get("stale"):
        fresh = rtype.fetch(actor, pk)
        context["record"] = fresh
        context["form"] = CellForm(
            initial={"value": _current_value(fresh, column), "version": fresh.version}
        )
        context["form"].fields["value"].choices = _cell_choices(actor, rtype, column, fresh)
        context["form"].fields["value"].label = column.label
    # htmx swaps only successful answers; the refusal is shown in the cell, with its status for
    # everyone else.
    return render(request, template, context, status=200 if is_htmx(request) else status)
