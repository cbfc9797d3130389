"""The daily planner-statistics job (SQLite keeps none unless told to)."""

from __future__ import annotations

import pytest
from django.db import connection

from guanxi.core.scheduled_jobs import refresh_sqlite_statistics_now
from guanxi.customers.services.contacts import contact_create

pytestmark = pytest.mark.django_db


def test_statistics_are_refreshed_on_sqlite_and_left_to_autovacuum_on_postgresql(admin):
    contact_create(actor=admin, data={"name": "张三"})

    ran = refresh_sqlite_statistics_now()

    if connection.vendor == "sqlite":
        assert ran is True
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'customers_contact'")
            assert cursor.fetchone()[0] > 0
    else:
        assert ran is False
