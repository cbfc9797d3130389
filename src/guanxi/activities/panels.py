"""The panels this module puts on account and contact pages (registered in plugins.py).

Each context function decides itself whether the member may use the panel (None hides it); the
record page has already checked that the member may see the record. The same functions build
the fragments the panel endpoints answer with (views.py), so a panel looks the same on first
paint and after an htmx swap.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from guanxi.core.errors import NotFound
from guanxi.core.models import Membership
from guanxi.core.permissions import can, hidden_fields, readonly_fields
from guanxi.customers.models import Account, Contact
from guanxi.customers.selectors import account_contacts, account_queryset, contact_queryset

from . import selectors
from .clock import member_zone
from .forms import ACTIVITY_PERMISSION_NAMES, QuickLogForm, TaskQuickForm, restrict_to_role
from .models import ActivityType

RECORD_URL_NAMES = {"accounts": "customers:account", "contacts": "customers:contact"}
MAX_CONTACT_CHOICES = 50


def subject_type_of(record: Any) -> str:
    if isinstance(record, Account):
        return "accounts"
    if isinstance(record, Contact):
        return "contacts"
    raise LookupError(f"no activities panel for {type(record).__name__}")


def customer_get(*, actor: Membership, subject_type: str, id: int) -> Account | Contact:
    """An account or a contact the member may see and that is not deleted (404 otherwise)."""
    queryset: QuerySet[Any]
    if subject_type == "accounts":
        queryset = account_queryset(actor=actor)
    elif subject_type == "contacts":
        queryset = contact_queryset(actor=actor)
    else:
        raise NotFound()
    record = queryset.filter(pk=id).first()
    if record is None:
        raise NotFound()
    return record  # type: ignore[no-any-return]


def record_url(record: Any) -> str:
    """The customer's own page, once the customers module serves one ("" until then)."""
    if record is None:
        return ""
    try:
        return reverse(RECORD_URL_NAMES[subject_type_of(record)], args=[record.pk])
    except (NoReverseMatch, LookupError):
        return ""


def default_due(actor: Membership, now: datetime | None = None) -> datetime:
    """Tomorrow at 10:00 in the member's time zone: when a follow-up usually happens."""
    zone = member_zone(actor)
    local = timezone.localtime(now or timezone.now(), zone)
    tomorrow = (local + timedelta(days=1)).replace(
        hour=10, minute=0, second=0, microsecond=0, tzinfo=None
    )
    return timezone.make_aware(tomorrow, zone)


def contact_choices(actor: Membership, account: Account) -> list[tuple[str, str]]:
    if not can(actor, "contacts", "view"):
        return []
    # The customers selector: on the account page the contacts are loaded once for its
    # contacts card and this panel.
    contacts = account_contacts(actor=actor, account=account, limit=MAX_CONTACT_CHOICES)
    return [(str(contact.pk), contact.name) for contact in contacts]


def form_id(subject_type: str, pk: int, panel: str) -> str:
    """Element ids of a panel's fields, unique on a page that shows several forms."""
    return f"activities-{panel}-{subject_type}-{pk}-%s"


def quick_log_context(
    membership: Membership,
    record: Account | Contact,
    *,
    form: QuickLogForm | None = None,
    logged: str = "",
) -> dict[str, Any] | None:
    if not can(membership, "activities", "create") or record.deleted_at is not None:
        return None
    subject_type = subject_type_of(record)
    choices = contact_choices(membership, record) if isinstance(record, Account) else []
    if form is None:
        form = QuickLogForm(
            initial={"type": ActivityType.CALL},
            auto_id=form_id(subject_type, record.pk, "log"),
        )
    form.fields["contact"].choices = [("", "—"), *choices]  # type: ignore[attr-defined]
    if not choices:
        del form.fields["contact"]
    restrict_to_role(
        form,
        hidden=hidden_fields(membership, "activities"),
        readonly=readonly_fields(membership, "activities"),
        permission_names=ACTIVITY_PERMISSION_NAMES,
    )
    return {
        "panel_id": f"activities-quick-log-{subject_type}-{record.pk}",
        "record": record,
        "subject_type": subject_type,
        "form": form,
        "action": reverse("activities:quick-log", args=[subject_type, record.pk]),
        "logged": logged,
    }


def open_tasks_context(
    membership: Membership,
    record: Account | Contact,
    *,
    form: TaskQuickForm | None = None,
) -> dict[str, Any] | None:
    if not can(membership, "tasks", "view") or record.deleted_at is not None:
        return None
    subject_type = subject_type_of(record)
    tasks, total = selectors.open_tasks_for(
        actor=membership, subject_type=subject_type, subject_id=record.pk
    )
    hidden = hidden_fields(membership, "tasks")
    can_create = can(membership, "tasks", "create")
    if can_create and form is None:
        form = TaskQuickForm(
            initial={"due_at": default_due(membership)},
            auto_id=form_id(subject_type, record.pk, "task"),
        )
    return {
        "panel_id": f"activities-open-tasks-{subject_type}-{record.pk}",
        "record": record,
        "subject_type": subject_type,
        "tasks": tasks,
        "total": total,
        "more": total - len(tasks),
        "now": timezone.now(),
        "can_create": can_create,
        "can_edit": can(membership, "tasks", "edit"),
        "show_assignee": "assignee" not in hidden,
        "form": form if can_create else None,
        "action": reverse("activities:record-tasks", args=[subject_type, record.pk]),
    }
