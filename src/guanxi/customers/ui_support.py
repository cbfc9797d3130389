"""Reads and small writes the customers pages need that the data layer does not offer yet.

Everything here is scoped like a selector (workspace, data scope, permissions) or goes through the
services; it is kept apart so the lead can move each piece to selectors.py / services/ later:

- member_choices, account_choices: options for owner and account pickers;
- record_history: a record's audit events (field history), redacted for the viewer;
- saved views: list, get, save, delete (SavedView has no service yet);
- bulk_apply: one change over many selected records, row by row through the services;
- recycle bin: deleted records of every registered recyclable type, and restoring one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core import registry
from guanxi.core.apikit import keyset_page
from guanxi.core.errors import GuanxiError, NotFound, PermissionDenied, ValidationFailed
from guanxi.core.models import AuditEvent, Membership
from guanxi.core.permissions import can, require
from guanxi.core.selectors import audit_redact

from . import selectors
from .listing import apply_search
from .models import Account, Contact, SavedView
from .services import accounts as account_services
from .services import contacts as contact_services
from .services.records import clean_text

RECYCLE_DAYS = 30
BULK_LIMIT = 500


# --- Pickers ---------------------------------------------------------------------------------------


def member_choices(*, actor: Membership) -> list[tuple[int, str]]:
    """Active members of the workspace as (user id, name), by name: who may own a record.
    Kept on the membership object for the rest of the request (several pickers use it)."""
    cached = getattr(actor, "_customers_member_choices", None)
    if cached is not None:
        return list(cached)
    rows = (
        Membership.objects.filter(workspace_id=actor.workspace_id, is_active=True)
        .select_related("user")
        .order_by("user__name", "user_id")
    )
    choices = [(m.user_id, m.user.name or m.user.email) for m in rows if m.user.is_active]
    actor._customers_member_choices = choices  # type: ignore[attr-defined]
    return list(choices)


def user_names(*, workspace_id: int) -> dict[int, str]:
    """Every member's (also former members') name by user id, for showing owners in history."""
    rows = Membership.objects.filter(workspace_id=workspace_id).select_related("user")
    return {m.user_id: m.user.name or m.user.email for m in rows}


def account_choices(
    *, actor: Membership, limit: int = 500, include: int | None = None, q: str = ""
) -> list[tuple[int, str]]:
    """Accounts the member can see, by name (for linking a contact), the first `limit` or those
    `q` finds (name, pinyin, initials, phone…, as global search), plus `include` if visible.
    The one place the contact form and its account search read them."""
    queryset = selectors.account_queryset(actor=actor)
    rows: list[tuple[int, str]] = []
    # A member who may not view accounts is not shown their names; the contact's own account
    # stays a choice, or saving the form would unlink it.
    if can(actor, "accounts", "view"):
        found = apply_search(queryset, q, actor=actor) if q.strip() else queryset
        rows = list(found.order_by("name", "id").values_list("pk", "name")[:limit])
    if include and include not in {pk for pk, _name in rows}:
        rows += list(queryset.filter(pk=include).values_list("pk", "name"))
    return rows


def visible_ids(*, actor: Membership, object_type: str, ids: list[int]) -> set[int]:
    """Which of these accounts or contacts the member may open (for linking to them)."""
    model: Any = Account if object_type == "accounts" else Contact
    if not ids:
        return set()
    return set(
        model.objects.visible_to(actor).alive().filter(pk__in=ids).values_list("pk", flat=True)
    )


def account_names(*, actor: Membership, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(Account.objects.visible_to(actor).filter(pk__in=ids).values_list("pk", "name"))


# --- Field history ------------------------------------------------------------------------------


def record_history(
    *, actor: Membership, object_type: str, object_id: int, cursor: str | None, limit: int = 20
) -> dict[str, Any]:
    """The audit events about one record, newest first, with the fields the viewer's role hides
    left out. The caller has already fetched the record through its selector (so the member may
    see it); history is part of the record, not of the workspace's audit log."""
    queryset = AuditEvent.objects.filter(
        workspace_id=actor.workspace_id, object_type=object_type, object_id=str(object_id)
    ).select_related("actor")
    try:
        page = keyset_page(queryset, order=["-created_at", "-id"], cursor=cursor, limit=limit)
    except ValidationFailed:
        page = keyset_page(queryset, order=["-created_at", "-id"], cursor=None, limit=limit)
    page["items"] = [audit_redact(actor=actor, event=event) for event in page["items"]]
    return page


