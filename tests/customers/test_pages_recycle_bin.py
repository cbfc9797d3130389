"""The recycle bin: deleted records of every recyclable type the member may delete, who deleted
them and when, the days left before purge, and restore."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from guanxi.core.models import AuditEvent, Membership
from guanxi.customers.models import Account
from guanxi.customers.services.accounts import account_create, account_delete
from guanxi.customers.services.contacts import contact_create, contact_delete
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def signed_in(member: Membership) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


def test_recycle_bin_lists_deleted_records_with_who_when_and_days_left(admin):
    account = account_create(actor=admin, data={"name": "Gone Co"})
    contact = contact_create(actor=admin, data={"name": "Gone Person"})
    account_create(actor=admin, data={"name": "Still here"})
    account_delete(actor=admin, account=account)
    contact_delete(actor=admin, contact=contact)
    Account.objects.filter(pk=account.pk).update(deleted_at=timezone.now() - timedelta(days=28))

    response = signed_in(admin).get("/recycle-bin/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Gone Co" in html and "Gone Person" in html and "Still here" not in html
    assert html.count('data-testid="recycle-row"') == 2
    assert "2 days" in html and "30 days" in html
    assert admin.user.name in html


def test_restore_brings_the_record_back_with_an_audit_row(admin):
    account = account_create(actor=admin, data={"name": "Back Co"})
    account_delete(actor=admin, account=account)
    client = signed_in(admin)

    response = client.post(f"/recycle-bin/accounts/{account.pk}/restore/")

    assert response.status_code == 302 and response["Location"] == f"/accounts/{account.pk}/"
    account.refresh_from_db()
    assert account.deleted_at is None
    assert AuditEvent.objects.filter(action="account.restore", object_id=str(account.pk)).exists()
    assert client.get(f"/accounts/{account.pk}/").status_code == 200


def test_recycle_bin_needs_a_delete_permission_and_hides_other_scopes(workspace):
    reader = make_member(workspace, "read_only")
    assert signed_in(reader).get("/recycle-bin/").status_code == 403

    owner = make_member(workspace, "owner")
    manager = make_member(workspace, "sales_manager", data_scope="own")
    theirs = account_create(actor=owner, data={"name": "Owner Co"})
    mine = account_create(actor=manager, data={"name": "Manager Co"})
    account_delete(actor=owner, account=theirs)
    account_delete(actor=manager, account=mine)
    client = signed_in(manager)
    html = client.get("/recycle-bin/").content.decode()
    assert "Manager Co" in html and "Owner Co" not in html
    assert client.post(f"/recycle-bin/accounts/{theirs.pk}/restore/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.deleted_at is not None


def test_restore_of_a_live_or_unknown_type_is_404(admin):
    account = account_create(actor=admin, data={"name": "Alive"})
    client = signed_in(admin)
    assert client.post(f"/recycle-bin/accounts/{account.pk}/restore/").status_code == 404
    assert client.post(f"/recycle-bin/widgets/{account.pk}/restore/").status_code == 404
    assert client.get(f"/recycle-bin/accounts/{account.pk}/restore/").status_code == 405


def test_empty_recycle_bin_says_so(admin):
    html = signed_in(admin).get("/recycle-bin/").content.decode()
    assert "The recycle bin is empty" in html
