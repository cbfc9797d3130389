"""A list page's state, read from the query string: the columns (core and custom, hidden ones
left out), the filter form (named after listing.py's filters), the sort, and the rows and cells
as the table shows them."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.http import HttpRequest, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext, pgettext_lazy

from guanxi.core.errors import GuanxiError
from guanxi.core.models import Membership
from guanxi.core.permissions import can, hidden_fields, readonly_fields
from guanxi.web.forms import StyledForm
from guanxi.web.widgets import FastDateInput, FastSelect, FastTextInput

from .. import ui_support
from ..listing import ACCOUNT_SORTS, CONTACT_SORTS, ListQuery
from ..models import ConsentStatus, CustomField, CustomFieldType, LifecycleStage, PicklistKey
from .common import Presenter, RecordType

END_OF_DAY = "T23:59:59.999999"


# --- Columns ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: Any
    # The field name roles hide or make read-only (role editor names).
    permission: str
    sort: str | None = None
    # "date" / "datetime" values are formatted by the template; "name", "tags", "owner",
    # "account", "link" get their own look; everything else is text.
    kind: str = "text"
    # The API field an inline edit writes, when the column can be edited in place.
    edit: str | None = None
    custom: CustomField | None = field(default=None, compare=False)


ACCOUNT_COLUMNS = (
    Column("name", gettext_lazy("Name"), "name", "name", kind="name"),
    Column("owner", pgettext_lazy("record owner", "Owner"), "owner", kind="owner", edit="owner_id"),
    Column("level", gettext_lazy("Customer level"), "level", "level", edit="level"),
    Column("stage", gettext_lazy("Lifecycle stage"), "stage", "stage", edit="stage"),
    Column("industry", gettext_lazy("Industry"), "industry", "industry", edit="industry"),
    Column("source", gettext_lazy("Source"), "source", edit="source"),
    Column("size", gettext_lazy("Size"), "size"),
    Column("province", gettext_lazy("Province"), "province", "province"),
    Column("city", gettext_lazy("City"), "city", "city"),
    Column("phone", gettext_lazy("Phone"), "phone"),
    Column("other_phones", gettext_lazy("Other phones"), "other_phones"),
    Column("email", gettext_lazy("Email"), "email"),
    Column("other_emails", gettext_lazy("Other emails"), "other_emails"),
    Column("website", gettext_lazy("Website"), "website", kind="link"),
    Column("credit_code", gettext_lazy("Unified social credit code"), "credit_code"),
    Column("tags", gettext_lazy("Tags"), "tags", kind="tags"),
    Column(
        "last_followed_at",
        gettext_lazy("Last follow-up"),
        "last_followed_at",
        "last_followed_at",
        kind="datetime",
    ),
    Column("created_at", gettext_lazy("Created"), "name", "created_at", kind="datetime"),
    Column("updated_at", gettext_lazy("Updated"), "name", "updated_at", kind="datetime"),
)
CONTACT_COLUMNS = (
    Column("name", pgettext_lazy("person", "Name"), "name", "name", kind="name"),
    Column("account", gettext_lazy("Account"), "account", kind="account"),
    Column("title", gettext_lazy("Job title"), "title", "title"),
    Column("mobile", gettext_lazy("Mobile"), "mobile"),
    Column("phone", gettext_lazy("Phone"), "phone"),
    Column("other_phones", gettext_lazy("Other phones"), "other_phones"),
    Column("email", gettext_lazy("Email"), "email"),
    Column("other_emails", gettext_lazy("Other emails"), "other_emails"),
    Column("wechat", gettext_lazy("WeChat ID"), "wechat"),
    Column("owner", pgettext_lazy("record owner", "Owner"), "owner", kind="owner", edit="owner_id"),
    Column("source", gettext_lazy("Source"), "source", edit="source"),
    Column("tags", gettext_lazy("Tags"), "tags", kind="tags"),
    Column("birthday", gettext_lazy("Birthday"), "birthday", "birthday", kind="date"),
    Column("email_consent", gettext_lazy("Email marketing consent"), "email_consent"),
    Column("sms_consent", gettext_lazy("SMS marketing consent"), "sms_consent"),
    Column(
        "last_followed_at",
        gettext_lazy("Last follow-up"),
        "last_followed_at",
        "last_followed_at",
        kind="datetime",
    ),
    Column("created_at", gettext_lazy("Created"), "name", "created_at", kind="datetime"),
    Column("updated_at", gettext_lazy("Updated"), "name", "updated_at", kind="datetime"),
)
DEFAULT_COLUMNS = {
    "accounts": ["name", "owner", "level", "stage", "industry", "city", "tags", "last_followed_at"],
    "contacts": ["name", "account", "title", "mobile", "owner", "tags", "last_followed_at"],
}
SORTS = {"accounts": ACCOUNT_SORTS, "contacts": CONTACT_SORTS}
# Sorting a date column starts with the newest.
DESCENDING_FIRST = {"created_at", "updated_at", "last_followed_at"}


def available_columns(actor: Membership, rtype: RecordType, presenter: Presenter) -> list[Column]:
    """Every column the member may see: core ones, then the active custom fields."""
    hidden = hidden_fields(actor, rtype.key)
    core = ACCOUNT_COLUMNS if rtype.key == "accounts" else CONTACT_COLUMNS
    columns = [c for c in core if c.permission not in hidden]
    if "custom" not in hidden:
        for cf in presenter.custom_fields:
            kind = "custom"
            columns.append(
                Column(
                    f"custom.{cf.key}",
                    cf.label,
                    "custom",
                    f"custom.{cf.key}" if cf.field_type != CustomFieldType.MULTI_SELECT else None,
                    kind=kind,
                    custom=cf,
                )
            )
    return columns


def columns_key(rtype: RecordType) -> str:
    return f"customers:{rtype.key}:columns"


def chosen_columns(
    request: HttpRequest, rtype: RecordType, available: list[Column]
) -> list[Column]:
    """`col=…` in the query string (remembered in the session), else the session's, else the
    defaults. The name always comes first."""
    by_key = {c.key: c for c in available}
    wanted = request.GET.getlist("col")
    if wanted:
        keys = [k for k in wanted if k in by_key]
        request.session[columns_key(rtype)] = keys
    else:
        keys = request.session.get(columns_key(rtype)) or DEFAULT_COLUMNS[rtype.key]
    keys = ["name", *[k for k in keys if k != "name" and k in by_key]]
    return [by_key[k] for k in dict.fromkeys(keys)]


# --- The filter form ------------------------------------------------------------------------


class ListFilterForm(StyledForm):
    q = forms.CharField(
        label=gettext_lazy("Search"),
        required=False,
        max_length=100,
        widget=FastTextInput(
            attrs={
                "type": "search",
                "placeholder": gettext_lazy("Name, phone or email"),
                "autocomplete": "off",
            }
        ),
    )

    # Fields shown without opening "More filters".
    primary: tuple[str, ...] = ()


def _select(label: Any, choices: list[tuple[Any, Any]]) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, required=False, choices=choices, widget=FastSelect)


def _date_input() -> forms.DateField:
    return forms.DateField(required=False, widget=FastDateInput(attrs={"type": "date"}))


def filter_form(
    data: Any,
    *,
    actor: Membership,
    rtype: RecordType,
    presenter: Presenter,
) -> ListFilterForm:
    """The filter bar's form; field names are the listing's filter names.

    The tag and pick-list choices are callables, loaded when the form is drawn or a value is
    checked against them: an htmx answer that shows only the list, with no such filter, does
    not query them."""
    form = ListFilterForm(data)
    hidden = hidden_fields(actor, rtype.key)
    added: dict[str, tuple[forms.Field, str]] = {}

    def add(name: str, form_field: forms.Field, permission: str) -> None:
        added[name] = (form_field, permission)

    members = ui_support.member_choices(actor=actor)
    add(
        "owner_id",
        forms.ChoiceField(
            widget=FastSelect,
            label=pgettext("record owner", "Owner"),
            required=False,
            choices=[
                ("", _("Anyone")),
                ("me", _("Me")),
                ("none", _("No owner (public pool)")),
                *((str(pk), name) for pk, name in members),
            ],
        ),
        "owner",
    )
    if rtype.key == "accounts":
        add(
            "level",
            forms.ChoiceField(
                widget=FastSelect,
                label=_("Customer level"),
                required=False,
                choices=lambda: presenter.picklist_choices(
                    PicklistKey.ACCOUNT_LEVEL, blank=_("Any level")
                ),
            ),
            "level",
        )
        add(
            "stage",
            forms.ChoiceField(
                widget=FastSelect,
                label=_("Lifecycle stage"),
                required=False,
                choices=[("", _("Any stage")), *LifecycleStage.choices],
            ),
            "stage",
        )
    if can(actor, "tags", "view"):
        add(
            "tag",
            forms.ChoiceField(
                widget=FastSelect,
                label=_("Tag"),
                required=False,
                choices=lambda: [
                    ("", _("Any tag")),
                    *((str(t.pk), t.name) for t in presenter.tags or []),
                ],
            ),
            "tags",
        )
    if rtype.key == "accounts":
        add(
            "industry",
            forms.ChoiceField(
                widget=FastSelect,
                label=_("Industry"),
                required=False,
                choices=lambda: presenter.picklist_choices(PicklistKey.INDUSTRY, blank=_("Any")),
            ),
            "industry",
        )
    add(
        "source",
        forms.ChoiceField(
            widget=FastSelect,
            label=_("Source"),
            required=False,
            choices=lambda: presenter.picklist_choices(PicklistKey.SOURCE, blank=_("Any")),
        ),
        "source",
    )
    if rtype.key == "accounts":
        add(
            "province",
            forms.CharField(label=_("Province"), required=False, widget=FastTextInput),
            "province",
        )
        add("city", forms.CharField(label=_("City"), required=False, widget=FastTextInput), "city")
    else:
        add(
            "email_consent",
            forms.ChoiceField(
                widget=FastSelect,
                label=_("Email marketing consent"),
                required=False,
                choices=[("", _("Any")), *ConsentStatus.choices],
            ),
            "email_consent",
        )
    for name, label, permission in (
        ("created_at", _("Created"), "name"),
        ("last_followed_at", _("Last follow-up"), "last_followed_at"),
    ):
        start, end = _date_input(), _date_input()
        start.label = _("%(field)s from") % {"field": label}
        end.label = _("%(field)s until") % {"field": label}
        add(f"{name}__gte", start, permission)
        add(f"{name}__lte", end, permission)
    for cf in presenter.custom_fields:
        for name, form_field in custom_filter_fields(cf, members):
            add(name, form_field, "custom")
    for name, (form_field, permission) in added.items():
        if permission not in hidden:
            form.fields[name] = form_field
    form.primary = tuple(
        name
        for name in (
            "q",
            "owner_id",
            "level",
            "stage",
            "source" if rtype.key == "contacts" else "",
            "tag",
        )
        if name in form.fields
    )
    for form_field in form.fields.values():
        widget = form_field.widget
        if "class" not in widget.attrs:
            widget.attrs["class"] = (
                "form-select" if isinstance(widget, forms.Select) else "form-control"
            )
    return form


def custom_filter_fields(
    cf: CustomField, members: list[tuple[int, str]]
) -> list[tuple[str, forms.Field]]:
    """The filter inputs of one custom field (none for date-and-time fields)."""
    name = f"custom.{cf.key}"
    kind = cf.field_type
    if kind in (CustomFieldType.SINGLE_SELECT, CustomFieldType.MULTI_SELECT):
        choices = [("", _("Any")), *cf.choice_labels().items()]
        return [(name, _select(cf.label, choices))]
    if kind == CustomFieldType.BOOLEAN:
        choices = [("", _("Any")), ("true", _("Yes")), ("false", _("No"))]
        return [(name, _select(cf.label, choices))]
    if kind == CustomFieldType.USER:
        choices = [("", _("Anyone")), *((str(pk), label) for pk, label in members)]
        return [(name, _select(cf.label, choices))]
    if kind in (CustomFieldType.NUMBER, CustomFieldType.DECIMAL, CustomFieldType.MONEY):
        attrs = {"type": "number", "step": "any"}
        return [
            (
                f"{name}__gte",
                forms.CharField(
                    label=_("%(field)s from") % {"field": cf.label},
                    required=False,
                    widget=FastTextInput(attrs=attrs),
                ),
            ),
            (
                f"{name}__lte",
                forms.CharField(
                    label=_("%(field)s up to") % {"field": cf.label},
                    required=False,
                    widget=FastTextInput(attrs=attrs),
                ),
            ),
        ]
    if kind == CustomFieldType.DATE:
        start, end = _date_input(), _date_input()
        start.label = _("%(field)s from") % {"field": cf.label}
        end.label = _("%(field)s until") % {"field": cf.label}
        return [(f"{name}__gte", start), (f"{name}__lte", end)]
    if kind == CustomFieldType.DATETIME:
        return []
    return [(name, forms.CharField(label=cf.label, required=False, widget=FastTextInput))]


DATETIME_FILTERS = ("created_at", "last_followed_at")


def filters_of(form: ListFilterForm) -> dict[str, Any]:
    """The listing's filters from a valid filter form. A "until" day includes the whole day."""
    filters: dict[str, Any] = {}
    for name, value in form.cleaned_data.items():
        if name == "q" or value in (None, ""):
            continue
        if hasattr(value, "isoformat"):
            value = value.isoformat()
            if name.split("__")[0] in DATETIME_FILTERS and name.endswith("__lte"):
                value += END_OF_DAY
        filters[name] = value
    return filters


