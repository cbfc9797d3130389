"""Forms of the customers pages. They parse and present; the services validate and write.

Record forms name their fields after the API's field names where they can (`owner` and `account`
stand for `owner_id` and `account_id`, custom fields are `custom.<key>`), so that a
ValidationFailed from a service lands on the right field through core's apply_error.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.models import Membership
from guanxi.core.permissions import can, hidden_fields, readonly_fields
from guanxi.web.forms import StyledForm
from guanxi.web.widgets import FastSelect

from . import selectors, ui_support
from .models import (
    CompanySize,
    ConsentStatus,
    CustomField,
    CustomFieldType,
    LifecycleStage,
    PicklistKey,
)
from .services.definitions import TAG_COLORS

# Form field name -> API field name where they differ.
API_NAME = {"owner": "owner_id", "account": "account_id"}


def picklist_choices(
    workspace_id: int, list_key: str, *, current: str = "", blank: Any = "—"
) -> list[tuple[str, str]]:
    """Active options, plus the record's current value if it is a retired one."""
    options = selectors.picklist(workspace_id=workspace_id, list_key=list_key, include_retired=True)
    choices: list[tuple[str, str]] = [("", str(blank))]
    for option in options:
        if option.is_active or option.value == current:
            choices.append((option.value, option.shown_label))
    return choices


def _fix_choice_widgets(form: forms.Form) -> None:
    """StyledForm gives every non-select widget `form-control`; radios and checkbox lists are
    drawn with Tabler's form-check instead (customers/_field.html)."""
    for field in form.fields.values():
        if isinstance(field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
            field.widget.attrs["class"] = "form-check-input"


# --- Custom fields as form fields --------------------------------------------------------------


def custom_form_field(
    field: CustomField, *, members: list[tuple[int, str]], current: Any = None
) -> forms.Field:
    kind = field.field_type
    label = field.label
    help_text = field.help_text
    required = field.required and kind != CustomFieldType.BOOLEAN
    common: dict[str, Any] = {"label": label, "help_text": help_text, "required": required}
    if kind == CustomFieldType.LONG_TEXT:
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), **common)
    if kind == CustomFieldType.NUMBER:
        return forms.CharField(
            widget=forms.TextInput(attrs={"type": "number", "step": "1", "inputmode": "numeric"}),
            **common,
        )
    if kind == CustomFieldType.DECIMAL:
        return forms.CharField(
            widget=forms.TextInput(attrs={"type": "number", "step": "any", "inputmode": "decimal"}),
            **common,
        )
    if kind == CustomFieldType.MONEY:
        currency = (
            field.options.get("currency", "CNY") if isinstance(field.options, dict) else "CNY"
        )
        if isinstance(current, dict) and current.get("currency"):
            currency = current["currency"]
        common["label"] = f"{label} ({currency})"
        return forms.CharField(
            widget=forms.TextInput(
                attrs={"type": "number", "step": "0.01", "inputmode": "decimal"}
            ),
            **common,
        )
    if kind == CustomFieldType.DATE:
        return forms.CharField(widget=forms.TextInput(attrs={"type": "date"}), **common)
    if kind == CustomFieldType.DATETIME:
        return forms.CharField(
            widget=forms.TextInput(attrs={"type": "datetime-local", "step": "60"}), **common
        )
    if kind == CustomFieldType.BOOLEAN:
        return forms.BooleanField(label=label, help_text=help_text, required=False)
    if kind == CustomFieldType.SINGLE_SELECT:
        choices = [("", "—"), *field.choice_labels().items()]
        if current not in (None, "") and str(current) not in field.choice_labels():
            choices.append((str(current), str(current)))
        return forms.ChoiceField(choices=choices, **common)
    if kind == CustomFieldType.MULTI_SELECT:
        choices = list(field.choice_labels().items())
        for value in current or []:
            if str(value) not in field.choice_labels():
                choices.append((str(value), str(value)))
        return forms.MultipleChoiceField(
            choices=choices, widget=forms.CheckboxSelectMultiple, **common
        )
    if kind == CustomFieldType.URL:
        return forms.CharField(
            widget=forms.TextInput(attrs={"type": "url", "inputmode": "url"}), **common
        )
    if kind == CustomFieldType.EMAIL:
        return forms.CharField(widget=forms.TextInput(attrs={"type": "email"}), **common)
    if kind == CustomFieldType.PHONE:
        return forms.CharField(widget=forms.TextInput(attrs={"type": "tel"}), **common)
    if kind == CustomFieldType.USER:
        return forms.ChoiceField(
            choices=[("", "—"), *((str(pk), name) for pk, name in members)], **common
        )
    return forms.CharField(max_length=255, **common)


