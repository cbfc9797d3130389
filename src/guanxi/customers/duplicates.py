"""Duplicate check (查重): candidates for a record about to be saved, and the workspace's report of
likely duplicate groups.

Matches use the normalized values the services store — phone numbers as E.164, emails
case-folded, the unified social credit code, and `name_key` (company names without legal-form
suffixes, regions in brackets, widths and spaces) — each served by an index, so a check costs a
few index lookups even on a million records. A fuzzy company-name pass compares names sharing
the first characters of their key.

The check looks across the whole workspace, whoever owns the record and whatever the member's
data scope: a rep must learn that a colleague already works this customer. Candidates therefore
carry only the name, the owner and why they matched.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Count, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy

from guanxi.core.errors import Conflict
from guanxi.core.models import Membership

from .models import Account, Contact
from .normalize import company_key, company_similarity

FUZZY_THRESHOLD = 0.8
FUZZY_PREFIX = 2  # characters of name_key that must agree before names are compared
FUZZY_MIN_LENGTH = 4  # shorter keys ("abc") are too short to call similar; exact matches only
MAX_CANDIDATES = 10
DIGITS = re.compile(r"\d+")
# The report looks at this many records with other phones or emails at most, per list.
OTHER_VALUES_SCAN = 20_000

# The values a new or changed record is checked by: single columns, then the lists of others.
ACCOUNT_IDENTIFIERS = ("name_key", "credit_code", "phone", "email", "other_phones", "other_emails")
CONTACT_IDENTIFIERS = ("mobile", "phone", "email", "other_phones", "other_emails")
LIST_IDENTIFIERS = frozenset({"other_phones", "other_emails"})


@dataclass
class Candidate:
    object_type: str
    id: int
    name: str
    owner_id: int | None
    owner_name: str
    reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "object_type": self.object_type,
            "id": self.id,
            "name": self.name,
            "owner_id": self.owner_id,
            "owner_name": self.owner_name,
            "reasons": self.reasons,
        }


class DuplicateFound(Conflict):
    code = "duplicate"
    default_message: Any = gettext_lazy("This looks like an existing record.")

    def __init__(self, candidates: list[Candidate]):
        super().__init__(candidates=[c.as_dict() for c in candidates])
        self.candidates = candidates


REASON_LABELS = {
    "credit_code": gettext_lazy("same unified social credit code"),
    "name": gettext_lazy("same company name"),
    "similar_name": gettext_lazy("similar company name"),
    "phone": gettext_lazy("same phone number"),
    "mobile": gettext_lazy("same mobile number"),
    "email": gettext_lazy("same email"),
}


def reason_label(reason: str) -> str:
    return str(REASON_LABELS.get(reason, reason))


def new_identifiers(cleaned: dict[str, Any], record: Any, keys: tuple[str, ...]) -> dict[str, Any]:
    """The identifying values an update brings that the record did not have: only those are
    checked again (an unchanged phone that already matched a look-alike stays allowed)."""
    found: dict[str, Any] = {}
    for key in keys:
        if key not in cleaned:
            continue
        value = cleaned[key]
        if key in LIST_IDENTIFIERS:
            new = [v for v in value if v not in getattr(record, key)]
            if new:
                found[key] = new
        elif value and value != getattr(record, key):
            found[key] = value
    return found


def has_listed_values(model: Any, column: str) -> RawSQL:
    """WHERE the record has other phones (or emails), spelled as the partial indexes of
    migration 0007 are, so both databases use them."""
    name = f"{connection.ops.quote_name(model._meta.db_table)}.{connection.ops.quote_name(column)}"
    empty = "'[]'::jsonb" if connection.vendor == "postgresql" else "'[]'"
    return RawSQL(f"{name} <> {empty}", [], output_field=BooleanField())  # noqa: S611


def other_value_matches(
    model: Any, workspace_id: int, column: str, values: list[str]
) -> list[tuple[str, int, Any]]:
    """(value, record id, deleted_at) for each record of the workspace whose list `column`
    (other_phones / other_emails) holds one of `values`. Only records that have such values are
    looked at: a partial GIN index on PostgreSQL, a partial index on SQLite (migration 0007)."""
    if not values or column not in LIST_IDENTIFIERS:
        return []
    table = connection.ops.quote_name(model._meta.db_table)
    quoted = connection.ops.quote_name(column)
    wanted = set(values)
    found: list[tuple[str, int, Any]] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Names are the model's own, quoted; values are parameters.
            cursor.execute(
                f"SELECT id, {quoted}, deleted_at FROM {table} "  # noqa: S608
                f"WHERE {quoted} <> '[]'::jsonb AND {quoted} ?| %s AND workspace_id = %s",
                [sorted(wanted), workspace_id],
            )
            for record_id, listed, deleted_at in cursor.fetchall():
                # Django reads jsonb as text (JSONField decodes it); a raw cursor does too.
                values_of = json.loads(listed) if isinstance(listed, str) else listed
                found += [(v, record_id, deleted_at) for v in values_of if v in wanted]
            return found
        ordered = sorted(wanted)
        for start in range(0, len(ordered), 900):
            chunk = ordered[start : start + 900]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"SELECT j.value, r.id, r.deleted_at FROM {table} r, json_each(r.{quoted}) j "  # noqa: S608
                f"WHERE r.workspace_id = %s AND r.{quoted} <> '[]' AND j.value IN ({marks})",
                [workspace_id, *chunk],
            )
            found += cursor.fetchall()
    return found


def _collect_listed(
    found: dict[int, Candidate],
    base: QuerySet[Any],
    workspace_id: int,
    object_type: str,
    column: str,
    values: list[str],
    reason: str,
) -> None:
    """Candidates whose other phones / emails hold one of `values`."""
    ids = {
        record_id
        for _value, record_id, deleted_at in other_value_matches(
            base.model, workspace_id, column, values
        )
        if deleted_at is None
    }
    if ids:
        _collect(found, base.filter(pk__in=sorted(ids)), object_type, reason)


def _collect(
    found: dict[int, Candidate], queryset: QuerySet[Any], object_type: str, reason: str
) -> None:
    for record in queryset.select_related("owner")[:MAX_CANDIDATES]:
        candidate = found.get(record.pk)
        if candidate is None:
            candidate = found[record.pk] = Candidate(
                object_type=object_type,
                id=record.pk,
                name=record.name,
                owner_id=record.owner_id,
                owner_name=str(record.owner) if record.owner else "",
            )
        if reason not in candidate.reasons:
            candidate.reasons.append(reason)


def _similar(a: str, b: str) -> bool:
    """Fuzzy match of two company keys. Names that differ only in their digits (分店 No. 1 and
    No. 2, "Company 3" and "Company 4") are different companies, however alike they look."""
    if len(b) < FUZZY_MIN_LENGTH:
        return False
    if DIGITS.sub("", a) == DIGITS.sub("", b):
        return False
    return company_similarity(a, b) >= FUZZY_THRESHOLD


def account_candidates(
    *, workspace_id: int, data: dict[str, Any], exclude_id: int | None = None
) -> list[Candidate]:
    """Live accounts that look like `data` (cleaned values: name, credit_code, phone, email)."""
    base = Account.objects.filter(workspace_id=workspace_id, deleted_at__isnull=True)
    if exclude_id:
        base = base.exclude(pk=exclude_id)
    found: dict[int, Candidate] = {}
    if data.get("credit_code"):
        _collect(found, base.filter(credit_code=data["credit_code"]), "accounts", "credit_code")
    key = data.get("name_key") or (company_key(data["name"]) if data.get("name") else "")
    if key:
        _collect(found, base.filter(name_key=key), "accounts", "name")
        if len(key) >= FUZZY_MIN_LENGTH:
            nearby = base.filter(name_key__startswith=key[:FUZZY_PREFIX]).exclude(name_key=key)
            for record in nearby.select_related("owner").only("id", "name", "name_key", "owner")[
                :200
            ]:
                if _similar(key, record.name_key):
                    _collect(found, base.filter(pk=record.pk), "accounts", "similar_name")
    phones = list(dict.fromkeys(n for n in [data.get("phone"), *data.get("other_phones", [])] if n))
    emails = list(dict.fromkeys(e for e in [data.get("email"), *data.get("other_emails", [])] if e))
    if phones:
        _collect(found, base.filter(phone__in=phones), "accounts", "phone")
        _collect_listed(found, base, workspace_id, "accounts", "other_phones", phones, "phone")
    if emails:
        _collect(found, base.filter(email__in=emails), "accounts", "email")
        _collect_listed(found, base, workspace_id, "accounts", "other_emails", emails, "email")
    return list(found.values())[:MAX_CANDIDATES]


def contact_candidates(
    *, workspace_id: int, data: dict[str, Any], exclude_id: int | None = None
) -> list[Candidate]:
    """Live contacts sharing a mobile, phone or email with `data` (cleaned values)."""
    base = Contact.objects.filter(workspace_id=workspace_id, deleted_at__isnull=True)
    if exclude_id:
        base = base.exclude(pk=exclude_id)
    found: dict[int, Candidate] = {}
    numbers = [data.get("mobile"), data.get("phone"), *data.get("other_phones", [])]
    phones = list(dict.fromkeys(n for n in numbers if n))
    emails = list(dict.fromkeys(e for e in [data.get("email"), *data.get("other_emails", [])] if e))
    if phones:
        _collect(found, base.filter(mobile__in=phones), "contacts", "mobile")
        _collect(found, base.filter(phone__in=phones), "contacts", "phone")
        _collect_listed(found, base, workspace_id, "contacts", "other_phones", phones, "phone")
    if emails:
        _collect(found, base.filter(email__in=emails), "contacts", "email")
        _collect_listed(found, base, workspace_id, "contacts", "other_emails", emails, "email")
    return list(found.values())[:MAX_CANDIDATES]


def check(
    *,
    actor: Membership,
    object_type: str,
    cleaned: dict[str, Any],
    exclude_id: int | None = None,
    allow_duplicate: bool = False,
) -> None:
    """Raise DuplicateFound (409 with the candidates) unless `allow_duplicate`."""
    if allow_duplicate:
        return
    finder = account_candidates if object_type == "accounts" else contact_candidates
    candidates = finder(workspace_id=actor.workspace_id, data=cleaned, exclude_id=exclude_id)
    if candidates:
        raise DuplicateFound(candidates)


# --- The duplicates report ---------------------------------------------------------------------

# The columns a value in other_phones / other_emails may also be in, by record type.
MAIN_COLUMNS = {
    ("accounts", "other_phones"): ("phone",),
    ("accounts", "other_emails"): ("email",),
    ("contacts", "other_phones"): ("mobile", "phone"),
    ("contacts", "other_emails"): ("email",),
}


def _list_key(key: str) -> str | None:
    """The group key a main column's shared value is reported under when lists are involved."""
    return {"email": "email", "phone": "phone", "mobile": "phone"}.get(key)


