"""What activity and task services share: checking the customer and record links a member asks
for, the timeline subjects of a linked record, and the follow-up time on customers."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from guanxi.core.errors import ValidationFailed
from guanxi.core.models import Membership
from guanxi.core.registry import object_type
from guanxi.customers.models import Account, Contact
from guanxi.customers.selectors import account_queryset, contact_queryset

from ..models import Activity, ActivityParticipant, Task
from ..plugins import linkable_types

MAX_PARTICIPANTS = 50


class Errors:
    """Collects every field's problem before raising, so a form or an API client sees all of
    them at once."""

    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def attempt(self, data: dict[str, Any], key: str, func: Callable[[Any], None]) -> None:
        if key not in data:
            return
        try:
            func(data[key])
        except ValidationFailed as exc:
            for name, problems in exc.fields.items():
                self.fields.setdefault(name, []).extend(problems)

    def add(self, key: str, message: str) -> None:
        self.fields.setdefault(key, []).append(message)

    def raise_if_any(self) -> None:
        if self.fields:
            raise ValidationFailed(fields=self.fields)


def optional_id(value: Any, *, field: str, message: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValidationFailed(fields={field: [message]})
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationFailed(fields={field: [message]})
    if not 0 < number < 2**63:
        raise ValidationFailed(fields={field: [message]})
    return number


def visible_account(actor: Membership, value: Any) -> Account | None:
    message = _("Choose an account you can see.")
    account_id = optional_id(value, field="account_id", message=message)
    if account_id is None:
        return None
    account = account_queryset(actor=actor).filter(pk=account_id).first()
    if account is None:
        raise ValidationFailed(fields={"account_id": [message]})
    return account


def visible_contact(actor: Membership, value: Any) -> Contact | None:
    message = _("Choose a contact you can see.")
    contact_id = optional_id(value, field="contact_id", message=message)
    if contact_id is None:
        return None
    contact = contact_queryset(actor=actor).select_related("account").filter(pk=contact_id).first()
    if contact is None:
        raise ValidationFailed(fields={"contact_id": [message]})
    return contact


def contact_account_id(contact: Contact | None) -> int | None:
    """The live account a contact works for, if any."""
    if contact is None or contact.account_id is None:
        return None
    account = contact.account
    if account is None or account.deleted_at is not None:
        return None
    return account.pk


def clean_customer_links(
    actor: Membership,
    data: dict[str, Any],
    current: Activity | Task | None,
    cleaned: dict[str, Any],
    errors: Errors,
) -> None:
    """`account_id` and `contact_id`: records the actor can see (a link the record already has is
    kept without asking again). A contact given without an account brings the contact's account."""
    if "account_id" in data:
        same = current is not None and data["account_id"] == current.account_id
        if same:
            cleaned["account_id"] = current.account_id if current is not None else None
        else:
            try:
                account = visible_account(actor, data["account_id"])
                cleaned["account_id"] = account.pk if account else None
            except ValidationFailed as exc:
                errors.fields.update(exc.fields)
    if "contact_id" in data:
        same = current is not None and data["contact_id"] == current.contact_id
        try:
            if same and current is not None:
                contact = current.contact
            else:
                contact = visible_contact(actor, data["contact_id"])
            cleaned["contact_id"] = contact.pk if contact else None
            if "account_id" not in data and contact is not None and not same:
                account_id = contact_account_id(contact)
                if account_id is not None:
                    cleaned["account_id"] = account_id
        except ValidationFailed as exc:
            errors.fields.update(exc.fields)


def clean_related(
    actor: Membership,
    data: dict[str, Any],
    current: Activity | Task | None,
    cleaned: dict[str, Any],
    errors: Errors,
) -> None:
    """`related_type` + `related_id`: a record of a linkable type (see register_linkable_type)
    that the actor can see. Both or neither."""
    if "related_type" not in data and "related_id" not in data:
        return
    related_type = data.get("related_type", current.related_type if current else "") or ""
    raw_id = data.get("related_id", current.related_id if current else None)
    if not isinstance(related_type, str):
        errors.add("related_type", _("Choose a kind of record that activities can link to."))
        return
    related_type = related_type.strip()
    message = _("Choose a record you can see.")
    try:
        related_id = optional_id(raw_id, field="related_id", message=message)
    except ValidationFailed as exc:
        errors.fields.update(exc.fields)
        return
    if not related_type and related_id is None:
        cleaned["related_type"], cleaned["related_id"] = "", None
        return
    if related_type not in linkable_types():
        errors.add("related_type", _("Choose a kind of record that activities can link to."))
        return
    if related_id is None:
        errors.add("related_id", _("This field is required."))
        return
    unchanged = (
        current is not None
        and current.related_type == related_type
        and current.related_id == related_id
    )
    if not unchanged:
        model: Any = object_type(related_type).model_class()
        queryset = model.objects.visible_to(actor).filter(pk=related_id)
        if any(f.name == "deleted_at" for f in model._meta.get_fields()):
            queryset = queryset.filter(deleted_at__isnull=True)
        if not queryset.exists():
            errors.add("related_id", message)
            return
    cleaned["related_type"], cleaned["related_id"] = related_type, related_id


def subjects_of(
    record: Activity | Task,
    *,
    contact_account_id: int | None = None,
    participant_contact_ids: Iterable[int] = (),
) -> list[tuple[str, int]]:
    """The timelines a record appears on: its account, its contact, the contact's account, the
    contacts who took part, and the related record of a later module."""
    subjects: list[tuple[str, int]] = []
    if record.account_id:
        subjects.append(("accounts", record.account_id))
    if contact_account_id:
        subjects.append(("accounts", contact_account_id))
    if record.contact_id:
        subjects.append(("contacts", record.contact_id))
    subjects.extend(("contacts", contact_id) for contact_id in participant_contact_ids)
    if record.related_type and record.related_id:
        subjects.append((record.related_type, record.related_id))
    return list(dict.fromkeys(subjects))


def contact_account_of(record: Activity | Task) -> int | None:
    """The account of the record's contact (one query, only when there is a contact)."""
    if not record.contact_id:
        return None
    return (
        Account.objects.filter(
            workspace_id=record.workspace_id,
            deleted_at__isnull=True,
            contacts__pk=record.contact_id,
        )
        .values_list("pk", flat=True)
        .first()
    )


def participant_contact_ids(activity: Activity) -> list[int]:
    return list(
        ActivityParticipant.objects.filter(
            workspace_id=activity.workspace_id, activity=activity, contact__isnull=False
        )
        .order_by("id")
        .values_list("contact_id", flat=True)
    )


def mark_followed(
    *, workspace_id: int, account_ids: Iterable[int], contact_ids: Iterable[int], at: datetime
) -> None:
    """Move customers' last follow-up forward to `at` (never back): one set-based UPDATE per
    model, not the customers services, so the record's version, `updated_at` and timeline are
    untouched (a follow-up is not an edit of the customer)."""
    earlier = Q(last_followed_at__isnull=True) | Q(last_followed_at__lt=at)
    accounts = sorted({pk for pk in account_ids if pk})
    contacts = sorted({pk for pk in contact_ids if pk})
    if accounts:
        Account.objects.filter(workspace_id=workspace_id, pk__in=accounts).filter(earlier).update(
            last_followed_at=at
        )
    if contacts:
        Contact.objects.filter(workspace_id=workspace_id, pk__in=contacts).filter(earlier).update(
            last_followed_at=at
        )
