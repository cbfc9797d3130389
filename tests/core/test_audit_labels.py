import pytest
from django.test import Client

from guanxi.core import audit
from guanxi.core.audit_actions import action_label, register_audit_action
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def test_known_actions_have_labels_and_unknown_ones_show_their_code():
    assert action_label("auth.sign_in") == "Signed in"
    assert action_label("nobody.knows") == "nobody.knows"
    register_audit_action("plugin.thing", "Did the thing")
    assert action_label("plugin.thing") == "Did the thing"


def test_audit_page_shows_actor_name_and_action_label(workspace):
    admin = make_member(workspace, "admin")
    audit.record(
        action="team.create",
        workspace=workspace,
        actor=admin,
        object_type="teams",
        object_id=1,
        object_label="华东区",
    )
    client = Client()
    client.force_login(admin.user)
    html = client.get("/settings/audit/").content.decode()
    assert "Created a team" in html and admin.user.name in html and "华东区" in html
