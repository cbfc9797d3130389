"""Bearer tokens: revoked, expired, read-only, and tokens of members who left."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from guanxi.core.models import ApiToken, Team, TokenScope
from guanxi.core.services.tokens import token_create, token_revoke
from tests.conftest import ApiClient, api_for
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def assert_401(response) -> None:
    assert response.status_code == 401, response.content
    assert response.json()["error"]["code"] == "unauthorized"
    assert response["WWW-Authenticate"] == "Bearer"


def test_revoked_token_fails_on_the_very_next_request(admin):
    token, raw = token_create(member=admin, name="cli", scope=TokenScope.WRITE)
    api = ApiClient(raw)
    assert api.get("/me").status_code == 200

    token_revoke(member=admin, token=token)

    assert_401(api.get("/me"))
    assert_401(api.post("/teams", {"name": "X"}))
    assert Team.objects.count() == 0


def test_expired_token_is_401(admin):
    token, raw = token_create(
        member=admin, name="cli", expires_at=timezone.now() + timedelta(minutes=5)
    )
    api = ApiClient(raw)
    assert api.get("/me").status_code == 200

    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert_401(api.get("/me"))


def test_read_scope_token_reads_but_gets_403_on_every_write(admin):
    team = Team.objects.create(workspace=admin.workspace, name="A")
    api = api_for(admin, scope=TokenScope.READ)
    assert api.get(f"/teams/{team.pk}").status_code == 200

    for response in (
        api.post("/teams", {"name": "X"}),
        api.patch(f"/teams/{team.pk}", {"version": 1, "name": "B"}),
        api.delete(f"/teams/{team.pk}"),
    ):
        assert response.status_code == 403, response.content
        assert response.json()["error"]["code"] == "permission_denied"
    team.refresh_from_db()
    assert (team.name, team.version) == ("A", 1)
    assert Team.objects.count() == 1


def test_token_of_a_deactivated_member_is_401(owner, admin):
    api = api_for(admin)
    assert api.get("/me").status_code == 200

    api_for(owner).patch(f"/users/{admin.user_id}", {"version": 1, "is_active": False})

    assert_401(api.get("/me"))


def test_token_of_a_deactivated_user_is_401(admin):
    api = api_for(admin)
    admin.user.is_active = False
    admin.user.save(update_fields=["is_active"])
    assert_401(api.get("/me"))


@pytest.mark.parametrize(
    "header",
    ["", "Bearer", "Bearer ", "Basic abc", "Bearer gx_" + "a" * 300, "Bearer nope", "bearer gx_x"],
)
def test_malformed_or_unknown_tokens_are_401(header):
    api = ApiClient(None)
    response = api.request("GET", "/me", headers={"Authorization": header} if header else None)
    assert_401(response)


def test_token_of_another_workspace_sees_only_its_own(workspace, other_workspace):
    mine = make_member(workspace, "admin")
    theirs_team = Team.objects.create(workspace=other_workspace, name="Theirs")
    api = api_for(mine)
    assert api.get("/me").json()["workspace"]["slug"] == workspace.slug
    assert api.get(f"/teams/{theirs_team.pk}").status_code == 404
    assert api.get("/teams").json()["items"] == []
