"""Reads of customer records, always scoped to what the member may see (workspace, data scope,
not deleted) and with the joins done here so no caller can cause N+1 queries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Prefetch, QuerySet

from guanxi.core.apikit import keyset_page
from guanxi.core.errors import NotFound
from guanxi.core.models import Membership
from guanxi.core.permissions import hidden_fields, require

from .custom_fields import active_fields
from .listing import ListQuery, apply_filters, apply_search, sort_order
from .models import Account, Contact, CustomField, PicklistOption, Tag

# A capped count: beyond this a list says "10,000+" instead of counting every row.
COUNT_CAP = 10_000


def account_queryset(*, actor: Membership) -> QuerySet[Account]:
    return Account.objects.visible_to(actor).alive()  # type: ignore[no-any-return]


def contact_queryset(*, actor: Membership) -> QuerySet[Contact]:
    return Contact.objects.visible_to(actor).alive()  # type: ignore[no-any-return]


def _with_relations(queryset: QuerySet[Any]) -> QuerySet[Any]:
    queryset = queryset.select_related("owner").prefetch_related(
        Prefetch("tags", queryset=Tag.objects.order_by("name"))
    )
    if queryset.model is Contact:
        queryset = queryset.select_related("account")
    return queryset


def _list_fields(model: type[Account] | type[Contact]) -> list[str]:
    """What a list loads: every field of its records, but of each record's owner and account
    only what lists show (names, and whether the account is deleted). The ~45 other columns of
    those rows were a third of the time spent turning a page of 50 rows into objects."""
    fields = [f.name for f in model._meta.concrete_fields]
    fields.append("owner__name")
    if model is Contact:
        fields += ["account__name", "account__deleted_at"]
    return fields


def account_get(*, actor: Membership, id: int, include_deleted: bool = False) -> Account:
    """The account if the member may see it, else NotFound (also for other workspaces)."""
    require(actor, "accounts", "view")
    queryset = Account.objects.visible_to(actor)
    if not include_deleted:
        queryset = queryset.alive()
    account = _with_relations(queryset).filter(pk=id).first()
    if account is None:
        raise NotFound()
    return account  # type: ignore[no-any-return]


def contact_get(*, actor: Membership, id: int, include_deleted: bool = False) -> Contact:
    require(actor, "contacts", "view")
    queryset = Contact.objects.visible_to(actor)
    if not include_deleted:
        queryset = queryset.alive()
    contact = _with_relations(queryset).filter(pk=id).first()
    if contact is None:
        raise NotFound()
    return contact  # type: ignore[no-any-return]


def _list(
    queryset: QuerySet[Any],
    *,
    actor: Membership,
    object_type: str,
    query: ListQuery,
    cursor: str | None,
    limit: int,
    custom_fields: list[CustomField] | None,
) -> dict[str, Any]:
    require(actor, object_type, "view")
    fields = _fields(actor, object_type, custom_fields)
    queryset = apply_filters(queryset, actor=actor, filters=query.filters, custom_fields=fields)
    queryset = apply_search(queryset, query.q, actor=actor)
    queryset, order, extra = sort_order(
        queryset, actor=actor, sort=query.sort, custom_fields=fields
    )
    queryset = _with_relations(queryset).only(*_list_fields(queryset.model))
    return keyset_page(queryset, order=order, cursor=cursor, limit=limit, fields=extra)


def _fields(
    actor: Membership, object_type: str, custom_fields: list[CustomField] | None
) -> list[CustomField]:
    """The type's active custom fields: the caller's, when it has loaded them for this request
    already (a list page needs them for its columns, filters, rows and count), else loaded."""
    if custom_fields is not None:
        return custom_fields
    return active_fields(actor.workspace_id, object_type)


def filtered_queryset(
    *,
    actor: Membership,
    object_type: str,
    query: ListQuery,
    custom_fields: list[CustomField] | None = None,
) -> tuple[QuerySet[Any], list[str]]:
    """The rows a list view shows, in its order (for counts, bulk actions and exports).
    `custom_fields`: the type's active custom fields, if the caller has them already."""
    base = (
        account_queryset(actor=actor)
        if object_type == "accounts"
        else contact_queryset(actor=actor)
    )
    require(actor, object_type, "view")
    fields = _fields(actor, object_type, custom_fields)
    queryset = apply_filters(base, actor=actor, filters=query.filters, custom_fields=fields)
    queryset = apply_search(queryset, query.q, actor=actor)
    queryset, order, _extra = sort_order(
        queryset, actor=actor, sort=query.sort, custom_fields=fields
    )
    return queryset.order_by(*order), order


def account_list(
    *,
    actor: Membership,
    query: ListQuery,
    cursor: str | None = None,
    limit: int = 50,
    custom_fields: list[CustomField] | None = None,
) -> dict[str, Any]:
    return _list(
        account_queryset(actor=actor),
        actor=actor,
        object_type="accounts",
        query=query,
        cursor=cursor,
        limit=limit,
        custom_fields=custom_fields,
    )


