"""PATCH bodies: an absent field is unchanged, an explicit null is refused where null has no
meaning (it must not read as "false" or "empty"), and allowed where it does (no team, top level)."""

from __future__ import annotations

import pytest

from guanxi.core.apikit import InputSchema
from guanxi.core.errors import ValidationFailed
from guanxi.core.models import AuditEvent, Membership, Role, Team
from guanxi.core.services.members import member_update
from guanxi.core.services.roles import role_update
from tests.factories import TeamFactory, make_member, role

pytestmark = pytest.mark.django_db


def audited(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


@pytest.fixture
def rep(workspace):
    return make_member(workspace, "sales_rep")


# --- the base schema ----------------------------------------------------------------------------


class Patch(InputSchema):
    non_nullable = frozenset({"name", "flag"})

    version: int
    name: str | None = None
    flag: bool | None = None
    parent_id: int | None = None


def test_absent_fields_and_nullable_nulls_pass():
    assert Patch(version=1).model_fields_set == {"version"}
    assert Patch(version=1, parent_id=None).parent_id is None


def test_every_explicit_null_of_a_non_nullable_field_is_named():
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as refused:
        Patch(version=1, name=None, flag=None)

    assert [error["loc"] for error in refused.value.errors()] == [("flag",), ("name",)]


# --- PATCH /users/{id} --------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["is_active", "title", "role_id"])
def test_user_patch_refuses_null(admin_api, rep, field):
    response = admin_api.patch(f"/users/{rep.user_id}", {"version": rep.version, field: None})

    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == [field]
    after = Membership.objects.get(pk=rep.pk)
    assert (after.is_active, after.title, after.role_id, after.version) == (
        True,
        "",
        rep.role_id,
        rep.version,
    )
    assert audited("member.update") == 0


def test_user_patch_team_null_removes_the_team(workspace, admin_api):
    member = make_member(workspace, "sales_rep", team=TeamFactory(workspace=workspace))

    response = admin_api.patch(f"/users/{member.user_id}", {"version": 1, "team_id": None})

    assert response.status_code == 200
    assert Membership.objects.get(pk=member.pk).team_id is None


@pytest.mark.parametrize("data", [{"is_active": None}, {"title": None}, {"role_id": None}])
def test_member_update_refuses_none_from_any_caller(admin, rep, data):
    with pytest.raises(ValidationFailed) as refused:
        member_update(actor=admin, member=rep, version=None, data=data)

    assert list(refused.value.fields) == list(data)
    assert Membership.objects.get(pk=rep.pk).is_active is True


# --- PATCH /roles/{id} --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field",
    ["name", "description", "data_scope", "permissions", "hidden_fields", "readonly_fields"],
)
def test_role_patch_refuses_null(workspace, admin_api, field):
    rep_role = role(workspace, "sales_rep")
    before = (rep_role.name, rep_role.data_scope, rep_role.permissions, rep_role.version)

    response = admin_api.patch(f"/roles/{rep_role.pk}", {"version": rep_role.version, field: None})

    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == [field]
    rep_role.refresh_from_db()
    assert (rep_role.name, rep_role.data_scope, rep_role.permissions, rep_role.version) == before
    assert audited("role.update") == 0


def test_role_patch_names_every_null_field(workspace, admin_api):
    rep_role = role(workspace, "sales_rep")

    response = admin_api.patch(
        f"/roles/{rep_role.pk}", {"version": rep_role.version, "permissions": None, "name": None}
    )

    assert response.status_code == 422
    assert sorted(response.json()["error"]["fields"]) == ["name", "permissions"]


@pytest.mark.parametrize(
    "field", ["name", "description", "permissions", "hidden_fields", "readonly_fields"]
)
def test_role_update_refuses_none_from_any_caller(workspace, admin, field):
    rep_role = role(workspace, "sales_rep")
    permissions = dict(rep_role.permissions)

    with pytest.raises(ValidationFailed) as refused:
        role_update(actor=admin, role=rep_role, version=None, data={field: None})

    assert list(refused.value.fields) == [field]
    assert Role.objects.get(pk=rep_role.pk).permissions == permissions


# --- PATCH /teams/{id} --------------------------------------------------------------------------


def test_team_patch_refuses_null_name(workspace, admin_api):
    team = TeamFactory(workspace=workspace, name="华东区")

    response = admin_api.patch(f"/teams/{team.pk}", {"version": team.version, "name": None})

    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["name"]
    assert Team.objects.get(pk=team.pk).name == "华东区"


def test_team_patch_null_parent_moves_to_the_top_level(workspace, admin_api):
    parent = TeamFactory(workspace=workspace)
    child = TeamFactory(workspace=workspace, parent=parent)

    response = admin_api.patch(f"/teams/{child.pk}", {"version": child.version, "parent_id": None})

    assert response.status_code == 200
    assert Team.objects.get(pk=child.pk).parent_id is None
