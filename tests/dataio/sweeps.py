"""Sample records for the shared route sweeps (merged into tests.factories.SWEEP_FACTORIES)."""

from __future__ import annotations

import io
from typing import Any

from guanxi.core.models import Workspace
from tests.factories import make_member


def _import_job(workspace: Workspace) -> tuple[Any, Any]:
    """A finished dry run of a two-row contacts file (so every /imports/{id} route has something
    to act on: rows, an error file, a dry run to run for real)."""
    from guanxi.dataio.services.imports import import_create
    from guanxi.dataio.services.processing import run_import

    admin = make_member(workspace, "admin")
    job = import_create(
        actor=admin,
        object_type="contacts",
        upload=io.BytesIO("姓名,手机\n张三,13812345678\n李四,12\n".encode()),
        filename="sweep.csv",
        dry_run=True,
        background=False,
    )
    run_import(job.pk)
    job.refresh_from_db()
    return job, job.pk


SWEEPS = {"imports": _import_job}
