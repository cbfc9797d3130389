"""Running an import: the file is read as a stream and worked through in batches.

Per batch:

1. prepare (no writes): each row's cells become the data the customers cleaners take
   (`accounts.clean_fields` / `contacts.clean_fields`, called with the same membership object
   throughout, so the workspace's pick lists, custom fields and members are read once per job);
   owners are found by member email or name, contacts' companies among the accounts the member
   can see (one query per batch); the duplicate keys and search columns are computed;
2. commit, in one transaction: the duplicate keys of the whole batch are looked up with one
   IN query per key column — in the database (records of earlier batches included, so duplicates
   within the file are found too) and, in a dry run, in the keys earlier batches would have
   written; then records are created (bulk_create), updated (bulk_update, rows locked), tagged,
   put on their timelines, and the row results and the job's counters are written. The commit of
   `processed_rows` is the checkpoint: a job that stops is resumed from it, and no row is
   written twice.

A dry run does all of this except writing customer records, tags and timeline entries.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from guanxi.core import audit
from guanxi.core import context as request_context
from guanxi.core.errors import GuanxiError, PermissionDenied, ValidationFailed
from guanxi.core.models import AuditEvent, Membership, TimelineEntry
from guanxi.core.permissions import can, require
from guanxi.customers.custom_fields import searchable_text
from guanxi.customers.duplicates import other_value_matches, reason_label
from guanxi.customers.models import (
    Account,
    AccountTag,
    CompanySize,
    ConsentStatus,
    Contact,
    ContactTag,
    CustomFieldType,
    LifecycleStage,
    Tag,
)
from guanxi.customers.normalize import company_key
from guanxi.customers.search import (
    SEARCHED_FIELDS,
    refresh_search_columns,
    search_columns,
    with_company,
)
from guanxi.customers.services import accounts as account_services
from guanxi.customers.services import contacts as contact_services
from guanxi.customers.services.pool import default_pool
from guanxi.customers.services.records import lookups

from .. import bulk, readers
from .. import mapping as mapping_rules
from ..models import DuplicateMode, ImportJob, ImportKey, ImportRowResult, ImportStatus, RowStatus

logger = logging.getLogger("guanxi.dataio")

IMPORTED_KIND = "record.imported"
CONSENT_SOURCE = "import"
MESSAGE_LIMIT = 255
COMPANY_CACHE_SIZE = 20_000


def batch_size() -> int:
    return max(1, int(getattr(settings, "IMPORT_BATCH_SIZE", 1000)))


class LeaseLost(Exception):
    """Another worker has taken the job over (this one was presumed dead)."""


# --- Reading a row into the cleaners' data ---------------------------------------------------------

PLAIN, OWNER, ACCOUNT, CHOICE, DATE, CUSTOM, CUSTOM_USER, CUSTOM_DATE = range(8)
CHOICES: dict[str, Any] = {
    "stage": LifecycleStage,
    "size": CompanySize,
    "email_consent": ConsentStatus,
    "sms_consent": ConsentStatus,
}
# What Chinese spreadsheets write for the choice fields, whatever the catalog says.
_CONSENT_WORDS = {
    "未询问": "unknown", "未知": "unknown", "否": "unknown",
    "同意": "granted", "已同意": "granted", "是": "granted", "yes": "granted",
    "撤回": "withdrawn", "已撤回": "withdrawn", "拒绝": "withdrawn", "no": "withdrawn",
}  # fmt: skip
CHOICE_WORDS: dict[str, dict[str, str]] = {
    "stage": {
        "潜在客户": "prospect", "潜在": "prospect", "意向客户": "interested", "意向": "interested",
        "成交客户": "customer", "成交": "customer", "已成交": "customer",
        "流失客户": "churned", "流失": "churned", "已流失": "churned",
    },
    "size": {
        "1-19人": "1-19", "20-99人": "20-99", "100-499人": "100-499", "500-999人": "500-999",
        "1000人以上": "1000+", "1000+人": "1000+",
    },
    "email_consent": _CONSENT_WORDS,
    "sms_consent": _CONSENT_WORDS,
}  # fmt: skip
_DATE = re.compile(
    r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s*[ T]?0{1,2}:00(?::00)?)?\s*$"
)
_COMPACT_DATE = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})\s*$")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_LEADING_IGNORED = "".join(chr(c) for c in range(33)) + "\x7f\u00a0\u3000"


def normalize_date(text: str) -> str:
    """2024/5/1, 2024.05.01, 2024年5月1日, 20240501 → 2024-05-01; anything else unchanged (the
    cleaner then names the problem)."""
    match = _DATE.match(text) or _COMPACT_DATE.match(text)
    if not match:
        return text
    year, month, day = (int(part) for part in match.groups())
    return f"{year:04d}-{month:02d}-{day:02d}"


def unquote(value: str) -> str:
    """Undo the apostrophe an export puts before a formula-like cell ("'=1+2", "'+8613…"), so a
    file exported from Guanxi imports back unchanged."""
    if value[:1] == "'" and value[1:].lstrip(_LEADING_IGNORED)[:1] in _FORMULA_START:
        return value[1:]
    if value[:1] == "'" and value[1:2] in ("\t", "\r"):
        return value[1:]
    return value


@dataclass
class Prepared:
    """One row after the prepare step."""

    number: int
    cells: list[str]
    errors: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    cleaned: dict[str, Any] | None = None
    # (reason, key) in the order they decide a match, e.g. ("mobile", "n:+8613812345678").
    keys: list[tuple[str, str]] = field(default_factory=list)
    account_name: str = ""
    # The linked account's name (contacts are found by their company's name too).
    company: str = ""
    search: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors and self.cleaned is not None


class ImportContext:
    """What a job needs to turn rows into records, loaded once per job."""

    def __init__(self, job: ImportJob, actor: Membership):
        self.job = job
        self.actor = actor
        self.object_type = job.object_type
        self.is_contacts = job.object_type == "contacts"
        self.model: Any = Contact if self.is_contacts else Account
        self.services: Any = contact_services if self.is_contacts else account_services
        self.mode = job.duplicate_mode
        self.dry_run = job.dry_run
        self.now = timezone.now()
        require(actor, self.object_type, "import")
        require(actor, self.object_type, "create")
        if self.mode == DuplicateMode.UPDATE:
            require(actor, self.object_type, "edit")
        self.custom_fields = lookups(actor).custom_fields(self.object_type)
        self.custom_by_key = {f.key: f for f in self.custom_fields}
        self.mapping = mapping_rules.check(
            actor=actor,
            object_type=self.object_type,
            headers=job.headers,
            mapping=job.mapping,
            custom_fields=self.custom_fields,
        )
        self.columns = self._columns()
        targets = {target for _index, target, _kind in self.columns}
        self.compose_name = self.is_contacts and "name" not in targets
        self.can_assign = can(actor, self.object_type, "assign")
        self.can_edit = can(actor, self.object_type, "edit")
        self.can_create_tags = can(actor, "tags", "create")
        self.can_see_accounts = can(actor, "accounts", "view")
        self.choices = self._choice_labels()
        self._members: tuple[dict[str, int], dict[str, set[int]]] | None = None
        self._tags: dict[str, Tag] | None = None
        self._pool_id: int | None | bool = False
        # Company name → the account it links to (None: no such account), per job.
        self.companies: dict[str, tuple[int, str] | None] = {}
        # Warm the cleaners' cache now: no query while rows are cleaned.
        cache = lookups(actor)
        _ = cache.workspace, cache.active_member_ids
        for list_key in ("account_level", "source", "industry"):
            cache.picklist(list_key)

    def _columns(self) -> list[tuple[int, str, int]]:
        columns = []
        for index, header in enumerate(self.job.headers):
            target = self.mapping.get(header) or ""
            if not target:
                continue
            kind = PLAIN
            if target == "owner":
                kind = OWNER
            elif target == "account":
                kind = ACCOUNT
            elif target in CHOICES:
                kind = CHOICE
            elif target == "birthday":
                kind = DATE
            elif target.startswith("custom."):
                custom_field = self.custom_by_key[target.removeprefix("custom.")]
                kind = {
                    CustomFieldType.USER: CUSTOM_USER,
                    CustomFieldType.DATE: CUSTOM_DATE,
                }.get(custom_field.field_type, CUSTOM)
            columns.append((index, target, kind))
        return columns

    def _choice_labels(self) -> dict[str, dict[str, str]]:
        """Choice fields take their value or their label in English or Chinese ("意向客户")."""
        result: dict[str, dict[str, str]] = {}
        for name, choices in CHOICES.items():
            labels: dict[str, str] = dict(CHOICE_WORDS.get(name, {}))
            for language in ("en", "zh-hans"):
                with translation.override(language):
                    for value, label in choices.choices:
                        labels.setdefault(str(label).casefold(), value)
            for value in choices.values:
                labels[str(value).casefold()] = value
            result[name] = labels
        return result

    def warm(self) -> None:
        """Load everything `prepare_rows` may read (it runs no query of its own)."""
        self.members()
        self.tags()

    # Members, by email or name ---------------------------------------------------------------

    def members(self) -> tuple[dict[str, int], dict[str, set[int]]]:
        if self._members is None:
            by_email: dict[str, int] = {}
            by_name: dict[str, set[int]] = {}
            rows = Membership.objects.active().filter(workspace_id=self.actor.workspace_id)
            for user_id, email, name in rows.values_list("user_id", "user__email", "user__name"):
                by_email[email.casefold()] = user_id
                if name:
                    by_name.setdefault(" ".join(name.split()).casefold(), set()).add(user_id)
            self._members = (by_email, by_name)
        return self._members

    def member_id(self, value: str) -> tuple[int | None, str]:
        """(user id, "") or (None, the problem) for a member given by email, name or id."""
        text = " ".join(value.split())
        by_email, by_name = self.members()
        key = text.casefold()
        if key in by_email:
            return by_email[key], ""
        found = by_name.get(key, set())
        if len(found) == 1:
            return next(iter(found)), ""
        if len(found) > 1:
            return None, _("Several members are called “%(name)s”; use their email.") % {
                "name": text
            }
        if text.isdigit() and int(text) in lookups(self.actor).active_member_ids:
            return int(text), ""
        return None, _("No active member has the email or name “%(name)s”.") % {"name": text}

    # Tags and the default pool ----------------------------------------------------------------

    def tags(self) -> dict[str, Tag]:
        if self._tags is None:
            self._tags = {
                t.name.casefold(): t
                for t in Tag.objects.filter(workspace_id=self.actor.workspace_id)
            }
        return self._tags

    def pool_id(self) -> int | None:
        if self._pool_id is False:
            pool = default_pool(self.actor.workspace_id, self.object_type)
            self._pool_id = pool.pk if pool else None
        return self._pool_id  # type: ignore[return-value]


# --- Prepare ----------------------------------------------------------------------------------------


def _data_of(ctx: ImportContext, row: readers.Row, prepared: Prepared) -> None:
    data: dict[str, Any] = {}
    custom: dict[str, Any] = {}
    cells = row.cells
    for index, target, kind in ctx.columns:
        raw = cells[index]
        if not raw or raw.isspace():
            continue  # a blank cell never clears a value
        value = unquote(raw)
        if kind == PLAIN:
            data[target] = value
        elif kind == CUSTOM:
            custom[target[7:]] = value
        elif kind == OWNER:
            owner_id, problem = ctx.member_id(value)
            if problem:
                prepared.errors["owner_id"] = [problem]
            else:
                data["owner_id"] = owner_id
        elif kind == ACCOUNT:
            prepared.account_name = " ".join(value.split())
        elif kind == CHOICE:
            text = value.strip()
            data[target] = ctx.choices[target].get(text.casefold(), text)
        elif kind == DATE:
            data[target] = normalize_date(value)
        elif kind == CUSTOM_DATE:
            custom[target[7:]] = normalize_date(value)
        elif kind == CUSTOM_USER:
            user_id, problem = ctx.member_id(value)
            if problem:
                prepared.errors[target] = [problem]
            else:
                custom[target[7:]] = user_id
    if custom:
        data["custom"] = custom
    if ctx.compose_name and ("family_name" in data or "given_name" in data):
        from guanxi.customers.normalize import is_chinese

        family = " ".join(str(data.get("family_name", "")).split())
        given = " ".join(str(data.get("given_name", "")).split())
        joined = family + given
        data["name"] = joined if is_chinese(joined) else " ".join(p for p in (given, family) if p)
    prepared.data = data


def _keys(ctx: ImportContext, cleaned: dict[str, Any]) -> list[tuple[str, str]]:
    if ctx.mode == DuplicateMode.CREATE:
        return []
    get = cleaned.get
    candidates: tuple[tuple[str, str, Any], ...]
    if ctx.is_contacts:
        candidates = (
            ("mobile", "n:", get("mobile")),
            ("phone", "n:", get("phone")),
            ("email", "e:", get("email")),
        )
        phone_prefix = "n:"
    else:
        candidates = (
            ("credit_code", "c:", get("credit_code")),
            ("name", "k:", get("name_key")),
            ("phone", "p:", get("phone")),
            ("email", "e:", get("email")),
        )
        phone_prefix = "p:"
    keys = [(reason, prefix + value) for reason, prefix, value in candidates if value]
    keys += [("phone", phone_prefix + value) for value in get("other_phones", ())]
    keys += [("email", "e:" + value) for value in get("other_emails", ())]
    return keys


def _search(ctx: ImportContext, record: dict[str, Any], company: str) -> dict[str, str]:
    get = record.get
    values = {
        "name": get("name", ""),
        "phone": get("phone", ""),
        "mobile": get("mobile", ""),
        "email": get("email", ""),
        "other_phones": get("other_phones", ()),
        "other_emails": get("other_emails", ()),
        "wechat": get("wechat", ""),
        "credit_code": get("credit_code", ""),
        "custom_text": searchable_text(get("custom") or {}, ctx.custom_fields),
    }
    if company:
        values["company"] = company
    return search_columns(values, person=ctx.is_contacts)


def _resolve_accounts(ctx: ImportContext, prepared: list[Prepared]) -> dict[str, tuple[int, str]]:
    """Company name → (account id, its name) among live accounts the member can see: the exact
    name first, else the same company key (北京字节跳动科技有限公司 = 字节跳动科技). One query
    for the names this job has not looked up yet: a file names the same companies again and
    again, so each is matched once per job (as the accounts were at that moment)."""
    if not ctx.can_see_accounts:
        return {}
    wanted = {p.account_name for p in prepared if p.account_name}
    names = wanted - ctx.companies.keys()
    if names:
        if len(ctx.companies) > COMPANY_CACHE_SIZE:
            ctx.companies.clear()  # memory stays flat on a file of a million companies
        ctx.companies.update(_find_accounts(ctx, names))
    return {name: match for name in wanted if (match := ctx.companies[name]) is not None}


def _find_accounts(ctx: ImportContext, names: set[str]) -> dict[str, tuple[int, str] | None]:
    keys = {company_key(n): n for n in names}
    keys.pop("", None)
    found: dict[str, tuple[int, str]] = {}
    by_key: dict[str, tuple[int, str]] = {}
    rows = (
        Account.objects.visible_to(ctx.actor)
        .filter(Q(name__in=names) | Q(name_key__in=list(keys)))
        .order_by("id")
        .values_list("id", "name", "name_key", "deleted_at")
    )
    for account_id, name, name_key, deleted_at in rows:
        if deleted_at is not None:  # filtered here so the name indexes are used (see _existing)
            continue
        found.setdefault(name, (account_id, name))
        by_key.setdefault(name_key, (account_id, name))
    return {name: found.get(name) or by_key.get(company_key(name)) for name in names}


def prepare_rows(ctx: ImportContext, rows: Iterable[readers.Row]) -> list[Prepared]:
    """Rows → cleaned values, errors, duplicate keys and search columns (without the linked
    company, see `link_accounts`). Pure computation on what the context loaded: no query, so
    it can run in a thread next to the previous batch's commit."""
    clean = ctx.services.clean_fields
    actor = ctx.actor
    result: list[Prepared] = []
    for row in rows:
        prepared = Prepared(number=row.number, cells=row.cells)
        result.append(prepared)
        if row.problem:
            prepared.errors["__all__"] = [row.problem]
            continue
        _data_of(ctx, row, prepared)
        try:
            cleaned = clean(actor, prepared.data, None)
        except ValidationFailed as exc:
            prepared.errors.update(exc.fields)
            continue
        if prepared.errors:
            continue
        owner_id = cleaned.get("owner_id", actor.user_id)
        if owner_id != actor.user_id and not ctx.can_assign:
            prepared.errors["owner_id"] = [
                _("Your role may not give records to other members (the assign permission).")
            ]
            continue
        if cleaned.get("tags") and not ctx.can_create_tags:
            known = ctx.tags()
            missing = [n for n in cleaned["tags"] if n.casefold() not in known]
            if missing:
                prepared.errors["tags"] = [
                    _("There is no tag named “%(name)s”.") % {"name": missing[0]}
                ]
                continue
        prepared.cleaned = cleaned
        prepared.keys = _keys(ctx, cleaned)
        prepared.search = _search(ctx, cleaned, "")
    return result


