"""Bad input gets a clear error envelope and changes nothing: unknown fields, wrong types, bad
JSON, bad cursors, limits, body size, rate limits and stale versions."""

from __future__ import annotations

import base64
import json

import pytest
from django.test import override_settings

from guanxi.core import counters
from guanxi.core.models import Membership, Role, Team
from tests.conftest import ApiClient, api_for
from tests.factories import make_member
from tests.plugin_app.models import Note

pytestmark = pytest.mark.django_db

MASS_ASSIGNED = {
    "workspace": 99,
    "workspace_id": 99,
    "owner_id": 1,
    "id": 12345,
    "version": 7,
    "created_at": "2020-01-01T00:00:00Z",
}
CREATE_BODIES = {
    "/teams": {"name": "华东区"},
    "/roles": {"name": "审批员"},
    "/notes": {"title": "x"},
}
MODELS = {"/teams": Team, "/roles": Role, "/notes": Note}


def envelope(response, status: int) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert {"code", "message", "fields"} <= set(body["error"])
    return body["error"]


@pytest.mark.parametrize("path", sorted(CREATE_BODIES))
@pytest.mark.parametrize("field", sorted(MASS_ASSIGNED))
def test_post_refuses_unknown_field_by_name(admin_api, path, field):
    before = MODELS[path].objects.count()
    body = {**CREATE_BODIES[path], field: MASS_ASSIGNED[field]}

    error = envelope(admin_api.post(path, body), 422)

    assert error["code"] == "validation_error"
    assert error["fields"] == {field: ["Unknown field."]}
    assert MODELS[path].objects.count() == before


@pytest.fixture
def patch_targets(admin):
    team = Team.objects.create(workspace=admin.workspace, name="A")
    role = Role.objects.create(workspace=admin.workspace, name="R", permissions={})
    note = Note.objects.create(workspace=admin.workspace, title="n", owner=admin.user)
    rep = make_member(admin.workspace, "sales_rep")
    return {
        "/teams": team,
        "/roles": role,
        "/notes": note,
        "/users": rep,
    }


@pytest.mark.parametrize("path", ["/teams", "/roles", "/notes", "/users"])
@pytest.mark.parametrize("field", ["workspace", "owner_id", "id", "created_at"])
def test_patch_refuses_unknown_field_by_name(admin_api, patch_targets, path, field):
    obj = patch_targets[path]
    url_id = obj.user_id if path == "/users" else obj.pk

    error = envelope(
        admin_api.patch(f"{path}/{url_id}", {"version": 1, field: MASS_ASSIGNED[field]}), 422
    )

    assert error["fields"] == {field: ["Unknown field."]}
    obj.refresh_from_db()
    assert obj.version == 1


def test_wrong_types_name_each_field(admin_api):
    error = envelope(admin_api.post("/teams", {"name": ["x"], "parent_id": "abc"}), 422)
    assert set(error["fields"]) == {"name", "parent_id"}
    assert Team.objects.count() == 0


def test_missing_required_field_is_named(admin_api):
    error = envelope(admin_api.post("/teams", {}), 422)
    assert list(error["fields"]) == ["name"]


def test_patch_without_version_is_422(admin, admin_api):
    team = Team.objects.create(workspace=admin.workspace, name="A")
    error = envelope(admin_api.patch(f"/teams/{team.pk}", {"name": "B"}), 422)
    assert list(error["fields"]) == ["version"]
    team.refresh_from_db()
    assert team.name == "A"


@pytest.mark.parametrize(
    "raw", ['{"name": ', "not json", "\xff\xfe", '{"name": "a",}', ""], ids=repr
)
def test_bad_json_is_400_envelope(admin_api, raw):
    response = admin_api.request("POST", "/teams", raw.encode("utf-8", "surrogateescape"))
    if raw == "":
        # An empty body is a missing body: the required fields are named.
        assert envelope(response, 422)["code"] == "validation_error"
    else:
        assert envelope(response, 400)["code"] == "bad_request"
    assert Team.objects.count() == 0


@pytest.mark.parametrize("body", [[], "x", 3, None], ids=repr)
def test_body_that_is_not_an_object_is_422(admin_api, body):
    response = admin_api.request("POST", "/teams", json.dumps(body))
    assert envelope(response, 422)["code"] == "validation_error"
    assert Team.objects.count() == 0


def _cursor(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage!!",
        "%%%",
        _cursor([None]),
        _cursor(["abc"]),
        _cursor([1, 2]),
        _cursor({"id": 1}),
        _cursor([10**30]),
        _cursor([-(10**30)]),
        _cursor([[1]]),
        _cursor([True]),
        _cursor([1.5]),
        "x" * 5000,
    ],
)
@pytest.mark.parametrize("path", ["/teams", "/roles", "/users", "/notes", "/audit-events"])
def test_bad_cursor_is_422_naming_cursor(admin_api, path, cursor):
    error = envelope(admin_api.get(path, cursor=cursor), 422)
    assert list(error["fields"]) == ["cursor"]


@pytest.mark.parametrize("cursor", [_cursor(["not a date", 1]), _cursor([None, None])])
def test_bad_audit_cursor_is_422(admin_api, cursor):
    error = envelope(admin_api.get("/audit-events", cursor=cursor), 422)
    assert list(error["fields"]) == ["cursor"]


@pytest.mark.parametrize("limit", ["0", "-1", "abc", "1.5"])
def test_bad_limit_is_422_naming_limit(admin_api, limit):
    error = envelope(admin_api.get("/teams", limit=limit), 422)
    assert list(error["fields"]) == ["limit"]