def contact_list(
    *,
    actor: Membership,
    query: ListQuery,
    cursor: str | None = None,
    limit: int = 50,
    custom_fields: list[CustomField] | None = None,
) -> dict[str, Any]:
    return _list(
        contact_queryset(actor=actor),
        actor=actor,
        object_type="contacts",
        query=query,
        cursor=cursor,
        limit=limit,
        custom_fields=custom_fields,
    )


def capped_count(queryset: QuerySet[Any], cap: int = COUNT_CAP) -> tuple[int, bool]:
    """(count, exact). Counts at most cap+1 rows, so a count stays fast on a million rows."""
    found = queryset.order_by()[: cap + 1].count()
    return (min(found, cap), found <= cap)


def estimated_count(queryset: QuerySet[Any]) -> int | None:
    """PostgreSQL's planner estimate of the rows a filtered list has (no rows are read), for
    counts past the cap; None on SQLite, which has no such estimate."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    import json

    try:
        plan = json.loads(queryset.order_by().explain(format="json"))
        return int(plan[0]["Plan"]["Plan Rows"])
    except (ValueError, KeyError, IndexError, TypeError):
        return None


def account_contacts(*, actor: Membership, account: Account, limit: int = 50) -> list[Contact]:
    """The account's contacts the member may see, by name. Kept on the account object for the
    rest of the request: the account page and its quick-log panel both show them."""
    memo: dict[tuple[int, int], list[Contact]] = account.__dict__.setdefault(
        "_visible_contacts", {}
    )
    key = (actor.pk, limit)
    if key not in memo:
        memo[key] = list(
            contact_queryset(actor=actor)
            .filter(account=account)
            .select_related("owner")
            .order_by("name", "id")[:limit]
        )
    return memo[key]


def custom_field_list(
    *, actor: Membership, object_type: str | None = None, include_archived: bool = False
) -> QuerySet[CustomField]:
    require(actor, "custom_fields", "view")
    queryset = CustomField.objects.filter(workspace_id=actor.workspace_id)
    if object_type:
        queryset = queryset.filter(object_type=object_type)
    if not include_archived:
        queryset = queryset.filter(archived_at__isnull=True)
    return queryset.order_by("object_type", "position", "id")


def custom_field_get(*, actor: Membership, id: int) -> CustomField:
    require(actor, "custom_fields", "view")
    field = CustomField.objects.filter(workspace_id=actor.workspace_id, pk=id).first()
    if field is None:
        raise NotFound()
    return field


def tag_list(*, actor: Membership) -> QuerySet[Tag]:
    require(actor, "tags", "view")
    return Tag.objects.filter(workspace_id=actor.workspace_id).order_by("name", "id")


def tag_get(*, actor: Membership, id: int) -> Tag:
    require(actor, "tags", "view")
    tag = Tag.objects.filter(workspace_id=actor.workspace_id, pk=id).first()
    if tag is None:
        raise NotFound()
    return tag


def picklist(*, workspace_id: int, list_key: str, include_retired: bool = False) -> list[Any]:
    queryset = PicklistOption.objects.filter(workspace_id=workspace_id, list_key=list_key)
    if not include_retired:
        queryset = queryset.filter(is_active=True)
    return list(queryset.order_by("position", "id"))


def picklist_options(*, workspace_id: int) -> list[PicklistOption]:
    """Every option of the workspace's pick lists, retired ones too, list by list in order."""
    return list(
        PicklistOption.objects.filter(workspace_id=workspace_id).order_by(
            "list_key", "position", "id"
        )
    )


def picklist_labels(*, workspace_id: int) -> dict[str, dict[str, str]]:
    """{list_key: {value: label}} including retired options (records may still carry them)."""
    labels: dict[str, dict[str, str]] = {}
    for option in PicklistOption.objects.filter(workspace_id=workspace_id):
        labels.setdefault(option.list_key, {})[option.value] = option.shown_label
    return labels


def recycle_bin(*, actor: Membership, object_type: str, limit: int = 200) -> list[Any]:
    """Deleted (not merged) records of a type the member may delete, newest deletion first."""
    require(actor, object_type, "delete")
    model: Any = Account if object_type == "accounts" else Contact
    return list(
        model.objects.visible_to(actor)
        .deleted()
        .filter(merged_into__isnull=True)
        .select_related("deleted_by")
        .order_by("-deleted_at", "-id")[:limit]
    )


# --- Public pool (公海) ---------------------------------------------------------------------------

MASK = "••••"


