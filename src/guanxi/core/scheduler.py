"""Periodic jobs: declared once in code with an interval or a cron expression.

`guanxi worker` calls `run_due_jobs()` in a loop. Each job's ticks are fixed points in time
(multiples of the interval since the epoch, or the cron schedule); before running a tick a worker
inserts a ScheduledRun row for (job, tick), and the unique constraint lets exactly one worker win,
however many run.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from croniter import croniter
from django.db import IntegrityError, transaction
from django.utils import timezone

logger = logging.getLogger("guanxi.scheduler")


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    func: Callable[[], None]
    every: timedelta | None = None
    cron: str | None = None

    def last_tick(self, now: datetime) -> datetime:
        """The most recent scheduled time at or before `now` (UTC)."""
        if self.every is not None:
            seconds = int(self.every.total_seconds())
            epoch = int(now.timestamp())
            return datetime.fromtimestamp(epoch - epoch % seconds, tz=UTC)
        assert self.cron is not None
        return croniter(self.cron, now + timedelta(microseconds=1)).get_prev(datetime)


_jobs: dict[str, PeriodicJob] = {}


def periodic(
    name: str, *, every: timedelta | None = None, cron: str | None = None
) -> Callable[[Callable[[], None]], Callable[[], None]]:
    if (every is None) == (cron is None):
        raise ValueError("give exactly one of every= or cron=")
    if every is not None and every.total_seconds() < 1:
        raise ValueError("the interval must be at least one second")
    if cron is not None and not croniter.is_valid(cron):
        raise ValueError(f"invalid cron expression {cron!r}")

    def decorator(func: Callable[[], None]) -> Callable[[], None]:
        _jobs[name] = PeriodicJob(name=name, func=func, every=every, cron=cron)
        return func

    return decorator


def jobs() -> list[PeriodicJob]:
    return sorted(_jobs.values(), key=lambda job: job.name)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run_due_jobs(now: datetime | None = None) -> list[str]:
    """Run every job whose current tick no worker has claimed yet. Returns the jobs run here."""
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
        try:
            job.func()
        except Exception as exc:  # a failing job must not stop the others
            logger.exception("periodic job %s failed", job.name)
            ScheduledRun.objects.filter(pk=run.pk).update(
                finished_at=timezone.now(), error=repr(exc)[:2000]
            )
        else:
            ScheduledRun.objects.filter(pk=run.pk).update(finished_at=timezone.now())
        ran.append(job.name)
    return ran
