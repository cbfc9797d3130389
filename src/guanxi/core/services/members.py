from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from .. import audit
from ..errors import PermissionDenied, ValidationFailed
from ..models import Membership, Role, Team, Workspace
from ..permissions import may_hand_out, require, require_writable
from .versioning import check_version, save_versioned

FIELDS = ["role", "team", "title", "is_active"]
# Payload key -> field name in the members object type (for read-only checks).
RESTRICTED = {"role_id": "role", "team_id": "team", "title": "title"}


def _owners_left(workspace_id: int, excluding: Membership) -> int:
    return (
        Membership.objects.active()
        .filter(workspace_id=workspace_id, role__is_owner=True)
        .exclude(pk=excluding.pk)
        .count()
    )


@transaction.atomic
def member_update(
    *, actor: Membership, member: Membership, version: int | None, data: dict[str, Any]
) -> Membership:
    """Change a member's role, team, title or active flag.

    Only an Owner may grant or take away the Owner role, or change their own role; anyone else
    may only give a role within their own rights (`role_within_rights`). The last active Owner
    cannot lose it or be deactivated; nobody deactivates themselves. Locks the workspace row,
    then the member and the new role. Version-checked and audited.
    """
    require(actor, "members", "edit")
    require_writable(actor, "members", {RESTRICTED[k] for k in data if k in RESTRICTED})
    # The workspace row is the lock for "who is an Owner": two Owners demoting or deactivating
    # each other at once are serialized, so the second one counts the first one's result. Locking
    # the owner memberships instead would come after the edited member's lock and, taken in a
    # different order by the two requests, could deadlock; one row taken first by every
    # member_update cannot (team moves lock the same row the same way).
    Workspace.objects.select_for_update().filter(pk=actor.workspace_id).first()
    # of=("self",): lock the member only. Without it PostgreSQL also locks the joined role row,
    # which serialized Owners by accident; the workspace lock above is the deliberate one.
    member = (
        Membership.objects.select_for_update(of=("self",)).select_related("role").get(pk=member.pk)
    )
    before = audit.snapshot(member, FIELDS)
    if "role_id" in data:
        # Locked so that role_delete cannot remove the role while it is being given.
        role = (
            Role.objects.select_for_update()
            .filter(workspace_id=actor.workspace_id, pk=data["role_id"])
            .first()
            if data["role_id"] is not None
            else None
        )
        if role is None:
            raise ValidationFailed(fields={"role_id": [_("Choose a role of this workspace.")]})
        changing_role = role.pk != member.role_id
        if changing_role and member.pk == actor.pk and not actor.role.is_owner:
            raise PermissionDenied(_("You cannot change your own role. Ask an Owner."))
        if (role.is_owner or member.role.is_owner) and changing_role and not actor.role.is_owner:
            raise PermissionDenied(_("Only an Owner can grant or remove the Owner role."))
        if changing_role and not may_hand_out(actor, role):
            raise PermissionDenied(
                _(
                    "You cannot give the role %(role)s: it has permissions or a data scope "
                    "beyond your own."
                )
                % {"role": role.name},
                fields={"role_id": [_("Choose a role within your own permissions.")]},
            )
        if (
            member.role.is_owner
            and not role.is_owner
            and _owners_left(actor.workspace_id, member) == 0
        ):
            raise ValidationFailed(
                fields={"role_id": [_("The workspace needs at least one active Owner.")]}
            )
        member.role = role
    if "team_id" in data:
        team_id = data["team_id"]
        if (
            team_id is not None
            and not Team.objects.filter(workspace_id=actor.workspace_id, pk=team_id).exists()
        ):
            raise ValidationFailed(fields={"team_id": [_("Choose a team of this workspace.")]})
        member.team_id = team_id
    if "title" in data:
        if not isinstance(data["title"], str):
            raise ValidationFailed(fields={"title": [_("Enter a job title, or leave it empty.")]})
        member.title = data["title"].strip()[:120]
    if "is_active" in data:
        active = data["is_active"]
        if not isinstance(active, bool):
            raise ValidationFailed(fields={"is_active": [_("Choose active or inactive.")]})
        if not active and member.pk == actor.pk:
            raise ValidationFailed(fields={"is_active": [_("You cannot deactivate yourself.")]})
        if not active and member.role.is_owner:
            if not actor.role.is_owner:
                raise PermissionDenied(_("Only an Owner can deactivate an Owner."))
            if _owners_left(actor.workspace_id, member) == 0:
                raise ValidationFailed(
                    fields={"is_active": [_("The workspace needs at least one active Owner.")]}
                )
        member.is_active = active
    changes = audit.diff(before, audit.snapshot(member, FIELDS))
    if not changes:
        check_version(member, version=version)
        return member
    save_versioned(member, version=version, fields=FIELDS)
    audit.record(
        action="member.update",
        workspace=actor.workspace_id,
        actor=actor,
        object_type="members",
        object_id=member.pk,
        object_label=str(member.user),
        changes=changes,
    )
    return member
