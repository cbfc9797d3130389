"""Workspace settings page: name, base currency, time zone, default language, and the
two-factor requirement only an Owner may change."""

import pytest
from django.test import Client
from django.utils import timezone

from guanxi.core.errors import PermissionDenied
from guanxi.core.models import AuditEvent, Membership, Workspace
from guanxi.core.services.workspaces import workspace_update
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def signed_in(member: Membership, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(member.user)
    return client


def form(workspace: Workspace, **changes) -> dict:
    data = {
        "name": workspace.name,
        "base_currency": workspace.base_currency,
        "time_zone": workspace.time_zone,
        "locale": workspace.locale,
        "version": workspace.version,
    }
    if workspace.require_two_factor:
        data["require_two_factor"] = "on"
    data.update(changes)
    return data


def test_admin_sees_settings_page(admin):
    response = signed_in(admin).get("/settings/workspace/")
    assert response.status_code == 200
    html = response.content.decode()
    assert admin.workspace.name in html
    assert '<option value="CNY" selected>' in html
    assert (
        'name="require_two_factor"' in html
        and "disabled" in html.split('name="require_two_factor"')[1][:80]
    )


def test_admin_saves_name_currency_time_zone_and_language(admin, other_workspace):
    response = signed_in(admin).post(
        "/settings/workspace/",
        form(
            admin.workspace,
            name="关系科技",
            base_currency="USD",
            time_zone="Europe/Berlin",
            locale="zh-hans",
        ),
    )
    assert response.status_code == 302
    workspace = Workspace.objects.get(pk=admin.workspace_id)
    assert (workspace.name, workspace.base_currency, workspace.time_zone, workspace.locale) == (
        "关系科技",
        "USD",
        "Europe/Berlin",
        "zh-hans",
    )
    assert workspace.version == 2
    event = AuditEvent.objects.get(action="workspace.update")
    assert event.changes == {
        "name": [admin.workspace.name, "关系科技"],
        "base_currency": ["CNY", "USD"],
        "time_zone": ["Asia/Shanghai", "Europe/Berlin"],
        "locale": ["en", "zh-hans"],
    }
    other_workspace.refresh_from_db()
    assert other_workspace.version == 1 and other_workspace.base_currency == "CNY"


def test_unknown_currency_or_time_zone_changes_nothing(admin):
    client = signed_in(admin)
    for bad in ({"base_currency": "XYZ"}, {"base_currency": "RMB"}, {"time_zone": "Mars/Olympus"}):
        response = client.post("/settings/workspace/", form(admin.workspace, name="Changed", **bad))
        assert response.status_code == 400, bad
    workspace = Workspace.objects.get(pk=admin.workspace_id)
    assert (workspace.name, workspace.version) == (admin.workspace.name, 1)
    assert not AuditEvent.objects.filter(action="workspace.update").exists()


def test_service_refuses_non_iso_currency(owner):
    with pytest.raises(Exception) as raised:
        workspace_update(actor=owner, version=1, data={"base_currency": "ABC"})
    assert "base_currency" in raised.value.fields


def test_stale_version_shows_message(admin):
    Workspace.objects.filter(pk=admin.workspace_id).update(version=4)
    response = signed_in(admin).post(
        "/settings/workspace/", form(admin.workspace, name="Late", version=3)
    )
    assert response.status_code == 409
    assert "Someone else changed this record" in response.content.decode()
    assert Workspace.objects.get(pk=admin.workspace_id).name == admin.workspace.name


def test_admin_cannot_change_two_factor_requirement(admin):
    response = signed_in(admin).post(
        "/settings/workspace/", form(admin.workspace, require_two_factor="on")
    )
    assert response.status_code == 302  # the disabled field keeps its value
    assert Workspace.objects.get(pk=admin.workspace_id).require_two_factor is False
    with pytest.raises(PermissionDenied):
        workspace_update(actor=admin, version=1, data={"require_two_factor": True})
    assert Workspace.objects.get(pk=admin.workspace_id).require_two_factor is False


def test_owner_without_two_factor_cannot_require_it(owner):
    response = signed_in(owner).post(
        "/settings/workspace/", form(owner.workspace, require_two_factor="on")
    )
    assert response.status_code == 422
    assert "Set up two-factor authentication for yourself first." in response.content.decode()
    assert Workspace.objects.get(pk=owner.workspace_id).require_two_factor is False


def test_owner_with_two_factor_requires_it(owner):
    owner.user.totp_secret = "JBSWY3DPEHPK3PXP"
    owner.user.totp_confirmed_at = timezone.now()
    owner.user.save()
    client = signed_in(owner)
    session = client.session
    session["guanxi_two_factor_ok"] = True
    session.save()
    response = client.post("/settings/workspace/", form(owner.workspace, require_two_factor="on"))
    assert response.status_code == 302
    assert Workspace.objects.get(pk=owner.workspace_id).require_two_factor is True
    assert AuditEvent.objects.get(action="workspace.update").changes == {
        "require_two_factor": [False, True]
    }


def test_workspace_page_403_for_role_without_permission(workspace):
    rep = make_member(workspace, "sales_rep")
    client = signed_in(rep)
    assert client.get("/settings/workspace/").status_code == 403
    assert client.post("/settings/workspace/", form(workspace, name="Mine")).status_code == 403
    assert Workspace.objects.get(pk=workspace.pk).name == workspace.name


def test_viewer_sees_read_only_settings(workspace):
    viewer = make_member(workspace, "", permissions={"workspace": ["view"]})
    client = signed_in(viewer)
    page = client.get("/settings/workspace/").content.decode()
    assert "You can see these settings but not change them." in page and "Save settings" not in page
    assert client.post("/settings/workspace/", form(workspace, name="Mine")).status_code == 403


def test_workspace_save_needs_csrf_token(admin):
    response = signed_in(admin, enforce_csrf_checks=True).post(
        "/settings/workspace/", form(admin.workspace, name="Forged")
    )
    assert response.status_code == 403
    assert Workspace.objects.get(pk=admin.workspace_id).name == admin.workspace.name
