from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from guanxi.core.models import Membership, Team, User, Workspace
from guanxi.core.seeding import SEED_OPTIONS, SeedContext, seeders
from guanxi.core.services.workspaces import roles_install_defaults

SEED_PASSWORD = "guanxi-seed-2026"


class Command(BaseCommand):
    help = (
        "Bulk-generate synthetic bilingual data for benchmarks, e.g. "
        "`guanxi seed --workspace bench --contacts 1000000 --accounts 200000 "
        "--activities 3000000`. Adds to the workspace if it exists."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workspace", required=True, help="slug of the workspace to fill")
        parser.add_argument("--members", type=int, default=50, help="sales reps to create")
        parser.add_argument(
            "--noise",
            type=int,
            default=2,
            help="other workspaces to fill with a tenth as much data (tenancy noise)",
        )
        parser.add_argument("--seed", type=int, default=2026, help="random seed")
        for option, help_text in sorted(SEED_OPTIONS.items()):
            parser.add_argument(f"--{option}", type=int, default=0, help=help_text)

    def handle(self, *args: Any, **options: Any) -> None:
        counts = {option: options[option.replace("-", "_")] for option in SEED_OPTIONS}
        if any(n < 0 for n in counts.values()) or options["members"] < 1:
            raise CommandError("counts must be positive")
        started = time.monotonic()
        self._fill(options["workspace"], counts, options["members"], options["seed"])
        for index in range(options["noise"]):
            noise_counts = {k: v // 10 for k, v in counts.items()}
            self._fill(
                f"{options['workspace']}-noise-{index + 1}",
                noise_counts,
                max(2, options["members"] // 10),
                options["seed"] + index + 1,
            )
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            # What autovacuum would do after a bulk load: statistics for the planner and the
            # visibility map that lets counts read indexes only (servers with autovacuum off, as
            # benchmark machines often are, would otherwise measure a never-vacuumed table).
            # VACUUM cannot run in a transaction (a caller's, or a test's): skipped there.
            began = time.monotonic()
            with connection.cursor() as cursor:
                cursor.execute("VACUUM (ANALYZE)")
            self.stdout.write(f"  VACUUM (ANALYZE): {time.monotonic() - began:.1f} s")
        elif connection.vendor == "sqlite":
            from guanxi.core.scheduled_jobs import refresh_sqlite_statistics_now

            refresh_sqlite_statistics_now()  # what the daily job would do
        self.stdout.write(f"Seeded in {time.monotonic() - started:.1f} s.")

    def _fill(self, slug: str, counts: dict[str, int], member_count: int, seed: int) -> None:
        workspace, members = self._workspace(slug, member_count)
        context = SeedContext(
            workspace=workspace,
            members=members,
            counts=counts,
            seed=seed,
            log=lambda message: self.stdout.write(f"  [{slug}] {message}"),
        )
        for name, seeder in seeders():
            began = time.monotonic()
            seeder(context)
            self.stdout.write(f"  [{slug}] {name}: {time.monotonic() - began:.1f} s")

    @transaction.atomic
    def _workspace(self, slug: str, member_count: int) -> tuple[Workspace, list[Membership]]:
        workspace = Workspace.objects.filter(slug=slug).first()
        if workspace is None:
            workspace = Workspace.objects.create(name=f"Bench {slug}", slug=slug, locale="zh-hans")
        roles = roles_install_defaults(workspace=workspace)
        owner_email = f"owner@{slug}.seed.local"
        owner = User.objects.filter(email=owner_email).first() or User.objects.create_user(
            email=owner_email, password=SEED_PASSWORD, name=f"Owner {slug}"
        )
        Membership.objects.get_or_create(
            workspace=workspace, user=owner, defaults={"role": roles["owner"]}
        )
        teams = []
        for index in range(max(1, member_count // 10)):
            team, _created = Team.objects.get_or_create(
                workspace=workspace, name=f"销售{index + 1}组"
            )
            teams.append(team)
        members = list(Membership.objects.filter(workspace=workspace, role=roles["sales_rep"]))
        for index in range(len(members), member_count):
            email = f"rep{index + 1}@{slug}.seed.local"
            user = User.objects.filter(email=email).first() or User.objects.create_user(
                email=email, password=SEED_PASSWORD, name=f"Rep {index + 1}"
            )
            members.append(
                Membership.objects.create(
                    workspace=workspace,
                    user=user,
                    role=roles["sales_rep"],
                    team=teams[index % len(teams)],
                )
            )
        return workspace, members
