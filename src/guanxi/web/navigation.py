"""The sidebar sections. Modules add their pages with registry.register_nav_item."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.registry import NavItem, register_nav_item

# Section key -> (label, icon). The order is the sidebar's order.
SECTIONS = {
    "home": (_("Home"), "home"),
    # "Customers" alone is 客户, which is also the accounts page in it: the section is 客户管理.
    "customers": (pgettext_lazy("navigation section", "Customers"), "users"),
    "sales": (_("Sales"), "chart-arrows"),
    "marketing": (_("Marketing"), "speakerphone"),
    "service": (_("Service"), "lifebuoy"),
    "analytics": (_("Analytics"), "chart-pie"),
    "settings": (_("Settings"), "settings"),
}


def register_shell_navigation() -> None:
    register_nav_item(NavItem("home", _("Overview"), "web:home", icon="home", order=0))
    register_nav_item(
        NavItem(
            "settings",
            _("Workspace"),
            "core:workspace-settings",
            icon="building",
            permission="workspace.view",
            order=895,
        )
    )
    register_nav_item(
        NavItem(
            "settings",
            _("Members"),
            "core:members",
            icon="users",
            permission="members.view",
            order=900,
        )
    )
    register_nav_item(
        NavItem(
            "settings",
            _("Teams"),
            "core:teams",
            icon="hierarchy",
            permission="teams.view",
            order=910,
        )
    )
    register_nav_item(
        NavItem(
            "settings",
            _("Roles"),
            "core:roles",
            icon="shield-lock",
            permission="roles.view",
            order=920,
        )
    )
    register_nav_item(
        NavItem(
            "settings",
            _("Audit log"),
            "core:audit",
            icon="history",
            permission="audit_events.view",
            order=930,
        )
    )
    register_nav_item(NavItem("settings", _("API tokens"), "core:tokens", icon="key", order=940))
