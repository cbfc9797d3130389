from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema

from .apikit import InputSchema


class HealthOut(Schema):
    status: str
    database: str
    version: str


class MeOut(Schema):
    id: int
    email: str
    name: str
    locale: str
    time_zone: str
    workspace: dict[str, Any]
    membership_id: int
    role: dict[str, Any]
    team_id: int | None
    token_scope: str
    permissions: dict[str, list[str]]


class UserOut(Schema):
    id: int
    name: str
    email: str | None = None
    title: str | None = None
    role_id: int | None = None
    team_id: int | None = None
    locale: str
    is_active: bool
    version: int
    created_at: datetime
    updated_at: datetime


class UserPatch(InputSchema):
    non_nullable = frozenset({"is_active", "title", "role_id"})  # team_id null: no team

    version: int
    role_id: int | None = None
    team_id: int | None = None
    title: str | None = None
    is_active: bool | None = None


class TeamOut(Schema):
    id: int
    name: str
    parent_id: int | None = None
    version: int
    created_at: datetime
    updated_at: datetime


class TeamIn(InputSchema):
    name: str
    parent_id: int | None = None


class TeamPatch(InputSchema):
    non_nullable = frozenset({"name"})  # parent_id null: move to the top level

    version: int
    name: str | None = None
    parent_id: int | None = None


class RoleOut(Schema):
    id: int
    key: str
    name: str
    description: str | None = None
    is_owner: bool
    data_scope: str
    permissions: dict[str, list[str]]
    hidden_fields: dict[str, list[str]]
    readonly_fields: dict[str, list[str]]
    version: int
    created_at: datetime
    updated_at: datetime


class RoleIn(InputSchema):
    name: str
    description: str = ""
    data_scope: str = "own"
    permissions: dict[str, list[str]] = {}
    hidden_fields: dict[str, list[str]] = {}
    readonly_fields: dict[str, list[str]] = {}


class RolePatch(InputSchema):
    non_nullable = frozenset(
        {"name", "description", "data_scope", "permissions", "hidden_fields", "readonly_fields"}
    )

    version: int
    name: str | None = None
    description: str | None = None
    data_scope: str | None = None
    permissions: dict[str, list[str]] | None = None
    hidden_fields: dict[str, list[str]] | None = None
    readonly_fields: dict[str, list[str]] | None = None


class AuditEventOut(Schema):
    id: int
    action: str
    actor_id: int | None
    actor_label: str
    object_type: str
    object_id: str
    object_label: str
    changes: dict[str, Any]
    ip: str | None
    user_agent: str
    request_id: str
    created_at: datetime
