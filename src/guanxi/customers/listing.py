"""Filtering and sorting account and contact lists, shared by the list pages, the API and
exports, so a saved view, an API query and an export of that view select the same rows.

Filters are `{name: value}` with an optional operator suffix: `level=A`, `created_at__gte=…`,
`custom.budget__lte=5000`, `tag=VIP`. Sorting is one key with an optional `-`: `-updated_at`,
`name`, `custom.region`. Every order ends with the id, so keyset pages are stable.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import phonenumbers
from django.db import connection, models
from django.db.models import Q, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from guanxi.core.errors import ValidationFailed
from guanxi.core.models import Membership
from guanxi.core.permissions import hidden_fields

from .models import Account, CustomField, CustomFieldType
from .normalize import phone_query_digits

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SORT_KEY = "sort_key"

# Filterable core fields: name -> (kind, permission field). Kinds decide the operators.
COMMON_FILTERS: dict[str, tuple[str, str]] = {
    "owner_id": ("owner", "owner"),
    "source": ("exact", "source"),
    "tag": ("tag", "tags"),
    "created_at": ("datetime", "name"),
    "updated_at": ("datetime", "name"),
    "last_followed_at": ("datetime", "last_followed_at"),
}
ACCOUNT_FILTERS: dict[str, tuple[str, str]] = {
    **COMMON_FILTERS,
    "name": ("text", "name"),
    "credit_code": ("exact", "credit_code"),
    "industry": ("exact", "industry"),
    "size": ("exact", "size"),
    "level": ("exact", "level"),
    "stage": ("exact", "stage"),
    "country": ("exact", "country"),
    "province": ("exact", "province"),
    "city": ("exact", "city"),
    "phone": ("phone", "phone"),
    "email": ("email", "email"),
    "other_phones": ("phones", "other_phones"),
    "other_emails": ("emails", "other_emails"),
}
CONTACT_FILTERS: dict[str, tuple[str, str]] = {
    **COMMON_FILTERS,
    "name": ("text", "name"),
    "account_id": ("fk", "account"),
    "title": ("text", "title"),
    "mobile": ("phone", "mobile"),
    "phone": ("phone", "phone"),
    "email": ("email", "email"),
    "other_phones": ("phones", "other_phones"),
    "other_emails": ("emails", "other_emails"),
    "wechat": ("exact", "wechat"),
    "email_consent": ("exact", "email_consent"),
    "sms_consent": ("exact", "sms_consent"),
    "birthday": ("date", "birthday"),
}
# Sortable columns; nullable ones are coalesced so NULLs take part in keyset comparisons.
ACCOUNT_SORTS = (
    "name",
    "created_at",
    "updated_at",
    "last_followed_at",
    "level",
    "stage",
    "province",
    "city",
    "industry",
)
CONTACT_SORTS = ("name", "created_at", "updated_at", "last_followed_at", "title", "birthday")
OPERATORS = {"", "gte", "lte", "gt", "lt", "contains", "in", "isnull"}


@dataclass
class ListQuery:
    q: str = ""
    filters: dict[str, Any] = field(default_factory=dict)
    sort: str = "-id"


def _spec(model: type[models.Model]) -> tuple[dict[str, tuple[str, str]], tuple[str, ...]]:
    if model is Account:
        return ACCOUNT_FILTERS, ACCOUNT_SORTS
    return CONTACT_FILTERS, CONTACT_SORTS


def _object_type(model: type[models.Model]) -> str:
    return "accounts" if model is Account else "contacts"


def _bad(name: str, message: Any) -> ValidationFailed:
    return ValidationFailed(fields={name: [str(message)]})


def _day(text: str) -> date | None:
    """A date as YYYY-MM-DD, or None — also for a well-formed impossible one ("2026-02-30"),
    on which Django's parse_date raises ValueError."""
    try:
        return parse_date(text)
    except ValueError:
        return None


