"""Sign-in and everything a user does for themselves: language, workspace, profile, security,
two-factor authentication, sessions and API tokens."""

from __future__ import annotations

from django import forms
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from guanxi.web.forms import StyledForm

from .. import middleware as mw
from ..errors import GuanxiError, RateLimited
from ..models import Membership
from ..services import auth as auth_services
from .helpers import apply_error


class SignInForm(StyledForm):
    email = forms.EmailField(
        label=_("Email"),
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


def _safe_next(request: HttpRequest, fallback: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def sign_in(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(_safe_next(request))
    form = SignInForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            user = auth_services.sign_in_check(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                ip=mw.client_ip(request),
            )
        except GuanxiError as error:
            apply_error(error, form=form)
            status = 429 if isinstance(error, RateLimited) else 400
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            if user.locale:
                request.session["_language"] = user.locale
            return redirect(_safe_next(request))
    elif request.method == "POST":
        status = 400
    return render(
        request, "core/sign_in.html", {"form": form, "next": _safe_next(request, "")}, status=status
    )


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        auth_services.record_sign_out(request.user)
    logout(request)
    return redirect("core:sign-in")


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language; a signed-in user's choice is kept on their profile."""
    from django.conf import settings

    language = request.POST.get("language", "")
    response = redirect(_safe_next(request))
    if not check_for_language(language) or language not in dict(settings.LANGUAGES):
        return response
    if request.user.is_authenticated:
        request.user.locale = language
        request.user.save(update_fields=["locale"])
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        secure=settings.LANGUAGE_COOKIE_SECURE,
    )
    return response


@login_required
@require_POST
def switch_workspace(request: HttpRequest) -> HttpResponse:
    target = (
        Membership.objects.active()
        .filter(user=request.user, workspace__slug=request.POST.get("workspace", ""))
        .first()
    )
    if target is not None:
        request.session[mw.SESSION_WORKSPACE_KEY] = target.workspace_id
    return redirect("web:home")


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    return render(request, "core/profile.html", {})


@login_required
def security(request: HttpRequest) -> HttpResponse:
    return render(request, "core/profile.html", {})


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    return render(request, "core/profile.html", {})


@login_required
def two_factor_challenge(request: HttpRequest) -> HttpResponse:
    return render(request, "core/profile.html", {})


@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    return render(request, "core/profile.html", {})


urlpatterns = [
    path("sign-in/", sign_in, name="sign-in"),
    path("sign-out/", sign_out, name="sign-out"),
    path("language/", set_language, name="set-language"),
    path("workspace/switch/", switch_workspace, name="switch-workspace"),
    path("account/profile/", profile, name="profile"),
    path("account/security/", security, name="security"),
    path("account/tokens/", tokens, name="tokens"),
    path("account/two-factor/", two_factor_challenge, name="two-factor-challenge"),
    path("account/two-factor/setup/", two_factor_setup, name="two-factor-setup"),
]
