from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "guanxi.activities"
    label = "activities"
    verbose_name = _("Activities")
    api_router = "guanxi.activities.api.router"

    def ready(self) -> None:
        from .plugins import register_activities

        register_activities()
        from . import scheduled_jobs  # noqa: F401  (declares the reminder job)