def test_limit_is_capped_at_200(admin, admin_api):
    Team.objects.bulk_create(Team(workspace=admin.workspace, name=f"T{i}") for i in range(205))

    body = admin_api.get("/teams", limit=10_000).json()

    assert len(body["items"]) == 200
    assert body["next_cursor"] is not None
    rest = admin_api.get("/teams", limit=10_000, cursor=body["next_cursor"]).json()
    assert len(rest["items"]) == 5
    assert rest["next_cursor"] is None


def test_bad_query_param_type_is_422(admin_api):
    error = envelope(admin_api.get("/users", is_active="maybe"), 422)
    assert list(error["fields"]) == ["is_active"]


def test_bad_path_id_is_422_not_500(admin_api):
    error = envelope(admin_api.get("/teams/abc"), 422)
    assert list(error["fields"]) == ["id"]


def test_huge_path_id_is_404_not_500(admin_api):
    assert envelope(admin_api.get(f"/teams/{10**30}"), 404)["code"] == "not_found"
    assert envelope(admin_api.get(f"/notes/{2**63}"), 404)["code"] == "not_found"


# --- Body size ------------------------------------------------------------------------------------


@override_settings(API_MAX_BODY_BYTES=100)
def test_oversized_body_is_413_and_creates_nothing(admin_api):
    response = admin_api.post("/teams", {"name": "x" * 200})

    error = envelope(response, 413)
    assert error["code"] == "payload_too_large"
    assert Team.objects.count() == 0


@override_settings(API_MAX_BODY_BYTES=100)
def test_body_just_under_the_limit_is_accepted(admin_api):
    assert admin_api.post("/teams", {"name": "x" * 50}).status_code == 201


# --- Rate limits ------------------------------------------------------------------------------------


class FrozenClock:
    def __init__(self, now: float):
        self.now = now

    def time(self) -> float:
        return self.now


@pytest.fixture
def frozen_clock(monkeypatch):
    clock = FrozenClock(1_699_999_990.0)  # 10 s into a minute
    monkeypatch.setattr(counters, "time", clock)
    return clock


@override_settings(API_RATE_LIMIT_PER_MINUTE=3)
def test_rate_limit_is_per_token_with_retry_after(admin, frozen_clock):
    limited = api_for(admin)
    other = api_for(admin)
    for _ in range(3):
        assert limited.get("/teams").status_code == 200

    response = limited.get("/teams")

    assert envelope(response, 429)["code"] == "rate_limited"
    assert response["Retry-After"] == "50"
    assert other.get("/teams").status_code == 200
    # A rate-limited write creates nothing.
    assert limited.post("/teams", {"name": "x"}).status_code == 429
    assert Team.objects.count() == 0
    # The next minute starts afresh.
    frozen_clock.now += 60
    assert limited.get("/teams").status_code == 200


@override_settings(API_RATE_LIMIT_PER_MINUTE=1)
def test_invalid_token_is_401_not_rate_limited(frozen_clock):
    anonymous = ApiClient("gx_not-a-real-token")
    for _ in range(3):
        assert envelope(anonymous.get("/teams"), 401)["code"] == "unauthorized"


# --- Versions ------------------------------------------------------------------------------------------


def test_stale_version_409_for_roles(admin, admin_api):
    role = Role.objects.create(workspace=admin.workspace, name="R", permissions={})
    assert admin_api.patch(f"/roles/{role.pk}", {"version": 1, "name": "R2"}).status_code == 200

    error = envelope(admin_api.patch(f"/roles/{role.pk}", {"version": 1, "name": "R3"}), 409)

    assert error["code"] == "stale_version"
    role.refresh_from_db()
    assert (role.name, role.version) == ("R2", 2)


def test_stale_version_409_for_users(admin, admin_api):
    rep = make_member(admin.workspace, "sales_rep")
    ok = admin_api.patch(f"/users/{rep.user_id}", {"version": 1, "title": "经理"})
    assert ok.status_code == 200, ok.content
    assert ok.json()["version"] == 2

    error = envelope(admin_api.patch(f"/users/{rep.user_id}", {"version": 1, "title": "x"}), 409)

    assert error["code"] == "stale_version"
    rep.refresh_from_db()
    assert (rep.title, rep.version) == ("经理", 2)


def test_stale_version_409_for_notes(admin, admin_api):
    note = Note.objects.create(workspace=admin.workspace, title="n", owner=admin.user)
    assert admin_api.patch(f"/notes/{note.pk}", {"version": 1, "title": "n2"}).status_code == 200

    error = envelope(admin_api.patch(f"/notes/{note.pk}", {"version": 1, "title": "n3"}), 409)

    assert error["code"] == "stale_version"
    note.refresh_from_db()
    assert (note.title, note.version) == ("n2", 2)


def test_stale_version_409_for_teams(admin, admin_api):
    team = Team.objects.create(workspace=admin.workspace, name="A")
    assert admin_api.patch(f"/teams/{team.pk}", {"version": 1, "name": "B"}).status_code == 200

    error = envelope(admin_api.patch(f"/teams/{team.pk}", {"version": 1, "name": "C"}), 409)

    assert error["code"] == "stale_version"
    team.refresh_from_db()
    assert (team.name, team.version) == ("B", 2)


def test_stale_version_409_even_when_nothing_would_change(admin, admin_api):
    team = Team.objects.create(workspace=admin.workspace, name="A", version=3)
    error = envelope(admin_api.patch(f"/teams/{team.pk}", {"version": 1, "name": "A"}), 409)
    assert error["code"] == "stale_version"


def test_member_patch_audit_and_unchanged_membership_count(admin, admin_api):
    count = Membership.objects.count()
    rep = make_member(admin.workspace, "sales_rep")
    admin_api.patch(f"/users/{rep.user_id}", {"version": 1, "is_active": False})
    assert Membership.objects.count() == count + 1
