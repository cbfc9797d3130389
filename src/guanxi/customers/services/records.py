"""What account and contact services share: cleaning common fields, owners, tags, the audit event
and the timeline entry every change writes, soft delete and restore."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cached_property
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core import audit, timeline
from guanxi.core.errors import ValidationFailed
from guanxi.core.models import Membership, Workspace

from ..models import AccountTag, ContactTag, CustomerRecord, PicklistOption, Tag
from ..normalize import normalize_email, normalize_phone

MAX_TAGS = 30
MAX_OTHER_VALUES = 10
# What people put between several numbers or addresses in one box or spreadsheet cell
# ("138…/139…", "a@x.cn；b@x.cn"). Not spaces: a phone number has them.
LIST_SEPARATORS = re.compile(r"[,，;；、/|\n\r]+")


def clean_text(value: Any, *, field: str, limit: int, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationFailed(fields={field: [_("Enter text.")]})
    text = " ".join(value.split()) if limit <= 255 else value.strip()
    if required and not text:
        raise ValidationFailed(fields={field: [_("This field is required.")]})
    if len(text) > limit:
        raise ValidationFailed(
            fields={field: [_("Use at most %(limit)d characters.") % {"limit": limit}]}
        )
    return text


def split_values(value: Any, *, field: str) -> list[str]:
    """A list of non-empty texts from a list, or from one text with separators (at most
    MAX_OTHER_VALUES * 2 before repeats are dropped, so a huge cell is refused early)."""
    if value is None:
        return []
    if isinstance(value, str):
        items: list[Any] = LIST_SEPARATORS.split(value)
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        raise ValidationFailed(fields={field: [_("Enter a list.")]})
    texts = []
    for item in items:
        if not isinstance(item, str):
            raise ValidationFailed(fields={field: [_("Enter text.")]})
        text = " ".join(item.split())
        if text:
            texts.append(text)
    if len(texts) > MAX_OTHER_VALUES * 2:
        raise _too_many(field)
    return texts


def _too_many(field: str) -> ValidationFailed:
    return ValidationFailed(
        fields={field: [_("Enter at most %(limit)d.") % {"limit": MAX_OTHER_VALUES}]}
    )


def _within_limit(values: list[str], current: list[str], field: str) -> list[str]:
    """At most MAX_OTHER_VALUES — or as many as the record already has: a merge or an import
    keeps every number of the records it combines, and such a record must stay editable."""
    if len(values) > max(MAX_OTHER_VALUES, len(current or [])):
        raise _too_many(field)
    return values


def clean_phone_list(
    value: Any, *, field: str, region: str, current: list[str] | None = None
) -> list[str]:
    """Other phone numbers, each normalized to E.164, repeats dropped, order kept; `current`
    are the record's (see _within_limit)."""
    numbers: dict[str, None] = {}
    for text in split_values(value, field=field):
        try:
            if len(text) > 40:
                raise ValueError(text)
            numbers[normalize_phone(text, region)] = None
        except ValueError:
            raise ValidationFailed(
                fields={field: [_("“%(value)s” is not a valid phone number.") % {"value": text}]}
            )
    return _within_limit(list(numbers), current or [], field)


def clean_email_list(value: Any, *, field: str, current: list[str] | None = None) -> list[str]:
    """Other email addresses, each normalized, repeats dropped, order kept; `current` are the
    record's (see _within_limit)."""
    emails: dict[str, None] = {}
    for text in split_values(value, field=field):
        try:
            emails[normalize_email(text)] = None
        except ValueError:
            raise ValidationFailed(
                fields={field: [_("“%(value)s” is not a valid email address.") % {"value": text}]}
            )
    return _within_limit(list(emails), current or [], field)


def drop_main_values(
    cleaned: dict[str, Any], current: Any, others: str, mains: Iterable[str]
) -> None:
    """Keep a record's other phones (or emails) free of its main ones: a value typed in both
    boxes, or a main number changed to one of the others, is kept once, as the main one."""
    mains = tuple(mains)
    if others not in cleaned and not any(m in cleaned for m in mains):
        return
    main = {cleaned.get(m, getattr(current, m)) for m in mains} - {""}
    values = cleaned.get(others, getattr(current, others))
    kept = [v for v in values if v not in main]
    if others in cleaned or kept != values:
        cleaned[others] = kept


