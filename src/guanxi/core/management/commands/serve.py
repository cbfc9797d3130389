"""`guanxi serve`: migrate if needed, collect static files, and serve with gunicorn.

gunicorn runs several worker processes with several threads each (gthread); WhiteNoise serves the
collected static files with far-future cache headers for the hashed names, so no separate web
server is needed for them.
"""

from __future__ import annotations

import atexit
import os
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import connections
from gunicorn import glogging


def default_workers() -> int:
    return max(2, min(8, (os.cpu_count() or 1) * 2))


class DjangoLogger(glogging.Logger):  # type: ignore[misc]
    """gunicorn's own messages (booting, worker timeouts…) go through Django's LOGGING like
    everything else, so production logs stay one JSON object per line."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in list(log.handlers):
                log.removeHandler(handler)
            log.propagate = True


def start_worker() -> subprocess.Popen[bytes]:
    """Start `guanxi worker` as a child process, stopped when this (gunicorn's master) process
    exits. gunicorn forks its web workers from this process and they inherit the exit hook, so
    the hook acts only in the process that started the worker."""
    # Its own session: a Ctrl+C in the terminal reaches only the server, which then stops the
    # worker with one SIGTERM (a second signal would make it drop the job in progress).
    worker = subprocess.Popen([sys.executable, "-m", "guanxi", "worker"], start_new_session=True)
    master = os.getpid()

    def stop() -> None:
        if os.getpid() != master or worker.poll() is not None:
            return
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()

    atexit.register(stop)
    return worker


class Command(BaseCommand):
    help = "Migrate if needed and serve Guanxi with gunicorn (several workers and threads)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("WEB_WORKERS", default_workers()))
        )
        parser.add_argument("--threads", type=int, default=int(os.environ.get("WEB_THREADS", "4")))
        parser.add_argument("--no-migrate", action="store_true")
        parser.add_argument(
            "--with-worker",
            action="store_true",
            help="also run one `guanxi worker` beside the server and stop it with the server "
            "(imports, reminders, daily jobs on a single machine; `make run` does this)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        if not (settings.DEBUG or settings.TESTING):
            call_command("collectstatic", interactive=False, verbosity=0)
        # gunicorn forks its workers from this process: a database connection opened above
        # must not be inherited, or several processes would talk over one socket.
        connections.close_all()
        if options["with_worker"]:
            start_worker()
        from gunicorn.app.base import BaseApplication

        from guanxi.wsgi import application

        bind = f"{options['host']}:{options['port']}"
        config = {
            "bind": bind,
            "workers": options["workers"],
            "threads": options["threads"],
            "worker_class": "gthread",
            "timeout": 60,
            "graceful_timeout": 20,
            "accesslog": None,  # requests are logged by RequestContextMiddleware, with the request id
            "errorlog": "-",
            "logger_class": DjangoLogger,
            "forwarded_allow_ips": os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        }

        class GuanxiServer(BaseApplication):  # type: ignore[misc]
            def load_config(self) -> None:
                for key, value in config.items():
                    self.cfg.set(key, value)

            def load(self) -> Any:
                return application

        self.stdout.write(
            f"Guanxi is serving on http://{bind}/ (sign in at http://{bind}/sign-in/)"
        )
        self.stdout.flush()
        GuanxiServer().run()
