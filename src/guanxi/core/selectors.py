"""Reads in core, already scoped to what the acting member may see."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from .errors import NotFound
from .models import ApiToken, AuditEvent, Invitation, Membership, Role, Team
from .permissions import hidden_fields, may_hand_out, require


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
    hidden = hidden_fields(actor, "members")
    if q:
        # Search only what the viewer may see: matching on a hidden field would reveal it.
        condition = Q(user__name__icontains=q)
        if "email" not in hidden:
            condition |= Q(user__email__icontains=q)
        if "title" not in hidden:
            condition |= Q(title__icontains=q)
        queryset = queryset.filter(condition)
    if team_id is not None and "team" not in hidden:
        queryset = queryset.filter(team_id=team_id)
    if role_id is not None and "role" not in hidden:
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
    nodes: dict[int, dict[str, Any]] = {
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
    queryset = AuditEvent.objects.filter(workspace_id=actor.workspace_id).select_related("actor")
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


# --- Settings pages -----------------------------------------------------------------------------


def invitation_list(*, actor: Membership, pending_only: bool = True) -> QuerySet[Invitation]:
    """The workspace's invitations, newest first; only the usable ones by default. Needs
    members.create (whoever may invite may see and manage invitations)."""
    require(actor, "members", "create")
    queryset = Invitation.objects.filter(workspace_id=actor.workspace_id).select_related(
        "role", "team", "invited_by"
    )
    if pending_only:
        queryset = queryset.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )
    return queryset.order_by("-created_at", "-id")


def invitation_get(*, actor: Membership, id: int) -> Invitation:
    invitation = invitation_list(actor=actor, pending_only=False).filter(pk=id).first()
    if invitation is None:
        raise NotFound()
    return invitation


def role_list_with_member_counts(*, actor: Membership) -> QuerySet[Role]:
    """Roles with `member_count` (active and inactive members), Owner first, then by name."""
    return (
        role_list(actor=actor)
        .annotate(member_count=Count("memberships"))
        .order_by("-is_owner", "name", "id")
    )


def audit_actor_choices(*, actor: Membership) -> list[tuple[int, str]]:
    """(user id, label) of the workspace's members, for the audit log's actor filter."""
    require(actor, "audit_events", "view")
    rows = (
        Membership.objects.filter(workspace_id=actor.workspace_id)
        .order_by("user__name", "user__email")
        .values_list("user_id", "user__name", "user__email")
    )
    if "email" in hidden_fields(actor, "members"):
        return [(user_id, name or "—") for user_id, name, _email in rows]
    return [(user_id, f"{name} <{email}>" if name else email) for user_id, name, email in rows]


def token_list(*, member: Membership) -> QuerySet[ApiToken]:
    """The member's own API tokens in their workspace, newest first (nobody sees others')."""
    return ApiToken.objects.filter(
        workspace_id=member.workspace_id, user_id=member.user_id
    ).order_by("-created_at", "-pk")


def audit_redact(*, actor: Membership, event: AuditEvent) -> AuditEvent:
    """Hide from one audit event what the viewer's role hides: changed fields of hidden fields,
    and people's email addresses when member emails are hidden. Works on the in-memory row (audit
    events are never saved again); every audit view, export and API answer passes through it."""
    if event.object_type in registry_keys():
        hidden = hidden_fields(actor, event.object_type)
        if hidden and event.changes:
            event.changes = {
                name: value for name, value in event.changes.items() if name not in hidden
            }
    if "email" in hidden_fields(actor, "members"):
        actor_name = event.actor.name if event.actor_id and event.actor else ""
        if "@" in event.actor_label:
            event.actor_label = actor_name or "—"
        if "@" in event.object_label:
            event.object_label = "—"
    return event


def registry_keys() -> set[str]:
    from .registry import object_types

    return {object_type.key for object_type in object_types()}


def assignable_roles(*, actor: Membership) -> QuerySet[Role]:
    """The roles `actor` may give a member or an invitation, Owner first then by name: the same
    rule member_update and invitation_create enforce (`permissions.may_hand_out`), so a form
    never offers a choice the service would refuse."""
    roles = Role.objects.filter(workspace_id=actor.workspace_id).order_by("-is_owner", "name")
    if actor.role.is_owner:
        return roles
    return roles.filter(pk__in=[role.pk for role in roles if may_hand_out(actor, role)])
