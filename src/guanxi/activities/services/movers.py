"""What moves with a customer merge (查重合并): activities and tasks of the merged-away record,
and its place among activity participants, go to the master, and back on undo. Registered with
core.registry.register_related_mover, which the customers merge service calls; deleted rows move
too, so nothing is lost when the merged-away record is purged."""

from __future__ import annotations

from typing import Any

from guanxi.core.registry import RelatedMover

from ..models import Activity, ActivityParticipant, Task


def _link_mover(key: str, model: Any, field: str, object_type: str) -> RelatedMover:
    column = f"{field}_id"

    def move(workspace_id: int, from_id: int, to_id: int) -> list[int]:
        ids = list(
            model.objects.filter(workspace_id=workspace_id, **{column: from_id}).values_list(
                "id", flat=True
            )
        )
        model.objects.filter(id__in=ids).update(**{column: to_id})
        return ids

    def move_back(workspace_id: int, ids: list[int], to_id: int) -> None:
        model.objects.filter(workspace_id=workspace_id, id__in=ids).update(**{column: to_id})

    return RelatedMover(key, object_type, move, move_back)


def _participant_mover() -> RelatedMover:
    def move(workspace_id: int, from_id: int, to_id: int) -> list[int]:
        # Where the master already took part, the merged-away contact's row stays (an activity
        # lists a person once).
        already = ActivityParticipant.objects.filter(
            workspace_id=workspace_id, contact_id=to_id
        ).values("activity_id")
        ids = list(
            ActivityParticipant.objects.filter(workspace_id=workspace_id, contact_id=from_id)
            .exclude(activity_id__in=already)
            .values_list("id", flat=True)
        )
        ActivityParticipant.objects.filter(id__in=ids).update(contact_id=to_id)
        return ids

    def move_back(workspace_id: int, ids: list[int], to_id: int) -> None:
        ActivityParticipant.objects.filter(workspace_id=workspace_id, id__in=ids).update(
            contact_id=to_id
        )

    return RelatedMover("activity_participants", "contacts", move, move_back)


def related_movers() -> list[RelatedMover]:
    return [
        _link_mover("activities", Activity, "account", "accounts"),
        _link_mover("activities", Activity, "contact", "contacts"),
        _link_mover("tasks", Task, "account", "accounts"),
        _link_mover("tasks", Task, "contact", "contacts"),
        _participant_mover(),
    ]
