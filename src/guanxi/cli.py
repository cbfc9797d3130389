"""The `guanxi` command: a thin front for Django's management commands.

`guanxi serve`, `guanxi worker`, `guanxi backup`, `guanxi demo` … are management commands in
guanxi.core; any other Django command (migrate, shell, makemessages, …) works too.
"""

from __future__ import annotations

import os
import sys
from typing import Any


def deployment_hints(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """Guanxi's own deployment checks: they name the environment variable to set, where
    Django's warnings name the settings it derives from it."""
    from django.conf import settings
    from django.core.checks import Warning

    hints = []
    if not settings.HTTPS:
        hints.append(
            Warning(
                "HTTPS is off: cookies are not Secure, HTTP is not redirected and no HSTS is sent.",
                hint="Serve Guanxi over TLS (directly or behind a proxy) and set HTTPS=true.",
                id="guanxi.W001",
            )
        )
    if set(settings.ALLOWED_HOSTS) <= {"127.0.0.1", "localhost", "[::1]"}:
        hints.append(
            Warning(
                "ALLOWED_HOSTS only allows this machine.",
                hint="Set ALLOWED_HOSTS to the domain names users open, e.g. crm.example.com.",
                id="guanxi.W002",
            )
        )
    if not settings.EMAIL_URL:
        hints.append(
            Warning(
                "EMAIL_URL is not set: invitations and password resets are printed to the console, not sent.",
                hint="Set EMAIL_URL, e.g. smtp+tls://user:password@smtp.example.com:587.",
                id="guanxi.W003",
            )
        )
    return hints


USAGE = """Guanxi 关系 — customers, sales, marketing and service in one place.

Usage: guanxi <command> [options]     guanxi <command> --help shows a command's options

  serve        migrate if needed and serve the app (--with-worker: and run a worker beside it)
  worker       run background jobs (imports, reminders) and the daily jobs
  demo         create the demo workspace with sample data
  createadmin  create a user who owns a workspace
  token        create an API token (token create --email … --workspace …)
  import       import accounts or contacts from CSV or Excel
  export       export accounts or contacts to CSV or Excel
  backup       write a consistent snapshot of the database and media
  restore      restore a snapshot, after verifying it
  check        configuration and deployment checks
  seed         generate data at scale for benchmarks
  migrate      apply database migrations

Django's own management commands work too: guanxi help --commands lists every one.
"""


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanxi.settings")
    args = list(sys.argv if argv is None else ["guanxi", *argv])
    args[0] = "guanxi"
    if len(args) == 1 or args[1:] in (["help"], ["--help"], ["-h"]):
        # Guanxi's own commands first, not Django's fifty.
        sys.stdout.write(USAGE)
        return
    from django.core import checks
    from django.core.management import execute_from_command_line

    if len(args) > 1 and args[1] == "check":
        # `guanxi check` is the operator's pre-flight: it always includes the deployment checks
        # (HTTPS, cookies, HSTS, secret key, DEBUG, hosts), not only the code checks.
        checks.register(deployment_hints, checks.Tags.security, deploy=True)
        if "--deploy" not in args:
            args.append("--deploy")
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
