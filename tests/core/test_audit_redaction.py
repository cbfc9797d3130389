"""The audit log never shows a viewer what their role hides."""

import pytest
from django.test import Client

from guanxi.core.services.members import member_update
from tests.conftest import api_for
from tests.factories import UserFactory, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(workspace):
    admin = make_member(workspace, "admin", user=UserFactory(email="boss@example.com", name="Boss"))
    rep = make_member(workspace, "sales_rep", user=UserFactory(email="rep@example.com", name="Rep"))
    member_update(actor=admin, member=rep, version=rep.version, data={"title": "秘密头衔"})
    auditor = make_member(
        workspace,
        "",
        permissions={"audit_events": ["view", "export"], "members": ["view"]},
        hidden_fields={"members": ["email", "title"]},
    )
    return auditor


def test_api_drops_hidden_fields_and_emails_from_audit_events(history):
    items = api_for(history).get("/audit-events", action="member.update").json()["items"]
    assert len(items) == 1
    event = items[0]
    assert "title" not in event["changes"]
    assert event["actor_label"] == "Boss"
    assert event["object_label"] == "Rep"


def test_audit_page_and_export_drop_them_too(history):
    client = Client()
    client.force_login(history.user)
    page = client.get("/settings/audit/", {"action": "member.update"}).content.decode()
    assert "秘密头衔" not in page and "boss@example.com" not in page
    export = b"".join(client.get("/settings/audit/export/").streaming_content).decode()
    assert "秘密头衔" not in export and "boss@example.com" not in export


def test_a_viewer_without_hidden_fields_sees_everything(workspace, history):
    admin_api = api_for(make_member(workspace, "admin"))
    event = admin_api.get("/audit-events", action="member.update").json()["items"][0]
    assert event["changes"]["title"] == ["", "秘密头衔"]
    assert event["actor_label"] == "boss@example.com"
