"""Core's periodic jobs, declared once here and run by `guanxi worker`."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from .scheduler import periodic


@periodic("core.purge_expired_idempotency_keys", every=timedelta(hours=1))
def purge_expired_idempotency_keys() -> None:
    from .idempotency import IDEMPOTENCY_TTL
    from .models import IdempotencyRecord

    IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - IDEMPOTENCY_TTL).delete()


@periodic("core.purge_expired_cache", every=timedelta(minutes=30))
def purge_expired_cache() -> None:
    from .models import CacheEntry

    CacheEntry.objects.filter(expires__lt=timezone.now()).delete()


@periodic("core.purge_expired_rate_counters", every=timedelta(minutes=15))
def purge_expired_rate_counters() -> None:
    from .counters import purge_expired

    purge_expired()
