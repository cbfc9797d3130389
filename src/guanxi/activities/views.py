"""Pages and panel endpoints: quick log and open tasks on customer pages, My day, the activity
and task pages and their lists.

Views are thin: parse with a form, call a selector or a service, render. Domain errors become
form errors (422) or messages; another workspace's record is a 404, a missing permission a 403.
Panel endpoints answer htmx with the re-rendered panel and `HX-Trigger: timeline-changed`, which
the customer page listens for to reload its timeline.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from guanxi.core.apikit import keyset_page
from guanxi.core.errors import GuanxiError, NotFound, PermissionDenied, ValidationFailed
from guanxi.core.models import Membership
from guanxi.core.permissions import can, hidden_fields, readonly_fields, require
from guanxi.core.views.helpers import apply_error, membership_required

from . import panels, selectors
from .forms import (
    ACTIVITY_PERMISSION_NAMES,
    TASK_PERMISSION_NAMES,
    ActivityFilterForm,
    ActivityForm,
    QuickLogForm,
    TaskFilterForm,
    TaskForm,
    TaskQuickForm,
    restrict_to_role,
    writable_data,
)
from .models import Activity, Task, TaskStatus
from .services import activities as activity_services
from .services import tasks as task_services

PAGE_SIZE = 50
TIMELINE_CHANGED = "timeline-changed"

View = Callable[..., HttpResponseBase]


def member_page(view: View) -> View:
    """Signed in with a membership, passed to the view as `actor`; "not found" and "not allowed"
    raised while reading become 404 and 403 pages."""

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


def _next_url(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _page(queryset: Any, *, order: list[str], cursor: str | None) -> dict[str, Any]:
    """A keyset page; a damaged cursor starts again from the first page rather than failing."""
    try:
        return keyset_page(queryset, order=order, cursor=cursor or None, limit=PAGE_SIZE)
    except ValidationFailed:
        return keyset_page(queryset, order=order, cursor=None, limit=PAGE_SIZE)


def _changed(response: HttpResponse) -> HttpResponse:
    response["HX-Trigger"] = TIMELINE_CHANGED
    return response


# --- Panels on customer pages ---------------------------------------------------------------------


@member_page
@require_http_methods(["GET", "POST"])
def quick_log(request: HttpRequest, actor: Membership, subject_type: str, pk: int) -> HttpResponse:
    record = panels.customer_get(actor=actor, subject_type=subject_type, id=pk)
    template = "activities/panels/quick_log.html#panel"
    if request.method != "POST":
        context = panels.quick_log_context(actor, record)
        if context is None:
            raise DjangoPermissionDenied
        return render(request, template, context)
    require(actor, "activities", "create")
    form = QuickLogForm(request.POST, auto_id=panels.form_id(subject_type, pk, "log"))
    # The contact choices are the account's contacts the member may see (set by the context).
    context = panels.quick_log_context(actor, record, form=form)
    assert context is not None
    if form.is_valid():
        values = writable_data(form)
        data: dict[str, Any] = {
            key: values[key]
            for key in ("type", "body", "occurred_at", "duration_minutes", "outcome")
            if key in values
        }
        if subject_type == "accounts":
            data["account_id"] = record.pk
            if values.get("contact"):
                data["contact_id"] = values["contact"]
        else:
            data["contact_id"] = record.pk
        try:
            activity = activity_services.activity_log(
                actor=actor, data={k: v for k, v in data.items() if v not in (None, "")}
            )
        except ValidationFailed as error:
            apply_error(error, form=form)
        else:
            label = activity.get_type_display()
            if not is_htmx(request):
                messages.success(request, _("%(type)s logged.") % {"type": label})
                return redirect(_next_url(request, panels.record_url(record) or _my_day_url()))
            fresh = panels.quick_log_context(actor, record, logged=str(label))
            response = render(request, template, fresh)
            # The page's "Last follow-up" changes with the log: swapped out of band (unless
            # the member's role hides it, when the page does not show it either).
            if "last_followed_at" not in hidden_fields(actor, subject_type):
                followed = panels.customer_get(actor=actor, subject_type=subject_type, id=pk)
                response.content += render_to_string(
                    "customers/record.html#last-followed",
                    {"record": followed, "oob": True},
                    request=request,
                ).encode()
            return _changed(response)
    if not is_htmx(request):
        messages.error(request, _("The activity was not logged: %(errors)s") % _errors(form))
        return redirect(_next_url(request, panels.record_url(record) or _my_day_url()))
    return render(request, template, context, status=422)


@member_page
@require_http_methods(["GET", "POST"])
def record_tasks(
    request: HttpRequest, actor: Membership, subject_type: str, pk: int
) -> HttpResponse:
    record = panels.customer_get(actor=actor, subject_type=subject_type, id=pk)
    template = "activities/panels/open_tasks.html#panel"
    if request.method != "POST":
        context = panels.open_tasks_context(actor, record)
        if context is None:
            raise DjangoPermissionDenied
        return render(request, template, context)
    require(actor, "tasks", "create")
    form = TaskQuickForm(request.POST, auto_id=panels.form_id(subject_type, pk, "task"))
    if form.is_valid():
        data = {
            "title": form.cleaned_data["title"],
            "due_at": form.cleaned_data["due_at"],
            "kind": form.cleaned_data["kind"],
            "account_id" if subject_type == "accounts" else "contact_id": record.pk,
        }
        try:
            task_services.task_create(actor=actor, data=data)
        except ValidationFailed as error:
            apply_error(error, form=form)
        else:
            if not is_htmx(request):
                messages.success(request, _("Task added."))
                return redirect(_next_url(request, panels.record_url(record) or _my_day_url()))
            return _changed(render(request, template, panels.open_tasks_context(actor, record)))
    if not is_htmx(request):
        messages.error(request, _("The task was not added: %(errors)s") % _errors(form))
        return redirect(_next_url(request, panels.record_url(record) or _my_day_url()))
    return render(
        request, template, panels.open_tasks_context(actor, record, form=form), status=422
    )


def _errors(form: Any) -> dict[str, str]:
    problems = [str(e) for errors in form.errors.values() for e in errors]
    return {"errors": " ".join(problems)}


def _my_day_url() -> str:
    return reverse("activities:my-day")


@member_page
@require_POST
def task_complete(request: HttpRequest, actor: Membership, pk: int) -> HttpResponse:
    return _task_status(request, actor, pk, task_services.task_complete, _("Task completed."))


@member_page
@require_POST
def task_reopen(request: HttpRequest, actor: Membership, pk: int) -> HttpResponse:
    return _task_status(request, actor, pk, task_services.task_reopen, _("Task reopened."))


def _task_status(
    request: HttpRequest, actor: Membership, pk: int, change: Callable[..., Task], done: str
) -> HttpResponse:
    """Complete or reopen, then answer with what the page that asked shows: the record's open
    tasks panel (`render=panel`), My day's lists (`render=my-day`), or a redirect."""
    task = selectors.task_get(actor=actor, id=pk)
    change(actor=actor, task=task)
    target = request.POST.get("render", "")
    if is_htmx(request) and target == "panel":
        record = panels.customer_get(
            actor=actor,
            subject_type=request.POST.get("subject_type", ""),
            id=_int(request.POST.get("subject_id")),
        )
        context = panels.open_tasks_context(actor, record)
        return _changed(render(request, "activities/panels/open_tasks.html#panel", context))
    if is_htmx(request) and target == "my-day":
        return render(request, "activities/my_day.html#lists", _my_day_context(actor))
    messages.success(request, done)
    return redirect(_next_url(request, reverse("activities:task", args=[task.pk])))


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound()


