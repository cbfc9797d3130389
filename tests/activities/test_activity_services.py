"""Logging, changing and deleting activities: validation, audit, timelines and the customers'
last follow-up."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from guanxi.activities.models import Activity, ActivityParticipant
from guanxi.activities.services.activities import (
    activity_delete,
    activity_log,
    activity_purge,
    activity_restore,
    activity_update,
)
from guanxi.core.errors import PermissionDenied, StaleVersion, ValidationFailed
from guanxi.core.models import AuditEvent, TimelineEntry
from guanxi.customers.models import Account, Contact
from guanxi.customers.services.accounts import account_create, account_update
from tests.activities.conftest import NOW
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def entries(ref_id: int) -> set[tuple[str, int, str]]:
    return set(
        TimelineEntry.objects.filter(ref_type="activities", ref_id=ref_id).values_list(
            "subject_type", "subject_id", "kind"
        )
    )


def test_log_on_a_contact_is_audited_and_on_the_contact_and_its_account_timelines(
    rep, account, contact
):
    activity = activity_log(
        actor=rep,
        data={"type": "call", "subject": "报价跟进", "contact_id": contact.pk},
        now=NOW,
    )

    assert activity.account_id == account.pk  # the contact's account comes along
    assert activity.owner_id == rep.user_id
    assert activity.created_by_id == rep.user_id
    event = AuditEvent.objects.get(action="activity.create", object_id=str(activity.pk))
    assert event.actor_id == rep.user_id
    assert event.changes["type"] == [None, "call"]
    assert event.changes["contact"] == [None, contact.pk]
    assert entries(activity.pk) == {
        ("accounts", account.pk, "activity.call"),
        ("contacts", contact.pk, "activity.call"),
    }
    entry = TimelineEntry.objects.filter(ref_type="activities", ref_id=activity.pk).first()
    assert entry.title == "报价跟进"
    assert entry.actor_id == rep.user_id
    assert entry.occurred_at == activity.occurred_at


def test_log_moves_last_follow_up_of_account_and_contact_without_editing_them(
    rep, account, contact
):
    account_version, contact_version = account.version, contact.version
    edits_before = TimelineEntry.objects.filter(kind="record.updated").count()
    when = NOW - timedelta(hours=2)

    activity_log(
        actor=rep,
        data={"type": "visit", "contact_id": contact.pk, "occurred_at": when},
        now=NOW,
    )

    account.refresh_from_db()
    contact.refresh_from_db()
    assert account.last_followed_at == when
    assert contact.last_followed_at == when
    assert (account.version, contact.version) == (account_version, contact_version)
    assert TimelineEntry.objects.filter(kind="record.updated").count() == edits_before


def test_an_earlier_dated_log_does_not_move_last_follow_up_back(rep, account):
    activity_log(actor=rep, data={"type": "call", "account_id": account.pk}, now=NOW)

    activity_log(
        actor=rep,
        data={
            "type": "note",
            "body": "补记",
            "account_id": account.pk,
            "occurred_at": NOW - timedelta(days=3),
        },
        now=NOW,
    )

    account.refresh_from_db()
    assert account.last_followed_at == NOW


def test_a_planned_meeting_in_the_future_is_not_a_follow_up_yet(rep, account):
    activity_log(
        actor=rep,
        data={"type": "meeting", "account_id": account.pk, "occurred_at": NOW + timedelta(days=1)},
        now=NOW,
    )

    account.refresh_from_db()
    assert account.last_followed_at is None


def test_a_cancelled_meeting_is_not_a_follow_up(rep, account):
    activity_log(
        actor=rep,
        data={"type": "meeting", "outcome": "cancelled", "account_id": account.pk},
        now=NOW,
    )

    account.refresh_from_db()
    assert account.last_followed_at is None


def test_ownership_transfer_leaves_last_follow_up_alone(workspace, rep, account):
    activity_log(actor=rep, data={"type": "call", "account_id": account.pk}, now=NOW)
    manager = make_member(workspace, "sales_manager")
    other = make_member(workspace, "sales_rep")
    account.refresh_from_db()

    account_update(
        actor=manager, account=account, data={"owner_id": other.user_id}, version=account.version
    )

    account.refresh_from_db()
    assert account.last_followed_at == NOW


def test_log_touches_no_other_workspace(rep, account, other_workspace):
    their_rep = make_member(other_workspace, "sales_rep")
    theirs = account_create(actor=their_rep, data={"name": "华为技术有限公司"})

    activity_log(actor=rep, data={"type": "call", "account_id": account.pk}, now=NOW)

    theirs.refresh_from_db()
    assert theirs.last_followed_at is None
    assert not TimelineEntry.objects.filter(
        workspace=other_workspace, ref_type="activities"
    ).exists()


def test_cannot_link_another_workspaces_account(rep, other_workspace):
    theirs = account_create(actor=make_member(other_workspace, "sales_rep"), data={"name": "X"})

    with pytest.raises(ValidationFailed) as caught:
        activity_log(actor=rep, data={"type": "call", "account_id": theirs.pk})

    assert caught.value.fields == {"account_id": ["Choose an account you can see."]}
    assert not Activity.objects.exists()


def test_cannot_link_a_customer_outside_ones_data_scope(workspace, rep):
    someone_elses = account_create(
        actor=make_member(workspace, "sales_rep"), data={"name": "别人的客户"}
    )

    with pytest.raises(ValidationFailed) as caught:
        activity_log(actor=rep, data={"type": "call", "account_id": someone_elses.pk})

    assert list(caught.value.fields) == ["account_id"]


def test_cannot_link_a_deleted_contact(rep, lone_contact):
    Contact.objects.filter(pk=lone_contact.pk).update(deleted_at=NOW)

    with pytest.raises(ValidationFailed) as caught:
        activity_log(actor=rep, data={"type": "call", "contact_id": lone_contact.pk})

    assert caught.value.fields == {"contact_id": ["Choose a contact you can see."]}


def test_log_needs_the_create_permission(workspace, account):
    viewer = make_member(workspace, "read_only")

    with pytest.raises(PermissionDenied):
        activity_log(actor=viewer, data={"type": "call", "account_id": account.pk})

    assert not Activity.objects.exists()


def test_invalid_fields_are_all_named_at_once(rep):
    with pytest.raises(ValidationFailed) as caught:
        activity_log(
            actor=rep,
            data={
                "type": "fax",
                "duration_minutes": 24 * 60 + 1,
                "direction": "sideways",
                "latitude": "95",
                "longitude": "0",
            },
        )

    assert set(caught.value.fields) == {"type", "duration_minutes", "direction", "latitude"}
    assert caught.value.fields["duration_minutes"] == ["Enter a number from 0 to 1440."]


def test_a_note_needs_text(rep, account):
    with pytest.raises(ValidationFailed) as caught:
        activity_log(actor=rep, data={"type": "note", "body": "  ", "account_id": account.pk})

    assert caught.value.fields == {"body": ["Write the note."]}


def test_body_over_100_kb_is_refused(rep, account):
    with pytest.raises(ValidationFailed) as caught:
        activity_log(
            actor=rep, data={"type": "note", "body": "字" * 40_000, "account_id": account.pk}
        )

    assert caught.value.fields == {"body": ["The text is too long: at most 100 KB."]}


def test_unknown_fields_are_refused(rep):
    with pytest.raises(ValidationFailed) as caught:
        activity_log(actor=rep, data={"type": "call", "workspace_id": 1})

    assert caught.value.fields == {"workspace_id": ["Unknown field."]}


def test_html_body_is_sanitized(rep, account):
    activity = activity_log(
        actor=rep,
        data={
            "type": "email",
            "body_format": "html",
            "body": '<p onclick="steal()">Hi<img src=x onerror="alert(1)"><script>alert(2)</script>'
            '<a href="javascript:alert(3)">x</a> <a href="https://example.com">site</a></p>',
            "account_id": account.pk,
        },
    )

    assert activity.body == (
        '<p>Hi<a rel="noopener noreferrer">x</a> '
        '<a href="https://example.com" rel="noopener noreferrer">site</a></p>'
    )
    assert activity.body_text == "Hix site"


def test_markdown_body_is_rendered_without_raw_html(rep, account):
    activity = activity_log(
        actor=rep,
        data={
            "type": "note",
            "body": "# 会议纪要\n- 价格 **已确认**\n\n<script>alert(1)</script>",
            "account_id": account.pk,
        },
    )

    assert activity.body == (
        "<h3>会议纪要</h3>\n<ul>\n<li>价格 <strong>已确认</strong></li>\n</ul>\n"
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"
    )
    assert activity.body_text == "会议纪要\n\n价格 已确认\n\n<script>alert(1)</script>"
    assert activity.body_source.startswith("# 会议纪要")


def test_a_visit_keeps_its_location(rep, account):
    activity = activity_log(
        actor=rep,
        data={
            "type": "visit",
            "account_id": account.pk,
            "location_name": "深圳市龙岗区坂田华为基地",
            "latitude": "22.6532151",
            "longitude": 114.058,
        },
    )

    activity.refresh_from_db()
    assert activity.latitude == Decimal("22.653215")
    assert activity.longitude == Decimal("114.058000")


def test_participants_put_the_activity_on_their_timelines(workspace, rep, account, lone_contact):
    colleague = make_member(workspace, "sales_rep")

    activity = activity_log(
        actor=rep,
        data={
            "type": "meeting",
            "account_id": account.pk,
            "participant_user_ids": [colleague.user_id],
            "participant_contact_ids": [lone_contact.pk],
        },
        now=NOW,
    )

    assert set(
        ActivityParticipant.objects.filter(activity=activity).values_list("user_id", "contact_id")
    ) == {(colleague.user_id, None), (None, lone_contact.pk)}
    assert entries(activity.pk) == {
        ("accounts", account.pk, "activity.meeting"),
        ("contacts", lone_contact.pk, "activity.meeting"),
    }
    lone_contact.refresh_from_db()
    assert lone_contact.last_followed_at is not None


def test_logging_for_someone_else_needs_assign(workspace, rep, account):
    colleague = make_member(workspace, "sales_rep")

    with pytest.raises(PermissionDenied):
        activity_log(
            actor=rep,
            data={"type": "call", "account_id": account.pk, "owner_id": colleague.user_id},
        )


def test_update_rewrites_the_timeline_entries(rep, account, contact, lone_contact):
    activity = activity_log(actor=rep, data={"type": "call", "contact_id": contact.pk}, now=NOW)

    activity_update(
        actor=rep,
        activity=activity,
        data={"type": "wechat", "contact_id": lone_contact.pk, "account_id": None},
        version=activity.version,
        now=NOW,
    )

    assert activity.version == 2
    assert entries(activity.pk) == {("contacts", lone_contact.pk, "activity.wechat")}
    event = AuditEvent.objects.get(action="activity.update", object_id=str(activity.pk))
    assert event.changes["type"] == ["call", "wechat"]
    assert event.changes["contact"] == [contact.pk, lone_contact.pk]


def test_update_with_a_stale_version_changes_nothing(rep, account):
    activity = activity_log(actor=rep, data={"type": "call", "account_id": account.pk})
    Activity.objects.filter(pk=activity.pk).update(version=5)

    with pytest.raises(StaleVersion):
        activity_update(actor=rep, activity=activity, data={"subject": "新"}, version=1)

    activity.refresh_from_db()
    assert activity.subject == ""
    assert not AuditEvent.objects.filter(action="activity.update").exists()


def test_delete_is_soft_and_takes_it_off_the_timelines(rep, account, contact):
    activity = activity_log(actor=rep, data={"type": "call", "contact_id": contact.pk})

    activity_delete(actor=rep, activity=activity)

    activity.refresh_from_db()
    assert activity.deleted_at is not None
    assert activity.deleted_by_id == rep.user_id
    assert entries(activity.pk) == set()
    assert AuditEvent.objects.filter(action="activity.delete", object_id=str(activity.pk)).exists()


def test_restore_puts_it_back_on_the_timelines(workspace, rep, account):
    manager = make_member(workspace, "sales_manager")
    activity = activity_log(actor=rep, data={"type": "call", "account_id": account.pk})
    activity_delete(actor=rep, activity=activity)

    activity_restore(actor=manager, activity=activity)

    assert entries(activity.pk) == {("accounts", account.pk, "activity.call")}


def test_purge_deletes_the_row_and_its_participants(workspace, rep, account):
    colleague = make_member(workspace, "sales_rep")
    activity = activity_log(
        actor=rep,
        data={
            "type": "call",
            "account_id": account.pk,
            "participant_user_ids": [colleague.user_id],
        },
    )
    activity_delete(actor=rep, activity=activity)

    activity_purge(activity)

    assert not Activity.objects.filter(pk=activity.pk).exists()
    assert not ActivityParticipant.objects.exists()
    assert AuditEvent.objects.filter(action="activity.purge").exists()


def test_an_account_purge_takes_its_activities_with_it(rep, account):
    from guanxi.customers.services.accounts import account_delete, account_purge

    activity_log(actor=rep, data={"type": "call", "account_id": account.pk})
    account_delete(actor=make_member(account.workspace, "admin"), account=account)

    account_purge(Account.objects.get(pk=account.pk))

    assert not Activity.objects.exists()


def test_b2c_contact_without_account(rep, lone_contact):
    activity = activity_log(actor=rep, data={"type": "sms", "contact_id": lone_contact.pk}, now=NOW)

    assert activity.account_id is None
    assert entries(activity.pk) == {("contacts", lone_contact.pk, "activity.sms")}
