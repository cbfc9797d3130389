"""Background jobs of the import module (Django Tasks; the database backend by default)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_import_task(job_id: int) -> None:
    """Run (or resume) one import. A job another worker holds, or one no longer queued, is left
    alone, so enqueueing twice is harmless."""
    from .services.processing import run_import

    run_import(job_id)
