"""In-app notifications. Modules call `notify`; the bell in the top bar and /notifications read
them. A notification about a ref is written at most once per (user, kind, ref)."""

from __future__ import annotations

from typing import Any

from .models import Notification


def notify(
    *,
    workspace_id: int,
    user_id: int,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    ref: tuple[str, int] | None = None,
    once: bool = False,
) -> Notification | None:
    """Write a notification. With `once`, nothing is written if the same user already has one of
    this kind about `ref` (a reminder retried by the worker is not sent twice)."""
    if once and ref is not None:
        exists = Notification.objects.filter(
            workspace_id=workspace_id, user_id=user_id, kind=kind, ref_type=ref[0], ref_id=ref[1]
        ).exists()
        if exists:
            return None
    return Notification.objects.create(
        workspace_id=workspace_id,
        user_id=user_id,
        kind=kind,
        title=title[:255],
        body=body,
        url=url,
        ref_type=ref[0] if ref else "",
        ref_id=ref[1] if ref else None,
    )


def unread_count(*, workspace_id: int, user_id: int) -> int:
    return Notification.objects.filter(
        workspace_id=workspace_id, user_id=user_id, read_at__isnull=True
    ).count()


def recent(*, workspace_id: int, user_id: int, limit: int = 20) -> list[Any]:
    return list(
        Notification.objects.filter(workspace_id=workspace_id, user_id=user_id).order_by(
            "-created_at", "-id"
        )[:limit]
    )
