from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from guanxi.core.demo import DEMO_OWNER_EMAIL, DEMO_PASSWORD, build_demo
from guanxi.core.models import Workspace


class Command(BaseCommand):
    help = "Create the demo workspace with sample data (idempotent) and print how to sign in."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="only when the database has no workspace yet"
        )
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="the address to print")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and Workspace.objects.exclude(slug="demo").exists():
            self.stdout.write("The database already has workspaces; no demo data added.")
            return
        result = build_demo()
        verb = "Created" if result.created else "Found"
        self.stdout.write(f"{verb} the demo workspace '{result.workspace.slug}'.")
        self.stdout.write(f"  Sign in at {options['url'].rstrip('/')}/sign-in/")
        self.stdout.write(f"  Email:     {DEMO_OWNER_EMAIL}")
        self.stdout.write(f"  Password:  {DEMO_PASSWORD}")
        self.stdout.write(
            "  (every demo member, e.g. li.wei@demo.guanxi.local, has the same password)"
        )
