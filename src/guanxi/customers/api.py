"""REST endpoints: /accounts, /contacts, /tags, /custom-fields, record timelines, recycle bin."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from guanxi.core import timeline
from guanxi.core.apikit import InputSchema, PageOut, clamp_limit, permission
from guanxi.core.models import Membership
from guanxi.core.permissions import hidden_fields

from . import selectors
from .custom_fields import active_fields, visible_values
from .listing import ListQuery
from .models import Account, Contact, CustomField, Tag
from .services import accounts as account_services
from .services import contacts as contact_services
from .services import definitions
from .services import merge as merge_services
from .services import pool as pool_services

router = Router()
RESERVED_PARAMS = {"limit", "cursor", "q", "sort"}
# Role editor field name -> keys of the API object it hides.
HIDDEN_KEYS = {
    "owner": ("owner_id",),
    "account": ("account_id",),
    "email_consent": ("email_consent", "email_consent_source", "email_consent_at"),
    "sms_consent": ("sms_consent", "sms_consent_source", "sms_consent_at"),
}


def _member(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined,no-any-return]


def _redact(actor: Membership, object_type: str, data: dict[str, Any]) -> dict[str, Any]:
    for name in hidden_fields(actor, object_type):
        for key in HIDDEN_KEYS.get(name, (name,)):
            data.pop(key, None)
    return data


# --- Schemas ---------------------------------------------------------------------------------------


class AccountOut(Schema):
    id: int
    name: str
    credit_code: str | None = None
    industry: str | None = None
    size: str | None = None
    website: str | None = None
    phone: str | None = None
    email: str | None = None
    other_phones: list[str] | None = None
    other_emails: list[str] | None = None
    country: str | None = None
    province: str | None = None
    city: str | None = None
    address: str | None = None
    level: str | None = None
    stage: str | None = None
    source: str | None = None
    description: str | None = None
    owner_id: int | None = None
    tags: list[str] | None = None
    custom: dict[str, Any] | None = None
    last_followed_at: datetime | None = None
    version: int
    created_at: datetime
    updated_at: datetime


class AccountIn(InputSchema):
    name: str
    credit_code: str | None = None
    industry: str | None = None
    size: str | None = None
    website: str | None = None
    phone: str | None = None
    email: str | None = None
    other_phones: list[str] | None = None
    other_emails: list[str] | None = None
    country: str | None = None
    province: str | None = None
    city: str | None = None
    address: str | None = None
    level: str | None = None
    stage: str | None = None
    source: str | None = None
    description: str | None = None
    owner_id: int | None = None
    tags: list[str] | None = None
    custom: dict[str, Any] | None = None


class AccountPatch(AccountIn):
    non_nullable = frozenset({"name", "stage"})
    name: str | None = None  # type: ignore[assignment]
    version: int


class ContactOut(Schema):
    id: int
    name: str
    family_name: str | None = None
    given_name: str | None = None
    account_id: int | None = None
    title: str | None = None
    mobile: str | None = None
    phone: str | None = None
    email: str | None = None
    other_phones: list[str] | None = None
    other_emails: list[str] | None = None
    wechat: str | None = None
    birthday: date | None = None
    email_consent: str | None = None
    email_consent_source: str | None = None
    email_consent_at: datetime | None = None
    sms_consent: str | None = None
    sms_consent_source: str | None = None
    sms_consent_at: datetime | None = None
    source: str | None = None
    description: str | None = None
    owner_id: int | None = None
    tags: list[str] | None = None
    custom: dict[str, Any] | None = None
    last_followed_at: datetime | None = None
    version: int
    created_at: datetime
    updated_at: datetime


class ContactIn(InputSchema):
    name: str
    family_name: str | None = None
    given_name: str | None = None
    account_id: int | None = None
    title: str | None = None
    mobile: str | None = None
    phone: str | None = None
    email: str | None = None
    other_phones: list[str] | None = None
    other_emails: list[str] | None = None
    wechat: str | None = None
    birthday: date | None = None
    email_consent: str | None = None
    email_consent_source: str | None = None
    sms_consent: str | None = None
    sms_consent_source: str | None = None
    source: str | None = None
    description: str | None = None
    owner_id: int | None = None
    tags: list[str] | None = None
    custom: dict[str, Any] | None = None


class ContactPatch(ContactIn):
    non_nullable = frozenset({"name", "email_consent", "sms_consent"})
    name: str | None = None  # type: ignore[assignment]
    version: int


class TagOut(Schema):
    id: int
    name: str
    color: str
    version: int
    created_at: datetime
    updated_at: datetime


class TagIn(InputSchema):
    name: str
    color: str = "blue"


class TagPatch(InputSchema):
    non_nullable = frozenset({"name", "color"})
    version: int
    name: str | None = None
    color: str | None = None


class CustomFieldOut(Schema):
    id: int
    object_type: str
    key: str
    label: str
    field_type: str
    options: Any
    required: bool
    help_text: str
    position: int
    archived: bool
    version: int
    created_at: datetime
    updated_at: datetime


class CustomFieldIn(InputSchema):
    object_type: str
    label: str
    field_type: str
    key: str | None = None
    options: Any = None
    required: bool = False
    help_text: str = ""


class CustomFieldPatch(InputSchema):
    non_nullable = frozenset({"label", "required", "position", "help_text"})
    version: int
    label: str | None = None
    help_text: str | None = None
    required: bool | None = None
    position: int | None = None
    options: Any = None
    archived: bool | None = None


class TimelineEntryOut(Schema):
    id: int
    kind: str
    occurred_at: datetime
    title: str
    body: str
    data: dict[str, Any]
    actor_id: int | None = None
    ref_type: str
    ref_id: int | None = None


# --- Shaping ------------------------------------------------------------------------------------


def account_out(actor: Membership, account: Account, fields: list[CustomField]) -> dict[str, Any]:
    data = {
        "id": account.pk,
        "name": account.name,
        "credit_code": account.credit_code,
        "industry": account.industry,
        "size": account.size,
        "website": account.website,
        "phone": account.phone,
        "email": account.email,
        "other_phones": account.other_phones,
        "other_emails": account.other_emails,
        "country": account.country,
        "province": account.province,
        "city": account.city,
        "address": account.address,
        "level": account.level,
        "stage": account.stage,
        "source": account.source,
        "description": account.description,
        "owner_id": account.owner_id,
        "tags": [t.name for t in account.tags.all()],
        "custom": visible_values(account.custom, fields),
        "last_followed_at": account.last_followed_at,
        "version": account.version,
        "created_at": account.created_at,
        "updated_at": account.updated_at,
    }
    return _redact(actor, "accounts", data)


def contact_out(actor: Membership, contact: Contact, fields: list[CustomField]) -> dict[str, Any]:
    data = {
        "id": contact.pk,
        "name": contact.name,
        "family_name": contact.family_name,
        "given_name": contact.given_name,
        "account_id": contact.account_id,
        "title": contact.title,
        "mobile": contact.mobile,
        "phone": contact.phone,
        "email": contact.email,
        "other_phones": contact.other_phones,
        "other_emails": contact.other_emails,
        "wechat": contact.wechat,
        "birthday": contact.birthday,
        "email_consent": contact.email_consent,
        "email_consent_source": contact.email_consent_source,
        "email_consent_at": contact.email_consent_at,
        "sms_consent": contact.sms_consent,
        "sms_consent_source": contact.sms_consent_source,
        "sms_consent_at": contact.sms_consent_at,
        "source": contact.source,
        "description": contact.description,
        "owner_id": contact.owner_id,
        "tags": [t.name for t in contact.tags.all()],
        "custom": visible_values(contact.custom, fields),
        "last_followed_at": contact.last_followed_at,
        "version": contact.version,
        "created_at": contact.created_at,
        "updated_at": contact.updated_at,
    }
    return _redact(actor, "contacts", data)


def custom_field_out(field: CustomField) -> dict[str, Any]:
    return {
        "id": field.pk,
        "object_type": field.object_type,
        "key": field.key,
        "label": field.label,
        "field_type": field.field_type,
        "options": field.options,
        "required": field.required,
        "help_text": field.help_text,
        "position": field.position,
        "archived": field.archived_at is not None,
        "version": field.version,
        "created_at": field.created_at,
        "updated_at": field.updated_at,
    }


def _list_query(request: HttpRequest, q: str | None, sort: str | None) -> ListQuery:
    filters = {k: v for k, v in request.GET.items() if k not in RESERVED_PARAMS}
    return ListQuery(q=q or "", filters=filters, sort=sort or "-id")


def _entry_out(entry: Any) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "kind": entry.kind,
        "occurred_at": entry.occurred_at,
        "title": entry.title,
        "body": entry.body,
        "data": entry.data,
        "actor_id": entry.actor_id,
        "ref_type": entry.ref_type,
        "ref_id": entry.ref_id,
    }


# --- Merge (查重合并) -------------------------------------------------------------------------------


class MergeIn(InputSchema):
    master_id: int
    duplicate_ids: list[int]
    # field name (or "custom.<key>") -> id of the record whose value the master keeps
    fields: dict[str, int] = {}


class MergeOut(Schema):
    merge_id: int
    master_id: int
    merged_ids: list[int]


def _merge_routes(object_type: str) -> None:
    @router.post(
        f"/{object_type}/merge",
        response=MergeOut,
        tags=[object_type],
        openapi_extra=permission(object_type, "edit"),
        operation_id=f"merge_{object_type}",
    )
    def merge(request: HttpRequest, payload: MergeIn) -> Any:
        """Merge duplicates into `master_id`: related records move to the master, the
        duplicates go to the recycle bin marked as merged. Undo with POST /{id}/undo-merge."""
        record = merge_services.records_merge(
            actor=_member(request),
            object_type=object_type,
            master_id=payload.master_id,
            duplicate_ids=payload.duplicate_ids,
            field_sources=payload.fields,
        )
        return {
            "merge_id": record.pk,
            "master_id": record.master_id,
            "merged_ids": record.loser_ids,
        }

    @router.post(
        f"/{object_type}/{{id}}/undo-merge",
        response=MergeOut,
        tags=[object_type],
        openapi_extra=permission(object_type, "edit"),
        operation_id=f"undo_merge_{object_type}",
    )
    def undo_merge(request: HttpRequest, id: int) -> Any:
        """Undo the latest merge into this record: the duplicates and everything that moved come
        back."""
        record = merge_services.merge_undo(
            actor=_member(request), object_type=object_type, master_id=id
        )
        return {
            "merge_id": record.pk,
            "master_id": record.master_id,
            "merged_ids": record.loser_ids,
        }


# Registered before /{id} routes: "/accounts/merge" must not be read as an account id.
_merge_routes("accounts")
_merge_routes("contacts")


def _timeline_routes(object_type: str, get: Callable[..., Any]) -> None:
    @router.get(
        f"/{object_type}/{{id}}/timeline",
        response=PageOut[TimelineEntryOut],
        tags=[object_type],
        openapi_extra=permission(object_type, "view"),
        # The ids these routes had before they shared this function (generated clients keep them).
        operation_id=f"guanxi_customers_api_{object_type.removesuffix('s')}_timeline",
    )
    def record_timeline(
        request: HttpRequest,
        id: int,
        limit: int = 30,
        cursor: str | None = None,
        group: str | None = None,
    ) -> dict[str, Any]:
        """Newest first. `group` narrows to activities, tasks, changes (comma-separated)."""
        actor = _member(request)
        record = get(actor=actor, id=id)
        page = timeline.page(
            membership=actor,
            subject=(object_type, record.pk),
            groups=[g for g in (group or "").split(",") if g] or None,
            cursor=cursor,
            limit=clamp_limit(limit),
        )
        page["items"] = [_entry_out(e) for e in page["items"]]
        return page


_timeline_routes("accounts", selectors.account_get)
_timeline_routes("contacts", selectors.contact_get)


# --- Accounts -----------------------------------------------------------------------------------


@router.get(
    "/accounts",
    response=PageOut[AccountOut],
    exclude_unset=True,
    tags=["accounts"],
    openapi_extra=permission("accounts", "view"),
)
def list_accounts(
    request: HttpRequest,
    limit: int = 50,
    cursor: str | None = None,
    q: str | None = None,
    sort: str | None = None,
) -> dict[str, Any]:
    """Filter with any field as a query parameter (`level=A`, `owner_id=me`, `tag=VIP`,
    `created_at__gte=2026-01-01`, `custom.budget__lte=5000`); sort with `sort=-updated_at`."""
    actor = _member(request)
    page = selectors.account_list(
        actor=actor, query=_list_query(request, q, sort), cursor=cursor, limit=clamp_limit(limit)
    )
    fields = active_fields(actor.workspace_id, "accounts")
    page["items"] = [account_out(actor, a, fields) for a in page["items"]]
    return page


@router.post(
    "/accounts",
    response={201: AccountOut},
    exclude_unset=True,
    tags=["accounts"],
    openapi_extra=permission("accounts", "create"),
)
def create_account(request: HttpRequest, payload: AccountIn, allow_duplicate: bool = False) -> Any:
    """A create that looks like an existing account (same credit code, name, phone or email,
    or a very similar name) answers 409 `duplicate` with the candidates, unless
    `?allow_duplicate=true`."""
    actor = _member(request)
    account = account_services.account_create(
        actor=actor, data=payload.dict(exclude_unset=True), allow_duplicate=allow_duplicate
    )
    account = selectors.account_get(actor=actor, id=account.pk)
    return Status(201, account_out(actor, account, active_fields(actor.workspace_id, "accounts")))


@router.get(
    "/accounts/{id}",
    response=AccountOut,
    exclude_unset=True,
    tags=["accounts"],
    openapi_extra=permission("accounts", "view"),
)
def read_account(request: HttpRequest, id: int) -> Any:
    actor = _member(request)
    account = selectors.account_get(actor=actor, id=id)
    return account_out(actor, account, active_fields(actor.workspace_id, "accounts"))


@router.patch(
    "/accounts/{id}",
    response=AccountOut,
    exclude_unset=True,
    tags=["accounts"],
    openapi_extra=permission("accounts", "edit"),
)
def patch_account(
    request: HttpRequest, id: int, payload: AccountPatch, allow_duplicate: bool = False
) -> Any:
    actor = _member(request)
    account = selectors.account_get(actor=actor, id=id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    account_services.account_update(
        actor=actor, account=account, data=data, version=version, allow_duplicate=allow_duplicate
    )
    account = selectors.account_get(actor=actor, id=id)
    return account_out(actor, account, active_fields(actor.workspace_id, "accounts"))


@router.delete(
    "/accounts/{id}",
    response={204: None},
    tags=["accounts"],
    openapi_extra=permission("accounts", "delete"),
)
def delete_account(request: HttpRequest, id: int) -> Any:
    actor = _member(request)
    account_services.account_delete(actor=actor, account=selectors.account_get(actor=actor, id=id))
    return Status(204, None)


@router.post(
    "/accounts/{id}/restore",
    response=AccountOut,
    exclude_unset=True,
    tags=["accounts"],
    openapi_extra=permission("accounts", "delete"),
)
def restore_account(request: HttpRequest, id: int) -> Any:
    actor = _member(request)
    account = selectors.account_get(actor=actor, id=id, include_deleted=True)
    account_services.account_restore(actor=actor, account=account)
    account = selectors.account_get(actor=actor, id=id)
    return account_out(actor, account, active_fields(actor.workspace_id, "accounts"))


# --- Contacts -----------------------------------------------------------------------------------


@router.get(
    "/contacts",
    response=PageOut[ContactOut],
    exclude_unset=True,
    tags=["contacts"],
    openapi_extra=permission("contacts", "view"),
)
def list_contacts(
    request: HttpRequest,
    limit: int = 50,
    cursor: str | None = None,
    q: str | None = None,
    sort: str | None = None,
) -> dict[str, Any]:
    """Filter with any field as a query parameter (`account_id=12`, `owner_id=me`,
    `email_consent=granted`, `custom.region=east`); sort with `sort=name`."""
    actor = _member(request)
    page = selectors.contact_list(
        actor=actor, query=_list_query(request, q, sort), cursor=cursor, limit=clamp_limit(limit)
    )
    fields = active_fields(actor.workspace_id, "contacts")
    page["items"] = [contact_out(actor, c, fields) for c in page["items"]]
    return page


@router.post(
    "/contacts",
    response={201: ContactOut},
    exclude_unset=True,
    tags=["contacts"],
    openapi_extra=permission("contacts", "create"),
)
def create_contact(request: HttpRequest, payload: ContactIn, allow_duplicate: bool = False) -> Any:
    """A contact whose mobile, phone or email another contact has answers 409 `duplicate` with
    the candidates, unless `?allow_duplicate=true`."""
    actor = _member(request)
    contact = contact_services.contact_create(
        actor=actor,
        data=payload.dict(exclude_unset=True),
        consent_source="api",
        allow_duplicate=allow_duplicate,
    )
    contact = selectors.contact_get(actor=actor, id=contact.pk)
    return Status(201, contact_out(actor, contact, active_fields(actor.workspace_id, "contacts")))


@router.get(
    "/contacts/{id}",
    response=ContactOut,
    exclude_unset=True,
    tags=["contacts"],
    openapi_extra=permission("contacts", "view"),
)
def read_contact(request: HttpRequest, id: int) -> Any:
    actor = _member(request)
    contact = selectors.contact_get(actor=actor, id=id)
    return contact_out(actor, contact, active_fields(actor.workspace_id, "contacts"))


@router.patch(
    "/contacts/{id}",
    response=ContactOut,
    exclude_unset=True,
    tags=["contacts"],
    openapi_extra=permission("contacts", "edit"),
)
def patch_contact(
    request: HttpRequest, id: int, payload: ContactPatch, allow_duplicate: bool = False
) -> Any:
    actor = _member(request)
    contact = selectors.contact_get(actor=actor, id=id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    contact_services.contact_update(
        actor=actor,
        contact=contact,
        data=data,
        version=version,
        consent_source="api",
        allow_duplicate=allow_duplicate,
    )
    contact = selectors.contact_get(actor=actor, id=id)
    return contact_out(actor, contact, active_fields(actor.workspace_id, "contacts"))


@router.delete(
    "/contacts/{id}",
    response={204: None},
    tags=["contacts"],
    openapi_extra=permission("contacts", "delete"),
)
def delete_contact(request: HttpRequest, id: int) -> Any:
    actor = _member(request)
    contact_services.contact_delete(actor=actor, contact=selectors.contact_get(actor=actor, id=id))
    return Status(204, None)


@router.post(
    "/contacts/{id}/restore",
    response=ContactOut,
    exclude_unset=True,
    tags=["contacts"],
    openapi_extra=permission("contacts", "delete"),
)
def restore_contact(request: HttpRequest, id: int) -> Any:
    actor = _member(request)
    contact = selectors.contact_get(actor=actor, id=id, include_deleted=True)
    contact_services.contact_restore(actor=actor, contact=contact)
    contact = selectors.contact_get(actor=actor, id=id)
    return contact_out(actor, contact, active_fields(actor.workspace_id, "contacts"))


# --- Tags ----------------------------------------------------------------------------------------


def _tag_out(tag: Tag) -> dict[str, Any]:
    return {
        "id": tag.pk,
        "name": tag.name,
        "color": tag.color,
        "version": tag.version,
        "created_at": tag.created_at,
        "updated_at": tag.updated_at,
    }


@router.get(
    "/tags",
    response=PageOut[TagOut],
    tags=["tags"],
    openapi_extra=permission("tags", "view"),
)
def list_tags(request: HttpRequest, limit: int = 200, cursor: str | None = None) -> Any:
    from guanxi.core.apikit import keyset_page

    return keyset_page(
        selectors.tag_list(actor=_member(request)),
        order=["name", "id"],
        cursor=cursor,
        limit=clamp_limit(limit, default=200),
        serialize=_tag_out,
    )


@router.post(
    "/tags",
    response={201: TagOut},
    tags=["tags"],
    openapi_extra=permission("tags", "create"),
)
def create_tag(request: HttpRequest, payload: TagIn) -> Any:
    tag = definitions.tag_create(actor=_member(request), name=payload.name, color=payload.color)
    return Status(201, _tag_out(tag))


@router.get("/tags/{id}", response=TagOut, tags=["tags"], openapi_extra=permission("tags", "view"))
def read_tag(request: HttpRequest, id: int) -> Any:
    return _tag_out(selectors.tag_get(actor=_member(request), id=id))


@router.patch(
    "/tags/{id}", response=TagOut, tags=["tags"], openapi_extra=permission("tags", "edit")
)
def patch_tag(request: HttpRequest, id: int, payload: TagPatch) -> Any:
    actor = _member(request)
    tag = selectors.tag_get(actor=actor, id=id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    return _tag_out(definitions.tag_update(actor=actor, tag=tag, data=data, version=version))


@router.delete(
    "/tags/{id}", response={204: None}, tags=["tags"], openapi_extra=permission("tags", "delete")
)
def delete_tag(request: HttpRequest, id: int) -> Any:
    actor = _member(request)
    definitions.tag_delete(actor=actor, tag=selectors.tag_get(actor=actor, id=id))
    return Status(204, None)


# --- Custom fields --------------------------------------------------------------------------------


@router.get(
    "/custom-fields",
    response=PageOut[CustomFieldOut],
    tags=["custom fields"],
    openapi_extra=permission("custom_fields", "view"),
)
def list_custom_fields(
    request: HttpRequest,
    object_type: str | None = None,
    archived: bool = False,
    limit: int = 200,
    cursor: str | None = None,
) -> Any:
    from guanxi.core.apikit import keyset_page

    queryset = selectors.custom_field_list(
        actor=_member(request), object_type=object_type, include_archived=archived
    )
    return keyset_page(
        queryset,
        order=["id"],
        cursor=cursor,
        limit=clamp_limit(limit, default=200),
        serialize=custom_field_out,
    )


@router.post(
    "/custom-fields",
    response={201: CustomFieldOut},
    tags=["custom fields"],
    openapi_extra=permission("custom_fields", "create"),
)
def create_custom_field(request: HttpRequest, payload: CustomFieldIn) -> Any:
    field = definitions.custom_field_create(
        actor=_member(request), data=payload.dict(exclude_unset=True)
    )
    return Status(201, custom_field_out(field))


@router.get(
    "/custom-fields/{id}",
    response=CustomFieldOut,
    tags=["custom fields"],
    openapi_extra=permission("custom_fields", "view"),
)
def read_custom_field(request: HttpRequest, id: int) -> Any:
    return custom_field_out(selectors.custom_field_get(actor=_member(request), id=id))


@router.patch(
    "/custom-fields/{id}",
    response=CustomFieldOut,
    tags=["custom fields"],
    openapi_extra=permission("custom_fields", "edit"),
)
def patch_custom_field(request: HttpRequest, id: int, payload: CustomFieldPatch) -> Any:
    """`archived: true` removes the field from forms and the API (its values are kept);
    `archived: false` restores it with its data."""
    actor = _member(request)
    field = selectors.custom_field_get(actor=actor, id=id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    archived = data.pop("archived", None)
    field = definitions.custom_field_update(actor=actor, field=field, data=data, version=version)
    if archived is True:
        field = definitions.custom_field_archive(actor=actor, field=field)
    elif archived is False:
        field = definitions.custom_field_restore(actor=actor, field=field)
    return custom_field_out(field)


@router.delete(
    "/custom-fields/{id}",
    response={204: None},
    tags=["custom fields"],
    openapi_extra=permission("custom_fields", "delete"),
)
def delete_custom_field(request: HttpRequest, id: int) -> Any:
    """Archives the field: every record keeps its value, restorable with PATCH archived=false."""
    actor = _member(request)
    definitions.custom_field_archive(
        actor=actor, field=selectors.custom_field_get(actor=actor, id=id)
    )
    return Status(204, None)


# --- Public pool (公海) ---------------------------------------------------------------------------


class ReturnIn(InputSchema):
    reason: str


class AssignIn(InputSchema):
    owner_id: int
    reason: str = ""


class PoolOut(Schema):
    id: int
    object_type: str
    name: str
    is_default: bool
    no_follow_up_days: int | None = None
    no_follow_up_days_by_level: dict[str, int]
    no_deal_days: int | None = None
    no_deal_days_by_level: dict[str, int]
    exempt_customers: bool
    exempt_open_deals: bool
    remind_days_before: int | None = None
    daily_claim_limit: int | None = None
    reclaim_block_days: int | None = None
    mask_contact_details: bool
    version: int
    created_at: datetime
    updated_at: datetime


class PoolRecordOut(Schema):
    id: int
    name: str
    masked: bool
    phone: str | None = None
    email: str | None = None
    other_phones: list[str] | None = None
    other_emails: list[str] | None = None
    mobile: str | None = None
    wechat: str | None = None
    level: str | None = None
    city: str | None = None
    province: str | None = None
    account_id: int | None = None
    last_followed_at: datetime | None = None
    updated_at: datetime


def _pool_out(pool: Any) -> dict[str, Any]:
    return {
        name: getattr(pool, name)
        for name in (
            "id",
            "object_type",
            "name",
            "is_default",
            "no_follow_up_days",
            "no_follow_up_days_by_level",
            "no_deal_days",
            "no_deal_days_by_level",
            "exempt_customers",
            "exempt_open_deals",
            "remind_days_before",
            "daily_claim_limit",
            "reclaim_block_days",
            "mask_contact_details",
            "version",
            "created_at",
            "updated_at",
        )
    }


def _claimed(request: HttpRequest, object_type: str, record: Any) -> dict[str, Any]:
    actor = _member(request)
    fields = active_fields(actor.workspace_id, object_type)
    fresh = selectors.record_after_move(actor=actor, object_type=object_type, id=record.pk)
    if object_type == "accounts":
        return account_out(actor, fresh, fields)
    return contact_out(actor, fresh, fields)


def _pool_routes(object_type: str, out_schema: Any) -> None:
    tag = object_type

    @router.post(
        f"/{object_type}/{{id}}/claim",
        response=out_schema,
        exclude_unset=True,
        tags=[tag],
        openapi_extra=permission(object_type, "edit"),
        operation_id=f"claim_{object_type}",
    )
    def claim(request: HttpRequest, id: int) -> Any:
        """领取: take an unowned record from the pool (daily limit, re-claim bar and holding
        limit apply; 409 with code claim_limit / reclaim_blocked / holding_limit /
        already_owned)."""
        record = pool_services.record_claim(
            actor=_member(request), object_type=object_type, record_id=id
        )
        return _claimed(request, object_type, record)

    @router.post(
        f"/{object_type}/{{id}}/return",
        response={204: None},
        tags=[tag],
        openapi_extra=permission(object_type, "edit"),
        operation_id=f"return_{object_type}",
    )
    def return_(request: HttpRequest, id: int, payload: ReturnIn) -> Any:
        """退回: put a record back in its pool, with a reason."""
        pool_services.record_return(
            actor=_member(request), object_type=object_type, record_id=id, reason=payload.reason
        )
        return Status(204, None)

    @router.post(
        f"/{object_type}/{{id}}/assign",
        response=out_schema,
        exclude_unset=True,
        tags=[tag],
        openapi_extra=permission(object_type, "assign"),
        operation_id=f"assign_{object_type}",
    )
    def assign(request: HttpRequest, id: int, payload: AssignIn) -> Any:
        """分配: give a record (from the pool or another member) to `owner_id`."""
        actor = _member(request)
        record = pool_services.record_assign(
            actor=actor,
            object_type=object_type,
            record_id=id,
            owner_id=payload.owner_id,
            reason=payload.reason,
        )
        return _claimed(request, object_type, record)


_pool_routes("accounts", AccountOut)
_pool_routes("contacts", ContactOut)


@router.get(
    "/pools",
    response=list[PoolOut],
    tags=["pools"],
    openapi_extra=permission("pools", "view"),
)
def list_pools(request: HttpRequest) -> Any:
    """The pools the member may claim from (all pools for members with the assign permission)."""
    return [_pool_out(p) for p in selectors.pools_visible(actor=_member(request))]


@router.get(
    "/pools/{id}/records",
    response=PageOut[PoolRecordOut],
    exclude_unset=True,
    tags=["pools"],
    openapi_extra=permission("pools", "view"),
)
def pool_records(
    request: HttpRequest, id: int, limit: int = 50, cursor: str | None = None, q: str | None = None
) -> Any:
    """Unowned records in the pool, newest first. Contact details are masked when the pool says
    so, for members without the assign permission."""
    from guanxi.core.apikit import keyset_page

    actor = _member(request)
    pool = selectors.pool_get(actor=actor, id=id)
    queryset = selectors.pool_record_queryset(actor=actor, pool=pool, q=q or "")
    shape = selectors.pool_record_shaper(actor=actor, pool=pool)
    return keyset_page(
        queryset,
        order=["-id"],
        cursor=cursor,
        limit=clamp_limit(limit),
        serialize=shape,
    )
