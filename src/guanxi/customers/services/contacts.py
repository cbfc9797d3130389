"""Contact writes: create, update, delete (soft), restore, purge."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from guanxi.core import audit
from guanxi.core.errors import PermissionDenied, ValidationFailed
from guanxi.core.models import Membership
from guanxi.core.permissions import require, require_writable
from guanxi.core.services.versioning import check_version, save_versioned

from .. import duplicates
from ..custom_fields import clean_values
from ..models import Account, ConsentStatus, Contact, PicklistKey
from ..normalize import normalize_email, normalize_phone, split_person_name
from ..search import refresh_search_columns
from .pool import default_pool
from .records import (
    clean_choice,
    clean_email_list,
    clean_owner,
    clean_phone_list,
    clean_tag_names,
    clean_text,
    drop_main_values,
    lookups,
    picklist_value,
    purge,
    restore,
    set_tags,
    soft_delete,
    tag_names,
    tags_get_or_create,
    write_change,
)

OBJECT_TYPE = "contacts"
WRITABLE = (
    "name",
    "family_name",
    "given_name",
    "account_id",
    "title",
    "mobile",
    "phone",
    "email",
    "other_phones",
    "other_emails",
    "wechat",
    "birthday",
    "email_consent",
    "email_consent_source",
    "sms_consent",
    "sms_consent_source",
    "source",
    "description",
    "owner_id",
    "tags",
    "custom",
)
AUDITED = [
    "name",
    "family_name",
    "given_name",
    "account",
    "title",
    "mobile",
    "phone",
    "email",
    "other_phones",
    "other_emails",
    "wechat",
    "birthday",
    "email_consent",
    "email_consent_source",
    "sms_consent",
    "sms_consent_source",
    "source",
    "description",
    "owner",
    "custom",
]
PERMISSION_FIELD = {
    "owner_id": "owner",
    "account_id": "account",
    "family_name": "name",
    "given_name": "name",
    "email_consent_source": "email_consent",
    "sms_consent_source": "sms_consent",
}


@functools.cache
def _blank() -> Contact:
    return Contact()


def _clean_account(actor: Membership, value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        account_id = int(value)
    except (TypeError, ValueError):
        raise ValidationFailed(fields={"account_id": [_("Choose an account.")]})
    # Linking needs the account to be one the member can see (no linking into hidden records).
    visible = Account.objects.visible_to(actor).alive().filter(pk=account_id).exists()
    if not visible:
        raise ValidationFailed(fields={"account_id": [_("Choose an account you can see.")]})
    return account_id


def _clean_birthday(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        parsed: date | None = value
    else:
        try:
            parsed = parse_date(str(value).strip())
        except ValueError:
            parsed = None
    if parsed is None or parsed > timezone.localdate() or parsed.year < 1900:
        raise ValidationFailed(fields={"birthday": [_("Enter a real date as YYYY-MM-DD.")]})
    return parsed


def _clean_phone(field: str) -> Cleaner:
    def run(actor: Membership, value: Any, current: Contact) -> str:
        raw = clean_text(value, field=field, limit=40)
        try:
            return normalize_phone(raw, lookups(actor).workspace.phone_region) if raw else ""
        except ValueError:
            raise ValidationFailed(fields={field: [_("Enter a valid phone number.")]})

    return run


def _clean_email(actor: Membership, value: Any, current: Contact) -> str:
    raw = clean_text(value, field="email", limit=254)
    try:
        return normalize_email(raw) if raw else ""
    except ValueError:
        raise ValidationFailed(fields={"email": [_("Enter a valid email address.")]})


def _clean_text(field: str, limit: int, *, required: bool = False) -> Cleaner:
    return lambda actor, value, current: clean_text(
        value, field=field, limit=limit, required=required
    )


def _clean_consent(field: str) -> Cleaner:
    return lambda actor, value, current: clean_choice(
        value, field=field, choices=ConsentStatus.choices
    )


def _clean_custom(actor: Membership, value: Any, current: Contact) -> dict[str, Any]:
    cache = lookups(actor)
    return clean_values(
        workspace_id=actor.workspace_id,
        object_type=OBJECT_TYPE,
        values=value if value is not None else {},
        existing=current.custom,
        fields=cache.custom_fields(OBJECT_TYPE),
        member_ids=cache.active_member_ids,
    )


Cleaner = Callable[[Membership, Any, Contact], Any]
# Field → its cleaner, in the order errors are collected. A table built once rather than
# closures built per call: an import cleans a million rows through here.
CLEANERS: dict[str, Cleaner] = {
    "name": _clean_text("name", 100, required=True),
    "family_name": _clean_text("family_name", 60),
    "given_name": _clean_text("given_name", 60),
    "account_id": lambda actor, value, current: _clean_account(actor, value),
    "title": _clean_text("title", 100),
    "mobile": _clean_phone("mobile"),
    "phone": _clean_phone("phone"),
    "email": _clean_email,
    "other_phones": lambda actor, value, current: clean_phone_list(
        value,
        field="other_phones",
        region=lookups(actor).workspace.phone_region,
        current=current.other_phones,
    ),
    "other_emails": lambda actor, value, current: clean_email_list(
        value, field="other_emails", current=current.other_emails
    ),
    "wechat": _clean_text("wechat", 60),
    "birthday": lambda actor, value, current: _clean_birthday(value),
    "email_consent": _clean_consent("email_consent"),
    "email_consent_source": _clean_text("email_consent_source", 120),
    "sms_consent": _clean_consent("sms_consent"),
    "sms_consent_source": _clean_text("sms_consent_source", 120),
    "source": lambda actor, value, current: picklist_value(
        actor, PicklistKey.SOURCE, value, field="source", current=current.source
    ),
    "description": _clean_text("description", 10_000),
    "owner_id": lambda actor, value, current: clean_owner(actor, value),
    "tags": lambda actor, value, current: clean_tag_names(value),
    "custom": _clean_custom,
}


def clean_fields(
    actor: Membership, data: dict[str, Any], contact: Contact | None
) -> dict[str, Any]:
    """Model attribute → cleaned value for each key in `data`; every field's error at once."""
    # A new contact's "current" values are the defaults: read from one blank instance, not a
    # model instance built per call.
    current = contact if contact is not None else _blank()
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for key, clean in CLEANERS.items():
        if key not in data:
            continue
        try:
            cleaned[key] = clean(actor, data[key], current)
        except ValidationFailed as exc:
            errors.update(exc.fields)
    if contact is None:
        if "name" not in cleaned and "name" not in errors:
            errors["name"] = [_("This field is required.")]
        if "custom" not in data and "custom" not in errors:
            try:
                cleaned["custom"] = _clean_custom(actor, {}, current)
            except ValidationFailed as exc:
                errors.update(exc.fields)
    if errors:
        raise ValidationFailed(fields=errors)
    # Family and given names follow the full name unless the client sent them (English names
    # are often entered in two boxes; Chinese names in one).
    if "name" in cleaned and "family_name" not in data and "given_name" not in data:
        cleaned["family_name"], cleaned["given_name"] = split_person_name(cleaned["name"])
    drop_main_values(cleaned, current, "other_phones", ("mobile", "phone"))
    drop_main_values(cleaned, current, "other_emails", ("email",))
    return cleaned


