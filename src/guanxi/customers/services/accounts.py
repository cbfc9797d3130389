"""Account writes: create, update, delete (soft), restore, purge."""

from __future__ import annotations

import functools
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core import audit
from guanxi.core.errors import PermissionDenied, ValidationFailed
from guanxi.core.models import Membership
from guanxi.core.permissions import require, require_writable
from guanxi.core.services.versioning import check_version, save_versioned

from .. import duplicates
from ..custom_fields import clean_values
from ..models import Account, CompanySize, LifecycleStage, PicklistKey
from ..normalize import (
    company_key,
    credit_code_is_valid,
    normalize_credit_code,
    normalize_email,
    normalize_phone,
)
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
from .search_index import refresh_after_account_rename, search_text_refresh

OBJECT_TYPE = "accounts"
# Model fields an API client or a form may write, by their API name.
WRITABLE = (
    "name",
    "credit_code",
    "industry",
    "size",
    "website",
    "phone",
    "email",
    "other_phones",
    "other_emails",
    "country",
    "province",
    "city",
    "address",
    "level",
    "stage",
    "source",
    "description",
    "owner_id",
    "tags",
    "custom",
)
AUDITED = [
    "name",
    "credit_code",
    "industry",
    "size",
    "website",
    "phone",
    "email",
    "other_phones",
    "other_emails",
    "country",
    "province",
    "city",
    "address",
    "level",
    "stage",
    "source",
    "description",
    "owner",
    "custom",
]
# Permission field names (role editor) for API names that differ.
PERMISSION_FIELD = {"owner_id": "owner"}


def _clean_website(value: Any) -> str:
    from django.core.exceptions import ValidationError
    from django.core.validators import URLValidator

    url = clean_text(value, field="website", limit=300)
    if not url:
        return ""
    if "://" not in url:
        url = "https://" + url
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise ValidationFailed(fields={"website": [_("Enter a valid web address.")]})
    return url


def _clean_country(value: Any) -> str:
    text = clean_text(value, field="country", limit=2).upper()
    if text and (len(text) != 2 or not text.isalpha()):
        raise ValidationFailed(fields={"country": [_("Use a two-letter country code such as CN.")]})
    return text


@functools.cache
def _blank() -> Account:
    return Account()


