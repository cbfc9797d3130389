"""Sample records for the shared route sweeps (merged into tests.factories.SWEEP_FACTORIES)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from guanxi.core.models import Workspace
from tests.factories import make_member


def _activity(workspace: Workspace) -> tuple[Any, Any]:
    from guanxi.activities.models import Activity

    rep = make_member(workspace, "sales_rep")
    activity = Activity.objects.create(
        workspace=workspace,
        type="call",
        subject="Sweep call",
        occurred_at=timezone.now(),
        owner=rep.user,
        created_by=rep.user,
    )
    return activity, activity.pk


def _task(workspace: Workspace) -> tuple[Any, Any]:
    from guanxi.activities.models import Task

    rep = make_member(workspace, "sales_rep")
    task = Task.objects.create(
        workspace=workspace,
        title="Sweep task",
        due_at=timezone.now() + timedelta(days=1),
        assignee=rep.user,
        created_by=rep.user,
    )
    return task, task.pk


SWEEPS = {"activities": _activity, "tasks": _task}
