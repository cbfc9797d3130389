"""Activity writes: log, update, delete (soft), restore, purge.

Every write is audited and keeps the activity's timeline entries (on its account, its contact,
the contact's account, the contacts who took part and the related record) in step with it.
Logging an activity that has happened moves the customers' last follow-up forward.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core import audit, timeline
from guanxi.core.errors import ValidationFailed
from guanxi.core.models import Membership
from guanxi.core.permissions import require, require_writable
from guanxi.core.services.versioning import check_version, save_versioned
from guanxi.customers.selectors import contact_queryset

from ..models import (
    MAX_DURATION_MINUTES,
    Activity,
    ActivityParticipant,
    ActivityType,
    BodyFormat,
    Direction,
    Outcome,
)
from ..richtext import excerpt
from .fields import (
    clean_body,
    clean_choice,
    clean_datetime,
    clean_decimal,
    clean_int,
    clean_member,
    clean_text,
)
from .links import (
    MAX_PARTICIPANTS,
    Errors,
    clean_customer_links,
    clean_related,
    contact_account_of,
    mark_followed,
    optional_id,
    participant_contact_ids,
    subjects_of,
)

OBJECT_TYPE = "activities"
REF_TYPE = "activities"
# Fields an API client or a form may write, by their API name.
WRITABLE = (
    "type",
    "subject",
    "body",
    "body_format",
    "occurred_at",
    "duration_minutes",
    "direction",
    "outcome",
    "location_name",
    "latitude",
    "longitude",
    "account_id",
    "contact_id",
    "related_type",
    "related_id",
    "participant_user_ids",
    "participant_contact_ids",
    "owner_id",
)
# The role editor's field name (registry FieldSpec) for each API name that differs.
PERMISSION_FIELD = {
    "body_format": "body",
    "location_name": "location",
    "latitude": "location",
    "longitude": "location",
    "account_id": "account",
    "contact_id": "contact",
    "related_type": "related",
    "related_id": "related",
    "participant_user_ids": "participants",
    "participant_contact_ids": "participants",
    "owner_id": "owner",
}
AUDITED = [
    "type",
    "subject",
    "body_text",
    "occurred_at",
    "duration_minutes",
    "direction",
    "outcome",
    "location_name",
    "latitude",
    "longitude",
    "account",
    "contact",
    "related_type",
    "related_id",
    "owner",
]
FOREIGN_KEYS = {"account_id": "account", "contact_id": "contact", "owner_id": "owner"}
# Every type of activity counts as a follow-up (跟进) once it has happened; an activity whose
# outcome is "cancelled" did not take place and does not count.
FOLLOW_UP_TYPES = frozenset(ActivityType.values)


def counts_as_follow_up(activity: Activity, now: datetime) -> bool:
    return (
        activity.deleted_at is None
        and activity.type in FOLLOW_UP_TYPES
        and activity.outcome != Outcome.CANCELLED
        and activity.occurred_at <= now
    )


# --- Cleaning ----------------------------------------------------------------------------------


def _clean_member_ids(actor: Membership, value: Any) -> list[int]:
    ids = _id_list(value, field="participant_user_ids")
    if not ids:
        return []
    found = set(
        Membership.objects.filter(
            workspace_id=actor.workspace_id, user_id__in=ids, is_active=True
        ).values_list("user_id", flat=True)
    )
    if set(ids) - found:
        raise ValidationFailed(
            fields={"participant_user_ids": [_("Choose active members of this workspace.")]}
        )
    return ids


def _clean_contact_ids(actor: Membership, value: Any) -> list[int]:
    ids = _id_list(value, field="participant_contact_ids")
    if not ids:
        return []
    found = set(contact_queryset(actor=actor).filter(pk__in=ids).values_list("pk", flat=True))
    if set(ids) - found:
        raise ValidationFailed(
            fields={"participant_contact_ids": [_("Choose contacts you can see.")]}
        )
    return ids


def _id_list(value: Any, *, field: str) -> list[int]:
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        raise ValidationFailed(fields={field: [_("Send a list of ids.")]})
    if len(value) > MAX_PARTICIPANTS:
        raise ValidationFailed(
            fields={field: [_("At most %(limit)d participants.") % {"limit": MAX_PARTICIPANTS}]}
        )
    message = _("Send a list of ids.")
    ids = [optional_id(item, field=field, message=message) for item in value]
    return list(dict.fromkeys(i for i in ids if i is not None))


def clean_fields(
    actor: Membership, data: dict[str, Any], activity: Activity | None
) -> dict[str, Any]:
    """Model attribute → cleaned value for each key in `data` (participants under their API
    names). Collects every field's error before raising."""
    cleaned: dict[str, Any] = {}
    errors = Errors()

    def put(key: str, func: Any) -> None:
        errors.attempt(data, key, lambda v: cleaned.__setitem__(key, func(v)))

    put("type", lambda v: clean_choice(v, field="type", choices=ActivityType.choices))
    put(
        "direction",
        lambda v: clean_choice(v, field="direction", choices=Direction.choices, optional=True),
    )
    put(
        "outcome",
        lambda v: clean_choice(v, field="outcome", choices=Outcome.choices, optional=True),
    )
    put("subject", lambda v: clean_text(v, field="subject", limit=200))
    if "body" in data or "body_format" in data:
        body_format = data.get("body_format") or (
            activity.body_format if activity else BodyFormat.MARKDOWN
        )
        if body_format not in BodyFormat.values:
            errors.add("body_format", _("Choose one of the listed options."))
        else:
            # A new format alone re-renders what was typed before.
            source = data.get("body", activity.body_source if activity else "")
            errors.attempt(
                {"body": source}, "body", lambda v: cleaned.update(clean_body(v, body_format))
            )
    put(
        "occurred_at",
        lambda v: clean_datetime(v, field="occurred_at", actor=actor, required=True),
    )
    put(
        "duration_minutes",
        lambda v: clean_int(v, field="duration_minutes", minimum=0, maximum=MAX_DURATION_MINUTES),
    )
    put("location_name", lambda v: clean_text(v, field="location_name", limit=200))
    put("latitude", lambda v: clean_decimal(v, field="latitude", limit=90))
    put("longitude", lambda v: clean_decimal(v, field="longitude", limit=180))
    clean_customer_links(actor, data, activity, cleaned, errors)
    clean_related(actor, data, activity, cleaned, errors)
    put("participant_user_ids", lambda v: _clean_member_ids(actor, v))
    put("participant_contact_ids", lambda v: _clean_contact_ids(actor, v))
    put("owner_id", lambda v: clean_member(actor, v, field="owner_id"))
    if "owner_id" in data and cleaned.get("owner_id", 0) is None:
        errors.add("owner_id", _("This field is required."))
    # A point needs both coordinates.
    latitude = cleaned.get("latitude", activity.latitude if activity else None)
    longitude = cleaned.get("longitude", activity.longitude if activity else None)
    coordinates_given = ("latitude" in data or "longitude" in data) and not (
        {"latitude", "longitude"} & set(errors.fields)
    )
    if coordinates_given and (latitude is None) != (longitude is None):
        errors.add(
            "longitude" if longitude is None else "latitude",
            _("Give both latitude and longitude, or neither."),
        )
    if activity is None and "type" not in data:
        errors.add("type", _("This field is required."))
    # A note is its text: one without any is a mistake, not a record.
    activity_type = cleaned.get("type", activity.type if activity else "")
    subject = cleaned.get("subject", activity.subject if activity else "")
    body_text = cleaned.get("body_text", activity.body_text if activity else "")
    if (
        activity_type == ActivityType.NOTE
        and not (subject or body_text)
        and "body" not in errors.fields
    ):
        errors.add("body", _("Write the note."))
    errors.raise_if_any()
    return cleaned