def _datetime(name: str, raw: Any) -> datetime:
    text = str(raw).strip()
    try:
        parsed = parse_datetime(text)
    except ValueError:  # well-formed but impossible: month 13, hour 25
        parsed = None
    if parsed is None:
        day = _day(text)
        if day is not None:
            parsed = datetime(day.year, day.month, day.day)
    if parsed is None:
        raise _bad(name, _("Enter a date (YYYY-MM-DD) or a date and time."))
    if parsed.tzinfo is None:
        from django.utils import timezone

        try:
            parsed = timezone.make_aware(parsed)
        except (OverflowError, ValueError):  # year 1 or 9999 at the edge of a time zone
            raise _bad(name, _("Enter a date (YYYY-MM-DD) or a date and time."))
    return parsed


def _custom_expression(custom_field: CustomField) -> tuple[Any, models.Field[Any, Any]]:
    """The SQL expression for a custom field's value and its output field (for casts)."""
    key = custom_field.key
    kind = custom_field.field_type
    if kind == CustomFieldType.MONEY:
        text = KeyTextTransform("amount", KeyTextTransform(key, "custom"))
    else:
        text = KeyTextTransform(key, "custom")
    if kind == CustomFieldType.NUMBER or kind == CustomFieldType.USER:
        output: models.Field[Any, Any] = models.BigIntegerField()
        return Cast(text, output), output
    if kind in (CustomFieldType.DECIMAL, CustomFieldType.MONEY):
        output = models.DecimalField(max_digits=30, decimal_places=4)
        return Cast(text, output), output
    # Cast: an exact lookup on a bare KeyTextTransform compares JSON on SQLite ("malformed JSON").
    return Cast(text, models.TextField()), models.TextField()


def _custom_value(name: str, custom_field: CustomField, raw: Any) -> Any:
    kind = custom_field.field_type
    text = str(raw).strip()
    try:
        if kind in (CustomFieldType.NUMBER, CustomFieldType.USER):
            return int(text)
        if kind in (CustomFieldType.DECIMAL, CustomFieldType.MONEY):
            return Decimal(text)
    except (ValueError, ArithmeticError):
        raise _bad(name, _("Enter a number."))
    if kind == CustomFieldType.BOOLEAN:
        if text.lower() not in ("true", "false", "1", "0"):
            raise _bad(name, _("Use true or false."))
        return "true" if text.lower() in ("true", "1") else "false"
    return text


