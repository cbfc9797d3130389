"""My day, the activity and task pages and their lists."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from guanxi.activities.models import Activity, Task
from guanxi.activities.services.activities import activity_log
from guanxi.activities.services.tasks import task_create
from guanxi.core.models import AuditEvent, Membership
from tests.factories import make_member
from tests.helpers import assert_max_queries

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def signed_in(member: Membership) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


def test_my_day_is_in_the_sidebar_for_members_with_tasks(workspace):
    member = make_member(workspace, "sales_rep")
    nobody = make_member(workspace, "", permissions={}, data_scope="all")

    html = signed_in(member).get("/").content.decode()

    assert 'href="/my-day/"' in html
    assert 'href="/my-day/"' not in signed_in(nobody).get("/").content.decode()


def test_my_day_shows_overdue_in_red_today_and_upcoming(rep, account):
    now = timezone.now()
    task_create(
        actor=rep,
        data={"title": "迟了", "due_at": now - timedelta(days=1), "account_id": account.pk},
    )
    task_create(actor=rep, data={"title": "下周", "due_at": now + timedelta(days=3)})

    response = signed_in(rep).get("/my-day/")

    html = response.content.decode()
    assert response.status_code == 200
    overdue = html[
        html.index('data-testid="my-day-overdue"') : html.index('data-testid="my-day-today"')
    ]
    assert "迟了" in overdue and "text-danger" in overdue and "华为技术有限公司" in overdue
    assert "下周" in html[html.index('data-testid="my-day-upcoming"') :]


def test_my_day_completes_a_task_inline(rep):
    task = task_create(actor=rep, data={"title": "打电话", "due_at": timezone.now()})

    response = signed_in(rep).post(f"/tasks/{task.pk}/complete/", {"render": "my-day"}, **HTMX)

    assert response.status_code == 200
    assert 'id="my-day-lists"' in response.content.decode()
    assert "打电话" not in response.content.decode()
    task.refresh_from_db()
    assert task.status == "done"


def test_my_day_query_count_is_bounded(rep, account):
    for i in range(15):
        task_create(
            actor=rep,
            data={
                "title": f"t{i}",
                "due_at": timezone.now() + timedelta(hours=i - 5),
                "account_id": account.pk,
            },
        )
    client = signed_in(rep)
    client.get("/my-day/")

    with assert_max_queries(20):
        assert client.get("/my-day/").status_code == 200


def test_activity_page_shows_the_sanitized_body(rep, account):
    activity = activity_log(
        actor=rep,
        data={
            "type": "email",
            "body_format": "html",
            "body": "<p>你好<script>x()</script></p>",
            "account_id": account.pk,
        },
    )

    html = signed_in(rep).get(f"/activities/{activity.pk}/").content.decode()

    assert (
        '<div class="card-body gx-activity-body" data-testid="activity-body"><p>你好</p></div>'
        in html
    )
    assert "<script>x()" not in html  # the edit box shows what was typed, escaped


def test_activity_page_saves_an_edit(rep, account):
    activity = activity_log(actor=rep, data={"type": "call", "account_id": account.pk})

    response = signed_in(rep).post(
        f"/activities/{activity.pk}/",
        {
            "type": "meeting",
            "subject": "方案评审",
            "body": "- 第一点",
            "body_format": "markdown",
            "occurred_at": "2025-03-10T15:00",
            "version": 1,
        },
    )

    assert response.status_code == 302
    activity.refresh_from_db()
    assert (activity.type, activity.subject, activity.version) == ("meeting", "方案评审", 2)
    assert activity.body == "<ul>\n<li>第一点</li>\n</ul>"


def test_activity_page_with_a_stale_version_shows_409(rep, account):
    activity = activity_log(actor=rep, data={"type": "call", "account_id": account.pk})
    Activity.objects.filter(pk=activity.pk).update(version=2)

    response = signed_in(rep).post(
        f"/activities/{activity.pk}/",
        {
            "type": "call",
            "subject": "x",
            "body_format": "markdown",
            "occurred_at": "2025-03-10T15:00",
            "version": 1,
        },
    )

    assert response.status_code == 409
    assert "Someone else changed this record." in response.content.decode()
    activity.refresh_from_db()
    assert activity.subject == ""


def test_someone_elses_activity_page_is_404_for_a_rep(workspace, rep):
    theirs = activity_log(actor=make_member(workspace, "sales_rep"), data={"type": "call"})

    assert signed_in(rep).get(f"/activities/{theirs.pk}/").status_code == 404


def test_delete_an_activity_from_its_page(rep, account):
    activity = activity_log(actor=rep, data={"type": "call", "account_id": account.pk})

    response = signed_in(rep).post(f"/activities/{activity.pk}/delete/")

    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.deleted_at is not None
    assert AuditEvent.objects.filter(action="activity.delete").exists()


def test_activity_list_shows_ones_own(workspace, rep, account):
    activity_log(actor=rep, data={"type": "visit", "subject": "上门拜访", "account_id": account.pk})
    activity_log(
        actor=make_member(workspace, "sales_rep"), data={"type": "call", "subject": "别人的"}
    )

    html = signed_in(rep).get("/activities/").content.decode()

    assert "上门拜访" in html
    assert "别人的" not in html


def test_task_page_saves_an_edit_and_reminder(rep):
    task = task_create(actor=rep, data={"title": "x", "due_at": timezone.now()})

    response = signed_in(rep).post(
        f"/tasks/{task.pk}/",
        {
            "title": "准备演示",
            "kind": "task",
            "priority": "urgent",
            "due_at": "2025-03-12T10:00",
            "remind_at": "2025-03-12T09:00",
            "remind_by_email": "on",
            "version": 1,
        },
    )

    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.title, task.priority, task.remind_by_email) == ("准备演示", "urgent", True)
    assert task.remind_at.isoformat() == "2025-03-12T01:00:00+00:00"
    assert task.assignee_id == rep.user_id


def test_task_page_complete_then_reopen(rep):
    task = task_create(actor=rep, data={"title": "x", "due_at": timezone.now()})
    client = signed_in(rep)

    client.post(f"/tasks/{task.pk}/complete/")
    task.refresh_from_db()
    assert task.status == "done"

    client.post(f"/tasks/{task.pk}/reopen/")
    task.refresh_from_db()
    assert task.status == "open"


def test_task_list_defaults_to_my_open_tasks(workspace, rep):
    task_create(actor=rep, data={"title": "我的任务", "due_at": timezone.now()})
    done = task_create(actor=rep, data={"title": "做完了", "due_at": timezone.now()})
    done.status, done.completed_at = "done", timezone.now()
    done.save()

    html = signed_in(rep).get("/tasks/").content.decode()

    assert "我的任务" in html
    assert "做完了" not in html


def test_task_list_filter_through_htmx_answers_the_list(rep):
    task_create(actor=rep, data={"title": "甲", "due_at": timezone.now()})
    task_create(actor=rep, data={"title": "乙", "due_at": timezone.now()})

    response = signed_in(rep).get("/tasks/", {"q": "甲", "status": "", "mine": "1"}, **HTMX)

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="tasks-list"')
    assert "甲" in html and "乙" not in html


def test_delete_a_task_from_its_page(rep):
    task = task_create(actor=rep, data={"title": "x", "due_at": timezone.now()})

    signed_in(rep).post(f"/tasks/{task.pk}/delete/")

    assert Task.objects.get(pk=task.pk).deleted_at is not None
