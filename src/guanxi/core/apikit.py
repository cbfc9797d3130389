"""Shared pieces for every module's API: authentication, the error envelope, cursor pagination,
request schemas that refuse unknown fields, and the permission marker the route sweeps read."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from datetime import date, datetime
from datetime import time as time_of_day
from decimal import Decimal
from typing import Any, ClassVar, Generic, Self, TypeVar
from uuid import UUID

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import models
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer
from pydantic import ConfigDict, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError
from pydantic_core import ValidationError as PydanticValidationError

from . import context, counters
from .errors import GuanxiError, PermissionDenied, RateLimited, ValidationFailed
from .models import TokenScope
from .services.tokens import token_authenticate

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# Envelope codes for the HTTP errors django-ninja raises itself.
HTTP_ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
}
T = TypeVar("T")


class InputSchema(Schema):
    """Base for request bodies: an unknown field is a 422, so nobody can mass-assign
    `workspace`, `owner`, `id`, `version` or timestamps.

    A PATCH field is optional (absent = unchanged) but not always nullable: fields named in
    `non_nullable` answer 422 for an explicit `null` instead of handing None to the service,
    where it would read as "false" or "empty" (`{"is_active": null}` must not deactivate)."""

    model_config = ConfigDict(extra="forbid")
    non_nullable: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _refuse_explicit_nulls(self) -> Self:
        refused = sorted(
            name
            for name in self.model_fields_set & self.non_nullable
            if getattr(self, name) is None
        )
        if refused:
            # A ValidationError (a ValueError) keeps one location per field, so the error
            # envelope names each refused field in `error.fields`, not under "__all__".
            raise PydanticValidationError.from_exception_data(
                type(self).__name__,
                [
                    InitErrorDetails(
                        type=PydanticCustomError(
                            "null_not_allowed", _("This field cannot be null.")
                        ),
                        loc=(name,),
                        input=None,
                    )
                    for name in refused
                ],
            )
        return self


class PageOut(Schema, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


# --- Authentication and rate limiting ---------------------------------------------------------


def _rate_limit(token_id: int) -> None:
    count = counters.hit(f"api-rate:{token_id}", 60)
    if count > settings.API_RATE_LIMIT_PER_MINUTE:
        raise RateLimited(retry_after=counters.seconds_left(60))


class BearerToken(HttpBearer):
    """Bearer token auth. Sets request.membership and request.api_token; enforces the token's
    scope (read tokens may only read) and the per-token rate limit."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        earlier = getattr(request, "authenticated_token", None)  # set by IdempotencyMiddleware
        found = earlier[1] if earlier and earlier[0] == token else token_authenticate(token)
        if found is None:
            return None
        api_token, membership = found
        _rate_limit(api_token.pk)
        if request.method not in SAFE_METHODS and api_token.scope != TokenScope.WRITE:
            raise PermissionDenied(_("This token is read-only; create a token with write scope."))
        request.membership = membership  # type: ignore[attr-defined]
        request.api_token = api_token  # type: ignore[attr-defined]
        ctx = context.current()
        ctx.user = str(membership.user_id)
        ctx.workspace = membership.workspace.slug
        return membership


def permission(object_type: str | None, action: str | None) -> dict[str, Any]:
    """openapi_extra marking the permission a route needs; the route sweep reads it.
    Use `permission(None, None)` for routes any authenticated member may call."""
    return {"x-guanxi-permission": f"{object_type}.{action}" if object_type else None}


# --- Errors -----------------------------------------------------------------------------------


def error_body(
    code: str, message: str, fields: dict[str, list[str]] | None = None, **extra: Any
) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}, **extra}}


def install_error_handlers(api: Any) -> None:
    def respond(request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
        return api.create_response(request, body, status=status)

    @api.exception_handler(GuanxiError)
    def guanxi_error(request: HttpRequest, exc: GuanxiError) -> HttpResponse:
        response = respond(
            request, exc.status, error_body(exc.code, exc.message, exc.fields, **exc.extra)
        )
        if isinstance(exc, RateLimited):
            response["Retry-After"] = str(exc.retry_after)
        return response

    @api.exception_handler(NinjaValidationError)
    def validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        fields: dict[str, list[str]] = {}
        for err in exc.errors:
            loc = [
                str(part)
                for part in err.get("loc", ())
                if part not in ("body", "payload", "query", "path")
            ]
            name = ".".join(loc) or "__all__"
            message = err.get("msg", "invalid")
            if err.get("type") == "extra_forbidden":
                message = _("Unknown field.")
            fields.setdefault(name, []).append(message)
        return respond(
            request, 422, error_body("validation_error", _("Some fields are not valid."), fields)
        )

    @api.exception_handler(AuthenticationError)
    def auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = respond(
            request, 401, error_body("unauthorized", _("A valid Bearer token is required."))
        )
        response["WWW-Authenticate"] = "Bearer"
        return response

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(request, 404, error_body("not_found", _("Not found.")))

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        # ninja raises HttpError(400, "Cannot parse request body") for malformed JSON.
        status = exc.status_code
        code = HTTP_ERROR_CODES.get(status, "bad_request" if status < 500 else "server_error")
        message = str(exc)
        if status == 400 and "parse" in message.lower():
            message = _("The request body is not valid JSON.")
        return respond(request, status, error_body(code, message))

    @api.exception_handler(OverflowError)
    def out_of_range(request: HttpRequest, exc: OverflowError) -> HttpResponse:
        # An id or a date beyond what the database stores (e.g. /users/99999999999999999999999,
        # since=0001-01-01T00:00:00+08:00): the client's mistake, not a server error.
        return respond(
            request, 422, error_body("validation_error", _("A number or a date is out of range."))
        )

    @api.exception_handler(RequestDataTooBig)
    def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return respond(
            request, 413, error_body("payload_too_large", _("The request body is too large."))
        )

    @api.exception_handler(json.JSONDecodeError)
    def bad_json(request: HttpRequest, exc: Exception) -> HttpResponse:
        return respond(
            request, 400, error_body("bad_request", _("The request body is not valid JSON."))
        )


# --- Cursor (keyset) pagination -----------------------------------------------------------------


def clamp_limit(limit: int | None, default: int = 50) -> int:
    if limit is None:
        return default
    if limit < 1:
        raise ValidationFailed(fields={"limit": [_("Must be at least 1.")]})
    return min(limit, settings.API_PAGE_MAX)


_BIGINT = 2**63


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date | time_of_day):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    return value


