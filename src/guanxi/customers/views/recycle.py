"""The recycle bin: deleted records of every registered recyclable type, restorable for 30 days."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core import registry
from guanxi.core.errors import GuanxiError
from guanxi.core.models import Membership
from guanxi.core.permissions import can

from .. import ui_support
from .common import customers_page


@customers_page
def recycle_bin(request: HttpRequest, actor: Membership) -> HttpResponse:
    if not any(can(actor, key, "delete") for key in registry.recyclables()):
        raise DjangoPermissionDenied
    groups = ui_support.recycle_bin_groups(actor=actor)
    context = {
        "groups": groups,
        "days": ui_support.RECYCLE_DAYS,
        "empty": not any(group["items"] for group in groups),
    }
    return render(request, "customers/recycle_bin.html", context)


@customers_page
@require_POST
def recycle_restore(
    request: HttpRequest, actor: Membership, object_type: str, pk: int
) -> HttpResponse:
    record = ui_support.recycled_get(actor=actor, object_type=object_type, id=pk)
    recyclable = registry.recyclables()[object_type]
    label = recyclable.label_of(record)
    try:
        ui_support.recycled_restore(actor=actor, object_type=object_type, record=record)
    except GuanxiError as error:
        messages.error(request, error.message)
        return redirect("customers:recycle-bin")
    messages.success(request, _("%(name)s was restored.") % {"name": label})
    if recyclable.url_of is not None:
        return redirect(recyclable.url_of(record))
    return redirect("customers:recycle-bin")