def clean_fields(
    actor: Membership, data: dict[str, Any], account: Account | None
) -> dict[str, Any]:
    """Model attribute → cleaned value for every key in `data`. Collects every field's error
    before raising, so a form or an API client sees all problems at once."""
    workspace = lookups(actor).workspace
    # A new account's "current" values are the defaults, read from one blank instance.
    current = account if account is not None else _blank()
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}

    def attempt(key: str, func: Any) -> None:
        if key not in data:
            return
        try:
            func(data[key])
        except ValidationFailed as exc:
            errors.update(exc.fields)

    def name(v: Any) -> None:
        cleaned["name"] = clean_text(v, field="name", limit=200, required=True)
        cleaned["name_key"] = company_key(cleaned["name"])

    def credit_code(v: Any) -> None:
        code = normalize_credit_code(clean_text(v, field="credit_code", limit=40))
        if code and not credit_code_is_valid(code):
            raise ValidationFailed(
                fields={
                    "credit_code": [
                        _(
                            "This is not a valid unified social credit code (check the 18 characters)."
                        )
                    ]
                }
            )
        cleaned["credit_code"] = code

    def phone(v: Any) -> None:
        raw = clean_text(v, field="phone", limit=40)
        try:
            cleaned["phone"] = normalize_phone(raw, workspace.phone_region) if raw else ""
        except ValueError:
            raise ValidationFailed(fields={"phone": [_("Enter a valid phone number.")]})

    def email(v: Any) -> None:
        raw = clean_text(v, field="email", limit=254)
        try:
            cleaned["email"] = normalize_email(raw) if raw else ""
        except ValueError:
            raise ValidationFailed(fields={"email": [_("Enter a valid email address.")]})

    def tags(v: Any) -> None:
        cleaned["tags"] = clean_tag_names(v)

    def custom(v: Any) -> None:
        cleaned["custom"] = clean_values(
            workspace_id=actor.workspace_id,
            object_type=OBJECT_TYPE,
            values=v if v is not None else {},
            existing=current.custom,
            fields=lookups(actor).custom_fields(OBJECT_TYPE),
            member_ids=lookups(actor).active_member_ids,
        )

    attempt("name", name)
    attempt("credit_code", credit_code)
    attempt(
        "industry",
        lambda v: cleaned.__setitem__(
            "industry",
            picklist_value(
                actor,
                PicklistKey.INDUSTRY,
                v,
                field="industry",
                current=current.industry,
            ),
        ),
    )
    attempt(
        "size",
        lambda v: cleaned.__setitem__(
            "size",
            clean_choice(v or "", field="size", choices=[("", ""), *CompanySize.choices]),
        ),
    )
    attempt("website", lambda v: cleaned.__setitem__("website", _clean_website(v)))
    attempt("phone", phone)
    attempt("email", email)
    attempt(
        "other_phones",
        lambda v: cleaned.__setitem__(
            "other_phones",
            clean_phone_list(
                v,
                field="other_phones",
                region=workspace.phone_region,
                current=current.other_phones,
            ),
        ),
    )
    attempt(
        "other_emails",
        lambda v: cleaned.__setitem__(
            "other_emails",
            clean_email_list(v, field="other_emails", current=current.other_emails),
        ),
    )
    attempt("country", lambda v: cleaned.__setitem__("country", _clean_country(v)))
    for key, limit in (("province", 60), ("city", 60), ("address", 255)):
        attempt(
            key,
            lambda v, key=key, limit=limit: cleaned.__setitem__(
                key, clean_text(v, field=key, limit=limit)
            ),
        )
    attempt(
        "level",
        lambda v: cleaned.__setitem__(
            "level",
            picklist_value(
                actor,
                PicklistKey.ACCOUNT_LEVEL,
                v,
                field="level",
                current=current.level,
            ),
        ),
    )
    attempt(
        "stage",
        lambda v: cleaned.__setitem__(
            "stage", clean_choice(v, field="stage", choices=LifecycleStage.choices)
        ),
    )
    attempt(
        "source",
        lambda v: cleaned.__setitem__(
            "source",
            picklist_value(actor, PicklistKey.SOURCE, v, field="source", current=current.source),
        ),
    )
    attempt(
        "description",
        lambda v: cleaned.__setitem__(
            "description", clean_text(v, field="description", limit=10_000)
        ),
    )
    attempt("owner_id", lambda v: cleaned.__setitem__("owner_id", clean_owner(actor, v)))
    attempt("tags", tags)
    attempt("custom", custom)
    if account is None and "name" not in cleaned and "name" not in errors:
        errors["name"] = [_("This field is required.")]
    if account is None and "custom" not in data and "custom" not in errors:
        try:
            cleaned["custom"] = clean_values(
                workspace_id=actor.workspace_id,
                object_type=OBJECT_TYPE,
                values={},
                fields=lookups(actor).custom_fields(OBJECT_TYPE),
                member_ids=lookups(actor).active_member_ids,
            )
        except ValidationFailed as exc:
            errors.update(exc.fields)
    if errors:
        raise ValidationFailed(fields=errors)
    drop_main_values(cleaned, current, "other_phones", ("phone",))
    drop_main_values(cleaned, current, "other_emails", ("email",))
    return cleaned


def _check_writable(actor: Membership, data: dict[str, Any]) -> None:
    require_writable(actor, OBJECT_TYPE, {PERMISSION_FIELD.get(k, k) for k in data})


@transaction.atomic
def account_create(
    *, actor: Membership, data: dict[str, Any], allow_duplicate: bool = False
) -> Account:
    """Create an account owned by the actor, or by `owner_id` (None: straight into the public
    pool), which needs the assign permission. Refused with DuplicateFound when it looks like an
    existing account (查重) unless `allow_duplicate`. Audited, on the timeline."""
    require(actor, OBJECT_TYPE, "create")
    unknown = set(data) - set(WRITABLE)
    if unknown:
        raise ValidationFailed(fields={k: [_("Unknown field.")] for k in sorted(unknown)})
    _check_writable(actor, {k: v for k, v in data.items() if v not in (None, "", [], {})})
    cleaned = clean_fields(actor, data, None)
    if "owner_id" in cleaned and cleaned["owner_id"] != actor.user_id:
        require(actor, OBJECT_TYPE, "assign")
    duplicates.check(
        actor=actor, object_type=OBJECT_TYPE, cleaned=cleaned, allow_duplicate=allow_duplicate
    )
    owner_id = cleaned.pop("owner_id", actor.user_id)
    tags = tags_get_or_create(actor, cleaned.pop("tags", []))
    now = timezone.now()
    account = Account(
        workspace_id=actor.workspace_id,
        owner_id=owner_id,
        owned_since=now if owner_id else None,
        pool=default_pool(actor.workspace_id, OBJECT_TYPE),
        created_by_id=actor.user_id,
        **cleaned,
    )
    refresh_search_columns(
        account, person=False, custom_fields=lookups(actor).custom_fields(OBJECT_TYPE)
    )
    account.save()
    set_tags(account, tags)
    changes = audit.diff({}, audit.snapshot(account, AUDITED))
    if tags:
        changes["tags"] = [None, sorted(t.name for t in tags)]
    write_change(
        actor=actor,
        object_type=OBJECT_TYPE,
        record=account,
        action="account.create",
        changes=changes,
        kind="record.created",
    )
    return account


