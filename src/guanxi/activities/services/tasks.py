"""Task writes: create, update, complete, reopen, delete (soft), restore, purge.

Tasks (and follow-up plans, 跟进计划) are assigned to a member; assigning one to someone else
needs the assign permission. Every write is audited; a task shows on its customers' timelines
when it is created and when it is completed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core import audit, timeline
from guanxi.core.errors import ValidationFailed
from guanxi.core.models import Membership
from guanxi.core.permissions import require, require_writable
from guanxi.core.services.versioning import check_version, save_versioned

from ..models import Task, TaskKind, TaskPriority, TaskStatus
from ..richtext import excerpt
from .fields import clean_bool, clean_choice, clean_datetime, clean_member, clean_text
from .links import Errors, clean_customer_links, clean_related, contact_account_of, subjects_of

OBJECT_TYPE = "tasks"
REF_TYPE = "tasks"
WRITABLE = (
    "title",
    "description",
    "kind",
    "due_at",
    "remind_at",
    "remind_by_email",
    "assignee_id",
    "priority",
    "status",
    "account_id",
    "contact_id",
    "related_type",
    "related_id",
)
PERMISSION_FIELD = {
    "remind_at": "reminder",
    "remind_by_email": "reminder",
    "assignee_id": "assignee",
    "account_id": "account",
    "contact_id": "contact",
    "related_type": "related",
    "related_id": "related",
}
FOREIGN_KEYS = {"account_id": "account", "contact_id": "contact", "assignee_id": "assignee"}
AUDITED = [
    "title",
    "description",
    "kind",
    "due_at",
    "remind_at",
    "remind_by_email",
    "assignee",
    "priority",
    "status",
    "account",
    "contact",
    "related_type",
    "related_id",
]


def clean_fields(actor: Membership, data: dict[str, Any], task: Task | None) -> dict[str, Any]:
    """Model attribute → cleaned value for each key in `data`; every field's error at once."""
    cleaned: dict[str, Any] = {}
    errors = Errors()

    def put(key: str, func: Any) -> None:
        errors.attempt(data, key, lambda v: cleaned.__setitem__(key, func(v)))

    put("title", lambda v: clean_text(v, field="title", limit=200, required=True))
    put("description", lambda v: clean_text(v, field="description", limit=10_000))
    put("kind", lambda v: clean_choice(v, field="kind", choices=TaskKind.choices))
    put("priority", lambda v: clean_choice(v, field="priority", choices=TaskPriority.choices))
    put("status", lambda v: clean_choice(v, field="status", choices=TaskStatus.choices))
    put("due_at", lambda v: clean_datetime(v, field="due_at", actor=actor, required=True))
    put("remind_at", lambda v: clean_datetime(v, field="remind_at", actor=actor))
    put("remind_by_email", lambda v: clean_bool(v, field="remind_by_email"))
    put("assignee_id", lambda v: clean_member(actor, v, field="assignee_id"))
    if "assignee_id" in data and "assignee_id" in cleaned and cleaned["assignee_id"] is None:
        errors.add("assignee_id", _("This field is required."))
    clean_customer_links(actor, data, task, cleaned, errors)
    clean_related(actor, data, task, cleaned, errors)
    if task is None:
        for required in ("title", "due_at"):
            if required not in data and required not in errors.fields:
                errors.add(required, _("This field is required."))
    errors.raise_if_any()
    return cleaned


def _check_writable(actor: Membership, keys: set[str]) -> None:
    require_writable(actor, OBJECT_TYPE, {PERMISSION_FIELD.get(k, k) for k in keys})


def _refuse_unknown(data: dict[str, Any]) -> None:
    unknown = set(data) - set(WRITABLE)
    if unknown:
        raise ValidationFailed(fields={k: [_("Unknown field.")] for k in sorted(unknown)})


def _apply_status(task: Task, status: str, *, actor: Membership, now: datetime) -> list[str]:
    """Set the status and what goes with it; returns the fields changed."""
    if status == task.status:
        return []
    task.status = status
    if status == TaskStatus.DONE:
        task.completed_at, task.completed_by_id = now, actor.user_id
    else:
        task.completed_at, task.completed_by_id = None, None
    return ["status", "completed_at", "completed_by"]


def sync_timeline(task: Task) -> None:
    """Rewrite the task's timeline entries from its current state: "created" when it was created,
    "completed" when it was done; none once deleted."""
    timeline.remove(workspace_id=task.workspace_id, ref=(REF_TYPE, task.pk))
    if task.deleted_at is not None:
        return
    subjects = subjects_of(task, contact_account_id=contact_account_of(task))
    if not subjects:
        return
    data = {
        "kind": task.kind,
        "due_at": task.due_at.isoformat(),
        "assignee_id": task.assignee_id,
        "priority": task.priority,
        "status": task.status,
    }
    timeline.add(
        workspace_id=task.workspace_id,
        subjects=subjects,
        kind="task.created",
        actor=task.created_by,
        title=task.title,
        body=excerpt(task.description),
        data=data,
        ref=(REF_TYPE, task.pk),
        occurred_at=task.created_at,
    )
    if task.status == TaskStatus.DONE and task.completed_at is not None:
        timeline.add(
            workspace_id=task.workspace_id,
            subjects=subjects,
            kind="task.completed",
            actor=task.completed_by,
            title=task.title,
            data=data,
            ref=(REF_TYPE, task.pk),
            occurred_at=task.completed_at,
        )


