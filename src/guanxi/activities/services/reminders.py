"""Task reminders, sent by the worker (see scheduled_jobs.py).

Each due reminder is first claimed with one guarded UPDATE (`reminded_at` still empty), then
delivered: an in-app notification and, when the task asks for it, an email in the assignee's
language. Two workers scanning at once can both see a task, but only one claims it, so nobody
is reminded twice; a mail that fails after the claim is logged, not retried (a skipped reminder
email is better than a doubled one).
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from guanxi.core.models import Membership
from guanxi.core.notifications import notify

from ..clock import member_zone
from ..models import Task

logger = logging.getLogger("guanxi.activities.reminders")

BATCH_SIZE = 500


def _language(task: Task) -> str:
    return task.assignee.locale or task.workspace.locale or "en"


def _notify(task: Task) -> None:
    with translation.override(_language(task)):
        notify(
            workspace_id=task.workspace_id,
            user_id=task.assignee_id,
            kind="task.reminder",
            title=_("Reminder: %(title)s") % {"title": task.title},
            body=task.description[:500],
            url=reverse("activities:task", args=[task.pk]),
            ref=("tasks", task.pk),
        )


def _email(task: Task, member: Membership) -> None:
    if not task.assignee.email:
        return
    with translation.override(_language(task)), timezone.override(member_zone(member)):
        # The worker has no request to build an absolute address from; SITE_URL, when the
        # deployment sets it, gives one.
        site = str(getattr(settings, "SITE_URL", "") or "").rstrip("/")
        context = {
            "task": task,
            "customer": task.contact or task.account,
            "link": f"{site}{reverse('activities:task', args=[task.pk])}" if site else "",
        }
        subject = render_to_string("activities/email/task_reminder_subject.txt", context)
        body = render_to_string("activities/email/task_reminder.txt", context)
    try:
        send_mail(" ".join(subject.split()), body, None, [task.assignee.email])
    except Exception:  # one bad mailbox must not stop the other reminders
        logger.exception("task reminder email failed", extra={"task": task.pk})


def send_due_reminders(*, now: datetime | None = None, limit: int = BATCH_SIZE) -> int:
    """Deliver the reminders that are due at `now`, oldest first, at most `limit` of them.
    Returns how many were delivered. Assignees who are no longer active members are not
    reminded (their reminders are marked done all the same)."""
    now = now or timezone.now()
    due = list(
        Task.objects.reminder_due(now)
        .select_related("assignee", "workspace", "account", "contact")
        .order_by("remind_at", "id")[:limit]
    )
    if not due:
        return 0
    members = {
        (m.workspace_id, m.user_id): m
        for m in Membership.objects.filter(
            workspace_id__in={t.workspace_id for t in due},
            user_id__in={t.assignee_id for t in due},
            is_active=True,
            user__is_active=True,
        ).select_related("user", "workspace")
    }
    delivered = 0
    for task in due:
        with transaction.atomic():
            claimed = Task.objects.filter(pk=task.pk, reminded_at__isnull=True).update(
                reminded_at=now
            )
            member = members.get((task.workspace_id, task.assignee_id))
            if not claimed or member is None:
                continue
            _notify(task)
        if task.remind_by_email:
            _email(task, member)
        delivered += 1
    return delivered