# --- My day -----------------------------------------------------------------------------------------


def _my_day_context(actor: Membership) -> dict[str, Any]:
    day = selectors.my_day(actor=actor)
    return {
        "day": day,
        "can_view": can(actor, "tasks", "view"),
        "hidden": hidden_fields(actor, "tasks"),
        "can_edit": can(actor, "tasks", "edit"),
        "can_create": can(actor, "tasks", "create"),
        "empty": not (day.overdue or day.today or day.upcoming),
    }


@member_page
def my_day(request: HttpRequest, actor: Membership) -> HttpResponse:
    context = _my_day_context(actor)
    if is_htmx(request):
        return render(request, "activities/my_day.html#lists", context)
    return render(request, "activities/my_day.html", context)


# --- Activities ---------------------------------------------------------------------------------


@member_page
def activity_list(request: HttpRequest, actor: Membership) -> HttpResponse:
    require(actor, "activities", "view")
    form = ActivityFilterForm(request.GET or None)
    filters = selectors.ActivityFilters()
    if form.is_valid():
        filters.q = form.cleaned_data["q"].strip()
        filters.type = form.cleaned_data["type"]
        if form.cleaned_data["mine"]:
            filters.owner_id = actor.user_id
    page = _page(
        selectors.activity_list(actor=actor, filters=filters),
        order=["-occurred_at", "-id"],
        cursor=request.GET.get("cursor"),
    )
    context = {
        "form": form,
        "page": page,
        "hidden": hidden_fields(actor, "activities"),
        "filtered": bool(filters.q or filters.type or filters.owner_id),
    }
    template = "activities/activity_list.html"
    if is_htmx(request):
        return render(
            request, f"{template}#{'rows' if request.GET.get('cursor') else 'list'}", context
        )
    return render(request, template, context)


