"""Sign-in and everything a user does for themselves: language, workspace, profile, security,
two-factor authentication, sessions and API tokens."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.contrib.auth.views import INTERNAL_RESET_SESSION_TOKEN
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import path, reverse, reverse_lazy
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import check_for_language, gettext_lazy, pgettext, pgettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.web.forms import StyledForm, StyledFormMixin

from .. import middleware as mw
from .. import selectors
from ..errors import GuanxiError, RateLimited
from ..models import LANGUAGE_CHOICES, ApiToken, Membership, TokenScope, User
from ..services import auth as auth_services
from ..services import profile as profile_services
from ..services import sessions as session_services
from ..services import tokens as token_services
from ..services import two_factor as two_factor_services
from .helpers import apply_error, start_session

SESSION_TOTP_PENDING_KEY = "guanxi_totp_pending_secret"


# --- Forms ------------------------------------------------------------------------------------


class SignInForm(StyledForm):
    email = forms.EmailField(
        label=gettext_lazy("Email"),
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=gettext_lazy("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class PasswordResetRequestForm(StyledFormMixin, PasswordResetForm):
    """Django's reset form; the email goes out in the user's own language when they chose one."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        user = context.get("user")
        language = getattr(user, "locale", "") or translation.get_language()
        with translation.override(language):
            super().send_mail(
                subject_template_name,
                email_template_name,
                context,
                from_email,
                to_email,
                html_email_template_name,
            )


class NewPasswordForm(StyledFormMixin, SetPasswordForm):
    pass


class CodeForm(StyledForm):
    code = forms.CharField(
        label=gettext_lazy("Six-digit code"),
        max_length=10,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "pattern": "[0-9 ]*",
            }
        ),
    )


