"""Switching workspace and interface language."""

import pytest
from django.test import Client

from guanxi.core.middleware import SESSION_WORKSPACE_KEY
from guanxi.core.models import AuditEvent
from tests.factories import make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_workspaces(admin, other_workspace):
    make_member(other_workspace, "sales_rep", user=admin.user)
    client = Client()
    client.force_login(admin.user)
    return client


def test_switch_workspace_changes_the_current_workspace(two_workspaces, admin, other_workspace):
    client = two_workspaces
    client.get("/")
    assert client.session[SESSION_WORKSPACE_KEY] == admin.workspace_id

    response = client.post("/workspace/switch/", {"workspace": other_workspace.slug})

    assert response["Location"] == "/"
    assert client.session[SESSION_WORKSPACE_KEY] == other_workspace.pk
    page = client.get("/")
    assert page.context["membership"].workspace_id == other_workspace.pk


def test_switch_to_a_workspace_one_is_not_in_changes_nothing(admin, other_workspace):
    client = Client()
    client.force_login(admin.user)
    client.get("/")
    client.post("/workspace/switch/", {"workspace": other_workspace.slug})
    assert client.session[SESSION_WORKSPACE_KEY] == admin.workspace_id
    assert client.get("/").context["membership"] == admin


def test_switch_workspace_needs_sign_in_and_post(admin, other_workspace):
    assert (
        Client()
        .post("/workspace/switch/", {"workspace": other_workspace.slug})["Location"]
        .startswith("/sign-in/")
    )
    client = Client()
    client.force_login(admin.user)
    assert client.get("/workspace/switch/").status_code == 405


def test_switch_into_a_workspace_requiring_two_factor_sends_to_setup(
    two_workspaces, other_workspace
):
    other_workspace.require_two_factor = True
    other_workspace.save()
    two_workspaces.post("/workspace/switch/", {"workspace": other_workspace.slug})
    assert two_workspaces.get("/")["Location"] == "/account/two-factor/setup/"


def test_language_switch_for_a_visitor_sets_the_cookie(client):
    response = client.post("/language/", {"language": "zh-hans", "next": "/sign-in/"})
    assert response["Location"] == "/sign-in/"
    assert response.cookies["guanxi_language"].value == "zh-hans"
    assert '<html lang="zh-hans"' in client.get("/sign-in/").content.decode()


def test_language_switch_is_kept_on_the_profile_and_audited(admin):
    client = Client()
    client.force_login(admin.user)
    client.post("/language/", {"language": "zh-hans", "next": "/account/profile/"})
    admin.user.refresh_from_db()
    assert admin.user.locale == "zh-hans"
    event = AuditEvent.objects.get(action="user.profile_update")
    assert event.changes == {"locale": ["", "zh-hans"]}
    # The user's choice wins over the browser's.
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="zh-hans"' in page.content.decode()


def test_language_switch_refuses_unknown_language_and_unsafe_next(admin):
    client = Client()
    client.force_login(admin.user)
    response = client.post("/language/", {"language": "xx", "next": "https://evil.example/"})
    assert response["Location"] == "/"
    assert "guanxi_language" not in response.cookies
    admin.user.refresh_from_db()
    assert admin.user.locale == ""
