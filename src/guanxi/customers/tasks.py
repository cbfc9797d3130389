"""Background jobs of the customers module (Django Tasks; the database backend by default)."""

from __future__ import annotations

from django_tasks import task


@task()
def refresh_search_task(
    workspace_id: int,
    object_type: str,
    *,
    account_id: int | None = None,
    custom_key: str | None = None,
) -> None:
    """Bring stale search text up to date (see services/search_index.py). Idempotent."""
    from .services.search_index import search_text_refresh

    search_text_refresh(
        workspace_id=workspace_id,
        object_type=object_type,
        account_id=account_id,
        custom_key=custom_key,
    )
