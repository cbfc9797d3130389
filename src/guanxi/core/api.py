"""Core endpoints: health, me, users (members), teams, roles, audit events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection
from django.http import HttpRequest
from ninja import Router, Status

from . import selectors
from .apikit import PageOut, clamp_limit, keyset_page, permission
from .models import AuditEvent, Membership, Role, Team
from .permissions import granted_actions, hidden_fields
from .registry import object_types
from .schemas import (
    AuditEventOut,
    HealthOut,
    MeOut,
    RoleIn,
    RoleOut,
    RolePatch,
    TeamIn,
    TeamOut,
    TeamPatch,
    UserOut,
    UserPatch,
)
from .services import members as member_services
from .services import roles as role_services
from .services import teams as team_services

router = Router()


def _member(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined,no-any-return]


@router.get(
    "/health", response=HealthOut, auth=None, tags=["core"], openapi_extra={"x-guanxi-public": True}
)
def health(request: HttpRequest) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    from importlib.metadata import version

    return {"status": "ok", "database": connection.vendor, "version": version("guanxi")}


@router.get("/me", response=MeOut, tags=["core"], openapi_extra=permission(None, None))
def me(request: HttpRequest) -> dict[str, Any]:
    member = _member(request)
    user = member.user
    return {
        "id": user.pk,
        "email": user.email,
        "name": user.name,
        "locale": user.locale,
        "time_zone": user.time_zone,
        "workspace": {
            "id": member.workspace_id,
            "slug": member.workspace.slug,
            "name": member.workspace.name,
            "base_currency": member.workspace.base_currency,
            "time_zone": member.workspace.time_zone,
        },
        "membership_id": member.pk,
        "role": {
            "id": member.role_id,
            "name": member.role.name,
            "data_scope": member.role.data_scope,
        },
        "team_id": member.team_id,
        "token_scope": request.api_token.scope,  # type: ignore[attr-defined]
        "permissions": {
            t.key: [a for a in t.actions if a in granted_actions(member, t.key)]
            for t in object_types()
            if granted_actions(member, t.key)
        },
    }


# --- Users (members of the token's workspace) ----------------------------------------------------


MEMBER_FIELD_KEYS = {"role": "role_id", "team": "team_id"}


def user_out(actor: Membership, member: Membership) -> dict[str, Any]:
    data = {
        "id": member.user_id,
        "name": member.user.name,
        "email": member.user.email,
        "title": member.title,
        "role_id": member.role_id,
        "team_id": member.team_id,
        "locale": member.user.locale,
        "is_active": member.is_active,
        "version": member.version,
        "created_at": member.joined_at,
        "updated_at": member.updated_at,
    }
    # Hidden fields are left out of the answer entirely, not sent as null.
    for field_name in hidden_fields(actor, "members"):
        data.pop(MEMBER_FIELD_KEYS.get(field_name, field_name), None)
    return data


@router.get(
    "/users",
    response=PageOut[UserOut],
    exclude_unset=True,
    tags=["core"],
    openapi_extra=permission("members", "view"),
)
def list_users(
    request: HttpRequest,
    limit: int = 50,
    cursor: str | None = None,
    q: str = "",
    team_id: int | None = None,
    role_id: int | None = None,
    is_active: bool | None = None,
) -> dict[str, Any]:
    actor = _member(request)
    queryset = selectors.member_list(
        actor=actor, q=q, team_id=team_id, role_id=role_id, is_active=is_active
    )
    page = keyset_page(
        queryset,
        order=["user_id"],
        cursor=cursor,
        limit=clamp_limit(limit),
        serialize=lambda m: user_out(actor, m),
    )
    return page


@router.get(
    "/users/{id}",
    response=UserOut,
    exclude_unset=True,
    tags=["core"],
    openapi_extra=permission("members", "view"),
)
def get_user(request: HttpRequest, id: int) -> dict[str, Any]:
    actor = _member(request)
    return user_out(actor, selectors.member_get_by_user(actor=actor, user_id=id))


@router.patch(
    "/users/{id}",
    response=UserOut,
    exclude_unset=True,
    tags=["core"],
    openapi_extra=permission("members", "edit"),
)
def patch_user(request: HttpRequest, id: int, payload: UserPatch) -> dict[str, Any]:
    actor = _member(request)
    member = selectors.member_get_by_user(actor=actor, user_id=id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    member = member_services.member_update(actor=actor, member=member, version=version, data=data)
    return user_out(actor, selectors.member_get(actor=actor, id=member.pk))


# --- Teams -------------------------------------------------------------------------------------------


def team_out(team: Team) -> dict[str, Any]:
    return {
        "id": team.pk,
        "name": team.name,
        "parent_id": team.parent_id,
        "version": team.version,
        "created_at": team.created_at,
        "updated_at": team.updated_at,
    }


@router.get(
    "/teams", response=PageOut[TeamOut], tags=["core"], openapi_extra=permission("teams", "view")
)
def list_teams(
    request: HttpRequest, limit: int = 50, cursor: str | None = None, parent_id: int | None = None
) -> dict[str, Any]:
    queryset = selectors.team_list(actor=_member(request))
    if parent_id is not None:
        queryset = queryset.filter(parent_id=parent_id)
    return keyset_page(
        queryset, order=["id"], cursor=cursor, limit=clamp_limit(limit), serialize=team_out
    )


@router.post(
    "/teams", response={201: TeamOut}, tags=["core"], openapi_extra=permission("teams", "create")
)
def create_team(request: HttpRequest, payload: TeamIn) -> Status[dict[str, Any]]:
    team = team_services.team_create(
        actor=_member(request), name=payload.name, parent_id=payload.parent_id
    )
    return Status(201, team_out(team))


@router.get(
    "/teams/{id}", response=TeamOut, tags=["core"], openapi_extra=permission("teams", "view")
)
def get_team(request: HttpRequest, id: int) -> dict[str, Any]:
    return team_out(selectors.team_get(actor=_member(request), id=id))


@router.patch(
    "/teams/{id}", response=TeamOut, tags=["core"], openapi_extra=permission("teams", "edit")
)
def patch_team(request: HttpRequest, id: int, payload: TeamPatch) -> dict[str, Any]:
    actor = _member(request)
    team = selectors.team_get(actor=actor, id=id)
    data = payload.dict(exclude_unset=True)
    team = team_services.team_update(
        actor=actor,
        team=team,
        version=data["version"],
        name=data.get("name"),
        parent_id=data.get("parent_id"),
        move="parent_id" in data,
    )
    return team_out(team)


@router.delete(
    "/teams/{id}", response={204: None}, tags=["core"], openapi_extra=permission("teams", "delete")
)
def delete_team(request: HttpRequest, id: int) -> Status[None]:
    actor = _member(request)
    team_services.team_delete(actor=actor, team=selectors.team_get(actor=actor, id=id))
    return Status(204, None)


# --- Roles ------------------------------------------------------------------------------------------


def role_out(role: Role) -> dict[str, Any]:
    return {
        "id": role.pk,
        "key": role.key,
        "name": role.name,
        "description": role.description,
        "is_owner": role.is_owner,
        "data_scope": role.data_scope,
        "permissions": role.permissions,
        "hidden_fields": role.hidden_fields,
        "readonly_fields": role.readonly_fields,
        "version": role.version,
        "created_at": role.created_at,
        "updated_at": role.updated_at,
    }


@router.get(
    "/roles", response=PageOut[RoleOut], tags=["core"], openapi_extra=permission("roles", "view")
)
def list_roles(request: HttpRequest, limit: int = 50, cursor: str | None = None) -> dict[str, Any]:
    queryset = selectors.role_list(actor=_member(request))
    return keyset_page(
        queryset, order=["id"], cursor=cursor, limit=clamp_limit(limit), serialize=role_out
    )


@router.post(
    "/roles", response={201: RoleOut}, tags=["core"], openapi_extra=permission("roles", "create")
)
def create_role(request: HttpRequest, payload: RoleIn) -> Status[dict[str, Any]]:
    role = role_services.role_create(actor=_member(request), data=payload.dict())
    return Status(201, role_out(role))


@router.get(
    "/roles/{id}", response=RoleOut, tags=["core"], openapi_extra=permission("roles", "view")
)
def get_role(request: HttpRequest, id: int) -> dict[str, Any]:
    return role_out(selectors.role_get(actor=_member(request), id=id))


@router.patch(
    "/roles/{id}", response=RoleOut, tags=["core"], openapi_extra=permission("roles", "edit")
)
def patch_role(request: HttpRequest, id: int, payload: RolePatch) -> dict[str, Any]:
    actor = _member(request)
    role = selectors.role_get(actor=actor, id=id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    return role_out(role_services.role_update(actor=actor, role=role, version=version, data=data))


@router.delete(
    "/roles/{id}", response={204: None}, tags=["core"], openapi_extra=permission("roles", "delete")
)
def delete_role(request: HttpRequest, id: int) -> Status[None]:
    actor = _member(request)
    role_services.role_delete(actor=actor, role=selectors.role_get(actor=actor, id=id))
    return Status(204, None)


# --- Audit events -------------------------------------------------------------------------------------


def audit_out(actor: Membership, event: AuditEvent) -> dict[str, Any]:
    event = selectors.audit_redact(actor=actor, event=event)
    return {
        "id": event.pk,
        "action": event.action,
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_label": event.object_label,
        "changes": event.changes,
        "ip": event.ip,
        "user_agent": event.user_agent,
        "request_id": event.request_id,
        "created_at": event.created_at,
    }


@router.get(
    "/audit-events",
    response=PageOut[AuditEventOut],
    tags=["core"],
    openapi_extra=permission("audit_events", "view"),
)
def list_audit_events(
    request: HttpRequest,
    limit: int = 50,
    cursor: str | None = None,
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    actor_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[str, Any]:
    queryset = selectors.audit_list(
        actor=_member(request),
        action=action,
        object_type=object_type,
        object_id=object_id,
        actor_id=actor_id,
        since=since,
        until=until,
    )
    return keyset_page(
        queryset,
        order=["-created_at", "-id"],
        cursor=cursor,
        limit=clamp_limit(limit),
        serialize=lambda event: audit_out(_member(request), event),
    )


@router.get(
    "/audit-events/{id}",
    response=AuditEventOut,
    tags=["core"],
    openapi_extra=permission("audit_events", "view"),
)
def get_audit_event(request: HttpRequest, id: int) -> dict[str, Any]:
    actor = _member(request)
    return audit_out(actor, selectors.audit_get(actor=actor, id=id))
