"""Time as a member sees it: their own time zone, else their workspace's."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone

if TYPE_CHECKING:
    from guanxi.core.models import Membership


def _zone(name: str) -> zoneinfo.ZoneInfo | None:
    if not name:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def member_zone(member: Membership) -> tzinfo:
    """The zone "today" means for this member (the same rule as UserTimezoneMiddleware, which
    API requests do not pass through)."""
    return (
        _zone(member.user.time_zone)
        or _zone(member.workspace.time_zone)
        or zoneinfo.ZoneInfo(settings.TIME_ZONE)
    )


def aware(value: datetime, member: Membership) -> datetime:
    """A naive date-time is read in the member's zone; an aware one is kept."""
    if timezone.is_naive(value):
        return timezone.make_aware(value, member_zone(member))
    return value
