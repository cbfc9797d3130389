from __future__ import annotations

import json
from typing import Any

import pytest
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
