"""Re-indexing search text that went stale because something other than the record changed: a
custom field archived, restored or its option labels edited, or a contact's company renamed.

Such a change can touch a million records, so it runs as a background job (`customers.tasks`)
in batches, each batch in its own short transaction: a list never waits on it, and a job cut off
half-way leaves every finished batch done (running it again is harmless)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from ..custom_fields import SEARCHED_TYPES, active_fields
from ..models import Account, Contact, CustomField
from ..search import refresh_search_columns

BATCH = 2000


def search_text_refresh(
    *,
    workspace_id: int,
    object_type: str,
    account_id: int | None = None,
    custom_key: str | None = None,
    batch: int = BATCH,
) -> int:
    """Recompute the search columns of a workspace's accounts or contacts (deleted ones too, as
    they may be restored), only those of one account (`account_id`, contacts) or those holding a
    value for one custom field (`custom_key`). Rows are locked while their batch is rewritten,
    so an edit made meanwhile is never overwritten by text computed from older values. Returns
    how many records changed."""
    person = object_type == "contacts"
    model: Any = Contact if person else Account
    fields = active_fields(workspace_id, object_type)
    rows = model.objects.filter(workspace_id=workspace_id)
    if account_id is not None:
        rows = rows.filter(account_id=account_id)
    if custom_key is not None:
        rows = rows.filter(custom__has_key=custom_key)
    changed_total = 0
    last_id = 0
    while True:
        with transaction.atomic():
            locked = rows.filter(pk__gt=last_id).order_by("pk").select_for_update(of=("self",))
            records = list(locked[:batch])
            if not records:
                return changed_total
            last_id = records[-1].pk
            companies = _company_names(records) if person else {}
            changed, columns = [], set()
            for record in records:
                found = refresh_search_columns(
                    record,
                    person=person,
                    custom_fields=fields,
                    company=companies.get(getattr(record, "account_id", None), ""),
                )
                if found:
                    changed.append(record)
                    columns.update(found)
            if changed:
                model.objects.bulk_update(changed, sorted(columns), batch_size=500)
            changed_total += len(changed)


def _company_names(contacts: list[Contact]) -> dict[int | None, str]:
    ids = {c.account_id for c in contacts if c.account_id}
    return dict(Account.objects.filter(pk__in=ids).values_list("pk", "name"))


def refresh_after_field_change(field: CustomField) -> None:
    """Queue the re-index of the records holding a value for `field`, once the caller's
    transaction commits, if its values are part of search text."""
    if field.field_type not in SEARCHED_TYPES:
        return
    from ..tasks import refresh_search_task

    workspace_id, object_type, key = field.workspace_id, field.object_type, field.key
    transaction.on_commit(
        lambda: refresh_search_task.enqueue(workspace_id, object_type, custom_key=key)
    )


def refresh_after_account_rename(account: Account) -> None:
    """Queue the re-index of all the account's contacts (they are found by company name)."""
    from ..tasks import refresh_search_task

    workspace_id, account_id = account.workspace_id, account.pk
    transaction.on_commit(
        lambda: refresh_search_task.enqueue(workspace_id, "contacts", account_id=account_id)
    )
