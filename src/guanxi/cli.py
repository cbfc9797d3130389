"""The `guanxi` command: a thin front for Django's management commands.

`guanxi serve`, `guanxi worker`, `guanxi demo` … are management commands in guanxi.core; any other
Django command (migrate, shell, makemessages, …) works too.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanxi.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else ["guanxi", *argv])
    args[0] = "guanxi"
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
