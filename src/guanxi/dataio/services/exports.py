"""Exports of what an account or contact list shows — its filters, search, sort and columns —
as CSV (streamed) or XLSX.

The rows are the list's rows (`customers.selectors.filtered_queryset`: the member's workspace
and data scope, the list's filters and order). Columns the member's role hides are never written,
even when asked for. Values are what the list shows (member and account names, pick-list and
choice labels, local times). Rows are read with a server-side cursor in chunks and written as they
come, so memory stays flat however many rows there are. Every cell is made spreadsheet-safe, and
every export is an audit event with its filters, columns and row count.

CSV on PostgreSQL takes a fast path (export_copy.py): one `COPY (SELECT …) TO STDOUT` that writes
the same bytes as the Python path, at close to the database's own dump speed. SQLite, XLSX and
the rare column SQL cannot render exactly take the Python path; callers do not choose.
"""

from __future__ import annotations

import codecs
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from itertools import islice
from typing import IO, Any

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from guanxi.core import audit
from guanxi.core.errors import ValidationFailed
from guanxi.core.models import Membership
from guanxi.core.permissions import hidden_fields, require
from guanxi.customers.custom_fields import active_fields, display_value
from guanxi.customers.listing import ListQuery
from guanxi.customers.models import (
    AccountTag,
    CompanySize,
    ConsentStatus,
    ContactTag,
    CustomField,
    LifecycleStage,
    PicklistKey,
)
from guanxi.customers.selectors import capped_count, filtered_queryset, picklist_labels

from ..cells import csv_stream, safe
from .export_copy import RowTally, copy_csv, copy_statement

EXPORTABLE = ("accounts", "contacts")
FORMATS = ("csv", "xlsx")
CHUNK = 2000
XLSX_MAX_ROWS = 1_048_575  # Excel's limit, less the header


@dataclass(frozen=True)
class Column:
    key: str
    label: Any
    # The field name roles hide (role editor names).
    permission: str
    # text, list, owner, account, tags, picklist, choice, datetime, date, custom
    kind: str = "text"
    source: str = ""
    choices: Any = None
    picklist: str = ""


def _columns(*specs: Column) -> dict[str, Column]:
    return {c.key: c for c in specs}


ACCOUNT_COLUMNS = _columns(
    Column("name", gettext_lazy("Name"), "name"),
    Column("owner", gettext_lazy("Owner"), "owner", "owner", "owner_id"),
    Column(
        "level",
        gettext_lazy("Customer level"),
        "level",
        "picklist",
        picklist=PicklistKey.ACCOUNT_LEVEL,
    ),
    Column("stage", gettext_lazy("Lifecycle stage"), "stage", "choice", choices=LifecycleStage),
    Column(
        "industry", gettext_lazy("Industry"), "industry", "picklist", picklist=PicklistKey.INDUSTRY
    ),
    Column("source", gettext_lazy("Source"), "source", "picklist", picklist=PicklistKey.SOURCE),
    Column("size", gettext_lazy("Size"), "size", "choice", choices=CompanySize),
    Column("country", gettext_lazy("Country"), "country"),
    Column("province", gettext_lazy("Province"), "province"),
    Column("city", gettext_lazy("City"), "city"),
    Column("address", gettext_lazy("Street address"), "address"),
    Column("phone", gettext_lazy("Phone"), "phone"),
    Column("other_phones", gettext_lazy("Other phones"), "other_phones", "list"),
    Column("email", gettext_lazy("Email"), "email"),
    Column("other_emails", gettext_lazy("Other emails"), "other_emails", "list"),
    Column("website", gettext_lazy("Website"), "website"),
    Column("credit_code", gettext_lazy("Unified social credit code"), "credit_code"),
    Column("tags", gettext_lazy("Tags"), "tags", "tags"),
    Column("description", gettext_lazy("Notes"), "description"),
    Column("last_followed_at", gettext_lazy("Last follow-up"), "last_followed_at", "datetime"),
    Column("created_at", gettext_lazy("Created"), "name", "datetime"),
    Column("updated_at", gettext_lazy("Updated"), "name", "datetime"),
)
CONTACT_COLUMNS = _columns(
    Column("name", pgettext_lazy("person", "Name"), "name"),
    Column("account", gettext_lazy("Account"), "account", "account", "account__name"),
    Column("title", gettext_lazy("Job title"), "title"),
    Column("mobile", gettext_lazy("Mobile"), "mobile"),
    Column("phone", gettext_lazy("Phone"), "phone"),
    Column("other_phones", gettext_lazy("Other phones"), "other_phones", "list"),
    Column("email", gettext_lazy("Email"), "email"),
    Column("other_emails", gettext_lazy("Other emails"), "other_emails", "list"),
    Column("wechat", gettext_lazy("WeChat ID"), "wechat"),
    Column("owner", gettext_lazy("Owner"), "owner", "owner", "owner_id"),
    Column("source", gettext_lazy("Source"), "source", "picklist", picklist=PicklistKey.SOURCE),
    Column("tags", gettext_lazy("Tags"), "tags", "tags"),
    Column("birthday", gettext_lazy("Birthday"), "birthday", "date"),
    Column(
        "email_consent",
        gettext_lazy("Email marketing consent"),
        "email_consent",
        "choice",
        choices=ConsentStatus,
    ),
    Column(
        "sms_consent",
        gettext_lazy("SMS marketing consent"),
        "sms_consent",
        "choice",
        choices=ConsentStatus,
    ),
    Column("description", gettext_lazy("Notes"), "description"),
    Column("last_followed_at", gettext_lazy("Last follow-up"), "last_followed_at", "datetime"),
    Column("created_at", gettext_lazy("Created"), "name", "datetime"),
    Column("updated_at", gettext_lazy("Updated"), "name", "datetime"),
)
CATALOG = {"accounts": ACCOUNT_COLUMNS, "contacts": CONTACT_COLUMNS}
# The list pages' default columns (customers/views/lists.py DEFAULT_COLUMNS).
DEFAULT_COLUMNS = {
    "accounts": ["name", "owner", "level", "stage", "industry", "city", "tags", "last_followed_at"],
    "contacts": ["name", "account", "title", "mobile", "owner", "tags", "last_followed_at"],
}
# API field names accepted for the list's column keys.
ALIASES = {"owner_id": "owner", "account_id": "account"}


