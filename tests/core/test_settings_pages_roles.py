"""Roles settings page: list with member counts, create, delete, and the permission matrix."""

import re

import pytest
from django.test import Client

from guanxi.core.models import AuditEvent, Membership, Role
from tests.factories import make_member, role

pytestmark = pytest.mark.django_db


def signed_in(member: Membership, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(member.user)
    return client


@pytest.fixture
def custom_role(workspace):
    return Role.objects.create(
        workspace=workspace, name="Interns", data_scope="own", permissions={}
    )


def matrix_post(role_obj: Role, **extra) -> dict:
    data = {
        "name": role_obj.name,
        "description": role_obj.description,
        "data_scope": role_obj.data_scope,
        "version": role_obj.version,
    }
    data.update(extra)
    return data


def test_roles_page_lists_roles_with_member_counts(admin, other_workspace):
    make_member(admin.workspace, "sales_rep")
    make_member(admin.workspace, "sales_rep")
    Role.objects.create(workspace=other_workspace, name="Their secret role")
    html = signed_in(admin).get("/settings/roles/").content.decode()
    assert html.count('data-testid="role-row"') == 7
    assert "Their secret role" not in html
    row = re.search(r"Sales rep</a>.*?</tr>", html, re.S).group(0)
    assert re.search(r'<td class="text-end">2</td>', row)


def test_create_role_then_edit_it(admin):
    response = signed_in(admin).post(
        "/settings/roles/", {"name": "客服主管", "description": "", "data_scope": "team"}
    )
    created = Role.objects.get(workspace=admin.workspace, name="客服主管")
    assert response.status_code == 302
    assert response["Location"] == f"/settings/roles/{created.pk}/"
    assert (created.data_scope, created.permissions) == ("team", {})
    assert AuditEvent.objects.filter(action="role.create", object_id=str(created.pk)).exists()


def test_create_role_with_taken_name_shows_error(admin):
    response = signed_in(admin).post(
        "/settings/roles/", {"name": "Sales rep", "description": "", "data_scope": "own"}
    )
    assert response.status_code == 422
    assert "A role with this name already exists." in response.content.decode()
    assert Role.objects.filter(workspace=admin.workspace, name="Sales rep").count() == 1


def test_matrix_shows_checkbox_only_for_supported_actions(admin, custom_role):
    html = signed_in(admin).get(f"/settings/roles/{custom_role.pk}/").content.decode()
    # Audit events support view and export only; workspace settings view and edit.
    assert 'name="perm:audit_events:view"' in html
    assert 'name="perm:audit_events:export"' in html
    assert 'name="perm:audit_events:edit"' not in html
    assert 'name="perm:members:assign"' not in html
    # The name field identifies a member: it can be read-only but never hidden.
    assert 'name="hidden:members:name"' not in html
    assert 'name="readonly:members:name"' in html
    assert 'name="hidden:members:email"' in html


def test_saving_matrix_changes_permissions_for_members_on_next_request(admin, custom_role):
    intern = make_member(admin.workspace, user=None, role_key="sales_rep")
    Membership.objects.filter(pk=intern.pk).update(role=custom_role)
    intern_client = signed_in(intern)
    assert intern_client.get("/settings/members/").status_code == 403

    response = signed_in(admin).post(
        f"/settings/roles/{custom_role.pk}/",
        matrix_post(
            custom_role,
            data_scope="team_tree",
            **{
                "perm:members:view": "on",
                "perm:teams:edit": "on",
                "hidden:members:email": "on",
                "readonly:members:title": "on",
            },
        ),
    )
    assert response.status_code == 302
    custom_role.refresh_from_db()
    assert custom_role.permissions == {"members": ["view"], "teams": ["view", "edit"]}
    assert custom_role.hidden_fields == {"members": ["email"]}
    assert custom_role.readonly_fields == {"members": ["title"]}
    assert (custom_role.data_scope, custom_role.version) == ("team_tree", 2)
    event = AuditEvent.objects.get(action="role.update", object_id=str(custom_role.pk))
    assert event.changes["permissions"] == [{}, custom_role.permissions]

    page = intern_client.get("/settings/members/")
    assert page.status_code == 200
    assert admin.user.email not in page.content.decode()  # email is hidden for the role


def test_hiding_a_field_that_cannot_be_hidden_is_refused(admin, custom_role):
    response = signed_in(admin).post(
        f"/settings/roles/{custom_role.pk}/",
        matrix_post(custom_role, **{"perm:members:view": "on", "hidden:members:name": "on"}),
    )
    assert response.status_code == 422
    assert "cannot be restricted" in response.content.decode()
    custom_role.refresh_from_db()
    assert (custom_role.permissions, custom_role.hidden_fields, custom_role.version) == ({}, {}, 1)


def test_stale_matrix_save_is_refused(admin, custom_role):
    Role.objects.filter(pk=custom_role.pk).update(version=5)
    response = signed_in(admin).post(
        f"/settings/roles/{custom_role.pk}/",
        matrix_post(custom_role, version=4, **{"perm:members:view": "on"}),
    )
    assert response.status_code == 409
    assert "Someone else changed this record" in response.content.decode()
    custom_role.refresh_from_db()
    assert custom_role.permissions == {}


def test_owner_role_matrix_is_read_only(owner):
    owner_role = role(owner.workspace, "owner")
    client = signed_in(owner)
    html = client.get(f"/settings/roles/{owner_role.pk}/").content.decode()
    assert "cannot be changed" in html
    boxes = re.findall(r'<input type="checkbox"[^>]*name="perm:[^"]+"[^>]*>', html)
    assert boxes and all("disabled" in box and "checked" in box for box in boxes)
    assert "Save role" not in html
    response = client.post(
        f"/settings/roles/{owner_role.pk}/", matrix_post(owner_role, name="Boss")
    )
    assert response.status_code in (400, 403)
    owner_role.refresh_from_db()
    assert (owner_role.name, owner_role.version) == ("Owner", 1)


def test_delete_role_in_use_is_refused_with_message(admin):
    in_use = role(admin.workspace, "sales_rep")
    make_member(admin.workspace, "sales_rep")
    response = signed_in(admin).post(f"/settings/roles/{in_use.pk}/delete/", follow=True)
    assert "Members still have this role." in response.content.decode()
    assert Role.objects.filter(pk=in_use.pk).exists()


def test_delete_unused_role_is_audited(admin, custom_role):
    response = signed_in(admin).post(f"/settings/roles/{custom_role.pk}/delete/")
    assert response.status_code == 302
    assert not Role.objects.filter(pk=custom_role.pk).exists()
    assert AuditEvent.objects.get(action="role.delete").object_label == "Interns"


def test_role_of_other_workspace_is_404_and_untouched(admin, other_workspace):
    foreign = Role.objects.create(workspace=other_workspace, name="Theirs", permissions={})
    client = signed_in(admin)
    assert client.get(f"/settings/roles/{foreign.pk}/").status_code == 404
    assert (
        client.post(
            f"/settings/roles/{foreign.pk}/", matrix_post(foreign, **{"perm:members:view": "on"})
        ).status_code
        == 404
    )
    assert client.post(f"/settings/roles/{foreign.pk}/delete/").status_code == 404
    foreign.refresh_from_db()
    assert foreign.permissions == {}


def test_roles_page_403_without_permission(workspace, custom_role):
    rep = make_member(workspace, "sales_rep")  # sales reps do not see roles
    client = signed_in(rep)
    assert client.get("/settings/roles/").status_code == 403
    assert client.get(f"/settings/roles/{custom_role.pk}/").status_code == 403
    assert client.post("/settings/roles/", {"name": "X", "data_scope": "own"}).status_code == 403


def test_manager_can_view_matrix_but_not_save(workspace, custom_role):
    manager = make_member(workspace, "sales_manager")
    client = signed_in(manager)
    html = client.get(f"/settings/roles/{custom_role.pk}/").content.decode()
    assert "You can see this role but not change it." in html
    response = client.post(
        f"/settings/roles/{custom_role.pk}/",
        matrix_post(custom_role, **{"perm:members:view": "on"}),
    )
    assert response.status_code == 403
    custom_role.refresh_from_db()
    assert custom_role.permissions == {}


def test_matrix_save_needs_csrf_token(admin, custom_role):
    response = signed_in(admin, enforce_csrf_checks=True).post(
        f"/settings/roles/{custom_role.pk}/",
        matrix_post(custom_role, **{"perm:members:view": "on"}),
    )
    assert response.status_code == 403
    custom_role.refresh_from_db()
    assert custom_role.permissions == {}
