"""Searching accounts and contacts: by name, company, phone (any part, with or without +86,
spaces, dashes), email, and for Chinese names by pinyin and initials (`zhangsan`, `zs` → 张三).

Every record keeps three search columns, filled by the services and the import whenever a
searched field changes (see `search_columns`):

- `name_pinyin` / `name_initials`: matched as prefixes, by every query that is not a phone
  fragment ("zs", "zhangs", "zhang san", "zsf" find 张三丰);
- `search_text`: name, phone digits (international, and national where that is not already
  inside the international digits), emails, WeChat id, credit code, company — case-folded, no
  pinyin — matched as a substring by queries of 3 characters or more and phone fragments of 3
  digits or more.

Short queries (1–2 characters) match name, pinyin and initials prefixes only: btree range scans
on (workspace, column). The substring and prefix matches of longer queries are served on
PostgreSQL by pg_trgm GIN indexes (migration 0002) and btree prefix indexes; on SQLite by one
FTS5 trigram index per table over the three columns (migration 0008, kept by triggers), asked
with one MATCH whose hit list the query reads by primary key, so the workspace, the data scope
and the page apply to the hits only. A query too common for that (FTS_DENSE_HITS) is the LIKE
scan in page order instead; both give the same rows.

Rows written before `search_text` lost the pinyin and initials (and the national form of a
mobile number) keep the longer text until they are next saved. A phone fragment, an email, a
name or a pinyin / initials prefix finds a record in either form: what was dropped is matched
through the prefix columns or is a substring of what stayed. Only a fragment from the middle of
a pinyin tells them apart ("sanfeng" still finds an old 张三丰 row, not a new one).
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import Model, Q, QuerySet
from django.db.models.expressions import RawSQL

from .custom_fields import searchable_text
from .models import CustomField
from .normalize import (
    company_key,
    is_chinese,
    phone_query_digits,
    phone_search_digits,
    pinyin_keys,
    to_halfwidth,
)

CUSTOM_TEXT_LIMIT = 1000
SHORT_QUERY = 3  # below this many characters, prefix matches on names only
MAX_QUERY = 100
# The highest code point: "abc" <= x < "abc" + TOP is "x starts with abc" as a btree range.
TOP = "\U0010ffff"


def phone_digits(value: str) -> str:
    """The digits of a phone number in `search_text`: the international digits, and the national
    ones (with the trunk prefix) only when they are not already inside them — a CN mobile's
    13812345678 is a substring of 8613812345678, a Shenzhen landline's 075512345678 is not a
    substring of 8675512345678. A value that is not E.164 is kept as it is."""
    if not value:
        return ""
    try:
        digits = phone_search_digits(value)
    except ValueError:
        return value
    international, _, national = digits.partition(" ")
    return international if national in international else digits


def search_columns(values: dict[str, Any], *, person: bool) -> dict[str, str]:
    """The three search columns for a record with these field values (model attribute names).
    `other_phones` (E.164 strings) and `other_emails` are optional lists; `custom_text` is the
    text of the record's textual custom fields."""
    name = str(values.get("name") or "")
    full, initials = pinyin_keys(name, person=person) if is_chinese(name) else ("", "")
    if not full:
        words = to_halfwidth(name).casefold().split()
        full = "".join(words)
        initials = "".join(word[0] for word in words if word)
    phones = [values.get("phone"), values.get("mobile"), *(values.get("other_phones") or ())]
    emails = [values.get("email"), *(values.get("other_emails") or ())]
    parts = [
        name.casefold(),
        *(phone_digits(str(phone or "")) for phone in phones),
        *(str(email or "").casefold() for email in emails),
        str(values.get("wechat") or "").casefold(),
        str(values.get("credit_code") or "").casefold(),
        # Textual custom fields (custom_fields.searchable_text), bounded so the company fits.
        str(values.get("custom_text") or "").casefold()[:CUSTOM_TEXT_LIMIT],
        # The company comes last: `with_company` appends it.
        str(values.get("company") or "").casefold(),
    ]
    return {
        "name_pinyin": full[:200],
        "name_initials": initials[:60],
        "search_text": " ".join(p for p in parts if p)[:2000],
    }


