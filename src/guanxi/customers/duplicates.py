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

import re
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
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
    if data.get("phone"):
        _collect(found, base.filter(phone=data["phone"]), "accounts", "phone")
    if data.get("email"):
        _collect(found, base.filter(email=data["email"]), "accounts", "email")
    return list(found.values())[:MAX_CANDIDATES]


def contact_candidates(
    *, workspace_id: int, data: dict[str, Any], exclude_id: int | None = None
) -> list[Candidate]:
    """Live contacts sharing a mobile, phone or email with `data` (cleaned values)."""
    base = Contact.objects.filter(workspace_id=workspace_id, deleted_at__isnull=True)
    if exclude_id:
        base = base.exclude(pk=exclude_id)
    found: dict[int, Candidate] = {}
    numbers = [n for n in (data.get("mobile"), data.get("phone")) if n]
    for number in dict.fromkeys(numbers):
        _collect(found, base.filter(mobile=number), "contacts", "mobile")
        _collect(found, base.filter(phone=number), "contacts", "phone")
    if data.get("email"):
        _collect(found, base.filter(email=data["email"]), "contacts", "email")
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
        groups += [DuplicateGroup(object_type, key, row[key], row["n"], []) for row in rows]
    groups.sort(key=lambda g: (-g.count, g.key, g.value))
    groups = groups[:limit]
    if groups:
        condition = Q(pk__in=[])
        for group in groups:
            condition |= Q(**{group.key: group.value})
        records = list(base.filter(condition).select_related("owner").order_by("id")[:5000])
        for group in groups:
            group.records = [r for r in records if getattr(r, group.key) == group.value]
    # A pair found by two keys (same phone and same email) is shown once, under its first key.
    seen: set[tuple[int, ...]] = set()
    unique = []
    for group in groups:
        ids = tuple(sorted(r.pk for r in group.records))
        if ids in seen:
            continue
        seen.add(ids)
        unique.append(group)
    return unique
