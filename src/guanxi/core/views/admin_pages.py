"""Workspace settings pages for administrators: members, teams, roles, the audit log and the
workspace itself. Invitations live in views/invitations.py.

Every page checks the permission first (403 without it), looks objects up through the scoped
selectors (another workspace's object is a 404) and writes through the services; a domain error
from a service becomes a form error or a message, never a 500.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta
from functools import wraps
from typing import Any, cast
from zoneinfo import ZoneInfo, available_timezones

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.validators import MaxValueValidator, MinValueValidator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, to_locale
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.web.forms import StyledForm

from .. import registry, selectors
from ..apikit import keyset_page
from ..errors import GuanxiError, NotFound, PermissionDenied, ValidationFailed
from ..exports import csv_response
from ..models import LANGUAGE_CHOICES, DataScope, Membership, Role, Team
from ..permissions import can, hidden_fields, readonly_fields, require
from ..services import members as member_services
from ..services import roles as role_services
from ..services import teams as team_services
from ..services import workspaces as workspace_services
from .helpers import apply_error, membership_required

PAGE_SIZE = 50

View = Callable[..., HttpResponseBase]


def choice_field(form: forms.Form, name: str) -> forms.ChoiceField:
    """A form's choice field, typed, for setting choices that depend on the workspace."""
    return cast(forms.ChoiceField, form.fields[name])


def settings_page(view: View) -> View:
    """Signed in, with a membership; the actor is passed to the view. Domain "not found" and
    "not allowed" raised while reading become 404 and 403 pages."""

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


def wants_partial(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return htmx is not None and bool(htmx) and not htmx.history_restore_request


def page_of(queryset: Any, *, order: list[str], cursor: str | None) -> dict[str, Any]:
    """A keyset page; a damaged cursor starts again from the first page rather than failing."""
    try:
        return keyset_page(queryset, order=order, cursor=cursor or None, limit=PAGE_SIZE)
    except ValidationFailed:
        return keyset_page(queryset, order=order, cursor=None, limit=PAGE_SIZE)


def form_error_response(
    request: HttpRequest, template: str, context: dict[str, Any], error: GuanxiError
) -> HttpResponse:
    form = context.get("form")
    apply_error(error, form=form, request=None if form is not None else request)
    return render(request, template, context, status=error.status)


def team_choices(
    actor: Membership, *, exclude_below: int | None = None, blank: Any = None
) -> list[tuple[str, str]]:
    """Teams as an indented list following the tree, optionally without one team's subtree."""
    choices: list[tuple[str, str]] = [("", str(blank))] if blank is not None else []

    def walk(nodes: list[dict[str, Any]], depth: int) -> None:
        for node in nodes:
            if node["team"].pk == exclude_below:
                continue
            choices.append((str(node["team"].pk), "\u2003" * depth + node["team"].name))
            walk(node["children"], depth + 1)

    if can(actor, "teams", "view"):
        walk(selectors.team_tree(actor=actor), 0)
    return choices


def _optional_int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


# --- Members ----------------------------------------------------------------------------------


class MemberFilterForm(StyledForm):
    q = forms.CharField(
        label=gettext_lazy("Search"),
        required=False,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": gettext_lazy("Name, email or job title")}
        ),
    )
    team = forms.ChoiceField(label=gettext_lazy("Team"), required=False)
    role = forms.ChoiceField(label=gettext_lazy("Role"), required=False)
    active = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[
            ("", gettext_lazy("Active and inactive")),
            ("1", gettext_lazy("Active")),
            ("0", gettext_lazy("Inactive")),
        ],
    )