def available_columns(actor: Membership, object_type: str) -> list[Column]:
    """Every column the member may export: core ones their role does not hide, then the active
    custom fields (unless custom fields are hidden)."""
    hidden = hidden_fields(actor, object_type)
    columns = [c for c in CATALOG[object_type].values() if c.permission not in hidden]
    if "custom" not in hidden:
        for field in active_fields(actor.workspace_id, object_type):
            columns.append(Column(f"custom.{field.key}", field.label, "custom", "custom", "custom"))
    return columns


def choose_columns(actor: Membership, object_type: str, wanted: list[str] | None) -> list[Column]:
    """The columns asked for, in that order, that exist and are not hidden (others are left out
    silently: a hidden field is not even acknowledged); all columns when none are asked for.
    The name always comes first."""
    available = {c.key: c for c in available_columns(actor, object_type)}
    keys = [ALIASES.get(k, k) for k in (wanted or [])] or list(available)
    chosen = ["name", *[k for k in keys if k != "name" and k in available]]
    return [available[k] for k in dict.fromkeys(chosen)]


# --- Rows -------------------------------------------------------------------------------------------


def _local(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


class RowMaker:
    """Turns value tuples into the cells people read, with the lookups loaded once."""

    def __init__(self, actor: Membership, object_type: str, columns: list[Column]):
        self.actor = actor
        self.object_type = object_type
        self.columns = columns
        kinds = {c.kind for c in columns}
        self.sources: list[str] = ["id"]
        for column in columns:
            source = column.source or column.key
            if column.kind != "tags" and source not in self.sources:
                self.sources.append(source)
        self.index = {name: i for i, name in enumerate(self.sources)}
        self.names: dict[int, str] = {}
        if "owner" in kinds or any(
            c.kind == "custom" and self._custom(c).field_type == "user" for c in columns
        ):
            from guanxi.core.models import Membership as MembershipModel

            rows = MembershipModel.objects.filter(workspace_id=actor.workspace_id).values_list(
                "user_id", "user__name", "user__email"
            )
            self.names = {uid: name or email for uid, name, email in rows}
        self.picklists = (
            picklist_labels(workspace_id=actor.workspace_id) if "picklist" in kinds else {}
        )
        self.with_tags = "tags" in kinds
        self.cells: list[Callable[[tuple[Any, ...], dict[int, str]], Any]] = [
            self._cell(c) for c in columns
        ]

    def _custom(self, column: Column) -> Any:
        if not hasattr(self, "_custom_fields"):
            self._custom_fields = {
                f.key: f for f in active_fields(self.actor.workspace_id, self.object_type)
            }
        return self._custom_fields[column.key.removeprefix("custom.")]

    # The lookups, also for the COPY path (export_copy), so both write the same labels.

    def custom_field(self, column: Column) -> CustomField:
        field: CustomField = self._custom(column)
        return field

    @staticmethod
    def choice_labels(column: Column) -> dict[str, str]:
        """A choice column's labels in the current language."""
        return {value: str(label) for value, label in column.choices.choices}

    def _cell(self, column: Column) -> Callable[[tuple[Any, ...], dict[int, str]], Any]:
        position = self.index.get(column.source or column.key, 0)
        kind = column.kind
        if kind == "text":
            return lambda row, tags: row[position]
        if kind == "owner":
            names = self.names
            return lambda row, tags: names.get(row[position], "") if row[position] else ""
        if kind == "account":
            return lambda row, tags: row[position] or ""
        if kind == "list":  # other phones / emails: as typed into one box, comma-separated
            return lambda row, tags: ", ".join(row[position] or [])
        if kind == "tags":
            return lambda row, tags: tags.get(row[0], "")
        if kind == "picklist":
            labels = self.picklists.get(column.picklist, {})
            return lambda row, tags: labels.get(row[position], row[position])
        if kind == "choice":
            labels = self.choice_labels(column)
            return lambda row, tags: labels.get(row[position], row[position])
        if kind in ("datetime", "date"):
            return lambda row, tags: _local(row[position])
        if kind == "custom":
            field = self._custom(column)
            key = field.key
            names = self.names
            return lambda row, tags: display_value(
                field, (row[position] or {}).get(key), user_names=names
            )
        return lambda row, tags: row[position]

    def tags_of(self, ids: list[int]) -> dict[int, str]:
        if not self.with_tags or not ids:
            return {}
        rows: Any
        if self.object_type == "accounts":
            rows = AccountTag.objects.filter(account_id__in=ids).values_list(
                "account_id", "tag__name"
            )
        else:
            rows = ContactTag.objects.filter(contact_id__in=ids).values_list(
                "contact_id", "tag__name"
            )
        found: dict[int, list[str]] = {}
        for record_id, name in rows.order_by("tag__name"):
            found.setdefault(record_id, []).append(name)
        return {k: ", ".join(v) for k, v in found.items()}

    def rows(self, queryset: Any) -> Iterator[list[Any]]:
        values = queryset.values_list(*self.sources).iterator(chunk_size=CHUNK)
        cells = self.cells
        while chunk := list(islice(values, CHUNK)):
            tags = self.tags_of([row[0] for row in chunk])
            for row in chunk:
                yield [cell(row, tags) for cell in cells]


@dataclass
class Export:
    """An export ready to stream: its header, rows and what the audit event records."""

    actor: Membership
    object_type: str
    query: ListQuery
    columns: list[Column]
    queryset: Any
    file_format: str

    @property
    def header(self) -> list[str]:
        return [str(c.label) for c in self.columns]

    def rows(self) -> Iterator[list[Any]]:
        return RowMaker(self.actor, self.object_type, self.columns).rows(self.queryset)

    def filename(self) -> str:
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return f"{self.object_type}-{stamp}.{self.file_format}"

    def record(self, rows: int, *, complete: bool = True) -> None:
        audit.record(
            action=f"{self.object_type.rstrip('s')}.export",
            workspace=self.actor.workspace_id,
            actor=self.actor,
            object_type=self.object_type,
            changes={
                "format": self.file_format,
                "q": self.query.q,
                "filters": self.query.filters,
                "sort": self.query.sort,
                "columns": [c.key for c in self.columns],
                "rows": rows,
                **({} if complete else {"complete": False}),
            },
        )


def export_prepare(
    *,
    actor: Membership,
    object_type: str,
    query: ListQuery,
    columns: list[str] | None,
    file_format: str = "csv",
) -> Export:
    """Check the export (the export permission, the filters, the format) before anything is
    streamed, so a refusal is a clean error response, not a broken download."""
    if object_type not in EXPORTABLE:
        raise ValidationFailed(fields={"object_type": [_("Choose accounts or contacts.")]})
    require(actor, object_type, "export")
    if file_format not in FORMATS:
        raise ValidationFailed(fields={"format": [_("Use csv or xlsx.")]})
    queryset, _order = filtered_queryset(actor=actor, object_type=object_type, query=query)
    chosen = choose_columns(actor, object_type, columns)
    return Export(actor, object_type, query, chosen, queryset, file_format)


def csv_chunks(export: Export, tally: RowTally) -> Iterator[str | bytes]:
    """The export as CSV in chunks of 64 KB or so, counting rows in `tally`: UTF-8 bytes from
    PostgreSQL's COPY when every column can be rendered there, else text from the Python writer
    (a UTF-8 BOM first either way). Decided when the stream starts, when the Python path would
    load its lookups, so both see the same language and time zone."""
    maker = RowMaker(export.actor, export.object_type, export.columns)
    statement = copy_statement(export, maker)
    if statement is not None:
        yield from copy_csv(export, statement, tally)
        return

    def counted() -> Iterator[list[Any]]:
        for row in maker.rows(export.queryset):
            tally.rows += 1
            yield row

    yield from csv_stream(export.header, counted())


def csv_response(export: Export) -> StreamingHttpResponse:
    """Streamed CSV (UTF-8 with BOM). The audit event is written when the stream ends, with the
    number of rows sent (and `complete: false` if the client went away). The body is produced
    after the view has returned; UserTimezoneMiddleware keeps the member's time zone for it."""

    def stream() -> Iterator[str | bytes]:
        tally = RowTally()
        complete = False
        try:
            yield from csv_chunks(export, tally)
            complete = True
        finally:
            export.record(tally.rows, complete=complete)

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export.filename()}"'
    response["Cache-Control"] = "no-store"
    return response