def _activity_initial(activity: Activity) -> dict[str, Any]:
    return {
        "type": activity.type,
        "subject": activity.subject,
        "body": activity.body_source,
        "body_format": activity.body_format,
        "occurred_at": activity.occurred_at,
        "duration_minutes": activity.duration_minutes,
        "direction": activity.direction,
        "outcome": activity.outcome,
        "location_name": activity.location_name,
        "latitude": activity.latitude,
        "longitude": activity.longitude,
        "version": activity.version,
    }


@member_page
@require_http_methods(["GET", "POST"])
def activity_detail(request: HttpRequest, actor: Membership, pk: int) -> HttpResponse:
    activity = selectors.activity_get(actor=actor, id=pk)
    can_edit = can(actor, "activities", "edit")
    hidden = hidden_fields(actor, "activities")
    form: ActivityForm | None = None
    if can_edit:
        form = ActivityForm(
            request.POST if request.method == "POST" else None,
            initial=_activity_initial(activity),
        )
        restrict_to_role(
            form,
            hidden=hidden,
            readonly=readonly_fields(actor, "activities"),
            permission_names=ACTIVITY_PERMISSION_NAMES,
        )
    status = 200
    if request.method == "POST":
        require(actor, "activities", "edit")
        assert form is not None
        if form.is_valid():
            data = writable_data(form)
            version = data.pop("version")
            try:
                activity_services.activity_update(
                    actor=actor, activity=activity, data=data, version=version
                )
            except GuanxiError as error:
                apply_error(error, form=form)
                status = error.status
            else:
                messages.success(request, _("Activity saved."))
                return redirect("activities:activity", pk=activity.pk)
        else:
            status = 422
    context = {
        "activity": activity,
        "hidden": hidden,
        "form": form,
        "can_delete": can(actor, "activities", "delete"),
        "customer_url": panels.record_url(activity.contact or activity.account),
        "account_url": panels.record_url(activity.account),
        "contact_url": panels.record_url(activity.contact),
        "participants": list(activity.participants.all()),
    }
    return render(request, "activities/activity_detail.html", context, status=status)


@member_page
@require_POST
def activity_delete(request: HttpRequest, actor: Membership, pk: int) -> HttpResponse:
    activity = selectors.activity_get(actor=actor, id=pk)
    activity_services.activity_delete(actor=actor, activity=activity)
    messages.success(request, _("Activity deleted. It is in the recycle bin."))
    return redirect(_next_url(request, reverse("activities:activities")))


# --- Tasks ----------------------------------------------------------------------------------------


