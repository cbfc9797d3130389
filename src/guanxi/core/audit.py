"""Writing audit events. Services call `record` for every write; sign-ins are recorded by the
authentication service."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import models

from . import context
from .models import AuditEvent

if TYPE_CHECKING:
    from .models import Membership, User, Workspace


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def snapshot(instance: models.Model, fields: list[str]) -> dict[str, Any]:
    """The plain values of `fields` (FKs as ids), for diffing before and after a write."""
    result = {}
    for name in fields:
        field = instance._meta.get_field(name)
        attname = getattr(field, "attname", name)
        result[name] = _plain(getattr(instance, attname))
    return result


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for the fields whose value changed."""

    # None, "" and empty collections all mean "nothing": going from one to another is no change.
    def normal(value: Any) -> Any:
        plain = _plain(value)
        return None if plain in ("", [], {}) else plain

    return {
        name: [_plain(before.get(name)), _plain(after.get(name))]
        for name in after
        if normal(before.get(name)) != normal(after.get(name))
    }


def record(
    *,
    action: str,
    workspace: Workspace | int | None,
    actor: Membership | User | None,
    object_type: str = "",
    object_id: Any = "",
    object_label: str = "",
    changes: dict[str, Any] | None = None,
    actor_label: str = "",
) -> AuditEvent:
    ctx = context.current()
    user: Any = getattr(actor, "user", actor)
    workspace_id = workspace if isinstance(workspace, int) or workspace is None else workspace.pk
    return AuditEvent.objects.create(
        workspace_id=workspace_id,
        actor=user,
        actor_label=actor_label or (getattr(user, "email", "") if user is not None else ""),
        action=action,
        object_type=object_type,
        object_id=str(object_id) if object_id not in (None, "") else "",
        object_label=str(object_label)[:255],
        changes=_plain(changes or {}),
        ip=ctx.ip,
        user_agent=ctx.user_agent[:400],
        request_id=ctx.request_id,
    )