@settings_page
def members(request: HttpRequest, actor: Membership) -> HttpResponse:
    require(actor, "members", "view")
    hidden = hidden_fields(actor, "members")
    form = MemberFilterForm(request.GET or None)
    if "team" in hidden or not can(actor, "teams", "view"):
        del form.fields["team"]
    else:
        choice_field(form, "team").choices = team_choices(actor, blank=_("All teams"))
    if "role" in hidden or not can(actor, "roles", "view"):
        del form.fields["role"]
    else:
        choice_field(form, "role").choices = [("", _("All roles"))] + [
            (str(role.pk), role.shown_name)
            for role in selectors.role_list(actor=actor).order_by("-is_owner", "name")
        ]
    filters: dict[str, Any] = {}
    if form.is_valid():
        data = form.cleaned_data
        filters = {
            "q": data.get("q", "").strip(),
            "team_id": _optional_int(data.get("team")),
            "role_id": _optional_int(data.get("role")),
            "is_active": {"1": True, "0": False}.get(data.get("active") or ""),
        }
    page = page_of(
        selectors.member_list(actor=actor, **filters),
        order=["id"],
        cursor=request.GET.get("cursor"),
    )
    context = {
        "form": form,
        "page": page,
        "hidden": hidden,
        "can_edit": can(actor, "members", "edit"),
        "can_invite": can(actor, "members", "create"),
        "filtered": any(value not in (None, "") for value in filters.values()),
        "colspan": 7 - len(hidden & {"email", "title", "team", "role"}),
    }
    template = "core/settings/members.html"
    if wants_partial(request):
        partial = "rows" if request.GET.get("cursor") else "list"
        return render(request, f"{template}#{partial}", context)
    return render(request, template, context)