def apply_filters(
    queryset: models.QuerySet[Any],
    *,
    actor: Membership,
    filters: dict[str, Any],
    custom_fields: list[CustomField],
) -> models.QuerySet[Any]:
    """Narrow `queryset` by `filters`. Unknown names, hidden fields and bad values answer 422
    naming the filter: filtering on a hidden field would reveal its values."""
    model = queryset.model
    spec, _sorts = _spec(model)
    hidden = hidden_fields(actor, _object_type(model))
    by_key = {f.key: f for f in custom_fields}
    for raw_name, raw in filters.items():
        if raw is None or raw == "":
            continue
        name, _sep, op = raw_name.partition("__")
        if op not in OPERATORS:
            raise _bad(raw_name, _("Unknown operator."))
        if name.startswith("custom."):
            custom_field = by_key.get(name.removeprefix("custom."))
            if custom_field is None:
                raise _bad(raw_name, _("There is no such custom field."))
            if "custom" in hidden:
                raise _bad(raw_name, _("You cannot filter on a hidden field."))
            expression, _output = _custom_expression(custom_field)
            alias = f"cf_{custom_field.key}"
            queryset = queryset.alias(**{alias: expression})
            if op == "isnull":
                queryset = queryset.filter(**{f"{alias}__isnull": str(raw).lower() == "true"})
            elif custom_field.field_type in (
                CustomFieldType.TEXT,
                CustomFieldType.LONG_TEXT,
                CustomFieldType.URL,
                CustomFieldType.EMAIL,
                CustomFieldType.PHONE,
            ) and op in ("", "contains"):
                queryset = queryset.filter(**{f"{alias}__icontains": str(raw).strip()})
            elif custom_field.field_type == CustomFieldType.BOOLEAN and op == "":
                flag = _custom_value(raw_name, custom_field, raw) == "true"
                # JSON true/false: a key lookup compares them the same way on every database.
                queryset = queryset.filter(**{f"custom__{custom_field.key}": flag})
            elif custom_field.field_type == CustomFieldType.MULTI_SELECT:
                # Stored as a JSON list; match one value as a quoted item in its text.
                queryset = queryset.filter(**{f"{alias}__contains": f'"{str(raw).strip()}"'})
            elif op in ("", "gte", "lte", "gt", "lt"):
                value = _custom_value(raw_name, custom_field, raw)
                lookup = f"{alias}__{op}" if op else alias
                queryset = queryset.filter(**{lookup: value})
            else:
                raise _bad(raw_name, _("Unknown operator."))
            continue
        if name not in spec:
            raise _bad(raw_name, _("You cannot filter on this field."))
        kind, permission_field = spec[name]
        if permission_field in hidden:
            raise _bad(raw_name, _("You cannot filter on a hidden field."))
        value = str(raw).strip()
        if kind == "owner":
            if value in ("none", "null"):
                queryset = queryset.filter(owner__isnull=True)
            else:
                if value == "me":
                    owner_ids = [actor.user_id]
                else:
                    try:
                        owner_ids = [int(v) for v in value.split(",")]
                    except ValueError:
                        raise _bad(raw_name, _("Use member ids, “me” or “none”."))
                queryset = queryset.filter(owner_id__in=owner_ids)
        elif kind == "fk":
            if value in ("none", "null"):
                queryset = queryset.filter(**{f"{name}__isnull": True})
            else:
                try:
                    queryset = queryset.filter(**{name: int(value)})
                except ValueError:
                    raise _bad(raw_name, _("Enter an id."))
        elif kind == "tag":
            tag_filter = Q(tags__name__iexact=value)
            if value.isdigit():
                tag_filter |= Q(tags__id=int(value))
            queryset = queryset.filter(pk__in=model.objects.filter(tag_filter).values("pk"))
        elif kind == "datetime":
            moment = _datetime(raw_name, value)
            queryset = queryset.filter(**{f"{name}__{op or 'gte'}": moment})
        elif kind == "date":
            day = _day(value)
            if day is None:
                raise _bad(raw_name, _("Enter a date as YYYY-MM-DD."))
            queryset = queryset.filter(**{f"{name}__{op}" if op else name: day})
        elif kind == "text":
            queryset = queryset.filter(**{f"{name}__icontains": value})
        elif kind == "phone":
            digits = phone_query_digits(value)
            if not digits:
                raise _bad(raw_name, _("Enter at least 3 digits."))
            condition = Q()
            for needle in _phone_needles(actor, digits):
                condition |= Q(**{f"{name}__contains": needle})
            queryset = queryset.filter(condition)
        elif kind == "email":
            queryset = queryset.filter(**{f"{name}__icontains": value.casefold()})
        elif kind in ("phones", "emails"):
            # A JSON list: match inside its text, as the single columns are matched.
            if kind == "phones":
                digits = phone_query_digits(value)
                if not digits:
                    raise _bad(raw_name, _("Enter at least 3 digits."))
                needles = _phone_needles(actor, digits)
            else:
                needles = [_json_text_needle(raw_name, value.casefold())]
            alias = f"{name}_text"
            queryset = queryset.alias(**{alias: Cast(name, models.TextField())})
            condition = Q()
            for needle in needles:
                condition |= Q(**{f"{alias}__contains": needle})
            queryset = queryset.filter(condition)
        elif op == "in":
            queryset = queryset.filter(**{f"{name}__in": value.split(",")})
        else:
            queryset = queryset.filter(**{name: value})
    return queryset


