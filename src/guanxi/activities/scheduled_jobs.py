"""The activities module's periodic jobs, run by `guanxi worker`."""

from __future__ import annotations

from datetime import timedelta

from guanxi.core.scheduler import periodic


@periodic("activities.task_reminders", every=timedelta(minutes=1))
def task_reminders() -> None:
    from .services.reminders import send_due_reminders

    send_due_reminders()
