"""The duplicates report (查重) and merging: pick the records, the master and each field's value;
undo from the master's page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from guanxi.core.errors import GuanxiError, NotFound, PermissionDenied
from guanxi.core.models import Membership
from guanxi.core.permissions import can, hidden_fields
from guanxi.core.views.helpers import membership_required

from . import selectors
from .custom_fields import display_value
from .duplicates import duplicate_groups, reason_label
from .models import MergeRecord
from .services.merge import MERGEABLE, MODELS, records_merge
from .services.merge import merge_undo as merge_undo_service

app_name = "merge"
TYPES = {"accounts": gettext_lazy("Accounts"), "contacts": gettext_lazy("Contacts")}
KEY_LABELS = {
    "credit_code": "credit_code",
    "name_key": "name",
    "phone": "phone",
    "mobile": "mobile",
    "email": "email",
}


def _type(object_type: str) -> str:
    if object_type not in TYPES:
        raise Http404
    return object_type


def _may_merge(actor: Membership, object_type: str) -> bool:
    return can(actor, object_type, "edit") and can(actor, object_type, "delete")


def _queryset(actor: Membership, object_type: str) -> Any:
    if object_type == "accounts":
        return selectors.account_queryset(actor=actor)
    return selectors.contact_queryset(actor=actor)


def _record_url(object_type: str, pk: int) -> str:
    return reverse(
        "customers:account" if object_type == "accounts" else "customers:contact", args=[pk]
    )


@login_required
def duplicates(request: HttpRequest, object_type: str = "accounts") -> HttpResponse:
    """Groups of the member's visible records that share a credit code, a company name, a phone
    or an email — biggest first."""
    actor = membership_required(request)
    object_type = _type(object_type)
    if not can(actor, object_type, "view"):
        raise DjangoPermissionDenied
    groups = duplicate_groups(
        workspace_id=actor.workspace_id,
        object_type=object_type,
        base=_queryset(actor, object_type),
    )
    hidden = hidden_fields(actor, object_type)
    shown = []
    for group in groups:
        fields = {KEY_LABELS.get(f, f) for f in group.fields or (group.key,)}
        shown.append(
            {
                "reason": reason_label("name" if group.key == "name_key" else group.key),
                "value": ""
                if fields & hidden
                else (group.records[0].name if group.key == "name_key" else group.value),
                "records": group.records,
                "merge_url": reverse("merge:merge", args=[object_type])
                + "?ids="
                + ",".join(str(r.pk) for r in group.records[:10]),
            }
        )
    return render(
        request,
        "merge/duplicates.html",
        {
            "object_type": object_type,
            "type_label": TYPES[object_type],
            "types": TYPES,
            "groups": shown,
            "may_merge": _may_merge(actor, object_type),
        },
    )


def _ids(raw: str) -> list[int]:
    try:
        ids = [int(part) for part in raw.split(",") if part.strip()]
    except ValueError:
        raise Http404
    return list(dict.fromkeys(ids))[:10]


def _field_rows(actor: Membership, object_type: str, records: list[Any]) -> list[dict[str, Any]]:
    """One row per field that differs between the records: each record's value as people read
    it, and which record's value is chosen by default (the master's, else the first filled)."""
    from .views.common import Presenter

    presenter = Presenter(actor, object_type)
    if object_type == "contacts":  # their accounts by name, not by id
        presenter.load_accounts([{"account": [r.account_id for r in records]}])
    labels = presenter.field_labels(object_type)
    hidden = hidden_fields(actor, object_type)
    model = MODELS[object_type]
    rows = []
    for name in MERGEABLE[object_type]:
        if name in hidden or (name == "owner" and "owner" in hidden):
            continue
        attname = model._meta.get_field(name).attname
        values = [getattr(r, attname) for r in records]
        texts = [presenter.value(name, v) for v in values]
        if len(set(texts)) <= 1:
            continue
        default = next(
            (r.pk for r, v in zip(records, values, strict=True) if v not in (None, "")),
            records[0].pk,
        )
        rows.append(
            {
                "name": name,
                "label": labels.get(name, name),
                "cells": [{"record": r, "text": t} for r, t in zip(records, texts, strict=True)],
                "default": default,
            }
        )
    if "custom" not in hidden:
        for field in presenter.custom_fields:
            values = [r.custom.get(field.key) for r in records]
            texts = [display_value(field, v, user_names=presenter.users) for v in values]
            if len(set(texts)) <= 1:
                continue
            default = next((r.pk for r, t in zip(records, texts, strict=True) if t), records[0].pk)
            rows.append(
                {
                    "name": f"custom.{field.key}",
                    "label": field.label,
                    "cells": [
                        {"record": r, "text": t} for r, t in zip(records, texts, strict=True)
                    ],
                    "default": default,
                }
            )
    return rows


@login_required
def merge(request: HttpRequest, object_type: str) -> HttpResponse:
    """Choose the master and each differing field's value, then merge."""
    actor = membership_required(request)
    object_type = _type(object_type)
    if not _may_merge(actor, object_type):
        raise DjangoPermissionDenied
    ids = _ids(request.POST.get("ids") or request.GET.get("ids", ""))
    records = list(
        _queryset(actor, object_type).filter(pk__in=ids).select_related("owner").order_by("id")
    )
    if len(records) < 2 or len(records) != len(ids):
        messages.error(request, _("Choose at least two records you can see to merge."))
        return redirect("merge:duplicates", object_type)
    if request.method == "POST":
        try:
            master_id = int(request.POST.get("master", ""))
        except ValueError:
            master_id = records[0].pk
        sources: dict[str, int] = {}
        for key in request.POST:
            if key.startswith("field:"):
                try:
                    sources[key.removeprefix("field:")] = int(request.POST.get(key, ""))
                except ValueError:
                    continue
        try:
            record = records_merge(
                actor=actor,
                object_type=object_type,
                master_id=master_id,
                duplicate_ids=[r.pk for r in records if r.pk != master_id],
                field_sources=sources,
            )
        except NotFound:
            raise Http404
        except PermissionDenied as error:
            raise DjangoPermissionDenied(error.message)
        except GuanxiError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Merged %(count)d records into this one. You can undo it from this page.")
                % {"count": len(record.loser_ids) + 1},
            )
            return redirect(_record_url(object_type, record.master_id))
    return render(
        request,
        "merge/merge.html",
        {
            "object_type": object_type,
            "type_label": TYPES[object_type],
            "records": records,
            "rows": _field_rows(actor, object_type, records),
            "ids": ",".join(str(r.pk) for r in records),
        },
    )


