from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from guanxi.core.permissions import can_path
from guanxi.core.registry import nav_items

from .navigation import SECTIONS


def shell(request: HttpRequest) -> dict[str, Any]:
    """Navigation and workspace switcher for the layout; only what the member may open.

    Computed once per request, and each part only when a template uses it: fragments rendered
    with the request (record-page panels, htmx answers) run the context processors again, and
    must not repeat or even make these queries."""
    cached = getattr(request, "_guanxi_shell", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    result = _shell(request)
    request._guanxi_shell = result  # type: ignore[attr-defined]
    return result


def _shell(request: HttpRequest) -> dict[str, Any]:
    # Each language is offered in its own name ("English", "简体中文"), whatever the page's language.
    language_choices = settings.LANGUAGES
    membership = getattr(request, "membership", None)
    if membership is None:
        return {"membership": None, "language_choices": language_choices}
    from guanxi.core.middleware import memberships_of
    from guanxi.core.notifications import unread_count

    # Computed where a template first uses them (the template engine calls a callable), once:
    # htmx fragments render with the request's context processors too and show none of the
    # shell, which cost them two queries and the navigation each.
    return {
        "membership": membership,
        "language_choices": language_choices,
        "workspace": membership.workspace,
        "nav_sections": functools.cache(lambda: _nav_sections(request, membership)),
        "switchable_memberships": functools.cache(lambda: memberships_of(request.user)),
        "unread_notifications": functools.cache(
            lambda: unread_count(workspace_id=membership.workspace_id, user_id=membership.user_id)
        ),
    }


def _nav_sections(request: HttpRequest, membership: Any) -> list[dict[str, Any]]:
    sections: dict[str, dict[str, Any]] = {}
    for item in nav_items():
        if not can_path(membership, item.permission):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        label, icon = SECTIONS.get(item.section, (item.section, "circle"))
        section = sections.setdefault(
            item.section, {"key": item.section, "label": label, "icon": icon, "items": []}
        )
        section["items"].append(
            {
                "label": item.label,
                "url": url,
                "icon": item.icon,
                "active": request.path == url or (url != "/" and request.path.startswith(url)),
            }
        )
    # Sections without a page the member may open are shown greyed out, in their place, so the
    # sidebar keeps one shape as modules are installed.
    return [
        sections.get(key) or {"key": key, "label": label, "icon": icon, "items": [], "coming": True}
        for key, (label, icon) in SECTIONS.items()
    ]
