"""The one place that decides what a member may see and do.

UI views, API endpoints and selectors call these functions; nothing else filters by workspace,
data scope or permission by hand.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models

from . import registry
from .errors import PermissionDenied
from .models import DataScope

if TYPE_CHECKING:
    from .models import Membership, Role

M = TypeVar("M", bound=models.Model)


def granted_actions(membership: Membership, object_type: str) -> frozenset[str]:
    role = membership.role
    if role.is_owner:
        return frozenset(registry.object_type(object_type).actions)
    return frozenset(role.permissions.get(object_type, ()))


def can(membership: Membership | None, object_type: str, action: str) -> bool:
    if membership is None or not membership.is_active:
        return False
    return action in granted_actions(membership, object_type)


def require(membership: Membership | None, object_type: str, action: str) -> None:
    if not can(membership, object_type, action):
        raise PermissionDenied()


def can_path(membership: Membership | None, permission: str | None) -> bool:
    """Check a "object_type.action" string, as used by navigation items."""
    if permission is None:
        return membership is not None
    object_type, _, action = permission.partition(".")
    return can(membership, object_type, action)


def hidden_fields(membership: Membership, object_type: str) -> frozenset[str]:
    if membership.role.is_owner:
        return frozenset()
    return frozenset(membership.role.hidden_fields.get(object_type, ()))


def readonly_fields(membership: Membership, object_type: str) -> frozenset[str]:
    if membership.role.is_owner:
        return frozenset()
    # A hidden field is read-only too: nobody edits what they cannot see.
    return frozenset(membership.role.readonly_fields.get(object_type, ())) | hidden_fields(
        membership, object_type
    )


def redact(membership: Membership, object_type: str, data: dict[str, Any]) -> dict[str, Any]:
    """Drop the fields the member's role hides (the key disappears, it is not nulled)."""
    hidden = hidden_fields(membership, object_type)
    if not hidden:
        return data
    return {key: value for key, value in data.items() if key not in hidden}


def require_writable(membership: Membership, object_type: str, field_names: set[str]) -> None:
    """Refuse a write that touches a hidden or read-only field."""
    blocked = sorted(field_names & readonly_fields(membership, object_type))
    if blocked:
        from django.utils.translation import gettext as _

        raise PermissionDenied(
            _("You may not change these fields: %(fields)s") % {"fields": ", ".join(blocked)},
            fields={name: [_("This field is read-only for your role.")] for name in blocked},
        )


# --- Data scope -------------------------------------------------------------------------------


def team_tree_ids(workspace_id: int, root_team_id: int) -> list[int]:
    """The team and every team below it. One query: a workspace has at most a few hundred teams."""
    from .models import Team

    children: dict[int | None, list[int]] = {}
    for team_id, parent_id in Team.objects.filter(workspace_id=workspace_id).values_list(
        "id", "parent_id"
    ):
        children.setdefault(parent_id, []).append(team_id)
    found: list[int] = []
    seen: set[int] = set()
    stack = [root_team_id]
    while stack:
        current = stack.pop()
        if current in seen:  # never loop, even if the tree were damaged
            continue
        seen.add(current)
        found.append(current)
        stack.extend(children.get(current, ()))
    return found


def visible_owner_ids(membership: Membership) -> list[int] | None:
    """User ids whose records the member may see; None means every owner (全公司).

    Cached on the membership object for the length of a request.
    """
    cached = getattr(membership, "_visible_owner_ids", "unset")
    if cached != "unset":
        return cached  # type: ignore[return-value]
    from .models import Membership as MembershipModel

    scope = membership.role.data_scope if not membership.role.is_owner else DataScope.ALL
    result: list[int] | None
    if scope == DataScope.ALL:
        result = None
    elif scope == DataScope.OWN or membership.team_id is None:
        result = [membership.user_id]
    else:
        teams = (
            [membership.team_id]
            if scope == DataScope.TEAM
            else team_tree_ids(membership.workspace_id, membership.team_id)
        )
        result = sorted(
            set(
                MembershipModel.objects.filter(
                    workspace_id=membership.workspace_id, team_id__in=teams
                ).values_list("user_id", flat=True)
            )
            | {membership.user_id}
        )
    membership._visible_owner_ids = result  # type: ignore[attr-defined]
    return result


def scope_queryset(
    queryset: models.QuerySet[M], membership: Membership | None, object_type: str
) -> models.QuerySet[M]:
    """Restrict a queryset to the member's workspace, and to their data scope when the type is
    owned. A member without the view permission sees nothing."""
    if membership is None or not can(membership, object_type, "view"):
        return queryset.none()
    queryset = queryset.filter(workspace_id=membership.workspace_id)
    owner_field = registry.object_type(object_type).owner_field
    if owner_field:
        owner_ids = visible_owner_ids(membership)
        if owner_ids is not None:
            queryset = queryset.filter(**{f"{owner_field}_id__in": owner_ids})
    return queryset


# --- Handing out rights -----------------------------------------------------------------------

# Narrowest first: a scope's position is how much it shows.
DATA_SCOPE_ORDER: tuple[str, ...] = (
    DataScope.OWN,
    DataScope.TEAM,
    DataScope.TEAM_TREE,
    DataScope.ALL,
)


def _scope_breadth(scope: str) -> int:
    # An unknown scope counts as broader than every known one, so it is never "within" anything.
    try:
        return DATA_SCOPE_ORDER.index(scope)
    except ValueError:
        return len(DATA_SCOPE_ORDER)


def role_within_rights(
    actor: Membership,
    role_permissions: dict[str, list[str]],
    role_data_scope: str,
    *,
    is_owner: bool = False,
) -> bool:
    """May `actor` hand out a role with these rights (assign it, invite with it, shape it)?

    An Owner may hand out anything. Anyone else only a non-owner role whose actions are, per
    object type, a subset of their own and whose data scope is no broader than their own
    (own < team < team_tree < all): nobody grants what they do not hold themselves.
    """
    if actor.role.is_owner:
        return True
    if is_owner:
        return False
    for object_type, actions in role_permissions.items():
        if not set(actions) <= granted_actions(actor, object_type):
            return False
    return _scope_breadth(role_data_scope) <= _scope_breadth(actor.role.data_scope)


def may_hand_out(actor: Membership, role: Role) -> bool:
    """`role_within_rights` for an existing role: may `actor` assign it or invite with it?"""
    return role_within_rights(actor, role.permissions, role.data_scope, is_owner=role.is_owner)
