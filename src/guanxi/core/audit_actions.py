"""Human labels for audit actions, so the audit log reads as sentences, not codes.

Modules register their own actions with `register_audit_action` in AppConfig.ready(); an action
without a label is shown by its code.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

_labels: dict[str, Any] = {
    "workspace.create": _("Created the workspace"),
    "workspace.update": _("Changed workspace settings"),
    "member.update": _("Changed a member"),
    "team.create": _("Created a team"),
    "team.update": _("Changed a team"),
    "team.delete": _("Deleted a team"),
    "role.create": _("Created a role"),
    "role.update": _("Changed a role"),
    "role.delete": _("Deleted a role"),
    "token.create": _("Created an API token"),
    "token.revoke": _("Revoked an API token"),
    "invitation.create": _("Invited a member"),
    "invitation.resend": _("Resent an invitation"),
    "invitation.revoke": _("Revoked an invitation"),
    "invitation.accept": _("Accepted an invitation"),
    "audit.export": _("Exported the audit log"),
    "user.profile_update": _("Changed their profile"),
    "auth.sign_in": _("Signed in"),
    "auth.sign_in_password_ok": _("Entered the right password; two-factor code pending"),
    "auth.sign_out": _("Signed out"),
    "auth.sign_in_failed": _("Failed to sign in"),
    "auth.sign_in_locked": _("Sign-in refused: account locked"),
    "auth.sign_in_throttled": _("Sign-in refused: too many attempts"),
    "auth.password_change": _("Changed their password"),
    "auth.password_reset": _("Reset their password"),
    "auth.sessions_end_others": _("Signed out their other sessions"),
    "auth.two_factor_enable": _("Turned on two-factor authentication"),
    "auth.two_factor_disable": _("Turned off two-factor authentication"),
    "auth.two_factor_failed": _("Entered a wrong two-factor code"),
}


def register_audit_action(code: str, label: Any) -> None:
    _labels[code] = label


def action_label(code: str) -> str:
    label = _labels.get(code)
    return str(label) if label is not None else code


def action_labels() -> dict[str, Any]:
    return dict(_labels)