def link_accounts(ctx: ImportContext, prepared: list[Prepared]) -> list[Prepared]:
    """Contacts: link each row to the account its company names (one query for the batch) and
    add the company to its search text."""
    if not ctx.is_contacts:
        return prepared
    accounts = _resolve_accounts(ctx, [p for p in prepared if p.ok and p.account_name])
    for p in prepared:
        if not p.ok or not p.account_name:
            continue
        assert p.cleaned is not None
        match = accounts.get(p.account_name)
        if match is None:
            p.notes.append(
                _("No account named “%(name)s” was found; the contact was not linked.")
                % {"name": p.account_name[:80]}
            )
            continue
        p.cleaned["account_id"], p.company = match
        p.search = with_company(p.search, p.company)
    return prepared


# --- Commit -----------------------------------------------------------------------------------------


@dataclass
class Slot:
    """A record rows of this batch resolve to: an existing one ("db"), one this batch creates
    ("new"), or, in a dry run, one an earlier batch would have created ("dry")."""

    kind: str
    record_id: int | None = None
    row_number: int | None = None
    prepared: Prepared | None = None
    cleaned: dict[str, Any] | None = None
    instance: Any = None
    before: dict[str, Any] | None = None
    before_tags: list[str] | None = None
    add_tags: list[str] = field(default_factory=list)
    changed: set[str] = field(default_factory=set)
    changes: dict[str, Any] = field(default_factory=dict)
    updated: bool = False
    # A row of this batch repeated the creating row (update mode): its values were merged in.
    merged: bool = False
    company: str | None = None
    # The column values of a record this batch creates (after it was written).
    values: dict[str, Any] | None = None