def clean_choice(value: Any, *, field: str, choices: Any) -> str:
    allowed = {str(v) for v, _label in choices}
    text = "" if value is None else str(value).strip()
    if text not in allowed:
        raise ValidationFailed(fields={field: [_("Choose one of the listed options.")]})
    return text


class Lookups:
    """What cleaning a record reads from the workspace (its phone region, pick lists, custom
    fields, active members), loaded once per acting membership: a form or an API call reads each
    once, and an import of a million rows does not read them a million times."""

    def __init__(self, workspace_id: int):
        self.workspace_id = workspace_id
        self._picklists: dict[str, dict[str, PicklistOption]] = {}
        self._custom_fields: dict[str, list[Any]] = {}

    @cached_property
    def workspace(self) -> Workspace:
        return Workspace.objects.get(pk=self.workspace_id)

    @cached_property
    def active_member_ids(self) -> frozenset[int]:
        return frozenset(
            Membership.objects.filter(workspace_id=self.workspace_id, is_active=True).values_list(
                "user_id", flat=True
            )
        )

    def picklist(self, list_key: str) -> dict[str, PicklistOption]:
        if list_key not in self._picklists:
            self._picklists[list_key] = {
                o.value: o
                for o in PicklistOption.objects.filter(
                    workspace_id=self.workspace_id, list_key=list_key
                )
            }
        return self._picklists[list_key]

    def custom_fields(self, object_type: str) -> list[Any]:
        if object_type not in self._custom_fields:
            from ..custom_fields import active_fields

            self._custom_fields[object_type] = active_fields(self.workspace_id, object_type)
        return self._custom_fields[object_type]


def lookups(actor: Membership) -> Lookups:
    """The actor's Lookups, cached on the membership object (one request, or one import job)."""
    found = getattr(actor, "_customer_lookups", None)
    if found is None or found.workspace_id != actor.workspace_id:
        found = Lookups(actor.workspace_id)
        actor._customer_lookups = found  # type: ignore[attr-defined]
    return found


def forget_lookups(actor: Membership) -> None:
    """Drop the cache after changing what it holds (a new custom field, a new member)."""
    if hasattr(actor, "_customer_lookups"):
        del actor._customer_lookups  # type: ignore[attr-defined]


def picklist_value(
    actor: Membership, list_key: str, value: Any, *, field: str, current: str = ""
) -> str:
    """A value of the workspace's editable list. A label is accepted too (imports write 'A类');
    a retired option is accepted only if the record already has it."""
    text = "" if value is None else str(value).strip()
    if not text:
        return ""
    options = lookups(actor).picklist(list_key)
    option = options.get(text) or next(
        (o for o in options.values() if o.label.casefold() == text.casefold()), None
    )
    if option is None or (not option.is_active and option.value != current):
        raise ValidationFailed(fields={field: [_("Choose one of the listed options.")]})
    return option.value


def clean_owner(actor: Membership, owner_id: Any, *, field: str = "owner_id") -> int | None:
    """An active member's user id, or None (the public pool)."""
    if owner_id is None or owner_id == "":
        return None
    try:
        owner_id = int(owner_id)
    except (TypeError, ValueError):
        raise ValidationFailed(fields={field: [_("Choose a member of this workspace.")]})
    if owner_id not in lookups(actor).active_member_ids:
        raise ValidationFailed(fields={field: [_("Choose an active member of this workspace.")]})
    return owner_id


def clean_tag_names(value: Any, *, field: str = "tags") -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [part for part in value.replace("，", ",").split(",")]
    if not isinstance(value, list | tuple):
        raise ValidationFailed(fields={field: [_("Send a list of tag names.")]})
    names: list[str] = []
    for item in value:
        if not isinstance(item, str):
            raise ValidationFailed(fields={field: [_("Send a list of tag names.")]})
        name = " ".join(item.split())
        if not name:
            continue
        if len(name) > 40:
            raise ValidationFailed(fields={field: [_("A tag has at most 40 characters.")]})
        if name.casefold() not in {n.casefold() for n in names}:
            names.append(name)
    if len(names) > MAX_TAGS:
        raise ValidationFailed(
            fields={field: [_("Use at most %(limit)d tags.") % {"limit": MAX_TAGS}]}
        )
    return names


