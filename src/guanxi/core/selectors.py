"""Reads in core, already scoped to what the acting member may see."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

from .errors import NotFound
from .models import AuditEvent, Membership, Role, Team
from .permissions import require


def member_queryset(*, actor: Membership) -> QuerySet[Membership]:
    return Membership.objects.visible_to(actor).select_related("user", "role", "team")  # type: ignore[attr-defined]


def member_list(
    *,
    actor: Membership,
    q: str = "",
    team_id: int | None = None,
    role_id: int | None = None,
    is_active: bool | None = None,
) -> QuerySet[Membership]:
    require(actor, "members", "view")
    queryset = member_queryset(actor=actor)
    if q:
        queryset = queryset.filter(
            Q(user__name__icontains=q) | Q(user__email__icontains=q) | Q(title__icontains=q)
        )
    if team_id is not None:
        queryset = queryset.filter(team_id=team_id)
    if role_id is not None:
        queryset = queryset.filter(role_id=role_id)
    if is_active is not None:
        queryset = queryset.filter(is_active=is_active)
    return queryset


def member_get_by_user(*, actor: Membership, user_id: int) -> Membership:
    require(actor, "members", "view")
    member = member_queryset(actor=actor).filter(user_id=user_id).first()
    if member is None:
        raise NotFound()
    return member


def member_get(*, actor: Membership, id: int) -> Membership:
    require(actor, "members", "view")
    member = member_queryset(actor=actor).filter(pk=id).first()
    if member is None:
        raise NotFound()
    return member


def team_list(*, actor: Membership) -> QuerySet[Team]:
    require(actor, "teams", "view")
    return Team.objects.visible_to(actor)  # type: ignore[attr-defined]


def team_get(*, actor: Membership, id: int) -> Team:
    require(actor, "teams", "view")
    team = Team.objects.visible_to(actor).filter(pk=id).first()  # type: ignore[attr-defined]
    if team is None:
        raise NotFound()
    return team


def team_tree(*, actor: Membership) -> list[dict[str, Any]]:
    """Teams as nested dicts {team, members, children}, ordered by name, for the tree page."""
    teams = list(team_list(actor=actor).order_by("name"))
    counts: dict[int, int] = {}
    for team_id in Membership.objects.filter(
        workspace_id=actor.workspace_id, team__isnull=False
    ).values_list("team_id", flat=True):
        counts[team_id] = counts.get(team_id, 0) + 1
    nodes = {
        team.pk: {"team": team, "members": counts.get(team.pk, 0), "children": []} for team in teams
    }
    roots: list[dict[str, Any]] = []
    for team in teams:
        node = nodes[team.pk]
        parent = nodes.get(team.parent_id) if team.parent_id else None
        (parent["children"] if parent else roots).append(node)
    return roots


def role_list(*, actor: Membership) -> QuerySet[Role]:
    require(actor, "roles", "view")
    return Role.objects.visible_to(actor)  # type: ignore[attr-defined]


def role_get(*, actor: Membership, id: int) -> Role:
    require(actor, "roles", "view")
    role = Role.objects.visible_to(actor).filter(pk=id).first()  # type: ignore[attr-defined]
    if role is None:
        raise NotFound()
    return role


def audit_list(
    *,
    actor: Membership,
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    actor_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    q: str = "",
) -> QuerySet[AuditEvent]:
    require(actor, "audit_events", "view")
    queryset = AuditEvent.objects.filter(workspace_id=actor.workspace_id)
    if action:
        queryset = queryset.filter(action__startswith=action)
    if object_type:
        queryset = queryset.filter(object_type=object_type)
    if object_id:
        queryset = queryset.filter(object_id=object_id)
    if actor_id is not None:
        queryset = queryset.filter(actor_id=actor_id)
    if since is not None:
        queryset = queryset.filter(created_at__gte=since)
    if until is not None:
        queryset = queryset.filter(created_at__lt=until)
    if q:
        queryset = queryset.filter(Q(object_label__icontains=q) | Q(actor_label__icontains=q))
    return queryset


def audit_get(*, actor: Membership, id: int) -> AuditEvent:
    event = audit_list(actor=actor).filter(pk=id).first()
    if event is None:
        raise NotFound()
    return event