def params_of(filters: dict[str, Any]) -> dict[str, str]:
    """Query-string parameters for stored filters (the inverse of filters_of)."""
    return {
        name: str(value).removesuffix(END_OF_DAY)
        for name, value in filters.items()
        if value not in (None, "")
    }


def allowed_sorts(actor: Membership, rtype: RecordType, columns: list[Column]) -> set[str]:
    keys = {c.sort for c in columns if c.sort}
    hidden = hidden_fields(actor, rtype.key)
    keys |= {s for s in SORTS[rtype.key] if s not in hidden}
    return {"id", "-id"} | keys | {f"-{k}" for k in keys}


@dataclass
class ListState:
    form: ListFilterForm
    query: ListQuery
    columns: list[Column]
    available: list[Column]
    view: Any = None


def read_state(
    request: HttpRequest,
    actor: Membership,
    rtype: RecordType,
    presenter: Presenter,
    params: QueryDict | None = None,
) -> ListState:
    params = request.GET if params is None else params
    form = filter_form(params, actor=actor, rtype=rtype, presenter=presenter)
    available = available_columns(actor, rtype, presenter)
    columns = chosen_columns(request, rtype, available)
    filters: dict[str, Any] = {}
    q = ""
    if form.is_valid():
        filters = filters_of(form)
        q = form.cleaned_data.get("q", "").strip()
    sort = params.get("sort") or "-id"
    if sort not in allowed_sorts(actor, rtype, available):
        sort = "-id"
    view = None
    view_id = params.get("view")
    if view_id and view_id.isdigit():
        try:
            view = ui_support.saved_view_get(actor=actor, id=int(view_id), object_type=rtype.key)
        except GuanxiError:
            view = None
    return ListState(form, ListQuery(q=q, filters=filters, sort=sort), columns, available, view)