def _check_writable(actor: Membership, keys: set[str]) -> None:
    require_writable(actor, OBJECT_TYPE, {PERMISSION_FIELD.get(k, k) for k in keys})


def _refuse_unknown(data: dict[str, Any]) -> None:
    unknown = set(data) - set(WRITABLE)
    if unknown:
        raise ValidationFailed(fields={k: [_("Unknown field.")] for k in sorted(unknown)})


# --- Side effects -------------------------------------------------------------------------------


def _set_participants(activity: Activity, user_ids: list[int], contact_ids: list[int]) -> None:
    # A selector's prefetched participants are stale from here on.
    getattr(activity, "_prefetched_objects_cache", {}).pop("participants", None)
    ActivityParticipant.objects.filter(activity=activity).delete()
    ActivityParticipant.objects.bulk_create(
        [
            ActivityParticipant(workspace_id=activity.workspace_id, activity=activity, user_id=pk)
            for pk in user_ids
        ]
        + [
            ActivityParticipant(
                workspace_id=activity.workspace_id, activity=activity, contact_id=pk
            )
            for pk in contact_ids
        ]
    )


def _participants(activity: Activity) -> tuple[list[int], list[int]]:
    users: list[int] = []
    contacts: list[int] = []
    for user_id, contact_id in (
        ActivityParticipant.objects.filter(activity=activity)
        .order_by("id")
        .values_list("user_id", "contact_id")
    ):
        if user_id:
            users.append(user_id)
        if contact_id:
            contacts.append(contact_id)
    return users, contacts


