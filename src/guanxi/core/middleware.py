"""Request plumbing: request context for logs and audit, the current workspace, the user's
language, two-factor enforcement, browser-session activity and the API body size limit."""

from __future__ import annotations

import ipaddress
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode

from . import context
from .models import Membership

logger = logging.getLogger("guanxi.request")
SESSION_WORKSPACE_KEY = "guanxi_workspace_id"
SESSION_TWO_FACTOR_KEY = "guanxi_two_factor_ok"


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The client's address. Behind TRUSTED_PROXY_COUNT proxies, the address the outermost trusted
    proxy saw (counted from the right of X-Forwarded-For: entries further left are written by
    the client and cannot be trusted). Anything that is not an IP address counts as unknown."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        hops = [
            hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()
        ]
        if len(hops) >= proxies:
            return _valid_ip(hops[-proxies])
    return _valid_ip(request.META.get("REMOTE_ADDR") or "")


# Paths that carry a secret (password reset links): logged without it.
SECRET_PATH_PREFIXES = ("/account/reset/",)


def loggable_path(path: str) -> str:
    for prefix in SECRET_PATH_PREFIXES:
        if path.startswith(prefix):
            return prefix + "[redacted]"
    return path


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = (
            incoming if 0 < len(incoming) <= 64 and incoming.isprintable() else uuid.uuid4().hex
        )
        request.request_id = request_id  # type: ignore[attr-defined]
        token = context.begin(
            context.RequestContext(
                request_id=request_id,
                ip=client_ip(request),
                user_agent=request.headers.get("User-Agent", "")[:400],
            )
        )
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            if not request.path.startswith(settings.STATIC_URL):
                logger.info(
                    "%s %s %s",
                    request.method,
                    loggable_path(request.path),
                    response.status_code,
                    extra={
                        "status": response.status_code,
                        "duration_ms": round((time.monotonic() - started) * 1000, 1),
                    },
                )
            return response
        finally:
            context.end(token)


class ApiBodySizeMiddleware:
    """Answers 413 with the error envelope before an oversized API body is read."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            limit = settings.API_MAX_BODY_BYTES
            if request.method == "POST" and request.path.rstrip("/") == "/api/v1/imports":
                # File uploads of imports are streamed to disk, not held in memory.
                limit = settings.IMPORT_MAX_UPLOAD_BYTES
            if length > limit:
                return JsonResponse(
                    {
                        "error": {
                            "code": "payload_too_large",
                            "message": f"The request body is larger than {limit} bytes.",
                            "fields": {},
                        }
                    },
                    status=413,
                )
        return self.get_response(request)


def memberships_of(user: Any) -> list[Membership]:
    return list(
        Membership.objects.active()
        .filter(user=user, workspace__isnull=False)
        .select_related("workspace", "role", "team")
        .order_by("workspace__name")
    )


class WorkspaceMiddleware:
    """Sets request.membership: the signed-in user's active membership in the workspace chosen in
    the session (the first one otherwise). API requests get theirs from the token instead."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = None  # type: ignore[attr-defined]
        if request.user.is_authenticated and not request.path.startswith("/api/"):
            chosen = request.session.get(SESSION_WORKSPACE_KEY)
            query = (
                Membership.objects.active()
                .select_related("workspace", "role", "team", "user")
                .filter(user=request.user)
            )
            membership = query.filter(workspace_id=chosen).first() if chosen else None
            if membership is None:
                membership = query.order_by("workspace__name").first()
                if membership is not None:
                    request.session[SESSION_WORKSPACE_KEY] = membership.workspace_id
            request.membership = membership  # type: ignore[attr-defined]
            ctx = context.current()
            ctx.user = str(request.user.pk)
            ctx.workspace = membership.workspace.slug if membership else ""
        return self.get_response(request)


class UserLocaleMiddleware:
    """The signed-in user's chosen language wins over Accept-Language."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.locale:
            translation.activate(user.locale)
            request.LANGUAGE_CODE = translation.get_language()  # type: ignore[attr-defined]
        return self.get_response(request)


# Pages a user may open while their second factor is still pending or being set up.
TWO_FACTOR_OPEN = (
    "core:two-factor-challenge",
    "core:two-factor-setup",
    "core:sign-out",
    "core:sign-in",
    "core:set-language",
    "core:switch-workspace",
    "core:no-workspace",
)


class TwoFactorMiddleware:
    """A user with TOTP must pass the challenge once per session; in a workspace that requires
    two-factor authentication, a user without it is sent to set it up."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not request.path.startswith(
            ("/api/", settings.STATIC_URL, "/manifest.webmanifest")
        ):
            open_paths = {reverse(name) for name in TWO_FACTOR_OPEN}
            if request.path not in open_paths:
                if user.has_two_factor and not request.session.get(SESSION_TWO_FACTOR_KEY):
                    query = urlencode({"next": request.get_full_path()})
                    return redirect(f"{reverse('core:two-factor-challenge')}?{query}")
                membership = getattr(request, "membership", None)
                if (
                    membership is not None
                    and membership.workspace.require_two_factor
                    and not user.has_two_factor
                ):
                    return redirect(reverse("core:two-factor-setup"))
        return self.get_response(request)


# The session remembers when it was last marked as seen, so the row is written at most once a
# minute per session rather than on every request.
SESSION_SEEN_KEY = "guanxi_seen_at"
SESSION_SEEN_EVERY_SECONDS = 60


class SessionActivityMiddleware:
    """Keeps the signed-in session's UserSession row (shown on the Security page) up to date:
    last_seen_at and the address, at most once a minute. Belongs after AuthenticationMiddleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if (
            user is not None
            and user.is_authenticated
            and session is not None
            and session.session_key
            and not request.path.startswith(("/api/", settings.STATIC_URL))
        ):
            now = int(time.time())
            if now - int(session.get(SESSION_SEEN_KEY, 0)) >= SESSION_SEEN_EVERY_SECONDS:
                from .services.sessions import session_touch

                session_touch(
                    user=user,
                    session_key=session.session_key,
                    ip=client_ip(request),
                    user_agent=request.headers.get("User-Agent", ""),
                    session_exists=lambda: session.exists(session.session_key),
                )
                session[SESSION_SEEN_KEY] = now
        return self.get_response(request)
