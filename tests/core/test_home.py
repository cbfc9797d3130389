import pytest
from django.test import Client

from guanxi.core import audit
from tests.factories import TeamFactory, make_member

pytestmark = pytest.mark.django_db


def test_admin_overview_shows_counts_steps_and_recent_activity(workspace):
    admin = make_member(workspace, "admin")
    TeamFactory(workspace=workspace, name="华东区")
    audit.record(
        action="team.create",
        workspace=workspace,
        actor=admin,
        object_type="teams",
        object_label="华东区",
    )
    client = Client()
    client.force_login(admin.user)
    response = client.get("/")
    html = response.content.decode()
    assert response.context["member_count"] == 1 and response.context["team_count"] == 1
    assert [step["done"] for step in response.context["steps"]] == [True, False, False, False]
    assert "Created a team" in html and "华东区" in html


def test_read_only_overview_hides_what_the_role_cannot_see(workspace):
    viewer = make_member(workspace, "read_only")
    make_member(workspace, "admin")
    client = Client()
    client.force_login(viewer.user)
    response = client.get("/")
    assert response.context["recent"] == []
    assert [str(step["label"]) for step in response.context["steps"]] == [
        "Choose your language and time zone",
        "Turn on two-factor authentication",
    ]
    assert 'data-testid="recent-activity"' not in response.content.decode()


def test_user_without_workspace_is_sent_to_a_clear_page(db):
    from tests.factories import UserFactory

    client = Client()
    client.force_login(UserFactory())
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/account/no-workspace/"
