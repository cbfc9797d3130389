"""Forms of the activity and task pages and panels. They only parse; the services validate the
rules and their errors come back onto these forms (core.views.helpers.apply_error)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.web.forms import StyledForm
from guanxi.web.widgets import FastInputMixin, FastNumberInput, FastSelect, FastTextInput

from .models import (
    MAX_DURATION_MINUTES,
    ActivityType,
    BodyFormat,
    Direction,
    Outcome,
    TaskKind,
    TaskPriority,
    TaskStatus,
)

DATETIME_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


class LocalDateTimeInput(FastInputMixin, forms.DateTimeInput):
    """The browser's date-and-time picker; values are wall-clock time in the member's zone (the
    active time zone of the request). Drawn in Python (web/widgets.py): record pages show two."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


def datetime_field(label: Any, *, required: bool = False) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        input_formats=DATETIME_INPUT_FORMATS,
        widget=LocalDateTimeInput(),
    )


def blank(choices: Any) -> list[tuple[str, Any]]:
    return [("", "—"), *choices]


def restrict_to_role(
    form: forms.Form,
    *,
    hidden: frozenset[str],
    readonly: frozenset[str],
    permission_names: dict[str, str],
) -> None:
    """Drop the fields the member's role hides and lock the ones it makes read-only (the role
    editor's names, `permission_names` mapping form fields that differ)."""
    for name in list(form.fields):
        permission_name = permission_names.get(name, name)
        if permission_name in hidden:
            del form.fields[name]
        elif permission_name in readonly:
            form.fields[name].disabled = True


def writable_data(form: forms.Form) -> dict[str, Any]:
    """The cleaned values of the fields the member may change."""
    return {
        name: value
        for name, value in form.cleaned_data.items()
        if name in form.fields and not form.fields[name].disabled
    }


ACTIVITY_PERMISSION_NAMES = {
    "body_format": "body",
    "location_name": "location",
    "latitude": "location",
    "longitude": "location",
}
TASK_PERMISSION_NAMES = {"remind_at": "reminder", "remind_by_email": "reminder"}


class QuickLogForm(StyledForm):
    """The record page's quick log: a type, the text, and optionally when, how long, the outcome
    and (on an account) which of its contacts."""

    type = forms.ChoiceField(
        label=_("Type"), choices=ActivityType.choices, initial=ActivityType.CALL
    )
    body = forms.CharField(
        label=_("What happened?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    occurred_at = datetime_field(_("When"))
    # The quick log is on every record page: its widgets are drawn in Python (web/widgets.py).
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"),
        required=False,
        min_value=0,
        max_value=MAX_DURATION_MINUTES,
        widget=FastNumberInput,
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"), required=False, choices=blank(Outcome.choices), widget=FastSelect
    )
    contact = forms.TypedChoiceField(
        label=_("Contact"), required=False, coerce=int, empty_value=None, widget=FastSelect
    )


class ActivityForm(StyledForm):
    """The activity page's edit form (links to customers are changed through the API)."""

    type = forms.ChoiceField(label=_("Type"), choices=ActivityType.choices)
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    body = forms.CharField(
        label=_("Details"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    body_format = forms.ChoiceField(
        label=_("Format"), choices=BodyFormat.choices, initial=BodyFormat.MARKDOWN
    )
    occurred_at = datetime_field(_("When"), required=True)
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), required=False, min_value=0, max_value=MAX_DURATION_MINUTES
    )
    direction = forms.ChoiceField(
        label=_("Direction"), required=False, choices=blank(Direction.choices)
    )
    outcome = forms.ChoiceField(label=_("Outcome"), required=False, choices=blank(Outcome.choices))
    location_name = forms.CharField(label=_("Location"), max_length=200, required=False)
    latitude = forms.DecimalField(
        label=_("Latitude"), required=False, max_digits=9, decimal_places=6
    )
    longitude = forms.DecimalField(
        label=_("Longitude"), required=False, max_digits=9, decimal_places=6
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class TaskQuickForm(StyledForm):
    """The record page's "add task": what, by when, and whether it is a follow-up plan."""

    # "t" on a record page jumps here (customers/static/customers/customers.js). On every record
    # page: its widgets are drawn in Python (web/widgets.py).
    title = forms.CharField(
        label=_("Task"), max_length=200, widget=FastTextInput(attrs={"data-hotkey": "t"})
    )
    due_at = datetime_field(_("Due"), required=True)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=TaskKind.choices, initial=TaskKind.FOLLOW_UP, widget=FastSelect
    )


class TaskForm(StyledForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=TaskKind.choices)
    priority = forms.ChoiceField(label=_("Priority"), choices=TaskPriority.choices)
    due_at = datetime_field(_("Due"), required=True)
    remind_at = datetime_field(_("Remind me at"))
    remind_by_email = forms.BooleanField(label=_("Also remind me by email"), required=False)
    assignee = forms.TypedChoiceField(label=_("Assignee"), coerce=int, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class TaskFilterForm(StyledForm):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Title")}),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *TaskStatus.choices],
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("Any kind")), *TaskKind.choices]
    )
    mine = forms.ChoiceField(
        label=_("Assignee"),
        required=False,
        choices=[("1", _("Assigned to me")), ("", _("Everyone I can see"))],
    )


class ActivityFilterForm(StyledForm):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Subject")}),
    )
    type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("Any type")), *ActivityType.choices]
    )
    mine = forms.ChoiceField(
        label=_("Logged by"),
        required=False,
        choices=[("", _("Everyone I can see")), ("1", _("Me"))],
    )
