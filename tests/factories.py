"""factory_boy factories, and the sample objects the route sweeps create per object type."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import factory

from guanxi.core.models import AuditEvent, Membership, Role, Team, User, Workspace
from guanxi.core.services.workspaces import roles_install_defaults

TEST_PASSWORD = "correct-horse-battery-9"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Sequence(lambda n: f"User {n}")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class WorkspaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workspace
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Workspace {n}")
    slug = factory.Sequence(lambda n: f"ws-{n}")
    locale = "en"

    @factory.post_generation
    def roles(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            roles_install_defaults(workspace=obj)


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Sequence(lambda n: f"Team {n}")


def role(workspace: Workspace, key: str) -> Role:
    return Role.objects.get(workspace=workspace, key=key)


def make_member(
    workspace: Workspace,
    role_key: str = "admin",
    *,
    team: Team | None = None,
    user: User | None = None,
    **role_overrides: Any,
) -> Membership:
    """A member of `workspace` with a default role, or with a custom role when overrides are given
    (e.g. permissions={}, data_scope="team")."""
    if role_overrides:
        base = role(workspace, role_key) if role_key else None
        the_role = Role.objects.create(
            workspace=workspace,
            name=f"custom {Role.objects.count()}",
            data_scope=role_overrides.get("data_scope", base.data_scope if base else "all"),
            permissions=role_overrides.get("permissions", base.permissions if base else {}),
            hidden_fields=role_overrides.get("hidden_fields", {}),
            readonly_fields=role_overrides.get("readonly_fields", {}),
        )
    else:
        the_role = role(workspace, role_key)
    return Membership.objects.create(
        workspace=workspace, user=user or UserFactory(), role=the_role, team=team
    )


# --- Objects for the route sweeps: object type key -> factory(workspace) -> (model instance, id in URL)

SweepFactory = Callable[[Workspace], tuple[Any, Any]]


def _sweep_member(workspace: Workspace) -> tuple[Any, Any]:
    member = make_member(workspace, "sales_rep")
    return member, member.user_id


def _sweep_team(workspace: Workspace) -> tuple[Any, Any]:
    team = TeamFactory(workspace=workspace)
    return team, team.pk


def _sweep_role(workspace: Workspace) -> tuple[Any, Any]:
    the_role = Role.objects.create(
        workspace=workspace, name=f"Sweep role {Role.objects.count()}", permissions={}
    )
    return the_role, the_role.pk


def _sweep_audit_event(workspace: Workspace) -> tuple[Any, Any]:
    event = AuditEvent.objects.create(workspace=workspace, action="sweep.test", object_type="teams")
    return event, event.pk


def _sweep_note(workspace: Workspace) -> tuple[Any, Any]:
    from tests.plugin_app.models import Note

    owner = make_member(workspace, "sales_rep")
    note = Note.objects.create(workspace=workspace, title="Sweep note", owner=owner.user)
    return note, note.pk


SWEEP_FACTORIES: dict[str, SweepFactory] = {
    "members": _sweep_member,
    "teams": _sweep_team,
    "roles": _sweep_role,
    "audit_events": _sweep_audit_event,
    "notes": _sweep_note,
}


def _module_sweeps() -> None:
    """Each business module's tests keep their sweep factories in tests/<module>/sweeps.py
    (a dict SWEEPS like the one above); they are merged here."""
    import importlib

    for module in ("customers", "activities", "dataio"):
        try:
            found = importlib.import_module(f"tests.{module}.sweeps")
        except ModuleNotFoundError as exc:
            if exc.name != f"tests.{module}.sweeps":
                raise
            continue
        SWEEP_FACTORIES.update(found.SWEEPS)


_module_sweeps()
