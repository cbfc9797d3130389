from __future__ import annotations

import os
import uuid
from datetime import timedelta
from pathlib import Path

from django_tasks import task

from guanxi.core.scheduler import current_tick, periodic


def _write_marker(kind: str, key: str) -> None:
    # One new file per run (never overwritten): a duplicate run shows up as a second file.
    directory = Path(os.environ["GUANXI_TEST_OUTPUT_DIR"]) / kind
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{key}.{os.getpid()}.{uuid.uuid4().hex}").write_text("")


@periodic("tests.every_second", every=timedelta(seconds=1))
def every_second() -> None:
    tick = current_tick()
    assert tick is not None
    _write_marker("ticks", tick.strftime("%Y%m%dT%H%M%S"))


@task()
def record_task(number: int) -> None:
    _write_marker("tasks", str(number))