@transaction.atomic
def account_update(
    *,
    actor: Membership,
    account: Account,
    data: dict[str, Any],
    version: int | None,
    allow_duplicate: bool = False,
) -> Account:
    """Change fields of an account. Version-checked (409 when stale); changing the owner needs
    the assign permission and does not count as a follow-up; a new name, code, phone or email
    that matches another account is refused (查重) unless `allow_duplicate`. Audited, on the
    timeline."""
    require(actor, OBJECT_TYPE, "edit")
    unknown = set(data) - set(WRITABLE)
    if unknown:
        raise ValidationFailed(fields={k: [_("Unknown field.")] for k in sorted(unknown)})
    _check_writable(actor, data)
    cleaned = clean_fields(actor, data, account)
    identifying = duplicates.new_identifiers(cleaned, account, duplicates.ACCOUNT_IDENTIFIERS)
    if identifying:
        duplicates.check(
            actor=actor,
            object_type=OBJECT_TYPE,
            cleaned=identifying,
            exclude_id=account.pk,
            allow_duplicate=allow_duplicate,
        )
    before = audit.snapshot(account, AUDITED)
    before_tags = tag_names(account)
    new_tags = None
    if "tags" in cleaned:
        new_tags = tags_get_or_create(actor, cleaned.pop("tags"))
    if "owner_id" in cleaned and cleaned["owner_id"] != account.owner_id:
        require(actor, OBJECT_TYPE, "assign")
        account.owned_since = timezone.now() if cleaned["owner_id"] else None
        cleaned["owned_since"] = account.owned_since
    fields = []
    for key, value in cleaned.items():
        attname = key
        if getattr(account, attname) != value:
            setattr(account, attname, value)
            fields.append(key.removesuffix("_id") if key == "owner_id" else key)
    changes = audit.diff(before, audit.snapshot(account, AUDITED))
    if new_tags is not None:
        after_tags = sorted(t.name for t in new_tags)
        if after_tags != before_tags:
            changes["tags"] = [before_tags, after_tags]
    if not changes:
        check_version(account, version=version)
        return account
    fields += refresh_search_columns(
        account, person=False, custom_fields=lookups(actor).custom_fields(OBJECT_TYPE)
    )
    save_versioned(account, version=version, fields=sorted(set(fields)) or ["name"])
    if "name" in changes:
        _refresh_contacts_company(actor, account)
    if new_tags is not None:
        set_tags(account, new_tags)
    write_change(
        actor=actor,
        object_type=OBJECT_TYPE,
        record=account,
        action="account.update",
        changes=changes,
        kind="record.updated",
    )
    return account


def _refresh_contacts_company(actor: Membership, account: Account, limit: int = 2000) -> None:
    """Contacts are found by their company's name too: re-index the account's contacts now or,
    when it has more than `limit`, in a background job (the same re-index either way)."""
    from ..models import Contact

    if Contact.objects.filter(account=account)[limit : limit + 1].exists():
        refresh_after_account_rename(account)
    else:
        search_text_refresh(
            workspace_id=account.workspace_id, object_type="contacts", account_id=account.pk
        )


@transaction.atomic
def account_delete(*, actor: Membership, account: Account) -> None:
    """Soft delete: the account goes to the recycle bin for 30 days; its contacts and activities
    stay as they are and come back with it."""
    require(actor, OBJECT_TYPE, "delete")
    if account.deleted_at is not None:
        return
    soft_delete(actor=actor, object_type=OBJECT_TYPE, record=account)


@transaction.atomic
def account_restore(*, actor: Membership, account: Account) -> Account:
    """Bring an account back from the recycle bin. Needs the delete permission (who may bin
    records may take them out again)."""
    require(actor, OBJECT_TYPE, "delete")
    if account.deleted_at is None:
        return account
    if account.merged_into_id is not None:
        raise PermissionDenied(_("This account was merged; undo the merge instead."))
    restore(actor=actor, object_type=OBJECT_TYPE, record=account)
    return account


def account_purge(account: Account) -> None:
    """Delete for good (the recycle bin's 30 days are over). Contacts keep their data and lose
    the link; the timeline entries about the account go with it."""
    purge(object_type=OBJECT_TYPE, record=account)
