"""Core's periodic jobs, declared once here and run by `guanxi worker`."""

from __future__ import annotations

from datetime import datetime, timedelta

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


@periodic("core.refresh_sqlite_statistics", cron="0 4 * * *")  # 04:00 in TIME_ZONE
def refresh_sqlite_statistics() -> None:
    refresh_sqlite_statistics_now()


def refresh_sqlite_statistics_now() -> bool:
    """SQLite keeps no planner statistics unless told to. Without them it picks indexes by rule
    and can walk a million rows where a few suffice (a rare 2-character name searched through
    the owner's index, ordered by id). ANALYZE with a sampling limit (SQLite's recommended
    approximate mode: about a second on a 6 GB database) refreshes sqlite_stat1. PostgreSQL
    has autovacuum for this. Returns whether it ran.

    The FTS5 search indexes (customers.0008) are merged into one b-tree each as well: the
    triggers that keep them add a small segment per write, and a search reads every segment."""
    from django.db import connection

    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA analysis_limit = 1000")
        cursor.execute("ANALYZE")
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE %s",
            ["CREATE VIRTUAL TABLE % USING fts5(%"],
        )
        quote = connection.ops.quote_name
        for (table,) in cursor.fetchall():
            # The table name is SQLite's own, quoted.
            cursor.execute(f"INSERT INTO {quote(table)}({quote(table)}) VALUES ('optimize')")  # noqa: S608
    return True


@periodic("core.purge_recycle_bin", cron="30 3 * * *")  # 03:30 in TIME_ZONE
def purge_recycle_bin() -> None:
    purge_recycle_bin_now()


def purge_recycle_bin_now(now: datetime | None = None, batch: int = 500) -> int:
    """Purge every recyclable record deleted more than RECYCLE_BIN_DAYS ago, through its module's
    purge service (which knows what goes with it). Merged records stay: a merge can be undone."""
    from django.conf import settings

    from .registry import object_type, recyclables

    cutoff = (now or timezone.now()) - timedelta(days=settings.RECYCLE_BIN_DAYS)
    purged = 0
    for key, recyclable in recyclables().items():
        model = object_type(key).model_class()
        while True:
            expired = model._default_manager.filter(deleted_at__lt=cutoff)
            if any(f.name == "merged_into" for f in model._meta.get_fields()):
                expired = expired.filter(merged_into__isnull=True)
            chunk = list(expired.order_by("pk")[:batch])
            for record in chunk:
                recyclable.purge(record)
            purged += len(chunk)
            if len(chunk) < batch:
                break
    return purged
