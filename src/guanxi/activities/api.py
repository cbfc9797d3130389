"""Endpoints: /activities and /tasks (list, create, read, change, delete) and task completion.

Thin: parse, call a selector or a service, shape the answer. Permissions, data scope, validation
and versioning live in the selectors and services; hidden fields are left out of answers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from guanxi.core.apikit import PageOut, clamp_limit, keyset_page, permission
from guanxi.core.errors import ValidationFailed
from guanxi.core.models import Membership
from guanxi.core.permissions import hidden_fields

from . import selectors
from .clock import aware
from .models import Activity, Task
from .schemas import ActivityIn, ActivityOut, ActivityPatch, TaskIn, TaskOut, TaskPatch
from .services import activities as activity_services
from .services import tasks as task_services

router = Router(tags=["activities"])

# Role-editor field name → the keys it covers in an answer.
ACTIVITY_OUTPUT_KEYS = {
    "body": ("body", "body_text", "body_format", "body_source"),
    "location": ("location_name", "latitude", "longitude"),
    "account": ("account_id",),
    "contact": ("contact_id",),
    "related": ("related_type", "related_id"),
    "participants": ("participant_user_ids", "participant_contact_ids"),
    "owner": ("owner_id",),
}
TASK_OUTPUT_KEYS = {
    "reminder": ("remind_at", "remind_by_email", "reminded_at"),
    "assignee": ("assignee_id",),
    "account": ("account_id",),
    "contact": ("contact_id",),
    "related": ("related_type", "related_id"),
}
ACTIVITY_SORTS = {"-occurred_at": ["-occurred_at", "-id"], "occurred_at": ["occurred_at", "id"]}
TASK_SORTS = {
    "due_at": ["due_at", "id"],
    "-due_at": ["-due_at", "-id"],
    "-created_at": ["-created_at", "-id"],
}


def _member(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined,no-any-return]


def _redact(
    actor: Membership, object_type: str, keys: dict[str, tuple[str, ...]], data: dict[str, Any]
) -> dict[str, Any]:
    for name in hidden_fields(actor, object_type):
        for key in keys.get(name, (name,)):
            data.pop(key, None)
    return data


def _order(sorts: dict[str, list[str]], sort: str, default: str) -> list[str]:
    order = sorts.get(sort or default)
    if order is None:
        raise ValidationFailed(
            fields={"sort": [_("Sort by one of: %(options)s.") % {"options": ", ".join(sorts)}]}
        )
    return order


def _aware(value: datetime | None, actor: Membership) -> datetime | None:
    return aware(value, actor) if value is not None else None


# --- Activities --------------------------------------------------------------------------------


def activity_out(actor: Membership, activity: Activity) -> dict[str, Any]:
    participants = list(activity.participants.all())  # prefetched by the selector
    data = {
        "id": activity.pk,
        "type": activity.type,
        "subject": activity.subject,
        "occurred_at": activity.occurred_at,
        "body": activity.body,
        "body_text": activity.body_text,
        "body_format": activity.body_format,
        "body_source": activity.body_source,
        "duration_minutes": activity.duration_minutes,
        "direction": activity.direction,
        "outcome": activity.outcome,
        "location_name": activity.location_name,
        "latitude": activity.latitude,
        "longitude": activity.longitude,
        "account_id": activity.account_id,
        "contact_id": activity.contact_id,
        "related_type": activity.related_type,
        "related_id": activity.related_id,
        "participant_user_ids": [p.user_id for p in participants if p.user_id],
        "participant_contact_ids": [p.contact_id for p in participants if p.contact_id],
        "owner_id": activity.owner_id,
        "created_by_id": activity.created_by_id,
        "version": activity.version,
        "created_at": activity.created_at,
        "updated_at": activity.updated_at,
    }
    return _redact(actor, "activities", ACTIVITY_OUTPUT_KEYS, data)


@router.get(
    "/activities",
    response=PageOut[ActivityOut],
    exclude_unset=True,
    openapi_extra=permission("activities", "view"),
)
def list_activities(
    request: HttpRequest,
    limit: int = 50,
    cursor: str | None = None,
    q: str = "",
    type: str = "",
    account_id: int | None = None,
    contact_id: int | None = None,
    owner_id: int | None = None,
    related_type: str = "",
    related_id: int | None = None,
    occurred_after: datetime | None = None,
    occurred_before: datetime | None = None,
    sort: str = "",
) -> dict[str, Any]:
    actor = _member(request)
    queryset = selectors.activity_list(
        actor=actor,
        filters=selectors.ActivityFilters(
            type=type,
            account_id=account_id,
            contact_id=contact_id,
            owner_id=owner_id,
            related_type=related_type,
            related_id=related_id,
            occurred_after=_aware(occurred_after, actor),
            occurred_before=_aware(occurred_before, actor),
            q=q,
        ),
    )
    return keyset_page(
        queryset,
        order=_order(ACTIVITY_SORTS, sort, "-occurred_at"),
        cursor=cursor,
        limit=clamp_limit(limit),
        serialize=lambda activity: activity_out(actor, activity),
    )


@router.post(
    "/activities",
    response={201: ActivityOut},
    exclude_unset=True,
    openapi_extra=permission("activities", "create"),
)
def create_activity(request: HttpRequest, payload: ActivityIn) -> Status[dict[str, Any]]:
    actor = _member(request)
    data = payload.dict(exclude_unset=True)
    activity = activity_services.activity_log(actor=actor, data=data)
    return Status(201, activity_out(actor, activity))


@router.get(
    "/activities/{id}",
    response=ActivityOut,
    exclude_unset=True,
    openapi_extra=permission("activities", "view"),
)
def get_activity(request: HttpRequest, id: int) -> dict[str, Any]:
    actor = _member(request)
    return activity_out(actor, selectors.activity_get(actor=actor, id=id))


@router.patch(
    "/activities/{id}",
    response=ActivityOut,
    exclude_unset=True,
    openapi_extra=permission("activities", "edit"),
)
def patch_activity(request: HttpRequest, id: int, payload: ActivityPatch) -> dict[str, Any]:
    actor = _member(request)
    activity = selectors.activity_get(actor=actor, id=id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    activity = activity_services.activity_update(
        actor=actor, activity=activity, data=data, version=version
    )
    return activity_out(actor, activity)


@router.delete(
    "/activities/{id}",
    response={204: None},
    openapi_extra=permission("activities", "delete"),
)
def delete_activity(request: HttpRequest, id: int) -> Status[None]:
    actor = _member(request)
    activity_services.activity_delete(
        actor=actor, activity=selectors.activity_get(actor=actor, id=id)
    )
    return Status(204, None)


# --- Tasks ---------------------------------------------------------------------------------------


def task_out(actor: Membership, task: Task) -> dict[str, Any]:
    data = {
        "id": task.pk,
        "title": task.title,
        "due_at": task.due_at,
        "status": task.status,
        "description": task.description,
        "kind": task.kind,
        "priority": task.priority,
        "remind_at": task.remind_at,
        "remind_by_email": task.remind_by_email,
        "reminded_at": task.reminded_at,
        "assignee_id": task.assignee_id,
        "completed_at": task.completed_at,
        "completed_by_id": task.completed_by_id,
        "account_id": task.account_id,
        "contact_id": task.contact_id,
        "related_type": task.related_type,
        "related_id": task.related_id,
        "created_by_id": task.created_by_id,
        "version": task.version,
        "created_at": task.created_at,
        "updated_at": task.updated_at,
    }
    return _redact(actor, "tasks", TASK_OUTPUT_KEYS, data)


@router.get(
    "/tasks",
    response=PageOut[TaskOut],
    exclude_unset=True,
    openapi_extra=permission("tasks", "view"),
)
def list_tasks(
    request: HttpRequest,
    limit: int = 50,
    cursor: str | None = None,
    q: str = "",
    assignee_id: int | None = None,
    status: str = "",
    kind: str = "",
    account_id: int | None = None,
    contact_id: int | None = None,
    related_type: str = "",
    related_id: int | None = None,
    due_after: datetime | None = None,
    due_before: datetime | None = None,
    sort: str = "",
) -> dict[str, Any]:
    actor = _member(request)
    queryset = selectors.task_list(
        actor=actor,
        filters=selectors.TaskFilters(
            assignee_id=assignee_id,
            status=status,
            kind=kind,
            account_id=account_id,
            contact_id=contact_id,
            related_type=related_type,
            related_id=related_id,
            due_after=_aware(due_after, actor),
            due_before=_aware(due_before, actor),
            q=q,
        ),
    )
    return keyset_page(
        queryset,
        order=_order(TASK_SORTS, sort, "due_at"),
        cursor=cursor,
        limit=clamp_limit(limit),
        serialize=lambda task: task_out(actor, task),
    )


@router.post(
    "/tasks",
    response={201: TaskOut},
    exclude_unset=True,
    openapi_extra=permission("tasks", "create"),
)
def create_task(request: HttpRequest, payload: TaskIn) -> Status[dict[str, Any]]:
    actor = _member(request)
    task = task_services.task_create(actor=actor, data=payload.dict(exclude_unset=True))
    return Status(201, task_out(actor, task))


@router.get(
    "/tasks/{id}", response=TaskOut, exclude_unset=True, openapi_extra=permission("tasks", "view")
)
def get_task(request: HttpRequest, id: int) -> dict[str, Any]:
    actor = _member(request)
    return task_out(actor, selectors.task_get(actor=actor, id=id))


@router.patch(
    "/tasks/{id}", response=TaskOut, exclude_unset=True, openapi_extra=permission("tasks", "edit")
)
def patch_task(request: HttpRequest, id: int, payload: TaskPatch) -> dict[str, Any]:
    actor = _member(request)
    task = selectors.task_get(actor=actor, id=id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    task = task_services.task_update(actor=actor, task=task, data=data, version=version)
    return task_out(actor, task)


@router.delete("/tasks/{id}", response={204: None}, openapi_extra=permission("tasks", "delete"))
def delete_task(request: HttpRequest, id: int) -> Status[None]:
    actor = _member(request)
    task_services.task_delete(actor=actor, task=selectors.task_get(actor=actor, id=id))
    return Status(204, None)


@router.post(
    "/tasks/{id}/complete",
    response=TaskOut,
    exclude_unset=True,
    openapi_extra=permission("tasks", "edit"),
)
def complete_task(request: HttpRequest, id: int) -> dict[str, Any]:
    actor = _member(request)
    task = task_services.task_complete(actor=actor, task=selectors.task_get(actor=actor, id=id))
    return task_out(actor, task)


@router.post(
    "/tasks/{id}/reopen",
    response=TaskOut,
    exclude_unset=True,
    openapi_extra=permission("tasks", "edit"),
)
def reopen_task(request: HttpRequest, id: int) -> dict[str, Any]:
    actor = _member(request)
    task = task_services.task_reopen(actor=actor, task=selectors.task_get(actor=actor, id=id))
    return task_out(actor, task)