REPORT_KEYS = {
    "accounts": ("credit_code", "name_key", "phone", "email"),
    "contacts": ("mobile", "phone", "email"),
}


@dataclass
class DuplicateGroup:
    object_type: str
    key: str
    value: str
    count: int
    records: list[Any]
    # The fields the shared value was found in (a member who may not see one of them is not
    # shown the value).
    fields: tuple[str, ...] = ()


def _listed_groups(
    base: QuerySet[Any], workspace_id: int, object_type: str
) -> dict[tuple[str, str], set[int]]:
    """Groups formed through other phones / emails: ("phone" | "email", value) → the ids of the
    live records that have the value, in a list or in a main column. Reads only the records
    that have such lists (few, and indexed), then looks their values up in the main columns."""
    groups: dict[tuple[str, str], set[int]] = {}
    for column in ("other_phones", "other_emails"):
        key = "phone" if column == "other_phones" else "email"
        holders: dict[str, set[int]] = {}
        rows = base.filter(has_listed_values(base.model, column)).values_list("id", column)
        rows = rows[:OTHER_VALUES_SCAN]
        for record_id, values in rows:
            for value in values or []:
                holders.setdefault(value, set()).add(record_id)
        values = sorted(holders)
        for main in MAIN_COLUMNS[(object_type, column)]:
            for start in range(0, len(values), 500):
                chunk = values[start : start + 500]
                for record_id, value in base.filter(**{f"{main}__in": chunk}).values_list(
                    "id", main
                ):
                    holders[value].add(record_id)
        for value, ids in holders.items():
            if len(ids) > 1:
                groups[(key, value)] = ids
    return groups


