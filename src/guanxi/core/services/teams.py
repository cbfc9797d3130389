from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from .. import audit
from ..errors import Conflict, NotFound, ValidationFailed
from ..models import Membership, Team, Workspace
from ..permissions import require, team_tree_ids
from .versioning import check_version, save_versioned

FIELDS = ["name", "parent"]


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(fields={"name": [_("Enter a name.")]})
    if len(name) > 120:
        raise ValidationFailed(fields={"name": [_("Use at most 120 characters.")]})
    return name


def _parent(actor: Membership, parent_id: int | None) -> Team | None:
    if parent_id is None:
        return None
    parent = Team.objects.filter(workspace_id=actor.workspace_id, pk=parent_id).first()
    if parent is None:
        raise ValidationFailed(fields={"parent_id": [_("Choose a team of this workspace.")]})
    return parent


def _save(team: Team) -> None:
    try:
        with transaction.atomic():
            team.save()
    except IntegrityError:
        raise ValidationFailed(fields={"name": [_("A team with this name already exists here.")]})


@transaction.atomic
def team_create(*, actor: Membership, name: str, parent_id: int | None = None) -> Team:
    """Create a team under `parent_id` (or at the top). Audited."""
    require(actor, "teams", "create")
    team = Team(
        workspace_id=actor.workspace_id, name=_clean_name(name), parent=_parent(actor, parent_id)
    )
    _save(team)
    audit.record(
        action="team.create",
        workspace=actor.workspace_id,
        actor=actor,
        object_type="teams",
        object_id=team.pk,
        object_label=team.name,
        changes=audit.diff({}, audit.snapshot(team, FIELDS)),
    )
    return team


@transaction.atomic
def team_update(
    *,
    actor: Membership,
    team: Team,
    version: int | None,
    name: str | None = None,
    parent_id: int | None = None,
    move: bool = False,
) -> Team:
    """Rename a team and/or move it (`move=True` with `parent_id`, None for the top level).
    Refuses to move a team below itself. Version-checked and audited."""
    require(actor, "teams", "edit")
    before = audit.snapshot(team, FIELDS)
    if name is not None:
        team.name = _clean_name(name)
    if move:
        # Moves are serialized per workspace (the workspace row is the lock), so two moves at
        # once cannot each pass the check and together make a loop.
        Workspace.objects.select_for_update().filter(pk=actor.workspace_id).first()
        parent = _parent(actor, parent_id)
        if parent is not None and parent.pk in team_tree_ids(actor.workspace_id, team.pk):
            raise ValidationFailed(
                fields={"parent_id": [_("A team cannot be moved below itself.")]}
            )
        team.parent = parent
    changes = audit.diff(before, audit.snapshot(team, FIELDS))
    if not changes:
        check_version(team, version=version)
        return team
    try:
        with transaction.atomic():
            save_versioned(team, version=version, fields=FIELDS)
    except IntegrityError:
        raise ValidationFailed(fields={"name": [_("A team with this name already exists here.")]})
    audit.record(
        action="team.update",
        workspace=actor.workspace_id,
        actor=actor,
        object_type="teams",
        object_id=team.pk,
        object_label=team.name,
        changes=changes,
    )
    return team


@transaction.atomic
def team_delete(*, actor: Membership, team: Team) -> None:
    """Delete an empty team. A team with sub-teams or members is refused: move them first."""
    require(actor, "teams", "delete")
    locked = (
        Team.objects.select_for_update().filter(pk=team.pk, workspace_id=actor.workspace_id).first()
    )
    if locked is None:
        raise NotFound()
    if Team.objects.filter(parent=locked).exists():
        raise Conflict(_("This team has sub-teams. Move or delete them first."))
    if Membership.objects.filter(team=locked).exists():
        raise Conflict(_("This team has members. Move them to another team first."))
    audit.record(
        action="team.delete",
        workspace=actor.workspace_id,
        actor=actor,
        object_type="teams",
        object_id=locked.pk,
        object_label=locked.name,
        changes={"name": [locked.name, None]},
    )
    locked.delete()
