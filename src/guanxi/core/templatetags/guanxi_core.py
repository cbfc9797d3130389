from django import template

from guanxi.core.audit_actions import action_label

register = template.Library()


@register.filter
def audit_action(code: str) -> str:
    """The human label of an audit action code ("auth.sign_in" → "Signed in")."""
    return action_label(code)