def tags_get_or_create(actor: Membership, names: list[str]) -> list[Tag]:
    """The workspace's tags with these names (matched ignoring case), creating the missing ones.
    Creating needs the tags.create permission."""
    from guanxi.core.permissions import can

    if not names:
        return []
    existing = {
        t.name.casefold(): t
        for t in Tag.objects.filter(workspace_id=actor.workspace_id)
        if t.name.casefold() in {n.casefold() for n in names}
    }
    result = []
    for name in names:
        tag = existing.get(name.casefold())
        if tag is None:
            if not can(actor, "tags", "create"):
                raise ValidationFailed(
                    fields={"tags": [_("There is no tag named “%(name)s”.") % {"name": name}]}
                )
            try:
                with transaction.atomic():
                    tag = Tag.objects.create(workspace_id=actor.workspace_id, name=name)
            except IntegrityError:  # created by someone else a moment ago
                tag = Tag.objects.get(workspace_id=actor.workspace_id, name=name)
            existing[name.casefold()] = tag
        result.append(tag)
    return result


def tag_names(record: CustomerRecord) -> list[str]:
    return sorted(t.name for t in record.tags.all())  # type: ignore[attr-defined]


def set_tags(record: CustomerRecord, tags: list[Tag]) -> None:
    """Replace the record's tags (through rows carry the workspace)."""
    through: type[AccountTag] | type[ContactTag]
    if record._meta.model_name == "account":
        through, key = AccountTag, "account"
    else:
        through, key = ContactTag, "contact"
    wanted = {t.pk for t in tags}
    current = set(through.objects.filter(**{key: record}).values_list("tag_id", flat=True))
    through.objects.filter(**{key: record}, tag_id__in=current - wanted).delete()
    rows: list[Any] = [
        through(workspace_id=record.workspace_id, tag_id=tag_id, **{key: record})
        for tag_id in wanted - current
    ]
    through.objects.bulk_create(rows)
    if hasattr(record, "_prefetched_objects_cache"):
        record._prefetched_objects_cache.pop("tags", None)


def write_change(
    *,
    actor: Membership,
    object_type: str,
    record: CustomerRecord,
    action: str,
    changes: dict[str, Any],
    kind: str,
    subjects: list[tuple[str, int]] | None = None,
) -> None:
    """The audit event and the timeline entry for a change to a customer record."""
    label = str(record)
    audit.record(
        action=action,
        workspace=actor.workspace_id,
        actor=actor,
        object_type=object_type,
        object_id=record.pk,
        object_label=label,
        changes=changes,
    )
    timeline.add(
        workspace_id=actor.workspace_id,
        subjects=subjects or [(object_type, record.pk)],
        kind=kind,
        actor=actor,
        title=label,
        data={"changes": changes},
        ref=(object_type, record.pk),
    )


def soft_delete(*, actor: Membership, object_type: str, record: CustomerRecord) -> None:
    record.deleted_at = timezone.now()
    record.deleted_by_id = actor.user_id
    record.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
    audit.record(
        action=f"{object_type.rstrip('s')}.delete",
        workspace=actor.workspace_id,
        actor=actor,
        object_type=object_type,
        object_id=record.pk,
        object_label=str(record),
    )


def restore(*, actor: Membership, object_type: str, record: CustomerRecord) -> None:
    record.deleted_at = None
    record.deleted_by = None
    record.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
    audit.record(
        action=f"{object_type.rstrip('s')}.restore",
        workspace=actor.workspace_id,
        actor=actor,
        object_type=object_type,
        object_id=record.pk,
        object_label=str(record),
    )
    timeline.add(
        workspace_id=actor.workspace_id,
        subjects=[(object_type, record.pk)],
        kind="record.restored",
        actor=actor,
        title=str(record),
    )


def purge(*, object_type: str, record: CustomerRecord) -> None:
    """Delete a record for good (its recycle-bin days are over): audited as the system, the
    modules' purge hooks run first (they clean up what their rows left on other timelines),
    then the record's own timeline goes with it."""
    from guanxi.core.models import TimelineEntry
    from guanxi.core.registry import purge_hooks

    with transaction.atomic():
        audit.record(
            action=f"{object_type.rstrip('s')}.purge",
            workspace=record.workspace_id,
            actor=None,
            actor_label="system",
            object_type=object_type,
            object_id=record.pk,
            object_label=str(record),
        )
        for hook in purge_hooks(object_type):
            hook(record.workspace_id, record.pk)
        TimelineEntry.objects.filter(
            workspace_id=record.workspace_id, subject_type=object_type, subject_id=record.pk
        ).delete()
        record.delete()
