"""Activities (interactions with customers: calls, meetings, visits, notes, emails, SMS and
WeChat messages) and tasks (to-dos and follow-up plans, 跟进计划).

Both link to an account and/or a contact, and to any record of a later module through
`related_type` + `related_id` ("opportunities", 42), so sales, service and marketing link their
records without a migration here. Deletes are soft (`deleted_at`); every selector leaves deleted
rows out.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.models import TenantModel
from guanxi.core.querysets import TenantQuerySet

MAX_DURATION_MINUTES = 24 * 60


class ActivityType(models.TextChoices):
    CALL = "call", _("Call")
    MEETING = "meeting", _("Meeting")
    VISIT = "visit", _("Visit")  # 外勤拜访, with an optional location
    NOTE = "note", _("Note")
    EMAIL = "email", pgettext_lazy("activity type", "Email")
    SMS = "sms", _("SMS")
    WECHAT = "wechat", _("WeChat message")


class Direction(models.TextChoices):
    INBOUND = "inbound", _("Inbound")
    OUTBOUND = "outbound", _("Outbound")


class Outcome(models.TextChoices):
    CONNECTED = "connected", _("Connected")
    NO_ANSWER = "no_answer", _("No answer")
    BUSY = "busy", _("Busy")
    LEFT_MESSAGE = "left_message", _("Left a message")
    WRONG_NUMBER = "wrong_number", _("Wrong number")
    COMPLETED = "completed", _("Completed")
    RESCHEDULED = "rescheduled", _("Rescheduled")
    CANCELLED = "cancelled", _("Cancelled")


class BodyFormat(models.TextChoices):
    MARKDOWN = "markdown", _("Markdown")
    HTML = "html", _("HTML")
    TEXT = "text", _("Plain text")


class TaskKind(models.TextChoices):
    TASK = "task", _("Task")
    FOLLOW_UP = "follow_up", _("Follow-up plan")  # 跟进计划


class TaskPriority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class TaskStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("task status", "Open")
    DONE = "done", pgettext_lazy("task status", "Done")
    CANCELLED = "cancelled", _("Cancelled")


class ActivityQuerySet(TenantQuerySet["Activity"]):
    def alive(self) -> ActivityQuerySet:
        return self.filter(deleted_at__isnull=True)


class TaskQuerySet(TenantQuerySet["Task"]):
    def alive(self) -> TaskQuerySet:
        return self.filter(deleted_at__isnull=True)

    def open(self) -> TaskQuerySet:
        return self.filter(deleted_at__isnull=True, status=TaskStatus.OPEN)

    def reminder_due(self, now: object) -> TaskQuerySet:
        """Open tasks whose reminder time has come and whose reminder has not gone out."""
        return self.filter(
            status=TaskStatus.OPEN,
            deleted_at__isnull=True,
            reminded_at__isnull=True,
            remind_at__lte=now,
        )


class LinkedRecord(TenantModel):
    """What activities and tasks share: the customer they are about, a record of a later module,
    who made them, versioning and soft delete."""

    account = models.ForeignKey(
        "customers.Account",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("account"),
    )
    contact = models.ForeignKey(
        "customers.Contact",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("contact"),
    )
    # A record of a module above this one (an opportunity, a lead, a ticket): its object type key
    # and id. No foreign key, so those modules link here without a migration of this app.
    related_type = models.CharField(max_length=40, blank=True)
    related_id = models.BigIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(default=1)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        abstract = True


class Activity(LinkedRecord):
    """One interaction with a customer, logged by a member (the owner; data scope applies through
    it). `body` is sanitized HTML; `body_source` is what the member typed (Markdown, HTML or plain
    text, see `body_format`) so an edit starts from it; `body_text` is plain text for excerpts and
    search."""

    type = models.CharField(_("type"), max_length=16, choices=ActivityType.choices)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("details"), blank=True)
    body_text = models.TextField(blank=True)
    body_source = models.TextField(blank=True)
    body_format = models.CharField(
        max_length=10, choices=BodyFormat.choices, default=BodyFormat.MARKDOWN
    )
    occurred_at = models.DateTimeField(_("time"))
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), null=True, blank=True)
    direction = models.CharField(
        _("direction"), max_length=10, blank=True, choices=Direction.choices
    )
    outcome = models.CharField(_("outcome"), max_length=20, blank=True, choices=Outcome.choices)
    location_name = models.CharField(_("location"), max_length=200, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("logged by"),
    )

    objects = ActivityQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__isnull=True)
                | Q(duration_minutes__lte=MAX_DURATION_MINUTES),
                name="activity_duration_at_most_a_day",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="activity_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="activity_longitude_range",
            ),
        ]
        indexes = [
            models.Index(
                fields=["workspace", "-occurred_at", "-id"],
                name="activity_ws_time",
                condition=Q(deleted_at__isnull=True),
            ),
            models.Index(
                fields=["workspace", "owner", "-occurred_at", "-id"],
                name="activity_ws_owner_time",
                condition=Q(deleted_at__isnull=True),
            ),
            models.Index(
                fields=["workspace", "account", "-occurred_at", "-id"],
                name="activity_ws_account_time",
                condition=Q(deleted_at__isnull=True),
            ),
            models.Index(
                fields=["workspace", "contact", "-occurred_at", "-id"],
                name="activity_ws_contact_time",
                condition=Q(deleted_at__isnull=True),
            ),
            models.Index(
                fields=["workspace", "related_type", "related_id"],
                name="activity_ws_related",
                condition=Q(deleted_at__isnull=True),
            ),
            models.Index(fields=["workspace", "deleted_at"], name="activity_ws_deleted"),
        ]

    def __str__(self) -> str:
        return self.subject or self.body_text[:80] or str(self.get_type_display())


class ActivityParticipant(TenantModel):
    """Someone who took part in an activity: a member (internal) or a contact (external)."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    contact = models.ForeignKey(
        "customers.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, contact__isnull=True)
                | Q(user__isnull=True, contact__isnull=False),
                name="participant_user_or_contact",
            ),
            models.UniqueConstraint(
                fields=["activity", "user"],
                condition=Q(user__isnull=False),
                name="participant_unique_user",
            ),
            models.UniqueConstraint(
                fields=["activity", "contact"],
                condition=Q(contact__isnull=False),
                name="participant_unique_contact",
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "activity"], name="participant_ws_activity"),
            models.Index(fields=["workspace", "contact"], name="participant_ws_contact"),
        ]


