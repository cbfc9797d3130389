"""Audit log page: readable table in the workspace's time zone, filters, keyset pagination and
the CSV export (formula neutralization, UTF-8 BOM, itself audited)."""

import csv
import io
import re
from datetime import UTC, datetime

import pytest
from django.test import Client

from guanxi.core.models import AuditEvent, Membership, Workspace
from tests.factories import TeamFactory, make_member, role
from tests.helpers import assert_list_queries

pytestmark = pytest.mark.django_db


def signed_in(member: Membership, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(member.user)
    return client


def event(workspace, action="team.update", at=None, **kwargs) -> AuditEvent:
    return AuditEvent.objects.create(
        workspace=workspace,
        action=action,
        created_at=at or datetime(2026, 3, 1, 12, tzinfo=UTC),
        **kwargs,
    )


def rows(response) -> int:
    return response.content.decode().count('data-testid="audit-row"')


def export_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_audit_page_shows_time_in_workspace_zone_and_readable_changes(admin, other_workspace):
    Workspace.objects.filter(pk=admin.workspace_id).update(time_zone="Asia/Shanghai")
    rep_role, manager_role = (
        role(admin.workspace, "sales_rep"),
        role(admin.workspace, "sales_manager"),
    )
    event(
        admin.workspace,
        action="member.update",
        at=datetime(2026, 1, 1, 0, 0, tzinfo=UTC),
        actor=admin.user,
        actor_label=admin.user.email,
        object_type="members",
        object_id="9",
        object_label="lilei@example.com",
        changes={
            "role": [rep_role.pk, manager_role.pk],
            "is_active": [True, False],
            "title": ["", "经理"],
        },
    )
    event(other_workspace, action="secret.thing", object_label="not yours")
    html = signed_in(admin).get("/settings/audit/").content.decode()
    assert "2026-01-01 08:00:00" in html
    assert "Time (Asia/Shanghai)" in html
    assert "lilei@example.com" in html and "Members" in html
    assert re.search(
        r"role</span>:\s*<span[^>]*>Sales rep</span> → <span[^>]*>Sales manager</span>", html
    )
    assert re.search(r"is_active</span>:\s*<span[^>]*>Yes</span> → <span[^>]*>No</span>", html)
    assert re.search(r"title</span>:\s*<span[^>]*>—</span> → <span[^>]*>经理</span>", html)
    assert "secret.thing" not in html and "not yours" not in html


def test_audit_filters_by_action_prefix_type_actor_and_dates(admin):
    other = make_member(admin.workspace, "admin")
    event(
        admin.workspace,
        "team.create",
        object_type="teams",
        actor=admin.user,
        at=datetime(2026, 3, 1, 12, tzinfo=UTC),
    )
    event(
        admin.workspace,
        "team.delete",
        object_type="teams",
        actor=other.user,
        at=datetime(2026, 3, 5, 12, tzinfo=UTC),
    )
    event(
        admin.workspace,
        "role.update",
        object_type="roles",
        actor=admin.user,
        at=datetime(2026, 3, 9, 12, tzinfo=UTC),
    )
    client = signed_in(admin)
    assert rows(client.get("/settings/audit/", {"action": "team."})) == 2
    assert rows(client.get("/settings/audit/", {"object_type": "roles"})) == 1
    assert rows(client.get("/settings/audit/", {"actor": other.user_id})) == 1
    assert rows(client.get("/settings/audit/", {"since": "2026-03-05", "until": "2026-03-09"})) == 2
    assert rows(client.get("/settings/audit/", {"until": "2026-03-01"})) == 1
    partial = client.get("/settings/audit/", {"action": "role."}, HTTP_HX_REQUEST="true")
    assert "<html" not in partial.content.decode() and rows(partial) == 1


def test_audit_load_more_uses_keyset_cursor(admin):
    for index in range(60):
        event(admin.workspace, f"bulk.{index:02d}", at=datetime(2026, 3, 1, 12, index, tzinfo=UTC))
    client = signed_in(admin)
    first = client.get("/settings/audit/", {"action": "bulk."})
    assert rows(first) == 50
    assert "bulk.59" in first.content.decode() and "bulk.09" not in first.content.decode()
    url = re.search(r'hx-get="([^"]+)"', first.content.decode().split('data-testid="load-more"')[1])
    more = client.get(
        "/settings/audit/" + url.group(1).replace("&amp;", "&"), HTTP_HX_REQUEST="true"
    )
    assert rows(more) == 10
    assert "bulk.09" in more.content.decode() and "bulk.10" not in more.content.decode()


def test_audit_list_queries_do_not_grow_with_rows(admin):
    client = signed_in(admin)
    team = TeamFactory(workspace=admin.workspace)

    def fetch():
        assert client.get("/settings/audit/").status_code == 200

    def add_rows(n):
        for _ in range(n):
            event(
                admin.workspace,
                actor=admin.user,
                object_type="teams",
                changes={"parent": [None, team.pk]},
            )

    fetch()
    assert_list_queries(fetch, add_rows, limit=10)


def test_audit_page_403_without_permission(workspace):
    rep = make_member(workspace, "sales_rep")
    client = signed_in(rep)
    assert client.get("/settings/audit/").status_code == 403
    assert client.get("/settings/audit/export/").status_code == 403


def test_export_needs_export_permission_and_records_nothing_without_it(workspace):
    viewer = make_member(workspace, "", permissions={"audit_events": ["view"]})
    client = signed_in(viewer)
    assert client.get("/settings/audit/").status_code == 200
    assert client.get("/settings/audit/export/").status_code == 403
    assert not AuditEvent.objects.filter(action="audit.export").exists()


def test_export_csv_neutralizes_formulas_has_bom_and_is_audited(admin, other_workspace):
    Workspace.objects.filter(pk=admin.workspace_id).update(time_zone="Asia/Shanghai")
    event(
        admin.workspace,
        "team.create",
        at=datetime(2026, 1, 1, 0, 0, tzinfo=UTC),
        actor_label='=HYPERLINK("http://evil")',
        object_type="teams",
        object_id="7",
        object_label="+华东区",
        changes={"name": [None, "-1"]},
    )
    event(
        admin.workspace,
        "team.delete",
        at=datetime(2026, 1, 2, 0, 0, tzinfo=UTC),
        actor_label="@SUM(A1)",
        object_label="\tTabbed",
        ip="10.0.0.1",
    )
    event(other_workspace, "other.thing", object_label="not yours")
    response = signed_in(admin).get("/settings/audit/export/", {"action": "team."})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-log-')
    table = export_rows(response)
    assert table[0] == [
        "Time",
        "Actor",
        "Action",
        "Object type",
        "Object ID",
        "Object",
        "Changes",
        "IP address",
        "Request ID",
    ]
    assert table[1] == [
        "2026-01-02T08:00:00+08:00",
        "'@SUM(A1)",
        "team.delete",
        "",
        "",
        "'\tTabbed",
        "",
        "10.0.0.1",
        "",
    ]
    assert table[2] == [
        "2026-01-01T08:00:00+08:00",
        '\'=HYPERLINK("http://evil")',
        "team.create",
        "teams",
        "7",
        "'+华东区",
        '{"name": [null, "-1"]}',
        "",
        "",
    ]
    assert len(table) == 3
    export = AuditEvent.objects.get(action="audit.export")
    assert export.workspace_id == admin.workspace_id and export.actor_id == admin.user_id
    assert export.changes == {"filters": {"action": "team."}}


def test_export_contains_only_this_workspace(admin, other_workspace):
    event(other_workspace, "other.thing", object_label="not yours")
    table = export_rows(signed_in(admin).get("/settings/audit/export/"))
    assert all("not yours" not in row for row in table)
    assert [row[2] for row in table[1:]] == ["audit.export"]
