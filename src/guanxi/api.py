"""Assembles the REST API at /api/v1 from every installed app's router.

An app exposes its router by naming it in its AppConfig (`api_router = "guanxi.x.api.router"`);
nothing here changes when a module is added.
"""

from __future__ import annotations

from django.apps import apps
from django.utils.module_loading import import_string
from ninja import NinjaAPI

from guanxi.core.apikit import BearerToken, install_error_handlers


def build_api() -> NinjaAPI:
    api = NinjaAPI(
        title="Guanxi API",
        version="1",
        description="REST API of Guanxi. Authenticate with `Authorization: Bearer <token>`.",
        auth=BearerToken(),
        urls_namespace="api",
        docs_url="/docs",
        openapi_url="/openapi.json",
    )
    install_error_handlers(api)
    for config in apps.get_app_configs():
        router_path = getattr(config, "api_router", None)
        if router_path:
            api.add_router("", import_string(router_path))
    return api


api = build_api()