class Task(LinkedRecord):
    """A to-do, or a follow-up plan (跟进计划) for a customer, assigned to a member (data scope
    applies through the assignee). The worker sends its reminder once `remind_at` has come:
    `reminded_at` records that it went out, so it never goes out twice."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(
        _("kind"), max_length=12, choices=TaskKind.choices, default=TaskKind.TASK
    )
    due_at = models.DateTimeField(_("due"))
    remind_at = models.DateTimeField(_("remind at"), null=True, blank=True)
    remind_by_email = models.BooleanField(_("also remind by email"), default=False)
    reminded_at = models.DateTimeField(null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("assignee"),
    )
    priority = models.CharField(
        _("priority"), max_length=10, choices=TaskPriority.choices, default=TaskPriority.NORMAL
    )
    status = models.CharField(
        _("status"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = TaskQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        constraints = [
            models.CheckConstraint(
                condition=Q(status="done", completed_at__isnull=False) | ~Q(status="done"),
                name="task_done_has_completed_at",
            ),
        ]
        indexes = [
            models.Index(
                fields=["workspace", "assignee", "status", "due_at"],
                name="task_ws_assignee_status_due",
                condition=Q(deleted_at__isnull=True),
            ),
            models.Index(
                fields=["workspace", "status", "due_at", "id"],
                name="task_ws_status_due",
                condition=Q(deleted_at__isnull=True),
            ),
            models.Index(
                fields=["workspace", "account", "status", "due_at"],
                name="task_ws_account_status_due",
                condition=Q(deleted_at__isnull=True),
            ),
            models.Index(
                fields=["workspace", "contact", "status", "due_at"],
                name="task_ws_contact_status_due",
                condition=Q(deleted_at__isnull=True),
            ),
            models.Index(
                fields=["workspace", "related_type", "related_id"],
                name="task_ws_related",
                condition=Q(deleted_at__isnull=True),
            ),
            models.Index(fields=["workspace", "deleted_at"], name="task_ws_deleted"),
            # The worker's reminder scan runs across workspaces: the one index not led by
            # workspace, and small (only tasks whose reminder has not gone out).
            models.Index(
                fields=["status", "remind_at"],
                name="task_reminder_due",
                condition=Q(reminded_at__isnull=True, deleted_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.title