def sync_timeline(activity: Activity, *, now: datetime | None = None) -> None:
    """Rewrite the activity's timeline entries from its current state (none once deleted), and
    move the customers' last follow-up forward when the activity counts as one."""
    timeline.remove(workspace_id=activity.workspace_id, ref=(REF_TYPE, activity.pk))
    if activity.deleted_at is not None:
        return
    contact_account_id = contact_account_of(activity)
    contacts_present = participant_contact_ids(activity)
    timeline.add(
        workspace_id=activity.workspace_id,
        subjects=subjects_of(
            activity,
            contact_account_id=contact_account_id,
            participant_contact_ids=contacts_present,
        ),
        kind=f"activity.{activity.type}",
        actor=activity.owner,
        # The entry's label says what kind of activity it was; the title is the subject, if any,
        # and the body an excerpt of the details.
        title=activity.subject,
        body=excerpt(activity.body_text),
        data={
            "type": activity.type,
            "direction": activity.direction,
            "outcome": activity.outcome,
            "duration_minutes": activity.duration_minutes,
            "location_name": activity.location_name,
            "account_id": activity.account_id,
            "contact_id": activity.contact_id,
        },
        ref=(REF_TYPE, activity.pk),
        occurred_at=activity.occurred_at,
    )
    if counts_as_follow_up(activity, now or timezone.now()):
        mark_followed(
            workspace_id=activity.workspace_id,
            account_ids=[activity.account_id or 0, contact_account_id or 0],
            contact_ids=[activity.contact_id or 0, *contacts_present],
            at=activity.occurred_at,
        )


# --- Services -------------------------------------------------------------------------------------


@transaction.atomic
def activity_log(
    *, actor: Membership, data: dict[str, Any], now: datetime | None = None
) -> Activity:
    """Log an activity, owned by the actor (or by `owner_id`, which needs the assign permission).
    Linked customers and records must be visible to the actor. Audited; on the timelines of
    every linked customer; moves their last follow-up forward to `occurred_at` unless that is
    still to come (a planned meeting is not a follow-up yet)."""
    require(actor, OBJECT_TYPE, "create")
    _refuse_unknown(data)
    _check_writable(actor, {k for k, v in data.items() if v not in (None, "", [], {})})
    cleaned = clean_fields(actor, data, None)
    owner_id = cleaned.pop("owner_id", actor.user_id)
    if owner_id != actor.user_id:
        require(actor, OBJECT_TYPE, "assign")
    user_ids = cleaned.pop("participant_user_ids", [])
    contact_ids = cleaned.pop("participant_contact_ids", [])
    cleaned.setdefault("occurred_at", now or timezone.now())
    activity = Activity(
        workspace_id=actor.workspace_id, owner_id=owner_id, created_by_id=actor.user_id, **cleaned
    )
    if owner_id == actor.user_id:
        activity.owner = actor.user
    activity.save()
    _set_participants(activity, user_ids, contact_ids)
    changes = audit.diff({}, audit.snapshot(activity, AUDITED))
    if user_ids or contact_ids:
        changes["participants"] = [None, {"users": user_ids, "contacts": contact_ids}]
    audit.record(
        action="activity.create",
        workspace=actor.workspace_id,
        actor=actor,
        object_type=OBJECT_TYPE,
        object_id=activity.pk,
        object_label=str(activity),
        changes=changes,
    )
    sync_timeline(activity, now=now)
    return activity


