"""PostgreSQL's fast path for CSV exports: the whole file from one `COPY (SELECT …) TO STDOUT`.

The Python path (exports.RowMaker, cells.csv_stream) reads rows through the ORM and formats every
cell in Python, about 40,000 rows/s. Here PostgreSQL does the same work and writes the CSV itself,
so an export runs near the speed of a plain COPY. The bytes are the ones the Python path writes
(tests/dataio/test_export_copy.py runs both over the same data), because:

- the rows are the export's own queryset (`filtered_queryset`: workspace, data scope, filters,
  search, sort) compiled by Django and used as a subquery, so scope and order cannot drift;
- each lookup is the Python path's own dict (member names, pick-list and choice labels, custom
  field options, currency symbols from Babel), written into the statement as a CASE or a jsonb
  literal;
- `safe` (the spreadsheet-formula guard) is written in SQL from the same constants;
- empty cells are written as NULL (COPY quotes an empty string, Python's csv does not), and each
  row's "\\n" becomes "\\r\\n" (Python's csv line ending; COPY has no option for it).

When a column cannot be rendered exactly in SQL (a time zone without an IANA name, a language
whose number patterns are not the plain ones), `copy_statement` answers None and the export
takes the Python path.
"""

from __future__ import annotations

import json
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Any

from django.db import connections, transaction
from django.utils import timezone
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext as _

from guanxi.core.exports import FORMULA_PREFIXES
from guanxi.customers.models import AccountTag, ContactTag, CustomFieldType, Tag

from ..cells import LEADING_IGNORED, SUSPECT_START, csv_stream, safe

if TYPE_CHECKING:
    from babel import Locale
    from babel.numbers import NumberPattern

    from guanxi.customers.models import CustomField

    from .exports import Column, Export, RowMaker

# COPY hands over one row at a time; they are written in blocks of this many (~64-128 KB).
BLOCK_ROWS = 1000


@dataclass
class RowTally:
    """Rows handed to the writer so far: what the audit event records."""

    rows: int = 0


# --- The spreadsheet-formula guard (cells.safe) in SQL --------------------------------------------

# PostgreSQL text never holds NUL, so it is left out of the characters skipped before a formula.
_IGNORED = LEADING_IGNORED.replace("\x00", "")
_FORMULA_CODES = ", ".join(str(ord(p)) for p in FORMULA_PREFIXES)
# First characters above every formula prefix (@ is the highest) that still need a closer look:
# DEL and the non-ASCII spaces of cells.SUSPECT_START. Any other character above it starts a
# plain cell — most cells (letters, Chinese) — which then costs SQL two `ascii()` calls.
_PLAIN_ABOVE = max(ord(p) for p in FORMULA_PREFIXES)
_SUSPECT_ABOVE = ", ".join(str(c) for c in sorted(map(ord, SUSPECT_START)) if c > _PLAIN_ABOVE)


def safe_sql(value: str, ignored: str) -> str:
    """`safe(value)` in SQL over a column reference, with "" written as NULL.

    Python gives a cell a leading ' when it starts with = + - @ tab or CR, or does after
    `lstrip(LEADING_IGNORED)`. In SQL `ascii()` is the first character's code point and
    `ltrim(value, characters)` is that lstrip; `ignored` is LEADING_IGNORED as a literal. The
    first branch is the common cell (not empty, first character not suspect), the cheapest."""
    return (
        f"CASE WHEN ascii({value}) > {_PLAIN_ABOVE} AND ascii({value}) NOT IN ({_SUSPECT_ABOVE}) "
        f"THEN {value} "
        f"WHEN {value} = '' THEN NULL "
        f"WHEN ascii({value}) IN ({_FORMULA_CODES}) "
        f"OR ascii(ltrim({value}, {ignored})) IN ({_FORMULA_CODES}) THEN '''' || {value} "
        f"ELSE {value} END"
    )


# --- Numbers and money as Babel writes them (custom_fields.display_value) -------------------------

# Stored numbers SQL formats; anything else is written as stored (as Python does when Decimal()
# refuses it). 24 integer digits keep Decimal's default 28-digit precision out of play.
_PLAIN_NUMBER = r"^-?[0-9]{1,24}(\.[0-9]+)?$"
_INTEGER_MASK = "FM" + "999," * 8 + "990"
# A stored datetime with its offset (custom_fields.clean_value writes ISO 8601 in UTC).
_AWARE_DATETIME = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?"
    r"(Z|[+-][0-9]{2}(:?[0-9]{2})?)$"
)


