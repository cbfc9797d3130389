"""Searching accounts and contacts: by name, company, phone (any part, with or without +86,
spaces, dashes), email, and for Chinese names by pinyin and initials (`zhangsan`, `zs` → 张三).

Every record keeps three search columns, filled by the services whenever a searched field
changes (see `search_columns`):

- `name_pinyin` / `name_initials`: for short queries (1–2 characters), matched as prefixes with
  the name itself — btree range scans on (workspace, column);
- `search_text`: name, pinyin, initials, phone digits (international and national forms), emails,
  WeChat id, credit code, company — matched as a substring for queries of 3 characters or more.
  On PostgreSQL a trigram GIN index serves it (migration 0002); on SQLite it is a LIKE scan.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet

from .normalize import (
    is_chinese,
    phone_query_digits,
    phone_search_digits,
    pinyin_keys,
    to_halfwidth,
)

SHORT_QUERY = 3  # below this many characters, prefix matches on names only
MAX_QUERY = 100
# The highest code point: "abc" <= x < "abc" + TOP is "x starts with abc" as a btree range.
TOP = "\U0010ffff"


def _phone_digits(value: str) -> str:
    if not value:
        return ""
    try:
        return phone_search_digits(value)
    except ValueError:
        return value


def search_columns(values: dict[str, Any], *, person: bool) -> dict[str, str]:
    """The three search columns for a record with these field values (model attribute names)."""
    name = str(values.get("name") or "")
    full, initials = pinyin_keys(name, person=person) if is_chinese(name) else ("", "")
    if not full:
        words = to_halfwidth(name).casefold().split()
        full = "".join(words)
        initials = "".join(word[0] for word in words if word)
    parts = [
        name.casefold(),
        full,
        initials,
        _phone_digits(str(values.get("phone") or "")),
        _phone_digits(str(values.get("mobile") or "")),
        str(values.get("email") or "").casefold(),
        str(values.get("wechat") or "").casefold(),
        str(values.get("credit_code") or "").casefold(),
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


SEARCHED_FIELDS = {"name", "phone", "mobile", "email", "wechat", "credit_code", "account_id"}


def refresh_search_columns(record: Any, *, person: bool) -> list[str]:
    """Recompute the record's search columns from its current values; returns the changed
    column names (for a partial save)."""
    values = {
        "name": record.name,
        "phone": record.phone,
        "mobile": getattr(record, "mobile", ""),
        "email": record.email,
        "wechat": getattr(record, "wechat", ""),
        "credit_code": getattr(record, "credit_code", ""),
    }
    if person and getattr(record, "account_id", None):
        from .models import Account

        values["company"] = (
            Account.objects.filter(pk=record.account_id).values_list("name", flat=True).first()
            or ""
        )
    changed = []
    for column, value in search_columns(values, person=person).items():
        if getattr(record, column) != value:
            setattr(record, column, value)
            changed.append(column)
    return changed


def normalize_query(q: str) -> str:
    return " ".join(to_halfwidth(q or "").casefold().split())[:MAX_QUERY]


def _prefix(column: str, value: str) -> Q:
    if connection.vendor == "postgresql":
        # LIKE 'x%' on a text_pattern_ops index: correct under any database collation.
        return Q(**{f"{column}__startswith": value})
    # SQLite: a range, because its LIKE is case-insensitive and cannot use the index; SQLite
    # compares text byte by byte, so everything starting with `value` lies in the range.
    return Q(**{f"{column}__gte": value, f"{column}__lt": value + TOP})


# Fields whose values are in search_text: hiding any of them from a member limits their search
# to names, or a match would reveal the hidden value ("which record has this phone number?").
CONTACT_DETAIL_FIELDS = frozenset({"phone", "mobile", "email", "wechat", "credit_code"})


def search_condition(q: str, *, hidden: frozenset[str] = frozenset()) -> Q | None:
    """The WHERE for a search query, or None for an empty one. `hidden` are the fields the
    member may not see."""
    query = normalize_query(q)
    if not query:
        return None
    names_only = bool(hidden & CONTACT_DETAIL_FIELDS)
    short = (
        _prefix("name", q.strip()) | _prefix("name_initials", query) | _prefix("name_pinyin", query)
    )
    if names_only:
        if len(query) < SHORT_QUERY:
            return short
        return short | Q(name__icontains=q.strip()) | _prefix("name_pinyin", query.replace(" ", ""))
    digits = phone_query_digits(query)
    if digits:
        return Q(search_text__contains=digits)
    if len(query) < SHORT_QUERY:
        return short
    compact = query.replace(" ", "")
    condition = Q(search_text__contains=query)
    if compact != query:  # "zhang san" finds zhangsan
        condition |= Q(search_text__contains=compact)
    return condition


def apply_search(
    queryset: QuerySet[Any], q: str, *, hidden: frozenset[str] = frozenset()
) -> QuerySet[Any]:
    condition = search_condition(q, hidden=hidden)
    return queryset if condition is None else queryset.filter(condition)


def uses_trigram_index() -> bool:
    return connection.vendor == "postgresql"
