"""Create and edit forms for accounts and contacts: every core field and the custom fields, the
services' errors on the right fields, the version check, and the rights of the member's role."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from guanxi.core.models import AuditEvent, Membership
from guanxi.customers.models import Account, Contact
from guanxi.customers.services.accounts import account_create, account_update
from guanxi.customers.services.contacts import contact_create
from guanxi.customers.services.definitions import custom_field_create
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def signed_in(member: Membership) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


def account_form(**overrides) -> dict:
    data = {
        "name": "华为技术有限公司",
        "credit_code": "",
        "level": "A",
        "stage": "interested",
        "industry": "it",
        "size": "1000+",
        "source": "referral",
        "phone": "0755 2878 0808",
        "email": "Sales@Example.com",
        "website": "example.com",
        "country": "CN",
        "province": "广东",
        "city": "深圳",
        "address": "坂田",
        "tags": "VIP, 重点",
        "description": "Met at the fair",
    }
    data.update(overrides)
    return data


def test_create_account_with_every_core_field_writes_it_and_an_audit_row(admin):
    client = signed_in(admin)

    response = client.post("/accounts/new/", account_form(owner=str(admin.user_id)))

    account = Account.objects.get(workspace=admin.workspace)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/{account.pk}/"
    assert (account.name, account.level, account.stage, account.industry, account.size) == (
        "华为技术有限公司",
        "A",
        "interested",
        "it",
        "1000+",
    )
    assert (account.phone, account.email, account.website) == (
        "+8675528780808",
        "sales@example.com",
        "https://example.com",
    )
    assert (account.province, account.city, account.owner_id) == ("广东", "深圳", admin.user_id)
    assert sorted(t.name for t in account.tags.all()) == ["VIP", "重点"]
    event = AuditEvent.objects.get(action="account.create", object_id=str(account.pk))
    assert event.actor_id == admin.user_id
    assert event.changes["name"] == [None, "华为技术有限公司"]
    page = client.get(response["Location"]).content.decode()
    assert "华为技术有限公司" in page and "A (key account)" in page


def test_bad_input_shows_field_errors_and_changes_nothing(admin):
    client = signed_in(admin)

    response = client.post(
        "/accounts/new/",
        account_form(name="", email="not-an-email", credit_code="123", level="Z"),
    )

    assert response.status_code in (400, 422)
    assert not Account.objects.exists()
    html = response.content.decode()
    assert 'id="id_name_error"' in html or "This field is required." in html
    assert "Select a valid choice" in html or "Choose one of the listed options." in html


def test_service_errors_land_on_their_fields(admin):
    response = signed_in(admin).post(
        "/accounts/new/", account_form(email="not-an-email", credit_code="123")
    )

    assert response.status_code == 422
    html = response.content.decode()
    email_error = re.search(r'id="id_email_error">([^<]+)<', html)
    code_error = re.search(r'id="id_credit_code_error">([^<]+)<', html)
    assert email_error and email_error.group(1) == "Enter a valid email address."
    assert code_error and "unified social credit code" in code_error.group(1)
    assert not Account.objects.exists()


def test_custom_fields_are_rendered_by_type_and_saved(admin):
    for label, kind, extra in [
        ("Budget", "money", {"options": {"currency": "USD"}}),
        ("Employees", "number", {}),
        ("Founded", "date", {}),
        ("Listed", "boolean", {}),
        ("Region", "single_select", {"options": ["North", "South"]}),
        ("Channels", "multi_select", {"options": ["Online", "Retail"]}),
        ("Buyer", "user", {}),
        ("Memo", "long_text", {}),
    ]:
        custom_field_create(
            actor=admin,
            data={"object_type": "accounts", "label": label, "field_type": kind, **extra},
        )
    client = signed_in(admin)
    html = client.get("/accounts/new/").content.decode()
    assert 'name="custom.budget"' in html and 'type="number"' in html
    assert (
        'name="custom.founded" type="date"' in html or 'type="date" name="custom.founded"' in html
    )
    assert 'type="checkbox" name="custom.listed"' in html
    assert 'type="checkbox" name="custom.channels"' in html
    assert "Budget (USD)" in html

    response = client.post(
        "/accounts/new/",
        {
            **account_form(),
            "custom.budget": "1200.5",
            "custom.employees": "42",
            "custom.founded": "2001-05-04",
            "custom.listed": "on",
            "custom.region": "South",
            "custom.channels": ["Online", "Retail"],
            "custom.buyer": str(admin.user_id),
            "custom.memo": "line one\nline two",
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    account = Account.objects.get()
    assert account.custom == {
        "budget": {"amount": "1200.50", "currency": "USD"},
        "employees": 42,
        "founded": "2001-05-04",
        "listed": True,
        "region": "South",
        "channels": ["Online", "Retail"],
        "buyer": admin.user_id,
        "memo": "line one\nline two",
    }
    page = client.get(f"/accounts/{account.pk}/").content.decode()
    assert "$1,200.50" in page and "Online, Retail" in page and admin.user.name in page


def test_custom_field_error_lands_on_that_field(admin):
    custom_field_create(
        actor=admin,
        data={"object_type": "accounts", "label": "Employees", "field_type": "number"},
    )
    custom_field_create(
        actor=admin,
        data={
            "object_type": "accounts",
            "label": "Contract no",
            "field_type": "text",
            "required": True,
        },
    )

    response = signed_in(admin).post(
        "/accounts/new/", {**account_form(), "custom.employees": "many", "custom.contract_no": "X1"}
    )

    assert response.status_code == 422
    error = re.search(r'id="id_custom.employees_error">([^<]+)<', response.content.decode())
    assert error and error.group(1) == "Enter a whole number."
    assert not Account.objects.exists()


def test_edit_saves_changes_with_an_audit_row_and_keeps_archived_custom_values(admin):
    account = account_create(actor=admin, data={"name": "Old name", "level": "B"})
    client = signed_in(admin)
    form_html = client.get(f"/accounts/{account.pk}/edit/").content.decode()
    assert 'value="Old name"' in form_html
    assert f'name="version" value="{account.version}"' in form_html

    response = client.post(
        f"/accounts/{account.pk}/edit/",
        account_form(name="New name", level="A", version=str(account.version)),
    )

    assert response.status_code == 302
    account.refresh_from_db()
    assert (account.name, account.level, account.version) == ("New name", "A", 2)
    event = AuditEvent.objects.get(action="account.update", object_id=str(account.pk))
    assert event.changes["name"] == ["Old name", "New name"]
    assert event.changes["level"] == ["B", "A"]


def test_stale_version_is_refused_and_nothing_is_overwritten(admin):
    account = account_create(actor=admin, data={"name": "Acme"})
    stale = account.version
    account_update(actor=admin, account=account, data={"name": "Acme (theirs)"}, version=stale)
    client = signed_in(admin)

    response = client.post(
        f"/accounts/{account.pk}/edit/", account_form(name="Acme (mine)", version=str(stale))
    )

    assert response.status_code == 409
    account.refresh_from_db()
    assert account.name == "Acme (theirs)"
    html = response.content.decode()
    assert "Someone else changed this record while you were editing it." in html
    assert 'data-testid="reload-record"' in html
    assert 'value="Acme (mine)"' in html  # what they typed is still there to copy


def test_owner_select_only_with_the_assign_permission(workspace):
    rep = make_member(workspace, "sales_rep")
    manager = make_member(workspace, "sales_manager")
    assert 'name="owner"' not in signed_in(rep).get("/accounts/new/").content.decode()
    assert 'name="owner"' in signed_in(manager).get("/accounts/new/").content.decode()

    # A rep's new account is theirs, whatever is posted.
    signed_in(rep).post("/accounts/new/", account_form(owner=str(manager.user_id)))
    assert Account.objects.get().owner_id == rep.user_id


def test_read_only_field_is_shown_disabled_and_not_changed(workspace):
    owner = make_member(workspace, "owner")
    editor = make_member(workspace, "admin", readonly_fields={"accounts": ["level"]})
    account = account_create(actor=owner, data={"name": "Acme", "level": "A"})
    client = signed_in(editor)
    html = client.get(f"/accounts/{account.pk}/edit/").content.decode()
    assert re.search(r'<select name="level"[^>]*disabled', html)

    response = client.post(
        f"/accounts/{account.pk}/edit/",
        account_form(name="Acme 2", level="C", version=str(account.version)),
    )

    assert response.status_code == 302
    account.refresh_from_db()
    assert (account.name, account.level) == ("Acme 2", "A")


def test_hidden_field_is_not_on_the_form(workspace):
    owner = make_member(workspace, "owner")
    viewer = make_member(workspace, "admin", hidden_fields={"accounts": ["phone", "custom"]})
    custom_field_create(
        actor=owner, data={"object_type": "accounts", "label": "Secret", "field_type": "text"}
    )
    account = account_create(
        actor=owner, data={"name": "Acme", "phone": "13800138000", "custom": {"secret": "x1"}}
    )
    html = signed_in(viewer).get(f"/accounts/{account.pk}/edit/").content.decode()
    assert 'name="phone"' not in html and "13800138000" not in html
    assert "custom.secret" not in html


def test_new_contact_is_prefilled_with_the_account_and_saves_consent(admin):
    account = account_create(actor=admin, data={"name": "Parent Co"})
    client = signed_in(admin)
    html = client.get(f"/contacts/new/?account={account.pk}").content.decode()
    assert re.search(rf'<option value="{account.pk}" selected>Parent Co</option>', html)
    assert 'type="radio" name="email_consent"' in html

    response = client.post(
        "/contacts/new/",
        {
            "name": "王小明",
            "account": str(account.pk),
            "title": "采购经理",
            "mobile": "138 0013 8000",
            "email": "",
            "birthday": "1990-02-03",
            "email_consent": "granted",
            "sms_consent": "withdrawn",
            "source": "",
            "tags": "",
            "description": "",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    contact = Contact.objects.get()
    assert (contact.name, contact.account_id, contact.mobile) == (
        "王小明",
        account.pk,
        "+8613800138000",
    )
    assert (contact.email_consent, contact.sms_consent) == ("granted", "withdrawn")
    assert contact.email_consent_at is not None
    assert str(contact.birthday) == "1990-02-03"
    assert AuditEvent.objects.filter(action="contact.create", object_id=str(contact.pk)).exists()


def test_contact_cannot_be_linked_to_an_account_the_member_cannot_see(workspace):
    rep = make_member(workspace, "sales_rep")
    other = make_member(workspace, "sales_rep")
    hidden = account_create(actor=other, data={"name": "Not yours"})

    html = signed_in(rep).get("/contacts/new/").content.decode()
    assert "Not yours" not in html
    response = signed_in(rep).post(
        "/contacts/new/",
        {
            "name": "Someone",
            "account": str(hidden.pk),
            "email_consent": "unknown",
            "sms_consent": "unknown",
        },
    )
    assert response.status_code in (400, 422)
    assert not Contact.objects.exists()


def test_edit_contact_form_shows_its_values(admin):
    contact = contact_create(actor=admin, data={"name": "Li Lei", "title": "CTO", "tags": ["Tech"]})
    html = signed_in(admin).get(f"/contacts/{contact.pk}/edit/").content.decode()
    assert 'value="Li Lei"' in html and 'value="CTO"' in html and 'value="Tech"' in html


def test_forms_need_the_permissions(workspace):
    reader = make_member(workspace, "read_only")
    owner = make_member(workspace, "owner")
    account = account_create(actor=owner, data={"name": "Acme"})
    client = signed_in(reader)
    assert client.get("/accounts/new/").status_code == 403
    assert client.get(f"/accounts/{account.pk}/edit/").status_code == 403
    assert client.post(f"/accounts/{account.pk}/edit/", account_form()).status_code == 403


def test_other_workspace_record_is_404(admin, other_workspace):
    stranger = make_member(other_workspace, "admin")
    account = account_create(actor=stranger, data={"name": "Elsewhere"})
    client = signed_in(admin)
    assert client.get(f"/accounts/{account.pk}/edit/").status_code == 404
    assert client.get(f"/accounts/{account.pk}/").status_code == 404


def test_duplicate_is_shown_and_can_be_saved_anyway(workspace):
    rep = make_member(workspace, "sales_rep")
    colleague = make_member(workspace, "sales_rep")
    mine = account_create(actor=rep, data={"name": "Acme 有限公司"})
    theirs = account_create(actor=colleague, data={"name": "Globex", "phone": "13800138000"})
    client = signed_in(rep)

    response = client.post("/accounts/new/", account_form(name="Acme有限公司", phone=""))
    assert response.status_code == 409
    html = response.content.decode()
    assert 'data-testid="duplicates"' in html
    assert f'href="/accounts/{mine.pk}/"' in html
    assert Account.objects.count() == 2

    other = client.post("/accounts/new/", account_form(name="Initech", phone="138 0013 8000"))
    assert other.status_code == 409
    other_html = other.content.decode()
    assert "Globex" in other_html and f'href="/accounts/{theirs.pk}/"' not in other_html

    saved = client.post(
        "/accounts/new/", account_form(name="Initech", phone="138 0013 8000", allow_duplicate="on")
    )
    assert saved.status_code == 302
    assert Account.objects.filter(name="Initech").exists()


def test_the_account_picker_finds_any_account_by_search(admin, monkeypatch):
    from guanxi.customers.views import edit

    # Given more accounts than the picker lists at first (here: one), and one chosen already
    first = account_create(actor=admin, data={"name": "阿里巴巴"})
    wanted = account_create(actor=admin, data={"name": "上海云帆科技有限公司"})
    monkeypatch.setattr(edit, "ACCOUNT_CHOICES_FOUND", 1)
    client = signed_in(admin)
    page = client.get("/contacts/new/").content.decode()
    assert 'data-testid="account-search"' in page and 'hx-target="#id_account"' in page

    # When the member types part of the name, or its pinyin initials, in the search box
    by_name = client.get("/accounts/choices/", {"account_q": "云帆科", "account": first.pk})
    by_initials = client.get("/accounts/choices/", {"account_q": "shyf"})
    nothing = client.get("/accounts/choices/", {"account_q": "不存在的公司"})

    # Then the options are what search finds, the best match selected; cleared, the first
    # accounts again with the chosen one kept
    options = re.findall(r'<option value="(\d*)"( selected)?', by_name.content.decode())
    assert options == [("", ""), (str(wanted.pk), " selected")]
    assert f'value="{wanted.pk}" selected' in by_initials.content.decode()
    assert "No account found" in nothing.content.decode()
    cleared = client.get("/accounts/choices/", {"account_q": "", "account": wanted.pk})
    assert f'value="{wanted.pk}" selected' in cleared.content.decode()


def test_the_account_picker_shows_only_accounts_the_member_may_see(workspace, other_workspace):
    rep = make_member(workspace, "sales_rep")
    colleague = make_member(workspace, "sales_rep")
    stranger = make_member(other_workspace, "admin")
    account_create(actor=colleague, data={"name": "同事的云帆科技"})
    account_create(actor=stranger, data={"name": "外人的云帆科技"})
    own = account_create(actor=rep, data={"name": "我的云帆科技"})

    html = signed_in(rep).get("/accounts/choices/", {"account_q": "云帆科"}).content.decode()
    no_view = make_member(workspace, permissions={"contacts": {"view": True}})

    assert re.findall(r'<option value="(\d+)"', html) == [str(own.pk)]
    assert signed_in(no_view).get("/accounts/choices/", {"account_q": "云帆"}).status_code == 403


def test_a_member_who_may_not_view_accounts_is_not_shown_their_names(workspace, admin):
    account_create(actor=admin, data={"name": "不该看到的客户"})
    member = make_member(workspace, permissions={"contacts": ["view", "create"]})

    html = signed_in(member).get("/contacts/new/").content.decode()

    assert "不该看到的客户" not in html
    assert "No account (individual customer)" in html
