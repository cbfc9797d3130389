"""Merging duplicates and undoing the merge."""

from __future__ import annotations

import pytest

from guanxi.core.models import AuditEvent, TimelineEntry
from guanxi.customers.models import Account, Contact, MergeRecord
from guanxi.customers.services.accounts import account_create
from guanxi.customers.services.contacts import contact_create
from tests.conftest import api_for
from tests.factories import make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(admin):
    master = account_create(
        actor=admin, data={"name": "云帆科技有限公司", "city": "上海", "tags": ["VIP"]}
    )
    twin = account_create(
        actor=admin,
        data={"name": "云帆科技(上海)有限公司", "phone": "021 6888 8888", "tags": ["续约"]},
        allow_duplicate=True,
    )
    return master, twin


def test_merge_moves_contacts_and_timeline_and_bins_the_duplicate(admin, admin_api, pair):
    master, twin = pair
    person = contact_create(actor=admin, data={"name": "陈静", "account_id": twin.pk})

    response = admin_api.post(
        "/accounts/merge",
        {"master_id": master.pk, "duplicate_ids": [twin.pk], "fields": {"name": twin.pk}},
    )

    assert response.status_code == 200, response.content
    master.refresh_from_db()
    twin.refresh_from_db()
    assert master.name == "云帆科技(上海)有限公司"
    assert master.phone == "+862168888888"  # empty on the master: taken from the duplicate
    assert master.city == "上海"
    assert sorted(t.name for t in master.tags.all()) == ["VIP", "续约"]
    assert twin.deleted_at is not None and twin.merged_into_id == master.pk
    assert Contact.objects.get(pk=person.pk).account_id == master.pk
    assert not TimelineEntry.objects.filter(subject_type="accounts", subject_id=twin.pk).exists()
    assert TimelineEntry.objects.filter(subject_id=master.pk, kind="record.merged").exists()
    assert AuditEvent.objects.filter(action="account.merge", object_id=str(master.pk)).exists()
    assert AuditEvent.objects.filter(action="account.merged_away", object_id=str(twin.pk)).exists()


def test_undo_brings_everything_back(admin, admin_api, pair):
    master, twin = pair
    person = contact_create(actor=admin, data={"name": "陈静", "account_id": twin.pk})
    twin_entries = set(
        TimelineEntry.objects.filter(subject_type="accounts", subject_id=twin.pk).values_list(
            "id", flat=True
        )
    )
    admin_api.post(
        "/accounts/merge",
        {"master_id": master.pk, "duplicate_ids": [twin.pk], "fields": {"name": twin.pk}},
    )

    response = admin_api.post(f"/accounts/{master.pk}/undo-merge")

    assert response.status_code == 200, response.content
    master.refresh_from_db()
    twin.refresh_from_db()
    assert (master.name, master.phone) == ("云帆科技有限公司", "")
    assert sorted(t.name for t in master.tags.all()) == ["VIP"]
    assert twin.deleted_at is None and twin.merged_into_id is None
    assert Contact.objects.get(pk=person.pk).account_id == twin.pk
    assert twin_entries <= set(
        TimelineEntry.objects.filter(subject_type="accounts", subject_id=twin.pk).values_list(
            "id", flat=True
        )
    )
    assert MergeRecord.objects.get().undone_at is not None
    assert admin_api.post(f"/accounts/{master.pk}/undo-merge").status_code == 409


def test_undo_keeps_a_field_edited_after_the_merge(admin, admin_api, pair):
    master, twin = pair
    admin_api.post("/accounts/merge", {"master_id": master.pk, "duplicate_ids": [twin.pk]})
    master.refresh_from_db()
    admin_api.patch(f"/accounts/{master.pk}", {"version": master.version, "phone": "02155556666"})

    admin_api.post(f"/accounts/{master.pk}/undo-merge")

    master.refresh_from_db()
    assert master.phone == "+862155556666"


def test_merged_duplicate_cannot_be_restored_from_the_bin(admin, admin_api, pair):
    master, twin = pair
    admin_api.post("/accounts/merge", {"master_id": master.pk, "duplicate_ids": [twin.pk]})

    response = admin_api.post(f"/accounts/{twin.pk}/restore")

    assert response.status_code == 403
    assert Account.objects.get(pk=twin.pk).deleted_at is not None


def test_merge_needs_every_record_visible(workspace, admin):
    rep = make_member(
        workspace, "sales_rep", permissions={"accounts": ["view", "create", "edit", "delete"]}
    )
    mine = account_create(actor=rep, data={"name": "Mine Co"})
    theirs = account_create(actor=admin, data={"name": "Theirs Co"})

    response = api_for(rep).post(
        "/accounts/merge", {"master_id": mine.pk, "duplicate_ids": [theirs.pk]}
    )

    assert response.status_code == 404
    assert Account.objects.get(pk=theirs.pk).deleted_at is None


def test_merge_needs_delete_permission(workspace):
    rep = make_member(workspace, "sales_rep")  # view, create, edit
    a = account_create(actor=rep, data={"name": "A Co"})
    b = account_create(actor=rep, data={"name": "B Co"})

    response = api_for(rep).post("/accounts/merge", {"master_id": a.pk, "duplicate_ids": [b.pk]})

    assert response.status_code == 403


def test_field_source_must_be_one_of_the_merged_records(admin_api, pair, admin):
    master, twin = pair
    stranger = account_create(actor=admin, data={"name": "Stranger Co"})

    response = admin_api.post(
        "/accounts/merge",
        {"master_id": master.pk, "duplicate_ids": [twin.pk], "fields": {"name": stranger.pk}},
    )

    assert response.status_code == 422
    assert Account.objects.get(pk=twin.pk).deleted_at is None


def test_contacts_merge_keeps_the_latest_follow_up(admin, admin_api):
    from datetime import timedelta

    from django.utils import timezone

    a = contact_create(actor=admin, data={"name": "张伟", "mobile": "13800000001"})
    b = contact_create(
        actor=admin, data={"name": "张伟", "email": "zw@example.com"}, allow_duplicate=True
    )
    later = timezone.now() - timedelta(days=1)
    Contact.objects.filter(pk=b.pk).update(last_followed_at=later)

    response = admin_api.post("/contacts/merge", {"master_id": a.pk, "duplicate_ids": [b.pk]})

    assert response.status_code == 200
    a.refresh_from_db()
    assert (a.mobile, a.email, a.last_followed_at) == ("+8613800000001", "zw@example.com", later)
