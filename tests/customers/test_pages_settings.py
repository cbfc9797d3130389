"""Settings pages for administrators: custom fields (add, edit, archive, restore), pick lists
(rename, reorder, retire, add) and tags (rename, colour, delete)."""

from __future__ import annotations

import pytest
from django.test import Client

from guanxi.core.models import AuditEvent, Membership
from guanxi.customers import selectors
from guanxi.customers.models import CustomField, PicklistOption, Tag
from guanxi.customers.services.accounts import account_create
from guanxi.customers.services.definitions import custom_field_create, tag_create
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def signed_in(member: Membership) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


# --- Custom fields -------------------------------------------------------------------------------


def test_admin_adds_a_select_field_with_options(admin):
    client = signed_in(admin)

    response = client.post(
        "/settings/custom-fields/?type=accounts",
        {
            "object_type": "accounts",
            "label": "Partner tier",
            "field_type": "single_select",
            "options": "gold | 金牌\nSilver\n",
            "required": "",
            "help_text": "",
            "key": "",
            "currency": "",
        },
    )

    assert response.status_code == 302
    field = CustomField.objects.get(workspace=admin.workspace)
    assert (field.key, field.label, field.field_type) == (
        "partner_tier",
        "Partner tier",
        "single_select",
    )
    assert field.options == [
        {"value": "gold", "label": "金牌"},
        {"value": "Silver", "label": "Silver"},
    ]
    assert AuditEvent.objects.filter(action="custom_field.create").exists()
    listing = client.get("/settings/custom-fields/?type=accounts").content.decode()
    assert "Partner tier" in listing and "partner_tier" in listing


def test_money_field_takes_its_currency(admin):
    signed_in(admin).post(
        "/settings/custom-fields/",
        {"object_type": "contacts", "label": "Deposit", "field_type": "money", "currency": "usd"},
    )
    field = CustomField.objects.get()
    assert (field.object_type, field.options) == ("contacts", {"currency": "USD"})


def test_add_field_errors_are_shown_and_nothing_is_created(admin):
    custom_field_create(
        actor=admin, data={"object_type": "accounts", "label": "Region", "field_type": "text"}
    )
    response = signed_in(admin).post(
        "/settings/custom-fields/",
        {
            "object_type": "accounts",
            "label": "Region",
            "field_type": "single_select",
            "options": "",
        },
    )
    assert response.status_code == 422
    assert "Add at least one option." in response.content.decode()
    assert CustomField.objects.count() == 1


def test_edit_label_required_order_and_options(admin):
    field = custom_field_create(
        actor=admin,
        data={
            "object_type": "accounts",
            "label": "Tier",
            "field_type": "single_select",
            "options": ["Gold"],
        },
    )
    client = signed_in(admin)
    assert "Gold" in client.get(f"/settings/custom-fields/{field.pk}/").content.decode()

    response = client.post(
        f"/settings/custom-fields/{field.pk}/",
        {
            "label": "Partner tier",
            "help_text": "From the contract",
            "required": "on",
            "position": "5",
            "options": "Gold\nsilver | Silver",
            "version": field.version,
        },
    )

    assert response.status_code == 302
    field.refresh_from_db()
    assert (field.label, field.help_text, field.required, field.position) == (
        "Partner tier",
        "From the contract",
        True,
        5,
    )
    assert field.options == [
        {"value": "Gold", "label": "Gold"},
        {"value": "silver", "label": "Silver"},
    ]


def test_stale_field_edit_is_refused(admin):
    field = custom_field_create(
        actor=admin, data={"object_type": "accounts", "label": "Tier", "field_type": "text"}
    )
    response = signed_in(admin).post(
        f"/settings/custom-fields/{field.pk}/",
        {"label": "New", "position": "1", "version": field.version + 5},
    )
    assert response.status_code == 409
    field.refresh_from_db()
    assert field.label == "Tier"


def test_archive_keeps_values_and_restore_brings_them_back(admin):
    field = custom_field_create(
        actor=admin, data={"object_type": "accounts", "label": "Region", "field_type": "text"}
    )
    account = account_create(actor=admin, data={"name": "Acme", "custom": {"region": "华东"}})
    client = signed_in(admin)
    edit_page = client.get(f"/settings/custom-fields/{field.pk}/").content.decode()
    assert "No data is deleted" in edit_page

    client.post(f"/settings/custom-fields/{field.pk}/archive/")
    field.refresh_from_db()
    assert field.archived_at is not None
    assert "华东" not in client.get(f"/accounts/{account.pk}/").content.decode()
    listing = client.get("/settings/custom-fields/?type=accounts").content.decode()
    assert 'data-testid="archived-fields"' in listing

    client.post(f"/settings/custom-fields/{field.pk}/archive/", {"restore": "1"})
    field.refresh_from_db()
    assert field.archived_at is None
    assert "华东" in client.get(f"/accounts/{account.pk}/").content.decode()


