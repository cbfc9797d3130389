"""Every write through the API leaves exactly one audit event; /audit-events shows them to admins
of the token's workspace only, filtered and paged by keyset."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from guanxi.core.models import AuditEvent, Team
from tests.conftest import api_for
from tests.factories import make_member, role

pytestmark = pytest.mark.django_db


def only_new_event(before_id: int) -> AuditEvent:
    events = list(AuditEvent.objects.filter(id__gt=before_id))
    assert len(events) == 1, [(e.action, e.object_type, e.object_id) for e in events]
    return events[0]


@pytest.fixture
def last_event_id(admin_api):
    # The token's own creation is audited; count from after it.
    return lambda: AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def assert_event(event, admin, action, object_type, object_id, changes):
    assert event.workspace_id == admin.workspace_id
    assert event.actor_id == admin.user_id
    assert event.actor_label == admin.user.email
    assert event.action == action
    assert event.object_type == object_type
    assert event.object_id == str(object_id)
    assert event.changes == changes
    assert event.request_id  # ties the event to the request's log lines


def test_team_create_patch_delete_each_write_one_event(admin, admin_api, last_event_id):
    parent = Team.objects.create(workspace=admin.workspace, name="总部")

    start = last_event_id()
    team_id = admin_api.post("/teams", {"name": "华东区"}).json()["id"]
    assert_event(
        only_new_event(start),
        admin,
        "team.create",
        "teams",
        team_id,
        {"name": [None, "华东区"]},
    )

    start = last_event_id()
    patched = admin_api.patch(
        f"/teams/{team_id}", {"version": 1, "name": "华东大区", "parent_id": parent.pk}
    )
    assert patched.status_code == 200
    assert_event(
        only_new_event(start),
        admin,
        "team.update",
        "teams",
        team_id,
        {"name": ["华东区", "华东大区"], "parent": [None, parent.pk]},
    )

    start = last_event_id()
    assert admin_api.delete(f"/teams/{team_id}").status_code == 204
    assert_event(
        only_new_event(start), admin, "team.delete", "teams", team_id, {"name": ["华东大区", None]}
    )


def test_role_create_patch_delete_each_write_one_event(admin, admin_api, last_event_id):
    start = last_event_id()
    created = admin_api.post(
        "/roles", {"name": "审批员", "data_scope": "team", "permissions": {"teams": ["view"]}}
    )
    assert created.status_code == 201
    role_id = created.json()["id"]
    assert_event(
        only_new_event(start),
        admin,
        "role.create",
        "roles",
        role_id,
        {
            "name": [None, "审批员"],
            "data_scope": [None, "team"],
            "permissions": [None, {"teams": ["view"]}],
        },
    )

    start = last_event_id()
    admin_api.patch(f"/roles/{role_id}", {"version": 1, "data_scope": "all"})
    assert_event(
        only_new_event(start),
        admin,
        "role.update",
        "roles",
        role_id,
        {"data_scope": ["team", "all"]},
    )

    start = last_event_id()
    assert admin_api.delete(f"/roles/{role_id}").status_code == 204
    assert_event(
        only_new_event(start), admin, "role.delete", "roles", role_id, {"name": ["审批员", None]}
    )


def test_user_patch_writes_one_event(workspace, admin, admin_api, last_event_id):
    rep = make_member(workspace, "sales_rep")
    team = Team.objects.create(workspace=workspace, name="华北区")

    start = last_event_id()
    response = admin_api.patch(
        f"/users/{rep.user_id}",
        {
            "version": 1,
            "title": "经理",
            "team_id": team.pk,
            "role_id": role(workspace, "read_only").pk,
        },
    )

    assert response.status_code == 200
    assert_event(
        only_new_event(start),
        admin,
        "member.update",
        "members",
        rep.pk,
        {
            "title": ["", "经理"],
            "team": [None, team.pk],
            "role": [role(workspace, "sales_rep").pk, role(workspace, "read_only").pk],
        },
    )


def test_refused_and_no_op_writes_write_no_event(workspace, admin, admin_api, last_event_id):
    team = Team.objects.create(workspace=workspace, name="A")
    read_only_api = api_for(make_member(workspace, "read_only"))
    start = last_event_id()

    admin_api.patch(f"/teams/{team.pk}", {"version": 9, "name": "B"})  # stale
    admin_api.patch(f"/teams/{team.pk}", {"version": 1, "name": "A"})  # nothing changes
    admin_api.post("/teams", {"name": ""})  # invalid
    read_only_api.post("/teams", {"name": "C"})  # forbidden

    assert not AuditEvent.objects.filter(id__gt=start).exists()


# --- /audit-events ---------------------------------------------------------------------------------


def test_audit_list_shows_only_the_tokens_workspace(admin, admin_api, other_workspace):
    AuditEvent.objects.create(workspace=other_workspace, action="team.create", object_type="teams")
    mine = AuditEvent.objects.create(workspace=admin.workspace, action="x.y", object_type="teams")

    items = admin_api.get("/audit-events", limit=200).json()["items"]

    ids = {item["id"] for item in items}
    assert mine.pk in ids
    assert ids == set(
        AuditEvent.objects.filter(workspace=admin.workspace).values_list("id", flat=True)
    )


def test_audit_detail_of_another_workspace_is_404(admin_api, other_workspace):
    theirs = AuditEvent.objects.create(workspace=other_workspace, action="x", object_type="teams")
    assert admin_api.get(f"/audit-events/{theirs.pk}").status_code == 404


@pytest.mark.parametrize("role_key", ["sales_manager", "sales_rep", "service_agent", "read_only"])
def test_audit_log_is_for_admins_only(workspace, role_key):
    event = AuditEvent.objects.create(workspace=workspace, action="x", object_type="teams")
    api = api_for(make_member(workspace, role_key))

    assert api.get("/audit-events").status_code == 403
    assert api.get(f"/audit-events/{event.pk}").status_code == 403


def test_owner_sees_the_audit_log(owner):
    assert api_for(owner).get("/audit-events").status_code == 200


def test_audit_filters(workspace, admin, admin_api):
    rep = make_member(workspace, "sales_rep")
    now = timezone.now()
    AuditEvent.objects.all().delete()
    a = AuditEvent.objects.create(
        workspace=workspace,
        action="team.create",
        object_type="teams",
        object_id="1",
        actor=admin.user,
        created_at=now - timedelta(days=2),
    )
    b = AuditEvent.objects.create(
        workspace=workspace,
        action="team.update",
        object_type="teams",
        object_id="1",
        actor=rep.user,
        created_at=now - timedelta(days=1),
    )
    c = AuditEvent.objects.create(
        workspace=workspace,
        action="role.create",
        object_type="roles",
        object_id="7",
        actor=admin.user,
        created_at=now,
    )

    def ids(**params):
        response = admin_api.get("/audit-events", **params)
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["items"]]

    assert ids() == [c.pk, b.pk, a.pk]
    assert ids(action="team.") == [b.pk, a.pk]
    assert ids(action="team.update") == [b.pk]
    assert ids(object_type="roles") == [c.pk]
    assert ids(object_type="teams", object_id="1") == [b.pk, a.pk]
    assert ids(actor_id=rep.user_id) == [b.pk]
    assert ids(since=(now - timedelta(hours=36)).isoformat()) == [c.pk, b.pk]
    assert ids(until=(now - timedelta(hours=12)).isoformat()) == [b.pk, a.pk]
    assert admin_api.get("/audit-events", since="yesterday").status_code == 422


def test_audit_pages_have_no_duplicates_or_gaps(workspace, admin_api):
    AuditEvent.objects.all().delete()
    same_time = timezone.now()
    # Half share one timestamp, so the id tie-breaker in the keyset is exercised.
    AuditEvent.objects.bulk_create(
        AuditEvent(
            workspace=workspace,
            action="bulk.test",
            object_type="teams",
            object_id=str(i),
            created_at=same_time if i % 2 else same_time - timedelta(seconds=i),
        )
        for i in range(120)
    )
    expected = list(
        AuditEvent.objects.filter(workspace=workspace)
        .order_by("-created_at", "-id")
        .values_list("id", flat=True)
    )

    pages, cursor = [], None
    while True:
        params = {"limit": 50, **({"cursor": cursor} if cursor else {})}
        body = admin_api.get("/audit-events", **params).json()
        pages.append([item["id"] for item in body["items"]])
        cursor = body["next_cursor"]
        if cursor is None:
            break

    assert [len(page) for page in pages] == [50, 50, 20]
    assert [i for page in pages for i in page] == expected
