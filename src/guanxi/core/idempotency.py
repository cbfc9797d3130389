"""Idempotency-Key support for every POST under /api/, whatever module the endpoint belongs to.

Same key + same body → the stored response; same key + different body → 422; a duplicate sent
while the first is still running → 409, so concurrent duplicates create one record. Keys are
per API token and kept for IDEMPOTENCY_TTL.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta

from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from .models import IdempotencyRecord
from .services.tokens import token_authenticate

IDEMPOTENCY_TTL = timedelta(hours=24)


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message, "fields": {}}}, status=status)


def fingerprint(request: HttpRequest) -> str:
    """What "the same request" means: method, path with query string, and the exact body."""
    return hashlib.sha256(
        request.method.encode()  # type: ignore[union-attr]
        + b" "
        + request.get_full_path().encode()
        + b"\n"
        + request.body
    ).hexdigest()


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get("Idempotency-Key")
        if request.method != "POST" or not key or not request.path.startswith("/api/"):
            return self.get_response(request)
        if len(key) > 255:
            return _error(
                422, "validation_error", "Idempotency-Key must be at most 255 characters."
            )
        auth = request.headers.get("Authorization", "")
        raw = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
        found = token_authenticate(raw) if raw else None
        # BearerToken reuses this lookup instead of authenticating the same token again.
        request.authenticated_token = (raw, found)  # type: ignore[attr-defined]
        if found is None:
            return self.get_response(request)  # the API answers 401 itself
        token, _membership = found
        try:
            body_hash = fingerprint(request)
        except RequestDataTooBig:
            return _error(413, "payload_too_large", "The request body is too large.")
        IdempotencyRecord.objects.filter(
            token=token, created_at__lt=timezone.now() - IDEMPOTENCY_TTL
        ).delete()
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    token=token, key=key, request_hash=body_hash
                )
        except IntegrityError:
            existing = IdempotencyRecord.objects.filter(token=token, key=key).first()
            if existing is None:
                return _error(
                    409,
                    "idempotency_in_progress",
                    "A request with this Idempotency-Key is in progress.",
                )
            if existing.request_hash != body_hash:
                return _error(
                    422,
                    "idempotency_key_reused",
                    "This Idempotency-Key was used with a different request body.",
                )
            if existing.status_code is None:
                return _error(
                    409,
                    "idempotency_in_progress",
                    "A request with this Idempotency-Key is in progress.",
                )
            response = HttpResponse(
                bytes(existing.response_body or b""),
                status=existing.status_code,
                content_type=existing.content_type or "application/json",
            )
            response["Idempotent-Replayed"] = "true"
            return response
        response = self.get_response(request)
        if response.status_code >= 500 or response.status_code in (401, 409, 429):
            # A failure that a retry may fix: forget the key so the client can try again.
            record.delete()
        else:
            IdempotencyRecord.objects.filter(pk=record.pk).update(
                status_code=response.status_code,
                response_body=bytes(response.content),
                content_type=response.get("Content-Type", "application/json"),
            )
        return response
