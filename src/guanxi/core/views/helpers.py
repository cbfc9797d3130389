"""The UI side of the domain errors: turn them into form errors or messages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest

from ..errors import GuanxiError
from ..models import Membership, User


def membership_required(request: HttpRequest) -> Membership:
    """The current membership; views behind login_required always have one unless the user
    belongs to no workspace, which the sign-in flow prevents."""
    membership = getattr(request, "membership", None)
    if membership is None:
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    return membership


def apply_error(
    error: GuanxiError, *, form: forms.Form | None = None, request: HttpRequest | None = None
) -> None:
    """Attach a domain error to the form fields it names, or show it as a message."""
    if form is not None:
        placed = False
        for name, problems in error.fields.items():
            field = name.removesuffix("_id")
            target = name if name in form.fields else field if field in form.fields else None
            for problem in problems:
                form.add_error(target, problem)
            placed = True
        if not placed:
            form.add_error(None, error.message)
    elif request is not None:
        messages.error(request, error.message)


def form_data(form: forms.Form, *names: str) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in names if name in form.cleaned_data}


def start_session(request: HttpRequest, user: User) -> None:
    """Sign `user` in on this browser and remember the session (for the sessions list).
    The one way every page signs someone in: the sign-in form, invitation acceptance."""
    from .. import middleware
    from ..services import auth as auth_services

    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    auth_services.sign_in_complete(
        user=user,
        session_key=request.session.session_key or "",
        ip=middleware.client_ip(request),
        user_agent=request.headers.get("User-Agent", ""),
    )
