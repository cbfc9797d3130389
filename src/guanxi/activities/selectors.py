"""Reads of activities and tasks, already scoped to what the acting member may see (workspace,
view permission, data scope: activities by who logged them, tasks by their assignee), never
returning deleted rows, and joining what their callers show so no caller causes N+1."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from guanxi.core.errors import NotFound
from guanxi.core.models import Membership
from guanxi.core.permissions import can, hidden_fields, require

from .clock import member_zone
from .models import Activity, ActivityParticipant, Task, TaskStatus

MY_DAY_LIMIT = 100
UPCOMING_DAYS = 7


@dataclass
class ActivityFilters:
    type: str = ""
    account_id: int | None = None
    contact_id: int | None = None
    owner_id: int | None = None
    related_type: str = ""
    related_id: int | None = None
    occurred_after: datetime | None = None
    occurred_before: datetime | None = None
    q: str = ""


@dataclass
class TaskFilters:
    assignee_id: int | None = None
    status: str = ""
    kind: str = ""
    account_id: int | None = None
    contact_id: int | None = None
    related_type: str = ""
    related_id: int | None = None
    due_after: datetime | None = None
    due_before: datetime | None = None
    q: str = ""


def _activity_queryset(actor: Membership) -> QuerySet[Activity]:
    queryset: Any = Activity.objects.visible_to(actor)
    return (  # type: ignore[no-any-return]
        queryset.alive()
        .select_related("owner", "account", "contact")
        .prefetch_related(
            Prefetch(
                "participants",
                queryset=ActivityParticipant.objects.select_related("user", "contact").order_by(
                    "id"
                ),
            )
        )
    )


def activity_list(
    *, actor: Membership, filters: ActivityFilters | None = None
) -> QuerySet[Activity]:
    """The member's visible activities, filtered; the caller orders and pages them. A filter on a
    field the member's role hides is ignored (filtering on it would reveal it)."""
    require(actor, "activities", "view")
    filters = filters or ActivityFilters()
    hidden = hidden_fields(actor, "activities")
    queryset = _activity_queryset(actor)
    if filters.type:
        queryset = queryset.filter(type=filters.type)
    if filters.account_id is not None and "account" not in hidden:
        queryset = queryset.filter(account_id=filters.account_id)
    if filters.contact_id is not None and "contact" not in hidden:
        queryset = queryset.filter(contact_id=filters.contact_id)
    if filters.owner_id is not None and "owner" not in hidden:
        queryset = queryset.filter(owner_id=filters.owner_id)
    if filters.related_type and "related" not in hidden:
        queryset = queryset.filter(related_type=filters.related_type)
        if filters.related_id is not None:
            queryset = queryset.filter(related_id=filters.related_id)
    if filters.occurred_after is not None:
        queryset = queryset.filter(occurred_at__gte=filters.occurred_after)
    if filters.occurred_before is not None:
        queryset = queryset.filter(occurred_at__lt=filters.occurred_before)
    if filters.q:
        queryset = queryset.filter(subject__icontains=filters.q.strip())
    return queryset


def activity_get(*, actor: Membership, id: int) -> Activity:
    require(actor, "activities", "view")
    activity = _activity_queryset(actor).filter(pk=id).first()
    if activity is None:
        raise NotFound()
    return activity


def _task_queryset(actor: Membership) -> QuerySet[Task]:
    queryset: Any = Task.objects.visible_to(actor)
    return queryset.alive().select_related(  # type: ignore[no-any-return]
        "assignee", "account", "contact"
    )


def task_list(*, actor: Membership, filters: TaskFilters | None = None) -> QuerySet[Task]:
    """The member's visible tasks, filtered; the caller orders and pages them."""
    require(actor, "tasks", "view")
    filters = filters or TaskFilters()
    hidden = hidden_fields(actor, "tasks")
    queryset = _task_queryset(actor)
    if filters.assignee_id is not None and "assignee" not in hidden:
        queryset = queryset.filter(assignee_id=filters.assignee_id)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.kind and "kind" not in hidden:
        queryset = queryset.filter(kind=filters.kind)
    if filters.account_id is not None and "account" not in hidden:
        queryset = queryset.filter(account_id=filters.account_id)
    if filters.contact_id is not None and "contact" not in hidden:
        queryset = queryset.filter(contact_id=filters.contact_id)
    if filters.related_type and "related" not in hidden:
        queryset = queryset.filter(related_type=filters.related_type)
        if filters.related_id is not None:
            queryset = queryset.filter(related_id=filters.related_id)
    if filters.due_after is not None:
        queryset = queryset.filter(due_at__gte=filters.due_after)
    if filters.due_before is not None:
        queryset = queryset.filter(due_at__lt=filters.due_before)
    if filters.q:
        queryset = queryset.filter(title__icontains=filters.q.strip())
    return queryset


def task_get(*, actor: Membership, id: int) -> Task:
    require(actor, "tasks", "view")
    task = _task_queryset(actor).filter(pk=id).first()
    if task is None:
        raise NotFound()
    return task


def open_tasks_for(
    *, actor: Membership, subject_type: str, subject_id: int, limit: int = 10
) -> tuple[list[Task], int]:
    """Open tasks on an account or a contact that the member may see, soonest due first, and
    how many there are in all. An account's list includes the tasks on its contacts only when
    they were linked to the account too (tasks on a contact bring the contact's account)."""
    key = {"accounts": "account_id", "contacts": "contact_id"}[subject_type]
    queryset = task_list(actor=actor).filter(status=TaskStatus.OPEN, **{key: subject_id})
    tasks = list(queryset.order_by("due_at", "id")[: limit + 1])
    if len(tasks) <= limit:
        return tasks, len(tasks)
    return tasks[:limit], queryset.count()


@dataclass
class MyDay:
    overdue: list[Task] = field(default_factory=list)
    today: list[Task] = field(default_factory=list)
    upcoming: list[Task] = field(default_factory=list)
    day_start: datetime | None = None
    now: datetime | None = None


def my_day(*, actor: Membership, now: datetime | None = None) -> MyDay:
    """The member's own open tasks: overdue (due before now), today (due from now until midnight
    in the member's time zone) and upcoming (the seven days after today), soonest first, at most
    MY_DAY_LIMIT in each. Three bounded queries, however many tasks there are."""
    now = now or timezone.now()
    zone = member_zone(actor)
    day_start = timezone.localtime(now, zone).replace(hour=0, minute=0, second=0, microsecond=0)
    # Midnights are computed on the wall clock, then made aware: a day is not always 24 hours.
    tomorrow = (day_start + timedelta(days=1)).replace(tzinfo=None)
    tomorrow_start = timezone.make_aware(tomorrow, zone)
    horizon = timezone.make_aware(tomorrow + timedelta(days=UPCOMING_DAYS), zone)
    result = MyDay(day_start=day_start, now=now)
    if not can(actor, "tasks", "view"):
        return result
    mine = (
        task_list(actor=actor)
        .filter(assignee_id=actor.user_id, status=TaskStatus.OPEN)
        .order_by("due_at", "id")
    )
    result.overdue = list(mine.filter(due_at__lt=now)[:MY_DAY_LIMIT])
    result.today = list(mine.filter(due_at__gte=now, due_at__lt=tomorrow_start)[:MY_DAY_LIMIT])
    result.upcoming = list(
        mine.filter(due_at__gte=tomorrow_start, due_at__lt=horizon)[:MY_DAY_LIMIT]
    )
    return result
