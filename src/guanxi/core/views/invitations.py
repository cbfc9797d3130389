"""Inviting people (settings side) and accepting an invitation (the emailed link).

The link is /invitations/accept/?t=<secret>: request logs record the path only, so the secret
never reaches a log line. The acceptance form posts the secret back in its body.
"""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from guanxi.web.forms import StyledForm

from .. import middleware as mw
from .. import selectors
from ..errors import GuanxiError
from ..models import Membership, Role, User
from ..permissions import can, require
from ..services import invitations as invitation_services
from .admin_pages import choice_field, settings_page, team_choices
from .helpers import apply_error, start_session


def accept_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("core:invitation-accept"))


class InviteForm(StyledForm):
    email = forms.EmailField(label=gettext_lazy("Email"))
    role = forms.ModelChoiceField(label=gettext_lazy("Role"), queryset=Role.objects.none())
    team = forms.ChoiceField(label=gettext_lazy("Team"), required=False)


def _invite_form(actor: Membership, data: Any = None) -> InviteForm:
    form = InviteForm(data)
    roles = selectors.assignable_roles(actor=actor)
    cast(forms.ModelChoiceField, form.fields["role"]).queryset = roles
    default = roles.filter(key="sales_rep").first()
    if default is not None:
        form.fields["role"].initial = default.pk
    choice_field(form, "team").choices = team_choices(actor, blank=_("No team"))
    return form


@settings_page
def invitations(request: HttpRequest, actor: Membership) -> HttpResponse:
    require(actor, "members", "create")
    form = _invite_form(actor, request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            team = form.cleaned_data["team"]
            try:
                invitation = invitation_services.invitation_create(
                    actor=actor,
                    email=form.cleaned_data["email"],
                    role_id=form.cleaned_data["role"].pk,
                    team_id=int(team) if team else None,
                    accept_url=accept_url(request),
                )
            except GuanxiError as error:
                apply_error(error, form=form)
                status = error.status
            else:
                messages.success(
                    request,
                    _("An invitation was sent to %(email)s.") % {"email": invitation.email},
                )
                return redirect("core:invitations")
        else:
            status = 400
    context = {
        "form": form,
        "invitations": selectors.invitation_list(actor=actor),
        "can_view_members": can(actor, "members", "view"),
    }
    return render(request, "core/settings/invitations.html", context, status=status)


@settings_page
@require_POST
def invitation_revoke(request: HttpRequest, actor: Membership, invitation_id: int) -> HttpResponse:
    invitation = selectors.invitation_get(actor=actor, id=invitation_id)
    try:
        invitation_services.invitation_revoke(actor=actor, invitation=invitation)
    except GuanxiError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("The invitation to %(email)s was revoked.") % {"email": invitation.email}
        )
    return redirect("core:invitations")


@settings_page
@require_POST
def invitation_resend(request: HttpRequest, actor: Membership, invitation_id: int) -> HttpResponse:
    invitation = selectors.invitation_get(actor=actor, id=invitation_id)
    try:
        invitation_services.invitation_resend(
            actor=actor, invitation=invitation, accept_url=accept_url(request)
        )
    except GuanxiError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("A new invitation link was sent to %(email)s.") % {"email": invitation.email},
        )
    return redirect("core:invitations")


# --- Accepting ----------------------------------------------------------------------------------


class NewAccountForm(StyledForm):
    name = forms.CharField(
        label=gettext_lazy("Your name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name", "autofocus": True}),
    )
    password = forms.CharField(
        label=gettext_lazy("Choose a password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=gettext_lazy("At least 10 characters; not a common password."),
    )


TEMPLATE = "core/invitation_accept.html"


def _accept_path(raw: str) -> str:
    return f"{reverse('core:invitation-accept')}?{urlencode({'t': raw})}"


def _join(request: HttpRequest, membership: Membership) -> HttpResponse:
    request.session[mw.SESSION_WORKSPACE_KEY] = membership.workspace_id
    messages.success(
        request, _("Welcome to %(workspace)s.") % {"workspace": membership.workspace.name}
    )
    return redirect("web:home")


def invitation_accept(request: HttpRequest) -> HttpResponse:
    """GET shows what the invitation is and the form that fits the visitor; POST accepts.

    Signed in with the invited address: confirm and join. Signed in with another address: refused
    with an explanation. Signed out with an existing account: sign in first (the normal sign-in,
    with its lockout and two-factor challenge, brings them back here). Signed out without an
    account: choose a name and password."""
    raw = (request.POST.get("t") if request.method == "POST" else request.GET.get("t")) or ""
    invitation = invitation_services.invitation_find(raw)
    try:
        invitation_services.invitation_check(invitation)
    except invitation_services.InvitationUnusable as error:
        return render(
            request,
            TEMPLATE,
            {"problem": error.reason, "message": error.message},
            status=404 if error.reason == "invalid" else 410,
        )
    assert invitation is not None
    user = request.user if request.user.is_authenticated else None
    mismatch = user is not None and user.email.lower() != invitation.email.lower()
    existing = user is None and User.objects.filter(email=invitation.email).exists()
    form = None
    if user is None and not existing:
        form = NewAccountForm(request.POST if request.method == "POST" else None)
    context = {
        "invitation": invitation,
        "raw": raw,
        "form": form,
        "mismatch": mismatch,
        "existing": existing,
        "sign_in_url": f"{reverse('core:sign-in')}?{urlencode({'next': _accept_path(raw)})}",
    }
    if request.method != "POST":
        return render(request, TEMPLATE, context, status=403 if mismatch else 200)
    if mismatch:
        return render(request, TEMPLATE, context, status=403)
    if existing:
        return redirect(str(context["sign_in_url"]))
    if form is not None and not form.is_valid():
        return render(request, TEMPLATE, context, status=400)
    try:
        if user is not None:
            membership = invitation_services.invitation_accept(raw=raw, user=user)  # type: ignore[arg-type]
        else:
            assert form is not None
            membership = invitation_services.invitation_accept(
                raw=raw, name=form.cleaned_data["name"], password=form.cleaned_data["password"]
            )
            start_session(request, membership.user)
    except invitation_services.InvitationUnusable as error:
        return render(
            request, TEMPLATE, {"problem": error.reason, "message": error.message}, status=410
        )
    except GuanxiError as error:
        apply_error(error, form=form, request=request if form is None else None)
        return render(request, TEMPLATE, context, status=error.status)
    return _join(request, membership)


urlpatterns = [
    path("settings/members/invitations/", invitations, name="invitations"),
    path(
        "settings/members/invitations/<id:invitation_id>/revoke/",
        invitation_revoke,
        name="invitation-revoke",
    ),
    path(
        "settings/members/invitations/<id:invitation_id>/resend/",
        invitation_resend,
        name="invitation-resend",
    ),
    path("invitations/accept/", invitation_accept, name="invitation-accept"),
]