def custom_initial(field: CustomField, value: Any) -> Any:
    """A stored custom value in the form the widget shows."""
    if value is None:
        return None
    kind = field.field_type
    if kind == CustomFieldType.MONEY and isinstance(value, dict):
        return value.get("amount")
    if kind == CustomFieldType.DATETIME:
        moment = parse_datetime(str(value))
        if moment is None:
            return value
        local = timezone.localtime(moment)
        return local.strftime("%Y-%m-%dT%H:%M:%S" if local.second else "%Y-%m-%dT%H:%M")
    if kind == CustomFieldType.MULTI_SELECT:
        return [str(v) for v in value] if isinstance(value, list) else [str(value)]
    return str(value) if not isinstance(value, bool) else value


def custom_submitted(field: CustomField, value: Any, current: Any) -> Any:
    """A form's value in the form the services take (see custom_fields.clean_value)."""
    kind = field.field_type
    if kind == CustomFieldType.BOOLEAN:
        return bool(value)
    if kind == CustomFieldType.MULTI_SELECT:
        return list(value or [])
    if kind == CustomFieldType.MONEY and value not in (None, ""):
        if isinstance(current, dict) and current.get("currency"):
            return {"amount": value, "currency": current["currency"]}
        return value
    return value if value not in (None,) else ""


# --- Account and contact forms --------------------------------------------------------------------


