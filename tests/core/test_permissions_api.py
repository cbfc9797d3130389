"""Object permissions, hidden and read-only fields, role edits and the Owner rules, through the
API."""

from __future__ import annotations

import pytest

from guanxi.core.models import Membership, Role
from tests.conftest import api_for
from tests.factories import make_member, role
from tests.plugin_app.models import Note

pytestmark = pytest.mark.django_db


# --- Hidden fields -------------------------------------------------------------------------------


@pytest.fixture
def budget_hidden(workspace):
    member = make_member(workspace, "sales_rep", hidden_fields={"notes": ["budget"]})
    note = Note.objects.create(workspace=workspace, title="n", budget="12.50", owner=member.user)
    return member, note


def test_hidden_note_field_is_absent_from_list_and_detail(budget_hidden):
    member, note = budget_hidden
    api = api_for(member)

    item = api.get("/notes").json()["items"][0]
    detail = api.get(f"/notes/{note.pk}").json()

    assert "budget" not in item
    assert "budget" not in detail
    assert item["title"] == detail["title"] == "n"


def test_hidden_note_field_is_absent_from_write_answers(budget_hidden):
    member, note = budget_hidden
    api = api_for(member)

    created = api.post("/notes", {"title": "new"})
    patched = api.patch(f"/notes/{note.pk}", {"version": 1, "title": "n2"})

    assert created.status_code == 201 and "budget" not in created.json()
    assert patched.status_code == 200 and "budget" not in patched.json()


def test_hidden_field_is_shown_to_roles_that_do_not_hide_it(budget_hidden, workspace):
    _member, note = budget_hidden
    api = api_for(make_member(workspace, "admin"))
    assert api.get(f"/notes/{note.pk}").json()["budget"] == "12.50"


def test_hidden_field_cannot_be_written(budget_hidden):
    member, note = budget_hidden
    api = api_for(member)

    response = api.patch(f"/notes/{note.pk}", {"version": 1, "budget": "99"})

    assert response.status_code == 403
    assert list(response.json()["error"]["fields"]) == ["budget"]
    note.refresh_from_db()
    assert (str(note.budget), note.version) == ("12.50", 1)


def test_hidden_member_email_is_absent_from_list_and_detail(workspace):
    viewer = make_member(workspace, "sales_rep", hidden_fields={"members": ["email"]})
    api = api_for(viewer)

    items = api.get("/users").json()["items"]
    detail = api.get(f"/users/{viewer.user_id}").json()

    assert items and all("email" not in item for item in items)
    assert "email" not in detail
    assert detail["name"] == viewer.user.name
    admin_view = api_for(make_member(workspace, "admin")).get(f"/users/{viewer.user_id}").json()
    assert admin_view["email"] == viewer.user.email


def test_hidden_member_role_and_team_drop_their_id_keys(workspace):
    viewer = make_member(workspace, "sales_rep", hidden_fields={"members": ["role", "team"]})
    detail = api_for(viewer).get(f"/users/{viewer.user_id}").json()
    assert "role_id" not in detail and "team_id" not in detail
    assert "email" in detail


# --- Read-only fields ------------------------------------------------------------------------------


def test_readonly_note_field_is_refused_by_name_while_others_stay_editable(workspace):
    member = make_member(workspace, "sales_rep", readonly_fields={"notes": ["budget"]})
    note = Note.objects.create(workspace=workspace, title="n", budget="5.00", owner=member.user)
    api = api_for(member)

    refused = api.patch(f"/notes/{note.pk}", {"version": 1, "title": "x", "budget": "7"})

    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "permission_denied"
    assert list(refused.json()["error"]["fields"]) == ["budget"]
    note.refresh_from_db()
    assert (note.title, str(note.budget), note.version) == ("n", "5.00", 1)

    allowed = api.patch(f"/notes/{note.pk}", {"version": 1, "title": "x"})

    assert allowed.status_code == 200
    assert allowed.json()["budget"] == "5.00"  # read-only is still visible
    note.refresh_from_db()
    assert (note.title, note.version) == ("x", 2)


def test_readonly_member_field_is_refused_by_name_while_others_stay_editable(workspace):
    editor = make_member(
        workspace,
        "admin",
        readonly_fields={"members": ["title"]},
    )
    rep = make_member(workspace, "sales_rep")
    api = api_for(editor)

    refused = api.patch(f"/users/{rep.user_id}", {"version": 1, "title": "总监"})

    assert refused.status_code == 403
    assert list(refused.json()["error"]["fields"]) == ["title"]
    rep.refresh_from_db()
    assert (rep.title, rep.version) == ("", 1)

    allowed = api.patch(f"/users/{rep.user_id}", {"version": 1, "is_active": False})

    assert allowed.status_code == 200, allowed.content
    rep.refresh_from_db()
    assert (rep.is_active, rep.version) == (False, 2)


# --- Role edits apply on the next request ----------------------------------------------------------


def test_role_edit_takes_effect_on_the_other_members_next_request(workspace, admin_api):
    custom = Role.objects.create(
        workspace=workspace, name="Field sales", data_scope="own", permissions={"notes": ["view"]}
    )
    rep = make_member(workspace, "sales_rep")
    rep.role = custom
    rep.save()
    colleague = make_member(workspace, "sales_rep")
    theirs = Note.objects.create(workspace=workspace, title="t", owner=colleague.user)
    rep_api = api_for(rep)
    assert rep_api.get(f"/notes/{theirs.pk}").status_code == 404

    widened = admin_api.patch(f"/roles/{custom.pk}", {"version": 1, "data_scope": "all"})

    assert widened.status_code == 200, widened.content
    assert rep_api.get(f"/notes/{theirs.pk}").status_code == 200

    revoked = admin_api.patch(f"/roles/{custom.pk}", {"version": 2, "permissions": {}})

    assert revoked.status_code == 200
    assert rep_api.get("/notes").status_code == 403


