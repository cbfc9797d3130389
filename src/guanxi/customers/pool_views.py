"""Public pool (公海) pages: browse a pool and claim, the ownership panel on record pages (claim,
return with a reason, assign), and the pool and holding-limit settings."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from guanxi.core.apikit import keyset_page
from guanxi.core.errors import GuanxiError, NotFound, PermissionDenied
from guanxi.core.models import Membership, Role, Team
from guanxi.core.permissions import can
from guanxi.core.views.helpers import membership_required
from guanxi.web.forms import StyledForm

from . import selectors
from .models import CustomerPool, HoldingLimit, PicklistKey, PoolAction, PoolEvent, PoolMember
from .services import pool as pool_services
from .services import pool_settings

app_name = "pool"
PAGE_SIZE = 50
TYPES = {"accounts": gettext_lazy("Accounts"), "contacts": gettext_lazy("Contacts")}


def _actor(request: HttpRequest) -> Membership:
    return membership_required(request)


def _record_url(object_type: str, pk: int) -> str:
    name = "customers:account" if object_type == "accounts" else "customers:contact"
    return reverse(name, args=[pk])


def _claims_today(actor: Membership, object_type: str) -> int:
    return PoolEvent.objects.filter(
        workspace_id=actor.workspace_id,
        actor_id=actor.user_id,
        object_type=object_type,
        action=PoolAction.CLAIM,
        created_at__gte=pool_services._local_midnight(actor.workspace_id, timezone.now()),
    ).count()


@login_required
def pool_list(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """One pool's unowned records (contact details masked if the pool says so), newest first."""
    actor = _actor(request)
    pools = selectors.pools_visible(actor=actor) if can(actor, "pools", "view") else []
    if not pools:
        raise DjangoPermissionDenied
    pool = next((p for p in pools if p.pk == pk), pools[0]) if pk else pools[0]
    if pk and pool.pk != pk:
        raise Http404
    q = request.GET.get("q", "")[:100]
    try:
        queryset = selectors.pool_record_queryset(actor=actor, pool=pool, q=q)
        shape = selectors.pool_record_shaper(actor=actor, pool=pool)
        levels = selectors.picklist_labels(workspace_id=actor.workspace_id).get(
            PicklistKey.ACCOUNT_LEVEL, {}
        )
        page = keyset_page(
            queryset,
            order=["-id"],
            cursor=request.GET.get("cursor") or None,
            limit=PAGE_SIZE,
            serialize=lambda r: {
                **shape(r),
                "record": r,
                "level_label": levels.get(getattr(r, "level", ""), getattr(r, "level", "")),
            },
        )
    except GuanxiError as error:
        raise Http404 from error
    # Records the member gave up lately are shown, but their Claim button says why it is off.
    barred = pool_services.reclaim_barred(
        actor, pool.object_type, pool, [row["record"].pk for row in page["items"]]
    )
    for row in page["items"]:
        row["claim_barred"] = row["record"].pk in barred
    context = {
        "pools": pools,
        "pool": pool,
        "type_label": TYPES.get(pool.object_type, pool.object_type),
        "rows": page["items"],
        "reclaim_barred_message": pool_services.reclaim_barred_message(pool) if barred else "",
        "next_cursor": page["next_cursor"],
        "q": q,
        "can_claim": can(actor, pool.object_type, "edit"),
        "can_assign": can(actor, pool.object_type, "assign"),
        "perms_edit_workspace": can(actor, "workspace", "edit"),
        "members": _assignable(actor) if can(actor, pool.object_type, "assign") else [],
        "claims_today": _claims_today(actor, pool.object_type),
        "holding_limit": pool_services.holding_limit(actor, pool.object_type),
        "holding_count": pool_services.holding_count(
            actor.workspace_id, pool.object_type, actor.user_id
        ),
    }
    if getattr(request, "htmx", False) and request.GET.get("cursor"):
        return render(request, "pool/list.html#rows", context)
    return render(request, "pool/list.html", context)


