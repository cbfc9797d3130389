"""Administering pools and holding limits (workspace settings, 公海规则)."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from guanxi.core import audit
from guanxi.core.errors import ValidationFailed
from guanxi.core.models import Membership, Role, Team, Workspace
from guanxi.core.permissions import require
from guanxi.core.services.versioning import check_version, save_versioned

from ..models import CustomerPool, HoldingLimit, PicklistKey, PicklistOption, PoolMember
from .records import clean_text

DAY_FIELDS = ("no_follow_up_days", "no_deal_days", "remind_days_before", "reclaim_block_days")
POOL_AUDITED = [
    "name",
    "is_default",
    *DAY_FIELDS,
    "no_follow_up_days_by_level",
    "no_deal_days_by_level",
    "exempt_customers",
    "exempt_open_deals",
    "daily_claim_limit",
    "mask_contact_details",
]
MAX_DAYS = 3650


DEFAULT_POOL_NAMES = {
    "accounts": gettext_lazy("Public pool"),
    "contacts": gettext_lazy("Public pool (contacts)"),
}


def pools_install_defaults(*, workspace: Workspace) -> None:
    """Every workspace starts with one default pool per record type, without recycle rules."""
    with override(workspace.locale or "en"):
        for object_type, name in DEFAULT_POOL_NAMES.items():
            if not CustomerPool.objects.filter(
                workspace=workspace, object_type=object_type
            ).exists():
                CustomerPool.objects.create(
                    workspace=workspace, object_type=object_type, name=str(name), is_default=True
                )


def _days(value: Any, field: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        days = int(value)
    except (TypeError, ValueError):
        raise ValidationFailed(fields={field: [_("Enter a whole number of days.")]})
    if not 0 < days <= MAX_DAYS:
        raise ValidationFailed(
            fields={field: [_("Enter between 1 and %(max)d days.") % {"max": MAX_DAYS}]}
        )
    return days


def _by_level(workspace_id: int, value: Any, field: str) -> dict[str, int]:
    if not value:
        return {}
    if not isinstance(value, dict):
        raise ValidationFailed(fields={field: [_("Give days per customer level.")]})
    levels = set(
        PicklistOption.objects.filter(
            workspace_id=workspace_id, list_key=PicklistKey.ACCOUNT_LEVEL
        ).values_list("value", flat=True)
    )
    result = {}
    for level, days in value.items():
        if level not in levels:
            raise ValidationFailed(
                fields={field: [_("Unknown customer level %(level)s.") % {"level": level}]}
            )
        cleaned = _days(days, field)
        if cleaned is not None:
            result[str(level)] = cleaned
    return result


def _clean(actor: Membership, pool: CustomerPool, data: dict[str, Any]) -> list[str]:
    changed: list[str] = []
    errors: dict[str, list[str]] = {}
    for key, value in data.items():
        try:
            if key == "name":
                pool.name = clean_text(value, field="name", limit=80, required=True)
            elif key in DAY_FIELDS:
                setattr(pool, key, _days(value, key))
            elif key in ("no_follow_up_days_by_level", "no_deal_days_by_level"):
                setattr(pool, key, _by_level(actor.workspace_id, value, key))
            elif key == "daily_claim_limit":
                setattr(pool, key, None if value in (None, "") else _days(value, key))
            elif key in ("exempt_customers", "exempt_open_deals", "mask_contact_details"):
                setattr(pool, key, bool(value))
            elif key in ("members",):
                continue
            else:
                raise ValidationFailed(fields={key: [_("Unknown field.")]})
        except ValidationFailed as exc:
            errors.update(exc.fields)
            continue
        changed.append(key)
    if errors:
        raise ValidationFailed(fields=errors)
    return changed


def _set_members(actor: Membership, pool: CustomerPool, members: Any) -> None:
    """members: {"teams": [ids], "users": [ids]}; empty means everyone may claim."""
    members = members or {}
    team_ids = {int(t) for t in members.get("teams", [])}
    user_ids = {int(u) for u in members.get("users", [])}
    if team_ids - set(
        Team.objects.filter(workspace_id=actor.workspace_id, pk__in=team_ids).values_list(
            "pk", flat=True
        )
    ):
        raise ValidationFailed(fields={"members": [_("Choose teams of this workspace.")]})
    if user_ids - set(
        Membership.objects.filter(
            workspace_id=actor.workspace_id, user_id__in=user_ids
        ).values_list("user_id", flat=True)
    ):
        raise ValidationFailed(fields={"members": [_("Choose members of this workspace.")]})
    PoolMember.objects.filter(pool=pool).delete()
    PoolMember.objects.bulk_create(
        [PoolMember(workspace_id=actor.workspace_id, pool=pool, team_id=t) for t in team_ids]
        + [PoolMember(workspace_id=actor.workspace_id, pool=pool, user_id=u) for u in user_ids]
    )


@transaction.atomic
def pool_create(*, actor: Membership, object_type: str, data: dict[str, Any]) -> CustomerPool:
    require(actor, "workspace", "edit")
    if object_type not in ("accounts", "contacts"):
        raise ValidationFailed(fields={"object_type": [_("Choose accounts or contacts.")]})
    pool = CustomerPool(workspace_id=actor.workspace_id, object_type=object_type)
    _clean(actor, pool, {"name": data.get("name", ""), **data})
    try:
        with transaction.atomic():
            pool.save()
    except IntegrityError:
        raise ValidationFailed(fields={"name": [_("A pool with this name already exists.")]})
    if "members" in data:
        _set_members(actor, pool, data["members"])
    audit.record(
        action="pool.create",
        workspace=actor.workspace_id,
        actor=actor,
        object_type="workspace",
        object_id=pool.pk,
        object_label=pool.name,
        changes=audit.diff({}, audit.snapshot(pool, POOL_AUDITED)),
    )
    return pool


@transaction.atomic
def pool_update(
    *, actor: Membership, pool: CustomerPool, data: dict[str, Any], version: int | None
) -> CustomerPool:
    require(actor, "workspace", "edit")
    before = audit.snapshot(pool, POOL_AUDITED)
    changed = _clean(actor, pool, data)
    if "members" in data:
        _set_members(actor, pool, data["members"])
    changes = audit.diff(before, audit.snapshot(pool, POOL_AUDITED))
    if not changes:
        check_version(pool, version=version)
        return pool
    try:
        with transaction.atomic():
            save_versioned(pool, version=version, fields=changed)
    except IntegrityError:
        raise ValidationFailed(fields={"name": [_("A pool with this name already exists.")]})
    audit.record(
        action="pool.update",
        workspace=actor.workspace_id,
        actor=actor,
        object_type="workspace",
        object_id=pool.pk,
        object_label=pool.name,
        changes=changes,
    )
    return pool


@transaction.atomic
def holding_limit_set(
    *,
    actor: Membership,
    object_type: str,
    limit: int | None,
    user_id: int | None = None,
    team_id: int | None = None,
    role_id: int | None = None,
) -> HoldingLimit | None:
    """Set (or with limit=None remove) the holding limit of one person, team or role."""
    require(actor, "workspace", "edit")
    if [user_id, team_id, role_id].count(None) != 2:
        raise ValidationFailed(fields={"target": [_("Choose one person, team or role.")]})
    if team_id and not Team.objects.filter(workspace_id=actor.workspace_id, pk=team_id).exists():
        raise ValidationFailed(fields={"team_id": [_("Choose a team of this workspace.")]})
    if role_id and not Role.objects.filter(workspace_id=actor.workspace_id, pk=role_id).exists():
        raise ValidationFailed(fields={"role_id": [_("Choose a role of this workspace.")]})
    if (
        user_id
        and not Membership.objects.filter(workspace_id=actor.workspace_id, user_id=user_id).exists()
    ):
        raise ValidationFailed(fields={"user_id": [_("Choose a member of this workspace.")]})
    if limit is not None and not 0 <= int(limit) <= 1_000_000:
        raise ValidationFailed(fields={"limit": [_("Enter a number from 0 to 1,000,000.")]})
    target = {"user_id": user_id, "team_id": team_id, "role_id": role_id}
    HoldingLimit.objects.filter(
        workspace_id=actor.workspace_id, object_type=object_type, **target
    ).delete()
    result = None
    if limit is not None:
        result = HoldingLimit.objects.create(
            workspace_id=actor.workspace_id, object_type=object_type, limit=int(limit), **target
        )
    audit.record(
        action="holding_limit.set",
        workspace=actor.workspace_id,
        actor=actor,
        object_type="workspace",
        object_id=actor.workspace_id,
        changes={"target": {k: v for k, v in target.items() if v}, "limit": limit},
    )
    return result
