from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from guanxi.core.errors import GuanxiError
from guanxi.core.models import Membership
from guanxi.core.services.tokens import token_create


class Command(BaseCommand):
    help = (
        "Manage API tokens: `guanxi token create --email E --workspace SLUG [--scope read|write]`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="print a new API token")
        create.add_argument("--email", required=True)
        create.add_argument("--workspace", required=True)
        create.add_argument("--scope", choices=["read", "write"], default="read")
        create.add_argument("--name", default="command line")
        create.add_argument("--expires-days", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        member = (
            Membership.objects.active()
            .select_related("workspace", "user")
            .filter(
                user__email=options["email"].strip().lower(), workspace__slug=options["workspace"]
            )
            .first()
        )
        if member is None:
            raise CommandError(
                f"{options['email']} is not an active member of workspace '{options['workspace']}'."
            )
        expires = (
            timezone.now() + timedelta(days=options["expires_days"])
            if options["expires_days"]
            else None
        )
        try:
            _token, raw = token_create(
                member=member, name=options["name"], scope=options["scope"], expires_at=expires
            )
        except GuanxiError as error:
            raise CommandError(error.message)
        # Only the token itself on stdout, so scripts can capture it.
        self.stdout.write(raw)