def _stamp_consent(contact: Contact, cleaned: dict[str, Any], *, default_source: str) -> None:
    """A consent change records when it happened and where it came from (PIPL: provable)."""
    now = timezone.now()
    for channel in ("email_consent", "sms_consent"):
        if channel in cleaned and cleaned[channel] != getattr(contact, channel):
            cleaned[f"{channel}_at"] = now
            cleaned.setdefault(f"{channel}_source", default_source)


def _check_writable(actor: Membership, keys: set[str]) -> None:
    require_writable(actor, OBJECT_TYPE, {PERMISSION_FIELD.get(k, k) for k in keys})


@transaction.atomic
def contact_create(
    *,
    actor: Membership,
    data: dict[str, Any],
    consent_source: str = "manual",
    allow_duplicate: bool = False,
) -> Contact:
    """Create a contact owned by the actor, or by `owner_id` (None: the public pool), which
    needs the assign permission. Refused with DuplicateFound when its mobile, phone or email
    belongs to another contact (查重) unless `allow_duplicate`. Audited, on the contact's and
    its account's timelines."""
    require(actor, OBJECT_TYPE, "create")
    unknown = set(data) - set(WRITABLE)
    if unknown:
        raise ValidationFailed(fields={k: [_("Unknown field.")] for k in sorted(unknown)})
    _check_writable(actor, {k for k, v in data.items() if v not in (None, "", [], {})})
    cleaned = clean_fields(actor, data, None)
    if "owner_id" in cleaned and cleaned["owner_id"] != actor.user_id:
        require(actor, OBJECT_TYPE, "assign")
    duplicates.check(
        actor=actor, object_type=OBJECT_TYPE, cleaned=cleaned, allow_duplicate=allow_duplicate
    )
    contact = Contact(workspace_id=actor.workspace_id)
    _stamp_consent(contact, cleaned, default_source=consent_source)
    owner_id = cleaned.pop("owner_id", actor.user_id)
    tags = tags_get_or_create(actor, cleaned.pop("tags", []))
    for key, value in cleaned.items():
        setattr(contact, key, value)
    contact.owner_id = owner_id
    contact.owned_since = timezone.now() if owner_id else None
    contact.pool = default_pool(actor.workspace_id, OBJECT_TYPE)
    contact.created_by_id = actor.user_id
    refresh_search_columns(
        contact, person=True, custom_fields=lookups(actor).custom_fields(OBJECT_TYPE)
    )
    contact.save()
    set_tags(contact, tags)
    changes = audit.diff({}, audit.snapshot(contact, AUDITED))
    if tags:
        changes["tags"] = [None, sorted(t.name for t in tags)]
    subjects = [(OBJECT_TYPE, contact.pk)]
    if contact.account_id:
        subjects.append(("accounts", contact.account_id))
    write_change(
        actor=actor,
        object_type=OBJECT_TYPE,
        record=contact,
        action="contact.create",
        changes=changes,
        kind="record.created",
        subjects=subjects,
    )
    return contact