def add_other_values_fields(form: forms.Form) -> None:
    """The boxes for a record's other phones and emails: several values in one box, separated
    by commas (the services split and normalize them)."""
    form.fields["other_phones"] = forms.CharField(
        label=_("Other phones"),
        required=False,
        help_text=_("Separate several with commas."),
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    form.fields["other_emails"] = forms.CharField(
        label=_("Other emails"),
        required=False,
        help_text=_("Separate several with commas."),
        widget=forms.TextInput(attrs={"inputmode": "email"}),
    )


class RecordForm(StyledForm):
    """Shared by the account and contact forms: hidden fields are left out, read-only ones are
    shown disabled (and never sent), the owner is offered only with the assign permission, and
    the workspace's active custom fields follow the core fields."""

    object_type = ""
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # Ticked after the duplicate check (查重) found look-alikes and the person says it is new.
    allow_duplicate = forms.BooleanField(label=_("Save anyway"), required=False)

    def __init__(
        self,
        data: Any = None,
        *,
        actor: Membership,
        record: Any = None,
        custom_fields: list[CustomField],
        initial: dict[str, Any] | None = None,
    ) -> None:
        self.actor = actor
        self.record = record
        self.custom_fields = custom_fields
        members = ui_support.member_choices(actor=actor)
        start = dict(initial or {})
        if record is not None:
            start.update(self.record_initial(record))
            start["version"] = record.version
            for cf in custom_fields:
                start[f"custom.{cf.key}"] = custom_initial(cf, record.custom.get(cf.key))
        super().__init__(data, initial=start)
        self.add_core_fields(members)
        if can(actor, self.object_type, "assign"):
            self.fields["owner"] = forms.ChoiceField(
                label=pgettext_lazy("record owner", "Owner"),
                required=False,
                choices=[
                    ("", str(_("No owner (public pool)"))),
                    *((str(pk), name) for pk, name in members),
                ],
            )
            if record is None:
                self.initial.setdefault("owner", str(actor.user_id))
        self.fields["tags"] = forms.CharField(
            label=_("Tags"),
            required=False,
            help_text=_("Separate tags with commas."),
            widget=forms.TextInput(attrs={"list": "tag-names", "autocomplete": "off"}),
        )
        self.fields["description"] = forms.CharField(
            label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
        )
        for cf in custom_fields:
            current = record.custom.get(cf.key) if record is not None else None
            self.fields[f"custom.{cf.key}"] = custom_form_field(
                cf, members=members, current=current
            )
        if record is None:
            del self.fields["version"]
        self._apply_field_rights()
        # StyledForm styled the fields present at its __init__; style the ones added since.
        self._style()
        _fix_choice_widgets(self)

    # Subclasses add their own fields and initial values.
    def add_core_fields(self, members: list[tuple[int, str]]) -> None:  # pragma: no cover
        raise NotImplementedError

    def record_initial(self, record: Any) -> dict[str, Any]:  # pragma: no cover
        raise NotImplementedError

    def _style(self) -> None:
        for field in self.fields.values():
            widget = field.widget
            if "class" in widget.attrs:
                continue
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = css

    def permission_name(self, name: str) -> str:
        return "custom" if name.startswith("custom.") else name

    def _apply_field_rights(self) -> None:
        hidden = hidden_fields(self.actor, self.object_type)
        readonly = readonly_fields(self.actor, self.object_type)
        for name in list(self.fields):
            if name in ("version", "allow_duplicate"):
                continue
            permission = self.permission_name(name)
            if permission in hidden:
                del self.fields[name]
            elif permission in readonly:
                self.fields[name].disabled = True
                self.fields[name].required = False

    @property
    def core_fields(self) -> list[forms.BoundField]:
        return [
            self[name]
            for name in self.fields
            if not name.startswith("custom.") and name not in ("version", "allow_duplicate")
        ]

    @property
    def custom_bound_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith("custom.")]

    def to_data(self) -> dict[str, Any]:
        """The services' `data` dict: every enabled field, keyed by its API name."""
        data: dict[str, Any] = {}
        custom: dict[str, Any] = {}
        by_key = {f"custom.{cf.key}": cf for cf in self.custom_fields}
        for name, field in self.fields.items():
            if field.disabled or name in ("version", "allow_duplicate"):
                continue
            value = self.cleaned_data.get(name)
            if name in by_key:
                cf = by_key[name]
                current = self.record.custom.get(cf.key) if self.record is not None else None
                custom[cf.key] = custom_submitted(cf, value, current)
                continue
            if name == "owner":
                data["owner_id"] = int(value) if value else None
            elif name == "account":
                data["account_id"] = int(value) if value else None
            else:
                data[API_NAME.get(name, name)] = value if value is not None else ""
        if custom:
            data["custom"] = custom
        return data