# --- Rows and cells -----------------------------------------------------------------------------


def cell_of(
    record: Any,
    column: Column,
    presenter: Presenter,
    editable: set[str],
) -> dict[str, Any]:
    cell: dict[str, Any] = {"column": column, "kind": column.kind, "text": "", "value": None}
    key = column.key
    if column.custom is not None:
        cell["text"] = presenter.custom_value(column.custom, record.custom.get(column.custom.key))
    elif column.kind == "tags":
        cell["tags"] = list(record.tags.all())
    elif column.kind == "owner":
        cell["text"] = record.owner.name if record.owner else ""
    elif column.kind == "account":
        cell["account"] = record.account if record.account_id else None
    elif column.kind in ("date", "datetime"):
        cell["value"] = getattr(record, key)
    else:
        cell["text"] = presenter.value(key, getattr(record, key))
    cell["editable"] = column.key in editable
    return cell


def editable_columns(actor: Membership, rtype: RecordType, columns: list[Column]) -> set[str]:
    if not can(actor, rtype.key, "edit"):
        return set()
    readonly = readonly_fields(actor, rtype.key)
    keys = set()
    for column in columns:
        if not column.edit or column.permission in readonly:
            continue
        if column.edit == "owner_id" and not can(actor, rtype.key, "assign"):
            continue
        keys.add(column.key)
    return keys


