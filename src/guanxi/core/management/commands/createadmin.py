from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from guanxi.core.errors import GuanxiError
from guanxi.core.models import Membership, User, Workspace
from guanxi.core.services.workspaces import roles_install_defaults, workspace_create


class Command(BaseCommand):
    help = "Create a user who owns a workspace (the workspace is created when missing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--name", default="")
        parser.add_argument("--workspace", default="main", help="workspace slug (default: main)")
        parser.add_argument("--workspace-name", default="")

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        email = options["email"].strip().lower()
        user = User.objects.filter(email=email).first()
        if user is None:
            candidate = User(email=email, name=options["name"] or email.split("@")[0])
            try:
                validate_password(options["password"], candidate)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages))
            user = User.objects.create_user(
                email=email, password=options["password"], name=candidate.name
            )
        workspace = Workspace.objects.filter(slug=options["workspace"]).first()
        if workspace is None:
            try:
                workspace = workspace_create(
                    name=options["workspace_name"] or options["workspace"],
                    slug=options["workspace"],
                    owner=user,
                )
            except GuanxiError as error:
                raise CommandError(f"{error.message} {error.fields}")
        else:
            owner_role = roles_install_defaults(workspace=workspace)["owner"]
            Membership.objects.update_or_create(
                workspace=workspace, user=user, defaults={"role": owner_role, "is_active": True}
            )
        self.stdout.write(f"{email} owns workspace '{workspace.slug}'.")