def with_company(columns: dict[str, str], company: str) -> dict[str, str]:
    """`columns` of a record computed without its company, with the company added: the same as
    `search_columns` given the company too (it comes last in the search text)."""
    if not company:
        return columns
    text = columns["search_text"]
    company = company.casefold()
    return {**columns, "search_text": (f"{text} {company}" if text else company)[:2000]}


SEARCHED_FIELDS = {
    "custom",
    "name",
    "phone",
    "mobile",
    "other_phones",
    "email",
    "other_emails",
    "wechat",
    "credit_code",
    "account_id",
}


def refresh_search_columns(
    record: Any, *, person: bool, custom_fields: list[CustomField], company: str | None = None
) -> list[str]:
    """Recompute the record's search columns from its current values and its type's active
    `custom_fields`; returns the changed column names (for a partial save). A contact's
    `company` is read from its account unless the caller knows it."""
    values = {
        "custom_text": searchable_text(record.custom or {}, custom_fields),
        "name": record.name,
        "phone": record.phone,
        "mobile": getattr(record, "mobile", ""),
        "email": record.email,
        "wechat": getattr(record, "wechat", ""),
        "credit_code": getattr(record, "credit_code", ""),
        "other_phones": getattr(record, "other_phones", None),
        "other_emails": getattr(record, "other_emails", None),
    }
    if person and getattr(record, "account_id", None):
        if company is None:
            from .models import Account

            company = (
                Account.objects.filter(pk=record.account_id).values_list("name", flat=True).first()
                or ""
            )
        values["company"] = company
    changed = []
    for column, value in search_columns(values, person=person).items():
        if getattr(record, column) != value:
            setattr(record, column, value)
            changed.append(column)
    return changed


def normalize_query(q: str) -> str:
    return " ".join(to_halfwidth(q or "").casefold().split())[:MAX_QUERY]


def _without_nul(q: str) -> str:
    # A NUL ends an FTS5 query (a syntax error), PostgreSQL refuses it in text, and SQLite's LIKE
    # stops reading its pattern there (so "%\x00…%" matched every row): it never means anything.
    return q.replace("\x00", "") if q else ""


def _prefix(column: str, value: str) -> Q:
    if connection.vendor == "postgresql":
        # LIKE 'x%' on a text_pattern_ops index: correct under any database collation.
        return Q(**{f"{column}__startswith": value})
    # SQLite: a range, because its LIKE is case-insensitive and cannot use the index; SQLite
    # compares text byte by byte, so everything starting with `value` lies in the range.
    return Q(**{f"{column}__gte": value, f"{column}__lt": value + TOP})


# Fields whose values are in search_text: hiding any of them from a member limits their search
# to names, or a match would reveal the hidden value ("which record has this phone number?").
CONTACT_DETAIL_FIELDS = frozenset(
    {"phone", "mobile", "other_phones", "email", "other_emails", "wechat", "credit_code", "custom"}
)

# Tables with an FTS5 trigram index over search_text, name_pinyin and name_initials on SQLite
# (migration 0008).
FTS_TABLES = frozenset({"customers_account", "customers_contact"})
TRIGRAM = 3  # FTS5's trigram index finds nothing shorter
# A query matching this many records anywhere is common enough that scanning the records in
# page order finds a page sooner than reading every hit from the index (see `_fts_condition`).
FTS_DENSE_HITS = 10_000


def _fts_phrase(value: str) -> str:
    # Inside double quotes nothing is FTS5 syntax (OR, NEAR, *, ^, -, :); a quote is doubled.
    return '"' + value.replace('"', '""') + '"'


