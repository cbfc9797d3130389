"""The record pages (the 360° view of an account or a contact), their timeline and field history,
and delete."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from guanxi.core import registry, timeline
from guanxi.core.audit_actions import action_label
from guanxi.core.errors import GuanxiError, ValidationFailed
from guanxi.core.models import Membership
from guanxi.core.permissions import can, hidden_fields, require

from .. import selectors, ui_support
from .common import TYPES, Presenter, RecordType, customers_page, is_htmx

TIMELINE_PAGE = 20
HISTORY_PAGE = 20

# What each core field looks like among the key facts: (field, kind). Kinds: text, link, email,
# phone, phones, emails, date, datetime, owner, account, tags, long.
ACCOUNT_FACTS = (
    ("credit_code", "text"),
    ("industry", "text"),
    ("size", "text"),
    ("phone", "phone"),
    ("other_phones", "phones"),
    ("email", "email"),
    ("other_emails", "emails"),
    ("website", "link"),
    ("country", "text"),
    ("province", "text"),
    ("city", "text"),
    ("address", "text"),
    ("source", "text"),
    ("owner", "owner"),
    ("description", "long"),
)
CONTACT_FACTS = (
    ("account", "account"),
    ("title", "text"),
    ("mobile", "phone"),
    ("phone", "phone"),
    ("other_phones", "phones"),
    ("email", "email"),
    ("other_emails", "emails"),
    ("wechat", "text"),
    ("birthday", "date"),
    ("email_consent", "text"),
    ("sms_consent", "text"),
    ("source", "text"),
    ("owner", "owner"),
    ("description", "long"),
)
HISTORY_VERBS = {
    "create": pgettext_lazy("timeline", "Created"),
    "update": pgettext_lazy("timeline", "Edited"),
    "delete": gettext_lazy("Moved to the recycle bin"),
    "restore": gettext_lazy("Restored from the recycle bin"),
    "merge": gettext_lazy("Merged"),
    "assign": gettext_lazy("Assigned"),
}


def key_facts(actor: Membership, rtype: RecordType, record: Any, presenter: Presenter) -> list:
    hidden = hidden_fields(actor, rtype.key)
    labels = presenter.field_labels()
    facts = []
    for name, kind in ACCOUNT_FACTS if rtype.key == "accounts" else CONTACT_FACTS:
        if name in hidden:
            continue
        fact: dict[str, Any] = {"name": name, "label": labels.get(name, name), "kind": kind}
        if kind == "owner":
            fact["value"] = record.owner.name if record.owner else ""
        elif kind == "account":
            fact["value"] = record.account.name if record.account_id else ""
            fact["account"] = record.account if record.account_id else None
        elif kind == "date":
            fact["value"] = getattr(record, name)
        elif kind in ("phones", "emails"):
            # Shown only when there are some: most records have one number and one address.
            values = list(getattr(record, name))
            if not values:
                continue
            fact["value"] = [
                (value, presenter.value(name, [value]) if kind == "phones" else value)
                for value in values
            ]
        else:
            fact["value"] = presenter.value(name, getattr(record, name))
            fact["raw"] = getattr(record, name)
        facts.append(fact)
    return facts


def panels_html(
    request: HttpRequest, actor: Membership, object_type: str, column: str, record: Any
) -> list[dict[str, Any]]:
    """The panels modules registered for this record type and column, each rendered with the
    context it returns (a panel that returns None has nothing for this member)."""
    rendered = []
    for panel in registry.record_panels(object_type, column):
        context = panel.context(actor, record)
        if context is None:
            continue
        rendered.append(
            {"key": panel.key, "html": render_to_string(panel.template, context, request=request)}
        )
    return rendered


def record_url(object_type: str, pk: int | None) -> str | None:
    """The page of any record a timeline entry refers to (modules register their types)."""
    return registry.object_url(object_type, pk)


def timeline_context(
    actor: Membership,
    rtype: RecordType,
    record: Any,
    presenter: Presenter,
    *,
    group: str = "",
    cursor: str | None = None,
) -> dict[str, Any]:
    """What web/components/timeline.html shows: entries with their kind's icon and label, the
    actor, field changes as "Label: old → new", the group pills and the next page's URL."""
    if group not in registry.TIMELINE_GROUPS:
        group = ""
    subject = (rtype.key, record.pk)
    try:
        page = timeline.page(
            membership=actor,
            subject=subject,
            groups=[group] if group else None,
            cursor=cursor,
            limit=TIMELINE_PAGE,
        )
    except ValidationFailed:
        page = timeline.page(
            membership=actor,
            subject=subject,
            groups=[group] if group else None,
            limit=TIMELINE_PAGE,
        )
    presenter.load_accounts(e.data.get("changes") or {} for e in page["items"])
    entries = []
    for entry in page["items"]:
        kind = registry.timeline_kind(entry.kind)
        about = entry.ref_type or rtype.key
        changes: list[dict[str, str]] = []
        raw = entry.data.get("changes") if isinstance(entry.data, dict) else None
        if raw and entry.kind != "record.created":
            try:
                changes = presenter.describe_changes(raw, about if about in TYPES else rtype.key)
            except LookupError:
                changes = []
        ref_url = None
        if entry.ref_type and (entry.ref_type, entry.ref_id) != subject:
            ref_url = record_url(entry.ref_type, entry.ref_id)
        # The times as the template showed them through `date` and `naturaltime`, formatted
        # here: three `date` filters and `naturaltime` on each of 20 entries were about half of
        # drawing the timeline.
        local = timezone.localtime(entry.occurred_at)
        entries.append(
            {
                "entry": entry,
                "when_iso": local.isoformat(),
                "when": local.strftime("%Y-%m-%d %H:%M"),
                "when_natural": naturaltime(entry.occurred_at),
                "label": kind.label if kind else entry.kind,
                "icon": kind.icon if kind else "point",
                "group": kind.group if kind else "",
                "actor": (entry.actor.name or entry.actor.email) if entry.actor else _("System"),
                "changes": changes,
                "ref_url": ref_url,
            }
        )
    url = reverse(f"customers:{rtype.key[:-1]}-timeline", args=[record.pk])
    page_url = reverse(rtype.detail_url, args=[record.pk])
    next_url = None
    if page["next_cursor"]:
        from urllib.parse import urlencode

        params = {"cursor": page["next_cursor"]}
        if group:
            params["group"] = group
        next_url = f"{url}?{urlencode(params)}"
    return {
        "entries": entries,
        "next_url": next_url,
        "url": url,
        "page_url": page_url,
        "group": group,
        "groups": list(registry.TIMELINE_GROUPS.items()),
        "dom_id": "timeline",
    }