def _assignable(actor: Membership) -> list[Membership]:
    return list(
        Membership.objects.filter(workspace_id=actor.workspace_id, is_active=True)
        .select_related("user")
        .order_by("user__name")
    )


def _after_action(request: HttpRequest, fallback: str) -> HttpResponse:
    target = request.POST.get("next") or fallback
    if not target.startswith("/") or target.startswith("//"):
        target = fallback
    response = redirect(target)
    return response


@login_required
@require_POST
def claim(request: HttpRequest, object_type: str, pk: int) -> HttpResponse:
    actor = _actor(request)
    if object_type not in TYPES:
        raise Http404
    try:
        record = pool_services.record_claim(actor=actor, object_type=object_type, record_id=pk)
    except NotFound:
        raise Http404
    except PermissionDenied as error:
        raise DjangoPermissionDenied(error.message)
    except GuanxiError as error:
        messages.error(request, error.message)
        return _after_action(request, reverse("pool:list"))
    messages.success(request, _("%(name)s is yours now.") % {"name": record})
    return redirect(_record_url(object_type, record.pk))


class ReturnForm(StyledForm):
    reason = forms.CharField(
        label=gettext_lazy("Why does it go back?"),
        max_length=255,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("e.g. no budget this year")}),
    )


class AssignForm(StyledForm):
    owner_id = forms.TypedChoiceField(label=gettext_lazy("Assign to"), coerce=int)


@login_required
@require_POST
def return_to_pool(request: HttpRequest, object_type: str, pk: int) -> HttpResponse:
    actor = _actor(request)
    if object_type not in TYPES:
        raise Http404
    form = ReturnForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the customer goes back."))
        return redirect(_record_url(object_type, pk))
    try:
        pool_services.record_return(
            actor=actor, object_type=object_type, record_id=pk, reason=form.cleaned_data["reason"]
        )
    except NotFound:
        raise Http404
    except PermissionDenied as error:
        raise DjangoPermissionDenied(error.message)
    except GuanxiError as error:
        messages.error(request, error.message)
        return redirect(_record_url(object_type, pk))
    messages.success(request, _("Returned to the pool."))
    return redirect("pool:list")


@login_required
@require_POST
def assign(request: HttpRequest, object_type: str, pk: int) -> HttpResponse:
    actor = _actor(request)
    if object_type not in TYPES:
        raise Http404
    try:
        owner_id = int(request.POST.get("owner_id", ""))
    except ValueError:
        messages.error(request, _("Choose a member."))
        return _after_action(request, _record_url(object_type, pk))
    try:
        record = pool_services.record_assign(
            actor=actor, object_type=object_type, record_id=pk, owner_id=owner_id
        )
    except NotFound:
        raise Http404
    except PermissionDenied as error:
        raise DjangoPermissionDenied(error.message)
    except GuanxiError as error:
        messages.error(request, error.message)
        return _after_action(request, _record_url(object_type, pk))
    messages.success(request, _("%(name)s was assigned.") % {"name": record})
    return _after_action(request, _record_url(object_type, pk))


# --- The ownership panel on record pages ------------------------------------------------------


def ownership_panel(object_type: str) -> Any:
    def context(actor: Membership, record: Any) -> dict[str, Any] | None:
        if not can(actor, object_type, "view"):
            return None
        pool = record.pool or pool_services.default_pool(actor.workspace_id, object_type)
        may_edit = can(actor, object_type, "edit")
        may_claim = may_edit and record.owner_id is None
        barred = bool(
            may_claim
            and pool is not None
            and pool_services.reclaim_barred(actor, object_type, pool, [record.pk])
        )
        return {
            "object_type": object_type,
            "record": record,
            "pool": pool,
            "in_pool": record.owner_id is None,
            "can_claim": may_claim and not barred,
            "claim_barred_message": (
                pool_services.reclaim_barred_message(pool) if barred and pool else ""
            ),
            "can_return": may_edit
            and record.owner_id is not None
            and (record.owner_id == actor.user_id or can(actor, object_type, "assign")),
            "can_assign": can(actor, object_type, "assign"),
            "members": _assignable(actor) if can(actor, object_type, "assign") else [],
            "return_form": ReturnForm(),
            "recent": list(
                PoolEvent.objects.filter(
                    workspace_id=actor.workspace_id, object_type=object_type, record_id=record.pk
                )
                .select_related("actor", "new_owner", "previous_owner")
                .order_by("-created_at", "-id")[:3]
            ),
        }

    return context


