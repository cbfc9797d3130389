"""The customers module's periodic jobs, run by `guanxi worker`."""

from __future__ import annotations

from guanxi.core.scheduler import periodic


@periodic("customers.pool_recycle", cron="0 2 * * *")  # 02:00 in TIME_ZONE
def recycle_pools() -> None:
    """Apply every workspace's recycle rules, then warn owners of what is due soon."""
    from .models import CustomerPool
    from .services.pool import pool_recycle, pool_remind

    workspace_ids = (
        CustomerPool.objects.values_list("workspace_id", flat=True).distinct().order_by()
    )
    for workspace_id in list(workspace_ids):
        pool_recycle(workspace_id=workspace_id)
        pool_remind(workspace_id=workspace_id)