@dataclass
class Outcome:
    prepared: Prepared
    status: str
    slot: Slot | None = None
    message: str = ""
    errors: dict[str, list[str]] | None = None


def _match_message(slot: Slot, reason: str) -> str:
    why = reason_label(reason)
    if slot.kind == "db" and slot.record_id:
        return _("Matches existing record #%(id)s (%(reason)s).") % {
            "id": slot.record_id,
            "reason": why,
        }
    return _("Matches row %(row)s of this file (%(reason)s).") % {
        "row": slot.row_number,
        "reason": why,
    }


def _merge_into(slot: Slot, prepared: Prepared) -> None:
    """Update mode, a row repeating one this batch creates: its filled cells win."""
    assert slot.cleaned is not None and prepared.cleaned is not None
    slot.merged = True
    if prepared.company:
        slot.company = prepared.company
    supplied = set(prepared.data) | {"account_id"}
    if "name" in prepared.data:
        supplied |= {"name_key", "family_name", "given_name"}
    for key, value in prepared.cleaned.items():
        if key == "tags":
            names = slot.cleaned.setdefault("tags", [])
            folded = {n.casefold() for n in names}
            names.extend(n for n in value if n.casefold() not in folded)
        elif key == "custom" and isinstance(value, dict):
            slot.cleaned["custom"] = {**slot.cleaned.get("custom", {}), **value}
        elif key in LISTED and key in supplied:
            known = slot.cleaned.setdefault(key, [])
            known.extend(v for v in value if v not in known)
        elif key in supplied:
            slot.cleaned[key] = value