@dataclass(frozen=True)
class NumberStyle:
    """How Babel writes plain numbers and money in the current language, when that is a plain
    pattern SQL can copy: a sign prefix/suffix, groups of three, a one-character separator."""

    group: str
    decimal: str
    prefixes: tuple[str, str]  # (positive, negative)
    suffixes: tuple[str, str]
    fraction: int  # most fraction digits of a number (trailing zeros dropped)
    money_prefixes: tuple[str, str]  # with ¤ where the currency symbol goes
    money_suffixes: tuple[str, str]
    money_fraction: int  # fraction digits of money without a currency code
    currencies: dict[str, tuple[int, str]]  # code → (fraction digits, symbol)
    default_digits: int  # fraction digits of a currency Babel does not know


def _plain(pattern: NumberPattern) -> bool:
    affixes = "".join(pattern.prefix + pattern.suffix)
    return (
        pattern.grouping == (3, 3)
        and pattern.int_prec[0] == 1
        and pattern.scale == 0
        and not pattern.exp_prec
        and "'" not in affixes
        and "¤¤" not in affixes
    )


def number_style(language: str | None = None) -> NumberStyle | None:
    """The current language's number style (custom_fields._locale picks the same Babel locale),
    or None when its patterns are not plain ones."""
    from babel import Locale
    from babel.numbers import (
        get_currency_precision,
        get_currency_symbol,
        get_decimal_symbol,
        get_group_symbol,
        list_currencies,
    )

    locale: Locale = Locale.parse(to_locale(language or get_language() or "en"))
    number = locale.decimal_formats.get(None)
    money = locale.currency_formats.get("standard")
    if number is None or money is None or not (_plain(number) and _plain(money)):
        return None
    if number.frac_prec[0] != 0 or money.frac_prec[0] != money.frac_prec[1]:
        return None
    group, decimal = get_group_symbol(locale), get_decimal_symbol(locale)
    # Every code Babel has a symbol or digits for; any other is written with its code and the
    # default digits, in SQL as in Babel.
    codes = set(list_currencies()) | set(locale.currency_symbols)
    currencies = {
        code: (get_currency_precision(code), get_currency_symbol(code, locale)) for code in codes
    }
    # Babel drops quotes from the finished text; a symbol with one would need that too.
    if len(group) != 1 or len(decimal) != 1 or any("'" in s for _d, s in currencies.values()):
        return None
    return NumberStyle(
        group=group,
        decimal=decimal,
        prefixes=number.prefix,
        suffixes=number.suffix,
        fraction=number.frac_prec[1],
        money_prefixes=money.prefix,
        money_suffixes=money.suffix,
        money_fraction=money.frac_prec[1],
        currencies=currencies,
        default_digits=get_currency_precision("XYZ"),  # a code Babel does not know
    )


# --- The statement -------------------------------------------------------------------------------


# Column kinds whose SQL display needs no formula guard: names and labels are made safe in
# Python (the guard costs a few function calls a cell), and local dates begin with a digit.
ALREADY_SAFE = frozenset({"owner", "picklist", "choice", "date", "datetime"})
# Up to this many labels a lookup is a CASE, beyond it a jsonb lookup (cheaper for long lists).
SHORT_MAP = 16


