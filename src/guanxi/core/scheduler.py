"""Periodic jobs: declared once in code with an interval or a cron expression.

    @periodic("core.purge_expired_cache", every=timedelta(minutes=30))
    def purge_expired_cache() -> None: ...

`guanxi worker` calls `run_due_jobs()` in a loop. Each job's ticks are fixed points in time
(multiples of the interval since the Unix epoch, or the cron schedule read in settings.TIME_ZONE);
before running a tick a worker inserts a ScheduledRun row for (job, tick), and the unique
constraint lets exactly one worker win, however many run on however many machines.

Only the latest tick is run: a worker that was down for three intervals runs the job once when it
comes back, not three times. A job that needs to know which period it covers reads
`current_tick()`.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from croniter import croniter
from django.db import IntegrityError, transaction
from django.utils import timezone

logger = logging.getLogger("guanxi.scheduler")

_current_tick: ContextVar[datetime | None] = ContextVar("guanxi_scheduler_tick", default=None)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    func: Callable[[], None]
    every: timedelta | None = None
    cron: str | None = None

    def last_tick(self, now: datetime) -> datetime:
        """The most recent scheduled time at or before `now`, as an aware datetime."""
        if self.every is not None:
            seconds = int(self.every.total_seconds())
            epoch = int(now.timestamp())
            return datetime.fromtimestamp(epoch - epoch % seconds, tz=UTC)
        assert self.cron is not None
        # Cron fields mean wall-clock time where the business is ("0 8 * * *" is 8:00 in
        # TIME_ZONE), not UTC. croniter excludes its start, hence the microsecond.
        local = timezone.localtime(now)
        return croniter(self.cron, local + timedelta(microseconds=1)).get_prev(datetime)

    def next_tick(self, now: datetime) -> datetime:
        """The first scheduled time strictly after `now`."""
        if self.every is not None:
            return self.last_tick(now) + self.every
        assert self.cron is not None
        return croniter(self.cron, timezone.localtime(now)).get_next(datetime)


_jobs: dict[str, PeriodicJob] = {}


def periodic(
    name: str, *, every: timedelta | None = None, cron: str | None = None
) -> Callable[[Callable[[], None]], Callable[[], None]]:
    """Declare `func` as the periodic job `name`, run every `every` or on the `cron` schedule."""
    if (every is None) == (cron is None):
        raise ValueError("give exactly one of every= or cron=")
    if every is not None and (every.total_seconds() < 1 or every.total_seconds() % 1):
        raise ValueError("the interval must be a whole number of seconds, at least one")
    if cron is not None and not croniter.is_valid(cron):
        raise ValueError(f"invalid cron expression {cron!r}")

    def decorator(func: Callable[[], None]) -> Callable[[], None]:
        existing = _jobs.get(name)
        # The same module imported twice is fine; two different jobs under one name are a bug
        # that would silently drop one of them.
        if existing is not None and existing.func.__qualname__ != func.__qualname__:
            raise ValueError(f"periodic job {name!r} is declared twice")
        _jobs[name] = PeriodicJob(name=name, func=func, every=every, cron=cron)
        return func

    return decorator


def jobs() -> list[PeriodicJob]:
    return sorted(_jobs.values(), key=lambda job: job.name)


def current_tick() -> datetime | None:
    """The tick the running periodic job was started for (None outside a periodic job)."""
    return _current_tick.get()


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def seconds_until_next_tick(now: datetime | None = None) -> float | None:
    """How long until any job is due again (None when no job is declared)."""
    now = now or timezone.now()
    upcoming = [job.next_tick(now) for job in jobs()]
    if not upcoming:
        return None
    return max(0.0, (min(upcoming) - now).total_seconds())


def run_due_jobs(now: datetime | None = None) -> list[str]:
    """Run every job whose current tick no worker has claimed yet. Returns the jobs run here.

    A tick is claimed (committed) before the job runs, so a job that crashes its worker is not
    retried by another one: periodic jobs must tolerate a skipped tick, never a doubled one.
    """
    from .models import ScheduledRun

    now = now or timezone.now()
    ran = []
    for job in jobs():
        tick = job.last_tick(now)
        try:
            with transaction.atomic():
                run = ScheduledRun.objects.create(job=job.name, tick=tick, worker=worker_name())
        except IntegrityError:
            continue  # another worker has this tick
        token = _current_tick.set(tick)
        try:
            job.func()
        except Exception as exc:  # a failing job must not stop the others
            logger.exception("periodic job %s failed", job.name, extra={"job": job.name})
            ScheduledRun.objects.filter(pk=run.pk).update(
                finished_at=timezone.now(), error=repr(exc)[:2000]
            )
        else:
            ScheduledRun.objects.filter(pk=run.pk).update(finished_at=timezone.now())
        finally:
            _current_tick.reset(token)
        ran.append(job.name)
    return ran
