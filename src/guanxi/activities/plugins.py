"""What the activities module registers with core at start-up: object types (permissions, data
scope, hidden fields), timeline kinds, the panels on account and contact pages, what moves with
a customer merge, the recycle bin, audit labels and navigation.

Later modules make their records linkable from activities and tasks (`related_type` +
`related_id`) with `register_linkable_type("opportunities")` in their own ready().
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from guanxi.core.audit_actions import register_audit_action
from guanxi.core.registry import (
    ACTIONS,
    FieldSpec,
    NavItem,
    ObjectType,
    RecordPanel,
    Recyclable,
    TimelineKind,
    register_demo_step,
    register_nav_item,
    register_object_type,
    register_object_url,
    register_purge_hook,
    register_record_panel,
    register_recyclable,
    register_related_mover,
    register_timeline_kind,
)

from .models import ActivityType

GRANTS: dict[str, tuple[str, ...]] = {
    "admin": ACTIONS,
    "sales_manager": ACTIONS,
    "sales_rep": ("view", "create", "edit", "delete"),
    "service_agent": ("view", "create", "edit"),
    "marketer": ("view",),
    "read_only": ("view",),
}

ACTIVITY_FIELDS = (
    FieldSpec("type", _("Type"), can_hide=False),
    FieldSpec("subject", _("Subject"), can_hide=False),
    FieldSpec("occurred_at", _("Time"), can_hide=False),
    FieldSpec("body", _("Details")),
    FieldSpec("duration_minutes", _("Duration")),
    FieldSpec("direction", _("Direction")),
    FieldSpec("outcome", _("Outcome")),
    FieldSpec("location", _("Location")),
    FieldSpec("account", _("Account")),
    FieldSpec("contact", _("Contact")),
    FieldSpec("related", _("Related record")),
    FieldSpec("participants", _("Participants")),
    FieldSpec("owner", _("Logged by")),
)
TASK_FIELDS = (
    FieldSpec("title", _("Title"), can_hide=False),
    FieldSpec("due_at", _("Due"), can_hide=False),
    FieldSpec("status", _("Status"), can_hide=False),
    FieldSpec("kind", _("Kind")),
    FieldSpec("description", _("Description")),
    FieldSpec("priority", _("Priority")),
    FieldSpec("reminder", _("Reminder")),
    FieldSpec("assignee", _("Assignee")),
    FieldSpec("account", _("Account")),
    FieldSpec("contact", _("Contact")),
    FieldSpec("related", _("Related record")),
)

ACTIVITY_ICONS: dict[str, str] = {
    ActivityType.CALL: "phone",
    ActivityType.MEETING: "users",
    ActivityType.VISIT: "map-pin",
    ActivityType.NOTE: "note",
    ActivityType.EMAIL: "mail",
    ActivityType.SMS: "message",
    ActivityType.WECHAT: "brand-wechat",
}

AUDIT_ACTIONS = {
    "activity.create": _("Logged an activity"),
    "activity.update": _("Changed an activity"),
    "activity.delete": _("Deleted an activity"),
    "activity.restore": _("Restored an activity"),
    "activity.purge": _("Purged an activity"),
    "task.create": _("Created a task"),
    "task.update": _("Changed a task"),
    "task.complete": _("Completed a task"),
    "task.reopen": _("Reopened a task"),
    "task.delete": _("Deleted a task"),
    "task.restore": _("Restored a task"),
    "task.purge": _("Purged a task"),
}

_linkable_types: set[str] = set()


def register_linkable_type(key: str) -> None:
    """Let activities and tasks link to records of object type `key` (its model must be a
    TenantModel registered with core; the member must be able to see the record they link)."""
    _linkable_types.add(key)


def linkable_types() -> frozenset[str]:
    return frozenset(_linkable_types)


def _url(name: str) -> Any:
    return lambda obj: reverse(name, args=[obj.pk])


def _forget_timeline_of(field: str) -> Any:
    """Before a customer is purged its activities and tasks go with it (CASCADE): first drop
    their entries from every other timeline (the contact's, participants', related records')."""

    def hook(workspace_id: int, record_id: int) -> None:
        from guanxi.core.models import TimelineEntry

        from .models import Activity, Task

        for ref_type, model in (("activities", Activity), ("tasks", Task)):
            ids = list(
                model._base_manager.filter(
                    workspace_id=workspace_id, **{field: record_id}
                ).values_list("id", flat=True)
            )
            TimelineEntry.objects.filter(
                workspace_id=workspace_id, ref_type=ref_type, ref_id__in=ids
            ).delete()

    return hook


def register_activities() -> None:
    from . import panels
    from .demo import demo_activities
    from .services.activities import activity_purge, activity_restore
    from .services.movers import related_movers
    from .services.tasks import task_purge, task_restore

    register_object_type(
        ObjectType(
            key="activities",
            label=_("Activities"),
            model="activities.Activity",
            module="customers",
            fields=ACTIVITY_FIELDS,
            owner_field="owner",
            default_grants=GRANTS,
            api_path="/activities",
        )
    )
    register_object_type(
        ObjectType(
            key="tasks",
            label=_("Tasks"),
            model="activities.Task",
            module="customers",
            fields=TASK_FIELDS,
            owner_field="assignee",
            default_grants=GRANTS,
            api_path="/tasks",
        )
    )

    activities_group = _("Activities")
    for value, label in ActivityType.choices:
        register_timeline_kind(
            TimelineKind(f"activity.{value}", label, "activities", ACTIVITY_ICONS[value]),
            activities_group,
        )
    tasks_group = _("Tasks")
    register_timeline_kind(
        TimelineKind("task.created", _("Task created"), "tasks", "checkbox"), tasks_group
    )
    register_timeline_kind(
        TimelineKind("task.completed", _("Task completed"), "tasks", "circle-check"), tasks_group
    )

    for object_type in ("accounts", "contacts"):
        register_record_panel(
            RecordPanel(
                object_type=object_type,
                key="quick_log",
                template="activities/panels/quick_log.html",
                context=panels.quick_log_context,
                column="main",
                order=10,
            )
        )
        register_record_panel(
            RecordPanel(
                object_type=object_type,
                key="open_tasks",
                template="activities/panels/open_tasks.html",
                context=panels.open_tasks_context,
                column="side",
                order=20,
            )
        )

    for mover in related_movers():
        register_related_mover(mover)

    register_recyclable(
        Recyclable(
            object_type="activities",
            label_of=str,
            restore=lambda member, obj: activity_restore(actor=member, activity=obj),
            purge=activity_purge,
            url_of=_url("activities:activity"),
        )
    )
    register_recyclable(
        Recyclable(
            object_type="tasks",
            label_of=str,
            restore=lambda member, obj: task_restore(actor=member, task=obj),
            purge=task_purge,
            url_of=_url("activities:task"),
        )
    )
    register_object_url("activities", lambda pk: reverse("activities:activity", args=[pk]))
    register_object_url("tasks", lambda pk: reverse("activities:task", args=[pk]))
    for customer_type, field in (("accounts", "account_id"), ("contacts", "contact_id")):
        register_purge_hook(customer_type, _forget_timeline_of(field))
    register_demo_step("activities", demo_activities, order=110)
    from .seed import register_activity_seeder

    register_activity_seeder()
    for code, label in AUDIT_ACTIONS.items():
        register_audit_action(code, label)

    register_nav_item(
        NavItem(
            "home",
            _("My day"),
            "activities:my-day",
            icon="calendar-check",
            permission="tasks.view",
            order=5,
        )
    )
    register_nav_item(
        NavItem(
            "customers",
            _("Activities"),
            "activities:activities",
            icon="activity",
            permission="activities.view",
            order=120,
        )
    )
    register_nav_item(
        NavItem(
            "customers",
            _("Tasks"),
            "activities:tasks",
            icon="checklist",
            permission="tasks.view",
            order=130,
        )
    )
