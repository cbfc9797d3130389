"""Atomic event counters in fixed time windows, for throttling and rate limits.

With Redis (REDIS_URL) they are Redis counters; otherwise rows updated with `count = count + 1`
in the database, so parallel requests on any number of processes never lose a count (Django's
database cache reads then writes, which does).
"""

from __future__ import annotations

import time
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .models import RateCounter


def _window_key(key: str, window_seconds: int) -> tuple[str, int]:
    window = int(time.time() // window_seconds)
    return f"{key}:{window}", window


def seconds_left(window_seconds: int) -> int:
    """Seconds until the current window ends (for Retry-After)."""
    return max(1, window_seconds - int(time.time() % window_seconds))


def hit(key: str, window_seconds: int) -> int:
    """Count one event for `key` in the current window; returns the count including this one."""
    full_key, _ = _window_key(key, window_seconds)
    if settings.REDIS_URL:
        cache.add(full_key, 0, window_seconds * 2)
        return int(cache.incr(full_key))
    expires_at = timezone.now() + timedelta(seconds=window_seconds * 2)
    if not RateCounter.objects.filter(key=full_key).update(count=F("count") + 1):
        try:
            with transaction.atomic():
                RateCounter.objects.create(key=full_key, count=1, expires_at=expires_at)
            return 1
        except IntegrityError:  # another process created it first
            RateCounter.objects.filter(key=full_key).update(count=F("count") + 1)
    return RateCounter.objects.filter(key=full_key).values_list("count", flat=True).first() or 1


def peek(key: str, window_seconds: int) -> int:
    """The current window's count for `key`, without counting."""
    full_key, _ = _window_key(key, window_seconds)
    if settings.REDIS_URL:
        return int(cache.get(full_key) or 0)
    return RateCounter.objects.filter(key=full_key).values_list("count", flat=True).first() or 0


def reset(key: str, window_seconds: int) -> None:
    full_key, _ = _window_key(key, window_seconds)
    if settings.REDIS_URL:
        cache.delete(full_key)
    else:
        RateCounter.objects.filter(key=full_key).delete()


def purge_expired() -> int:
    deleted, _ = RateCounter.objects.filter(expires_at__lt=timezone.now()).delete()
    return deleted