# A pk no row has (the id converter allows 18 digits): reversed once, then replaced by each
# row's pk.
_PK_SLOT = 999_999_999_999_999_999


@dataclass(frozen=True)
class UrlPattern:
    """A reversed URL, HTML-escaped, with the record's pk left open. reverse() per cell cost more
    than the rest of the cell (50 rows × 10 columns), and the URL differs between rows only by
    the pk."""

    prefix: str
    suffix: str

    @classmethod
    def of(cls, url_name: str, *args: Any) -> UrlPattern:
        url = _e(reverse(url_name, args=[_PK_SLOT, *args]))
        prefix, _slot, suffix = url.partition(str(_PK_SLOT))
        return cls(prefix, suffix)

    def url(self, pk: int) -> str:
        return f"{self.prefix}{pk}{self.suffix}"


@dataclass(frozen=True)
class RowLinks:
    """What every row of one page shares, worked out once per page: URL patterns, the edit
    buttons' labels and the row checkbox's label."""

    detail: UrlPattern
    account: UrlPattern
    # Column key -> (URL of its inline edit, the edit button's escaped label).
    edits: dict[str, tuple[UrlPattern, str]]
    select_label: str

    @classmethod
    def of(cls, rtype: RecordType, columns: list[Column], editable: set[str]) -> RowLinks:
        cell_url = f"customers:{rtype.key[:-1]}-cell"
        return cls(
            detail=UrlPattern.of(rtype.detail_url),
            account=UrlPattern.of("customers:account"),
            edits={
                c.key: (
                    UrlPattern.of(cell_url, c.key),
                    _e(_("Change %(field)s") % {"field": c.label}),
                )
                for c in columns
                if c.key in editable
            },
            select_label=_("Select %(name)s"),
        )


