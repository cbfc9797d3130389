from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from .. import audit
from ..errors import Conflict, PermissionDenied, ValidationFailed
from ..models import DataScope, Membership, Role
from ..permissions import require
from ..registry import object_types
from .versioning import check_version, save_versioned

FIELDS = ["name", "description", "data_scope", "permissions", "hidden_fields", "readonly_fields"]


def clean_permissions(permissions: dict[str, Any]) -> dict[str, list[str]]:
    """Keep only registered object types and their actions, in a stable order."""
    known = {t.key: t for t in object_types()}
    errors: list[str] = []
    cleaned: dict[str, list[str]] = {}
    for key, actions in (permissions or {}).items():
        object_type = known.get(key)
        if object_type is None:
            errors.append(_("Unknown object type: %(key)s") % {"key": key})
            continue
        if not isinstance(actions, list | tuple):
            errors.append(_("Actions for %(key)s must be a list.") % {"key": key})
            continue
        unknown = sorted(set(actions) - set(object_type.actions))
        if unknown:
            errors.append(
                _("Unknown actions for %(key)s: %(actions)s")
                % {"key": key, "actions": ", ".join(unknown)}
            )
            continue
        granted = [action for action in object_type.actions if action in actions]
        # Every other action needs view: nobody edits or exports what they cannot see.
        if granted and "view" not in granted:
            granted.insert(0, "view")
        if granted:
            cleaned[key] = granted
    if errors:
        raise ValidationFailed(fields={"permissions": errors})
    return cleaned


def clean_fields(field_map: dict[str, Any], field_name: str) -> dict[str, list[str]]:
    known = {t.key: t for t in object_types()}
    errors: list[str] = []
    cleaned: dict[str, list[str]] = {}
    for key, names in (field_map or {}).items():
        object_type = known.get(key)
        if object_type is None or not isinstance(names, list | tuple):
            errors.append(_("Unknown object type: %(key)s") % {"key": key})
            continue
        allowed = {
            spec.name
            for spec in object_type.fields
            if spec.can_hide or field_name != "hidden_fields"
        }
        unknown = sorted(set(names) - allowed)
        if unknown:
            errors.append(
                _("These fields of %(key)s cannot be restricted: %(fields)s")
                % {"key": key, "fields": ", ".join(unknown)}
            )
            continue
        if names:
            cleaned[key] = [spec.name for spec in object_type.fields if spec.name in names]
    if errors:
        raise ValidationFailed(fields={field_name: errors})
    return cleaned


def _clean(role: Role, data: dict[str, Any]) -> None:
    if "name" in data:
        name = (data["name"] or "").strip()
        if not name:
            raise ValidationFailed(fields={"name": [_("Enter a name.")]})
        role.name = name[:80]
    if "description" in data:
        role.description = (data["description"] or "").strip()[:255]
    if "data_scope" in data:
        if data["data_scope"] not in DataScope.values:
            raise ValidationFailed(
                fields={
                    "data_scope": [
                        _("Choose one of: %(values)s") % {"values": ", ".join(DataScope.values)}
                    ]
                }
            )
        role.data_scope = data["data_scope"]
    if "permissions" in data:
        role.permissions = clean_permissions(data["permissions"])
    if "hidden_fields" in data:
        role.hidden_fields = clean_fields(data["hidden_fields"], "hidden_fields")
    if "readonly_fields" in data:
        role.readonly_fields = clean_fields(data["readonly_fields"], "readonly_fields")


def _save_new(role: Role) -> None:
    try:
        with transaction.atomic():
            role.save()
    except IntegrityError:
        raise ValidationFailed(fields={"name": [_("A role with this name already exists.")]})


@transaction.atomic
def role_create(*, actor: Membership, data: dict[str, Any]) -> Role:
    """Create a custom role. Permissions are checked against the registry. Audited."""
    require(actor, "roles", "create")
    role = Role(workspace_id=actor.workspace_id, data_scope=DataScope.OWN)
    if "name" not in data:
        raise ValidationFailed(fields={"name": [_("Enter a name.")]})
    _clean(role, data)
    _save_new(role)
    audit.record(
        action="role.create",
        workspace=actor.workspace_id,
        actor=actor,
        object_type="roles",
        object_id=role.pk,
        object_label=role.name,
        changes=audit.diff({}, audit.snapshot(role, FIELDS)),
    )
    return role


@transaction.atomic
def role_update(
    *, actor: Membership, role: Role, version: int | None, data: dict[str, Any]
) -> Role:
    """Change a role; takes effect on the members' next request. The Owner role is fixed."""
    require(actor, "roles", "edit")
    if role.is_owner:
        raise PermissionDenied(
            _("The Owner role always has every permission and cannot be changed.")
        )
    before = audit.snapshot(role, FIELDS)
    _clean(role, data)
    changes = audit.diff(before, audit.snapshot(role, FIELDS))
    if not changes:
        check_version(role, version=version)
        return role
    try:
        with transaction.atomic():
            save_versioned(role, version=version, fields=FIELDS)
    except IntegrityError:
        raise ValidationFailed(fields={"name": [_("A role with this name already exists.")]})
    audit.record(
        action="role.update",
        workspace=actor.workspace_id,
        actor=actor,
        object_type="roles",
        object_id=role.pk,
        object_label=role.name,
        changes=changes,
    )
    return role


@transaction.atomic
def role_delete(*, actor: Membership, role: Role) -> None:
    """Delete an unused role. The Owner role and roles held by members are refused."""
    require(actor, "roles", "delete")
    if role.is_owner:
        raise PermissionDenied(_("The Owner role cannot be deleted."))
    if Membership.objects.filter(role=role).exists():
        raise Conflict(_("Members still have this role. Give them another role first."))
    audit.record(
        action="role.delete",
        workspace=actor.workspace_id,
        actor=actor,
        object_type="roles",
        object_id=role.pk,
        object_label=role.name,
        changes={"name": [role.name, None]},
    )
    role.delete()