class AccountForm(RecordForm):
    object_type = "accounts"

    def add_core_fields(self, members: list[tuple[int, str]]) -> None:
        workspace_id = self.actor.workspace_id
        record = self.record
        text = forms.TextInput
        self.fields["name"] = forms.CharField(label=_("Name"), max_length=200)
        self.fields["credit_code"] = forms.CharField(
            label=_("Unified social credit code"),
            required=False,
            max_length=40,
            help_text=_("18 characters, on the business licence (统一社会信用代码)."),
        )
        self.fields["level"] = forms.ChoiceField(
            label=_("Customer level"),
            required=False,
            choices=picklist_choices(
                workspace_id, PicklistKey.ACCOUNT_LEVEL, current=record.level if record else ""
            ),
        )
        self.fields["stage"] = forms.ChoiceField(
            label=_("Lifecycle stage"), choices=LifecycleStage.choices
        )
        self.fields["industry"] = forms.ChoiceField(
            label=_("Industry"),
            required=False,
            choices=picklist_choices(
                workspace_id, PicklistKey.INDUSTRY, current=record.industry if record else ""
            ),
        )
        self.fields["size"] = forms.ChoiceField(
            label=_("Size"), required=False, choices=[("", "—"), *CompanySize.choices]
        )
        self.fields["phone"] = forms.CharField(
            label=_("Phone"), required=False, widget=text(attrs={"type": "tel"})
        )
        self.fields["email"] = forms.CharField(
            label=_("Email"), required=False, widget=text(attrs={"type": "email"})
        )
        add_other_values_fields(self)
        self.fields["source"] = forms.ChoiceField(
            label=_("Source"),
            required=False,
            choices=picklist_choices(
                workspace_id, PicklistKey.SOURCE, current=record.source if record else ""
            ),
        )
        self.fields["website"] = forms.CharField(
            label=_("Website"), required=False, widget=text(attrs={"inputmode": "url"})
        )
        self.fields["country"] = forms.CharField(
            label=_("Country"),
            required=False,
            max_length=2,
            help_text=_("Two-letter code, such as CN."),
        )
        self.fields["province"] = forms.CharField(label=_("Province"), required=False)
        self.fields["city"] = forms.CharField(label=_("City"), required=False)
        self.fields["address"] = forms.CharField(label=_("Street address"), required=False)
        if record is None:
            self.initial.setdefault("stage", LifecycleStage.PROSPECT)
            self.initial.setdefault("country", "CN")

    def record_initial(self, record: Any) -> dict[str, Any]:
        names = (
            "name", "credit_code", "level", "stage", "industry", "size", "source", "phone",
            "email", "website", "country", "province", "city", "address", "description",
        )  # fmt: skip
        initial = {name: getattr(record, name) for name in names}
        initial["other_phones"] = ", ".join(record.other_phones)
        initial["other_emails"] = ", ".join(record.other_emails)
        initial["owner"] = str(record.owner_id or "")
        initial["tags"] = ", ".join(t.name for t in record.tags.all())
        return initial


class ContactForm(RecordForm):
    object_type = "contacts"

    def add_core_fields(self, members: list[tuple[int, str]]) -> None:
        record = self.record
        text = forms.TextInput
        current_account = record.account_id if record else self.initial.get("account")
        try:
            include = int(current_account) if current_account else None
        except (TypeError, ValueError):
            include = None
        self.fields["name"] = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=100)
        self.fields["account"] = forms.ChoiceField(
            label=_("Account"),
            required=False,
            choices=[
                ("", str(_("No account (individual customer)"))),
                *(
                    (str(pk), name)
                    for pk, name in ui_support.account_choices(actor=self.actor, include=include)
                ),
            ],
        )
        self.fields["title"] = forms.CharField(label=_("Job title"), required=False)
        self.fields["mobile"] = forms.CharField(
            label=_("Mobile"), required=False, widget=text(attrs={"type": "tel"})
        )
        self.fields["phone"] = forms.CharField(
            label=_("Phone"), required=False, widget=text(attrs={"type": "tel"})
        )
        self.fields["email"] = forms.CharField(
            label=_("Email"), required=False, widget=text(attrs={"type": "email"})
        )
        add_other_values_fields(self)
        self.fields["wechat"] = forms.CharField(label=_("WeChat ID"), required=False)
        self.fields["birthday"] = forms.CharField(
            label=_("Birthday"), required=False, widget=text(attrs={"type": "date"})
        )
        self.fields["source"] = forms.ChoiceField(
            label=_("Source"),
            required=False,
            choices=picklist_choices(
                self.actor.workspace_id, PicklistKey.SOURCE, current=record.source if record else ""
            ),
        )
        self.fields["email_consent"] = forms.ChoiceField(
            label=_("Email marketing consent"),
            choices=ConsentStatus.choices,
            widget=forms.RadioSelect,
        )
        self.fields["sms_consent"] = forms.ChoiceField(
            label=_("SMS marketing consent"),
            choices=ConsentStatus.choices,
            widget=forms.RadioSelect,
        )
        if record is None:
            self.initial.setdefault("email_consent", ConsentStatus.UNKNOWN)
            self.initial.setdefault("sms_consent", ConsentStatus.UNKNOWN)

    def record_initial(self, record: Any) -> dict[str, Any]:
        names = (
            "name", "title", "mobile", "phone", "email", "wechat", "source", "email_consent",
            "sms_consent", "description",
        )  # fmt: skip
        initial = {name: getattr(record, name) for name in names}
        initial["other_phones"] = ", ".join(record.other_phones)
        initial["other_emails"] = ", ".join(record.other_emails)
        initial["account"] = str(record.account_id or "")
        initial["birthday"] = record.birthday.isoformat() if record.birthday else ""
        initial["owner"] = str(record.owner_id or "")
        initial["tags"] = ", ".join(t.name for t in record.tags.all())
        return initial