def test_custom_field_pages_need_the_permissions(workspace):
    rep = make_member(workspace, "sales_rep")
    client = signed_in(rep)
    listing = client.get("/settings/custom-fields/")
    assert listing.status_code == 200
    assert 'data-testid="custom-field-create"' not in listing.content.decode()
    response = client.post(
        "/settings/custom-fields/",
        {"object_type": "accounts", "label": "Sneaky", "field_type": "text"},
    )
    assert response.status_code == 403
    assert not CustomField.objects.exists()
    nobody = make_member(workspace, "", permissions={})
    assert signed_in(nobody).get("/settings/custom-fields/").status_code == 403


# --- Pick lists -------------------------------------------------------------------------------------


def level_options(workspace) -> list[tuple[str, str, bool]]:
    return [
        (o.value, o.label, o.is_active)
        for o in PicklistOption.objects.filter(
            workspace=workspace, list_key="account_level"
        ).order_by("position", "id")
    ]


def test_rename_reorder_retire_and_add_pick_list_options(admin):
    options = {
        o.value: o
        for o in PicklistOption.objects.filter(workspace=admin.workspace, list_key="account_level")
    }
    a, b, c = options["A"], options["B"], options["C"]
    client = signed_in(admin)
    assert "A (key account)" in client.get("/settings/picklists/").content.decode()

    response = client.post(
        "/settings/picklists/",
        {
            "list_key": "account_level",
            f"account_level-{a.pk}-label": "战略",
            f"account_level-{a.pk}-position": "2",
            f"account_level-{a.pk}-active": "1",
            f"account_level-{b.pk}-label": "B",
            f"account_level-{b.pk}-position": "1",
            f"account_level-{b.pk}-active": "1",
            f"account_level-{c.pk}-label": "C (small)",
            f"account_level-{c.pk}-position": "3",
            "account_level-new": ["VIP", ""],
        },
    )

    assert response.status_code == 302
    found = level_options(admin.workspace)
    assert [o for o in found if o[2]] == [
        ("B", "B", True),
        ("A", "战略", True),
        ("VIP", "VIP", True),
    ]
    assert [o for o in found if not o[2]] == [("C", "C (small)", False)]
    assert AuditEvent.objects.filter(action="picklist.update").exists()


def test_pick_lists_can_be_read_but_not_saved_without_workspace_edit(workspace):
    manager = make_member(workspace, "sales_manager", permissions={"workspace": ["view"]})
    client = signed_in(manager)
    page = client.get("/settings/picklists/")
    assert page.status_code == 200
    assert "Save list" not in page.content.decode()
    before = level_options(workspace)
    assert client.post("/settings/picklists/", {"list_key": "account_level"}).status_code == 403
    assert level_options(workspace) == before


# --- Tags ------------------------------------------------------------------------------------------


def test_add_rename_recolour_and_delete_a_tag(admin):
    client = signed_in(admin)
    client.post("/settings/tags/", {"name": "VIP", "color": "red"})
    tag = Tag.objects.get(workspace=admin.workspace)
    assert (tag.name, tag.color) == ("VIP", "red")

    client.post(
        f"/settings/tags/{tag.pk}/",
        {
            f"tag{tag.pk}-name": "重要客户",
            f"tag{tag.pk}-color": "green",
            f"tag{tag.pk}-version": tag.version,
        },
    )
    tag.refresh_from_db()
    assert (tag.name, tag.color) == ("重要客户", "green")
    assert "重要客户" in client.get("/settings/tags/").content.decode()

    client.post(f"/settings/tags/{tag.pk}/delete/")
    assert not Tag.objects.filter(pk=tag.pk).exists()
    assert AuditEvent.objects.filter(action="tag.delete").exists()


def test_duplicate_tag_name_is_refused_with_a_message(admin):
    tag_create(actor=admin, name="VIP")
    response = signed_in(admin).post("/settings/tags/", {"name": "vip", "color": "blue"})
    assert response.status_code == 422
    assert "A tag with this name already exists." in response.content.decode()
    assert Tag.objects.count() == 1


def test_tag_settings_follow_the_tag_permissions(workspace):
    rep = make_member(workspace, "sales_rep")
    admin = make_member(workspace, "admin")
    tag = tag_create(actor=admin, name="Keep")
    client = signed_in(rep)
    html = client.get("/settings/tags/").content.decode()
    assert "Keep" in html and f"/settings/tags/{tag.pk}/delete/" not in html
    assert client.post(f"/settings/tags/{tag.pk}/delete/").status_code == 403
    assert Tag.objects.filter(pk=tag.pk).exists()
    assert selectors.tag_list(actor=rep).count() == 1