def pools_visible(*, actor: Membership, object_type: str | None = None) -> list[Any]:
    """Pools the member may browse and claim from; every pool for members who may assign."""
    from .models import CustomerPool
    from .services.pool import member_pool_ids

    require(actor, "pools", "view")
    pools = CustomerPool.objects.filter(workspace_id=actor.workspace_id).order_by(
        "object_type", "-is_default", "name", "id"
    )
    if object_type:
        pools = pools.filter(object_type=object_type)
    visible = []
    for pool in pools:
        from guanxi.core.permissions import can

        if can(actor, pool.object_type, "assign") or pool.pk in member_pool_ids(
            actor, pool.object_type
        ):
            visible.append(pool)
    return visible


def pool_get(*, actor: Membership, id: int) -> Any:
    for pool in pools_visible(actor=actor):
        if pool.pk == id:
            return pool
    raise NotFound()


def pool_record_queryset(*, actor: Membership, pool: Any, q: str = "") -> QuerySet[Any]:
    from .services.pool import pool_records

    require(actor, pool.object_type, "view")
    queryset = pool_records(actor, pool.object_type, pool)
    if pool.object_type == "contacts":
        queryset = queryset.select_related("account")
    return apply_search(queryset, q, actor=actor)


def pool_masks_details(*, actor: Membership, pool: Any) -> bool:
    """Reps see a pool record's phone numbers and emails only once they claim it (if the pool
    says so); managers who may assign always see them."""
    from guanxi.core.permissions import can

    return bool(pool.mask_contact_details) and not can(actor, pool.object_type, "assign")


def mask_phone(value: str) -> str:
    """+8613812345678 → +86138****5678: enough to tell numbers apart, not to call them."""
    if not value:
        return ""
    return value[:-8] + "****" + value[-4:] if len(value) > 8 else MASK


def mask_email(value: str) -> str:
    if not value or "@" not in value:
        return MASK if value else ""
    local, _sep, domain = value.partition("@")
    return f"{local[:1]}{MASK}@{domain}"


def pool_record_shaper(*, actor: Membership, pool: Any) -> Callable[[Any], dict[str, Any]]:
    """How the pool list (page and API alike) shows a record to this member: contact details
    masked if the pool says so, fields their role hides left out."""
    masked = pool_masks_details(actor=actor, pool=pool)
    hidden = hidden_fields(actor, pool.object_type)
    return lambda record: pool_record_out(record, masked=masked, hidden=hidden)


# Pool record keys → the field a role may hide (role editor names).
POOL_RECORD_FIELDS = {"account_id": "account"}


def pool_record_out(
    record: Any, *, masked: bool, hidden: frozenset[str] = frozenset()
) -> dict[str, Any]:
    is_contact = isinstance(record, Contact)
    data = {
        "id": record.pk,
        "name": record.name,
        "masked": masked,
        "phone": record.phone,
        "email": record.email,
        "other_phones": list(record.other_phones),
        "other_emails": list(record.other_emails),
        "last_followed_at": record.last_followed_at,
        "updated_at": record.updated_at,
    }
    if is_contact:
        data.update(mobile=record.mobile, wechat=record.wechat, account_id=record.account_id)
    else:
        data.update(level=record.level, city=record.city, province=record.province)
    if masked:
        data["phone"] = mask_phone(data["phone"])
        data["email"] = mask_email(data["email"])
        data["other_phones"] = [mask_phone(v) for v in data["other_phones"]]
        data["other_emails"] = [mask_email(v) for v in data["other_emails"]]
        if is_contact:
            data["mobile"] = mask_phone(data["mobile"])
            data["wechat"] = MASK if data["wechat"] else ""
    for key in list(data):
        if POOL_RECORD_FIELDS.get(key, key) in hidden:
            del data[key]
    return data


def record_after_move(*, actor: Membership, object_type: str, id: int) -> Any:
    """The record a member just claimed, returned or assigned, for the answer to that action.
    The action itself checked access; afterwards the record may lie outside the member's data
    scope (a manager assigning to a rep of another team), which must not turn the answer into
    a 404."""
    model: Any = Account if object_type == "accounts" else Contact
    record = _with_relations(model.objects.filter(workspace_id=actor.workspace_id)).get(pk=id)
    return record


# --- Global search (top bar, Ctrl+K) ------------------------------------------------------------

SEARCH_LIMIT = 10


def global_search(
    *, actor: Membership, object_type: str, q: str, limit: int = SEARCH_LIMIT
) -> list[Any]:
    """Records of `object_type` matching `q` that the member may see, newest first."""
    from guanxi.core.permissions import can

    if not can(actor, object_type, "view"):
        return []
    base = (
        account_queryset(actor=actor)
        if object_type == "accounts"
        else contact_queryset(actor=actor)
    )
    queryset = apply_search(base, q, actor=actor)
    if object_type == "contacts":
        queryset = queryset.select_related("account")
    return list(queryset.order_by("-id")[:limit])
