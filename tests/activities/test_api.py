"""/api/v1/activities and /api/v1/tasks: shapes, filters, errors, data scope, hidden fields and
query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from guanxi.activities.models import Activity, Task
from guanxi.activities.services.activities import activity_log
from guanxi.activities.services.tasks import task_create
from guanxi.core.models import AuditEvent, TimelineEntry
from tests.conftest import api_for
from tests.factories import make_member
from tests.helpers import assert_list_queries

pytestmark = pytest.mark.django_db

LIST_QUERY_LIMIT = 12


@pytest.fixture
def rep_api(rep):
    return api_for(rep)


# --- Activities ------------------------------------------------------------------------------------


def test_post_logs_an_activity_and_answers_201_with_it(rep_api, rep, account, contact):
    response = rep_api.post(
        "/activities",
        {
            "type": "call",
            "subject": "确认报价",
            "body": "客户同意 **九折**",
            "occurred_at": "2025-03-10T10:00:00+08:00",
            "duration_minutes": 15,
            "direction": "outbound",
            "outcome": "connected",
            "contact_id": contact.pk,
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    activity = Activity.objects.get()
    assert body["id"] == activity.pk
    assert body["type"] == "call"
    assert body["body"] == "<p>客户同意 <strong>九折</strong></p>"
    assert body["body_text"] == "客户同意 九折"
    assert body["body_format"] == "markdown"
    assert body["occurred_at"] == "2025-03-10T02:00:00Z"
    assert (body["account_id"], body["contact_id"]) == (account.pk, contact.pk)
    assert body["owner_id"] == rep.user_id
    assert body["version"] == 1
    assert {"created_at", "updated_at"} <= set(body)
    assert TimelineEntry.objects.filter(ref_type="activities", ref_id=activity.pk).count() == 2


def test_post_with_bad_values_answers_422_naming_the_fields(rep_api, account):
    response = rep_api.post(
        "/activities", {"type": "telegram", "account_id": account.pk, "duration_minutes": -1}
    )

    assert response.status_code == 422
    fields = response.json()["error"]["fields"]
    assert set(fields) == {"type", "duration_minutes"}
    assert not Activity.objects.exists()


def test_post_with_an_unknown_field_answers_422(rep_api):
    response = rep_api.post("/activities", {"type": "call", "owner": 1})

    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {"owner": ["Unknown field."]}


def test_read_only_role_cannot_log(workspace, account):
    api = api_for(make_member(workspace, "read_only"))

    response = api.post("/activities", {"type": "call", "account_id": account.pk})

    assert response.status_code == 403
    assert not Activity.objects.exists()


def test_a_sales_rep_lists_only_their_own_activities(workspace, rep, rep_api, account):
    mine = activity_log(actor=rep, data={"type": "call", "account_id": account.pk})
    colleague = make_member(workspace, "sales_rep")
    theirs = activity_log(actor=colleague, data={"type": "call"})

    listed = rep_api.get("/activities").json()["items"]
    refused = rep_api.get(f"/activities/{theirs.pk}")

    assert [item["id"] for item in listed] == [mine.pk]
    assert refused.status_code == 404


def test_a_manager_sees_the_team(workspace, account):
    from tests.factories import TeamFactory

    team = TeamFactory(workspace=workspace)
    manager = make_member(workspace, "sales_manager", team=team)
    member = make_member(workspace, "sales_rep", team=team)
    outsider = make_member(workspace, "sales_rep")
    team_activity = activity_log(actor=member, data={"type": "call"})
    activity_log(actor=outsider, data={"type": "call"})

    listed = api_for(manager).get("/activities").json()["items"]

    assert [item["id"] for item in listed] == [team_activity.pk]


def test_another_workspaces_activity_is_404_and_unchanged(rep_api, other_workspace):
    theirs = activity_log(actor=make_member(other_workspace, "owner"), data={"type": "call"})

    response = rep_api.patch(f"/activities/{theirs.pk}", {"version": 1, "subject": "x"})

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.subject == ""


def test_list_filters(rep, rep_api, account, lone_contact):
    now = timezone.now()
    call = activity_log(
        actor=rep,
        data={"type": "call", "subject": "报价", "account_id": account.pk, "occurred_at": now},
    )
    activity_log(
        actor=rep,
        data={
            "type": "visit",
            "contact_id": lone_contact.pk,
            "occurred_at": now - timedelta(days=9),
        },
    )

    def ids(**params):
        response = rep_api.get("/activities", **params)
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["items"]]

    assert ids(type="call") == [call.pk]
    assert ids(account_id=account.pk) == [call.pk]
    assert ids(q="报") == [call.pk]
    assert ids(occurred_after=(now - timedelta(days=1)).isoformat()) == [call.pk]
    assert len(ids(contact_id=lone_contact.pk)) == 1
    assert ids(owner_id=rep.user_id, sort="occurred_at")[-1] == call.pk


def test_list_with_an_unknown_sort_is_422(rep_api):
    response = rep_api.get("/activities", sort="subject")

    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["sort"]


def test_patch_changes_and_bumps_the_version(rep, rep_api, account):
    activity = activity_log(actor=rep, data={"type": "call", "account_id": account.pk})

    response = rep_api.patch(
        f"/activities/{activity.pk}",
        {"version": 1, "outcome": "no_answer", "participant_user_ids": [rep.user_id]},
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["outcome"], body["version"]) == ("no_answer", 2)
    assert body["participant_user_ids"] == [rep.user_id]


def test_patch_with_a_stale_version_is_409_and_changes_nothing(rep, rep_api, account):
    activity = activity_log(actor=rep, data={"type": "call", "account_id": account.pk})
    rep_api.patch(f"/activities/{activity.pk}", {"version": 1, "subject": "first"})

    response = rep_api.patch(f"/activities/{activity.pk}", {"version": 1, "subject": "second"})

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "stale_version"
    activity.refresh_from_db()
    assert activity.subject == "first"


def test_patch_needs_a_version(rep, rep_api):
    activity = activity_log(actor=rep, data={"type": "call"})

    response = rep_api.patch(f"/activities/{activity.pk}", {"subject": "x"})

    assert response.status_code == 422
    assert "version" in response.json()["error"]["fields"]


def test_patch_refuses_explicit_null_type(rep, rep_api):
    activity = activity_log(actor=rep, data={"type": "call"})

    response = rep_api.patch(f"/activities/{activity.pk}", {"version": 1, "type": None})

    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["type"]


def test_delete_answers_204_and_is_soft(rep, rep_api, account):
    activity = activity_log(actor=rep, data={"type": "call", "account_id": account.pk})

    response = rep_api.delete(f"/activities/{activity.pk}")

    assert response.status_code == 204
    activity.refresh_from_db()
    assert activity.deleted_at is not None
    assert rep_api.get(f"/activities/{activity.pk}").status_code == 404
    assert rep_api.get("/activities").json()["items"] == []


def test_hidden_fields_are_left_out_and_cannot_be_written(workspace, rep, account):
    activity = activity_log(
        actor=rep,
        data={
            "type": "visit",
            "body": "底价 80 万",
            "location_name": "深圳",
            "account_id": account.pk,
        },
    )
    member = make_member(workspace, "admin", hidden_fields={"activities": ["body", "location"]})
    api = api_for(member)

    shown = api.get(f"/activities/{activity.pk}").json()
    refused = api.patch(f"/activities/{activity.pk}", {"version": 1, "body": "changed"})

    assert not {"body", "body_text", "body_source", "location_name", "latitude"} & set(shown)
    assert shown["type"] == "visit"
    assert refused.status_code == 403
    assert list(refused.json()["error"]["fields"]) == ["body"]
    activity.refresh_from_db()
    assert activity.body_text == "底价 80 万"


def test_activity_list_queries_are_flat(workspace, rep, rep_api, account, lone_contact):
    colleague = make_member(workspace, "sales_rep")

    def add(n):
        for i in range(n):
            activity_log(
                actor=rep,
                data={
                    "type": "meeting",
                    "subject": f"会议 {i}",
                    "account_id": account.pk,
                    "participant_user_ids": [colleague.user_id],
                    "participant_contact_ids": [lone_contact.pk],
                },
            )

    def fetch():
        response = rep_api.get("/activities", limit=200)
        assert response.status_code == 200, response.content
        assert response.json()["items"]

    assert_list_queries(fetch, add, limit=LIST_QUERY_LIMIT)


# --- Tasks -----------------------------------------------------------------------------------------


def test_post_creates_a_task(rep, rep_api, account):
    response = rep_api.post(
        "/tasks",
        {
            "title": "寄样品",
            "due_at": "2025-03-12T09:00:00+08:00",
            "kind": "follow_up",
            "priority": "high",
            "remind_at": "2025-03-12T08:30:00+08:00",
            "remind_by_email": True,
            "account_id": account.pk,
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["assignee_id"] == rep.user_id
    assert (body["status"], body["kind"], body["priority"]) == ("open", "follow_up", "high")
    assert body["due_at"] == "2025-03-12T01:00:00Z"
    assert body["remind_by_email"] is True
    assert AuditEvent.objects.filter(action="task.create", object_id=str(body["id"])).exists()


def test_post_without_due_is_422(rep_api):
    response = rep_api.post("/tasks", {"title": "x"})

    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["due_at"]


def test_complete_and_reopen(rep, rep_api):
    task = task_create(actor=rep, data={"title": "x", "due_at": timezone.now()})

    done = rep_api.post(f"/tasks/{task.pk}/complete")
    reopened = rep_api.post(f"/tasks/{task.pk}/reopen")

    assert done.status_code == 200, done.content
    assert done.json()["status"] == "done"
    assert done.json()["completed_at"] is not None
    assert reopened.json()["status"] == "open"
    assert reopened.json()["version"] == 3


def test_read_only_cannot_complete(workspace, rep):
    task = task_create(actor=rep, data={"title": "x", "due_at": timezone.now()})

    response = api_for(make_member(workspace, "read_only")).post(f"/tasks/{task.pk}/complete")

    assert response.status_code == 403
    task.refresh_from_db()
    assert task.status == "open"


def test_task_filters(workspace, rep, rep_api, account):
    now = timezone.now()
    soon = task_create(
        actor=rep,
        data={"title": "soon", "due_at": now + timedelta(hours=1), "account_id": account.pk},
    )
    later = task_create(actor=rep, data={"title": "later", "due_at": now + timedelta(days=3)})
    rep_api.post(f"/tasks/{later.pk}/complete")

    def ids(**params):
        response = rep_api.get("/tasks", **params)
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["items"]]

    assert ids() == [soon.pk, later.pk]
    assert ids(status="open") == [soon.pk]
    assert ids(account_id=account.pk) == [soon.pk]
    assert ids(due_before=(now + timedelta(days=1)).isoformat()) == [soon.pk]
    assert ids(assignee_id=rep.user_id, sort="-due_at") == [later.pk, soon.pk]


def test_a_rep_sees_only_tasks_assigned_to_them(workspace, rep, rep_api):
    manager = make_member(workspace, "sales_manager")
    theirs = task_create(actor=manager, data={"title": "manager's", "due_at": timezone.now()})
    mine = task_create(
        actor=manager,
        data={"title": "for the rep", "due_at": timezone.now(), "assignee_id": rep.user_id},
    )

    listed = [item["id"] for item in rep_api.get("/tasks").json()["items"]]

    assert listed == [mine.pk]
    assert rep_api.get(f"/tasks/{theirs.pk}").status_code == 404


def test_task_patch_409_when_stale(rep, rep_api):
    task = task_create(actor=rep, data={"title": "x", "due_at": timezone.now()})
    Task.objects.filter(pk=task.pk).update(version=3)

    response = rep_api.patch(f"/tasks/{task.pk}", {"version": 1, "title": "y"})

    assert response.status_code == 409
    task.refresh_from_db()
    assert task.title == "x"


def test_task_delete_is_204(rep, rep_api):
    task = task_create(actor=rep, data={"title": "x", "due_at": timezone.now()})

    response = rep_api.delete(f"/tasks/{task.pk}")

    assert response.status_code == 204
    assert Task.objects.get(pk=task.pk).deleted_at is not None


def test_task_list_queries_are_flat(rep, rep_api, account, contact):
    def add(n):
        for i in range(n):
            task_create(
                actor=rep,
                data={"title": f"t{i}", "due_at": timezone.now(), "contact_id": contact.pk},
            )

    def fetch():
        response = rep_api.get("/tasks", limit=200)
        assert response.status_code == 200, response.content
        assert response.json()["items"]

    assert_list_queries(fetch, add, limit=LIST_QUERY_LIMIT)
