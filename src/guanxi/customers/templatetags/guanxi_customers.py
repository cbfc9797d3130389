"""Template tags of the customers module."""

from __future__ import annotations

from typing import Any

from django import template

from ..normalize import phone_display

register = template.Library()


@register.simple_tag(takes_context=True)
def phone(context: Any, number: str) -> str:
    """A stored E.164 number as people write it, nationally for the workspace's region."""
    membership = context.get("membership") or getattr(context.get("request"), "membership", None)
    region = getattr(getattr(membership, "workspace", None), "phone_region", "") or "CN"
    return phone_display(number or "", region)
