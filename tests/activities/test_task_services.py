"""Tasks and follow-up plans: create, change, complete, reopen, delete."""

from __future__ import annotations

from datetime import timedelta

import pytest

from guanxi.activities.models import Task
from guanxi.activities.services.tasks import (
    task_complete,
    task_create,
    task_delete,
    task_reopen,
    task_update,
)
from guanxi.core.errors import PermissionDenied, StaleVersion, ValidationFailed
from guanxi.core.models import AuditEvent, TimelineEntry
from tests.activities.conftest import NOW
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def entries(task: Task) -> set[tuple[str, int, str]]:
    return set(
        TimelineEntry.objects.filter(ref_type="tasks", ref_id=task.pk).values_list(
            "subject_type", "subject_id", "kind"
        )
    )


def test_create_assigns_the_actor_audits_and_shows_on_the_timelines(rep, account, contact):
    task = task_create(
        actor=rep,
        data={
            "title": "发送报价单",
            "kind": "follow_up",
            "due_at": NOW + timedelta(days=1),
            "contact_id": contact.pk,
        },
    )

    assert task.assignee_id == rep.user_id
    assert task.status == "open"
    assert task.account_id == account.pk
    event = AuditEvent.objects.get(action="task.create", object_id=str(task.pk))
    assert event.changes["title"] == [None, "发送报价单"]
    assert entries(task) == {
        ("accounts", account.pk, "task.created"),
        ("contacts", contact.pk, "task.created"),
    }


def test_create_needs_a_title_and_a_due_time(rep):
    with pytest.raises(ValidationFailed) as caught:
        task_create(actor=rep, data={"title": " "})

    assert caught.value.fields == {
        "title": ["This field is required."],
        "due_at": ["This field is required."],
    }
    assert not Task.objects.exists()


def test_assigning_to_someone_else_needs_assign(workspace, rep):
    colleague = make_member(workspace, "sales_rep")

    with pytest.raises(PermissionDenied):
        task_create(actor=rep, data={"title": "x", "due_at": NOW, "assignee_id": colleague.user_id})


def test_a_manager_assigns_to_an_active_member_only(workspace):
    manager = make_member(workspace, "sales_manager")
    gone = make_member(workspace, "sales_rep")
    gone.is_active = False
    gone.save()

    with pytest.raises(ValidationFailed) as caught:
        task_create(actor=manager, data={"title": "x", "due_at": NOW, "assignee_id": gone.user_id})

    assert list(caught.value.fields) == ["assignee_id"]


def test_complete_sets_completed_and_adds_a_completed_entry(rep, account):
    task = task_create(actor=rep, data={"title": "回访", "due_at": NOW, "account_id": account.pk})

    task_complete(actor=rep, task=task, now=NOW)

    task.refresh_from_db()
    assert (task.status, task.completed_at, task.completed_by_id) == ("done", NOW, rep.user_id)
    assert task.version == 2
    assert entries(task) == {
        ("accounts", account.pk, "task.created"),
        ("accounts", account.pk, "task.completed"),
    }
    assert AuditEvent.objects.get(action="task.complete").changes == {"status": ["open", "done"]}


def test_completing_twice_writes_once(rep, account):
    task = task_create(actor=rep, data={"title": "回访", "due_at": NOW, "account_id": account.pk})
    stale_copy = Task.objects.get(pk=task.pk)
    task_complete(actor=rep, task=task, now=NOW)

    task_complete(actor=rep, task=stale_copy, now=NOW + timedelta(minutes=1))

    assert AuditEvent.objects.filter(action="task.complete").count() == 1
    stale_copy.refresh_from_db()
    assert stale_copy.completed_at == NOW


def test_reopen_removes_the_completed_entry(rep, account):
    task = task_create(actor=rep, data={"title": "回访", "due_at": NOW, "account_id": account.pk})
    task_complete(actor=rep, task=task, now=NOW)

    task_reopen(actor=rep, task=task)

    task.refresh_from_db()
    assert (task.status, task.completed_at, task.completed_by_id) == ("open", None, None)
    assert entries(task) == {("accounts", account.pk, "task.created")}


def test_update_with_new_reminder_time_resets_the_reminder(rep):
    task = task_create(
        actor=rep, data={"title": "x", "due_at": NOW, "remind_at": NOW - timedelta(hours=1)}
    )
    Task.objects.filter(pk=task.pk).update(reminded_at=NOW)
    task.refresh_from_db()

    task_update(
        actor=rep, task=task, data={"remind_at": NOW + timedelta(hours=1)}, version=task.version
    )

    task.refresh_from_db()
    assert task.reminded_at is None
    assert task.remind_at == NOW + timedelta(hours=1)


def test_update_with_stale_version_is_refused(rep):
    task = task_create(actor=rep, data={"title": "x", "due_at": NOW})

    with pytest.raises(StaleVersion):
        task_update(actor=rep, task=task, data={"title": "y"}, version=7)

    task.refresh_from_db()
    assert task.title == "x"


def test_update_to_cancelled_keeps_no_completion(rep):
    task = task_create(actor=rep, data={"title": "x", "due_at": NOW})

    task_update(actor=rep, task=task, data={"status": "cancelled"}, version=task.version)

    task.refresh_from_db()
    assert (task.status, task.completed_at) == ("cancelled", None)


def test_delete_is_soft_and_leaves_the_timelines(rep, account):
    task = task_create(actor=rep, data={"title": "x", "due_at": NOW, "account_id": account.pk})

    task_delete(actor=rep, task=task)

    task.refresh_from_db()
    assert task.deleted_at is not None
    assert entries(task) == set()


def test_service_agent_may_not_delete(workspace, rep):
    task = task_create(actor=rep, data={"title": "x", "due_at": NOW})
    agent = make_member(workspace, "service_agent")

    with pytest.raises(PermissionDenied):
        task_delete(actor=agent, task=task)

    task.refresh_from_db()
    assert task.deleted_at is None
