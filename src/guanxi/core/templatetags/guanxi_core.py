from django import template
from django.forms import BoundField

from guanxi.core.audit_actions import action_label

register = template.Library()


@register.filter
def audit_action(code: str) -> str:
    """The human label of an audit action code ("auth.sign_in" → "Signed in")."""
    return action_label(code)


@register.filter
def widget(field: BoundField) -> str:
    """Render a form field's widget, marked `is-invalid` when the field has errors (Bootstrap
    draws the red border and shows the message that follows)."""
    if not field.errors:
        return field.as_widget()
    css = f"{field.field.widget.attrs.get('class', '')} is-invalid".strip()
    return field.as_widget(attrs={"class": css})
