"""Numbers and dates beyond what the database stores are the client's mistake: never a 500."""

import pytest
from django.db import connection

from tests.conftest import api_for
from tests.factories import make_member

pytestmark = pytest.mark.django_db
HUGE = 99999999999999999999999


@pytest.mark.parametrize(
    "path", [f"/users/{HUGE}", f"/teams/{HUGE}", f"/roles/{HUGE}", f"/audit-events/{HUGE}"]
)
def test_absurd_ids_are_not_server_errors(workspace, path):
    response = api_for(make_member(workspace, "admin")).get(path)
    # Depending on the engine and the lookup the database either cannot take such a number (422)
    # or finds nothing (404); either way the client gets the error envelope, never a 500.
    assert (response.status_code, response.json()["error"]["code"]) in (
        (404, "not_found"),
        (422, "validation_error"),
    )


@pytest.mark.parametrize(
    "params",
    [
        {"actor_id": HUGE},
        {"since": "0001-01-01T00:00:00+08:00"},
        {"until": "9999-12-31T23:59:59-08:00"},
    ],
)
def test_absurd_filters_are_not_server_errors(workspace, params):
    response = api_for(make_member(workspace, "admin")).get("/audit-events", **params)
    # SQLite cannot store such values (422 with the envelope); PostgreSQL answers the query.
    if connection.vendor == "sqlite":
        assert response.status_code == 422
        assert response.json()["error"]["message"] == "A number or a date is out of range."
    else:
        assert response.status_code == 200
