"""Teams settings page: the 部门 tree, create, rename, move (no cycles), delete (only empty)."""

import pytest
from django.test import Client

from guanxi.core.models import AuditEvent, Membership, Team
from tests.factories import TeamFactory, make_member

pytestmark = pytest.mark.django_db


def signed_in(member: Membership, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(member.user)
    return client


@pytest.fixture
def tree(admin):
    """华东区 > 上海 > 浦东, and 华南区 at the top."""
    east = TeamFactory(workspace=admin.workspace, name="华东区")
    shanghai = TeamFactory(workspace=admin.workspace, name="上海", parent=east)
    pudong = TeamFactory(workspace=admin.workspace, name="浦东", parent=shanghai)
    south = TeamFactory(workspace=admin.workspace, name="华南区")
    return {"east": east, "shanghai": shanghai, "pudong": pudong, "south": south}


def test_tree_shows_nesting_and_member_counts(admin, tree, other_workspace):
    make_member(admin.workspace, "sales_rep", team=tree["shanghai"])
    make_member(admin.workspace, "sales_rep", team=tree["shanghai"])
    TeamFactory(workspace=other_workspace, name="Other company team")
    response = signed_in(admin).get("/settings/teams/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-testid="team-node"') == 4
    assert "Other company team" not in html
    # 上海 is inside 华东区's list, 浦东 inside 上海's.
    east_at, shanghai_at, pudong_at = html.index("华东区"), html.index("上海"), html.index("浦东")
    assert east_at < shanghai_at < pudong_at
    assert "2 members" in html


def test_create_team_under_parent_is_audited(admin, tree):
    response = signed_in(admin).post(
        "/settings/teams/", {"name": "杭州", "parent": tree["east"].pk}
    )
    assert response.status_code == 302
    team = Team.objects.get(workspace=admin.workspace, name="杭州")
    assert team.parent_id == tree["east"].pk
    event = AuditEvent.objects.get(action="team.create", object_id=str(team.pk))
    assert event.actor_id == admin.user_id


def test_create_team_with_duplicate_name_shows_error_and_creates_nothing(admin, tree):
    response = signed_in(admin).post("/settings/teams/", {"name": "华南区", "parent": ""})
    assert response.status_code == 422
    assert "A team with this name already exists here." in response.content.decode()
    assert Team.objects.filter(workspace=admin.workspace, name="华南区").count() == 1


def test_create_team_with_parent_of_other_workspace_is_refused(admin, other_workspace):
    foreign = TeamFactory(workspace=other_workspace)
    response = signed_in(admin).post("/settings/teams/", {"name": "X", "parent": foreign.pk})
    assert response.status_code in (400, 422)
    assert not Team.objects.filter(name="X").exists()


def test_rename_team(admin, tree):
    response = signed_in(admin).post(
        f"/settings/teams/{tree['south'].pk}/",
        {"action": "rename", "rename-name": "华南大区", "rename-version": 1},
    )
    assert response.status_code == 302
    tree["south"].refresh_from_db()
    assert (tree["south"].name, tree["south"].version) == ("华南大区", 2)
    assert AuditEvent.objects.get(action="team.update").changes == {"name": ["华南区", "华南大区"]}


def test_move_team_to_new_parent(admin, tree):
    response = signed_in(admin).post(
        f"/settings/teams/{tree['shanghai'].pk}/",
        {"action": "move", "move-parent": tree["south"].pk, "move-version": 1},
    )
    assert response.status_code == 302
    tree["shanghai"].refresh_from_db()
    assert tree["shanghai"].parent_id == tree["south"].pk
    assert AuditEvent.objects.get(action="team.update").changes == {
        "parent": [tree["east"].pk, tree["south"].pk]
    }


def test_move_page_does_not_offer_own_subtree(admin, tree):
    html = signed_in(admin).get(f"/settings/teams/{tree['east'].pk}/").content.decode()
    move_select = html.split('name="move-parent"')[1].split("</select>")[0]
    assert "华南区" in move_select
    assert "上海" not in move_select and "浦东" not in move_select


def test_move_below_own_descendant_is_refused(admin, tree):
    response = signed_in(admin).post(
        f"/settings/teams/{tree['east'].pk}/",
        {"action": "move", "move-parent": tree["pudong"].pk, "move-version": 1},
    )
    assert response.status_code == 422
    assert "A team cannot be moved below itself." in response.content.decode()
    tree["east"].refresh_from_db()
    assert (tree["east"].parent_id, tree["east"].version) == (None, 1)
    assert not AuditEvent.objects.filter(action="team.update").exists()


def test_rename_with_stale_version_is_refused(admin, tree):
    Team.objects.filter(pk=tree["south"].pk).update(version=2)
    response = signed_in(admin).post(
        f"/settings/teams/{tree['south'].pk}/",
        {"action": "rename", "rename-name": "Late", "rename-version": 1},
    )
    assert response.status_code == 409
    assert "Someone else changed this record" in response.content.decode()
    tree["south"].refresh_from_db()
    assert tree["south"].name == "华南区"


def test_delete_team_with_sub_teams_is_refused_with_message(admin, tree):
    client = signed_in(admin)
    response = client.post(f"/settings/teams/{tree['east'].pk}/delete/", follow=True)
    assert "This team has sub-teams. Move or delete them first." in response.content.decode()
    assert Team.objects.filter(pk=tree["east"].pk).exists()
    assert not AuditEvent.objects.filter(action="team.delete").exists()


def test_delete_team_with_members_is_refused_with_message(admin, tree):
    make_member(admin.workspace, "sales_rep", team=tree["south"])
    response = signed_in(admin).post(f"/settings/teams/{tree['south'].pk}/delete/", follow=True)
    assert "This team has members. Move them to another team first." in response.content.decode()
    assert Team.objects.filter(pk=tree["south"].pk).exists()


def test_delete_empty_team_is_audited(admin, tree):
    response = signed_in(admin).post(f"/settings/teams/{tree['pudong'].pk}/delete/")
    assert response.status_code == 302
    assert not Team.objects.filter(pk=tree["pudong"].pk).exists()
    assert AuditEvent.objects.get(action="team.delete").object_label == "浦东"


def test_team_of_other_workspace_is_404_and_untouched(admin, other_workspace):
    foreign = TeamFactory(workspace=other_workspace, name="Theirs")
    client = signed_in(admin)
    assert client.get(f"/settings/teams/{foreign.pk}/").status_code == 404
    assert (
        client.post(
            f"/settings/teams/{foreign.pk}/",
            {"action": "rename", "rename-name": "Mine", "rename-version": 1},
        ).status_code
        == 404
    )
    assert client.post(f"/settings/teams/{foreign.pk}/delete/").status_code == 404
    foreign.refresh_from_db()
    assert foreign.name == "Theirs"


def test_viewer_sees_tree_but_cannot_change_it(workspace, admin, tree):
    rep = make_member(workspace, "sales_rep")
    client = signed_in(rep)
    page = client.get("/settings/teams/")
    assert page.status_code == 200
    assert "Create team" not in page.content.decode()
    assert client.post("/settings/teams/", {"name": "Rogue"}).status_code == 403
    assert client.get(f"/settings/teams/{tree['south'].pk}/").status_code == 403
    assert client.post(f"/settings/teams/{tree['south'].pk}/delete/").status_code == 403
    assert not Team.objects.filter(name="Rogue").exists()
    assert Team.objects.filter(pk=tree["south"].pk).exists()


def test_teams_page_403_without_view_permission(workspace):
    nobody = make_member(workspace, "", permissions={})
    assert signed_in(nobody).get("/settings/teams/").status_code == 403


def test_create_team_needs_csrf_token(admin):
    response = signed_in(admin, enforce_csrf_checks=True).post("/settings/teams/", {"name": "X"})
    assert response.status_code == 403
    assert not Team.objects.exists()