# --- Inline edit of one list cell --------------------------------------------------------------


class CellForm(StyledForm):
    value = forms.ChoiceField(required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


# --- Bulk actions and saved views --------------------------------------------------------------


class BulkForm(StyledForm):
    # On every list page: its selects are drawn in Python (web/widgets.py).
    action = forms.ChoiceField(label=_("Action"), widget=FastSelect)
    ids = forms.TypedMultipleChoiceField(coerce=int, required=False)
    all_matching = forms.BooleanField(required=False)
    query = forms.CharField(required=False, widget=forms.HiddenInput)
    owner = forms.ChoiceField(label=_("New owner"), required=False, widget=FastSelect)
    tag = forms.CharField(label=_("Tag"), required=False, max_length=40)
    level = forms.ChoiceField(label=_("Customer level"), required=False, widget=FastSelect)

    def __init__(
        self,
        data: Any = None,
        *,
        actor: Membership,
        object_type: str,
        level_choices: list[tuple[str, str]] | None = None,
    ) -> None:
        """`level_choices`: the customer level pick list's choices, when the caller has them
        already (the list page loads every pick list in one query)."""
        # Its own ids: the filter bar on the same page has fields with the same names.
        super().__init__(data, auto_id="bulk_%s")
        actions: list[tuple[str, Any]] = [("", _("Choose an action…"))]
        if can(actor, object_type, "assign"):
            actions.append(("assign", _("Assign owner")))
        if can(actor, object_type, "edit"):
            actions += [("add_tag", _("Add tag")), ("remove_tag", _("Remove tag"))]
            if object_type == "accounts":
                actions.append(("level", _("Change customer level")))
        if can(actor, object_type, "delete"):
            actions.append(("delete", _("Delete")))
        self.fields["action"].choices = actions  # type: ignore[attr-defined]
        self.fields["ids"].choices = []  # type: ignore[attr-defined]
        self.fields["ids"].valid_value = lambda value: True  # type: ignore[attr-defined]
        self.fields["owner"].choices = [  # type: ignore[attr-defined]
            ("", str(_("No owner (public pool)"))),
            *((str(pk), name) for pk, name in ui_support.member_choices(actor=actor)),
        ]
        hidden = hidden_fields(actor, object_type)
        readonly = readonly_fields(actor, object_type)
        offered = dict(actions)
        if "owner" in hidden | readonly:
            offered.pop("assign", None)
        if "tags" in hidden | readonly:
            offered.pop("add_tag", None)
            offered.pop("remove_tag", None)
        if "level" in hidden | readonly:
            offered.pop("level", None)
        self.fields["action"].choices = list(offered.items())  # type: ignore[attr-defined]
        # The inputs of actions not offered are left out (a hidden field's values with them).
        if "assign" not in offered:
            del self.fields["owner"]
        if "add_tag" not in offered:
            del self.fields["tag"]
        if "level" not in offered:
            del self.fields["level"]
        else:
            # Loaded only when offered: contacts have no level.
            if level_choices is None:
                level_choices = picklist_choices(actor.workspace_id, PicklistKey.ACCOUNT_LEVEL)
            self.fields["level"].choices = level_choices  # type: ignore[attr-defined]

    @property
    def has_actions(self) -> bool:
        return len(self.fields["action"].choices) > 1  # type: ignore[attr-defined]


class SavedViewForm(StyledForm):
    name = forms.CharField(label=_("Name of the view"), max_length=80)
    is_shared = forms.BooleanField(label=_("Share with the workspace"), required=False)
    query = forms.CharField(required=False, widget=forms.HiddenInput)


# --- Settings: custom fields, pick lists, tags ------------------------------------------------------


def parse_options(text: str) -> list[dict[str, str]]:
    """One option a line: `label`, or `value | label` to keep a stable stored value."""
    options = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        value, sep, label = line.partition("|")
        if sep:
            options.append({"value": value.strip(), "label": label.strip()})
        else:
            options.append({"value": line, "label": line})
    return options


def options_text(options: Any) -> str:
    if not isinstance(options, list):
        return ""
    lines = []
    for option in options:
        value, label = str(option.get("value", "")), str(option.get("label", ""))
        lines.append(label if value == label else f"{value} | {label}")
    return "\n".join(lines)


OPTIONS_HELP = _(
    "Select fields: one option a line. Write “value | label” to keep a stored value while the "
    "label changes."
)


class CustomFieldCreateForm(StyledForm):
    object_type = forms.ChoiceField(label=_("Record type"))
    label = forms.CharField(label=_("Label"), max_length=120)
    field_type = forms.ChoiceField(label=_("Type"), choices=CustomFieldType.choices)
    key = forms.CharField(
        label=_("Key"),
        max_length=60,
        required=False,
        help_text=_("Used by the API and imports; made from the label when left empty."),
    )
    options = forms.CharField(
        label=_("Options"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=OPTIONS_HELP,
    )
    currency = forms.CharField(
        label=_("Currency"),
        required=False,
        max_length=3,
        help_text=_("Money fields: a three-letter code such as CNY."),
    )
    required = forms.BooleanField(label=_("Required"), required=False)
    help_text = forms.CharField(label=_("Help text"), max_length=200, required=False)

    def to_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        field_type = data["field_type"]
        options: Any = []
        if field_type in (CustomFieldType.SINGLE_SELECT, CustomFieldType.MULTI_SELECT):
            options = parse_options(data.get("options", ""))
        elif field_type == CustomFieldType.MONEY:
            options = {"currency": (data.get("currency") or "CNY").upper()}
        return {
            "object_type": data["object_type"],
            "label": data["label"],
            "field_type": field_type,
            "key": data.get("key") or None,
            "options": options,
            "required": data.get("required", False),
            "help_text": data.get("help_text", ""),
        }


class CustomFieldEditForm(StyledForm):
    label = forms.CharField(label=_("Label"), max_length=120)
    help_text = forms.CharField(label=_("Help text"), max_length=200, required=False)
    required = forms.BooleanField(label=_("Required"), required=False)
    position = forms.IntegerField(
        label=_("Position"), min_value=0, help_text=_("Fields are shown in this order.")
    )
    options = forms.CharField(
        label=_("Options"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=OPTIONS_HELP,
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, data: Any = None, *, field: CustomField) -> None:
        super().__init__(
            data,
            initial={
                "label": field.label,
                "help_text": field.help_text,
                "required": field.required,
                "position": field.position,
                "options": options_text(field.options),
                "version": field.version,
            },
        )
        self.custom_field = field
        if field.field_type not in (CustomFieldType.SINGLE_SELECT, CustomFieldType.MULTI_SELECT):
            del self.fields["options"]

    def to_data(self) -> dict[str, Any]:
        data = {
            name: self.cleaned_data[name] for name in ("label", "help_text", "required", "position")
        }
        if "options" in self.fields:
            data["options"] = parse_options(self.cleaned_data.get("options", ""))
        return data


COLOR_LABELS = {
    "blue": _("Blue"),
    "azure": _("Azure"),
    "indigo": _("Indigo"),
    "purple": _("Purple"),
    "pink": _("Pink"),
    "red": _("Red"),
    "orange": _("Orange"),
    "yellow": _("Yellow"),
    "lime": _("Lime"),
    "green": _("Green"),
    "teal": _("Teal"),
    "cyan": _("Cyan"),
    "gray": _("Grey"),
}


class TagForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=40)
    color = forms.ChoiceField(
        label=_("Colour"), choices=[(c, COLOR_LABELS.get(c, c)) for c in TAG_COLORS]
    )


class TagEditForm(TagForm):
    """A row of the tags page: name and colour side by side."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["class"] += " form-control-sm w-auto"
        self.fields["color"].widget.attrs["class"] += " form-select-sm w-auto"
