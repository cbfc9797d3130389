"""Idempotency-Key on POST: replays, key reuse, and concurrent duplicates."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from django.db import connections
from django.test import RequestFactory, override_settings
from django.utils import timezone

from guanxi.core import counters
from guanxi.core.idempotency import fingerprint
from guanxi.core.models import AuditEvent, IdempotencyRecord, Team
from guanxi.core.services.tokens import token_authenticate
from tests.conftest import api_for
from tests.factories import WorkspaceFactory, make_member
from tests.plugin_app.models import Note

KEY = {"Idempotency-Key": "c0ffee-1"}


@pytest.mark.django_db
def test_same_key_same_body_replays_the_stored_response(admin_api):
    first = admin_api.post("/teams", {"name": "华东区"}, headers=KEY)
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first

    second = admin_api.post("/teams", {"name": "华东区"}, headers=KEY)

    assert second.status_code == 201
    assert second["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    assert Team.objects.count() == 1
    assert AuditEvent.objects.filter(action="team.create").count() == 1


@pytest.mark.django_db
def test_same_key_different_body_is_422_and_creates_nothing(admin_api):
    assert admin_api.post("/teams", {"name": "A"}, headers=KEY).status_code == 201

    response = admin_api.post("/teams", {"name": "B"}, headers=KEY)

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert list(Team.objects.values_list("name", flat=True)) == ["A"]


@pytest.mark.django_db
def test_same_key_on_another_path_is_422(admin_api):
    assert admin_api.post("/teams", {"title": "x", "name": "A"}, headers=KEY).status_code == 422
    response = admin_api.post("/notes", {"title": "x", "name": "A"}, headers=KEY)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert Note.objects.count() == 0


@pytest.mark.django_db
def test_keys_are_per_token(admin):
    one, two = api_for(admin), api_for(admin)
    assert one.post("/teams", {"name": "A"}, headers=KEY).status_code == 201

    response = two.post("/teams", {"name": "B"}, headers=KEY)

    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert Team.objects.count() == 2


@pytest.mark.django_db
def test_without_a_key_each_post_is_new(admin_api):
    assert admin_api.post("/teams", {"name": "A"}).status_code == 201
    assert admin_api.post("/teams", {"name": "B"}).status_code == 201
    assert IdempotencyRecord.objects.count() == 0


@pytest.mark.django_db
def test_a_validation_error_is_replayed_too(admin_api):
    first = admin_api.post("/teams", {"name": ""}, headers=KEY)
    assert first.status_code == 422

    second = admin_api.post("/teams", {"name": ""}, headers=KEY)

    assert second.status_code == 422
    assert second["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()


@pytest.mark.django_db
def test_a_rate_limited_post_is_not_stored_so_the_client_may_retry(admin_api, monkeypatch):
    clock = type("Clock", (), {"now": 1_699_999_990.0, "time": lambda self: self.now})()
    monkeypatch.setattr(counters, "time", clock)
    with override_settings(API_RATE_LIMIT_PER_MINUTE=1):
        assert admin_api.get("/teams").status_code == 200
        assert admin_api.post("/teams", {"name": "A"}, headers=KEY).status_code == 429
        assert IdempotencyRecord.objects.count() == 0
        clock.now += 60

        response = admin_api.post("/teams", {"name": "A"}, headers=KEY)

    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert Team.objects.count() == 1


@pytest.mark.django_db
def test_a_failed_authentication_is_not_stored(admin_api):
    response = admin_api.post(
        "/teams", {"name": "A"}, headers={**KEY, "Authorization": "Bearer gx_wrong"}
    )
    assert response.status_code == 401
    assert IdempotencyRecord.objects.count() == 0


@pytest.mark.django_db
def test_expired_key_is_forgotten(admin_api):
    assert admin_api.post("/teams", {"name": "A"}, headers=KEY).status_code == 201
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=25))

    response = admin_api.post("/teams", {"name": "B"}, headers=KEY)

    assert response.status_code == 201
    assert Team.objects.count() == 2


@pytest.mark.django_db
def test_overlong_key_is_422(admin_api):
    response = admin_api.post("/teams", {"name": "A"}, headers={"Idempotency-Key": "k" * 256})
    assert response.status_code == 422
    assert Team.objects.count() == 0


@pytest.mark.django_db
def test_a_request_in_progress_answers_409(admin_api):
    api_token, _ = token_authenticate(admin_api.raw_token)
    same = RequestFactory().post(
        "/api/v1/teams", data=json.dumps({"name": "A"}), content_type="application/json"
    )
    IdempotencyRecord.objects.create(token=api_token, key="busy", request_hash=fingerprint(same))

    response = admin_api.post("/teams", {"name": "A"}, headers={"Idempotency-Key": "busy"})

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_in_progress"
    assert Team.objects.count() == 0


def test_concurrent_duplicates_create_one_team(concurrent_db):
    workspace = WorkspaceFactory()
    api = api_for(make_member(workspace, "admin"))
    barrier = threading.Barrier(2)
    results: list[tuple[int, str]] = []
    errors: list[BaseException] = []

    def post() -> None:
        try:
            concurrent_db()
            barrier.wait(timeout=10)
            response = api.post("/teams", {"name": "并发"}, headers={"Idempotency-Key": "race"})
            results.append((response.status_code, response.get("Idempotent-Replayed", "")))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not errors, errors
    assert Team.objects.filter(workspace=workspace).count() == 1
    assert IdempotencyRecord.objects.count() == 1
    assert AuditEvent.objects.filter(action="team.create").count() == 1
    statuses = sorted(results)
    assert statuses[0] == (201, ""), statuses
    assert statuses[1] in ((201, "true"), (409, "")), statuses


@pytest.mark.django_db
def test_a_keyed_post_looks_the_token_up_once(admin_api):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert (
            admin_api.post(
                "/teams", {"name": "一次"}, headers={"Idempotency-Key": "once"}
            ).status_code
            == 201
        )
    lookups = [q["sql"] for q in queries.captured_queries if 'FROM "core_apitoken"' in q["sql"]]
    assert len(lookups) == 1, lookups
