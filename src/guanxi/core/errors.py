"""Domain errors. Services raise them; one API handler and one UI helper turn them into the
error envelope or form errors, so every module reports problems the same way."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _


class GuanxiError(Exception):
    status = 400
    code = "bad_request"
    default_message: Any = _("The request could not be processed.")

    def __init__(
        self, message: Any = None, *, fields: dict[str, list[str]] | None = None, **extra: Any
    ):
        self.message = str(message or self.default_message)
        self.fields = fields or {}
        self.extra = extra
        super().__init__(self.message)


class NotFound(GuanxiError):
    status = 404
    code = "not_found"
    default_message = _("Not found.")


class PermissionDenied(GuanxiError):
    status = 403
    code = "permission_denied"
    default_message = _("You do not have permission to do this.")


class StaleVersion(GuanxiError):
    status = 409
    code = "stale_version"
    default_message = _("Someone else changed this record. Reload it and try again.")


class Conflict(GuanxiError):
    status = 409
    code = "conflict"
    default_message = _("This conflicts with existing data.")


class ValidationFailed(GuanxiError):
    status = 422
    code = "validation_error"
    default_message = _("Some fields are not valid.")


class RateLimited(GuanxiError):
    status = 429
    code = "rate_limited"
    default_message = _("Too many requests. Try again later.")

    def __init__(self, message: Any = None, *, retry_after: int = 60, **extra: Any):
        super().__init__(message, **extra)
        self.retry_after = retry_after