# Other phones / emails: what an update adds to a record rather than replaces (like tags).
LISTED = ("other_phones", "other_emails")
# …and the main fields their values must not repeat.
LISTED_MAINS: dict[str, dict[str, tuple[str, ...]]] = {
    "accounts": {"other_phones": ("phone",), "other_emails": ("email",)},
    "contacts": {"other_phones": ("mobile", "phone"), "other_emails": ("email",)},
}
# Duplicate-key prefix → the list column that may hold such a value too.
LISTED_COLUMNS = {"n:": "other_phones", "p:": "other_phones", "e:": "other_emails"}


class Committer:
    def __init__(self, ctx: ImportContext, token: str):
        self.ctx = ctx
        self.token = token
        self.job = ctx.job
        self.audited = self.ctx.services.AUDITED

    # Lookups ---------------------------------------------------------------------------------

    def _existing(self, prepared: list[Prepared]) -> dict[str, int]:
        """Duplicate key → the lowest id of a live record of the workspace with it (any owner:
        a rep must not re-create a colleague's customer). One indexed lookup per key column
        (`= ANY(array)` on PostgreSQL: one parameter however many values)."""
        wanted: dict[str, set[str]] = {}
        for p in prepared:
            for _reason, key in p.keys:
                wanted.setdefault(key[:2], set()).add(key[2:])
        if self.ctx.is_contacts:
            columns = {"n:": ("mobile", "phone"), "e:": ("email",)}
        else:
            columns = {
                "c:": ("credit_code",),
                "k:": ("name_key",),
                "p:": ("phone",),
                "e:": ("email",),
            }
        found: dict[str, int] = {}
        quote = connection.ops.quote_name
        table = quote(self.ctx.model._meta.db_table)
        workspace_id = self.ctx.actor.workspace_id
        postgres = connection.vendor == "postgresql"
        with connection.cursor() as cursor:
            for prefix, values in wanted.items():
                ordered = sorted(values)
                for column in columns[prefix]:
                    # Names are the model's own columns, quoted; values are parameters. Deleted
                    # records are left out here, not in SQL: with `deleted_at IS NULL` in the
                    # WHERE, SQLite without statistics prefers the (workspace, deleted_at) index
                    # and scans the whole workspace for every batch.
                    select = (
                        f"SELECT {quote(column)}, id, deleted_at FROM {table} "  # noqa: S608
                        f"WHERE workspace_id = %s AND {quote(column)} "
                    )
                    chunks = [ordered] if postgres else _chunks(ordered, 900)
                    for chunk in chunks:
                        if postgres:
                            cursor.execute(select + "= ANY(%s)", [workspace_id, chunk])
                        else:
                            marks = ", ".join(["%s"] * len(chunk))
                            cursor.execute(select + f"IN ({marks})", [workspace_id, *chunk])
                        for value, record_id, deleted_at in cursor.fetchall():
                            if deleted_at is not None:
                                continue
                            key = prefix + value
                            if key not in found or record_id < found[key]:
                                found[key] = record_id
        # Other phones and emails of existing records (only records that have some are read).
        for prefix, values in wanted.items():
            listed = LISTED_COLUMNS.get(prefix)
            if listed is None:
                continue
            matches = other_value_matches(self.ctx.model, workspace_id, listed, sorted(values))
            for value, record_id, deleted_at in matches:
                key = prefix + value
                if deleted_at is None and (key not in found or record_id < found[key]):
                    found[key] = record_id
        return found

    def _dry_keys(self, prepared: list[Prepared]) -> dict[str, tuple[int, int | None]]:
        keys = {key for p in prepared for _reason, key in p.keys}
        if not keys:
            return {}
        found: dict[str, tuple[int, int | None]] = {}
        rows = ImportKey.objects.filter(
            workspace_id=self.job.workspace_id, job=self.job, key__in=sorted(keys)
        ).values_list("key", "row_number", "record_id")
        for key, row_number, record_id in rows:
            found.setdefault(key, (row_number, record_id))
        return found

    def _targets(self, ids: set[int]) -> dict[int, Any]:
        """The existing records an update-mode batch may change: the member's data scope applies
        (records they cannot see are not updated), and the rows are locked until the batch
        commits."""
        if not ids:
            return {}
        queryset = (
            self.ctx.model.objects.visible_to(self.ctx.actor)
            .filter(deleted_at__isnull=True, pk__in=sorted(ids))
            .prefetch_related("tags")
        )
        if self.ctx.is_contacts:
            queryset = queryset.select_related("account")
        if not self.ctx.dry_run:
            queryset = queryset.select_for_update(of=("self",))
        return {record.pk: record for record in queryset}

    # Decisions -------------------------------------------------------------------------------

    def decide(self, batch: list[Prepared]) -> list[Outcome]:
        ctx = self.ctx
        valid = [p for p in batch if p.ok]
        mode = ctx.mode
        existing = self._existing(valid) if mode != DuplicateMode.CREATE else {}
        dry_keys = self._dry_keys(valid) if ctx.dry_run and mode != DuplicateMode.CREATE else {}
        targets: dict[int, Any] = {}
        if mode == DuplicateMode.UPDATE:
            targets = self._targets(
                set(existing.values()) | {r for _n, r in dry_keys.values() if r}
            )
        slots: dict[str, Slot] = {}
        db_slots: dict[int, Slot] = {}
        outcomes: list[Outcome] = []
        for p in batch:
            if not p.ok:
                outcomes.append(Outcome(p, RowStatus.FAILED, errors=p.errors))
                continue
            hit: tuple[Slot, str] | None = None
            for reason, key in p.keys:
                slot = slots.get(key)
                if slot is None:
                    record_id = existing.get(key)
                    if record_id is None and key in dry_keys:
                        row_number, record_id = dry_keys[key]
                        if record_id is None:
                            slot = Slot("dry", row_number=row_number)
                    if record_id is not None:
                        slot = db_slots.get(record_id)
                        if slot is None:
                            slot = db_slots[record_id] = Slot(
                                "db", record_id=record_id, instance=targets.get(record_id)
                            )
                if slot is not None:
                    hit = (slot, reason)
                    break
            if hit is None:
                slot = Slot("new", row_number=p.number, prepared=p, cleaned=p.cleaned)
                self._register(slots, p, slot)
                outcomes.append(Outcome(p, RowStatus.CREATED, slot, message=" ".join(p.notes)))
                continue
            slot, reason = hit
            message = _match_message(slot, reason)
            if mode == DuplicateMode.SKIP:
                outcomes.append(Outcome(p, RowStatus.SKIPPED, slot, message=message))
                continue
            if slot.kind == "new":
                _merge_into(slot, p)
                self._register(slots, p, slot)
                outcomes.append(Outcome(p, RowStatus.UPDATED, slot, message=message))
            elif slot.kind == "dry":
                self._register(slots, p, slot)
                outcomes.append(Outcome(p, RowStatus.UPDATED, slot, message=message))
            else:
                outcomes.append(self._update(slot, p, message))
                if outcomes[-1].status == RowStatus.UPDATED:
                    self._register(slots, p, slot)
        return outcomes

    @staticmethod
    def _register(slots: dict[str, Slot], prepared: Prepared, slot: Slot) -> None:
        for _reason, key in prepared.keys:
            slots.setdefault(key, slot)

    def _update(self, slot: Slot, p: Prepared, message: str) -> Outcome:
        """Apply a row to the existing record it matched (update mode)."""
        ctx = self.ctx
        record = slot.instance
        if record is None or not ctx.can_edit:
            return Outcome(
                p,
                RowStatus.SKIPPED,
                slot,
                message=_("Matches a record you may not edit (#%(id)s).") % {"id": slot.record_id},
            )
        try:
            cleaned = ctx.services.clean_fields(ctx.actor, p.data, record)
        except ValidationFailed as exc:
            return Outcome(p, RowStatus.FAILED, errors=exc.fields)
        if p.cleaned and "account_id" in p.cleaned:
            cleaned["account_id"] = p.cleaned["account_id"]
        if "owner_id" in cleaned and cleaned["owner_id"] != record.owner_id and not ctx.can_assign:
            return Outcome(
                p,
                RowStatus.FAILED,
                errors={
                    "owner_id": [
                        _(
                            "Your role may not give records to other members (the assign permission)."
                        )
                    ]
                },
            )
        if slot.before is None:
            slot.before = audit.snapshot(record, self.audited)
            slot.before_tags = sorted(t.name for t in record.tags.all())
        tags = cleaned.pop("tags", None) or []
        current = {n.casefold() for n in (slot.before_tags or [])} | {
            n.casefold() for n in slot.add_tags
        }
        new_tags = [n for n in tags if n.casefold() not in current]
        if "owner_id" in cleaned and cleaned["owner_id"] != record.owner_id:
            cleaned["owned_since"] = ctx.now if cleaned["owner_id"] else None
        if ctx.is_contacts:
            for channel in ("email_consent", "sms_consent"):
                if channel in cleaned and cleaned[channel] != getattr(record, channel):
                    cleaned[f"{channel}_at"] = ctx.now
                    cleaned.setdefault(f"{channel}_source", CONSENT_SOURCE)
        for key, mains in LISTED_MAINS[ctx.object_type].items():
            if key in cleaned:
                # Added to what the record has, without the record's main values as they will
                # be after this row (a number moved into `mobile` leaves the list).
                main = {cleaned.get(m, getattr(record, m)) for m in mains}
                current = getattr(record, key)
                merged = [*current, *(v for v in cleaned[key] if v not in current)]
                cleaned[key] = [v for v in merged if v not in main]
        changed = {k for k, v in cleaned.items() if getattr(record, k) != v}
        if not changed and not new_tags:
            return Outcome(
                p,
                RowStatus.SKIPPED,
                slot,
                message=_("Matches existing record #%(id)s, which already has these values.")
                % {"id": slot.record_id},
            )
        for key in changed:
            setattr(record, key, cleaned[key])
        slot.changed |= changed
        slot.add_tags += new_tags
        slot.updated = True
        if "account_id" in changed:
            slot.company = p.company
        return Outcome(p, RowStatus.UPDATED, slot, message=message)

    # Writing ---------------------------------------------------------------------------------

    def _ensure_tags(self, names: Iterable[str]) -> dict[str, Tag]:
        """The workspace's tags with these names, creating the missing ones (set-based)."""
        known = self.ctx.tags()
        missing: dict[str, str] = {}
        for name in names:
            if name.casefold() not in known:
                missing.setdefault(name.casefold(), name)
        if missing and self.ctx.can_create_tags:
            workspace_id = self.ctx.actor.workspace_id
            Tag.objects.bulk_create(
                [Tag(workspace_id=workspace_id, name=name) for name in missing.values()],
                ignore_conflicts=True,
            )
            for tag in Tag.objects.filter(
                workspace_id=workspace_id, name__in=list(missing.values())
            ):
                known[tag.name.casefold()] = tag
        return known

    def _new_record(self, slot: Slot) -> Any:
        ctx = self.ctx
        p = slot.prepared
        assert p is not None and slot.cleaned is not None
        values = dict(slot.cleaned)
        values.pop("tags", None)
        owner_id = values.pop("owner_id", ctx.actor.user_id)
        if ctx.is_contacts:
            for channel in ("email_consent", "sms_consent"):
                if values.get(channel, ConsentStatus.UNKNOWN) != ConsentStatus.UNKNOWN:
                    values[f"{channel}_at"] = ctx.now
                    values.setdefault(f"{channel}_source", CONSENT_SOURCE)
        if slot.merged:
            company = slot.company if slot.company is not None else p.company
            search = _search(ctx, values, company if values.get("account_id") else "")
        else:
            search = p.search
        values.update(search)
        values.update(
            workspace_id=ctx.actor.workspace_id,
            owner_id=owner_id,
            owned_since=ctx.now if owner_id else None,
            pool_id=ctx.pool_id(),
            created_by_id=ctx.actor.user_id,
            created_at=ctx.now,
            updated_at=ctx.now,
        )
        return values

    def write(self, outcomes: list[Outcome]) -> None:
        self.ctx.now = timezone.now()
        new_slots: dict[int, Slot] = {}
        updated: dict[int, Slot] = {}
        for outcome in outcomes:
            slot = outcome.slot
            if slot is None:
                continue
            if slot.kind == "new":
                new_slots.setdefault(id(slot), slot)
            elif slot.updated:
                updated.setdefault(id(slot), slot)
        self._write(list(new_slots.values()), list(updated.values()), outcomes)

    def _write(self, new_slots: list[Slot], updated: list[Slot], outcomes: list[Outcome]) -> None:
        ctx = self.ctx
        if not ctx.dry_run:
            created = [self._new_record(slot) for slot in new_slots]
            ids = bulk.table(ctx.model).insert(created, with_ids=True)
            for slot, values, record_id in zip(new_slots, created, ids, strict=True):
                slot.values = values
                slot.record_id = record_id
            self._save_updates(updated)
            self._tag(new_slots, updated)
            self._timeline(new_slots, updated)
        else:
            self._remember_keys(outcomes)
        self._results(outcomes)

    def _save_updates(self, slots: list[Slot]) -> None:
        if not slots:
            return
        ctx = self.ctx
        fields: set[str] = {"version", "updated_at"}
        for slot in slots:
            record = slot.instance
            record.version += 1
            record.updated_at = ctx.now
            if slot.changed & SEARCHED_FIELDS:
                company = slot.company
                if company is None and ctx.is_contacts and record.account_id:
                    company = record.account.name if record.account else ""
                fields |= set(
                    refresh_search_columns(
                        record,
                        person=ctx.is_contacts,
                        custom_fields=ctx.custom_fields,
                        company=company or "",
                    )
                )
            fields |= slot.changed
        ctx.model.objects.bulk_update([s.instance for s in slots], sorted(fields))
        events = []
        ctx_request = request_context.current()
        action = f"{ctx.object_type.rstrip('s')}.update"
        for slot in slots:
            record = slot.instance
            changes = audit.diff(slot.before or {}, audit.snapshot(record, self.audited))
            if slot.add_tags:
                changes["tags"] = [
                    slot.before_tags,
                    sorted([*(slot.before_tags or []), *slot.add_tags]),
                ]
            slot.changes = changes
            events.append(
                AuditEvent(
                    workspace_id=ctx.actor.workspace_id,
                    actor_id=ctx.actor.user_id,
                    actor_label=ctx.actor.user.email,
                    action=action,
                    object_type=ctx.object_type,
                    object_id=str(record.pk),
                    object_label=str(record)[:255],
                    changes={**changes, "import_id": [None, self.job.pk]},
                    ip=ctx_request.ip,
                    user_agent=ctx_request.user_agent[:400],
                    request_id=ctx_request.request_id,
                    created_at=ctx.now,
                )
            )
        AuditEvent.objects.bulk_create(events)

    def _tag(self, new_slots: list[Slot], updated: list[Slot]) -> None:
        """Tags in bulk: missing tags created once, then one insert of through rows (new
        records cannot have tags yet; updated ones keep theirs and gain the new ones)."""
        ctx = self.ctx
        fresh: list[tuple[int, list[str]]] = []
        for slot in new_slots:
            names = (slot.cleaned or {}).get("tags") or []
            if names and slot.record_id is not None:
                fresh.append((slot.record_id, names))
        added = [(s.instance.pk, s.add_tags) for s in updated if s.add_tags]
        if not fresh and not added:
            return
        known = self._ensure_tags(n for _id, names in [*fresh, *added] for n in names)
        through: Any = ContactTag if ctx.is_contacts else AccountTag
        key = "contact_id" if ctx.is_contacts else "account_id"
        workspace_id = ctx.actor.workspace_id

        def rows(wanted: list[tuple[int, list[str]]]) -> list[dict[str, Any]]:
            return [
                {"workspace_id": workspace_id, "tag_id": tag_id, key: record_id}
                for record_id, names in wanted
                for tag_id in dict.fromkeys(
                    known[n.casefold()].pk for n in names if n.casefold() in known
                )
            ]

        bulk.table(through).insert(rows(fresh))
        if added:
            through.objects.bulk_create(
                [through(**row) for row in rows(added)], ignore_conflicts=True
            )

    def _timeline(self, new_slots: list[Slot], updated: list[Slot]) -> None:
        """ "Imported" on each new record's timeline (and its account's), "edited" with the
        changes on each updated one; one insert."""
        ctx = self.ctx
        base = {
            "workspace_id": ctx.actor.workspace_id,
            "actor_id": ctx.actor.user_id,
            "ref_type": ctx.object_type,
            "occurred_at": ctx.now,
            "created_at": ctx.now,
            "body": "",
        }
        imported = {"import_id": self.job.pk}
        entries = []
        for slot in new_slots:
            values = slot.values or {}
            record_id = slot.record_id
            entry = {
                **base,
                "subject_type": ctx.object_type,
                "subject_id": record_id,
                "kind": IMPORTED_KIND,
                "title": str(values.get("name", ""))[:255],
                "data": imported,
                "ref_id": record_id,
            }
            entries.append(entry)
            if ctx.is_contacts and values.get("account_id"):
                entries.append(
                    {**entry, "subject_type": "accounts", "subject_id": values["account_id"]}
                )
        for slot in updated:
            record = slot.instance
            entries.append(
                {
                    **base,
                    "subject_type": ctx.object_type,
                    "subject_id": record.pk,
                    "kind": "record.updated",
                    "title": record.name[:255],
                    "data": {"changes": slot.changes, "import_id": self.job.pk},
                    "ref_id": record.pk,
                }
            )
        bulk.table(TimelineEntry).insert(entries)

    def _remember_keys(self, outcomes: list[Outcome]) -> None:
        """Dry run: the keys of rows that would be created or would update a record, so later
        batches find them as in-file duplicates."""
        keys = []
        done: set[str] = set()
        for outcome in outcomes:
            if outcome.status not in (RowStatus.CREATED, RowStatus.UPDATED) or outcome.slot is None:
                continue
            slot = outcome.slot
            row_number = slot.row_number or outcome.prepared.number
            for _reason, key in outcome.prepared.keys:
                if key in done:
                    continue
                done.add(key)
                keys.append(
                    {
                        "workspace_id": self.job.workspace_id,
                        "job_id": self.job.pk,
                        "key": key[:300],
                        "row_number": row_number,
                        "record_id": slot.record_id if slot.kind == "db" else None,
                    }
                )
        bulk.table(ImportKey).insert(keys)

    def _results(self, outcomes: list[Outcome]) -> None:
        results = []
        workspace_id, job_id = self.job.workspace_id, self.job.pk
        empty: dict[str, Any] = {}
        for outcome in outcomes:
            status = outcome.status
            if self.ctx.dry_run and status == RowStatus.CREATED and not outcome.message:
                continue
            slot = outcome.slot
            failed = status == RowStatus.FAILED
            results.append(
                {
                    "workspace_id": workspace_id,
                    "job_id": job_id,
                    "row_number": outcome.prepared.number,
                    "status": status,
                    "record_id": slot.record_id if slot is not None else None,
                    "errors": outcome.errors or empty,
                    "message": outcome.message[:MESSAGE_LIMIT],
                    "values": outcome.prepared.cells if failed else [],
                }
            )
        bulk.table(ImportRowResult).insert(results)

    def commit(self, batch: list[Prepared]) -> dict[str, int]:
        """Decide and write one batch, and move the checkpoint, in one transaction."""
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # No wait for the WAL flush at each batch's commit. Safe here: the batch and its
                # checkpoint commit together, so a server crash loses both or neither, and the
                # resumed job redoes the batch; the job's end (`_finish`) commits durably, which
                # flushes every batch before it.
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit TO OFF")
            outcomes = self.decide(batch)
            self.write(outcomes)
            counts = {status: 0 for status in RowStatus.values}
            for outcome in outcomes:
                counts[outcome.status] += 1
            moved = ImportJob.objects.filter(pk=self.job.pk, worker_token=self.token).update(
                processed_rows=F("processed_rows") + len(batch),
                created_count=F("created_count") + counts[RowStatus.CREATED],
                updated_count=F("updated_count") + counts[RowStatus.UPDATED],
                skipped_count=F("skipped_count") + counts[RowStatus.SKIPPED],
                failed_count=F("failed_count") + counts[RowStatus.FAILED],
                heartbeat_at=timezone.now(),
            )
            if not moved:
                raise LeaseLost()
        return counts