def _phone_needles(actor: Membership, digits: str) -> list[str]:
    """What a phone fragment is looked for as in stored E.164 numbers: its digits, and — when it
    starts with the national trunk 0, as a landline is written at home ("010-6234") — also
    the workspace's country code followed by the rest ("+86106234"), which is how it is stored."""
    needles = [digits]
    if digits.startswith("0") and len(digits) > 3:
        code = phonenumbers.country_code_for_region(actor.workspace.phone_region or "CN")
        if code:
            needles.append(f"+{code}{digits[1:]}")
    return needles


def _json_text_needle(raw_name: str, value: str) -> str:
    """`value` as it appears inside the JSON text of a list of emails. Quotes, commas, brackets,
    backslashes and spaces are refused: no address holds them, and they would match the list's
    own syntax (", " matches every record with two values). Non-ASCII characters are escaped
    on SQLite, whose JSON text Django writes with \\uXXXX escapes; PostgreSQL's jsonb prints
    them as they are."""
    if not value or any(char in value for char in '"\\[],') or any(c.isspace() for c in value):
        raise _bad(raw_name, _("Enter part of an email address."))
    return json.dumps(value, ensure_ascii=connection.vendor != "postgresql")[1:-1]


def apply_search(
    queryset: models.QuerySet[Any], q: str, *, actor: Membership | None = None
) -> models.QuerySet[Any]:
    """Name, pinyin, initials, phone fragments, email — see customers/search.py. Fields hidden
    from the actor are not searched."""
    from .search import apply_search as search

    hidden = hidden_fields(actor, _object_type(queryset.model)) if actor else frozenset()
    return search(queryset, q, hidden=hidden)


def sort_order(
    queryset: models.QuerySet[Any],
    *,
    actor: Membership,
    sort: str,
    custom_fields: list[CustomField],
) -> tuple[models.QuerySet[Any], list[str], dict[str, models.Field[Any, Any]]]:
    """(queryset annotated for sorting, keyset order, annotation fields for cursors)."""
    model = queryset.model
    _spec_filters, sorts = _spec(model)
    descending = sort.startswith("-")
    name = sort.lstrip("-") or "id"
    direction = "-" if descending else ""
    if name == "id":
        return queryset, [f"{direction}id"], {}
    hidden = hidden_fields(actor, _object_type(model))
    if name.startswith("custom."):
        custom_field = next((f for f in custom_fields if f"custom.{f.key}" == name), None)
        if custom_field is None:
            raise _bad("sort", _("There is no such custom field."))
        if "custom" in hidden:
            raise _bad("sort", _("You cannot sort on a hidden field."))
        expression, output = _custom_expression(custom_field)
        fallback: Any = Value("") if isinstance(output, models.TextField) else Value(-(10**15))
        queryset = queryset.annotate(
            **{SORT_KEY: Coalesce(expression, fallback, output_field=output)}
        )
        return queryset, [f"{direction}{SORT_KEY}", f"{direction}id"], {SORT_KEY: output}
    if name not in sorts:
        raise _bad("sort", _("You cannot sort on this field."))
    if name in hidden:
        raise _bad("sort", _("You cannot sort on a hidden field."))
    model_field = model._meta.get_field(name)
    if model_field.null:
        sentinel: Any = EPOCH if isinstance(model_field, models.DateTimeField) else None
        if isinstance(model_field, models.DateField) and not isinstance(
            model_field, models.DateTimeField
        ):
            sentinel = datetime(1900, 1, 1).date()
        output_field: models.Field[Any, Any] = type(model_field)()
        queryset = queryset.annotate(
            **{SORT_KEY: Coalesce(name, Value(sentinel), output_field=output_field)}
        )
        return (
            queryset,
            [f"{direction}{SORT_KEY}", f"{direction}id"],
            {SORT_KEY: output_field},
        )
    return queryset, [f"{direction}{name}", f"{direction}id"], {}