def _encode(values: Sequence[Any]) -> str:
    return (
        base64.urlsafe_b64encode(
            json.dumps([_plain(v) for v in values], separators=(",", ":")).encode()
        )
        .decode()
        .rstrip("=")
    )


def _cursor_value(field: Any, raw: Any) -> Any:
    """The typed value of one cursor key; ValueError for anything a page could not have made."""
    if raw is None or isinstance(raw, list | dict):
        raise ValueError
    if isinstance(field, models.BooleanField):
        if not isinstance(raw, bool):
            raise ValueError
        return raw
    if isinstance(raw, bool):
        raise ValueError
    if isinstance(field, models.IntegerField | models.AutoField):
        if not isinstance(raw, int) or not -_BIGINT <= raw < _BIGINT:
            raise ValueError
        return raw
    if isinstance(field, models.DateTimeField):
        if not isinstance(raw, str):
            raise ValueError
        value = field.to_python(raw)
        if value is None or timezone.is_naive(value):
            raise ValueError
        return value
    if isinstance(field, models.DecimalField | models.FloatField):
        if not isinstance(raw, str | int | float):
            raise ValueError
        return field.to_python(raw)
    if not isinstance(raw, str):
        raise ValueError
    return field.to_python(raw)


def _decode(
    cursor: str,
    model: type[models.Model],
    order: Sequence[str],
    fields: dict[str, models.Field[Any, Any]] | None = None,
) -> list[Any]:
    try:
        if len(cursor) > 2048:
            raise ValueError
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")).decode())
        if not isinstance(raw, list) or len(raw) != len(order):
            raise ValueError
        known = fields or {}
        return [
            _cursor_value(
                known.get(name.lstrip("-")) or model._meta.get_field(name.lstrip("-")), value
            )
            for name, value in zip(order, raw, strict=True)
        ]
    except Exception:
        raise ValidationFailed(
            fields={"cursor": [_("This cursor is not valid; start again without it.")]}
        )


def keyset_page(
    queryset: models.QuerySet[Any],
    *,
    order: Sequence[str],
    cursor: str | None,
    limit: int,
    serialize: Callable[[Any], Any] = lambda obj: obj,
    fields: dict[str, models.Field[Any, Any]] | None = None,
) -> dict[str, Any]:
    """One page in `order` (which must end with a unique field, usually "id" or "-id") after
    `cursor`. Uses a WHERE on the order keys, not OFFSET, so every page costs the same.

    An order key may be an annotation (e.g. a custom field's value, or a nullable column
    coalesced so NULLs sort and compare); `fields` gives its output field for decoding cursors."""
    model = queryset.model
    if cursor:
        values = _decode(cursor, model, order, fields)
        condition = Q()
        for index, name in enumerate(order):
            field = name.lstrip("-")
            step = Q(**{f"{field}__lt" if name.startswith("-") else f"{field}__gt": values[index]})
            for prior_name, prior_value in zip(order[:index], values[:index], strict=True):
                step &= Q(**{prior_name.lstrip("-"): prior_value})
            condition |= step
        # The same bound on the first key alone, redundant but plain: an index on the order
        # keys can start its range scan there, instead of reading from the top and filtering
        # every row before the cursor (page 10,000 would cost 10,000 pages of index reads).
        first = order[0]
        bound = Q(
            **{f"{first.lstrip('-')}__{'lte' if first.startswith('-') else 'gte'}": values[0]}
        )
        queryset = queryset.filter(bound & condition)
    rows = list(queryset.order_by(*order)[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = _encode([getattr(last, name.lstrip("-")) for name in order])
    return {"items": [serialize(row) for row in rows], "next_cursor": next_cursor}
