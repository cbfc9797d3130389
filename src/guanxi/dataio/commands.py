"""What `guanxi import` and `guanxi export` share: the member they act as, the language and time
zone they speak in, and how a domain error becomes a command error."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.management.base import CommandError
from django.utils import timezone, translation

from guanxi.core.errors import GuanxiError
from guanxi.core.models import Membership


def command_actor(workspace: str, email: str | None) -> Membership:
    """The workspace's owner, or the active member with `email` (whose role then applies)."""
    members = (
        Membership.objects.active()
        .select_related("workspace", "user", "role", "team")
        .filter(workspace__slug=workspace)
    )
    if email:
        member = members.filter(user__email=email.strip().lower()).first()
        if member is None:
            raise CommandError(f"{email} is not an active member of workspace '{workspace}'.")
        return member
    member = members.filter(role__is_owner=True).order_by("joined_at", "id").first()
    if member is None:
        raise CommandError(f"Workspace '{workspace}' does not exist or has no active owner.")
    return member


@contextmanager
def workspace_locale(actor: Membership) -> Iterator[None]:
    """The workspace's language and time zone, as its import jobs and pages use: messages,
    column headers, labels and times of a Chinese workspace come out in Chinese and its zone."""
    workspace = actor.workspace
    try:
        zone = zoneinfo.ZoneInfo(workspace.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    with translation.override(workspace.locale or settings.LANGUAGE_CODE), timezone.override(zone):
        yield


def command_error(error: GuanxiError) -> CommandError:
    """The error's message and each field's problems, without repeating the message."""
    problems = [
        f"{name}: {' '.join(map(str, messages))}"
        for name, messages in error.fields.items()
        if [str(m) for m in messages] != [str(error.message)]
    ]
    return CommandError(" ".join([str(error.message), *problems]).strip())
