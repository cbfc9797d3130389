from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import override

from .. import audit, registry
from ..errors import PermissionDenied, ValidationFailed
from ..models import LANGUAGE_CHOICES, AuditEvent, Membership, Role, User, Workspace
from ..object_types import DEFAULT_ROLES
from ..permissions import require
from ..registry import object_types
from .versioning import save_versioned


def default_role_permissions(role_key: str) -> dict[str, list[str]]:
    grants: dict[str, list[str]] = {}
    for object_type in object_types():
        actions = object_type.default_grants.get(role_key, ())
        if actions:
            grants[object_type.key] = list(actions)
    return grants


def roles_install_defaults(*, workspace: Workspace) -> dict[str, Role]:
    """Create the default roles a workspace is missing, named in the workspace's language, then
    run the set-up steps modules registered (their starting pick lists, pools…). Idempotent:
    every caller that makes a workspace goes through here."""
    roles = {role.key: role for role in Role.objects.filter(workspace=workspace).exclude(key="")}
    with override(workspace.locale):
        for key, name, description, scope in DEFAULT_ROLES:
            if key in roles:
                continue
            roles[key] = Role.objects.create(
                workspace=workspace,
                key=key,
                name=str(name),
                description=str(description),
                is_owner=key == "owner",
                data_scope=scope,
                permissions=default_role_permissions(key),
            )
    for setup in registry.workspace_setups():
        setup(workspace)
    return roles


@transaction.atomic
def workspace_create(
    *,
    name: str,
    slug: str = "",
    owner: User,
    locale: str = "zh-hans",
    time_zone: str = "Asia/Shanghai",
    base_currency: str = "CNY",
) -> Workspace:
    """Create a workspace with the default roles and `owner` as its Owner. Audited."""
    slug = slugify(slug or name)[:60]
    if not slug:
        raise ValidationFailed(
            fields={"slug": [_("Enter a slug made of letters, digits and hyphens.")]}
        )
    if Workspace.objects.filter(slug=slug).exists():
        raise ValidationFailed(fields={"slug": [_("This slug is already taken.")]})
    workspace = Workspace.objects.create(
        name=name, slug=slug, locale=locale, time_zone=time_zone, base_currency=base_currency
    )
    roles = roles_install_defaults(workspace=workspace)
    membership = Membership.objects.create(workspace=workspace, user=owner, role=roles["owner"])
    audit.record(
        action="workspace.create",
        workspace=workspace,
        actor=membership,
        object_type="workspace",
        object_id=workspace.pk,
        object_label=workspace.name,
        changes={"name": [None, name], "slug": [None, slug]},
    )
    return workspace


WORKSPACE_FIELDS = ["name", "base_currency", "time_zone", "locale", "require_two_factor"]


def _clean_workspace(workspace: Workspace, data: dict[str, Any]) -> None:
    from zoneinfo import available_timezones

    from babel.numbers import list_currencies

    errors: dict[str, list[str]] = {}
    if "name" in data:
        name = (data["name"] or "").strip()
        if not name:
            errors["name"] = [_("Enter a name.")]
        elif len(name) > 150:
            errors["name"] = [_("Use at most 150 characters.")]
        else:
            workspace.name = name
    if "base_currency" in data:
        code = (data["base_currency"] or "").strip().upper()
        if len(code) != 3 or code not in list_currencies():
            errors["base_currency"] = [_("Enter a three-letter ISO 4217 currency code.")]
        else:
            workspace.base_currency = code
    if "time_zone" in data:
        if data["time_zone"] not in available_timezones():
            errors["time_zone"] = [_("Choose a time zone from the list.")]
        else:
            workspace.time_zone = data["time_zone"]
    if "locale" in data:
        if data["locale"] not in {code for code, _label in LANGUAGE_CHOICES[1:]}:
            errors["locale"] = [_("Choose a language from the list.")]
        else:
            workspace.locale = data["locale"]
    if "require_two_factor" in data:
        workspace.require_two_factor = bool(data["require_two_factor"])
    if errors:
        raise ValidationFailed(fields=errors)


@transaction.atomic
def workspace_update(*, actor: Membership, version: int | None, data: dict[str, Any]) -> Workspace:
    """Change the actor's workspace: name, base currency, time zone, default language and the
    two-factor requirement.

    Needs workspace.edit; only an Owner may change the two-factor requirement, and only after
    setting up two-factor authentication themselves (so they are not locked out at once).
    Version-checked (StaleVersion) and audited (`workspace.update`). Bad input changes nothing.
    """
    require(actor, "workspace", "edit")
    workspace = Workspace.objects.get(pk=actor.workspace_id)
    before = audit.snapshot(workspace, WORKSPACE_FIELDS)
    _clean_workspace(workspace, data)
    if workspace.require_two_factor != before["require_two_factor"]:
        if not actor.role.is_owner:
            raise PermissionDenied(
                _("Only an Owner can change the two-factor authentication requirement.")
            )
        if workspace.require_two_factor and not actor.user.has_two_factor:
            raise ValidationFailed(
                fields={
                    "require_two_factor": [
                        _("Set up two-factor authentication for yourself first.")
                    ]
                }
            )
    changes = audit.diff(before, audit.snapshot(workspace, WORKSPACE_FIELDS))
    if not changes:
        return workspace
    save_versioned(workspace, version=version, fields=WORKSPACE_FIELDS)
    audit.record(
        action="workspace.update",
        workspace=workspace,
        actor=actor,
        object_type="workspace",
        object_id=workspace.pk,
        object_label=workspace.name,
        changes=changes,
    )
    return workspace


def audit_export(*, actor: Membership, filters: dict[str, Any]) -> QuerySet[AuditEvent]:
    """The audit events an export will contain, after recording the export itself
    (`audit.export`, with the filters used). Needs audit_events.export."""
    from ..selectors import audit_list

    require(actor, "audit_events", "export")
    queryset = audit_list(actor=actor, **filters)
    audit.record(
        action="audit.export",
        workspace=actor.workspace_id,
        actor=actor,
        object_type="audit_events",
        object_label=_("Audit log export"),
        changes={"filters": {key: value for key, value in filters.items() if value}},
    )
    return queryset
