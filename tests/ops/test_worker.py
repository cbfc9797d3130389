"""`guanxi worker`: two real worker processes on one database run every periodic tick and every
queued task exactly once, and stop cleanly on SIGTERM and SIGINT."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from .conftest import guanxi, guanxi_env, wait_for

TASKS = 8
MIN_TICKS = 4


def _as_datetime(value: object) -> datetime:
    """ScheduledRun.tick as an aware datetime (SQLite returns text in UTC, PostgreSQL datetimes)."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _tick_of(value: object) -> str:
    """ScheduledRun.tick as the job's own key."""
    return _as_datetime(value).astimezone(UTC).strftime("%Y%m%dT%H%M%S")


def _runs_per_key(directory: Path) -> Counter[str]:
    if not directory.is_dir():
        return Counter()
    return Counter(path.name.split(".", 1)[0] for path in directory.iterdir())


def test_two_workers_run_each_tick_and_each_task_exactly_once(tmp_path, new_database):
    # Given a migrated database with tasks queued, and a job declared to run every second
    database = new_database()
    output = tmp_path / "output"
    env = guanxi_env(
        database,
        tmp_path,
        settings_module="tests.ops.worker_settings",
        GUANXI_TEST_OUTPUT_DIR=str(output),
    )
    guanxi("migrate", "--no-input", "-v", "0", env=env, cwd=tmp_path)
    guanxi(
        "shell",
        "-c",
        f"from tests.ops.worker_app.jobs import record_task\n"
        f"for number in range({TASKS}): record_task.enqueue(number)",
        env=env,
        cwd=tmp_path,
    )

    # When two workers run side by side for several ticks
    workers = []
    for name in ("w1", "w2"):
        log = (tmp_path / f"{name}.out").open("w")
        command = [sys.executable, "-m", "guanxi", "worker", "--worker-id", name]
        command += ["--interval", "0.2", "--scheduler-interval", "1"]
        process = subprocess.Popen(
            command, env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT
        )
        workers.append((name, process, tmp_path / f"{name}.out"))
    try:
        for name, _process, log_path in workers:
            wait_for(
                lambda p=log_path: "started" in p.read_text(), timeout=30, what=f"{name} to start"
            )
        wait_for(
            lambda: (
                len(_runs_per_key(output / "ticks")) >= MIN_TICKS
                and sum(_runs_per_key(output / "tasks").values()) >= TASKS
            ),
            timeout=30,
            what=f"{MIN_TICKS} ticks and {TASKS} tasks",
        )
        # Then SIGTERM and SIGINT each stop a worker cleanly
        workers[0][1].send_signal(signal.SIGTERM)
        workers[1][1].send_signal(signal.SIGINT)
        for name, process, _log in workers:
            assert process.wait(timeout=20) == 0, f"{name} exited {process.returncode}"
    finally:
        for _name, process, _log in workers:
            if process.poll() is None:
                process.kill()
                process.wait()
    logs = {name: log_path.read_text() for name, _p, log_path in workers}
    for name, text in logs.items():
        assert f"Guanxi worker {name} stopped" in text, text
        assert "Traceback" not in text, text
    assert "Terminated" in logs["w1"] and "Interrupt" in logs["w2"]

    # Then every tick was claimed once and the job's own side effect happened once per tick
    runs = database.query(
        "SELECT tick, worker, finished_at, error FROM core_scheduledrun WHERE job = %s",
        ("tests.every_second",),
    )
    claimed = Counter(_tick_of(tick) for tick, *_ in runs)
    effects = _runs_per_key(output / "ticks")
    assert len(claimed) >= MIN_TICKS
    assert set(claimed.values()) == {1}
    assert effects == claimed, f"side effects {effects} != claimed ticks {claimed}"
    assert all(finished is not None and error == "" for _tick, _worker, finished, error in runs)
    # Every claimed tick is one of the job's whole-second ticks. Gaps are allowed: only the latest
    # tick runs, so a worker held up past a second (two busy cores) legitimately skips one; the
    # frozen-clock tests in test_scheduler.py pin the exact tick arithmetic.
    assert all(_as_datetime(tick).microsecond == 0 for tick, *_ in runs)

    # Then core's own jobs were claimed once too, however many workers started
    core_runs = database.query(
        "SELECT job, tick FROM core_scheduledrun WHERE job LIKE %s", ("core.%",)
    )
    assert Counter(core_runs) and set(Counter(core_runs).values()) == {1}

    # And every queued task ran exactly once and is marked successful
    assert _runs_per_key(output / "tasks") == Counter({str(n): 1 for n in range(TASKS)})
    statuses = database.query("SELECT status FROM django_tasks_database_dbtaskresult")
    assert sorted(status for (status,) in statuses) == ["SUCCESSFUL"] * TASKS
