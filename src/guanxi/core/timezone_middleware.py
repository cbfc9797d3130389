"""Activates the time zone dates are shown in: the user's own choice, else their workspace's.

Belongs right after UserLocaleMiddleware (it reads request.membership, set by
WorkspaceMiddleware).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone


def _zone(name: str) -> zoneinfo.ZoneInfo | None:
    if not name:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


class UserTimezoneMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        zone = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            membership = getattr(request, "membership", None)
            zone = _zone(user.time_zone) or (
                _zone(membership.workspace.time_zone) if membership is not None else None
            )
        if zone is not None:
            timezone.activate(zone)
        else:
            timezone.deactivate()
        try:
            response = self.get_response(request)
        finally:
            timezone.deactivate()
        if zone is not None and response.streaming:
            # A streamed body (a CSV export) is produced after this returns: it gets the zone too.
            response.streaming_content = _in_zone(zone, response.streaming_content)  # type: ignore[attr-defined]
        return response


def _in_zone(zone: zoneinfo.ZoneInfo, content: Iterable[Any]) -> Iterator[Any]:
    with timezone.override(zone):
        yield from content
