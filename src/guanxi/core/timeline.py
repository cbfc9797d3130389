"""Writing and reading record timelines (see TimelineEntry).

Services call `add` in the transaction of the change they describe; record pages and the API
call `page`. Kinds are registered by the module that writes them (registry.register_timeline_kind),
so a filter by group ("activities", "tasks", "changes", later "deals"…) works for every module.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from . import registry
from .apikit import keyset_page
from .models import TimelineEntry
from .permissions import hidden_fields

if TYPE_CHECKING:
    from .models import Membership

Subject = tuple[str, int]  # (object type key, id), e.g. ("accounts", 42)


def add(
    *,
    workspace_id: int,
    subjects: Iterable[Subject],
    kind: str,
    actor: Any = None,
    title: str = "",
    body: str = "",
    data: dict[str, Any] | None = None,
    ref: Subject | None = None,
    occurred_at: datetime | None = None,
) -> list[TimelineEntry]:
    """One entry per subject, in one INSERT. `actor` is a user, a membership or None (the system)."""
    user = getattr(actor, "user", actor)
    when = occurred_at or timezone.now()
    entries = [
        TimelineEntry(
            workspace_id=workspace_id,
            subject_type=subject_type,
            subject_id=subject_id,
            kind=kind,
            actor=user,
            title=title[:255],
            body=body,
            data=data or {},
            ref_type=ref[0] if ref else "",
            ref_id=ref[1] if ref else None,
            occurred_at=when,
        )
        for subject_type, subject_id in dict.fromkeys(subjects)
    ]
    return TimelineEntry.objects.bulk_create(entries)


def remove(*, workspace_id: int, ref: Subject) -> int:
    """Drop every entry about `ref` (the record was deleted or is being re-written)."""
    deleted, _ = TimelineEntry.objects.filter(
        workspace_id=workspace_id, ref_type=ref[0], ref_id=ref[1]
    ).delete()
    return deleted


def move_subject(*, workspace_id: int, subject: Subject, to_id: int) -> list[int]:
    """Re-home a record's entries on another record of the same type (merge). Returns the ids of
    the moved entries, so that undoing the merge can move exactly these back."""
    entries = TimelineEntry.objects.filter(
        workspace_id=workspace_id, subject_type=subject[0], subject_id=subject[1]
    )
    ids = list(entries.values_list("id", flat=True))
    TimelineEntry.objects.filter(id__in=ids).update(subject_id=to_id)
    return ids


def kinds_in_groups(groups: Iterable[str]) -> list[str]:
    wanted = set(groups)
    return [key for key, kind in registry.timeline_kinds().items() if kind.group in wanted]


def page(
    *,
    membership: Membership,
    subject: Subject,
    groups: Iterable[str] | None = None,
    cursor: str | None = None,
    limit: int = 30,
) -> dict[str, Any]:
    """Newest first, by cursor. The caller has already checked that the member may see the subject;
    field changes of fields hidden from the member are left out."""
    queryset = TimelineEntry.objects.filter(
        workspace_id=membership.workspace_id, subject_type=subject[0], subject_id=subject[1]
    ).select_related("actor")
    if groups:
        queryset = queryset.filter(kind__in=kinds_in_groups(groups))
    result = keyset_page(queryset, order=["-occurred_at", "-id"], cursor=cursor, limit=limit)
    hidden = hidden_fields(membership, subject[0])
    if hidden:
        visible = []
        for entry in result["items"]:
            changes = entry.data.get("changes")
            if isinstance(changes, dict):
                entry.data = {
                    **entry.data,
                    "changes": {k: v for k, v in changes.items() if k not in hidden},
                }
                if not entry.data["changes"]:
                    continue
            visible.append(entry)
        result["items"] = visible
    return result