class MemberForm(StyledForm):
    role = forms.ModelChoiceField(label=gettext_lazy("Role"), queryset=Role.objects.none())
    team = forms.ModelChoiceField(
        label=gettext_lazy("Team"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=gettext_lazy("No team"),
    )
    title = forms.CharField(label=gettext_lazy("Job title"), max_length=120, required=False)
    is_active = forms.BooleanField(
        label=gettext_lazy("Active"),
        required=False,
        help_text=gettext_lazy("An inactive member cannot sign in to this workspace."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


def _member_form(actor: Membership, member: Membership, data: Any = None) -> MemberForm:
    form = MemberForm(
        data,
        initial={
            "role": member.role_id,
            "team": member.team_id,
            "title": member.title,
            "is_active": member.is_active,
            "version": member.version,
        },
    )
    roles = selectors.assignable_roles(actor=actor)
    if not roles.filter(pk=member.role_id).exists():
        # A member whose role is beyond the actor's rights (an Owner, for an Administrator) keeps
        # it: the field shows it but cannot change it, as member_update would refuse.
        roles = roles | Role.objects.filter(pk=member.role_id)
        form.fields["role"].disabled = True
        if member.role.is_owner:
            form.fields["is_active"].disabled = True
    if member.pk == actor.pk and not actor.role.is_owner:
        form.fields["role"].disabled = True
        form.fields["role"].help_text = _("Only an Owner can change your role.")
    cast(forms.ModelChoiceField, form.fields["role"]).queryset = roles
    cast(forms.ModelChoiceField, form.fields["team"]).queryset = Team.objects.filter(
        workspace_id=actor.workspace_id
    )
    choice_field(form, "team").choices = team_choices(actor, blank=_("No team"))
    if member.pk == actor.pk:
        form.fields["is_active"].disabled = True
        form.fields["is_active"].help_text = _("You cannot deactivate yourself.")
    for name in readonly_fields(actor, "members"):
        if name in form.fields:
            form.fields[name].disabled = True
    for name in hidden_fields(actor, "members"):
        form.fields.pop(name, None)
    return form


@settings_page
def member_edit(request: HttpRequest, actor: Membership, user_id: int) -> HttpResponse:
    require(actor, "members", "edit")
    member = selectors.member_get_by_user(actor=actor, user_id=user_id)
    form = _member_form(actor, member, request.POST if request.method == "POST" else None)
    template = "core/settings/member_edit.html"
    context = {"form": form, "member": member, "hidden": hidden_fields(actor, "members")}
    if request.method != "POST":
        return render(request, template, context)
    if not form.is_valid():
        return render(request, template, context, status=400)
    data: dict[str, Any] = {}
    cleaned = form.cleaned_data
    enabled = {name for name, field in form.fields.items() if not field.disabled}
    if "role" in enabled and cleaned["role"].pk != member.role_id:
        data["role_id"] = cleaned["role"].pk
    if "team" in enabled and (cleaned["team"].pk if cleaned["team"] else None) != member.team_id:
        data["team_id"] = cleaned["team"].pk if cleaned["team"] else None
    if "title" in enabled and cleaned["title"].strip() != member.title:
        data["title"] = cleaned["title"]
    if "is_active" in enabled and cleaned["is_active"] != member.is_active:
        data["is_active"] = cleaned["is_active"]
    try:
        member_services.member_update(
            actor=actor, member=member, version=cleaned["version"], data=data
        )
    except GuanxiError as error:
        return form_error_response(request, template, context, error)
    messages.success(request, _("The changes to %(name)s were saved.") % {"name": member.user})
    return redirect("core:members")


# --- Teams ------------------------------------------------------------------------------------


class TeamCreateForm(StyledForm):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    parent = forms.ChoiceField(label=gettext_lazy("Parent team"), required=False)


class TeamRenameForm(StyledForm):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    version = forms.IntegerField(widget=forms.HiddenInput)


class TeamMoveForm(StyledForm):
    parent = forms.ChoiceField(label=gettext_lazy("New parent team"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


@settings_page
def teams(request: HttpRequest, actor: Membership) -> HttpResponse:
    require(actor, "teams", "view")
    can_create = can(actor, "teams", "create")
    form = TeamCreateForm(request.POST if request.method == "POST" else None)
    choice_field(form, "parent").choices = team_choices(actor, blank=_("Top level"))
    status = 200
    if request.method == "POST":
        require(actor, "teams", "create")
        if form.is_valid():
            try:
                team = team_services.team_create(
                    actor=actor,
                    name=form.cleaned_data["name"],
                    parent_id=_optional_int(form.cleaned_data["parent"]),
                )
            except GuanxiError as error:
                apply_error(error, form=form)
                status = error.status
            else:
                messages.success(request, _("Team %(name)s was created.") % {"name": team.name})
                return redirect("core:teams")
        else:
            status = 400
    context = {
        "tree": selectors.team_tree(actor=actor),
        "form": form,
        "can_create": can_create,
        "can_change": can(actor, "teams", "edit") or can(actor, "teams", "delete"),
    }
    return render(request, "core/settings/teams.html", context, status=status)


@settings_page
def team_edit(request: HttpRequest, actor: Membership, team_id: int) -> HttpResponse:
    team = selectors.team_get(actor=actor, id=team_id)
    if not (can(actor, "teams", "edit") or can(actor, "teams", "delete")):
        require(actor, "teams", "edit")
    posted = request.POST if request.method == "POST" else None
    action = request.POST.get("action", "")
    rename_form = TeamRenameForm(
        posted if action == "rename" else None,
        initial={"name": team.name, "version": team.version},
        prefix="rename",
    )
    move_form = TeamMoveForm(
        posted if action == "move" else None,
        initial={"parent": team.parent_id or "", "version": team.version},
        prefix="move",
    )
    # Every team validates, so a crafted move below itself reaches the service and gets its clear
    # refusal; the select only offers the teams outside this one's subtree.
    choice_field(move_form, "parent").choices = team_choices(actor, blank=_("Top level"))
    move_form.fields["parent"].widget.choices = team_choices(
        actor, exclude_below=team.pk, blank=_("Top level")
    )
    context = {
        "team": team,
        "rename_form": rename_form,
        "move_form": move_form,
        "can_edit": can(actor, "teams", "edit"),
        "can_delete": can(actor, "teams", "delete"),
    }
    template = "core/settings/team_edit.html"
    if request.method != "POST":
        return render(request, template, context)
    require(actor, "teams", "edit")
    form = rename_form if action == "rename" else move_form if action == "move" else None
    if form is None or not form.is_valid():
        return render(request, template, context, status=400)
    try:
        if form is rename_form:
            team_services.team_update(
                actor=actor,
                team=team,
                version=form.cleaned_data["version"],
                name=form.cleaned_data["name"],
            )
        else:
            # The page offers no team below this one, but a crafted POST may; the service refuses.
            team_services.team_update(
                actor=actor,
                team=team,
                version=form.cleaned_data["version"],
                parent_id=_optional_int(request.POST.get("move-parent")),
                move=True,
            )
    except GuanxiError as error:
        apply_error(error, form=form)
        return render(request, template, context, status=error.status)
    messages.success(request, _("Team %(name)s was saved.") % {"name": team.name})
    return redirect("core:teams")


@settings_page
@require_POST
def team_delete(request: HttpRequest, actor: Membership, team_id: int) -> HttpResponse:
    require(actor, "teams", "delete")
    team = selectors.team_get(actor=actor, id=team_id)
    try:
        team_services.team_delete(actor=actor, team=team)
    except GuanxiError as error:
        messages.error(request, error.message)
        return redirect("core:team-edit", team_id=team.pk)
    messages.success(request, _("Team %(name)s was deleted.") % {"name": team.name})
    return redirect("core:teams")


# --- Roles ------------------------------------------------------------------------------------


class RoleForm(StyledForm):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=80)
    description = forms.CharField(label=gettext_lazy("Description"), max_length=255, required=False)
    data_scope = forms.ChoiceField(
        label=gettext_lazy("Data scope"),
        choices=DataScope.choices,
        help_text=gettext_lazy("Whose records members with this role see."),
    )


class RoleEditForm(RoleForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


@settings_page
def roles(request: HttpRequest, actor: Membership) -> HttpResponse:
    require(actor, "roles", "view")
    form = RoleForm(
        request.POST if request.method == "POST" else None,
        initial={"data_scope": DataScope.OWN},
    )
    status = 200
    if request.method == "POST":
        require(actor, "roles", "create")
        if form.is_valid():
            try:
                role = role_services.role_create(actor=actor, data=dict(form.cleaned_data))
            except GuanxiError as error:
                apply_error(error, form=form)
                status = error.status
            else:
                messages.success(
                    request,
                    _("Role %(name)s was created. Choose what it may do.") % {"name": role.name},
                )
                return redirect("core:role-edit", role_id=role.pk)
        else:
            status = 400
    context = {
        "roles": selectors.role_list_with_member_counts(actor=actor),
        "form": form,
        "can_create": can(actor, "roles", "create"),
        "can_edit": can(actor, "roles", "edit"),
        "can_delete": can(actor, "roles", "delete"),
    }
    return render(request, "core/settings/roles.html", context, status=status)


def permission_matrix(role: Role, data: Any = None) -> list[dict[str, Any]]:
    """Rows for the matrix editor, grouped by module: per object type the actions (only those it
    supports get a checkbox) and its fields' hidden / read-only flags. `data` (the POST) wins
    over the role's stored values, so a refused save shows what was submitted."""
    groups: dict[str, dict[str, Any]] = {}
    for object_type in registry.object_types():
        key = object_type.key
        granted = set(role.permissions.get(key, ()))
        hidden = set(role.hidden_fields.get(key, ()))
        readonly = set(role.readonly_fields.get(key, ()))
        if data is not None:
            granted = {a for a in object_type.actions if f"perm:{key}:{a}" in data}
            hidden = {f.name for f in object_type.fields if f"hidden:{key}:{f.name}" in data}
            readonly = {f.name for f in object_type.fields if f"readonly:{key}:{f.name}" in data}
        group = groups.setdefault(
            object_type.module,
            {
                "key": object_type.module,
                "label": registry.MODULES.get(object_type.module, object_type.module),
                "rows": [],
            },
        )
        group["rows"].append(
            {
                "key": key,
                "label": object_type.label,
                "cells": [
                    {
                        "action": action,
                        "supported": action in object_type.actions,
                        "checked": role.is_owner or action in granted,
                    }
                    for action in registry.ACTIONS
                ],
                "fields": [
                    {
                        "name": spec.name,
                        "label": spec.label,
                        "can_hide": spec.can_hide,
                        "hidden": spec.name in hidden,
                        "readonly": spec.name in readonly,
                    }
                    for spec in object_type.fields
                ],
            }
        )
    order = list(registry.MODULES)
    return sorted(groups.values(), key=lambda g: order.index(g["key"]) if g["key"] in order else 99)


def matrix_from_post(data: Any) -> dict[str, dict[str, list[str]]]:
    permissions: dict[str, list[str]] = {}
    hidden: dict[str, list[str]] = {}
    readonly: dict[str, list[str]] = {}
    for object_type in registry.object_types():
        key = object_type.key
        actions = [a for a in object_type.actions if f"perm:{key}:{a}" in data]
        if actions:
            permissions[key] = actions
        hidden_names = [f.name for f in object_type.fields if f"hidden:{key}:{f.name}" in data]
        if hidden_names:
            hidden[key] = hidden_names
        readonly_names = [f.name for f in object_type.fields if f"readonly:{key}:{f.name}" in data]
        if readonly_names:
            readonly[key] = readonly_names
    return {"permissions": permissions, "hidden_fields": hidden, "readonly_fields": readonly}


@settings_page
def role_edit(request: HttpRequest, actor: Membership, role_id: int) -> HttpResponse:
    role = selectors.role_get(actor=actor, id=role_id)
    editable = can(actor, "roles", "edit") and not role.is_owner
    posted = request.POST if request.method == "POST" else None
    form = RoleEditForm(
        posted,
        initial={
            "name": role.name,
            "description": role.description,
            "data_scope": role.data_scope,
            "version": role.version,
        },
    )
    if not editable:
        for field in form.fields.values():
            field.disabled = True
    context = {
        "role": role,
        "form": form,
        "editable": editable,
        "actions": [(a, registry.ACTION_LABELS[a]) for a in registry.ACTIONS],
        "matrix": permission_matrix(role, posted),
        "member_count": Membership.objects.filter(role=role).count(),
    }
    template = "core/settings/role_edit.html"
    if request.method != "POST":
        return render(request, template, context)
    require(actor, "roles", "edit")
    if not form.is_valid():
        return render(request, template, context, status=400)
    data = {
        "name": form.cleaned_data["name"],
        "description": form.cleaned_data["description"],
        "data_scope": form.cleaned_data["data_scope"],
        **matrix_from_post(request.POST),
    }
    try:
        role_services.role_update(
            actor=actor, role=role, version=form.cleaned_data["version"], data=data
        )
    except GuanxiError as error:
        apply_error(error, form=form)
        return render(request, template, context, status=error.status)
    messages.success(request, _("Role %(name)s was saved.") % {"name": role.name})
    return redirect("core:role-edit", role_id=role.pk)


@settings_page
@require_POST
def role_delete(request: HttpRequest, actor: Membership, role_id: int) -> HttpResponse:
    require(actor, "roles", "delete")
    role = selectors.role_get(actor=actor, id=role_id)
    try:
        role_services.role_delete(actor=actor, role=role)
    except GuanxiError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Role %(name)s was deleted.") % {"name": role.name})
    return redirect("core:roles")


# --- Audit log --------------------------------------------------------------------------------

# Object types that appear in the audit log without being permission object types.
EXTRA_AUDIT_TYPES = {
    "users": gettext_lazy("Users"),
    "invitations": gettext_lazy("Invitations"),
    "tokens": gettext_lazy("API tokens"),
}


def audit_type_label(key: str) -> Any:
    try:
        return registry.object_type(key).label
    except LookupError:
        return EXTRA_AUDIT_TYPES.get(key, key)


FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(9998, 12, 31)


class AuditFilterForm(StyledForm):
    action = forms.CharField(
        label=gettext_lazy("Action"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "member."}),
        help_text=gettext_lazy("Actions starting with this text, e.g. member. or role.update"),
    )
    object_type = forms.ChoiceField(label=gettext_lazy("Object type"), required=False)
    actor = forms.ChoiceField(label=gettext_lazy("Actor"), required=False)
    # Bounded so that a far date cannot overflow the time zone arithmetic.
    since = forms.DateField(
        label=gettext_lazy("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[MinValueValidator(FIRST_DAY), MaxValueValidator(LAST_DAY)],
    )
    until = forms.DateField(
        label=gettext_lazy("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[MinValueValidator(FIRST_DAY), MaxValueValidator(LAST_DAY)],
    )


def _audit_filters(actor: Membership, request: HttpRequest) -> tuple[AuditFilterForm, dict]:
    form = AuditFilterForm(request.GET or None)
    types = [(t.key, str(t.label)) for t in registry.object_types()]
    types += [(key, str(label)) for key, label in EXTRA_AUDIT_TYPES.items()]
    choice_field(form, "object_type").choices = [("", _("All types"))] + sorted(
        types, key=lambda item: item[1]
    )
    choice_field(form, "actor").choices = [("", _("Everyone"))] + [
        (str(user_id), label) for user_id, label in selectors.audit_actor_choices(actor=actor)
    ]
    filters: dict[str, Any] = {}
    if request.GET:
        form.is_valid()
        data = getattr(form, "cleaned_data", {})
        zone = ZoneInfo(actor.workspace.time_zone)
        since, until = data.get("since"), data.get("until")
        filters = {
            "action": (data.get("action") or "").strip(),
            "object_type": data.get("object_type") or "",
            "actor_id": _optional_int(data.get("actor")),
            # Dates are days in the workspace's time zone; "to" includes the whole day.
            "since": datetime.combine(since, time.min, tzinfo=zone) if since else None,
            "until": (
                datetime.combine(until + timedelta(days=1), time.min, tzinfo=zone)
                if until
                else None
            ),
        }
    return form, filters


def _plain_value(value: Any, names: dict[str, dict[Any, str]], field: str) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    lookup = names.get(field)
    if lookup is not None and value in lookup:
        return lookup[value]
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def readable_changes(
    changes: dict[str, Any], names: dict[str, dict[Any, str]]
) -> list[dict[str, Any]]:
    """{field: [old, new]} → rows of field, old, new as text; other shapes as one value."""
    rows = []
    for field, value in (changes or {}).items():
        if isinstance(value, list) and len(value) == 2:
            rows.append(
                {
                    "field": field,
                    "old": _plain_value(value[0], names, field),
                    "new": _plain_value(value[1], names, field),
                    "pair": True,
                }
            )
        else:
            rows.append({"field": field, "value": _plain_value(value, names, field)})
    return rows


@settings_page
def audit_log(request: HttpRequest, actor: Membership) -> HttpResponse:
    require(actor, "audit_events", "view")
    form, filters = _audit_filters(actor, request)
    page = page_of(
        selectors.audit_list(actor=actor, **filters),
        order=["-created_at", "-id"],
        cursor=request.GET.get("cursor"),
    )
    # Role and team ids in changes are shown by name: two queries, whatever the page holds.
    names: dict[str, dict[Any, str]] = {
        "role": dict(
            Role.objects.filter(workspace_id=actor.workspace_id).values_list("pk", "name")
        ),
        "team": dict(
            Team.objects.filter(workspace_id=actor.workspace_id).values_list("pk", "name")
        ),
    }
    names["parent"] = names["team"]
    events = [
        {
            "event": event,
            "type_label": audit_type_label(event.object_type) if event.object_type else "",
            "changes": readable_changes(event.changes, names),
        }
        for event in (selectors.audit_redact(actor=actor, event=e) for e in page["items"])
    ]
    context = {
        "form": form,
        "events": events,
        "next_cursor": page["next_cursor"],
        "time_zone": actor.workspace.time_zone,
        "can_export": can(actor, "audit_events", "export"),
        "filtered": any(value not in (None, "") for value in filters.values()),
    }
    template = "core/settings/audit.html"
    if wants_partial(request):
        partial = "rows" if request.GET.get("cursor") else "list"
        return render(request, f"{template}#{partial}", context)
    return render(request, template, context)


@settings_page
def audit_export(request: HttpRequest, actor: Membership) -> StreamingHttpResponse:
    require(actor, "audit_events", "export")
    _form, filters = _audit_filters(actor, request)
    queryset = workspace_services.audit_export(actor=actor, filters=filters).order_by(
        "-created_at", "-id"
    )
    zone = ZoneInfo(actor.workspace.time_zone)
    header = [
        _("Time"),
        _("Actor"),
        _("Action"),
        _("Object type"),
        _("Object ID"),
        _("Object"),
        _("Changes"),
        _("IP address"),
        _("Request ID"),
    ]

    def rows() -> Iterator[tuple[Any, ...]]:
        for row in queryset.iterator(chunk_size=1000):
            event = selectors.audit_redact(actor=actor, event=row)
            yield (
                event.created_at.astimezone(zone).isoformat(timespec="seconds"),
                event.actor_label,
                event.action,
                event.object_type,
                event.object_id,
                event.object_label,
                json.dumps(event.changes, ensure_ascii=False) if event.changes else "",
                event.ip or "",
                event.request_id,
            )

    stamp = timezone.now().astimezone(zone).strftime("%Y%m%d-%H%M")
    return csv_response(f"audit-log-{stamp}.csv", header, rows())


# --- Workspace --------------------------------------------------------------------------------


def currency_choices() -> list[tuple[str, str]]:
    from babel import Locale, UnknownLocaleError
    from babel.numbers import list_currencies

    try:
        names = Locale.parse(to_locale(get_language() or "en")).currencies
    except (UnknownLocaleError, ValueError):
        names = Locale.parse("en").currencies
    return [(code, f"{code} · {names.get(code, code)}") for code in sorted(list_currencies())]


class WorkspaceForm(StyledForm):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=150)
    base_currency = forms.ChoiceField(
        label=gettext_lazy("Base currency"),
        help_text=gettext_lazy("Reports and targets are totalled in this currency (ISO 4217)."),
    )
    time_zone = forms.ChoiceField(
        label=gettext_lazy("Time zone"),
        help_text=gettext_lazy("Dates in lists, reports and the audit log use this time zone."),
    )
    locale = forms.ChoiceField(
        label=gettext_lazy("Default language"),
        choices=LANGUAGE_CHOICES[1:],
        help_text=gettext_lazy("For emails and for members who have not chosen a language."),
    )
    require_two_factor = forms.BooleanField(
        label=gettext_lazy("Require two-factor authentication"),
        required=False,
        help_text=gettext_lazy(
            "Members without two-factor authentication must set it up before they continue. "
            "Only an Owner can change this."
        ),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


@settings_page
def workspace_settings(request: HttpRequest, actor: Membership) -> HttpResponse:
    require(actor, "workspace", "view")
    workspace = actor.workspace
    editable = can(actor, "workspace", "edit")
    form = WorkspaceForm(
        request.POST if request.method == "POST" else None,
        initial={
            "name": workspace.name,
            "base_currency": workspace.base_currency,
            "time_zone": workspace.time_zone,
            "locale": workspace.locale,
            "require_two_factor": workspace.require_two_factor,
            "version": workspace.version,
        },
    )
    choice_field(form, "base_currency").choices = currency_choices()
    choice_field(form, "time_zone").choices = [
        (zone, zone) for zone in sorted(available_timezones())
    ]
    if not actor.role.is_owner:
        form.fields["require_two_factor"].disabled = True
    if not editable:
        for field in form.fields.values():
            field.disabled = True
    template = "core/settings/workspace.html"
    context = {"form": form, "editable": editable, "settings_workspace": workspace}
    if request.method != "POST":
        return render(request, template, context)
    require(actor, "workspace", "edit")
    if not form.is_valid():
        return render(request, template, context, status=400)
    data = {
        name: value
        for name, value in form.cleaned_data.items()
        if name != "version" and not form.fields[name].disabled
    }
    try:
        workspace_services.workspace_update(
            actor=actor, version=form.cleaned_data["version"], data=data
        )
    except GuanxiError as error:
        return form_error_response(request, template, context, error)
    messages.success(request, _("The workspace settings were saved."))
    return redirect(reverse("core:workspace-settings"))


urlpatterns = [
    path("settings/workspace/", workspace_settings, name="workspace-settings"),
    path("settings/members/", members, name="members"),
    path("settings/members/<id:user_id>/", member_edit, name="member-edit"),
    path("settings/teams/", teams, name="teams"),
    path("settings/teams/<id:team_id>/", team_edit, name="team-edit"),
    path("settings/teams/<id:team_id>/delete/", team_delete, name="team-delete"),
    path("settings/roles/", roles, name="roles"),
    path("settings/roles/<id:role_id>/", role_edit, name="role-edit"),
    path("settings/roles/<id:role_id>/delete/", role_delete, name="role-delete"),
    path("settings/audit/", audit_log, name="audit"),
    path("settings/audit/export/", audit_export, name="audit-export"),
]