class _Statement:
    """Builds `COPY (SELECT …) TO STDOUT` for an export, three levels deep:

    r — the export's queryset as Django compiles it (its rows, in its order), selecting the
        stored values the columns need;
    m — each column's display value (labels, names, local times, custom field display);
    the outer SELECT — each display value made spreadsheet-safe, "" as NULL (names and labels
        are made safe in Python already, and dates cannot start a formula: ALREADY_SAFE).

    m ends in OFFSET 0 so PostgreSQL keeps it a separate step: the outer SELECT then reads each
    display value (which `safe_sql` names up to six times) instead of computing it again. Neither
    level sorts or joins, so the rows keep r's order.
    """

    def __init__(self, export: Export, maker: RowMaker, style: NumberStyle | None):
        self.export = export
        self.maker = maker
        self.style = style
        self.db = connections[export.queryset.db]
        self.db.ensure_connection()  # literals are quoted by the psycopg connection
        self.sources: list[str] = ["id"]
        self.zone = ""
        zone = timezone.get_current_timezone()
        if isinstance(zone, zoneinfo.ZoneInfo):
            self.zone = self.text(zone.key)
        self.ignored = self.text(_IGNORED)  # the characters skipped before a formula

    def text(self, value: str) -> str:
        """A string literal. Values go into the statement as literals, not parameters: COPY
        takes none, and the statement can then be run exactly as built."""
        from psycopg import sql

        return sql.Literal(value).as_string(self.db.connection)

    def jsonb(self, mapping: dict[str, Any]) -> str:
        return self.text(json.dumps(mapping, ensure_ascii=False)) + "::jsonb"

    def source(self, name: str) -> str:
        """The subquery column holding the stored value `name` (a values_list field)."""
        if name not in self.sources:
            self.sources.append(name)
        return f"r.c{self.sources.index(name)}"

    # One expression per column kind, mirroring RowMaker._cell. None: not possible in SQL here.

    def display(self, column: Column) -> str | None:
        kind = column.kind
        source = column.source or column.key
        if kind in ("text", "account"):
            return self.source(source)
        if kind == "owner":
            return self.lookup(self.maker.names, self.source(source), "NULL")
        if kind == "tags":
            return self.tags()
        if kind == "list":
            values = self.source(source)
            return (
                f"(SELECT string_agg(e.v, ', ' ORDER BY e.n) "  # noqa: S608
                f"FROM jsonb_array_elements_text({values}) WITH ORDINALITY AS e(v, n))"
            )
        if kind in ("picklist", "choice"):
            labels = (
                self.maker.picklists.get(column.picklist, {})
                if kind == "picklist"
                else self.maker.choice_labels(column)
            )
            value = self.source(source)
            # A value without a label is written as stored (labels.get(value, value)).
            return self.lookup(labels, value, safe_sql(value, self.ignored))
        if kind == "datetime":
            if not self.zone:
                return None
            return (
                f"to_char({self.source(source)} AT TIME ZONE {self.zone}, 'FMYYYY-MM-DD HH24:MI')"
            )
        if kind == "date":
            return f"to_char({self.source(source)}, 'YYYY-MM-DD')"
        if kind == "custom":
            return self.custom(self.maker.custom_field(column))
        return None

    def lookup(self, mapping: dict[Any, str], value: str, missing: str) -> str:
        """`safe(mapping[value])` ("" as NULL), else `missing`. The labels are made safe here,
        once per label instead of once per row. A short map is a CASE (a few comparisons a row),
        a long one a jsonb lookup."""
        if not mapping:
            return missing
        if len(mapping) <= SHORT_MAP:
            whens = " ".join(
                f"WHEN {self.key(k)} THEN {self.text(safe(v)) if safe(v) else 'NULL'}"
                for k, v in mapping.items()
            )
            return f"CASE {value} {whens} ELSE {missing} END"
        table = self.jsonb({str(k): safe(v) or None for k, v in mapping.items()})
        key = f"{value}::text"
        return f"CASE WHEN ({table} -> {key}) IS NULL THEN {missing} ELSE {table} ->> {key} END"

    def key(self, value: Any) -> str:
        return str(int(value)) if isinstance(value, int) else self.text(str(value))

    def tags(self) -> str:
        """The record's tag names by name, as RowMaker.tags_of joins them (its ORDER BY name
        and this one use the same collation)."""
        accounts = self.export.object_type == "accounts"
        link: Any = AccountTag if accounts else ContactTag
        if not link.objects.filter(workspace_id=self.export.actor.workspace_id).exists():
            # No record of this type has a tag: spare every row the lookup (about 1 s a
            # million rows).
            return "NULL::text"
        q = self.db.ops.quote_name
        record = q(link._meta.get_field("account" if accounts else "contact").column)
        tag = q(link._meta.get_field("tag").column)
        return (
            f"(SELECT string_agg(t.{q('name')}, ', ' ORDER BY t.{q('name')}) "  # noqa: S608
            f"FROM {q(link._meta.db_table)} l JOIN {q(Tag._meta.db_table)} t "
            f"ON t.{q('id')} = l.{tag} WHERE l.{record} = r.c0)"
        )

    def custom(self, field: CustomField) -> str | None:
        """display_value(field, custom[key]) in SQL."""
        custom = self.source("custom")
        key = self.text(field.key)
        j = f"({custom} -> {key})"  # the stored JSON value
        t = f"({custom} ->> {key})"  # …as text, which is str(value) for strings and numbers
        kind = field.field_type
        shown: str | None
        if kind == CustomFieldType.BOOLEAN:
            shown = (
                f"CASE WHEN {j} IN ('false'::jsonb, '0'::jsonb, '{{}}'::jsonb) "
                f"THEN {self.text(_('No'))} ELSE {self.text(_('Yes'))} END"
            )
        elif kind == CustomFieldType.SINGLE_SELECT:
            shown = f"COALESCE({self.jsonb(field.choice_labels())} ->> {t}, {t})"
        elif kind == CustomFieldType.MULTI_SELECT:
            labels = self.jsonb(field.choice_labels())
            shown = (
                f"CASE WHEN jsonb_typeof({j}) = 'array' THEN (SELECT string_agg("  # noqa: S608
                f"COALESCE({labels} ->> e.v, e.v), ', ' ORDER BY e.n) "
                f"FROM jsonb_array_elements_text({j}) WITH ORDINALITY AS e(v, n)) ELSE {t} END"
            )
        elif kind in (CustomFieldType.NUMBER, CustomFieldType.DECIMAL):
            shown = self.number(t)
        elif kind == CustomFieldType.MONEY:
            shown = self.money(j, t)
        elif kind == CustomFieldType.USER:
            names = {str(uid): name for uid, name in self.maker.names.items()}
            shown = f"COALESCE({self.jsonb(names)} ->> {t}, {t})"
        elif kind == CustomFieldType.DATETIME:
            if not self.zone:
                return None
            shown = (
                f"CASE WHEN {t} ~ {self.text(_AWARE_DATETIME)} THEN to_char({t}::timestamptz "
                f"AT TIME ZONE {self.zone}, 'FMYYYY-MM-DD HH24:MI') ELSE {t} END"
            )
        else:  # text, long text, URL, email, phone, date: str(value)
            shown = t
        if shown is None:
            return None
        # display_value's "nothing": None, "" and [] (JSON null reads as SQL NULL through ->>).
        return f"CASE WHEN {t} IS NULL OR {t} = '' OR {j} = '[]'::jsonb THEN NULL ELSE {shown} END"

    def _rounded(self, text: str, digits: str) -> str:
        """abs(text) rounded half to even to `digits` places, as Decimal.quantize does (SQL's
        round() rounds half away from zero: an exact half on an even digit is truncated)."""
        x = f"abs(({text})::numeric)"
        return (
            f"(CASE WHEN mod({x} * 10::numeric ^ {digits}, 2) = 0.5 "
            f"THEN trunc({x}, {digits}) ELSE round({x}, {digits}) END)"
        )

    def _localized(self, formatted: str, style: NumberStyle) -> str:
        if (style.group, style.decimal) == (",", "."):
            return formatted
        return f"translate({formatted}, ',.', {self.text(style.group + style.decimal)})"

    def number(self, t: str) -> str | None:
        """format_decimal: sign, groups of three, at most `fraction` digits without trailing
        zeros (to_char's FM drops them, and the point when none is left)."""
        style = self.style
        if style is None:
            return None
        mask = _INTEGER_MASK + ("." + "9" * style.fraction if style.fraction else "")
        formatted = self._localized(
            f"rtrim(to_char({self._rounded(t, str(style.fraction))}, '{mask}'), '.')", style
        )
        negative = f"left({t}, 1) = '-'"  # Decimal('-0') is signed too: Babel writes "-0"
        plus, minus = (self.text(p) for p in style.prefixes)
        after, after_minus = (self.text(s) for s in style.suffixes)
        return (
            f"CASE WHEN {t} ~ {self.text(_PLAIN_NUMBER)} "
            f"THEN CASE WHEN {negative} THEN {minus} ELSE {plus} END || {formatted} || "
            f"CASE WHEN {negative} THEN {after_minus} ELSE {after} END ELSE {t} END"
        )

    def money(self, j: str, t: str) -> str | None:
        """_money: format_currency in the current language — the currency's symbol and digits
        (Babel's tables), else the fallback "CUR amount"; a value that is not an object is
        written as stored."""
        style = self.style
        if style is None:
            return None
        amount = f"({j} ->> 'amount')"
        code = f"COALESCE({j} ->> 'currency', '')"
        table = self.jsonb({k: [d, s] for k, (d, s) in style.currencies.items()})
        digits = (
            f"(CASE WHEN {code} = '' THEN {style.money_fraction} "
            f"ELSE COALESCE(({table} -> {code} ->> 0)::int, {style.default_digits}) END)"
        )
        symbol = f"COALESCE({table} -> {code} ->> 1, {code})"
        mask = (
            f"'{_INTEGER_MASK}' || CASE WHEN {digits} > 0 THEN '.' || repeat('0', {digits}) "
            "ELSE '' END"
        )
        formatted = self._localized(f"to_char({self._rounded(amount, digits)}, {mask})", style)
        negative = f"left({amount}, 1) = '-'"
        prefix = (
            f"replace(CASE WHEN {negative} THEN {self.text(style.money_prefixes[1])} "
            f"ELSE {self.text(style.money_prefixes[0])} END, '¤', {symbol})"
        )
        suffix = (
            f"replace(CASE WHEN {negative} THEN {self.text(style.money_suffixes[1])} "
            f"ELSE {self.text(style.money_suffixes[0])} END, '¤', {symbol})"
        )
        fallback = f"btrim(COALESCE({j} ->> 'currency', '') || ' ' || COALESCE({amount}, ''))"
        return (
            f"CASE WHEN jsonb_typeof({j}) <> 'object' THEN {t} "
            f"WHEN {amount} ~ {self.text(_PLAIN_NUMBER)} THEN {prefix} || {formatted} || {suffix} "
            f"ELSE {fallback} END"
        )

    def build(self) -> str | None:
        displays = [self.display(column) for column in self.export.columns]
        if any(d is None for d in displays):
            return None
        rows = self.export.queryset.values_list(*self.sources)
        compiler = rows.query.get_compiler(using=rows.db)
        inner_sql, inner_params = compiler.as_sql()
        # The aliases below name r's columns by position: refuse a shape with other columns.
        if len(compiler.select) != len(self.sources):
            return None
        from psycopg import ClientCursor

        # Django's own client-side binding, so r is the query Django would have run.
        inner = ClientCursor(self.db.connection).mogrify(inner_sql, tuple(inner_params))
        aliases = ", ".join(f"c{i}" for i in range(len(self.sources)))
        middle = ", ".join(f"{d} AS v{i}" for i, d in enumerate(displays))
        outer = ", ".join(
            f"m.v{i}" if column.kind in ALREADY_SAFE else safe_sql(f"m.v{i}", self.ignored)
            for i, column in enumerate(self.export.columns)
        )
        # Identifiers are quoted, values are literals quoted by psycopg (see `text`).
        select = (
            f"SELECT {outer} FROM (SELECT {middle} "  # noqa: S608
            f"FROM ({inner}) AS r({aliases}) OFFSET 0) AS m"
        )
        return f"COPY ({select}) TO STDOUT WITH (FORMAT csv)"