@transaction.atomic
def activity_update(
    *,
    actor: Membership,
    activity: Activity,
    data: dict[str, Any],
    version: int | None,
    now: datetime | None = None,
) -> Activity:
    """Change an activity. Version-checked (409 when stale); giving it to another member needs
    the assign permission. Audited; its timeline entries are rewritten; a follow-up time it now
    implies moves customers' last follow-up forward (never back)."""
    require(actor, OBJECT_TYPE, "edit")
    _refuse_unknown(data)
    _check_writable(actor, set(data))
    cleaned = clean_fields(actor, data, activity)
    if "owner_id" in cleaned and cleaned["owner_id"] != activity.owner_id:
        require(actor, OBJECT_TYPE, "assign")
    before = audit.snapshot(activity, AUDITED)
    before_users, before_contacts = _participants(activity)
    user_ids = cleaned.pop("participant_user_ids", None)
    contact_ids = cleaned.pop("participant_contact_ids", None)
    fields: list[str] = []
    for key, value in cleaned.items():
        if getattr(activity, key) != value:
            setattr(activity, key, value)
            fields.append(FOREIGN_KEYS.get(key, key))
    changes = audit.diff(before, audit.snapshot(activity, AUDITED))
    after_users = before_users if user_ids is None else user_ids
    after_contacts = before_contacts if contact_ids is None else contact_ids
    participants_changed = (sorted(after_users), sorted(after_contacts)) != (
        sorted(before_users),
        sorted(before_contacts),
    )
    if participants_changed:
        changes["participants"] = [
            {"users": before_users, "contacts": before_contacts},
            {"users": after_users, "contacts": after_contacts},
        ]
    if not fields and not participants_changed:
        check_version(activity, version=version)
        return activity
    save_versioned(activity, version=version, fields=sorted(set(fields)) or ["subject"])
    if participants_changed:
        _set_participants(activity, after_users, after_contacts)
    audit.record(
        action="activity.update",
        workspace=actor.workspace_id,
        actor=actor,
        object_type=OBJECT_TYPE,
        object_id=activity.pk,
        object_label=str(activity),
        changes=changes,
    )
    sync_timeline(activity, now=now)
    return activity


@transaction.atomic
def activity_delete(*, actor: Membership, activity: Activity) -> None:
    """Soft delete: into the recycle bin, off every timeline. Customers' last follow-up is left
    as it is (it records that someone followed up, which stays true)."""
    require(actor, OBJECT_TYPE, "delete")
    if activity.deleted_at is not None:
        return
    activity.deleted_at = timezone.now()
    activity.deleted_by_id = actor.user_id
    activity.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
    audit.record(
        action="activity.delete",
        workspace=actor.workspace_id,
        actor=actor,
        object_type=OBJECT_TYPE,
        object_id=activity.pk,
        object_label=str(activity),
    )
    timeline.remove(workspace_id=activity.workspace_id, ref=(REF_TYPE, activity.pk))


@transaction.atomic
def activity_restore(*, actor: Membership, activity: Activity) -> Activity:
    """Bring an activity back from the recycle bin (needs the delete permission), back onto its
    timelines."""
    require(actor, OBJECT_TYPE, "delete")
    if activity.deleted_at is None:
        return activity
    activity.deleted_at = None
    activity.deleted_by = None
    activity.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
    audit.record(
        action="activity.restore",
        workspace=actor.workspace_id,
        actor=actor,
        object_type=OBJECT_TYPE,
        object_id=activity.pk,
        object_label=str(activity),
    )
    sync_timeline(activity)
    return activity


def activity_purge(activity: Activity) -> None:
    """Delete for good (the recycle bin's time is over), with its participants."""
    with transaction.atomic():
        audit.record(
            action="activity.purge",
            workspace=activity.workspace_id,
            actor=None,
            actor_label="system",
            object_type=OBJECT_TYPE,
            object_id=activity.pk,
            object_label=str(activity),
        )
        timeline.remove(workspace_id=activity.workspace_id, ref=(REF_TYPE, activity.pk))
        activity.delete()