@customers_page
def record_page(request: HttpRequest, actor: Membership, object_type: str, pk: int) -> HttpResponse:
    rtype = TYPES[object_type]
    record = rtype.fetch(actor, pk)
    presenter = Presenter(actor, rtype.key)
    hidden = hidden_fields(actor, rtype.key)
    context: dict[str, Any] = {
        "rtype": rtype,
        "record": record,
        "hidden": hidden,
        "facts": key_facts(actor, rtype, record, presenter),
        "custom_facts": presenter.custom_facts(record) if "custom" not in hidden else [],
        "level_label": presenter.value("level", getattr(record, "level", "")),
        "stage_label": presenter.value("stage", getattr(record, "stage", "")),
        "timeline": timeline_context(
            actor, rtype, record, presenter, group=request.GET.get("group", "")
        ),
        "main_panels": panels_html(request, actor, rtype.key, "main", record),
        "side_panels": panels_html(request, actor, rtype.key, "side", record),
        "can_edit": can(actor, rtype.key, "edit"),
        "can_delete": can(actor, rtype.key, "delete"),
        "history_url": reverse(f"customers:{rtype.key[:-1]}-history", args=[record.pk]),
    }
    if rtype.key == "accounts":
        contact_hidden = hidden_fields(actor, "contacts")
        context["contacts"] = (
            selectors.account_contacts(actor=actor, account=record)
            if can(actor, "contacts", "view")
            else None
        )
        context["can_add_contact"] = (
            can(actor, "contacts", "create") and "account" not in contact_hidden
        )
        context["contact_hidden"] = contact_hidden
    return render(request, "customers/record.html", context)


@customers_page
def record_timeline(
    request: HttpRequest, actor: Membership, object_type: str, pk: int
) -> HttpResponse:
    """The timeline alone: the whole component, or with ?cursor= the next entries."""
    rtype = TYPES[object_type]
    record = rtype.fetch(actor, pk)
    presenter = Presenter(actor, rtype.key)
    cursor = request.GET.get("cursor") or None
    context = {
        "timeline": timeline_context(
            actor, rtype, record, presenter, group=request.GET.get("group", ""), cursor=cursor
        )
    }
    template = "web/components/timeline.html"
    return render(request, f"{template}#entries" if cursor else template, context)


@customers_page
def record_history(
    request: HttpRequest, actor: Membership, object_type: str, pk: int
) -> HttpResponse:
    """Field history: the record's audit events, newest first, hidden fields left out."""
    rtype = TYPES[object_type]
    record = rtype.fetch(actor, pk)
    presenter = Presenter(actor, rtype.key)
    cursor = request.GET.get("cursor") or None
    page = ui_support.record_history(
        actor=actor, object_type=rtype.key, object_id=record.pk, cursor=cursor, limit=HISTORY_PAGE
    )
    presenter.load_accounts(event.changes or {} for event in page["items"])
    events = []
    for event in page["items"]:
        verb = event.action.rpartition(".")[2]
        events.append(
            {
                "event": event,
                "label": HISTORY_VERBS.get(verb) or action_label(event.action),
                "actor": (event.actor.name if event.actor else "")
                or event.actor_label
                or _("System"),
                "changes": presenter.describe_changes(event.changes or {}),
            }
        )
    url = reverse(f"customers:{rtype.key[:-1]}-history", args=[record.pk])
    context = {
        "rtype": rtype,
        "record": record,
        "events": events,
        "next_url": f"{url}?cursor={page['next_cursor']}" if page["next_cursor"] else None,
    }
    template = "customers/history.html"
    if is_htmx(request):
        return render(request, f"{template}#{'events' if cursor else 'history'}", context)
    return render(request, template, context)


@customers_page
@require_POST
def record_delete(
    request: HttpRequest, actor: Membership, object_type: str, pk: int
) -> HttpResponse:
    rtype = TYPES[object_type]
    require(actor, rtype.key, "delete")
    record = rtype.fetch(actor, pk)
    try:
        rtype.do_delete(actor, record)
    except GuanxiError as error:
        messages.error(request, error.message)
        return redirect(rtype.detail_url, pk=record.pk)
    messages.success(
        request,
        _("%(name)s was moved to the recycle bin. You can restore it there for 30 days.")
        % {"name": str(record)},
    )
    return redirect(rtype.list_url)