# --- Settings -------------------------------------------------------------------------------------


class PoolForm(StyledForm):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=80)
    no_follow_up_days = forms.IntegerField(
        label=gettext_lazy("Recycle after days without follow-up"),
        required=False,
        min_value=1,
        max_value=3650,
    )
    no_deal_days = forms.IntegerField(
        label=gettext_lazy("Recycle after days without a won deal"),
        required=False,
        min_value=1,
        max_value=3650,
    )
    remind_days_before = forms.IntegerField(
        label=gettext_lazy("Remind the owner this many days before"),
        required=False,
        min_value=1,
        max_value=3650,
    )
    daily_claim_limit = forms.IntegerField(
        label=gettext_lazy("Claims per rep per day"), required=False, min_value=1, max_value=3650
    )
    reclaim_block_days = forms.IntegerField(
        label=gettext_lazy("Days before a previous owner may claim again"),
        required=False,
        min_value=1,
        max_value=3650,
    )
    exempt_customers = forms.BooleanField(
        label=gettext_lazy("Never recycle won customers"), required=False
    )
    exempt_open_deals = forms.BooleanField(
        label=gettext_lazy("Never recycle customers with an open deal"), required=False
    )
    mask_contact_details = forms.BooleanField(
        label=gettext_lazy("Hide phone numbers and emails until claimed"), required=False
    )
    teams = forms.MultipleChoiceField(label=gettext_lazy("Teams that may claim"), required=False)
    users = forms.MultipleChoiceField(
        label=gettext_lazy("People who may claim"),
        required=False,
        help_text=gettext_lazy("Leave both empty to open the pool to everyone."),
    )

    def __init__(self, *args: Any, actor: Membership, levels: list[Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["teams"]).choices = [
            (t.pk, t.name) for t in Team.objects.filter(workspace_id=actor.workspace_id)
        ]
        cast(forms.ChoiceField, self.fields["users"]).choices = [
            (m.user_id, m.user.name) for m in _assignable(actor)
        ]
        self.levels = levels
        for level in levels:
            self.fields[f"level_{level.value}"] = forms.IntegerField(
                label=_("Days without follow-up for level %(level)s") % {"level": level.label},
                required=False,
                min_value=1,
                max_value=3650,
            )


def _settings_context(actor: Membership) -> dict[str, Any]:
    pools = list(
        CustomerPool.objects.filter(workspace_id=actor.workspace_id).order_by(
            "object_type", "-is_default", "name"
        )
    )
    limits = list(
        HoldingLimit.objects.filter(workspace_id=actor.workspace_id).select_related(
            "user", "team", "role"
        )
    )
    return {"pools": pools, "limits": limits, "type_labels": TYPES}


@login_required
def pool_settings_page(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    actor = _actor(request)
    if not can(actor, "workspace", "edit"):
        raise DjangoPermissionDenied
    levels = selectors.picklist(workspace_id=actor.workspace_id, list_key=PicklistKey.ACCOUNT_LEVEL)
    pool = None
    if pk is not None:
        pool = CustomerPool.objects.filter(workspace_id=actor.workspace_id, pk=pk).first()
        if pool is None:
            raise Http404
    initial: dict[str, Any] = {}
    if pool is not None:
        initial = {
            name: getattr(pool, name)
            for name in (
                "name",
                "no_follow_up_days",
                "no_deal_days",
                "remind_days_before",
                "daily_claim_limit",
                "reclaim_block_days",
                "exempt_customers",
                "exempt_open_deals",
                "mask_contact_details",
            )
        }
        members = list(PoolMember.objects.filter(pool=pool))
        initial["teams"] = [str(m.team_id) for m in members if m.team_id]
        initial["users"] = [str(m.user_id) for m in members if m.user_id]
        for level, days in (pool.no_follow_up_days_by_level or {}).items():
            initial[f"level_{level}"] = days
    form = PoolForm(request.POST or None, initial=initial, actor=actor, levels=levels)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        by_level = {
            level.value: data.pop(f"level_{level.value}")
            for level in levels
            if data.get(f"level_{level.value}")
        }
        for level in levels:
            data.pop(f"level_{level.value}", None)
        data["members"] = {
            "teams": [int(t) for t in data.pop("teams")],
            "users": [int(u) for u in data.pop("users")],
        }
        data["no_follow_up_days_by_level"] = by_level
        try:
            if pool is None:
                object_type = request.POST.get("object_type", "accounts")
                pool = pool_settings.pool_create(actor=actor, object_type=object_type, data=data)
            else:
                pool_settings.pool_update(
                    actor=actor, pool=pool, data=data, version=int(request.POST.get("version", 0))
                )
        except GuanxiError as error:
            from guanxi.core.views.helpers import apply_error

            apply_error(error, form=form)
        else:
            messages.success(request, _("Pool saved."))
            return redirect("pool:settings")
    context = {**_settings_context(actor), "form": form, "editing": pool, "type_labels": TYPES}
    return render(request, "pool/settings.html", context)


class HoldingLimitForm(StyledForm):
    target = forms.ChoiceField(label=gettext_lazy("Who"))
    limit = forms.IntegerField(
        label=gettext_lazy("Customers they may own (won customers not counted)"),
        min_value=0,
        max_value=1_000_000,
        required=False,
        help_text=gettext_lazy("Leave empty to remove the limit."),
    )

    def __init__(self, *args: Any, actor: Membership, **kwargs: Any):
        super().__init__(*args, **kwargs)
        people = [(f"user:{m.user_id}", m.user.name) for m in _assignable(actor)]
        teams = [
            (f"team:{t.pk}", t.name) for t in Team.objects.filter(workspace_id=actor.workspace_id)
        ]
        roles = [
            (f"role:{r.pk}", r.name)
            for r in Role.objects.filter(workspace_id=actor.workspace_id, is_owner=False)
        ]
        cast(forms.ChoiceField, self.fields["target"]).choices = [
            (_("People"), people),
            (_("Teams"), teams),
            (_("Roles"), roles),
        ]


@login_required
def holding_limits(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    if not can(actor, "workspace", "edit"):
        raise DjangoPermissionDenied
    form = HoldingLimitForm(request.POST or None, actor=actor)
    if request.method == "POST" and form.is_valid():
        kind, _sep, raw_id = form.cleaned_data["target"].partition(":")
        try:
            pool_settings.holding_limit_set(
                actor=actor,
                object_type="accounts",
                limit=form.cleaned_data["limit"],
                **{f"{kind}_id": int(raw_id)},
            )
        except GuanxiError as error:
            from guanxi.core.views.helpers import apply_error

            apply_error(error, form=form)
        else:
            messages.success(request, _("Holding limit saved."))
            return redirect("pool:settings")
    context = {**_settings_context(actor), "limit_form": form, "type_labels": TYPES}
    return render(request, "pool/settings.html", context)


urlpatterns = [
    path("pool/", pool_list, name="list"),
    path("pool/<id:pk>/", pool_list, name="pool"),
    path("pool/<str:object_type>/<id:pk>/claim/", claim, name="claim"),
    path("pool/<str:object_type>/<id:pk>/return/", return_to_pool, name="return"),
    path("pool/<str:object_type>/<id:pk>/assign/", assign, name="assign"),
    path("settings/pools/", pool_settings_page, name="settings"),
    path("settings/pools/new/", pool_settings_page, name="new"),
    path("settings/pools/<id:pk>/", pool_settings_page, name="edit"),
    path("settings/holding-limits/", holding_limits, name="holding-limits"),
]
