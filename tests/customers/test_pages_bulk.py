"""Bulk actions on selected list rows, and inline edit of one cell with the record's version."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from guanxi.core.models import AuditEvent, Membership
from guanxi.customers import ui_support
from guanxi.customers.models import Account, Contact
from guanxi.customers.services.accounts import account_create, account_update
from guanxi.customers.services.contacts import contact_create
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def signed_in(member: Membership) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_bulk_assign_owner_changes_each_selected_account_with_audit(admin):
    rep = make_member(admin.workspace, "sales_rep")
    a = account_create(actor=admin, data={"name": "A"})
    b = account_create(actor=admin, data={"name": "B"})
    untouched = account_create(actor=admin, data={"name": "C"})

    response = signed_in(admin).post(
        "/accounts/bulk/",
        {"action": "assign", "owner": str(rep.user_id), "ids": [a.pk, b.pk], "query": "level="},
    )

    assert response.status_code == 302 and response["Location"] == "/accounts/?level="
    assert set(Account.objects.filter(owner_id=rep.user_id).values_list("pk", flat=True)) == {
        a.pk,
        b.pk,
    }
    untouched.refresh_from_db()
    assert untouched.owner_id == admin.user_id
    assert AuditEvent.objects.filter(action="account.update").count() == 2
    assert messages_of(response) == ["2 records were changed."]


def test_bulk_add_and_remove_tag(admin):
    a = account_create(actor=admin, data={"name": "A", "tags": ["Old"]})
    b = account_create(actor=admin, data={"name": "B", "tags": ["VIP"]})
    client = signed_in(admin)

    added = client.post("/accounts/bulk/", {"action": "add_tag", "tag": "VIP", "ids": [a.pk, b.pk]})
    assert messages_of(added) == ["1 record was changed."]
    assert sorted(t.name for t in Account.objects.get(pk=a.pk).tags.all()) == ["Old", "VIP"]

    client.post("/accounts/bulk/", {"action": "remove_tag", "tag": "vip", "ids": [a.pk, b.pk]})
    assert [t.name for t in Account.objects.get(pk=a.pk).tags.all()] == ["Old"]
    assert list(Account.objects.get(pk=b.pk).tags.all()) == []


def test_bulk_level_and_delete(admin):
    a = account_create(actor=admin, data={"name": "A", "level": "C"})
    b = account_create(actor=admin, data={"name": "B", "level": "C"})
    client = signed_in(admin)

    client.post("/accounts/bulk/", {"action": "level", "level": "A", "ids": [a.pk, b.pk]})
    assert set(Account.objects.values_list("level", flat=True)) == {"A"}

    client.post("/accounts/bulk/", {"action": "delete", "ids": [a.pk]})
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.deleted_at is not None and b.deleted_at is None


def test_bulk_on_all_matching_rows_follows_the_filters(admin):
    a = account_create(actor=admin, data={"name": "A", "level": "A"})
    account_create(actor=admin, data={"name": "B", "level": "B"})

    signed_in(admin).post(
        "/accounts/bulk/",
        {"action": "add_tag", "tag": "Top", "all_matching": "on", "query": "level=A"},
    )

    assert [a.pk] == list(Account.objects.filter(tags__name="Top").values_list("pk", flat=True))


def test_bulk_reports_the_rows_that_failed_and_changes_the_others(workspace):
    owner = make_member(workspace, "owner")
    editor = make_member(workspace, "admin", readonly_fields={"accounts": ["tags"]})
    a = account_create(actor=owner, data={"name": "A"})
    b = account_create(actor=owner, data={"name": "B"})

    response = signed_in(editor).post(
        "/accounts/bulk/", {"action": "level", "level": "A", "ids": [a.pk, b.pk]}
    )
    assert messages_of(response) == ["2 records were changed."]

    # A row that changed under us fails alone: its version is stale when the loop reaches it.
    real_apply = ui_support.bulk_apply

    def with_concurrent_edit(**kwargs):
        first = kwargs["records"][0]
        account_update(
            actor=owner, account=Account.objects.get(pk=first.pk), data={"name": "A2"}, version=None
        )
        return real_apply(**kwargs)

    ui_support.bulk_apply, original = with_concurrent_edit, ui_support.bulk_apply
    try:
        response = signed_in(editor).post(
            "/accounts/bulk/", {"action": "level", "level": "C", "ids": [a.pk, b.pk]}
        )
    finally:
        ui_support.bulk_apply = original
    found = messages_of(response)
    assert found[0] == "1 record was changed."
    assert found[1].startswith("1 record could not be changed: ")
    assert "Someone else changed this record" in found[1]
    assert Account.objects.get(pk=a.pk).level == "A"
    assert Account.objects.get(pk=b.pk).level == "C"


def test_bulk_refuses_more_than_the_limit(admin, monkeypatch):
    monkeypatch.setattr(ui_support, "BULK_LIMIT", 2)
    ids = [account_create(actor=admin, data={"name": f"Co {i}"}).pk for i in range(3)]

    response = signed_in(admin).post(
        "/accounts/bulk/", {"action": "level", "level": "A", "ids": ids}
    )

    assert messages_of(response) == ["Choose at most 2 records at a time."]
    assert set(Account.objects.values_list("level", flat=True)) == {""}


def test_bulk_needs_the_permission_and_sees_only_visible_rows(workspace):
    rep = make_member(workspace, "sales_rep")
    colleague = make_member(workspace, "sales_rep")
    mine = account_create(actor=rep, data={"name": "Mine"})
    theirs = account_create(actor=colleague, data={"name": "Theirs"})
    client = signed_in(rep)

    refused = client.post("/accounts/bulk/", {"action": "delete", "ids": [mine.pk]})
    assert refused.status_code == 302
    assert Account.objects.get(pk=mine.pk).deleted_at is None

    client.post("/accounts/bulk/", {"action": "add_tag", "tag": "X", "ids": [mine.pk, theirs.pk]})
    assert [t.name for t in Account.objects.get(pk=mine.pk).tags.all()] == ["X"]
    assert list(Account.objects.get(pk=theirs.pk).tags.all()) == []


def test_contact_bulk_has_no_level_action(admin):
    contact_create(actor=admin, data={"name": "Li"})
    html = signed_in(admin).get("/contacts/").content.decode()
    assert 'value="assign"' in html and 'value="level"' not in html
    contact = Contact.objects.get()
    signed_in(admin).post("/contacts/bulk/", {"action": "level", "level": "A", "ids": [contact.pk]})
    assert Contact.objects.get().version == contact.version


# --- Inline edit -------------------------------------------------------------------------------------


def test_inline_edit_shows_a_form_with_the_version_and_saves_the_cell(admin):
    account = account_create(actor=admin, data={"name": "Acme", "level": "C"})
    client = signed_in(admin)

    form = client.get(f"/accounts/{account.pk}/cells/level/", HTTP_HX_REQUEST="true")
    html = form.content.decode()
    assert f'name="version" value="{account.version}"' in html
    assert '<option value="C" selected>' in html

    saved = client.post(
        f"/accounts/{account.pk}/cells/level/",
        {"value": "A", "version": account.version},
        HTTP_HX_REQUEST="true",
    )

    assert saved.status_code == 200
    assert "A (key account)" in saved.content.decode()
    assert 'data-testid="cell-edit"' in saved.content.decode()
    account.refresh_from_db()
    assert (account.level, account.version) == ("A", 2)
    event = AuditEvent.objects.get(action="account.update")
    assert event.changes == {"level": ["C", "A"]}


def test_inline_edit_with_a_stale_version_changes_nothing_and_says_so(admin):
    account = account_create(actor=admin, data={"name": "Acme", "stage": "prospect"})
    stale = account.version
    account_update(actor=admin, account=account, data={"stage": "customer"}, version=stale)
    client = signed_in(admin)

    response = client.post(
        f"/accounts/{account.pk}/cells/stage/",
        {"value": "churned", "version": stale},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200  # htmx swaps only successful answers
    html = response.content.decode()
    assert 'data-testid="cell-stale"' in html
    assert '<option value="customer" selected>' in html
    account.refresh_from_db()
    assert account.stage == "customer"
    plain = client.post(
        f"/accounts/{account.pk}/cells/stage/", {"value": "churned", "version": stale}
    )
    assert plain.status_code == 409


def test_inline_owner_edit_needs_assign_and_read_only_cells_are_not_editable(workspace):
    rep = make_member(workspace, "sales_rep")
    account = account_create(actor=rep, data={"name": "Mine", "level": "A"})
    client = signed_in(rep)
    html = client.get("/accounts/").content.decode()
    assert f"/accounts/{account.pk}/cells/level/" in html
    assert f"/accounts/{account.pk}/cells/owner/" not in html
    assert client.get(f"/accounts/{account.pk}/cells/owner/").status_code == 404

    owner = make_member(workspace, "owner")
    locked = make_member(workspace, "admin", readonly_fields={"accounts": ["level"]})
    other = account_create(actor=owner, data={"name": "Other", "level": "B"})
    assert signed_in(locked).get(f"/accounts/{other.pk}/cells/level/").status_code == 404
    assert (
        signed_in(locked)
        .post(f"/accounts/{other.pk}/cells/level/", {"value": "A", "version": other.version})
        .status_code
        == 404
    )
    assert Account.objects.get(pk=other.pk).level == "B"


def test_inline_cancel_shows_the_cell_again(admin):
    account = account_create(actor=admin, data={"name": "Acme", "level": "B"})
    response = signed_in(admin).get(f"/accounts/{account.pk}/cells/level/", {"show": "1"})
    html = response.content.decode()
    assert "B (regular)" in html and "<form" not in html
    assert re.search(r'hx-get="/accounts/\d+/cells/level/"', html)
