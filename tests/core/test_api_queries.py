"""Every list endpoint costs a bounded number of queries, the same for few rows as for many."""

from __future__ import annotations

import pytest
from django.utils import timezone

from guanxi.core.models import AuditEvent, Role, Team
from tests.conftest import api_for
from tests.factories import make_member
from tests.helpers import assert_list_queries
from tests.plugin_app.models import Note

pytestmark = pytest.mark.django_db

# Per request: token, membership, rate-limit counter (a few on the database cache), the page.
LIST_QUERY_LIMIT = 11


def fetcher(api, path, expect_items=True):
    def fetch():
        response = api.get(path, limit=200)
        assert response.status_code == 200, response.content
        assert not expect_items or response.json()["items"]

    return fetch


def test_users_list_queries(workspace, admin):
    team = Team.objects.create(workspace=workspace, name="T")
    api = api_for(make_member(workspace, "sales_rep", hidden_fields={"members": ["email"]}))

    def add(n):
        for _ in range(n):
            make_member(workspace, "sales_rep", team=team)

    assert_list_queries(fetcher(api, "/users"), add, limit=LIST_QUERY_LIMIT)


def test_teams_list_queries(workspace, admin_api):
    parent = Team.objects.create(workspace=workspace, name="root")

    def add(n):
        start = Team.objects.count()
        Team.objects.bulk_create(
            Team(workspace=workspace, name=f"T{start + i}", parent=parent) for i in range(n)
        )

    assert_list_queries(fetcher(admin_api, "/teams"), add, limit=LIST_QUERY_LIMIT)


def test_roles_list_queries(workspace, admin_api):
    def add(n):
        start = Role.objects.count()
        Role.objects.bulk_create(
            Role(workspace=workspace, name=f"R{start + i}", permissions={}) for i in range(n)
        )

    assert_list_queries(fetcher(admin_api, "/roles"), add, limit=LIST_QUERY_LIMIT)


def test_audit_events_list_queries(workspace, admin, admin_api):
    def add(n):
        AuditEvent.objects.bulk_create(
            AuditEvent(
                workspace=workspace,
                action="team.update",
                object_type="teams",
                actor=admin.user,
                created_at=timezone.now(),
                changes={"name": ["a", "b"]},
            )
            for _ in range(n)
        )

    assert_list_queries(fetcher(admin_api, "/audit-events"), add, limit=LIST_QUERY_LIMIT)


@pytest.mark.parametrize("data_scope", ["own", "team", "team_tree", "all"])
def test_notes_list_queries(workspace, data_scope):
    team = Team.objects.create(workspace=workspace, name="T")
    reader = make_member(
        workspace,
        "sales_rep",
        team=team,
        data_scope=data_scope,
        hidden_fields={"notes": ["budget"]},
    )
    api = api_for(reader)

    def add(n):
        owners = [reader] + [make_member(workspace, "sales_rep", team=team) for _ in range(2)]
        Note.objects.bulk_create(
            Note(workspace=workspace, title=f"n{i}", owner=owners[i % 3].user) for i in range(n)
        )

    assert_list_queries(fetcher(api, "/notes"), add, limit=LIST_QUERY_LIMIT)
