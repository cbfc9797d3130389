"""`guanxi worker`: background tasks (Django Tasks, database backend) and the periodic scheduler.

Two threads do the work and the main thread only waits for a signal:
- the task thread runs django_tasks_db's Worker, which claims one queued task at a time with a
  row lock, so any number of workers can share the queue;
- the scheduler thread calls run_due_jobs() whenever a periodic job falls due (and at least every
  --scheduler-interval seconds); the ScheduledRun unique constraint makes each tick run once
  across all workers.

SIGTERM or SIGINT stops both loops after the task or job in progress finishes; a second signal
exits at once.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections, connections
from django.utils.crypto import get_random_string

from guanxi.core import scheduler

# Sleep granularity of the main thread: how quickly a signal or --max-seconds is noticed.
_POLL_SECONDS = 0.1
# Waking this long after a tick makes sure last_tick() already returns the new tick.
_TICK_MARGIN_SECONDS = 0.01


def _closing(target: Callable[[], None]) -> Callable[[], None]:
    """Runs `target`, then closes the thread's database connections (each thread has its own)."""

    def run() -> None:
        try:
            target()
        finally:
            connections.close_all()

    return run


class SchedulerLoop:
    def __init__(self, *, interval: float, stop: threading.Event):
        self.interval = interval
        self.stop = stop

    def run_once(self) -> None:
        try:
            ran = scheduler.run_due_jobs()
            if ran:
                scheduler.logger.info("ran periodic jobs: %s", ", ".join(ran))
        except Exception:
            # The database may be briefly unreachable (restart, failover): log and try again on
            # the next round instead of killing the worker.
            scheduler.logger.exception("the scheduler could not run due jobs")
        finally:
            close_old_connections()

    def run(self) -> None:
        while not self.stop.is_set():
            self.run_once()
            until_due = scheduler.seconds_until_next_tick()
            wait = self.interval if until_due is None else min(self.interval, until_due)
            self.stop.wait(wait + _TICK_MARGIN_SECONDS)


class Command(BaseCommand):
    help = "Run background tasks and periodic jobs. Run as many workers as you like."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--queue-name",
            default="default",
            help="task queues to process, comma-separated, '*' for all (default: default)",
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="seconds to wait when the task queue is empty (default: 1)",
        )
        parser.add_argument(
            "--scheduler-interval",
            type=float,
            default=5.0,
            help="longest pause between two scheduler rounds, in seconds (default: 5)",
        )
        parser.add_argument(
            "--no-scheduler", action="store_true", help="process tasks only, no periodic jobs"
        )
        parser.add_argument(
            "--no-tasks", action="store_true", help="run periodic jobs only, no queued tasks"
        )
        parser.add_argument(
            "--once",
            action="store_true",
            help="run the periodic jobs that are due and the queued tasks, then exit",
        )
        parser.add_argument(
            "--max-seconds",
            type=float,
            default=None,
            help="stop cleanly after this many seconds (for tests and cron-driven setups)",
        )
        parser.add_argument(
            "--worker-id", default="", help="unique name of this worker (default: random)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["scheduler_interval"] <= 0 or options["interval"] < 0:
            raise CommandError("--scheduler-interval must be positive and --interval not negative")
        if options["no_tasks"] and options["no_scheduler"]:
            raise CommandError("nothing to do: both --no-tasks and --no-scheduler given")
        worker_id = options["worker_id"] or f"{scheduler.worker_name()}:{get_random_string(6)}"
        task_worker = None if options["no_tasks"] else self._task_worker(options, worker_id)
        run_scheduler = not options["no_scheduler"]
        names = ", ".join(job.name for job in scheduler.jobs()) if run_scheduler else "none"
        started = (
            f"Guanxi worker {worker_id} started "
            f"(tasks: {'yes' if task_worker else 'no'}; periodic jobs: {names})"
        )

        if options["once"]:
            self._say(started)
            self._run_once(task_worker, run_scheduler)
            return

        stop = threading.Event()
        threads: list[threading.Thread] = []
        if task_worker is not None:
            threads.append(
                threading.Thread(target=_closing(task_worker.run), name="tasks", daemon=True)
            )
        if run_scheduler:
            loop = SchedulerLoop(interval=options["scheduler_interval"], stop=stop)
            threads.append(
                threading.Thread(target=_closing(loop.run), name="scheduler", daemon=True)
            )

        signals_received: list[int] = []

        def on_signal(signum: int, frame: FrameType | None) -> None:
            if signals_received:
                # Second signal: the operator does not want to wait for the running job.
                raise SystemExit(1)
            signals_received.append(signum)

        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, on_signal)
        for thread in threads:
            thread.start()
        # Announced only now: from here on a signal stops the worker cleanly.
        self._say(started)

        deadline = (
            None if options["max_seconds"] is None else time.monotonic() + options["max_seconds"]
        )
        crashed = False
        while not signals_received:
            if deadline is not None and time.monotonic() >= deadline:
                break
            if not all(thread.is_alive() for thread in threads):
                crashed = True  # e.g. the task worker hit an unexpected database error
                break
            time.sleep(_POLL_SECONDS)

        if crashed:
            reason = "a loop stopped unexpectedly"
        elif signals_received:
            reason = signal.strsignal(signals_received[0]) or str(signals_received[0])
        else:
            reason = "time limit reached"
        self._say(f"Guanxi worker {worker_id} stopping: {reason}")
        stop.set()
        if task_worker is not None:
            task_worker.running = False  # finishes the task in progress, then leaves its loop
        for thread in threads:
            thread.join()
        self._say(f"Guanxi worker {worker_id} stopped")
        if crashed:
            raise CommandError("a worker loop stopped unexpectedly; see the log above")

    def _say(self, message: str) -> None:
        # Flushed at once: supervisors and tests read this output while the worker runs.
        self.stdout.write(message)
        self.stdout.flush()

    def _task_worker(self, options: dict[str, Any], worker_id: str) -> Any:
        """django_tasks_db's Worker, or None when tasks do not go through the database (the
        immediate backend in tests, an RQ backend at scale: those need no Guanxi worker)."""
        from django_tasks_db.backend import DatabaseBackend
        from django_tasks_db.compat import task_backends
        from django_tasks_db.management.commands.db_worker import Worker

        if not isinstance(task_backends["default"], DatabaseBackend):
            return None
        queue_names = options["queue_name"].split(",")
        return Worker(
            queue_names=queue_names,
            interval=options["interval"],
            batch=bool(options["once"]),
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=worker_id[:64],
            excluded_queue_names=[],
        )

    def _run_once(self, task_worker: Any, run_scheduler: bool) -> None:
        if run_scheduler:
            ran = scheduler.run_due_jobs()
            self.stdout.write(f"Periodic jobs run: {', '.join(ran) or 'none due'}")
        if task_worker is not None:
            task_worker.run()  # batch mode: returns when the queue is empty