@login_required
@require_POST
def undo(request: HttpRequest, object_type: str, pk: int) -> HttpResponse:
    actor = membership_required(request)
    object_type = _type(object_type)
    try:
        merge_undo_service(actor=actor, object_type=object_type, master_id=pk)
    except NotFound:
        raise Http404
    except PermissionDenied as error:
        raise DjangoPermissionDenied(error.message)
    except GuanxiError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The merge was undone: the duplicates are back."))
    return redirect(_record_url(object_type, pk))


def merge_panel(object_type: str) -> Any:
    """On a master's page: the latest merge into it, with an undo button."""

    def context(actor: Membership, record: Any) -> dict[str, Any] | None:
        if not _may_merge(actor, object_type):
            return None
        latest = (
            MergeRecord.objects.filter(
                workspace_id=actor.workspace_id,
                object_type=object_type,
                master_id=record.pk,
                undone_at__isnull=True,
            )
            .order_by("-created_at", "-id")
            .first()
        )
        if latest is None:
            return None
        names = list(
            MODELS[object_type]
            ._base_manager.filter(pk__in=latest.loser_ids)
            .values_list("name", flat=True)
        )
        return {"object_type": object_type, "record": record, "merge": latest, "names": names}

    return context


urlpatterns = [
    path("duplicates/", duplicates, name="duplicates-accounts"),
    path("duplicates/<str:object_type>/", duplicates, name="duplicates"),
    path("merge/<str:object_type>/", merge, name="merge"),
    path("merge/<str:object_type>/<id:pk>/undo/", undo, name="undo"),
]
