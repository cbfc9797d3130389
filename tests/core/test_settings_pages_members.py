"""Members settings page: list, filters, keyset "load more", editing with member_update's rules."""

import re

import pytest
from django.test import Client

from guanxi.core.models import AuditEvent, Membership
from tests.factories import TeamFactory, UserFactory, make_member, role
from tests.helpers import assert_list_queries

pytestmark = pytest.mark.django_db


def signed_in(member: Membership, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(member.user)
    return client


def row_count(response) -> int:
    return response.content.decode().count('data-testid="member-row"')


def test_members_page_lists_only_this_workspace(admin, other_workspace):
    colleague = make_member(admin.workspace, "sales_rep")
    stranger = make_member(other_workspace, "sales_rep")
    response = signed_in(admin).get("/settings/members/")
    assert response.status_code == 200
    html = response.content.decode()
    assert colleague.user.email in html
    assert stranger.user.email not in html
    assert row_count(response) == 2


def test_members_page_403_without_view_permission(workspace):
    nobody = make_member(workspace, "", permissions={})
    assert signed_in(nobody).get("/settings/members/").status_code == 403


def test_members_page_redirects_anonymous_to_sign_in():
    response = Client().get("/settings/members/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")


def test_members_search_matches_title_and_filters_by_team_role_and_status(admin):
    team = TeamFactory(workspace=admin.workspace, name="华东区")
    manager = make_member(admin.workspace, "sales_manager", team=team)
    Membership.objects.filter(pk=manager.pk).update(title="区域经理")
    rep = make_member(admin.workspace, "sales_rep", team=team)
    gone = make_member(admin.workspace, "sales_rep")
    Membership.objects.filter(pk=gone.pk).update(is_active=False)
    client = signed_in(admin)

    html = client.get("/settings/members/", {"q": "经理"}).content.decode()
    assert manager.user.email in html and rep.user.email not in html

    by_team = client.get("/settings/members/", {"team": team.pk}).content.decode()
    assert {manager.user.email, rep.user.email} <= set(re.findall(r"[\w.]+@example\.com", by_team))
    assert gone.user.email not in by_team and admin.user.email not in by_team

    by_role = client.get("/settings/members/", {"role": role(admin.workspace, "sales_rep").pk})
    assert row_count(by_role) == 2

    inactive = client.get("/settings/members/", {"active": "0"})
    assert row_count(inactive) == 1
    assert gone.user.email in inactive.content.decode()


def test_members_load_more_follows_the_cursor_with_filters(admin):
    for _ in range(55):
        make_member(admin.workspace, "sales_rep")
    client = signed_in(admin)
    first = client.get("/settings/members/", {"role": role(admin.workspace, "sales_rep").pk})
    assert row_count(first) == 50
    link = re.search(r'hx-get="([^"]+)"[^>]*hx-target="closest tr"', first.content.decode())
    assert link, "load more link missing"
    url = link.group(1).replace("&amp;", "&")
    assert "role=" in url and "cursor=" in url
    more = client.get(f"/settings/members/{url}", HTTP_HX_REQUEST="true")
    assert more.status_code == 200
    assert "<html" not in more.content.decode()
    assert row_count(more) == 5
    assert 'data-testid="load-more"' not in more.content.decode()


def test_members_list_queries_do_not_grow_with_rows(admin):
    client = signed_in(admin)
    teams = [TeamFactory(workspace=admin.workspace) for _ in range(2)]

    def fetch():
        assert client.get("/settings/members/").status_code == 200

    def add_rows(n):
        for index in range(n):
            make_member(admin.workspace, "sales_rep", team=teams[index % 2])

    fetch()  # the first request stores the chosen workspace in the session
    assert_list_queries(fetch, add_rows, limit=10)


def test_member_edit_saves_role_team_title_and_audits(admin):
    team = TeamFactory(workspace=admin.workspace)
    rep = make_member(admin.workspace, "sales_rep")
    manager_role = role(admin.workspace, "sales_manager")
    response = signed_in(admin).post(
        f"/settings/members/{rep.user_id}/",
        {
            "role": manager_role.pk,
            "team": team.pk,
            "title": "销售经理",
            "is_active": "on",
            "version": 1,
        },
    )
    assert response.status_code == 302
    rep.refresh_from_db()
    assert (rep.role_id, rep.team_id, rep.title, rep.version) == (
        manager_role.pk,
        team.pk,
        "销售经理",
        2,
    )
    event = AuditEvent.objects.get(action="member.update", object_id=str(rep.pk))
    assert event.changes == {
        "role": [role(admin.workspace, "sales_rep").pk, manager_role.pk],
        "team": [None, team.pk],
        "title": ["", "销售经理"],
    }


def test_member_edit_stale_version_shows_message_and_changes_nothing(admin):
    rep = make_member(admin.workspace, "sales_rep")
    Membership.objects.filter(pk=rep.pk).update(version=3)
    response = signed_in(admin).post(
        f"/settings/members/{rep.user_id}/",
        {"role": rep.role_id, "title": "New", "is_active": "on", "version": 2},
    )
    assert response.status_code == 409
    assert "Someone else changed this record" in response.content.decode()
    rep.refresh_from_db()
    assert (rep.title, rep.version) == ("", 3)
    assert not AuditEvent.objects.filter(action="member.update").exists()


def test_member_of_other_workspace_is_404(admin, other_workspace):
    stranger = make_member(other_workspace, "sales_rep")
    client = signed_in(admin)
    assert client.get(f"/settings/members/{stranger.user_id}/").status_code == 404
    response = client.post(
        f"/settings/members/{stranger.user_id}/",
        {"role": stranger.role_id, "title": "hacked", "is_active": "on", "version": 1},
    )
    assert response.status_code == 404
    stranger.refresh_from_db()
    assert stranger.title == ""


def test_member_edit_403_for_viewer_without_edit(workspace):
    viewer = make_member(workspace, "sales_rep")
    other = make_member(workspace, "sales_rep")
    client = signed_in(viewer)
    assert client.get(f"/settings/members/{other.user_id}/").status_code == 403
    response = client.post(
        f"/settings/members/{other.user_id}/", {"title": "x", "role": other.role_id, "version": 1}
    )
    assert response.status_code == 403
    other.refresh_from_db()
    assert other.title == ""


def test_member_edit_hides_hidden_fields_and_disables_read_only_ones(workspace):
    editor = make_member(
        workspace,
        "admin",
        hidden_fields={"members": ["title"]},
        readonly_fields={"members": ["role"]},
    )
    rep = make_member(workspace, "sales_rep")
    Membership.objects.filter(pk=rep.pk).update(title="secret title")
    client = signed_in(editor)
    page = client.get(f"/settings/members/{rep.user_id}/").content.decode()
    assert 'name="title"' not in page and "secret title" not in page
    assert re.search(r'<select name="role"[^>]*disabled', page)
    listing = client.get("/settings/members/").content.decode()
    assert "secret title" not in listing and "Job title" not in listing
    # A crafted POST cannot change the read-only role or the hidden title.
    response = client.post(
        f"/settings/members/{rep.user_id}/",
        {
            "role": role(workspace, "admin").pk,
            "title": "changed",
            "team": "",
            "is_active": "on",
            "version": 1,
        },
    )
    assert response.status_code == 302
    rep.refresh_from_db()
    assert (rep.role.key, rep.title, rep.version) == ("sales_rep", "secret title", 1)


def test_admin_cannot_make_someone_owner(admin):
    rep = make_member(admin.workspace, "sales_rep")
    owner_role = role(admin.workspace, "owner")
    client = signed_in(admin)
    page = client.get(f"/settings/members/{rep.user_id}/").content.decode()
    assert f'<option value="{owner_role.pk}"' not in page
    assert owner_role.name not in page.split('name="role"')[1].split("</select>")[0]
    response = client.post(
        f"/settings/members/{rep.user_id}/",
        {"role": owner_role.pk, "is_active": "on", "version": 1},
    )
    assert response.status_code == 400
    rep.refresh_from_db()
    assert rep.role.key == "sales_rep"


def test_nobody_deactivates_themselves(admin):
    response = signed_in(admin).post(
        f"/settings/members/{admin.user_id}/", {"role": admin.role_id, "version": 1}
    )
    assert response.status_code == 302  # the disabled checkbox keeps its value
    admin.refresh_from_db()
    assert admin.is_active is True


def test_member_edit_post_needs_csrf_token(admin):
    rep = make_member(admin.workspace, "sales_rep")
    client = signed_in(admin, enforce_csrf_checks=True)
    response = client.post(
        f"/settings/members/{rep.user_id}/",
        {"role": rep.role_id, "title": "x", "is_active": "on", "version": 1},
    )
    assert response.status_code == 403
    rep.refresh_from_db()
    assert rep.title == ""


def test_owner_can_deactivate_member_and_list_shows_inactive(owner):
    rep = make_member(owner.workspace, "sales_rep", user=UserFactory(name="李雷"))
    client = signed_in(owner)
    response = client.post(
        f"/settings/members/{rep.user_id}/", {"role": rep.role_id, "title": "", "version": 1}
    )
    assert response.status_code == 302
    rep.refresh_from_db()
    assert rep.is_active is False
    assert AuditEvent.objects.get(action="member.update").changes == {"is_active": [True, False]}
