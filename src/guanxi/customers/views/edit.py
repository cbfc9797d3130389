"""Create and edit forms for accounts and contacts."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from guanxi.core.errors import GuanxiError, StaleVersion
from guanxi.core.models import Membership
from guanxi.core.permissions import can, require
from guanxi.core.views.helpers import apply_error

from .. import selectors, ui_support
from ..custom_fields import active_fields
from ..duplicates import DuplicateFound, reason_label
from ..forms import AccountForm, ContactForm, RecordForm
from .common import TYPES, RecordType, customers_page


def _form(
    rtype: RecordType, actor: Membership, record: Any, data: Any, initial: dict[str, Any]
) -> RecordForm:
    form_class = AccountForm if rtype.key == "accounts" else ContactForm
    return form_class(
        data,
        actor=actor,
        record=record,
        custom_fields=active_fields(actor.workspace_id, rtype.key),
        initial=initial,
    )


def duplicate_rows(
    actor: Membership, rtype: RecordType, error: DuplicateFound
) -> list[dict[str, Any]]:
    """The likely duplicates as the form lists them: name, owner, why they match, and a link to
    those the member may open (the check looks at the whole workspace; the link only where the
    member's data scope reaches)."""
    ids = [c.id for c in error.candidates if c.object_type == rtype.key]
    visible = ui_support.visible_ids(actor=actor, object_type=rtype.key, ids=ids)
    return [
        {
            "name": c.name,
            "owner": c.owner_name,
            "reasons": ", ".join(reason_label(r) for r in c.reasons),
            "url": reverse(TYPES[c.object_type].detail_url, args=[c.id])
            if c.object_type in TYPES and c.id in visible
            else None,
        }
        for c in error.candidates
    ]


def record_form(
    request: HttpRequest, actor: Membership, rtype: RecordType, record: Any = None
) -> HttpResponse:
    require(actor, rtype.key, "create" if record is None else "edit")
    initial: dict[str, Any] = {}
    if record is None and rtype.key == "contacts" and request.GET.get("account", "").isdigit():
        initial["account"] = request.GET["account"]
    posted = request.POST if request.method == "POST" else None
    form = _form(rtype, actor, record, posted, initial)
    status = 200
    stale = False
    duplicates: list[dict[str, Any]] = []
    if posted is not None:
        if form.is_valid():
            data = form.to_data()
            allow = bool(form.cleaned_data.get("allow_duplicate"))
            try:
                if record is None:
                    saved = rtype.create(actor=actor, data=data, allow_duplicate=allow)
                else:
                    saved = rtype.do_update(
                        actor, record, data, form.cleaned_data.get("version"), allow_duplicate=allow
                    )
            except DuplicateFound as error:
                duplicates = duplicate_rows(actor, rtype, error)
                form.add_error(
                    None,
                    _(
                        "This looks like a customer you already have. Open it instead, or tick "
                        "“This is a different customer: save anyway”."
                    ),
                )
                status = error.status
            except StaleVersion as error:
                stale = True
                form.add_error(
                    None,
                    _(
                        "Someone else changed this record while you were editing it. Nothing "
                        "was saved: open it again to see their changes, then make yours."
                    ),
                )
                status = error.status
            except GuanxiError as error:
                apply_error(error, form=form)
                status = error.status
            else:
                if record is None:
                    messages.success(request, _("%(name)s was created.") % {"name": saved.name})
                else:
                    messages.success(request, _("The changes were saved."))
                return redirect(rtype.detail_url, pk=saved.pk)
        else:
            status = 400
    context = {
        "rtype": rtype,
        "record": record,
        "form": form,
        "stale": stale,
        "duplicates": duplicates,
        "tag_names": [t.name for t in selectors.tag_list(actor=actor)]
        if can(actor, "tags", "view")
        else [],
    }
    return render(request, "customers/form.html", context, status=status)


@customers_page
def account_new(request: HttpRequest, actor: Membership) -> HttpResponse:
    return record_form(request, actor, TYPES["accounts"])


@customers_page
def contact_new(request: HttpRequest, actor: Membership) -> HttpResponse:
    return record_form(request, actor, TYPES["contacts"])


ACCOUNT_CHOICES_FOUND = 50


@customers_page
def account_choices(request: HttpRequest, actor: Membership) -> HttpResponse:
    """The options of a contact form's account picker for what was typed in its search box
    (htmx; the picker lists the first 500 accounts by name, search reaches all of them). Like
    an autocomplete, the best match is selected (the chosen account if it matches); with the
    box cleared the picker lists the first 500 again, keeping the chosen one."""
    require(actor, "accounts", "view")
    try:
        chosen = int(request.GET.get("account") or 0) or None
    except ValueError:
        chosen = None
    q = request.GET.get("account_q", "")[:100].strip()
    if q:
        rows = ui_support.account_choices(actor=actor, q=q, limit=ACCOUNT_CHOICES_FOUND)
        found = [pk for pk, _name in rows]
        selected = chosen if chosen in found else (found[0] if found else None)
    else:
        rows = ui_support.account_choices(actor=actor, include=chosen)
        selected = chosen
    return render(
        request,
        "customers/_account_options.html",
        {"choices": rows, "chosen": selected, "searched": bool(q)},
    )


@customers_page
def record_edit(request: HttpRequest, actor: Membership, object_type: str, pk: int) -> HttpResponse:
    rtype = TYPES[object_type]
    record = rtype.fetch(actor, pk)
    return record_form(request, actor, rtype, record)