def duplicate_groups(
    *,
    workspace_id: int,
    object_type: str,
    limit: int = 100,
    base: QuerySet[Any] | None = None,
) -> list[DuplicateGroup]:
    """Likely duplicate groups: live records sharing a normalized key, biggest groups first.
    One GROUP BY per key over its index, then one query for the records of the shown groups.
    `base` narrows the rows looked at (a member's report covers what they may see)."""
    model: Any = Account if object_type == "accounts" else Contact
    if base is None:
        base = model.objects.filter(workspace_id=workspace_id, deleted_at__isnull=True)
    groups: list[DuplicateGroup] = []
    for key in REPORT_KEYS[object_type]:
        rows = (
            base.exclude(**{key: ""})
            .values(key)
            .annotate(n=Count("id"))
            .filter(n__gt=1)
            .order_by("-n", key)[:limit]
        )
        groups += [DuplicateGroup(object_type, key, row[key], row["n"], [], (key,)) for row in rows]
    listed = _listed_groups(base, workspace_id, object_type)
    # A value shared through the lists replaces its main-column group (it has more records).
    groups = [g for g in groups if (_list_key(g.key), g.value) not in listed]
    groups += [
        DuplicateGroup(
            object_type,
            key,
            value,
            len(ids),
            [],
            ("other_phones", *MAIN_COLUMNS[(object_type, "other_phones")])
            if key == "phone"
            else ("other_emails", "email"),
        )
        for (key, value), ids in listed.items()
    ]
    groups.sort(key=lambda g: (-g.count, g.key, g.value))
    groups = groups[:limit]
    if groups:
        condition = Q(pk__in=[])
        for group in groups:
            ids = listed.get((group.key, group.value))
            condition |= Q(pk__in=sorted(ids)) if ids else Q(**{group.key: group.value})
        records = list(base.filter(condition).select_related("owner").order_by("id")[:5000])
        for group in groups:
            ids = listed.get((group.key, group.value))
            group.records = [
                r for r in records if (r.pk in ids if ids else getattr(r, group.key) == group.value)
            ]
    # A pair found by two keys (same phone and same email) is shown once, under its first key.
    seen: set[tuple[int, ...]] = set()
    unique = []
    for group in groups:
        members = tuple(sorted(r.pk for r in group.records))
        if members in seen:
            continue
        seen.add(members)
        unique.append(group)
    return unique
