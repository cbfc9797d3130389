from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import audit
from ..errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ..models import DataScope, Invitation, Membership, Role
from ..permissions import may_hand_out, require
from ..registry import object_types
from .versioning import check_version, save_versioned

FIELDS = ["name", "description", "data_scope", "permissions", "hidden_fields", "readonly_fields"]


def clean_permissions(permissions: dict[str, Any]) -> dict[str, list[str]]:
    """Keep only registered object types and their actions, in a stable order."""
    if not isinstance(permissions, dict):
        raise ValidationFailed(fields={"permissions": [_("Give the permissions as a mapping.")]})
    known = {t.key: t for t in object_types()}
    errors: list[str] = []
    cleaned: dict[str, list[str]] = {}
    for key, actions in permissions.items():
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
    if not isinstance(field_map, dict):
        raise ValidationFailed(fields={field_name: [_("Give the fields as a mapping.")]})
    known = {t.key: t for t in object_types()}
    errors: list[str] = []
    cleaned: dict[str, list[str]] = {}
    for key, names in field_map.items():
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
        name = data["name"].strip() if isinstance(data["name"], str) else ""
        if not name:
            raise ValidationFailed(fields={"name": [_("Enter a name.")]})
        role.name = name[:80]
    if "description" in data:
        if not isinstance(data["description"], str):
            raise ValidationFailed(
                fields={"description": [_("Enter a description, or leave it empty.")]}
            )
        role.description = data["description"].strip()[:255]
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


def _require_within_rights(actor: Membership, role: Role) -> None:
    """Nobody shapes a role into more than they hold themselves (an Owner may shape any)."""
    if not may_hand_out(actor, role):
        raise PermissionDenied(
            _(
                "A role cannot have permissions or a data scope beyond your own. Remove what "
                "you do not have yourself."
            )
        )


def _save_new(role: Role) -> None:
    try:
        with transaction.atomic():
            role.save()
    except IntegrityError:
        raise ValidationFailed(fields={"name": [_("A role with this name already exists.")]})


@transaction.atomic
def role_create(*, actor: Membership, data: dict[str, Any]) -> Role:
    """Create a custom role. Permissions are checked against the registry and must be within
    the actor's own rights (`role_within_rights`). Audited."""
    require(actor, "roles", "create")
    role = Role(workspace_id=actor.workspace_id, data_scope=DataScope.OWN)
    if "name" not in data:
        raise ValidationFailed(fields={"name": [_("Enter a name.")]})
    _clean(role, data)
    _require_within_rights(actor, role)
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
    """Change a role; takes effect on the members' next request. The Owner role is fixed.

    Only an Owner may change the role they hold themselves; the resulting permissions and data
    scope must be within the actor's own rights. Nothing is written when refused.
    """
    require(actor, "roles", "edit")
    if role.is_owner:
        raise PermissionDenied(
            _("The Owner role always has every permission and cannot be changed.")
        )
    if role.pk == actor.role_id and not actor.role.is_owner:
        raise PermissionDenied(_("You cannot change the role you hold yourself. Ask an Owner."))
    before = audit.snapshot(role, FIELDS)
    _clean(role, data)
    _require_within_rights(actor, role)
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
    """Delete an unused role. The Owner role, roles held by members and roles of pending
    invitations are refused (an invitation would otherwise vanish with its role).

    Locks the role row; member_update and invitation_create lock the role they give, so a role
    cannot be handed out while it is being deleted. Audited.
    """
    require(actor, "roles", "delete")
    locked = (
        Role.objects.select_for_update().filter(pk=role.pk, workspace_id=actor.workspace_id).first()
    )
    if locked is None:
        raise NotFound()
    if locked.is_owner:
        raise PermissionDenied(_("The Owner role cannot be deleted."))
    if Membership.objects.filter(role=locked).exists():
        raise Conflict(_("Members still have this role. Give them another role first."))
    pending = Invitation.objects.filter(
        role=locked,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    )
    if pending.exists():
        raise Conflict(
            _("Pending invitations use this role. Revoke them or wait until they expire first.")
        )
    role_id, role_name = locked.pk, locked.name
    try:
        with transaction.atomic():
            locked.delete()
    except (ProtectedError, IntegrityError):
        raise Conflict(_("This role is still in use. Give its members another role first."))
    audit.record(
        action="role.delete",
        workspace=actor.workspace_id,
        actor=actor,
        object_type="roles",
        object_id=role_id,
        object_label=role_name,
        changes={"name": [role_name, None]},
    )
