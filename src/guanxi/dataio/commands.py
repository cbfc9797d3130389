"""What `guanxi import` and `guanxi export` share: the member they act as."""

from __future__ import annotations

from django.core.management.base import CommandError

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