class TwoFactorDisableForm(StyledForm):
    password = forms.CharField(
        label=gettext_lazy("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    code = forms.CharField(
        label=gettext_lazy("Six-digit code"),
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class ProfileForm(StyledForm):
    """Choices are offered as selects; the profile service is the one that validates them."""

    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=150)
    locale = forms.CharField(
        label=gettext_lazy("Language"), required=False, widget=forms.Select(choices=[])
    )
    time_zone = forms.CharField(
        label=gettext_lazy("Time zone"),
        required=False,
        widget=forms.Select(choices=[], attrs={"data-tz-select": ""}),
    )

    def __init__(self, *args: Any, workspace_zone: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["locale"].widget.choices = LANGUAGE_CHOICES
        default = (
            _("Workspace default (%(zone)s)") % {"zone": workspace_zone}
            if workspace_zone
            else _("Workspace default")
        )
        self.fields["time_zone"].widget.choices = [("", default)] + [
            (name, name) for name in profile_services.time_zone_names()
        ]


class PasswordChangeForm(StyledForm):
    current_password = forms.CharField(
        label=gettext_lazy("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password1 = forms.CharField(
        label=gettext_lazy("New password"),
        strip=False,
        help_text=gettext_lazy("At least 10 characters; not a common or all-numeric password."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label=gettext_lazy("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("new_password1"), data.get("new_password2")
        if first and second and first != second:
            self.add_error("new_password2", _("The two new passwords do not match."))
        return data


class TokenCreateForm(StyledForm):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=80,
        help_text=gettext_lazy("What will use it, for example “ERP sync”."),
    )
    scope = forms.ChoiceField(label=gettext_lazy("Access"), choices=TokenScope.choices)
    expires_on = forms.DateField(
        label=gettext_lazy("Expires on"),
        required=False,
        help_text=gettext_lazy("Optional. The token stops working at the end of this day."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


# --- Helpers ----------------------------------------------------------------------------------


def _safe_next(request: HttpRequest, fallback: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _membership(request: HttpRequest) -> Membership | None:
    return getattr(request, "membership", None)


def _status(error: GuanxiError) -> int:
    return 429 if isinstance(error, RateLimited) else 400 if error.status == 422 else error.status


# --- Signing in and out -----------------------------------------------------------------------


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
            start_session(request, user)
            target = _safe_next(request)
            if user.has_two_factor:
                query = urlencode({"next": target})
                return redirect(f"{reverse('core:two-factor-challenge')}?{query}")
            if not Membership.objects.active().filter(user=user).exists():
                return redirect("core:no-workspace")
            return redirect(target)
    elif request.method == "POST":
        status = 400
    return render(
        request, "core/sign_in.html", {"form": form, "next": _safe_next(request, "")}, status=status
    )


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        auth_services.sign_out(user=_user(request), session_key=request.session.session_key)
    logout(request)
    return redirect("core:sign-in")


@login_required
def no_workspace(request: HttpRequest) -> HttpResponse:
    """Shown to a signed-in user who belongs to no workspace (removed, or not yet invited)."""
    if _membership(request) is not None:
        return redirect("web:home")
    return render(request, "core/no_workspace.html", {})


# --- Password reset by email --------------------------------------------------------------------


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetRequestForm
    template_name = "core/password_reset.html"
    email_template_name = "core/email/password_reset.txt"
    subject_template_name = "core/email/password_reset_subject.txt"
    success_url = reverse_lazy("core:password-reset-done")

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        # Over the hourly limit the visitor sees the same "check your inbox" page, so the limit
        # reveals nothing about which addresses exist; no email is sent.
        email = form.cleaned_data["email"].strip().lower()
        if not auth_services.password_reset_allowed(email=email, ip=mw.client_ip(self.request)):
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "core/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = NewPasswordForm
    template_name = "core/password_reset_confirm.html"
    success_url = reverse_lazy("core:password-reset-complete")

    def form_valid(self, form: SetPasswordForm) -> HttpResponse:  # type: ignore[override]
        try:
            auth_services.password_reset_complete(
                user=form.user, new_password=form.cleaned_data["new_password1"]
            )
        except GuanxiError as error:
            apply_error(error, form=form)
            return self.form_invalid(form)
        del self.request.session[INTERNAL_RESET_SESSION_TOKEN]
        # Every session of the user has ended; this browser starts over signed out.
        logout(self.request)
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "core/password_reset_complete.html"


# --- Language and workspace -------------------------------------------------------------------


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language; a signed-in user's choice is kept on their profile."""
    language = request.POST.get("language", "")
    response = redirect(_safe_next(request))
    if not check_for_language(language) or language not in dict(settings.LANGUAGES):
        return response
    if request.user.is_authenticated:
        profile_services.profile_set_language(user=_user(request), locale=language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,  # type: ignore[arg-type]
        secure=settings.LANGUAGE_COOKIE_SECURE,
    )
    return response


@login_required
@require_POST
def switch_workspace(request: HttpRequest) -> HttpResponse:
    target = (
        Membership.objects.active()
        .filter(user=_user(request), workspace__slug=request.POST.get("workspace", ""))
        .first()
    )
    if target is not None:
        request.session[mw.SESSION_WORKSPACE_KEY] = target.workspace_id
    return redirect("web:home")


# --- Profile ----------------------------------------------------------------------------------


def _profile_page(
    request: HttpRequest,
    *,
    profile_form: ProfileForm | None = None,
    password_form: PasswordChangeForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = _user(request)
    membership = _membership(request)
    zone = membership.workspace.time_zone if membership else ""
    profile_form = profile_form or ProfileForm(
        initial={"name": user.name, "locale": user.locale, "time_zone": user.time_zone},
        workspace_zone=zone,
    )
    return render(
        request,
        "core/profile.html",
        {"profile_form": profile_form, "password_form": password_form or PasswordChangeForm()},
        status=status,
    )


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _profile_page(request)
    membership = _membership(request)
    form = ProfileForm(
        request.POST, workspace_zone=membership.workspace.time_zone if membership else ""
    )
    if form.is_valid():
        try:
            user = profile_services.profile_update(
                user=_user(request),
                name=form.cleaned_data["name"],
                locale=form.cleaned_data["locale"],
                time_zone=form.cleaned_data["time_zone"],
            )
        except GuanxiError as error:
            apply_error(error, form=form)
        else:
            with translation.override(user.locale or translation.get_language()):
                messages.success(request, _("Your profile was saved."))
            response = redirect("core:profile")
            if user.locale:
                response.set_cookie(
                    settings.LANGUAGE_COOKIE_NAME,
                    user.locale,
                    max_age=365 * 24 * 3600,
                    samesite=settings.LANGUAGE_COOKIE_SAMESITE,  # type: ignore[arg-type]
                    secure=settings.LANGUAGE_COOKIE_SECURE,
                )
            else:
                # Browser default: forget an earlier explicit choice too.
                response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
            return response
    return _profile_page(request, profile_form=form, status=400)


@login_required
@require_POST
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST)
    if form.is_valid():
        user = _user(request)
        old_key = request.session.session_key
        try:
            ended = auth_services.password_change(
                user=user,
                current_password=form.cleaned_data["current_password"],
                new_password=form.cleaned_data["new_password1"],
                keep_session_key=old_key,
            )
        except GuanxiError as error:
            apply_error(error, form=form)
        else:
            # Keeps this browser signed in under a fresh session key.
            update_session_auth_hash(request, user)
            if old_key and request.session.session_key:
                session_services.session_rekey(old_key=old_key, new_key=request.session.session_key)
            messages.success(
                request,
                _("Your password was changed. Other sessions signed out: %(count)d.")
                % {"count": ended},
            )
            return redirect("core:profile")
    return _profile_page(request, password_form=form, status=400)


# --- Security: two-factor status and sessions -------------------------------------------------


def _security_page(
    request: HttpRequest, *, disable_form: TwoFactorDisableForm | None = None, status: int = 200
) -> HttpResponse:
    user = _user(request)
    current_key = request.session.session_key
    rows = [
        {
            "row": row,
            "browser": session_services.describe_user_agent(row.user_agent),
            "current": row.session_key == current_key,
        }
        for row in session_services.session_list(user=user)
    ]
    return render(
        request,
        "core/security.html",
        {
            "sessions": rows,
            "other_sessions": sum(1 for item in rows if not item["current"]),
            "disable_form": disable_form or TwoFactorDisableForm(),
            "required_by": two_factor_services.required_by(user),
        },
        status=status,
    )


@login_required
def security(request: HttpRequest) -> HttpResponse:
    return _security_page(request)


@login_required
@require_POST
def sessions_end_others(request: HttpRequest) -> HttpResponse:
    ended = auth_services.sessions_end_others(
        user=_user(request), keep_session_key=request.session.session_key
    )
    messages.success(request, _("Other sessions signed out: %(count)d.") % {"count": ended})
    return redirect("core:security")


# --- Two-factor authentication ----------------------------------------------------------------


@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if user.has_two_factor:
        messages.info(request, _("Two-factor authentication is already on."))
        return redirect("core:security")
    secret = request.session.get(SESSION_TOTP_PENDING_KEY)
    if not secret:
        secret = two_factor_services.new_secret()
        request.session[SESSION_TOTP_PENDING_KEY] = secret
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                two_factor_services.two_factor_enable(
                    user=user, secret=secret, code=form.cleaned_data["code"]
                )
            except GuanxiError as error:
                apply_error(error, form=form)
                status = _status(error)
            else:
                request.session.pop(SESSION_TOTP_PENDING_KEY, None)
                # The code just proved the second factor for this session.
                request.session[mw.SESSION_TWO_FACTOR_KEY] = True
                messages.success(request, _("Two-factor authentication is on."))
                return redirect("core:security")
    uri = two_factor_services.provisioning_uri(user=user, secret=secret)
    membership = _membership(request)
    return render(
        request,
        "core/two_factor_setup.html",
        {
            "form": form,
            "secret": secret,
            "secret_grouped": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "qr_code": two_factor_services.qr_code_data_uri(uri),
            "required": membership is not None and membership.workspace.require_two_factor,
        },
        status=status,
    )


@login_required
def two_factor_challenge(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    target = _safe_next(request)
    if not user.has_two_factor or request.session.get(mw.SESSION_TWO_FACTOR_KEY):
        return redirect(target)
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                two_factor_services.two_factor_challenge(user=user, code=form.cleaned_data["code"])
            except GuanxiError as error:
                apply_error(error, form=form)
                status = _status(error)
            else:
                request.session[mw.SESSION_TWO_FACTOR_KEY] = True
                if not Membership.objects.active().filter(user=user).exists():
                    return redirect("core:no-workspace")
                return redirect(target)
    return render(
        request,
        "core/two_factor_challenge.html",
        {"form": form, "next": _safe_next(request, "")},
        status=status,
    )


@login_required
@require_POST
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    form = TwoFactorDisableForm(request.POST)
    if form.is_valid():
        try:
            two_factor_services.two_factor_disable(
                user=_user(request),
                password=form.cleaned_data["password"],
                code=form.cleaned_data["code"],
            )
        except GuanxiError as error:
            # A refusal that names no field (a workspace requires 2FA) is shown as a message:
            # the form itself is hidden then.
            apply_error(error, form=form if error.fields else None, request=request)
            return _security_page(request, disable_form=form, status=_status(error))
        messages.success(request, _("Two-factor authentication is off."))
        return redirect("core:security")
    return _security_page(request, disable_form=form, status=400)


# --- API tokens -------------------------------------------------------------------------------


def _end_of_day(day: Any) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(23, 59, 59)))


def _token_status(token: ApiToken, now: datetime) -> tuple[str, str]:
    if token.revoked_at is not None:
        return "revoked", _("Revoked")
    if token.expires_at is not None and token.expires_at <= now:
        return "expired", _("Expired")
    return "active", pgettext("token status", "Active")


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    membership = _membership(request)
    if membership is None:
        return redirect("core:no-workspace")
    form = TokenCreateForm(request.POST or None)
    created: tuple[ApiToken, str] | None = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            expires_on = form.cleaned_data.get("expires_on")
            try:
                created = token_services.token_create(
                    member=membership,
                    name=form.cleaned_data["name"],
                    scope=form.cleaned_data["scope"],
                    expires_at=_end_of_day(expires_on) if expires_on else None,
                )
            except GuanxiError as error:
                if "expires_at" in error.fields:
                    error.fields.pop("expires_at")
                    error.fields["expires_on"] = [_("Choose today or a later date.")]
                apply_error(error, form=form)
            else:
                status = 200
                form = TokenCreateForm()
    now = timezone.now()
    rows = [
        {"token": token, "status": _token_status(token, now)}
        for token in selectors.token_list(member=membership)
    ]
    return render(
        request,
        "core/tokens.html",
        {
            "form": form,
            "tokens": rows,
            "created": created[0] if created else None,
            # The raw secret exists only in this response; only its hash is stored.
            "raw_token": created[1] if created else "",
        },
        status=status,
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    membership = _membership(request)
    if membership is None:
        return redirect("core:no-workspace")
    token = selectors.token_list(member=membership).filter(pk=token_id).first()
    if token is None:
        raise Http404
    token_services.token_revoke(member=membership, token=token)
    messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
    return redirect("core:tokens")


urlpatterns = [
    path("sign-in/", sign_in, name="sign-in"),
    path("sign-out/", sign_out, name="sign-out"),
    path("language/", set_language, name="set-language"),
    path("workspace/switch/", switch_workspace, name="switch-workspace"),
    path("account/no-workspace/", no_workspace, name="no-workspace"),
    path("account/password-reset/", PasswordResetView.as_view(), name="password-reset"),
    path(
        "account/password-reset/sent/",
        PasswordResetDoneView.as_view(),
        name="password-reset-done",
    ),
    path(
        "account/reset/<uidb64>/<token>/",
        PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path(
        "account/reset/done/",
        PasswordResetCompleteView.as_view(),
        name="password-reset-complete",
    ),
    path("account/profile/", profile, name="profile"),
    path("account/password/", password_change, name="password-change"),
    path("account/security/", security, name="security"),
    path("account/sessions/end-others/", sessions_end_others, name="sessions-end-others"),
    path("account/tokens/", tokens, name="tokens"),
    path("account/tokens/<id:token_id>/revoke/", token_revoke, name="token-revoke"),
    path("account/two-factor/", two_factor_challenge, name="two-factor-challenge"),
    path("account/two-factor/setup/", two_factor_setup, name="two-factor-setup"),
    path("account/two-factor/disable/", two_factor_disable, name="two-factor-disable"),
]
