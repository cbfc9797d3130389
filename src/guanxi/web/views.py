from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from guanxi.core.registry import search_providers


@login_required
def home(request: HttpRequest) -> HttpResponse:
    if getattr(request, "membership", None) is None:
        return redirect("core:no-workspace")
    return render(request, "web/home.html", {})


@login_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """Global search and the command palette: every registered provider, scoped to the member."""
    query = request.GET.get("q", "").strip()[:100]
    membership = getattr(request, "membership", None)
    results: list[dict[str, Any]] = []
    if query and membership is not None:
        for provider in search_providers().values():
            results.extend(provider(membership, query, 10))
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "web/search.html#results", {"query": query, "results": results})
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"query": query, "results": results})
    return render(request, "web/search.html", {"query": query, "results": results})


@require_GET
@cache_control(max_age=3600, public=True)
def manifest(request: HttpRequest) -> JsonResponse:
    data = {
        "name": "Guanxi CRM",
        "short_name": _("Guanxi"),
        "description": _("Customers, sales, marketing and service in one place."),
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#f6f8fb",
        "theme_color": "#c0392b",
        "icons": [
            {
                "src": static("web/icon.svg"),
                "sizes": "any",
                "type": "image/svg+xml",
                "purpose": "any",
            },
            {"src": static("web/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("web/icon-512.png"), "sizes": "512x512", "type": "image/png"},
        ],
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    return response
