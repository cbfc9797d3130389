import pytest

from guanxi.core.models import AuditEvent, Team
from tests.conftest import ApiClient, api_for
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def test_health_answers_without_authentication():
    response = ApiClient(None).get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_missing_token_gets_401_envelope():
    response = ApiClient(None).get("/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_me_describes_token_user_and_workspace(admin, admin_api):
    body = admin_api.get("/me").json()
    assert body["email"] == admin.user.email
    assert body["workspace"]["slug"] == admin.workspace.slug
    assert body["permissions"]["teams"] == ["view", "create", "edit", "delete"]


def test_team_create_writes_audit_event(admin, admin_api):
    response = admin_api.post("/teams", {"name": "华东区"})
    assert response.status_code == 201, response.content
    team = Team.objects.get(pk=response.json()["id"])
    event = AuditEvent.objects.get(action="team.create", object_id=str(team.pk))
    assert event.workspace_id == admin.workspace_id
    assert event.actor_id == admin.user_id
    assert event.changes == {"name": [None, "华东区"], "parent": [None, None]} or event.changes == {
        "name": [None, "华东区"]
    }


def test_unknown_field_is_422_and_creates_nothing(admin_api):
    response = admin_api.post("/teams", {"name": "X", "workspace": 99})
    assert response.status_code == 422
    assert "workspace" in response.json()["error"]["fields"]
    assert Team.objects.count() == 0


def test_stale_version_gets_409(admin, admin_api):
    team = Team.objects.create(workspace=admin.workspace, name="A")
    assert admin_api.patch(f"/teams/{team.pk}", {"version": 1, "name": "B"}).status_code == 200
    response = admin_api.patch(f"/teams/{team.pk}", {"version": 1, "name": "C"})
    assert response.status_code == 409
    team.refresh_from_db()
    assert (team.name, team.version) == ("B", 2)


def test_read_token_cannot_write(admin):
    api = api_for(admin, scope="read")
    assert api.post("/teams", {"name": "X"}).status_code == 403
    assert Team.objects.count() == 0


def test_other_workspace_team_is_404(admin_api, other_workspace):
    team = Team.objects.create(workspace=other_workspace, name="Theirs")
    assert admin_api.get(f"/teams/{team.pk}").status_code == 404


def test_notes_plugin_scope_own(workspace):
    rep = make_member(workspace, "sales_rep")
    other = make_member(workspace, "sales_rep")
    api = api_for(rep)
    mine = api.post("/notes", {"title": "mine"}).json()["id"]
    theirs = api_for(other).post("/notes", {"title": "theirs"}).json()["id"]
    ids = [item["id"] for item in api.get("/notes").json()["items"]]
    assert ids == [mine]
    assert api.get(f"/notes/{theirs}").status_code == 404
