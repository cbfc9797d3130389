from typing import Any

from django import template

from guanxi.activities.panels import record_url
from guanxi.activities.plugins import ACTIVITY_ICONS

register = template.Library()


@register.filter
def customer_url(record: Any) -> str:
    """The page of an account or a contact ("" while the customers pages are not installed)."""
    return record_url(record)


@register.filter
def activity_icon(activity_type: str) -> str:
    return ACTIVITY_ICONS.get(activity_type, "point")