# --- Saved views -----------------------------------------------------------------------------------


def saved_view_list(*, actor: Membership, object_type: str) -> list[SavedView]:
    """The member's own views and the views shared with the workspace, by name."""
    return list(
        SavedView.objects.filter(workspace_id=actor.workspace_id, object_type=object_type)
        .filter(Q(owner_id=actor.user_id) | Q(is_shared=True))
        .order_by("name", "id")
    )


def saved_view_get(*, actor: Membership, id: int, object_type: str) -> SavedView:
    view = (
        SavedView.objects.filter(workspace_id=actor.workspace_id, object_type=object_type, pk=id)
        .filter(Q(owner_id=actor.user_id) | Q(is_shared=True))
        .first()
    )
    if view is None:
        raise NotFound()
    return view


def _require_view_owner(actor: Membership, view: SavedView) -> None:
    # A shared view belongs to whoever made it: others use it, they do not change it.
    if view.owner_id != actor.user_id:
        raise PermissionDenied(_("Only the person who saved this view can change it."))


@transaction.atomic
def saved_view_save(
    *,
    actor: Membership,
    object_type: str,
    name: Any,
    is_shared: bool,
    query: dict[str, Any],
    view: SavedView | None = None,
) -> SavedView:
    """Create a view, or replace an existing one's name, sharing and query (its owner only)."""
    require(actor, object_type, "view")
    clean_name = clean_text(name, field="name", limit=80, required=True)
    if view is None:
        view = SavedView(workspace_id=actor.workspace_id, object_type=object_type)
        view.owner_id = actor.user_id
    else:
        _require_view_owner(actor, view)
    view.name = clean_name
    view.is_shared = bool(is_shared)
    view.query = query
    view.save()
    return view


@transaction.atomic
def saved_view_delete(*, actor: Membership, view: SavedView) -> None:
    _require_view_owner(actor, view)
    view.delete()


# --- Bulk actions -----------------------------------------------------------------------------------


@dataclass
class BulkResult:
    changed: int = 0
    unchanged: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)


BULK_ACTIONS = ("assign", "add_tag", "remove_tag", "level", "delete")


def bulk_records(
    *,
    actor: Membership,
    object_type: str,
    ids: list[int] | None = None,
    queryset: QuerySet[Any] | None = None,
) -> list[Any]:
    """The records a bulk action applies to: the selected ids among those the member can see, or
    the rows of a filtered list. Refuses more than BULK_LIMIT rows."""
    if queryset is None:
        base = (
            selectors.account_queryset(actor=actor)
            if object_type == "accounts"
            else selectors.contact_queryset(actor=actor)
        )
        queryset = base.filter(pk__in=ids or [])
    # In id order, so what a bulk action reports (and which rows it refuses) does not depend on
    # the plan the database picked.
    rows = list(queryset.prefetch_related("tags").order_by("pk")[: BULK_LIMIT + 1])
    if len(rows) > BULK_LIMIT:
        raise ValidationFailed(
            _("Choose at most %(limit)d records at a time.") % {"limit": BULK_LIMIT}
        )
    return rows


def _record_change(
    actor: Membership, object_type: str, record: Any, action: str, value: Any
) -> dict[str, Any] | None:
    """The data dict of the update `action` makes on `record`, or None for a delete."""
    if action == "assign":
        return {"owner_id": value}
    if action == "level":
        return {"level": value}
    names = [t.name for t in record.tags.all()]
    if action == "add_tag":
        if value.casefold() in {n.casefold() for n in names}:
            return {}
        return {"tags": [*names, value]}
    if action == "remove_tag":
        return {"tags": [n for n in names if n.casefold() != value.casefold()]}
    raise ValidationFailed(fields={"action": [_("Choose an action.")]})


