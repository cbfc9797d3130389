from django.apps import AppConfig


class PluginAppConfig(AppConfig):
    """A stand-in for a later business module: an owned object type with its own API routes."""

    name = "tests.plugin_app"
    label = "plugin_app"
    api_router = "tests.plugin_app.api.router"

    def ready(self) -> None:
        from guanxi.core.registry import FieldSpec, ObjectType, register_object_type

        register_object_type(
            ObjectType(
                key="notes",
                label="Notes",
                model="plugin_app.Note",
                module="customers",
                fields=(FieldSpec("title", "Title", can_hide=False), FieldSpec("budget", "Budget")),
                owner_field="owner",
                default_grants={
                    "admin": ("view", "create", "edit", "delete"),
                    "sales_manager": ("view", "create", "edit"),
                    "sales_rep": ("view", "create", "edit"),
                    "read_only": ("view",),
                },
                api_path="/notes",
            )
        )
