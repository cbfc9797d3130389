from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DataioConfig(AppConfig):
    name = "guanxi.dataio"
    label = "dataio"
    verbose_name = _("Import and export")
    api_router = "guanxi.dataio.api.router"

    def ready(self) -> None:
        from .plugins import register_dataio

        register_dataio()
        from . import scheduled_jobs  # noqa: F401  (declares the module's periodic jobs)
