"""Core's own object types and the default roles every new workspace starts with."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import DataScope
from .registry import FieldSpec, ObjectType, register_object_type

# key, name, description, data scope. The owner role may do everything and cannot be edited away.
DEFAULT_ROLES: list[tuple[str, Any, Any, str]] = [
    (
        "owner",
        _("Owner"),
        _("Full control of the workspace, including billing and security."),
        DataScope.ALL,
    ),
    ("admin", _("Administrator"), _("Manages members, teams, roles and settings."), DataScope.ALL),
    (
        "sales_manager",
        _("Sales manager"),
        _("Leads a sales team and sees its records."),
        DataScope.TEAM_TREE,
    ),
    ("sales_rep", _("Sales rep"), _("Works their own customers and deals."), DataScope.OWN),
    (
        "service_agent",
        _("Service agent"),
        _("Handles tickets and customer questions."),
        DataScope.ALL,
    ),
    ("marketer", _("Marketer"), _("Runs segments and campaigns."), DataScope.ALL),
    (
        "read_only",
        _("Read-only"),
        _("Sees the workspace's records without changing them."),
        DataScope.ALL,
    ),
]

EVERYONE_VIEWS = {
    "sales_manager": ("view",),
    "sales_rep": ("view",),
    "service_agent": ("view",),
    "marketer": ("view",),
    "read_only": ("view",),
}


def register_core_object_types() -> None:
    register_object_type(
        ObjectType(
            key="members",
            label=_("Members"),
            model="core.Membership",
            fields=(
                FieldSpec("name", pgettext_lazy("person", "Name"), can_hide=False),
                FieldSpec("email", _("Email")),
                FieldSpec("title", _("Job title")),
                FieldSpec("role", _("Role")),
                FieldSpec("team", _("Team")),
            ),
            actions=("view", "create", "edit", "delete", "export"),
            default_grants={
                "admin": ("view", "create", "edit", "delete", "export"),
                **EVERYONE_VIEWS,
            },
            api_path="/users",
        )
    )
    register_object_type(
        ObjectType(
            key="teams",
            label=_("Teams"),
            model="core.Team",
            fields=(
                FieldSpec("name", _("Name"), can_hide=False),
                FieldSpec("parent", _("Parent team")),
            ),
            actions=("view", "create", "edit", "delete"),
            default_grants={"admin": ("view", "create", "edit", "delete"), **EVERYONE_VIEWS},
            api_path="/teams",
        )
    )
    register_object_type(
        ObjectType(
            key="roles",
            label=_("Roles"),
            model="core.Role",
            fields=(
                FieldSpec("name", _("Name"), can_hide=False),
                FieldSpec("description", _("Description")),
            ),
            actions=("view", "create", "edit", "delete"),
            default_grants={
                "admin": ("view", "create", "edit", "delete"),
                "sales_manager": ("view",),
            },
            api_path="/roles",
        )
    )
    register_object_type(
        ObjectType(
            key="audit_events",
            label=_("Audit log"),
            model="core.AuditEvent",
            actions=("view", "export"),
            default_grants={"admin": ("view", "export")},
            api_path="/audit-events",
        )
    )
    register_object_type(
        ObjectType(
            key="workspace",
            label=_("Workspace settings"),
            model="core.Workspace",
            actions=("view", "edit"),
            default_grants={"admin": ("view", "edit")},
        )
    )
