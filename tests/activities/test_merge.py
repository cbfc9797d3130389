"""A customer merge takes the merged-away record's activities and tasks to the master; undo
brings them back."""

from __future__ import annotations

import pytest
from django.utils import timezone

from guanxi.activities.models import Activity, ActivityParticipant, Task
from guanxi.activities.services.activities import activity_log
from guanxi.activities.services.tasks import task_create
from guanxi.customers.services.accounts import account_create
from guanxi.customers.services.contacts import contact_create
from guanxi.customers.services.merge import merge_undo, records_merge

pytestmark = pytest.mark.django_db


def test_merging_accounts_moves_activities_and_tasks_and_undo_moves_them_back(admin):
    master = account_create(actor=admin, data={"name": "腾讯科技"})
    duplicate = account_create(actor=admin, data={"name": "腾讯科技（深圳）"}, allow_duplicate=True)
    activity = activity_log(actor=admin, data={"type": "call", "account_id": duplicate.pk})
    task = task_create(
        actor=admin, data={"title": "回访", "due_at": timezone.now(), "account_id": duplicate.pk}
    )

    records_merge(
        actor=admin, object_type="accounts", master_id=master.pk, duplicate_ids=[duplicate.pk]
    )

    assert Activity.objects.get(pk=activity.pk).account_id == master.pk
    assert Task.objects.get(pk=task.pk).account_id == master.pk

    merge_undo(actor=admin, object_type="accounts", master_id=master.pk)

    assert Activity.objects.get(pk=activity.pk).account_id == duplicate.pk
    assert Task.objects.get(pk=task.pk).account_id == duplicate.pk


def test_merging_contacts_moves_their_part_in_meetings(admin):
    master = contact_create(actor=admin, data={"name": "刘洋"})
    duplicate = contact_create(actor=admin, data={"name": "刘洋", "mobile": "13800138000"})
    both = activity_log(
        actor=admin,
        data={"type": "meeting", "participant_contact_ids": [master.pk, duplicate.pk]},
    )
    only_duplicate = activity_log(
        actor=admin, data={"type": "meeting", "participant_contact_ids": [duplicate.pk]}
    )

    records_merge(
        actor=admin, object_type="contacts", master_id=master.pk, duplicate_ids=[duplicate.pk]
    )

    assert list(
        ActivityParticipant.objects.filter(activity=only_duplicate).values_list(
            "contact_id", flat=True
        )
    ) == [master.pk]
    assert sorted(
        ActivityParticipant.objects.filter(activity=both).values_list("contact_id", flat=True)
    ) == sorted([master.pk, duplicate.pk])
