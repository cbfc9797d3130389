"""dataio.bulk: many rows in one call land exactly, and on SQLite the search index (kept by
triggers) follows rows written by multi-row statements."""

from __future__ import annotations

import pytest

from guanxi.customers.models import Contact
from guanxi.customers.search import apply_search, search_columns
from guanxi.dataio import bulk

pytestmark = pytest.mark.django_db


def test_a_thousand_contacts_are_written_and_found_by_search(owner):
    rows = []
    for n in range(1_200):
        values = {"name": f"Person {n}", "mobile": f"+86139{n:08d}"}
        rows.append(
            {
                **values,
                **search_columns(values, person=True),
                "workspace_id": owner.workspace_id,
                "owner_id": owner.user_id,
            }
        )

    ids = bulk.table(Contact).insert(rows, with_ids=True)

    contacts = Contact.objects.filter(workspace_id=owner.workspace_id)
    assert contacts.count() == 1_200
    assert list(contacts.order_by("id").values_list("id", flat=True)) == ids
    found = apply_search(contacts, "13900001199")
    assert list(found.values_list("name", flat=True)) == ["Person 1199"]
    # "person 7" is in Person 7, 70–79 and 700–799.
    assert apply_search(contacts, "person 7").count() == 111