@transaction.atomic
def contact_update(
    *,
    actor: Membership,
    contact: Contact,
    data: dict[str, Any],
    version: int | None,
    consent_source: str = "manual",
    allow_duplicate: bool = False,
) -> Contact:
    """Change fields of a contact. Version-checked; an owner change needs the assign permission
    and does not count as a follow-up; a consent change is stamped with time and source."""
    require(actor, OBJECT_TYPE, "edit")
    unknown = set(data) - set(WRITABLE)
    if unknown:
        raise ValidationFailed(fields={k: [_("Unknown field.")] for k in sorted(unknown)})
    _check_writable(actor, set(data))
    cleaned = clean_fields(actor, data, contact)
    identifying = duplicates.new_identifiers(cleaned, contact, duplicates.CONTACT_IDENTIFIERS)
    if identifying:
        duplicates.check(
            actor=actor,
            object_type=OBJECT_TYPE,
            cleaned=identifying,
            exclude_id=contact.pk,
            allow_duplicate=allow_duplicate,
        )
    _stamp_consent(contact, cleaned, default_source=consent_source)
    before = audit.snapshot(contact, AUDITED)
    before_tags = tag_names(contact)
    new_tags = tags_get_or_create(actor, cleaned.pop("tags")) if "tags" in cleaned else None
    if "owner_id" in cleaned and cleaned["owner_id"] != contact.owner_id:
        require(actor, OBJECT_TYPE, "assign")
        cleaned["owned_since"] = timezone.now() if cleaned["owner_id"] else None
    fields = []
    for key, value in cleaned.items():
        if getattr(contact, key) != value:
            setattr(contact, key, value)
            fields.append(key.removesuffix("_id") if key in ("owner_id", "account_id") else key)
    changes = audit.diff(before, audit.snapshot(contact, AUDITED))
    if new_tags is not None:
        after_tags = sorted(t.name for t in new_tags)
        if after_tags != before_tags:
            changes["tags"] = [before_tags, after_tags]
    if not changes:
        check_version(contact, version=version)
        return contact
    fields += refresh_search_columns(
        contact, person=True, custom_fields=lookups(actor).custom_fields(OBJECT_TYPE)
    )
    save_versioned(contact, version=version, fields=sorted(set(fields)) or ["name"])
    if new_tags is not None:
        set_tags(contact, new_tags)
    write_change(
        actor=actor,
        object_type=OBJECT_TYPE,
        record=contact,
        action="contact.update",
        changes=changes,
        kind="record.updated",
    )
    return contact


@transaction.atomic
def contact_delete(*, actor: Membership, contact: Contact) -> None:
    """Soft delete into the recycle bin (30 days)."""
    require(actor, OBJECT_TYPE, "delete")
    if contact.deleted_at is None:
        soft_delete(actor=actor, object_type=OBJECT_TYPE, record=contact)


@transaction.atomic
def contact_restore(*, actor: Membership, contact: Contact) -> Contact:
    require(actor, OBJECT_TYPE, "delete")
    if contact.deleted_at is None:
        return contact
    if contact.merged_into_id is not None:
        raise PermissionDenied(_("This contact was merged; undo the merge instead."))
    restore(actor=actor, object_type=OBJECT_TYPE, record=contact)
    return contact


def contact_purge(contact: Contact) -> None:
    """Delete for good once the recycle bin's 30 days are over."""
    purge(object_type=OBJECT_TYPE, record=contact)
