"""What the customers module registers with core at start-up: object types (permissions, data
scope, hidden fields), timeline kinds, recycle bin entries, custom field targets, navigation,
workspace defaults."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.audit_actions import register_audit_action
from guanxi.core.registry import (
    FieldSpec,
    NavItem,
    ObjectType,
    Recyclable,
    TimelineKind,
    register_demo_step,
    register_nav_item,
    register_object_type,
    register_recyclable,
    register_timeline_kind,
    register_workspace_setup,
)

ALL = ("view", "create", "edit", "delete", "export", "import", "assign")

ACCOUNT_FIELDS = (
    FieldSpec("name", _("Name"), can_hide=False),
    FieldSpec("credit_code", _("Unified social credit code")),
    FieldSpec("industry", _("Industry")),
    FieldSpec("size", _("Size")),
    FieldSpec("website", _("Website")),
    FieldSpec("phone", _("Phone")),
    FieldSpec("other_phones", _("Other phones")),
    FieldSpec("email", _("Email")),
    FieldSpec("other_emails", _("Other emails")),
    FieldSpec("country", _("Country")),
    FieldSpec("province", _("Province")),
    FieldSpec("city", _("City")),
    FieldSpec("address", _("Street address")),
    FieldSpec("level", _("Customer level")),
    FieldSpec("stage", _("Lifecycle stage")),
    FieldSpec("source", _("Source")),
    FieldSpec("owner", pgettext_lazy("record owner", "Owner")),
    FieldSpec("tags", _("Tags")),
    FieldSpec("description", _("Notes")),
    FieldSpec("custom", _("Custom fields")),
    FieldSpec("last_followed_at", _("Last follow-up")),
)
CONTACT_FIELDS = (
    FieldSpec("name", pgettext_lazy("person", "Name"), can_hide=False),
    FieldSpec("account", _("Account")),
    FieldSpec("title", _("Job title")),
    FieldSpec("mobile", _("Mobile")),
    FieldSpec("phone", _("Phone")),
    FieldSpec("other_phones", _("Other phones")),
    FieldSpec("email", _("Email")),
    FieldSpec("other_emails", _("Other emails")),
    FieldSpec("wechat", _("WeChat ID")),
    FieldSpec("birthday", _("Birthday")),
    FieldSpec("email_consent", _("Email marketing consent")),
    FieldSpec("sms_consent", _("SMS marketing consent")),
    FieldSpec("source", _("Source")),
    FieldSpec("owner", pgettext_lazy("record owner", "Owner")),
    FieldSpec("tags", _("Tags")),
    FieldSpec("description", _("Notes")),
    FieldSpec("custom", _("Custom fields")),
    FieldSpec("last_followed_at", _("Last follow-up")),
)
CUSTOMER_GRANTS: dict[str, tuple[str, ...]] = {
    "admin": ALL,
    "sales_manager": ALL,
    "sales_rep": ("view", "create", "edit"),
    "service_agent": ("view", "create", "edit"),
    "marketer": ("view", "export"),
    "read_only": ("view",),
}


def _url(name: str) -> Any:
    return lambda obj: reverse(name, args=[obj.pk])


# What the audit log and the home page's recent activity say for this module's actions.
AUDIT_ACTIONS = {
    "account.create": _("Created an account"),
    "account.update": _("Changed an account"),
    "account.delete": _("Deleted an account"),
    "account.restore": _("Restored an account"),
    "account.purge": _("Purged an account"),
    "account.merge": _("Merged accounts"),
    "account.merged_away": _("Merged an account into another"),
    "account.merge_undo": _("Undid an account merge"),
    "account.claim": _("Claimed an account from the pool"),
    "account.return": _("Returned an account to the pool"),
    "account.assign": _("Assigned an account"),
    "account.recycle": _("Recycled an account to the pool"),
    "contact.create": _("Created a contact"),
    "contact.update": _("Changed a contact"),
    "contact.delete": _("Deleted a contact"),
    "contact.restore": _("Restored a contact"),
    "contact.purge": _("Purged a contact"),
    "contact.merge": _("Merged contacts"),
    "contact.merged_away": _("Merged a contact into another"),
    "contact.merge_undo": _("Undid a contact merge"),
    "contact.claim": _("Claimed a contact from the pool"),
    "contact.return": _("Returned a contact to the pool"),
    "contact.assign": _("Assigned a contact"),
    "contact.recycle": _("Recycled a contact to the pool"),
    "custom_field.create": _("Created a custom field"),
    "custom_field.update": _("Changed a custom field"),
    "custom_field.archive": _("Archived a custom field"),
    "custom_field.restore": _("Restored a custom field"),
    "tag.create": _("Created a tag"),
    "tag.update": _("Changed a tag"),
    "tag.delete": _("Deleted a tag"),
    "picklist.update": _("Changed a pick list"),
    "pool.create": _("Created a customer pool"),
    "pool.update": _("Changed a customer pool"),
    "holding_limit.set": _("Set a holding limit"),
}


def register_customers() -> None:
    from .services.accounts import account_purge, account_restore
    from .services.contacts import contact_purge, contact_restore
    from .services.definitions import picklists_install_defaults, register_custom_field_target
    from .services.pool_settings import pools_install_defaults

    register_object_type(
        ObjectType(
            key="accounts",
            label=_("Accounts"),
            model="customers.Account",
            module="customers",
            fields=ACCOUNT_FIELDS,
            owner_field="owner",
            default_grants=CUSTOMER_GRANTS,
            api_path="/accounts",
        )
    )
    register_object_type(
        ObjectType(
            key="contacts",
            label=_("Contacts"),
            model="customers.Contact",
            module="customers",
            fields=CONTACT_FIELDS,
            owner_field="owner",
            default_grants=CUSTOMER_GRANTS,
            api_path="/contacts",
        )
    )
    register_object_type(
        ObjectType(
            key="tags",
            label=_("Tags"),
            model="customers.Tag",
            module="customers",
            actions=("view", "create", "edit", "delete"),
            default_grants={
                "admin": ("view", "create", "edit", "delete"),
                "sales_manager": ("view", "create", "edit", "delete"),
                "sales_rep": ("view", "create"),
                "service_agent": ("view", "create"),
                "marketer": ("view", "create"),
                "read_only": ("view",),
            },
            api_path="/tags",
        )
    )
    register_object_type(
        ObjectType(
            key="custom_fields",
            label=_("Custom fields"),
            model="customers.CustomField",
            module="core",
            actions=("view", "create", "edit", "delete"),
            default_grants={
                "admin": ("view", "create", "edit", "delete"),
                "sales_manager": ("view",),
                "sales_rep": ("view",),
                "service_agent": ("view",),
                "marketer": ("view",),
                "read_only": ("view",),
            },
            api_path="/custom-fields",
        )
    )
    register_custom_field_target("accounts", _("Accounts"))
    register_custom_field_target("contacts", _("Contacts"))
    register_workspace_setup(lambda workspace: picklists_install_defaults(workspace=workspace))
    register_workspace_setup(lambda workspace: pools_install_defaults(workspace=workspace))
    from .demo import demo_customers

    register_demo_step("customers", demo_customers, order=100)
    for code, label in AUDIT_ACTIONS.items():
        register_audit_action(code, label)
    register_object_type(
        ObjectType(
            key="pools",
            label=_("Customer pools"),
            model="customers.CustomerPool",
            module="customers",
            actions=("view", "edit"),
            default_grants={
                "admin": ("view", "edit"),
                "sales_manager": ("view",),
                "sales_rep": ("view",),
                "service_agent": ("view",),
                "marketer": ("view",),
                "read_only": ("view",),
            },
            api_path="/pools",
        )
    )

    changes = _("Changes")
    register_timeline_kind(
        TimelineKind("record.created", pgettext_lazy("timeline", "Created"), "changes", "plus"),
        changes,
    )
    register_timeline_kind(
        TimelineKind("record.updated", pgettext_lazy("timeline", "Edited"), "changes", "pencil")
    )
    register_timeline_kind(
        TimelineKind("record.restored", pgettext_lazy("timeline", "Restored"), "changes", "restore")
    )
    register_timeline_kind(
        TimelineKind("record.merged", _("Merged duplicates"), "changes", "arrows-join")
    )
    register_timeline_kind(
        TimelineKind("record.merge_undone", _("Merge undone"), "changes", "arrows-split")
    )
    from .services.merge import register_customer_movers

    register_customer_movers()
    register_search()
    register_pool_pages()
    from guanxi.core.registry import register_object_url

    register_object_url("accounts", lambda pk: reverse("customers:account", args=[pk]))
    register_object_url("contacts", lambda pk: reverse("customers:contact", args=[pk]))
    from .seed import register_customer_seeder

    register_customer_seeder()
    ownership = _("Ownership")
    register_timeline_kind(
        TimelineKind("pool.claim", _("Claimed from the pool"), "pool", "hand-grab"), ownership
    )
    register_timeline_kind(
        TimelineKind("pool.return", _("Returned to the pool"), "pool", "arrow-back-up")
    )
    register_timeline_kind(TimelineKind("pool.assign", _("Assigned"), "pool", "user-share"))
    register_timeline_kind(
        TimelineKind("pool.recycle", _("Recycled to the pool"), "pool", "recycle")
    )

    register_recyclable(
        Recyclable(
            object_type="accounts",
            label_of=str,
            restore=lambda member, obj: account_restore(actor=member, account=obj),
            purge=account_purge,
            url_of=_url("customers:account"),
        )
    )
    register_recyclable(
        Recyclable(
            object_type="contacts",
            label_of=str,
            restore=lambda member, obj: contact_restore(actor=member, contact=obj),
            purge=contact_purge,
            url_of=_url("customers:contact"),
        )
    )
    register_nav_item(
        NavItem(
            "customers",
            _("Accounts"),
            "customers:accounts",
            icon="building-skyscraper",
            permission="accounts.view",
            order=100,
        )
    )
    for item in (
        NavItem(
            "customers",
            _("Recycle bin"),
            "customers:recycle-bin",
            icon="trash",
            permission="accounts.delete",
            order=190,
        ),
        NavItem(
            "settings",
            _("Custom fields"),
            "customers:custom-fields",
            icon="forms",
            permission="custom_fields.create",
            order=925,
        ),
        NavItem(
            "settings",
            _("Pick lists"),
            "customers:picklists",
            icon="list-details",
            permission="workspace.edit",
            order=926,
        ),
        NavItem(
            "settings",
            _("Tags"),
            "customers:tags",
            icon="tags",
            permission="tags.edit",
            order=927,
        ),
    ):
        register_nav_item(item)
    register_nav_item(
        NavItem(
            "customers",
            _("Contacts"),
            "customers:contacts",
            icon="address-book",
            permission="contacts.view",
            order=110,
        )
    )


def _search_provider(object_type: str) -> Any:
    def provide(membership: Any, query: str, limit: int) -> list[dict[str, Any]]:
        from guanxi.core.permissions import hidden_fields

        from .selectors import global_search

        hidden = hidden_fields(membership, object_type)
        results = []
        for record in global_search(
            actor=membership, object_type=object_type, q=query, limit=limit
        ):
            if object_type == "accounts":
                hint = " · ".join(p for p in (record.city, record.province) if p)
                url = reverse("customers:account", args=[record.pk])
                kind = _("Account")
            else:
                parts = [record.account.name if record.account and "account" not in hidden else ""]
                parts.append(record.title if "title" not in hidden else "")
                hint = " · ".join(p for p in parts if p)
                url = reverse("customers:contact", args=[record.pk])
                kind = _("Contact")
            results.append({"type": str(kind), "label": record.name, "url": url, "hint": hint})
        return results

    return provide


def register_search() -> None:
    from guanxi.core.registry import register_search_provider

    register_search_provider("accounts", _search_provider("accounts"))
    register_search_provider("contacts", _search_provider("contacts"))


def register_pool_pages() -> None:
    from guanxi.core.registry import RecordPanel, register_record_panel

    from .merge_views import merge_panel
    from .pool_views import ownership_panel

    for object_type in ("accounts", "contacts"):
        register_record_panel(
            RecordPanel(
                object_type=object_type,
                key="merge",
                template="merge/merge_panel.html",
                context=merge_panel(object_type),
                column="side",
                order=1,
            )
        )
        register_record_panel(
            RecordPanel(
                object_type=object_type,
                key="ownership",
                template="pool/ownership_panel.html",
                context=ownership_panel(object_type),
                column="side",
                order=5,
            )
        )
    register_nav_item(
        NavItem(
            "customers",
            _("Public pool"),
            "pool:list",
            icon="lifebuoy",
            permission="pools.view",
            order=120,
        )
    )
    register_nav_item(
        NavItem(
            "customers",
            _("Duplicates"),
            "merge:duplicates-accounts",
            icon="copy",
            permission="accounts.edit",
            order=180,
        )
    )
    register_nav_item(
        NavItem(
            "settings",
            _("Public pool rules"),
            "pool:settings",
            icon="recycle",
            permission="workspace.edit",
            order=930,
        )
    )