def _record(actor: Membership, task: Task, action: str, changes: dict[str, Any]) -> None:
    audit.record(
        action=action,
        workspace=actor.workspace_id,
        actor=actor,
        object_type=OBJECT_TYPE,
        object_id=task.pk,
        object_label=str(task),
        changes=changes,
    )


@transaction.atomic
def task_create(*, actor: Membership, data: dict[str, Any], now: datetime | None = None) -> Task:
    """Create a task assigned to the actor, or to `assignee_id` (another member needs the assign
    permission). Linked customers must be visible to the actor. Audited; on the timelines of
    its customers."""
    require(actor, OBJECT_TYPE, "create")
    _refuse_unknown(data)
    _check_writable(actor, {k for k, v in data.items() if v not in (None, "", False)})
    cleaned = clean_fields(actor, data, None)
    assignee_id = cleaned.pop("assignee_id", None) or actor.user_id
    if assignee_id != actor.user_id:
        require(actor, OBJECT_TYPE, "assign")
    status = cleaned.pop("status", TaskStatus.OPEN)
    task = Task(
        workspace_id=actor.workspace_id,
        assignee_id=assignee_id,
        created_by_id=actor.user_id,
        **cleaned,
    )
    task.created_by = actor.user
    _apply_status(task, status, actor=actor, now=now or timezone.now())
    task.save()
    _record(actor, task, "task.create", audit.diff({}, audit.snapshot(task, AUDITED)))
    sync_timeline(task)
    return task


@transaction.atomic
def task_update(
    *,
    actor: Membership,
    task: Task,
    data: dict[str, Any],
    version: int | None,
    now: datetime | None = None,
) -> Task:
    """Change a task. Version-checked (409 when stale); reassigning needs the assign permission;
    a new reminder time means the reminder goes out again. Audited; timeline entries rewritten."""
    require(actor, OBJECT_TYPE, "edit")
    _refuse_unknown(data)
    _check_writable(actor, set(data))
    cleaned = clean_fields(actor, data, task)
    if "assignee_id" in cleaned and cleaned["assignee_id"] != task.assignee_id:
        require(actor, OBJECT_TYPE, "assign")
    before = audit.snapshot(task, AUDITED)
    fields: list[str] = []
    status = cleaned.pop("status", task.status)
    for key, value in cleaned.items():
        if getattr(task, key) != value:
            setattr(task, key, value)
            fields.append(FOREIGN_KEYS.get(key, key))
    if "remind_at" in fields and task.reminded_at is not None:
        task.reminded_at = None
        fields.append("reminded_at")
    fields += _apply_status(task, status, actor=actor, now=now or timezone.now())
    if not fields:
        check_version(task, version=version)
        return task
    save_versioned(task, version=version, fields=sorted(set(fields)))
    _record(actor, task, "task.update", audit.diff(before, audit.snapshot(task, AUDITED)))
    sync_timeline(task)
    return task


def _change_status(
    *, actor: Membership, task: Task, to: str, action: str, now: datetime | None
) -> Task:
    require(actor, OBJECT_TYPE, "edit")
    if task.status == to:
        return task
    previous = task.status
    moment = now or timezone.now()
    _apply_status(task, to, actor=actor, now=moment)
    # Compare-and-set on the status: two people completing the same task at once write once.
    updated = Task.objects.filter(pk=task.pk, status=previous).update(
        status=task.status,
        completed_at=task.completed_at,
        completed_by_id=task.completed_by_id,
        version=F("version") + 1,
        updated_at=moment,
    )
    if not updated:
        task.refresh_from_db()
        return task
    task.version += 1
    task.updated_at = moment
    _record(actor, task, action, {"status": [previous, task.status]})
    sync_timeline(task)
    return task


@transaction.atomic
def task_complete(*, actor: Membership, task: Task, now: datetime | None = None) -> Task:
    """Mark a task done (no version needed: completing twice is completing once). Audited; a
    "completed" entry on its customers' timelines."""
    return _change_status(
        actor=actor, task=task, to=TaskStatus.DONE, action="task.complete", now=now
    )


@transaction.atomic
def task_reopen(*, actor: Membership, task: Task, now: datetime | None = None) -> Task:
    """Open a done or cancelled task again. Audited; the "completed" timeline entry goes."""
    return _change_status(actor=actor, task=task, to=TaskStatus.OPEN, action="task.reopen", now=now)


@transaction.atomic
def task_delete(*, actor: Membership, task: Task) -> None:
    """Soft delete: into the recycle bin, off every timeline."""
    require(actor, OBJECT_TYPE, "delete")
    if task.deleted_at is not None:
        return
    task.deleted_at = timezone.now()
    task.deleted_by_id = actor.user_id
    task.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
    _record(actor, task, "task.delete", {})
    timeline.remove(workspace_id=task.workspace_id, ref=(REF_TYPE, task.pk))


@transaction.atomic
def task_restore(*, actor: Membership, task: Task) -> Task:
    """Bring a task back from the recycle bin (needs the delete permission)."""
    require(actor, OBJECT_TYPE, "delete")
    if task.deleted_at is None:
        return task
    task.deleted_at = None
    task.deleted_by = None
    task.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
    _record(actor, task, "task.restore", {})
    sync_timeline(task)
    return task


def task_purge(task: Task) -> None:
    """Delete for good (the recycle bin's time is over)."""
    with transaction.atomic():
        audit.record(
            action="task.purge",
            workspace=task.workspace_id,
            actor=None,
            actor_label="system",
            object_type=OBJECT_TYPE,
            object_id=task.pk,
            object_label=str(task),
        )
        timeline.remove(workspace_id=task.workspace_id, ref=(REF_TYPE, task.pk))
        task.delete()