def _fts_condition(model: type[Model] | None, contains: list[str], prefixes: list[str]) -> Q | None:
    """`_match` on SQLite through the table's FTS5 trigram index, as one MATCH: a phrase is a
    substring test, `^` anchors it at the start of the column. `pk IN (hits)` makes the planner
    start from the hits, reach each record by primary key and read them in id order, so a page
    sorted by id stops after its last row. None when the index cannot answer: not SQLite, no
    index for this table, a value shorter than a trigram — or a query so common (FTS_DENSE_HITS
    hits, counted with a LIMIT, so cheaply) that the LIKE scan in page order is faster."""
    if model is None or connection.vendor != "sqlite":
        return None
    table = model._meta.db_table
    values = [*contains, *prefixes]
    if table not in FTS_TABLES or any(len(value) < TRIGRAM for value in values):
        return None
    match = " OR ".join(
        [f"search_text : {_fts_phrase(value)}" for value in contains]
        + [f"{{name_pinyin name_initials}} : ^{_fts_phrase(value)}" for value in prefixes]
    )
    fts = connection.ops.quote_name(f"{table}_fts")
    hits = f"SELECT rowid FROM {fts} WHERE {fts} MATCH %s"  # noqa: S608 (a table name of ours)
    count = f"SELECT COUNT(*) FROM ({hits} LIMIT {FTS_DENSE_HITS})"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(count, [match])
        if cursor.fetchone()[0] >= FTS_DENSE_HITS:
            return None
    return Q(pk__in=RawSQL(hits, [match]))  # noqa: S611 (the query is a parameter)


def _match(model: type[Model] | None, *, contains: list[str], prefixes: list[str]) -> Q:
    """search_text contains one of `contains`, or name_pinyin or name_initials starts with one
    of `prefixes`."""
    indexed = _fts_condition(model, contains, prefixes)
    if indexed is not None:
        return indexed
    condition = Q()
    for value in contains:
        condition |= Q(search_text__contains=value)
    for value in prefixes:
        condition |= _prefix("name_pinyin", value) | _prefix("name_initials", value)
    return condition


def search_condition(
    q: str, *, hidden: frozenset[str] = frozenset(), model: type[Model] | None = None
) -> Q | None:
    """The WHERE for a search query, or None for an empty one. `hidden` are the fields the
    member may not see. `model` (Account or Contact): on SQLite, its FTS5 index serves the
    substring conditions; without it they are LIKE scans (the same answer, slower)."""
    q = _without_nul(q)
    query = normalize_query(q)
    if not query:
        return None
    names_only = bool(hidden & CONTACT_DETAIL_FIELDS)
    short = (
        _prefix("name", q.strip()) | _prefix("name_initials", query) | _prefix("name_pinyin", query)
    )
    brand = company_key(q) if model is not None and model._meta.model_name == "account" else ""
    if brand:
        # A company by its brand: the start of its name without the city or province in front
        # and the legal form behind ("云帆" finds 上海云帆科技有限公司), through name_key.
        short |= _prefix("name_key", brand)
    if names_only:
        if len(query) < SHORT_QUERY:
            return short
        return short | Q(name__icontains=q.strip()) | _prefix("name_pinyin", query.replace(" ", ""))
    digits = phone_query_digits(query)
    if digits:
        return _match(model, contains=[digits], prefixes=[])
    if len(query) < SHORT_QUERY:
        return short
    # Pinyin and initials are not in search_text: "zhangsan", "zhang san", "zsf" find 张三丰 as
    # prefixes of name_pinyin / name_initials, as short queries do. The query without its
    # spaces is looked for in search_text too ("li si" finds lisi@example.com).
    compact = query.replace(" ", "")
    contains = [query] if compact == query else [query, compact]
    return _match(model, contains=contains, prefixes=[compact])


def apply_search(
    queryset: QuerySet[Any], q: str, *, hidden: frozenset[str] = frozenset()
) -> QuerySet[Any]:
    """`queryset` narrowed to the records matching `q`. On SQLite this asks the FTS5 index once
    (how common the query is) to choose the condition; the queryset itself stays lazy."""
    condition = search_condition(q, hidden=hidden, model=queryset.model)
    return queryset if condition is None else queryset.filter(condition)


def uses_trigram_index() -> bool:
    return connection.vendor == "postgresql"
