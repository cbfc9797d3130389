from django.apps import AppConfig


class WorkerAppConfig(AppConfig):
    name = "tests.ops.worker_app"
    label = "ops_worker_app"

    def ready(self) -> None:
        from . import jobs  # noqa: F401  (declares the periodic job)