def test_granting_an_action_grants_view_too(admin_api):
    created = admin_api.post("/roles", {"name": "Editors", "permissions": {"notes": ["edit"]}})
    assert created.status_code == 201
    assert created.json()["permissions"] == {"notes": ["view", "edit"]}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"permissions": {"nope": ["view"]}}, "permissions"),
        ({"permissions": {"notes": ["fly"]}}, "permissions"),
        ({"hidden_fields": {"notes": ["title"]}}, "hidden_fields"),
        ({"readonly_fields": {"notes": ["nope"]}}, "readonly_fields"),
        ({"data_scope": "galaxy"}, "data_scope"),
        ({"name": "  "}, "name"),
    ],
)
def test_invalid_role_changes_are_422_naming_the_field(workspace, admin_api, body, field):
    custom = Role.objects.create(workspace=workspace, name="C", permissions={})

    response = admin_api.patch(f"/roles/{custom.pk}", {"version": 1, **body})

    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == [field]
    custom.refresh_from_db()
    assert (custom.version, custom.name, custom.permissions) == (1, "C", {})


# --- Owner rules ----------------------------------------------------------------------------------------


def test_owner_role_cannot_be_edited_or_deleted(workspace, owner):
    api = api_for(owner)
    owner_role = role(workspace, "owner")

    edited = api.patch(f"/roles/{owner_role.pk}", {"version": 1, "name": "Boss"})
    deleted = api.delete(f"/roles/{owner_role.pk}")

    assert edited.status_code == 403
    assert deleted.status_code == 403
    owner_role.refresh_from_db()
    assert (owner_role.name, owner_role.version) == ("Owner", 1)


def test_role_in_use_cannot_be_deleted(workspace, admin_api):
    make_member(workspace, "sales_rep")

    response = admin_api.delete(f"/roles/{role(workspace, 'sales_rep').pk}")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"
    assert Role.objects.filter(workspace=workspace, key="sales_rep").exists()


def test_unused_role_is_deleted_with_204(workspace, admin_api):
    unused = Role.objects.create(workspace=workspace, name="Unused", permissions={})

    response = admin_api.delete(f"/roles/{unused.pk}")

    assert response.status_code == 204
    assert response.content == b""
    assert not Role.objects.filter(pk=unused.pk).exists()


def test_last_owner_cannot_be_demoted(workspace, owner):
    api = api_for(owner)

    response = api.patch(
        f"/users/{owner.user_id}", {"version": 1, "role_id": role(workspace, "admin").pk}
    )

    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["role_id"]
    owner.refresh_from_db()
    assert owner.role.key == "owner"


def test_last_owner_cannot_be_deactivated(workspace, owner, admin_api):
    by_admin = admin_api.patch(f"/users/{owner.user_id}", {"version": 1, "is_active": False})
    by_self = api_for(owner).patch(f"/users/{owner.user_id}", {"version": 1, "is_active": False})

    assert by_admin.status_code == 403
    assert by_self.status_code == 422
    owner.refresh_from_db()
    assert owner.is_active is True


def test_an_owner_may_be_demoted_while_another_owner_remains(workspace, owner):
    second = make_member(workspace, "owner")

    response = api_for(owner).patch(
        f"/users/{second.user_id}", {"version": 1, "role_id": role(workspace, "admin").pk}
    )

    assert response.status_code == 200
    assert response.json()["role_id"] == role(workspace, "admin").pk


def test_only_owners_grant_the_owner_role(workspace, owner, admin_api):
    rep = make_member(workspace, "sales_rep")
    owner_role = role(workspace, "owner")

    by_admin = admin_api.patch(f"/users/{rep.user_id}", {"version": 1, "role_id": owner_role.pk})

    assert by_admin.status_code == 403
    assert Membership.objects.get(pk=rep.pk).role.key == "sales_rep"

    by_owner = api_for(owner).patch(
        f"/users/{rep.user_id}", {"version": 1, "role_id": owner_role.pk}
    )

    assert by_owner.status_code == 200
    assert Membership.objects.get(pk=rep.pk).role_id == owner_role.pk


def test_admin_cannot_demote_an_owner(workspace, owner, admin_api):
    response = admin_api.patch(
        f"/users/{owner.user_id}", {"version": 1, "role_id": role(workspace, "sales_rep").pk}
    )
    assert response.status_code == 403
    assert Membership.objects.get(pk=owner.pk).role.key == "owner"


def test_role_of_another_workspace_cannot_be_assigned(workspace, other_workspace, owner):
    rep = make_member(workspace, "sales_rep")
    foreign = role(other_workspace, "admin")

    response = api_for(owner).patch(f"/users/{rep.user_id}", {"version": 1, "role_id": foreign.pk})

    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["role_id"]


def test_member_search_ignores_fields_hidden_from_the_viewer(workspace):
    from tests.conftest import api_for
    from tests.factories import UserFactory, make_member

    make_member(
        workspace, "sales_rep", user=UserFactory(email="secret-boss@example.com", name="Plain Name")
    )
    viewer = make_member(workspace, "admin", hidden_fields={"members": ["email"]})
    found = api_for(viewer).get("/users", q="secret-boss").json()["items"]
    assert found == []
    visible = (
        api_for(make_member(workspace, "admin")).get("/users", q="secret-boss").json()["items"]
    )
    assert [item["name"] for item in visible] == ["Plain Name"]
