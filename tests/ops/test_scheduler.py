"""Periodic jobs: tick computation, once-per-tick claiming, and failure isolation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from guanxi.core import scheduler
from guanxi.core.models import ScheduledRun


@pytest.fixture
def registry(monkeypatch):
    """An empty job registry for the test (core's own jobs are left out)."""
    monkeypatch.setattr(scheduler, "_jobs", {})
    return scheduler._jobs


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_interval_ticks_are_multiples_of_the_interval_since_the_epoch():
    job = scheduler.PeriodicJob("j", lambda: None, every=timedelta(minutes=15))
    assert job.last_tick(at("2025-03-01 10:37:12.5")) == at("2025-03-01 10:30:00")
    assert job.next_tick(at("2025-03-01 10:37:12.5")) == at("2025-03-01 10:45:00")
    # A tick is due at its exact instant, not one interval later.
    assert job.last_tick(at("2025-03-01 10:45:00")) == at("2025-03-01 10:45:00")
    assert job.next_tick(at("2025-03-01 10:45:00")) == at("2025-03-01 11:00:00")


def test_interval_ticks_are_the_same_for_every_worker_within_a_period():
    job = scheduler.PeriodicJob("j", lambda: None, every=timedelta(seconds=1))
    ticks = {
        job.last_tick(at("2025-03-01 10:00:07") + timedelta(microseconds=us))
        for us in (0, 1, 500_000, 999_999)
    }
    assert ticks == {at("2025-03-01 10:00:07")}


@pytest.mark.django_db
def test_cron_ticks_follow_the_schedule_in_the_business_time_zone(settings):
    settings.TIME_ZONE = "Asia/Shanghai"  # UTC+8, no daylight saving time
    job = scheduler.PeriodicJob("j", lambda: None, cron="0 9 * * 1-5")  # 09:00 on weekdays
    monday_10am_shanghai = at("2025-03-03 02:00:00")
    assert job.last_tick(monday_10am_shanghai) == at("2025-03-03 01:00:00")
    assert job.next_tick(monday_10am_shanghai) == at("2025-03-04 01:00:00")
    # Exactly at 09:00 the new tick is due; over the weekend the last tick stays Friday's.
    assert job.last_tick(at("2025-03-03 01:00:00")) == at("2025-03-03 01:00:00")
    assert job.last_tick(at("2025-03-08 12:00:00")) == at("2025-03-07 01:00:00")
    assert job.next_tick(at("2025-03-08 12:00:00")) == at("2025-03-10 01:00:00")


def test_periodic_refuses_bad_declarations(registry):
    with pytest.raises(ValueError):
        scheduler.periodic("both", every=timedelta(minutes=1), cron="* * * * *")
    with pytest.raises(ValueError):
        scheduler.periodic("neither")
    with pytest.raises(ValueError):
        scheduler.periodic("too-fast", every=timedelta(milliseconds=500))
    with pytest.raises(ValueError):
        scheduler.periodic("fractional", every=timedelta(seconds=1.5))
    with pytest.raises(ValueError):
        scheduler.periodic("bad-cron", cron="61 * * * *")

    @scheduler.periodic("taken", every=timedelta(minutes=1))
    def first() -> None: ...

    with pytest.raises(ValueError):

        @scheduler.periodic("taken", every=timedelta(minutes=1))
        def second() -> None: ...

    assert [job.func for job in scheduler.jobs()] == [first]


@pytest.mark.django_db
def test_each_tick_runs_once_however_often_it_is_checked(registry):
    seen: list[datetime | None] = []
    scheduler.periodic("count", every=timedelta(minutes=5))(
        lambda: seen.append(scheduler.current_tick())
    )

    assert scheduler.run_due_jobs(at("2025-03-01 10:01:00")) == ["count"]
    assert scheduler.run_due_jobs(at("2025-03-01 10:04:59")) == []
    assert scheduler.run_due_jobs(at("2025-03-01 10:05:00")) == ["count"]

    assert seen == [at("2025-03-01 10:00:00"), at("2025-03-01 10:05:00")]
    runs = ScheduledRun.objects.order_by("tick")
    assert [(run.job, run.tick) for run in runs] == [
        ("count", at("2025-03-01 10:00:00")),
        ("count", at("2025-03-01 10:05:00")),
    ]
    assert all(run.finished_at is not None and run.error == "" for run in runs)
    assert scheduler.current_tick() is None  # only set while a job runs


@pytest.mark.django_db
def test_a_tick_claimed_by_another_worker_is_not_run_again(registry):
    calls: list[str] = []
    scheduler.periodic("claimed", every=timedelta(minutes=1))(lambda: calls.append("ran"))
    ScheduledRun.objects.create(job="claimed", tick=at("2025-03-01 10:00:00"), worker="other:1")

    assert scheduler.run_due_jobs(at("2025-03-01 10:00:30")) == []

    assert calls == []
    assert ScheduledRun.objects.get().worker == "other:1"


@pytest.mark.django_db
def test_a_failing_job_records_its_error_and_the_others_still_run(registry):
    calls: list[str] = []

    def broken() -> None:
        raise RuntimeError("mail server unreachable")

    scheduler.periodic("a.broken", every=timedelta(minutes=1))(broken)
    scheduler.periodic("b.healthy", every=timedelta(minutes=1))(lambda: calls.append("b"))

    assert scheduler.run_due_jobs(at("2025-03-01 10:00:30")) == ["a.broken", "b.healthy"]

    failed = ScheduledRun.objects.get(job="a.broken")
    assert "RuntimeError" in failed.error and "mail server unreachable" in failed.error
    assert failed.finished_at is not None
    healthy = ScheduledRun.objects.get(job="b.healthy")
    assert healthy.error == "" and healthy.finished_at is not None
    assert calls == ["b"]
    # The failed tick is not retried: the next run happens at the next tick.
    assert scheduler.run_due_jobs(at("2025-03-01 10:00:50")) == []


def test_the_scheduler_sleeps_until_the_next_tick_of_any_job(registry):
    scheduler.periodic("hourly", every=timedelta(hours=1))(lambda: None)
    scheduler.periodic("minutely", every=timedelta(minutes=1))(lambda: None)
    assert scheduler.seconds_until_next_tick(at("2025-03-01 10:00:45")) == 15


def test_core_declares_its_maintenance_jobs():
    names = {job.name for job in scheduler.jobs()}
    assert {"core.purge_expired_cache", "core.purge_expired_idempotency_keys"} <= names
