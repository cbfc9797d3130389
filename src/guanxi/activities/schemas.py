"""Request and response bodies of /api/v1/activities and /api/v1/tasks.

Choice fields are typed `str` with their allowed values listed in the OpenAPI document: the
services check them, so a wrong value gets the same translated, field-named error from the API
and from the pages. Fields the member's role hides are left out of responses (hence optional).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from guanxi.core.apikit import InputSchema

from .models import ActivityType, BodyFormat, Direction, Outcome, TaskKind, TaskPriority, TaskStatus


def _choices(values: list[str]) -> Any:
    """The allowed values, listed in the OpenAPI document (the service checks them)."""
    return {"enum": list(values)}


class ActivityOut(Schema):
    id: int
    type: str
    subject: str
    occurred_at: datetime
    body: str | None = None
    body_text: str | None = None
    body_format: str | None = None
    body_source: str | None = None
    duration_minutes: int | None = None
    direction: str | None = None
    outcome: str | None = None
    location_name: str | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    account_id: int | None = None
    contact_id: int | None = None
    related_type: str | None = None
    related_id: int | None = None
    participant_user_ids: list[int] | None = None
    participant_contact_ids: list[int] | None = None
    owner_id: int | None = None
    created_by_id: int | None = None
    version: int
    created_at: datetime
    updated_at: datetime


class ActivityIn(InputSchema):
    type: str = Field(json_schema_extra=_choices(ActivityType.values))
    subject: str = ""
    body: str = Field(
        "", description="The details, in `body_format` (Markdown by default); sanitized."
    )
    body_format: str = Field(
        BodyFormat.MARKDOWN.value, json_schema_extra=_choices(BodyFormat.values)
    )
    occurred_at: datetime | None = Field(None, description="Default: now.")
    duration_minutes: int | None = None
    direction: str = Field("", json_schema_extra=_choices(["", *Direction.values]))
    outcome: str = Field("", json_schema_extra=_choices(["", *Outcome.values]))
    location_name: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    account_id: int | None = None
    contact_id: int | None = None
    related_type: str = ""
    related_id: int | None = None
    participant_user_ids: list[int] = []
    participant_contact_ids: list[int] = []
    owner_id: int | None = Field(None, description="Default: you. Another member needs assign.")


class ActivityPatch(InputSchema):
    non_nullable = frozenset(
        {
            "type",
            "subject",
            "body",
            "body_format",
            "occurred_at",
            "direction",
            "outcome",
            "location_name",
            "related_type",
            "participant_user_ids",
            "participant_contact_ids",
            "owner_id",
        }
    )

    version: int
    type: str | None = Field(None, json_schema_extra=_choices(ActivityType.values))
    subject: str | None = None
    body: str | None = None
    body_format: str | None = Field(None, json_schema_extra=_choices(BodyFormat.values))
    occurred_at: datetime | None = None
    duration_minutes: int | None = None
    direction: str | None = Field(None, json_schema_extra=_choices(["", *Direction.values]))
    outcome: str | None = Field(None, json_schema_extra=_choices(["", *Outcome.values]))
    location_name: str | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    account_id: int | None = None
    contact_id: int | None = None
    related_type: str | None = None
    related_id: int | None = None
    participant_user_ids: list[int] | None = None
    participant_contact_ids: list[int] | None = None
    owner_id: int | None = None


class TaskOut(Schema):
    id: int
    title: str
    due_at: datetime
    status: str
    description: str | None = None
    kind: str | None = None
    priority: str | None = None
    remind_at: datetime | None = None
    remind_by_email: bool | None = None
    reminded_at: datetime | None = None
    assignee_id: int | None = None
    completed_at: datetime | None = None
    completed_by_id: int | None = None
    account_id: int | None = None
    contact_id: int | None = None
    related_type: str | None = None
    related_id: int | None = None
    created_by_id: int | None = None
    version: int
    created_at: datetime
    updated_at: datetime


class TaskIn(InputSchema):
    title: str
    due_at: datetime
    description: str = ""
    kind: str = Field(TaskKind.TASK.value, json_schema_extra=_choices(TaskKind.values))
    priority: str = Field(
        TaskPriority.NORMAL.value, json_schema_extra=_choices(TaskPriority.values)
    )
    status: str = Field(TaskStatus.OPEN.value, json_schema_extra=_choices(TaskStatus.values))
    remind_at: datetime | None = None
    remind_by_email: bool = False
    assignee_id: int | None = Field(None, description="Default: you. Another member needs assign.")
    account_id: int | None = None
    contact_id: int | None = None
    related_type: str = ""
    related_id: int | None = None


class TaskPatch(InputSchema):
    non_nullable = frozenset(
        {
            "title",
            "due_at",
            "description",
            "kind",
            "priority",
            "status",
            "remind_by_email",
            "assignee_id",
            "related_type",
        }
    )

    version: int
    title: str | None = None
    due_at: datetime | None = None
    description: str | None = None
    kind: str | None = Field(None, json_schema_extra=_choices(TaskKind.values))
    priority: str | None = Field(None, json_schema_extra=_choices(TaskPriority.values))
    status: str | None = Field(None, json_schema_extra=_choices(TaskStatus.values))
    remind_at: datetime | None = None
    remind_by_email: bool | None = None
    assignee_id: int | None = None
    account_id: int | None = None
    contact_id: int | None = None
    related_type: str | None = None
    related_id: int | None = None