def bulk_apply(
    *, actor: Membership, object_type: str, records: list[Any], action: str, value: Any = None
) -> BulkResult:
    """Apply one change to each record through the services, in one transaction. Each row runs
    in its own savepoint (the services are atomic), so a row the services refuse is reported and
    the others still change."""
    if action not in BULK_ACTIONS or (action == "level" and object_type != "accounts"):
        raise ValidationFailed(fields={"action": [_("Choose an action.")]})
    if action == "delete":
        require(actor, object_type, "delete")
    elif action == "assign":
        require(actor, object_type, "assign")
    else:
        require(actor, object_type, "edit")
    result = BulkResult()
    with transaction.atomic():
        for record in records:
            try:
                if action == "delete":
                    if object_type == "accounts":
                        account_services.account_delete(actor=actor, account=record)
                    else:
                        contact_services.contact_delete(actor=actor, contact=record)
                    result.changed += 1
                    continue
                data = _record_change(actor, object_type, record, action, value)
                if not data:
                    result.unchanged += 1
                    continue
                before = record.version
                if object_type == "accounts":
                    account_services.account_update(
                        actor=actor, account=record, data=data, version=before
                    )
                else:
                    contact_services.contact_update(
                        actor=actor, contact=record, data=data, version=before
                    )
                if record.version != before:
                    result.changed += 1
                else:
                    result.unchanged += 1
            except GuanxiError as error:
                problems = [p for ps in error.fields.values() for p in ps]
                result.failed.append((str(record), problems[0] if problems else error.message))
    return result


# --- Recycle bin --------------------------------------------------------------------------------


def _deleted_queryset(actor: Membership, object_type: str) -> QuerySet[Any]:
    model: Any = registry.object_type(object_type).model_class()
    queryset = model.objects.visible_to(actor).filter(deleted_at__isnull=False)
    if any(f.name == "merged_into" for f in model._meta.get_fields()):
        queryset = queryset.filter(merged_into__isnull=True)
    return queryset  # type: ignore[no-any-return]


def recycle_bin_groups(*, actor: Membership, limit: int = 200) -> list[dict[str, Any]]:
    """Per registered recyclable type the member may delete: its deleted records, newest deletion
    first, with who deleted them and the days left before they are purged. Types the member may
    not delete are left out."""
    now = timezone.now()
    groups = []
    for key, recyclable in registry.recyclables().items():
        if not can(actor, key, "delete"):
            continue
        if key in ("accounts", "contacts"):
            rows = selectors.recycle_bin(actor=actor, object_type=key, limit=limit)
        else:
            rows = list(
                _deleted_queryset(actor, key)
                .select_related("deleted_by")
                .order_by("-deleted_at", "-id")[:limit]
            )
        items = []
        for row in rows:
            purge_at = row.deleted_at + timedelta(days=RECYCLE_DAYS)
            items.append(
                {
                    "record": row,
                    "label": recyclable.label_of(row),
                    "deleted_by": row.deleted_by,
                    "deleted_at": row.deleted_at,
                    "purge_at": purge_at,
                    # Counted up, as the delete dialog's "30 days" is: a record deleted a
                    # minute ago has 30 days left, not 29.
                    "days_left": max(0, -((now - purge_at) // timedelta(days=1))),
                }
            )
        groups.append({"key": key, "label": registry.object_type(key).label, "items": items})
    return groups


def recycled_get(*, actor: Membership, object_type: str, id: int) -> Any:
    """A deleted record of a recyclable type the member may delete, else NotFound."""
    if object_type not in registry.recyclables():
        raise NotFound()
    require(actor, object_type, "delete")
    record = _deleted_queryset(actor, object_type).filter(pk=id).first()
    if record is None:
        raise NotFound()
    return record


def recycled_restore(*, actor: Membership, object_type: str, record: Any) -> Any:
    return registry.recyclables()[object_type].restore(actor, record)
