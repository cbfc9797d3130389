"""Settings for the worker subprocesses: the test settings, the database task backend (so the
task thread runs) and an app with a one-second periodic job and a task."""

from tests.settings import *  # noqa: F403
from tests.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.ops.worker_app.apps.WorkerAppConfig"]
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
