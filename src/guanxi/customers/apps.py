from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "guanxi.customers"
    label = "customers"
    verbose_name = _("Customers")
    api_router = "guanxi.customers.api.router"

    def ready(self) -> None:
        from .plugins import register_customers

        register_customers()
        from . import scheduled_jobs  # noqa: F401  (declares the module's periodic jobs)