@member_page
def task_list(request: HttpRequest, actor: Membership) -> HttpResponse:
    require(actor, "tasks", "view")
    form = TaskFilterForm(request.GET or None, initial={"status": "open", "mine": "1"})
    filters = selectors.TaskFilters(status=TaskStatus.OPEN, assignee_id=actor.user_id)
    if form.is_bound and form.is_valid():
        filters.q = form.cleaned_data["q"].strip()
        filters.status = form.cleaned_data["status"]
        filters.kind = form.cleaned_data["kind"]
        filters.assignee_id = actor.user_id if form.cleaned_data["mine"] else None
    page = _page(
        selectors.task_list(actor=actor, filters=filters),
        order=["due_at", "id"],
        cursor=request.GET.get("cursor"),
    )
    context = {
        "form": form,
        "page": page,
        "filtered": form.is_bound,
        "hidden": hidden_fields(actor, "tasks"),
        "can_edit": can(actor, "tasks", "edit"),
        "now": timezone.now(),
    }
    template = "activities/task_list.html"
    if is_htmx(request):
        return render(
            request, f"{template}#{'rows' if request.GET.get('cursor') else 'list'}", context
        )
    return render(request, template, context)


def _assignee_choices(actor: Membership, task: Task) -> list[tuple[int, str]]:
    """Members the actor may assign the task to: anyone active with the assign permission, else
    only the current assignee (the field is then shown read-only)."""
    if not can(actor, "tasks", "assign"):
        return [(task.assignee_id, str(task.assignee))]
    members = (
        Membership.objects.filter(workspace_id=actor.workspace_id, is_active=True)
        .select_related("user")
        .order_by("user__name", "user_id")
    )
    choices = [(m.user_id, m.user.name or m.user.email) for m in members]
    if task.assignee_id not in {pk for pk, _label in choices}:
        choices.append((task.assignee_id, str(task.assignee)))
    return choices


def _task_initial(task: Task) -> dict[str, Any]:
    return {
        "title": task.title,
        "description": task.description,
        "kind": task.kind,
        "priority": task.priority,
        "due_at": task.due_at,
        "remind_at": task.remind_at,
        "remind_by_email": task.remind_by_email,
        "assignee": task.assignee_id,
        "version": task.version,
    }


@member_page
@require_http_methods(["GET", "POST"])
def task_detail(request: HttpRequest, actor: Membership, pk: int) -> HttpResponse:
    task = selectors.task_get(actor=actor, id=pk)
    can_edit = can(actor, "tasks", "edit")
    hidden = hidden_fields(actor, "tasks")
    form = TaskForm(request.POST if request.method == "POST" else None, initial=_task_initial(task))
    form.fields["assignee"].choices = _assignee_choices(actor, task)  # type: ignore[attr-defined]
    if not can(actor, "tasks", "assign"):
        form.fields["assignee"].disabled = True
    restrict_to_role(
        form,
        hidden=hidden,
        readonly=readonly_fields(actor, "tasks"),
        permission_names=TASK_PERMISSION_NAMES,
    )
    status = 200
    if request.method == "POST":
        require(actor, "tasks", "edit")
        if form.is_valid():
            data = writable_data(form)
            version = data.pop("version")
            assignee = data.pop("assignee", None)
            if assignee is not None and assignee != task.assignee_id:
                data["assignee_id"] = assignee
            try:
                task_services.task_update(actor=actor, task=task, data=data, version=version)
            except GuanxiError as error:
                apply_error(error, form=form)
                status = error.status
            else:
                messages.success(request, _("Task saved."))
                return redirect("activities:task", pk=task.pk)
        else:
            status = 422
    context = {
        "task": task,
        "hidden": hidden,
        "form": form if can_edit else None,
        "can_edit": can_edit,
        "can_delete": can(actor, "tasks", "delete"),
        "is_open": task.status == TaskStatus.OPEN,
        "overdue": task.status == TaskStatus.OPEN and task.due_at < timezone.now(),
        "account_url": panels.record_url(task.account),
        "contact_url": panels.record_url(task.contact),
    }
    return render(request, "activities/task_detail.html", context, status=status)


@member_page
@require_POST
def task_delete(request: HttpRequest, actor: Membership, pk: int) -> HttpResponseRedirect:
    task = selectors.task_get(actor=actor, id=pk)
    task_services.task_delete(actor=actor, task=task)
    messages.success(request, _("Task deleted. It is in the recycle bin."))
    return redirect(_next_url(request, reverse("activities:tasks")))