def copy_statement(export: Export, maker: RowMaker) -> str | None:
    """The COPY that writes `export`'s rows as the Python path would, or None when this export
    has to take the Python path (not PostgreSQL, or a column SQL cannot render exactly)."""
    if connections[export.queryset.db].vendor != "postgresql":
        return None
    custom_kinds = {maker.custom_field(c).field_type for c in export.columns if c.kind == "custom"}
    numeric = {CustomFieldType.NUMBER, CustomFieldType.DECIMAL, CustomFieldType.MONEY}
    style = number_style() if custom_kinds & numeric else None
    return _Statement(export, maker, style).build()


# --- Streaming -----------------------------------------------------------------------------------


def _lines(rows: list[Any], single_column: bool) -> bytes:
    """COPY's rows ("…\\n" each) as Python's csv writes them ("…\\r\\n").

    A block where every "\\n" ends a row (no cell holds a line break) is converted in one
    replace; otherwise row by row, since COPY sends exactly one row at a time. With one column,
    Python's csv writes an empty cell as "" (COPY: an empty line) and `\\.` bare (COPY quotes it,
    as its end-of-data marker)."""
    block = b"".join(rows)
    if not single_column and block.count(b"\n") == len(rows):
        return block.replace(b"\n", b"\r\n")
    out = []
    for row in rows:
        line = bytes(row[:-1])
        if single_column and line in (b"", b'"\\."'):
            line = b'""' if line == b"" else b"\\."
        out.append(line + b"\r\n")
    return b"".join(out)


def copy_csv(export: Export, statement: str, tally: RowTally) -> Iterator[bytes]:
    """The export as UTF-8 CSV bytes: the BOM and header as cells.csv_stream writes them, then
    COPY's rows in blocks of BLOCK_ROWS (memory stays flat). Counts rows in `tally`."""
    yield "".join(csv_stream(export.header, [])).encode("utf-8")
    db = connections[export.queryset.db]
    single_column = len(export.columns) == 1
    with transaction.atomic(using=db.alias), db.cursor() as cursor, db.wrap_database_errors:
        # The planner's cost for a per-row subquery (tags) over a big list passes jit_above_cost,
        # and compiling the expressions then takes seconds, more than it saves on any export.
        cursor.execute("SET LOCAL jit = off")
        with cursor.cursor.copy(statement) as copy:  # psycopg 3
            rows = iter(copy)
            # islice collects a block's rows in C: no Python step per row.
            while block := list(islice(rows, BLOCK_ROWS)):
                tally.rows += len(block)
                yield _lines(block, single_column)
