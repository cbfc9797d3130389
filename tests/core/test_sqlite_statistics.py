"""The daily planner-statistics job (SQLite keeps none unless told to)."""

from __future__ import annotations

import pytest
from django.db import connection

from guanxi.core.scheduled_jobs import refresh_sqlite_statistics_now
from guanxi.customers.models import Contact
from guanxi.customers.search import apply_search
from guanxi.customers.services.contacts import contact_create

pytestmark = pytest.mark.django_db


def _search_index_segments() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(DISTINCT segid) FROM customers_contact_fts_idx")
        return int(cursor.fetchone()[0])


def test_statistics_are_refreshed_on_sqlite_and_left_to_autovacuum_on_postgresql(admin):
    for name, mobile in (("张三", "13912340001"), ("李四", "13912340002"), ("王五", "13912340003")):
        contact_create(actor=admin, data={"name": name, "mobile": mobile})
    segments_before = _search_index_segments() if connection.vendor == "sqlite" else 0

    ran = refresh_sqlite_statistics_now()

    if connection.vendor == "sqlite":
        assert ran is True
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'customers_contact'")
            assert cursor.fetchone()[0] > 0
        # One write, one segment; merged into one by the job, and search still finds them.
        assert segments_before >= 3
        assert _search_index_segments() == 1
        found = apply_search(Contact.objects.all(), "1391234000")
        assert sorted(found.values_list("name", flat=True)) == ["张三", "李四", "王五"]
    else:
        assert ran is False
