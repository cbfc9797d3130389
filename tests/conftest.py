from __future__ import annotations

import json
import sqlite3
from typing import Any

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.test import Client

from guanxi.core.models import Membership, TokenScope
from guanxi.core.services.tokens import token_create
from tests.factories import WorkspaceFactory, make_member


class ApiClient:
    """A Django test client speaking JSON to /api/v1 with a Bearer token."""

    def __init__(self, raw_token: str | None):
        self.client = Client()
        self.raw_token = raw_token

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        **params: Any,
    ):
        extra = {}
        if self.raw_token:
            extra["HTTP_AUTHORIZATION"] = f"Bearer {self.raw_token}"
        for key, value in (headers or {}).items():
            extra["HTTP_" + key.upper().replace("-", "_")] = value
        url = path if path.startswith("/api/") else f"/api/v1{path}"
        data = json.dumps(body) if body is not None and not isinstance(body, str | bytes) else body
        func = getattr(self.client, method.lower())
        if method.upper() == "GET":
            return func(url, params, **extra)
        return func(url, data=data, content_type="application/json", **extra)

    def get(self, path: str, **params: Any):
        return self.request("GET", path, **params)

    def post(self, path: str, body: Any = None, **kw: Any):
        return self.request("POST", path, body, **kw)

    def patch(self, path: str, body: Any = None, **kw: Any):
        return self.request("PATCH", path, body, **kw)

    def delete(self, path: str, **kw: Any):
        return self.request("DELETE", path, **kw)


def api_for(member: Membership, scope: str = TokenScope.WRITE) -> ApiClient:
    _token, raw = token_create(member=member, name="test", scope=scope)
    return ApiClient(raw)


@pytest.fixture
def workspace(db):
    return WorkspaceFactory()


@pytest.fixture
def other_workspace(db):
    return WorkspaceFactory()


@pytest.fixture
def owner(workspace):
    return make_member(workspace, "owner")


@pytest.fixture
def admin(workspace):
    return make_member(workspace, "admin")


@pytest.fixture
def admin_api(admin):
    return api_for(admin)


@pytest.fixture
def concurrent_db(transactional_db, tmp_path):
    """A database that several threads can write at once, as in production.

    On PostgreSQL that is the test database itself. SQLite's test database lives in memory with a
    shared cache, whose table locks fail at once ("database table is locked") instead of waiting;
    production SQLite is a WAL file with a busy timeout and IMMEDIATE transactions. So copy the
    migrated, empty test database to a file and point this thread (and, through the returned
    function, the test's threads) at it."""
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        yield lambda: None
        return
    path = tmp_path / "concurrent.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(path)
    connection.connection.backup(target)
    target.close()
    original = connections[DEFAULT_DB_ALIAS]
    file_settings = {**original.settings_dict, "NAME": str(path)}

    def use_file_database() -> None:
        connections[DEFAULT_DB_ALIAS] = original.__class__(file_settings, DEFAULT_DB_ALIAS)

    use_file_database()
    yield use_file_database
    connections[DEFAULT_DB_ALIAS].close()
    connections[DEFAULT_DB_ALIAS] = original


@pytest.fixture(scope="session", autouse=True)
def _end_stray_connections(django_db_setup, django_db_blocker):
    """Before the test database is dropped, end any connection a finished thread left open to it
    (on PostgreSQL an open connection makes the drop fail and leaves the database behind)."""
    yield
    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
        connections.close_all()
