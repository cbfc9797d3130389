"""Merging duplicates into one master record, and undoing a merge.

A merge locks every record involved, takes each field's value from the record the user picked
(by default the master's, or the first non-empty one), unions the tags, keeps the latest
follow-up, moves every related row registered with core.registry.register_related_mover
(contacts, timeline, activities, tasks, later deals and tickets) onto the master, and soft-deletes
the losers with `merged_into` set. A MergeRecord keeps what undo needs.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core import audit, timeline
from guanxi.core.errors import Conflict, NotFound, ValidationFailed
from guanxi.core.models import Membership, TimelineEntry
from guanxi.core.permissions import require, require_writable
from guanxi.core.registry import RelatedMover, related_movers

from ..models import Account, Contact, CustomField, MergeRecord
from ..normalize import company_key
from ..search import refresh_search_columns
from .records import lookups, set_tags, tag_names, tags_get_or_create

MAX_MERGE = 10
MERGEABLE = {
    "accounts": [
        "name",
        "credit_code",
        "industry",
        "size",
        "website",
        "phone",
        "email",
        "country",
        "province",
        "city",
        "address",
        "level",
        "stage",
        "source",
        "description",
        "owner",
    ],
    "contacts": [
        "name",
        "family_name",
        "given_name",
        "account",
        "title",
        "mobile",
        "phone",
        "email",
        "wechat",
        "birthday",
        "email_consent",
        "sms_consent",
        "source",
        "description",
        "owner",
    ],
}
MODELS: dict[str, Any] = {"accounts": Account, "contacts": Contact}


def _attname(model: Any, name: str) -> str:
    return str(model._meta.get_field(name).attname)


def _snapshot(record: Any, object_type: str) -> dict[str, Any]:
    model = type(record)
    data = {
        name: audit._plain(getattr(record, _attname(model, name)))
        for name in MERGEABLE[object_type]
    }
    data["custom"] = dict(record.custom)
    data["tags"] = tag_names(record)
    data["last_followed_at"] = audit._plain(record.last_followed_at)
    return data


# The main columns whose values, when the master does not keep them, move to its other phones
# and emails.
MAIN_PHONES = {"accounts": ("phone",), "contacts": ("mobile", "phone")}


def _keep_every_number(
    master: Any,
    before: dict[str, Any],
    losers: list[Any],
    object_type: str,
    changed: dict[str, list[Any]],
) -> None:
    """Nothing is lost: every phone number and email address of the merged records (the
    master's as they were before the merge) that the master does not now hold in a main field
    becomes one of its other phones or emails."""
    for others, mains in (
        ("other_phones", MAIN_PHONES[object_type]),
        ("other_emails", ("email",)),
    ):
        kept = {getattr(master, m) for m in mains}
        candidates = [*(before[m] for m in mains), *getattr(master, others)]
        for loser in losers:
            candidates += [*(getattr(loser, m) for m in mains), *getattr(loser, others)]
        values: list[str] = []
        for value in candidates:
            if value and value not in kept and value not in values:
                values.append(value)
        if values != getattr(master, others):
            changed[others] = [list(getattr(master, others)), values]
            setattr(master, others, values)


def _is_empty(value: Any) -> bool:
    return value in (None, "", [], {})


@transaction.atomic
def records_merge(
    *,
    actor: Membership,
    object_type: str,
    master_id: int,
    duplicate_ids: list[int],
    field_sources: dict[str, int] | None = None,
) -> MergeRecord:
    """Merge `duplicate_ids` into `master_id`. `field_sources` maps a field (or "custom.<key>")
    to the id of the record whose value the master keeps; unnamed fields keep the master's value,
    or the first duplicate's when the master's is empty. Needs edit and delete permissions and
    every record visible to the actor. Audited; on the master's timeline; undoable."""
    if object_type not in MODELS:
        raise NotFound()
    require(actor, object_type, "edit")
    require(actor, object_type, "delete")
    ids = [master_id, *[i for i in dict.fromkeys(duplicate_ids) if i != master_id]]
    if len(ids) < 2:
        raise ValidationFailed(fields={"duplicate_ids": [_("Choose at least one other record.")]})
    if len(ids) > MAX_MERGE:
        raise ValidationFailed(
            fields={"duplicate_ids": [_("Merge at most %(n)d records at once.") % {"n": MAX_MERGE}]}
        )
    model = MODELS[object_type]
    visible = set(
        model.objects.visible_to(actor).alive().filter(pk__in=ids).values_list("pk", flat=True)
    )
    if visible != set(ids):
        raise NotFound()
    locked = {
        r.pk: r
        for r in model.objects.select_for_update().filter(pk__in=ids).prefetch_related("tags")
    }
    master = locked[master_id]
    losers = [locked[i] for i in ids[1:]]
    fields = MERGEABLE[object_type]
    sources = dict(field_sources or {})
    bad = [k for k, v in sources.items() if v not in locked]
    if bad:
        raise ValidationFailed(
            fields={f"fields.{k}": [_("Pick one of the merged records.")] for k in bad}
        )
    unknown = [k for k in sources if k not in fields and not k.startswith("custom.")]
    if unknown:
        raise ValidationFailed(fields={f"fields.{k}": [_("Unknown field.")] for k in unknown})
    require_writable(actor, object_type, {k.split(".")[0] for k in sources})

    before = _snapshot(master, object_type)
    changed: dict[str, list[Any]] = {}
    for name in fields:
        attname = _attname(model, name)
        if name in sources:
            value = getattr(locked[sources[name]], attname)
        else:
            value = getattr(master, attname)
            if _is_empty(value):
                value = next(
                    (getattr(r, attname) for r in losers if not _is_empty(getattr(r, attname))),
                    value,
                )
        if value != getattr(master, attname):
            changed[name] = [audit._plain(getattr(master, attname)), audit._plain(value)]
            setattr(master, attname, value)
    # Custom fields: every key any record has (archived ones too, so nothing is lost).
    custom = dict(master.custom)
    keys = {k for r in locked.values() for k in r.custom}
    live_keys = set(
        CustomField.objects.filter(workspace_id=actor.workspace_id, object_type=object_type)
        .active()
        .values_list("key", flat=True)
    )
    for key in sorted(keys):
        source = sources.get(f"custom.{key}")
        if source is not None and (key in live_keys):
            value = locked[source].custom.get(key)
        elif key in custom and not _is_empty(custom[key]):
            continue
        else:
            value = next((r.custom[key] for r in losers if not _is_empty(r.custom.get(key))), None)
        if value is None:
            custom.pop(key, None)
        else:
            custom[key] = value
    if custom != master.custom:
        changed["custom"] = [master.custom, custom]
        master.custom = custom
    _keep_every_number(master, before, losers, object_type, changed)
    followed = [r.last_followed_at for r in locked.values() if r.last_followed_at]
    if followed and max(followed) != master.last_followed_at:
        master.last_followed_at = max(followed)
    if object_type == "accounts":
        master.name_key = company_key(master.name)
    refresh_search_columns(
        master,
        person=object_type == "contacts",
        custom_fields=lookups(actor).custom_fields(object_type),
    )
    now = timezone.now()
    # Losers first: with them out of the way the master may take their phone or name.
    for loser in losers:
        loser.deleted_at, loser.deleted_by_id, loser.merged_into_id = now, actor.user_id, master.pk
        loser.save(update_fields=["deleted_at", "deleted_by", "merged_into", "updated_at"])
    master.version += 1
    master.save()
    all_tags = sorted({name for r in locked.values() for name in tag_names(r)})
    if all_tags != before["tags"]:
        set_tags(master, tags_get_or_create(actor, all_tags))
        changed["tags"] = [before["tags"], all_tags]

    moved: dict[str, dict[str, list[int]]] = {}
    for mover in _movers(object_type):
        for loser in losers:
            ids_moved = mover.move(actor.workspace_id, loser.pk, master.pk)
            if ids_moved:
                moved.setdefault(mover.key, {})[str(loser.pk)] = ids_moved
    record = MergeRecord.objects.create(
        workspace_id=actor.workspace_id,
        object_type=object_type,
        master_id=master.pk,
        loser_ids=[r.pk for r in losers],
        master_before=before,
        moved=moved,
        actor_id=actor.user_id,
        created_at=now,
    )
    singular = object_type.rstrip("s")
    audit.record(
        action=f"{singular}.merge",
        workspace=actor.workspace_id,
        actor=actor,
        object_type=object_type,
        object_id=master.pk,
        object_label=str(master),
        changes={**changed, "merged": [None, [f"{r.pk}: {r}" for r in losers]]},
    )
    for loser in losers:
        audit.record(
            action=f"{singular}.merged_away",
            workspace=actor.workspace_id,
            actor=actor,
            object_type=object_type,
            object_id=loser.pk,
            object_label=str(loser),
            changes={"merged_into": [None, master.pk]},
        )
    timeline.add(
        workspace_id=actor.workspace_id,
        subjects=[(object_type, master.pk)],
        kind="record.merged",
        actor=actor,
        title=str(master),
        body=", ".join(str(r) for r in losers),
        data={"changes": changed, "merge_id": record.pk},
        ref=(object_type, master.pk),
    )
    return record


@transaction.atomic
def merge_undo(*, actor: Membership, object_type: str, master_id: int) -> MergeRecord:
    """Undo the latest merge into `master_id`: the duplicates come back with every row that moved,
    and the master's fields the merge changed return to their old values (a field edited since
    the merge keeps its newer value). Audited."""
    if object_type not in MODELS:
        raise NotFound()
    require(actor, object_type, "edit")
    require(actor, object_type, "delete")
    model = MODELS[object_type]
    master = (
        model.objects.visible_to(actor).alive().select_for_update().filter(pk=master_id).first()
    )
    if master is None:
        raise NotFound()
    record = (
        MergeRecord.objects.select_for_update()
        .filter(
            workspace_id=actor.workspace_id,
            object_type=object_type,
            master_id=master.pk,
            undone_at__isnull=True,
        )
        .order_by("-created_at", "-id")
        .first()
    )
    if record is None:
        raise Conflict(_("There is no merge to undo on this record."))
    losers = list(model.objects.select_for_update().filter(pk__in=record.loser_ids))
    for mover in reversed(_movers(object_type)):
        for loser_id, ids in record.moved.get(mover.key, {}).items():
            mover.move_back(actor.workspace_id, ids, int(loser_id))
    for loser in losers:
        loser.deleted_at = loser.deleted_by = loser.merged_into = None
        loser.save(update_fields=["deleted_at", "deleted_by", "merged_into", "updated_at"])
    merged_event = audit_changes_of_merge(actor, object_type, master.pk, record)
    restored: dict[str, list[Any]] = {}
    before = record.master_before
    for name, (old, new) in merged_event.items():
        if name in ("merged", "tags"):
            continue
        if name == "custom":
            if master.custom == new:
                master.custom = before.get("custom", {})
                restored["custom"] = [new, master.custom]
            continue
        attname = _attname(model, name)
        if audit._plain(getattr(master, attname)) == new:
            field = model._meta.get_field(name)
            setattr(master, attname, field.to_python(old) if old is not None else None)
            restored[name] = [new, old]
    if "tags" in merged_event and tag_names(master) == merged_event["tags"][1]:
        set_tags(master, tags_get_or_create(actor, before.get("tags", [])))
        restored["tags"] = merged_event["tags"][::-1]
    if object_type == "accounts":
        master.name_key = company_key(master.name)
    refresh_search_columns(
        master,
        person=object_type == "contacts",
        custom_fields=lookups(actor).custom_fields(object_type),
    )
    master.version += 1
    master.save()
    record.undone_at = timezone.now()
    record.undone_by_id = actor.user_id
    record.save(update_fields=["undone_at", "undone_by"])
    audit.record(
        action=f"{object_type.rstrip('s')}.merge_undo",
        workspace=actor.workspace_id,
        actor=actor,
        object_type=object_type,
        object_id=master.pk,
        object_label=str(master),
        changes={**restored, "restored": [None, record.loser_ids]},
    )
    timeline.add(
        workspace_id=actor.workspace_id,
        subjects=[(object_type, master.pk)],
        kind="record.merge_undone",
        actor=actor,
        title=str(master),
        body=", ".join(str(r) for r in losers),
        data={"changes": restored, "merge_id": record.pk},
        ref=(object_type, master.pk),
    )
    return record


def audit_changes_of_merge(
    actor: Membership, object_type: str, master_id: int, record: MergeRecord
) -> dict[str, Any]:
    """The field changes the merge made to the master (from its audit event)."""
    from guanxi.core.models import AuditEvent

    event = (
        AuditEvent.objects.filter(
            workspace_id=actor.workspace_id,
            action=f"{object_type.rstrip('s')}.merge",
            object_type=object_type,
            object_id=str(master_id),
            created_at__gte=record.created_at,
        )
        .order_by("created_at", "id")
        .first()
    )
    return dict(event.changes) if event else {}


# --- What moves with a merge (the customers module's own relations) -------------------------------


def _move_timeline(object_type: str) -> RelatedMover:
    def move(workspace_id: int, from_id: int, to_id: int) -> list[int]:
        return timeline.move_subject(
            workspace_id=workspace_id, subject=(object_type, from_id), to_id=to_id
        )

    def move_back(workspace_id: int, ids: list[int], to_id: int) -> None:
        TimelineEntry.objects.filter(workspace_id=workspace_id, id__in=ids).update(subject_id=to_id)

    return RelatedMover("timeline", object_type, move, move_back)


def _move_account_contacts() -> RelatedMover:
    def move(workspace_id: int, from_id: int, to_id: int) -> list[int]:
        contacts = Contact.objects.filter(workspace_id=workspace_id, account_id=from_id)
        ids = list(contacts.values_list("id", flat=True))
        Contact.objects.filter(id__in=ids).update(account_id=to_id)
        return ids

    def move_back(workspace_id: int, ids: list[int], to_id: int) -> None:
        Contact.objects.filter(workspace_id=workspace_id, id__in=ids).update(account_id=to_id)

    return RelatedMover("contacts", "accounts", move, move_back)


def _movers(object_type: str) -> list[RelatedMover]:
    return related_movers(object_type)


def register_customer_movers() -> None:
    from guanxi.core.registry import register_related_mover

    register_related_mover(_move_account_contacts())
    register_related_mover(_move_timeline("accounts"))
    register_related_mover(_move_timeline("contacts"))
