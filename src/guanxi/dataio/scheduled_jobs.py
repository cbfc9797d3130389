"""The import module's periodic jobs, run by `guanxi worker`."""

from __future__ import annotations

from datetime import timedelta

from guanxi.core.scheduler import periodic


@periodic("dataio.resume_stalled_imports", every=timedelta(minutes=1))
def resume_stalled_imports() -> None:
    """An import whose worker died (no heartbeat for IMPORT_STALL_SECONDS) is queued again and
    continues from its checkpoint."""
    from .services.imports import resume_stalled

    resume_stalled()


@periodic("dataio.purge_import_files", cron="30 3 * * *")  # 03:30 in TIME_ZONE
def purge_import_files() -> None:
    """Uploaded files are kept IMPORT_FILE_DAYS after their import finished."""
    from .services.imports import purge_old_files

    purge_old_files()
