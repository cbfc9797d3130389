from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from guanxi.core.errors import GuanxiError
from guanxi.core.models import Membership
from guanxi.customers.listing import ListQuery
from guanxi.dataio.commands import command_actor, command_error, workspace_locale
from guanxi.dataio.services.exports import csv_write, export_prepare, xlsx_write


class Command(BaseCommand):
    help = (
        "Export accounts or contacts to CSV or XLSX (by the file's extension): "
        "`guanxi export contacts FILE --workspace SLUG [--filter level=A] [--columns name,mobile]`. "
        "Acts as the workspace owner unless --email names a member; FILE - writes CSV to stdout."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("object_type", choices=["accounts", "contacts"])
        parser.add_argument("file")
        parser.add_argument("--workspace", required=True, help="slug of the workspace")
        parser.add_argument("--email", help="act as this member (default: the workspace owner)")
        parser.add_argument("--columns", help="comma-separated column keys (default: all)")
        parser.add_argument("--q", default="", help="search, as in the list's search box")
        parser.add_argument("--sort", default="-id")
        parser.add_argument(
            "--filter",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="a list filter, e.g. owner_id=me, level=A, created_at__gte=2026-01-01",
        )
        parser.add_argument("--format", choices=["csv", "xlsx"])

    def handle(self, *args: Any, **options: Any) -> None:
        actor = command_actor(options["workspace"], options.get("email"))
        with workspace_locale(actor):
            self._run(actor, options)

    def _run(self, actor: Membership, options: dict[str, Any]) -> None:
        target = options["file"]
        file_format = options["format"] or ("xlsx" if target.lower().endswith(".xlsx") else "csv")
        filters = {}
        for item in options["filter"]:
            name, sep, value = item.partition("=")
            if not sep:
                raise CommandError(f"--filter {item!r}: use NAME=VALUE")
            filters[name.strip()] = value
        columns = [c.strip() for c in (options["columns"] or "").split(",") if c.strip()]
        try:
            export = export_prepare(
                actor=actor,
                object_type=options["object_type"],
                query=ListQuery(q=options["q"], filters=filters, sort=options["sort"]),
                columns=columns or None,
                file_format=file_format,
            )
            if target == "-":
                if file_format != "csv":
                    raise CommandError("Only CSV can be written to stdout.")
                rows = csv_write(export, sys.stdout)
            elif file_format == "xlsx":
                with Path(target).open("wb") as handle:
                    rows = xlsx_write(export, handle)
            else:
                with Path(target).open("w", encoding="utf-8", newline="") as text:
                    rows = csv_write(export, text)
        except GuanxiError as error:
            raise command_error(error)
        if target != "-":
            self.stdout.write(f"Exported {rows:,} {options['object_type']} to {target}.")
