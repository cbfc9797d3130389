from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from guanxi.core import selectors
from guanxi.core.models import Membership
from guanxi.core.permissions import can
from guanxi.core.registry import search_providers


def home_summary(membership: Membership) -> dict[str, Any]:
    """What the overview shows: a getting-started list and recent activity, each only when the
    member may see what it is about. Until business modules register dashboard panels this is
    the workspace's own state."""
    user = membership.user
    summary: dict[str, Any] = {"steps": [], "recent": []}
    steps = summary["steps"]
    if can(membership, "teams", "create"):
        steps.append(
            {
                "label": _("Set up your departments"),
                "url": reverse("core:teams"),
                "done": selectors.team_list(actor=membership).exists(),
            }
        )
    if can(membership, "members", "create"):
        invited = (
            selectors.member_list(actor=membership).count() > 1
            or selectors.invitation_list(actor=membership).exists()
        )
        steps.append(
            {
                "label": _("Invite your colleagues"),
                "url": reverse("core:invitations"),
                "done": invited,
            }
        )
    steps.append(
        {
            "label": _("Choose your language and time zone"),
            "url": reverse("core:profile"),
            "done": bool(user.time_zone),
        }
    )
    steps.append(
        {
            "label": _("Turn on two-factor authentication"),
            "url": reverse("core:security"),
            "done": user.has_two_factor,
        }
    )
    if can(membership, "members", "view"):
        summary["member_count"] = selectors.member_list(actor=membership, is_active=True).count()
    if can(membership, "teams", "view"):
        summary["team_count"] = selectors.team_list(actor=membership).count()
    if can(membership, "audit_events", "view"):
        summary["recent"] = list(
            selectors.audit_list(actor=membership).order_by("-created_at", "-id")[:8]
        )
    return summary


@login_required
def home(request: HttpRequest) -> HttpResponse:
    membership = getattr(request, "membership", None)
    if membership is None:
        return redirect("core:no-workspace")
    return render(request, "web/home.html", home_summary(membership))


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
