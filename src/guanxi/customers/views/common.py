"""What every customers page shares: the page decorator, the two record types, and the
Presenter that turns stored values into what people read (pick-list labels, member names,
custom field values, field changes)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core import registry
from guanxi.core.errors import NotFound, PermissionDenied
from guanxi.core.models import Membership
from guanxi.core.permissions import can
from guanxi.core.views.helpers import membership_required

from .. import selectors, ui_support
from ..custom_fields import active_fields, display_value
from ..models import (
    CompanySize,
    ConsentStatus,
    CustomField,
    CustomFieldType,
    LifecycleStage,
    PicklistKey,
    PicklistOption,
)
from ..normalize import phone_display
from ..services import accounts as account_services
from ..services import contacts as contact_services

View = Callable[..., HttpResponseBase]


def customers_page(view: View) -> View:
    """Signed in, with a membership; the actor is passed to the view. Domain "not found" and
    "not allowed" become the 404 and 403 pages."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        actor = membership_required(request)
        try:
            return view(request, actor, *args, **kwargs)
        except NotFound:
            raise Http404
        except PermissionDenied as error:
            raise DjangoPermissionDenied(error.message)

    return wrapper


def is_htmx(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return htmx is not None and bool(htmx) and not htmx.history_restore_request


@dataclass(frozen=True)
class RecordType:
    """Accounts and contacts share their pages; this is what differs between them."""

    key: str
    plural: Any
    new_label: Any
    icon: str
    list_url: str
    detail_url: str
    new_url: str
    edit_url: str
    delete_url: str
    get: Callable[..., Any]
    create: Callable[..., Any]
    update: Callable[..., Any]
    delete: Callable[..., Any]
    record_arg: str

    def fetch(self, actor: Membership, pk: int) -> Any:
        return self.get(actor=actor, id=pk)

    def do_update(
        self,
        actor: Membership,
        record: Any,
        data: dict[str, Any],
        version: Any,
        *,
        allow_duplicate: bool = False,
    ) -> Any:
        return self.update(
            actor=actor,
            data=data,
            version=version,
            allow_duplicate=allow_duplicate,
            **{self.record_arg: record},
        )

    def do_delete(self, actor: Membership, record: Any) -> None:
        self.delete(actor=actor, **{self.record_arg: record})


ACCOUNTS = RecordType(
    key="accounts",
    plural=gettext_lazy("Accounts"),
    new_label=gettext_lazy("New account"),
    icon="building-skyscraper",
    list_url="customers:accounts",
    detail_url="customers:account",
    new_url="customers:account-new",
    edit_url="customers:account-edit",
    delete_url="customers:account-delete",
    get=selectors.account_get,
    create=account_services.account_create,
    update=account_services.account_update,
    delete=account_services.account_delete,
    record_arg="account",
)
CONTACTS = RecordType(
    key="contacts",
    plural=gettext_lazy("Contacts"),
    new_label=gettext_lazy("New contact"),
    icon="address-book",
    list_url="customers:contacts",
    detail_url="customers:contact",
    new_url="customers:contact-new",
    edit_url="customers:contact-edit",
    delete_url="customers:contact-delete",
    get=selectors.contact_get,
    create=contact_services.contact_create,
    update=contact_services.contact_update,
    delete=contact_services.contact_delete,
    record_arg="contact",
)
TYPES = {"accounts": ACCOUNTS, "contacts": CONTACTS}

# Stored core fields whose values are codes of the workspace's pick lists.
PICKLIST_OF = {
    "level": PicklistKey.ACCOUNT_LEVEL,
    "industry": PicklistKey.INDUSTRY,
    "source": PicklistKey.SOURCE,
}
CHOICES_OF: dict[str, Any] = {
    "stage": LifecycleStage,
    "size": CompanySize,
    "email_consent": ConsentStatus,
    "sms_consent": ConsentStatus,
}
EMPTY = "—"


PHONE_FIELDS = frozenset({"phone", "mobile", "other_phones"})


class Presenter:
    """Stored values as people read them, for one member on one request. Each lookup table is
    loaded once, on first use (one query each, whatever the number of rows shown)."""

    def __init__(self, actor: Membership, object_type: str) -> None:
        self.actor = actor
        self.object_type = object_type
        self._options: list[PicklistOption] | None = None
        self._picklists: dict[str, dict[str, str]] | None = None
        self._users: dict[int, str] | None = None
        self._fields: list[CustomField] | None = None
        self._accounts: dict[int, str] = {}
        self._tags: list[Any] | None | bool = False

    @property
    def tags(self) -> list[Any] | None:
        """The workspace's tags by name, or None without the permission to see them."""
        if self._tags is False:
            self._tags = (
                list(selectors.tag_list(actor=self.actor))
                if can(self.actor, "tags", "view")
                else None
            )
        return self._tags  # type: ignore[return-value]

    @property
    def custom_fields(self) -> list[CustomField]:
        if self._fields is None:
            self._fields = active_fields(self.actor.workspace_id, self.object_type)
        return self._fields

    @property
    def picklist_options(self) -> list[PicklistOption]:
        """Every option of every pick list, retired ones too, in each list's order: one query
        for the filter bar's choices and the labels of the rows."""
        if self._options is None:
            self._options = selectors.picklist_options(workspace_id=self.actor.workspace_id)
        return self._options

    @property
    def picklists(self) -> dict[str, dict[str, str]]:
        """{list_key: {value: label}} including retired options (records may still carry them)."""
        if self._picklists is None:
            self._picklists = {}
            for option in self.picklist_options:
                self._picklists.setdefault(option.list_key, {})[option.value] = option.shown_label
        return self._picklists

    def picklist_choices(self, list_key: str, *, blank: Any) -> list[tuple[str, str]]:
        """A pick list's active options after a blank choice (as forms.picklist_choices)."""
        return [
            ("", str(blank)),
            *(
                (o.value, o.shown_label)
                for o in self.picklist_options
                if o.list_key == list_key and o.is_active
            ),
        ]

    @property
    def users(self) -> dict[int, str]:
        if self._users is None:
            self._users = ui_support.user_names(workspace_id=self.actor.workspace_id)
        return self._users

    def field_labels(self, object_type: str | None = None) -> dict[str, Any]:
        labels: dict[str, Any] = {
            spec.name: spec.label
            for spec in registry.object_type(object_type or self.object_type).fields
        }
        labels.update(
            {
                "owner_id": labels.get("owner"),
                "account_id": labels.get("account"),
                "created_at": _("Created"),
                "updated_at": _("Updated"),
                "family_name": _("Family name"),
                "given_name": _("Given name"),
                "email_consent_source": _("Email consent source"),
                "sms_consent_source": _("SMS consent source"),
            }
        )
        return labels

    def value(self, name: str, value: Any) -> str:
        """A core field's stored value as text ("" when empty)."""
        if value is None or value == "" or value == []:
            return ""
        if name in PICKLIST_OF:
            return self.picklists.get(PICKLIST_OF[name], {}).get(str(value), str(value))
        if name in CHOICES_OF:
            choices = dict(CHOICES_OF[name].choices)
            return str(choices.get(value, value))
        if name in ("owner", "owner_id"):
            try:
                return self.users.get(int(value), f"#{value}")
            except (TypeError, ValueError):
                return str(value)
        if name in ("account", "account_id"):
            try:
                return self._accounts.get(int(value), f"#{value}")
            except (TypeError, ValueError):
                return str(value)
        if name in PHONE_FIELDS:  # stored E.164, shown as people write them
            region = self.actor.workspace.phone_region or "CN"
            numbers = value if isinstance(value, list) else [str(value)]
            return ", ".join(phone_display(number, region) for number in numbers)
        if isinstance(value, list):  # tags, other phones and emails
            return ", ".join(str(v) for v in value)
        if isinstance(value, bool):
            return _("Yes") if value else _("No")
        return str(value)

    def custom_value(self, field: CustomField, value: Any) -> str:
        if field.field_type == CustomFieldType.USER:
            return display_value(field, value, user_names=self.users)
        return display_value(field, value)

    def custom_facts(self, record: Any) -> list[dict[str, Any]]:
        return [
            {
                "key": field.key,
                "label": field.label,
                "value": self.custom_value(field, record.custom.get(field.key)),
                "type": field.field_type,
            }
            for field in self.custom_fields
        ]

    # --- Field changes (timeline and history) ----------------------------------------------------

    def load_accounts(self, changes_list: Iterable[dict[str, Any]]) -> None:
        ids: set[int] = set()
        for changes in changes_list:
            for name in ("account", "account_id"):
                pair = changes.get(name)
                if isinstance(pair, list):
                    ids.update(int(v) for v in pair if isinstance(v, int))
        missing = ids - set(self._accounts)
        if missing:
            self._accounts.update(ui_support.account_names(actor=self.actor, ids=missing))

    def describe_changes(
        self, changes: dict[str, Any], object_type: str | None = None
    ) -> list[dict[str, str]]:
        """{field: [old, new]} → rows "Label: old → new"; custom fields are listed one by one
        with their labels, archived ones left out."""
        labels = self.field_labels(object_type)
        rows: list[dict[str, str]] = []
        for name, pair in (changes or {}).items():
            if not isinstance(pair, list) or len(pair) != 2:
                continue
            old, new = pair
            if name == "custom" and (isinstance(old, dict) or isinstance(new, dict)):
                if object_type not in (None, self.object_type):
                    continue  # another type's custom fields: their labels are not loaded
                old, new = old or {}, new or {}
                for field in self.custom_fields:
                    before, after = old.get(field.key), new.get(field.key)
                    if before != after:
                        rows.append(
                            {
                                "label": field.label,
                                "old": self.custom_value(field, before) or EMPTY,
                                "new": self.custom_value(field, after) or EMPTY,
                            }
                        )
                continue
            if name == "description":
                old, new = _short(old), _short(new)
            rows.append(
                {
                    "label": str(labels.get(name, name)),
                    "old": self.value(name, old) or EMPTY,
                    "new": self.value(name, new) or EMPTY,
                }
            )
        return rows


def _short(value: Any, limit: int = 80) -> Any:
    if isinstance(value, str) and len(value) > limit:
        return value[: limit - 1] + "…"
    return value
