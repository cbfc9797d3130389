"""What the import module registers with core at start-up: the imports object type (permission
to see everyone's imports; route sweeps), the timeline kind of imported records and the audit
action labels."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from guanxi.core.audit_actions import register_audit_action
from guanxi.core.registry import (
    FieldSpec,
    NavItem,
    ObjectType,
    TimelineKind,
    register_nav_item,
    register_object_type,
    register_timeline_kind,
)


def register_dataio() -> None:
    # Everyone sees the imports they started; `imports.view` shows everyone's (within the data
    # scope, through the member who started them). Starting an import needs the import and
    # create permissions of what is imported (accounts.import, contacts.import).
    register_object_type(
        ObjectType(
            key="imports",
            label=_("Everyone's imports"),
            model="dataio.ImportJob",
            module="customers",
            fields=(FieldSpec("original_filename", _("File"), can_hide=False),),
            owner_field="created_by",
            actions=("view",),
            default_grants={"admin": ("view",), "sales_manager": ("view",)},
            api_path="/imports",
        )
    )
    register_timeline_kind(TimelineKind("record.imported", _("Imported"), "changes", "file-import"))
    register_audit_action("import.run", _("Imported records from a file"))
    register_audit_action("account.export", _("Exported accounts"))
    register_audit_action("contact.export", _("Exported contacts"))
    register_nav_item(
        NavItem(
            "customers",
            _("Imports"),
            "dataio:imports",
            icon="file-import",
            permission="contacts.import",
            order=130,
        )
    )
