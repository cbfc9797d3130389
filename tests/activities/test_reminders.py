"""Task reminders sent by the worker: in-app notification, optional email in the assignee's
language, never twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail

from guanxi.activities.models import Task
from guanxi.activities.services.reminders import send_due_reminders
from guanxi.activities.services.tasks import task_complete, task_create
from guanxi.core.models import Notification
from guanxi.core.scheduler import jobs
from tests.activities.conftest import NOW
from tests.factories import make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def reminder(rep, account):
    return task_create(
        actor=rep,
        data={
            "title": "给张总回电话",
            "due_at": NOW + timedelta(hours=2),
            "remind_at": NOW - timedelta(minutes=1),
            "remind_by_email": True,
            "account_id": account.pk,
        },
    )


def test_the_job_is_declared_every_minute():
    job = next(j for j in jobs() if j.name == "activities.task_reminders")
    assert job.every == timedelta(minutes=1)


def test_a_due_reminder_notifies_the_assignee_once(rep, reminder):
    assert send_due_reminders(now=NOW) == 1
    assert send_due_reminders(now=NOW + timedelta(minutes=1)) == 0

    notification = Notification.objects.get()
    assert notification.user_id == rep.user_id
    assert notification.kind == "task.reminder"
    assert notification.title == "Reminder: 给张总回电话"
    assert (notification.ref_type, notification.ref_id) == ("tasks", reminder.pk)
    assert notification.url == f"/tasks/{reminder.pk}/"
    reminder.refresh_from_db()
    assert reminder.reminded_at == NOW


def test_email_goes_to_the_assignee_in_their_language_and_time_zone(rep, reminder, monkeypatch):
    from django.utils import translation

    from guanxi.activities.services import reminders

    rep.user.locale = "zh-hans"
    rep.user.save()
    languages = []
    render = reminders.render_to_string

    def render_and_note_language(*args, **kwargs):
        languages.append(translation.get_language())
        return render(*args, **kwargs)

    monkeypatch.setattr(reminders, "render_to_string", render_and_note_language)

    send_due_reminders(now=NOW)

    assert languages == ["zh-hans", "zh-hans"]
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [rep.user.email]
    assert "给张总回电话" in message.subject
    assert "华为技术有限公司" in message.body
    # Due 16:00 in Shanghai (08:00 UTC): shown in the assignee's zone.
    assert "2025-03-10 16:00" in message.body


def test_no_email_unless_asked_for(rep, reminder):
    Task.objects.filter(pk=reminder.pk).update(remind_by_email=False)

    send_due_reminders(now=NOW)

    assert mail.outbox == []
    assert Notification.objects.count() == 1


def test_a_reminder_not_yet_due_waits(rep, reminder):
    assert send_due_reminders(now=NOW - timedelta(minutes=5)) == 0
    assert not Notification.objects.exists()


def test_done_and_deleted_tasks_are_not_reminded(rep, reminder):
    task_complete(actor=rep, task=reminder, now=NOW - timedelta(minutes=30))

    assert send_due_reminders(now=NOW) == 0
    assert mail.outbox == []


def test_a_claimed_reminder_is_not_sent_by_a_second_worker(rep, reminder, monkeypatch):
    scan = Task.objects.reminder_due

    def scan_then_lose_the_race(now):
        found = list(scan(now))
        Task.objects.filter(pk=reminder.pk).update(reminded_at=now)  # the other worker's claim
        return Task.objects.filter(pk__in=[t.pk for t in found])

    monkeypatch.setattr(Task.objects, "reminder_due", scan_then_lose_the_race)

    assert send_due_reminders(now=NOW) == 0

    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_an_inactive_assignee_is_not_reminded(workspace, rep, reminder):
    rep.is_active = False
    rep.save()

    assert send_due_reminders(now=NOW) == 0

    assert not Notification.objects.exists()
    reminder.refresh_from_db()
    assert reminder.reminded_at == NOW


def test_reminders_of_every_workspace_go_to_their_own_members(rep, reminder, other_workspace):
    theirs = make_member(other_workspace, "sales_rep")
    task_create(
        actor=theirs,
        data={"title": "other", "due_at": NOW, "remind_at": NOW - timedelta(minutes=2)},
    )

    assert send_due_reminders(now=NOW) == 2

    assert set(Notification.objects.values_list("workspace_id", "user_id")) == {
        (rep.workspace_id, rep.user_id),
        (other_workspace.pk, theirs.user_id),
    }
