"""Settings pages for administrators: custom fields, pick lists (customer level, source,
industry) and tags."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.errors import GuanxiError
from guanxi.core.models import Membership
from guanxi.core.permissions import can, require
from guanxi.core.views.helpers import apply_error

from .. import selectors
from ..forms import (
    COLOR_LABELS,
    CustomFieldCreateForm,
    CustomFieldEditForm,
    TagEditForm,
    TagForm,
)
from ..models import CustomFieldType, PicklistKey
from ..services import definitions
from .common import customers_page

# --- Custom fields ---------------------------------------------------------------------------------


def _target_choices() -> list[tuple[str, str]]:
    return [(key, str(label)) for key, label in definitions.CUSTOM_FIELD_TYPES.items()]


@customers_page
def custom_fields(request: HttpRequest, actor: Membership) -> HttpResponse:
    require(actor, "custom_fields", "view")
    targets = _target_choices()
    current = request.GET.get("type") or (targets[0][0] if targets else "")
    if current not in dict(targets):
        current = targets[0][0] if targets else ""
    form = CustomFieldCreateForm(
        request.POST if request.method == "POST" else None,
        initial={"object_type": current, "field_type": CustomFieldType.TEXT},
    )
    form.fields["object_type"].choices = targets  # type: ignore[attr-defined]
    status = 200
    if request.method == "POST":
        require(actor, "custom_fields", "create")
        if form.is_valid():
            try:
                field = definitions.custom_field_create(actor=actor, data=form.to_data())
            except GuanxiError as error:
                apply_error(error, form=form)
                status = error.status
            else:
                messages.success(
                    request, _("The field “%(label)s” was added.") % {"label": field.label}
                )
                return redirect(f"{reverse('customers:custom-fields')}?type={field.object_type}")
        else:
            status = 400
    fields = [
        f
        for f in selectors.custom_field_list(
            actor=actor, object_type=current, include_archived=True
        )
    ]
    context = {
        "targets": targets,
        "current": current,
        "active": [f for f in fields if f.archived_at is None],
        "archived": [f for f in fields if f.archived_at is not None],
        "form": form,
        "can_create": can(actor, "custom_fields", "create"),
        "can_edit": can(actor, "custom_fields", "edit"),
        "type_labels": dict(CustomFieldType.choices),
    }
    return render(request, "customers/settings/custom_fields.html", context, status=status)


@customers_page
def custom_field_edit(request: HttpRequest, actor: Membership, pk: int) -> HttpResponse:
    field = selectors.custom_field_get(actor=actor, id=pk)
    editable = can(actor, "custom_fields", "edit")
    form = CustomFieldEditForm(request.POST if request.method == "POST" else None, field=field)
    if not editable:
        for form_field in form.fields.values():
            form_field.disabled = True
    status = 200
    if request.method == "POST":
        require(actor, "custom_fields", "edit")
        if form.is_valid():
            try:
                definitions.custom_field_update(
                    actor=actor,
                    field=field,
                    data=form.to_data(),
                    version=form.cleaned_data["version"],
                )
            except GuanxiError as error:
                apply_error(error, form=form)
                status = error.status
            else:
                messages.success(
                    request, _("The field “%(label)s” was saved.") % {"label": field.label}
                )
                return redirect(f"{reverse('customers:custom-fields')}?type={field.object_type}")
        else:
            status = 400
    context = {
        "field": field,
        "form": form,
        "editable": editable,
        "can_archive": can(actor, "custom_fields", "delete"),
        "type_label": dict(CustomFieldType.choices).get(field.field_type, field.field_type),
        "target_label": definitions.CUSTOM_FIELD_TYPES.get(field.object_type, field.object_type),
    }
    return render(request, "customers/settings/custom_field_edit.html", context, status=status)


@customers_page
@require_POST
def custom_field_archive(request: HttpRequest, actor: Membership, pk: int) -> HttpResponse:
    field = selectors.custom_field_get(actor=actor, id=pk)
    restore = request.POST.get("restore") == "1"
    try:
        if restore:
            definitions.custom_field_restore(actor=actor, field=field)
        else:
            definitions.custom_field_archive(actor=actor, field=field)
    except GuanxiError as error:
        messages.error(request, error.message)
    else:
        if restore:
            message = _("The field “%(label)s” is back, with its data.")
        else:
            message = _(
                "The field “%(label)s” was archived. Its values are kept and come back if you "
                "restore it."
            )
        messages.success(request, message % {"label": field.label})
    return redirect(f"{reverse('customers:custom-fields')}?type={field.object_type}")


# --- Pick lists ------------------------------------------------------------------------------------


def _picklist_rows(actor: Membership, list_key: str) -> list[Any]:
    return selectors.picklist(
        workspace_id=actor.workspace_id, list_key=list_key, include_retired=True
    )


def options_from_post(post: Any, list_key: str, current: list[Any]) -> list[dict[str, Any]]:
    """The list as the form describes it: each kept option with its (new) label, in the order
    of the position inputs, then the new ones. Options marked "retire" are left out (retired)."""
    kept: list[tuple[float, int, dict[str, Any]]] = []
    for index, option in enumerate(current):
        prefix = f"{list_key}-{option.pk}"
        active = post.get(f"{prefix}-active") == "1"
        if not active:
            continue
        label = post.get(f"{prefix}-label", option.label)
        try:
            position = float(post.get(f"{prefix}-position") or index)
        except ValueError:
            position = float(index)
        kept.append((position, index, {"value": option.value, "label": label}))
    kept.sort(key=lambda item: (item[0], item[1]))
    options = [item[2] for item in kept]
    for label in post.getlist(f"{list_key}-new"):
        if label.strip():
            options.append({"label": label.strip()})
    return options


@customers_page
def picklists(request: HttpRequest, actor: Membership) -> HttpResponse:
    require(actor, "workspace", "view")
    editable = can(actor, "workspace", "edit")
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        require(actor, "workspace", "edit")
        list_key = request.POST.get("list_key", "")
        if list_key not in PicklistKey.values:
            messages.error(request, _("Unknown list."))
            return redirect("customers:picklists")
        options = options_from_post(request.POST, list_key, _picklist_rows(actor, list_key))
        try:
            definitions.picklist_save(actor=actor, list_key=list_key, options=options)
        except GuanxiError as error:
            errors[list_key] = [p for ps in error.fields.values() for p in ps] or [error.message]
            status = error.status
        else:
            messages.success(
                request,
                _("The list “%(name)s” was saved.") % {"name": PicklistKey(list_key).label},
            )
            return redirect(f"{reverse('customers:picklists')}#list-{list_key}")
    lists = [
        {
            "key": key,
            "label": label,
            "options": _picklist_rows(actor, key),
            "errors": errors.get(key, []),
        }
        for key, label in PicklistKey.choices
    ]
    context = {"lists": lists, "editable": editable, "new_slots": range(3)}
    return render(request, "customers/settings/picklists.html", context, status=status)


# --- Tags --------------------------------------------------------------------------------------------


@customers_page
def tags(request: HttpRequest, actor: Membership) -> HttpResponse:
    require(actor, "tags", "view")
    form = TagForm(request.POST if request.method == "POST" else None, initial={"color": "blue"})
    status = 200
    if request.method == "POST":
        require(actor, "tags", "create")
        if form.is_valid():
            try:
                tag = definitions.tag_create(
                    actor=actor, name=form.cleaned_data["name"], color=form.cleaned_data["color"]
                )
            except GuanxiError as error:
                apply_error(error, form=form)
                status = error.status
            else:
                messages.success(request, _("The tag “%(name)s” was added.") % {"name": tag.name})
                return redirect("customers:tags")
        else:
            status = 400
    context = {
        "tags": [
            {
                "tag": tag,
                "form": TagEditForm(
                    initial={"name": tag.name, "color": tag.color, "version": tag.version},
                    prefix=f"tag{tag.pk}",
                ),
            }
            for tag in selectors.tag_list(actor=actor)
        ],
        "form": form,
        "color_labels": COLOR_LABELS,
        "can_create": can(actor, "tags", "create"),
        "can_edit": can(actor, "tags", "edit"),
        "can_delete": can(actor, "tags", "delete"),
    }
    return render(request, "customers/settings/tags.html", context, status=status)


@customers_page
@require_POST
def tag_edit(request: HttpRequest, actor: Membership, pk: int) -> HttpResponse:
    require(actor, "tags", "edit")
    tag = selectors.tag_get(actor=actor, id=pk)
    form = TagEditForm(request.POST, prefix=f"tag{tag.pk}")
    if not form.is_valid():
        messages.error(request, _("Enter a name and choose a colour."))
        return redirect("customers:tags")
    try:
        definitions.tag_update(
            actor=actor,
            tag=tag,
            data={"name": form.cleaned_data["name"], "color": form.cleaned_data["color"]},
            version=form.cleaned_data["version"],
        )
    except GuanxiError as error:
        problems = [p for ps in error.fields.values() for p in ps]
        messages.error(request, problems[0] if problems else error.message)
    else:
        messages.success(request, _("The tag “%(name)s” was saved.") % {"name": tag.name})
    return redirect("customers:tags")


@customers_page
@require_POST
def tag_delete(request: HttpRequest, actor: Membership, pk: int) -> HttpResponse:
    require(actor, "tags", "delete")
    tag = selectors.tag_get(actor=actor, id=pk)
    name = tag.name
    try:
        definitions.tag_delete(actor=actor, tag=tag)
    except GuanxiError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The tag “%(name)s” was deleted.") % {"name": name})
    return redirect("customers:tags")
