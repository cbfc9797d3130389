from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "guanxi.core"
    label = "core"
    verbose_name = _("Core")
    # Dotted path of this app's ninja router; guanxi.api mounts every app's router.
    api_router = "guanxi.core.api.router"

    def ready(self) -> None:
        from django.urls import register_converter

        from .converters import IdConverter

        # `<id:pk>` in page URLs (before any URLconf is loaded).
        register_converter(IdConverter, "id")
        from .object_types import register_core_object_types

        register_core_object_types()
        from . import scheduled_jobs  # noqa: F401  (declares core's periodic jobs)
