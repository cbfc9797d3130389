"""The audit log and the home page's recent activity read customer actions as sentences, in
the member's language, never as codes (contact.create)."""

from __future__ import annotations

import pytest
from django.utils import translation

from guanxi.core.audit_actions import action_label
from guanxi.core.models import AuditEvent
from guanxi.customers.models import PoolAction
from guanxi.customers.services.accounts import account_create
from guanxi.customers.services.contacts import contact_create, contact_delete, contact_restore
from guanxi.customers.services.definitions import custom_field_archive, custom_field_create
from guanxi.customers.services.pool import record_claim, record_return

pytestmark = pytest.mark.django_db

RECORD_ACTIONS = ["create", "update", "delete", "restore", "purge", "merge", "merged_away"]
RECORD_ACTIONS += ["merge_undo", *PoolAction.values]


@pytest.mark.parametrize("singular", ["account", "contact"])
def test_every_record_action_has_a_label(singular):
    unlabelled = [a for a in RECORD_ACTIONS if action_label(f"{singular}.{a}") == f"{singular}.{a}"]
    assert unlabelled == []


def test_the_actions_customers_write_are_labelled_in_both_languages(admin):
    # Given a member's day: records created, deleted, restored, pooled and claimed, a field
    account_create(actor=admin, data={"name": "云帆科技"})
    contact = contact_create(actor=admin, data={"name": "张伟"})
    contact_delete(actor=admin, contact=contact)
    contact_restore(actor=admin, contact=contact)
    record_return(actor=admin, object_type="contacts", record_id=contact.pk, reason="不再跟进")
    record_claim(actor=admin, object_type="contacts", record_id=contact.pk)
    field = custom_field_create(
        actor=admin, data={"object_type": "contacts", "label": "爱好", "field_type": "text"}
    )
    custom_field_archive(actor=admin, field=field)

    codes = set(
        AuditEvent.objects.filter(workspace_id=admin.workspace_id).values_list("action", flat=True)
    )

    # Then each reads as a sentence, in English and in Chinese
    assert {"contact.delete", "contact.claim", "custom_field.archive"} <= codes
    assert [c for c in codes if action_label(c) == c] == []
    with translation.override("zh-hans"):
        assert action_label("contact.create") == "创建联系人"
        assert action_label("contact.return") == "将联系人退回公海"