# --- The job ------------------------------------------------------------------------------------


def _chunks(values: list[str], size: int) -> list[list[str]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


def batched(rows: Iterator[readers.Row], size: int) -> Iterator[list[readers.Row]]:
    while batch := list(islice(rows, size)):
        yield batch


# After how many rows of a job the record table's planner statistics are refreshed (PostgreSQL).
ANALYZE_AFTER_ROWS = (2_000, 20_000, 100_000)
ANALYZE_EVERY_ROWS = 250_000


def refresh_statistics(ctx: ImportContext, before: int, after: int) -> None:
    """PostgreSQL: ANALYZE the record table when the job passes a mark (2,000, 20,000, 100,000
    rows, then every 250,000). A workspace that is new or small when the import starts is
    missing from the table's statistics, and the planner then believes it holds one row: the
    duplicate lookups (`workspace = X AND mobile = ANY(…)`) go through any index led by the
    workspace and filter every row the import has written so far — each batch slower than the
    last. Autovacuum would analyze far too late on a big shared table. ANALYZE samples a fixed
    number of rows (well under a second) and blocks no reads or writes."""
    if connection.vendor != "postgresql" or ctx.dry_run:
        return
    marks = [*ANALYZE_AFTER_ROWS, *range(ANALYZE_EVERY_ROWS, after + 1, ANALYZE_EVERY_ROWS)]
    if any(before < mark <= after for mark in marks):
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(ctx.model._meta.db_table)}")


