"""Soft delete, the recycle bin's 30 days and the purge after them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from guanxi.core.models import AuditEvent, TimelineEntry
from guanxi.core.scheduled_jobs import purge_recycle_bin_now
from guanxi.customers.models import Account, Contact
from guanxi.customers.services.accounts import account_create, account_delete
from guanxi.customers.services.contacts import contact_create, contact_delete

pytestmark = pytest.mark.django_db


def test_purge_removes_only_records_deleted_more_than_30_days_ago(admin):
    old = account_create(actor=admin, data={"name": "Old"})
    recent = account_create(actor=admin, data={"name": "Recent"})
    alive = account_create(actor=admin, data={"name": "Alive"})
    account_delete(actor=admin, account=old)
    account_delete(actor=admin, account=recent)
    Account.objects.filter(pk=old.pk).update(deleted_at=timezone.now() - timedelta(days=31))

    assert purge_recycle_bin_now() == 1

    assert set(Account.objects.values_list("name", flat=True)) == {"Recent", "Alive"}
    assert not TimelineEntry.objects.filter(subject_type="accounts", subject_id=old.pk).exists()
    assert AuditEvent.objects.filter(action="account.purge", object_id=str(old.pk)).exists()
    assert alive.pk in set(Account.objects.values_list("pk", flat=True))


def test_purging_an_account_keeps_its_contacts_unlinked(admin):
    account = account_create(actor=admin, data={"name": "Gone"})
    contact = contact_create(actor=admin, data={"name": "留下", "account_id": account.pk})
    account_delete(actor=admin, account=account)
    Account.objects.filter(pk=account.pk).update(deleted_at=timezone.now() - timedelta(days=40))

    purge_recycle_bin_now()

    contact.refresh_from_db()
    assert contact.account_id is None and contact.deleted_at is None


def test_contacts_are_purged_too(admin):
    contact = contact_create(actor=admin, data={"name": "Old"})
    contact_delete(actor=admin, contact=contact)
    Contact.objects.filter(pk=contact.pk).update(deleted_at=timezone.now() - timedelta(days=31))

    assert purge_recycle_bin_now() == 1
    assert not Contact.objects.exists()


def test_purging_an_account_removes_its_activities_from_other_timelines(admin):
    from guanxi.activities.services.activities import activity_log
    from guanxi.core.models import TimelineEntry

    account = account_create(actor=admin, data={"name": "Gone With Activities"})
    contact = contact_create(actor=admin, data={"name": "Stays"})
    activity_log(
        actor=admin,
        data={
            "type": "call",
            "subject": "Call",
            "account_id": account.pk,
            "contact_id": contact.pk,
        },
    )
    assert TimelineEntry.objects.filter(subject_type="contacts", ref_type="activities").exists()
    account_delete(actor=admin, account=account)
    Account.objects.filter(pk=account.pk).update(deleted_at=timezone.now() - timedelta(days=31))

    purge_recycle_bin_now()

    assert not TimelineEntry.objects.filter(subject_type="contacts", ref_type="activities").exists()
    assert Contact.objects.filter(pk=contact.pk).exists()