def xlsx_write(export: Export, target: IO[bytes]) -> int:
    """Write the export as XLSX to `target`, in openpyxl's write-only mode (rows go to a
    temporary file as they come, not into memory). Refused beyond Excel's row limit. Audited.
    Returns the number of rows."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    _count, exact = capped_count(export.queryset, cap=XLSX_MAX_ROWS)
    if not exact:
        raise ValidationFailed(
            _("Excel takes at most %(limit)s rows. Export CSV, or narrow the list with filters.")
            % {"limit": f"{XLSX_MAX_ROWS:,}"},
            fields={"format": [_("Too many rows for Excel.")]},
        )
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(export.object_type))

    def cell(value: Any) -> Any:
        """A cell a spreadsheet would run as a formula (+86…, =1+1) is written as text with
        Excel's own quote prefix, as when someone types '+86… : it shows and copies as typed,
        with no apostrophe in the value, and is never computed."""
        text = "" if value is None else value if isinstance(value, str) else str(value)
        if not text:
            return text
        text = ILLEGAL_CHARACTERS_RE.sub("", text)
        if safe(text) == text:
            return text
        quoted = WriteOnlyCell(sheet, value=text)
        quoted.data_type = "s"  # openpyxl makes a formula of any text starting with "="
        quoted.quotePrefix = True
        return quoted

    sheet.append([cell(v) for v in export.header])
    written = 0
    for row in export.rows():
        sheet.append([cell(v) for v in row])
        written += 1
    workbook.save(target)
    export.record(written)
    return written


def csv_write(export: Export, target: IO[str]) -> int:
    """Write the export as CSV (UTF-8 with BOM when `target` encodes UTF-8). Audited. Returns
    the number of rows."""
    # A UTF-8 text file takes COPY's bytes into its binary buffer as they are, instead of
    # decoding them to be encoded again (half a second a million rows).
    encoding: str = getattr(target, "encoding", None) or "ascii"
    utf8 = codecs.lookup(encoding).name == "utf-8"
    raw: IO[bytes] | None = getattr(target, "buffer", None) if utf8 else None
    tally = RowTally()
    flushed = False
    for chunk in csv_chunks(export, tally):
        if isinstance(chunk, str):
            target.write(chunk)
        elif raw is None:
            target.write(chunk.decode("utf-8"))
        else:
            if not flushed:  # what was written to the text layer before goes first
                target.flush()
                flushed = True
            raw.write(chunk)
    export.record(tally.rows)
    return tally.rows


def xlsx_response(export: Export) -> FileResponse:
    """The XLSX built in a temporary file, then sent from it."""
    target = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 (closed by FileResponse)
    try:
        xlsx_write(export, target)
    except BaseException:
        target.close()
        raise
    target.seek(0)
    return FileResponse(
        target,
        as_attachment=True,
        filename=export.filename(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def export_response(export: Export) -> StreamingHttpResponse | FileResponse:
    return xlsx_response(export) if export.file_format == "xlsx" else csv_response(export)