class QueryInPrepare(Exception):
    """prepare_rows ran a query: everything it reads must be loaded by the context first."""


def _refuse_queries(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
    raise QueryInPrepare(sql)


def prepared_ahead(
    ctx: ImportContext, batches: Iterable[list[readers.Row]]
) -> Iterator[list[Prepared]]:
    """The batches, prepared one ahead: while the caller commits batch n (and mostly waits for
    the database), a thread runs `prepare_rows` over batch n+1, so the CPU work of cleaning,
    pinyin and keys overlaps the database's work of writing. The thread runs no query (a
    wrapper on its connection refuses any), so it never sees another transaction's state; the
    account links, which need a query, are made here in the caller's thread."""
    ctx.warm()
    language = translation.get_language()

    def work(rows: list[readers.Row]) -> list[Prepared]:
        with translation.override(language), connection.execute_wrapper(_refuse_queries):
            return prepare_rows(ctx, rows)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-prepare") as pool:
        pending: Future[list[Prepared]] | None = None
        for rows in batches:
            ahead = pool.submit(work, rows)
            if pending is not None:
                yield link_accounts(ctx, pending.result())
            pending = ahead
        if pending is not None:
            yield link_accounts(ctx, pending.result())


def job_actor(job: ImportJob) -> Membership:
    """The member the job acts as: whoever started it, as long as they are still an active
    member (their role as it is now applies)."""
    if job.created_by_id is None:
        raise PermissionDenied(_("The member who started this import is no longer active."))
    actor = (
        Membership.objects.active()
        .select_related("role", "workspace", "user", "team")
        .filter(workspace_id=job.workspace_id, user_id=job.created_by_id)
        .first()
    )
    if actor is None:
        raise PermissionDenied(_("The member who started this import is no longer active."))
    return actor


def open_file(job: ImportJob) -> Any:
    """The job's uploaded file, opened for reading (any storage: local disk, S3 …)."""
    if not job.file.name:
        raise ValidationFailed(_("The uploaded file has been removed; upload it again."))
    return job.file.storage.open(job.file.name, "rb")


def claim(job_id: int, token: str) -> bool:
    now = timezone.now()
    return bool(
        ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(
            status=ImportStatus.RUNNING,
            worker_token=token,
            started_at=Coalesce(F("started_at"), now),
            heartbeat_at=now,
            error="",
        )
    )


def _finish(job: ImportJob, token: str, status: str, error: str = "") -> None:
    """Mark the job finished (if this worker still holds it) and write the import's audit event
    (real runs: one event with the counts)."""
    with transaction.atomic():
        moved = ImportJob.objects.filter(pk=job.pk, worker_token=token).update(
            status=status,
            finished_at=timezone.now(),
            heartbeat_at=timezone.now(),
            error=error[:2000],
        )
        if not moved:
            return
        job.refresh_from_db()
        if job.dry_run:
            # A dry run changes nothing, so it leaves no audit event; its keys are scratch.
            ImportKey.objects.filter(workspace_id=job.workspace_id, job=job).delete()
            return
        audit.record(
            action="import.run",
            workspace=job.workspace_id,
            actor=job.created_by,
            object_type=job.object_type,
            object_id=job.pk,
            object_label=job.original_filename,
            changes={
                "status": status,
                "rows": job.processed_rows,
                "created": job.created_count,
                "updated": job.updated_count,
                "skipped": job.skipped_count,
                "failed": job.failed_count,
                "duplicate_mode": job.duplicate_mode,
                **({"error": error[:500]} if error else {}),
            },
        )


BatchCallback = Callable[[ImportJob], None]


def run_import(
    job_id: int, *, token: str | None = None, on_batch: BatchCallback | None = None
) -> ImportJob | None:
    """Run a queued job to its end (or until it is cancelled). Claims the job first, so two
    workers never run it at once; a job that is not queued is left alone. Resumes from the
    job's checkpoint. Returns the job as it ended, or None when it was not claimed."""
    token = token or uuid.uuid4().hex
    if not claim(job_id, token):
        return None
    job = ImportJob.objects.select_related("workspace", "created_by").get(pk=job_id)
    try:
        _run(job, token, on_batch)
    except LeaseLost:
        logger.warning("import %s was taken over by another worker", job_id)
    except GuanxiError as error:
        details = "; ".join(
            f"{name}: {' '.join(map(str, problems))}" for name, problems in error.fields.items()
        )
        _finish(job, token, ImportStatus.FAILED, f"{error.message} {details}".strip())
    except Exception as error:
        logger.exception("import %s failed", job_id)
        _finish(
            job,
            token,
            ImportStatus.FAILED,
            _("The import stopped because of an error: %(error)s") % {"error": repr(error)[:300]},
        )
    job.refresh_from_db()
    return job


def _still_wanted(job: ImportJob, token: str) -> bool:
    """Between batches: False when the job was cancelled (and marks it so)."""
    state = (
        ImportJob.objects.filter(pk=job.pk).values_list("worker_token", "cancel_requested").first()
    )
    if state is None or state[0] != token:
        raise LeaseLost()
    if state[1]:
        _finish(job, token, ImportStatus.CANCELLED)
        return False
    return True


def _run(job: ImportJob, token: str, on_batch: BatchCallback | None = None) -> None:
    actor = job_actor(job)
    with translation.override(job.language or job.workspace.locale or settings.LANGUAGE_CODE):
        ctx = ImportContext(job, actor)
        info = readers.FileInfo(job.file_format, job.encoding, job.delimiter)
        if job.total_rows is None:
            with open_file(job) as handle:
                total = readers.count_rows(handle, info)
            ImportJob.objects.filter(pk=job.pk, worker_token=token).update(total_rows=total)
        committer = Committer(ctx, token)
        if connection.vendor == "sqlite":
            # A bigger page cache for this connection keeps the record tables' indexes in
            # memory while a large import writes them (SQLite's default is 2 MB).
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size = -65536")
        with open_file(job) as handle:
            table = readers.open_table(handle, info)
            if table.headers != job.headers:
                raise ValidationFailed(
                    _("The file's columns are not the ones the mapping was made for.")
                )
            rows = table.rows()
            # The checkpoint: rows committed by an earlier run are read past, not processed.
            for _skipped in islice(rows, job.processed_rows):
                pass
            done = job.processed_rows
            for batch in prepared_ahead(ctx, batched(rows, batch_size())):
                if not _still_wanted(job, token):
                    return
                committer.commit(batch)
                refresh_statistics(ctx, done, done + len(batch))
                done += len(batch)
                if on_batch is not None:
                    job.refresh_from_db()
                    on_batch(job)
        if _still_wanted(job, token):
            ImportJob.objects.filter(pk=job.pk, worker_token=token).update(
                total_rows=F("processed_rows")
            )
            _finish(job, token, ImportStatus.DONE)
