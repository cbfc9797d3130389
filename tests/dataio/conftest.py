from __future__ import annotations

import io
from typing import Any

import pytest

from guanxi.dataio.models import ImportJob
from guanxi.dataio.services.imports import import_create
from guanxi.dataio.services.processing import run_import
from tests.factories import make_member


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Uploaded files go to a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "media"


def csv_bytes(text: str, encoding: str = "utf-8") -> bytes:
    return text.encode(encoding)


def start_import(
    actor: Any,
    object_type: str,
    content: bytes,
    *,
    filename: str = "import.csv",
    run: bool = True,
    **options: Any,
) -> ImportJob:
    """Create an import of `content` and run it here (as the command line does)."""
    job = import_create(
        actor=actor,
        object_type=object_type,
        upload=io.BytesIO(content),
        filename=filename,
        background=False,
        **options,
    )
    if run:
        run_import(job.pk)
    job.refresh_from_db()
    return job


@pytest.fixture
def rep(workspace):
    return make_member(workspace, "sales_rep")