def _e(value: Any) -> str:
    """HTML-escaped text, exactly as django.utils.html.escape gives it; called directly because
    escape()'s lazy-string wrapper was a visible share of rendering 500 cells."""
    return html.escape(str(value))


def rows_html(
    records: list[Any],
    columns: list[Column],
    presenter: Presenter,
    editable: set[str],
    rtype: RecordType,
) -> SafeString:
    """The table rows of a list page (the `rows` partial of customers/list.html), built in Python:
    a template loop over 50 rows × 10 cells spent most of a page's time in the template engine."""
    links = RowLinks.of(rtype, columns, editable)
    parts = []
    for record in records:
        label = links.select_label % {"name": _e(record.name)}
        cells = "".join(
            '<td class="{}" data-column="{}">{}</td>'.format(
                "gx-name-cell" if column.kind == "name" else "text-nowrap",
                _e(column.key),
                cell_html(record, cell_of(record, column, presenter, editable), links),
            )
            for column in columns
        )
        parts.append(
            f'\n<tr data-testid="record-row" data-id="{record.pk}">\n'
            '  <td class="gx-select-cell"><input class="form-check-input m-0 align-middle"'
            f' type="checkbox" name="ids" value="{record.pk}" form="bulk-form" data-select-row'
            f' aria-label="{label}"></td>\n'
            f"  {cells}\n</tr>\n"
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped


EMPTY = '<span class="text-secondary">—</span>'


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def cell_html(record: Any, cell: dict[str, Any], links: RowLinks) -> str:
    """A list cell as HTML (escaped), the same markup as customers/_cell.html's display branch."""
    kind = cell["kind"]
    if kind == "name":
        inner = f'<a href="{links.detail.url(record.pk)}" class="fw-medium">{_e(record.name)}</a>'
    elif kind == "tags":
        tags = cell.get("tags") or []
        inner = (
            " ".join(
                '<span class="badge {}" data-testid="tag">{}</span>'.format(
                    "bg-secondary-lt" if tag.color == "gray" else f"bg-{_e(tag.color)}-lt",
                    _e(tag.name),
                )
                for tag in tags
            )
            if tags
            else EMPTY
        )
    elif kind == "account":
        account = cell.get("account")
        if account is None:
            inner = EMPTY
        elif account.deleted_at:
            inner = _e(account.name)
        else:
            inner = f'<a href="{links.account.url(account.pk)}">{_e(account.name)}</a>'
    elif kind in ("datetime", "date"):
        value = cell.get("value")
        if not value:
            inner = EMPTY
        elif kind == "datetime":
            local = timezone.localtime(value)
            inner = '<time datetime="{}" title="{}">{}</time>'.format(
                _e(local.isoformat()),
                local.strftime("%Y-%m-%d %H:%M"),
                local.strftime("%Y-%m-%d"),
            )
        else:
            inner = value.strftime("%Y-%m-%d")
    elif kind == "link":
        text = cell.get("text") or ""
        shown = _e(_truncate(text, 40))
        inner = (
            f'<a href="{_e(text)}" rel="noopener noreferrer" target="_blank">{shown}</a>'
            if text
            else EMPTY
        )
    else:
        text = str(cell.get("text") or "")
        inner = (
            f'<span data-testid="cell-value">{_e(_truncate(text, 60))}</span>' if text else EMPTY
        )
    edit = links.edits.get(cell["column"].key) if cell.get("editable") else None
    if edit is None:
        return f'<div class="gx-cell">{inner} </div>'
    url, label = edit
    return (
        f'<div class="gx-cell gx-cell-editable">{inner} '
        '<button type="button" class="btn btn-sm btn-ghost-secondary btn-icon gx-cell-edit" '
        f'hx-get="{url.url(record.pk)}" hx-target="closest td" hx-swap="innerHTML" '
        f'aria-label="{label}" data-testid="cell-edit"><i class="ti ti-pencil" '
        'aria-hidden="true"></i></button></div>'
    )


def count_label(rtype: RecordType, count: int, exact: bool, *, estimated: bool = False) -> str:
    """ "12 accounts"; past the cap "10,000+ accounts", or on PostgreSQL the planner's estimate,
    "about 1,234,567 accounts" — a big table is never counted row by row."""
    number = f"{count:,}"
    if estimated:
        if rtype.key == "accounts":
            return _("about %(count)s accounts") % {"count": number}
        return _("about %(count)s contacts") % {"count": number}
    if not exact:
        if rtype.key == "accounts":
            return _("%(count)s+ accounts") % {"count": number}
        return _("%(count)s+ contacts") % {"count": number}
    if rtype.key == "accounts":
        return ngettext("%(count)s account", "%(count)s accounts", count) % {"count": number}
    return ngettext("%(count)s contact", "%(count)s contacts", count) % {"count": number}


def view_url(rtype: RecordType, view: Any) -> str:
    """The list URL that shows a saved view: its search, filters, sort and columns."""
    query = view.query if isinstance(view.query, dict) else {}
    params: list[tuple[str, str]] = [("view", str(view.pk))]
    if query.get("q"):
        params.append(("q", str(query["q"])))
    params += list(params_of(query.get("filters") or {}).items())
    if query.get("sort") and query["sort"] != "-id":
        params.append(("sort", str(query["sort"])))
    params += [("col", str(c)) for c in query.get("columns") or []]
    return f"{reverse(rtype.list_url)}?{urlencode(params)}"


def headers_of(request: HttpRequest, columns: list[Column], current: str) -> list[dict[str, Any]]:
    """Per column: its label and, when sortable, the query string that sorts by it and the arrow
    showing the current order."""
    headers = []
    for column in columns:
        if not column.sort:
            headers.append({"column": column, "query": None, "arrow": ""})
            continue
        key = column.sort
        if current == key:
            target, arrow = f"-{key}", "up"
        elif current == f"-{key}":
            target, arrow = key, "down"
        else:
            target = f"-{key}" if key in DESCENDING_FIRST else key
            arrow = ""
        params = request.GET.copy()
        params.pop("cursor", None)
        params.pop("col", None)
        params["sort"] = target
        headers.append({"column": column, "query": params.urlencode(), "arrow": arrow})
    return headers


def current_query(request: HttpRequest) -> str:
    """The list's query string without paging, view and column choice (what a saved view keeps)."""
    params = request.GET.copy()
    for name in ("cursor", "view", "col"):
        params.pop(name, None)
    return params.urlencode()
