"""Route sweeps over every operation in /api/v1/openapi.json.

Routes that later modules add are swept without editing this file: their path is mapped to an
object type through the registry (`ObjectType.api_path`) and the sample object comes from
`tests.factories.SWEEP_FACTORIES[object_type.key]`.

- another workspace's object answers 404 and its row does not change;
- a member whose role grants nothing gets 403 and nothing changes;
- every route is marked public or with the permission it needs, and non-public routes answer
  401 without a token.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import models
from django.test import Client, override_settings

from guanxi.core.models import AuditEvent
from guanxi.core.registry import ObjectType, object_type, object_types
from tests.conftest import ApiClient, api_for
from tests.factories import SWEEP_FACTORIES, WorkspaceFactory, make_member

pytestmark = pytest.mark.django_db

PREFIX = "/api/v1"
METHODS = {"get", "post", "put", "patch", "delete"}


def _openapi() -> dict[str, Any]:
    # Collected before pytest-django's test environment exists, hence the explicit host.
    with override_settings(ALLOWED_HOSTS=["testserver"]):
        response = Client().get(f"{PREFIX}/openapi.json")
    assert response.status_code == 200, response.content
    return response.json()


SPEC = _openapi()
OPERATIONS = [
    (method.upper(), path, operation)
    for path, item in SPEC["paths"].items()
    for method, operation in item.items()
    if method in METHODS
]


def _params(select) -> list[Any]:
    return [
        pytest.param(method, path, operation, id=f"{method} {path}")
        for method, path, operation in OPERATIONS
        if select(method, path, operation)
    ]


def _is_public(operation: dict[str, Any]) -> bool:
    return bool(operation.get("x-guanxi-public"))


def _permission(operation: dict[str, Any]) -> str | None:
    return operation.get("x-guanxi-permission")


# --- Building requests from the schema ----------------------------------------------------------


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = SPEC["components"]["schemas"][name]
    return schema


def _sample(schema: dict[str, Any]) -> Any:
    """A value valid for `schema`: the first enum value, else a sample by JSON-schema type."""
    schema = _resolve(schema)
    if "default" in schema:
        return schema["default"]
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    for combined in ("anyOf", "oneOf", "allOf"):
        if combined in schema:
            options = [s for s in schema[combined] if _resolve(s).get("type") != "null"]
            return _sample(options[0]) if options else None
    kind = schema.get("type")
    fmt = schema.get("format", "")
    if kind == "string":
        return {
            "date-time": "2024-01-02T03:04:05Z",
            "date": "2024-01-02",
            "time": "03:04:05",
            "email": "sweep@example.com",
            "uuid": "00000000-0000-4000-8000-000000000000",
            "uri": "https://example.com/",
            "decimal": "1",
        }.get(fmt, "sweep")
    if kind in ("integer", "number"):
        return max(1, schema.get("minimum", 1))
    if kind == "boolean":
        return True
    if kind == "array":
        return []
    if kind == "object":
        return _object_sample(schema, include=set())
    return "sweep"


def _object_sample(schema: dict[str, Any], *, include: set[str]) -> dict[str, Any]:
    schema = _resolve(schema)
    wanted = set(schema.get("required", ())) | (include & set(schema.get("properties", {})))
    return {name: _sample(schema["properties"][name]) for name in sorted(wanted)}


def _body(method: str, operation: dict[str, Any], version: int) -> dict[str, Any] | None:
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return None
    body = _object_sample(content["application/json"]["schema"], include={"version"})
    if "version" in body:
        body["version"] = version
    return body


def _query(operation: dict[str, Any]) -> dict[str, Any]:
    return {
        p["name"]: _sample(p.get("schema", {}))
        for p in operation.get("parameters", ())
        if p.get("in") == "query" and p.get("required")
    }


def _call(
    api: ApiClient, method: str, path: str, operation: dict[str, Any], url_id: Any, version=1
):
    url = path.replace("{id}", str(url_id))
    body = _body(method, operation, version)
    query = _query(operation)
    if query:
        from urllib.parse import urlencode

        url = f"{url}?{urlencode(query)}"
    if method == "GET":
        return api.request("GET", url)
    return api.request(method, url, body)


# --- Mapping a route to its object type and sample object ---------------------------------------


def _object_type_for_path(path: str) -> ObjectType:
    """The object type whose collection the route's `{id}` belongs to (or the route itself)."""
    relative = path.removeprefix(PREFIX)
    collection = relative.split("/{id}", 1)[0]
    matches = [t for t in object_types() if t.api_path == collection]
    assert matches, (
        f"{path}: no registered object type has api_path={collection!r}; set ObjectType.api_path"
    )
    return matches[0]


def _make(workspace, object_type_: ObjectType) -> tuple[models.Model, Any]:
    factory = SWEEP_FACTORIES.get(object_type_.key)
    assert factory is not None, (
        f"no sweep factory for object type {object_type_.key!r}: add one to "
        "tests/factories.SWEEP_FACTORIES"
    )
    return factory(workspace)


def _row(instance: models.Model) -> dict[str, Any] | None:
    """Every concrete column of the row as stored now (None once it is gone)."""
    model = type(instance)
    names = [f.attname for f in model._meta.concrete_fields]
    return model._base_manager.filter(pk=instance.pk).values(*names).first()


def _counts(*object_type_keys: str) -> dict[str, int]:
    counts = {"audit": AuditEvent.objects.count()}
    for key in object_type_keys:
        model = object_type(key).model_class()
        counts[key] = model._base_manager.count()
    return counts


# --- The sweeps ------------------------------------------------------------------------------------


def test_the_spec_lists_routes_of_core_and_of_plugged_in_modules():
    paths = {path for _, path, _ in OPERATIONS}
    assert {f"{PREFIX}/teams/{{id}}", f"{PREFIX}/users/{{id}}", f"{PREFIX}/notes/{{id}}"} <= paths


@pytest.mark.parametrize(("method", "path", "operation"), _params(lambda m, p, o: True))
def test_route_is_marked_public_or_with_its_permission(method, path, operation):
    marked = _is_public(operation) or "x-guanxi-permission" in operation
    assert marked, (
        f"{method} {path}: pass openapi_extra=permission(type, action) "
        "(or permission(None, None) for any member, or {'x-guanxi-public': True})"
    )
    permission = _permission(operation)
    if permission is not None:
        type_key, _, action = permission.partition(".")
        assert action in object_type(type_key).actions, f"{permission} is not a registered action"


@pytest.mark.parametrize(
    ("method", "path", "operation"), _params(lambda m, p, o: not _is_public(o))
)
def test_route_refuses_a_missing_token_with_401(method, path, operation):
    counts = _counts(*[t.key for t in object_types()])

    response = _call(ApiClient(None), method, path, operation, url_id=1)

    assert response.status_code == 401, response.content
    assert response.json()["error"]["code"] == "unauthorized"
    assert _counts(*[t.key for t in object_types()]) == counts


@pytest.mark.parametrize(("method", "path", "operation"), _params(lambda m, p, o: "{id}" in p))
def test_route_answers_404_for_another_workspaces_object(method, path, operation):
    object_type_ = _object_type_for_path(path)
    workspace = WorkspaceFactory()
    api = api_for(make_member(workspace, "owner"))  # every permission, data scope all
    theirs, url_id = _make(WorkspaceFactory(), object_type_)
    before = _row(theirs)
    counts = _counts(object_type_.key)

    response = _call(api, method, path, operation, url_id, version=getattr(theirs, "version", 1))

    assert response.status_code == 404, response.content
    assert response.json()["error"]["code"] == "not_found"
    assert _row(theirs) == before
    assert _counts(object_type_.key) == counts


@pytest.mark.parametrize(
    ("method", "path", "operation"), _params(lambda m, p, o: _permission(o) is not None)
)
def test_route_answers_403_to_a_role_without_permissions(method, path, operation):
    workspace = WorkspaceFactory()
    api = api_for(make_member(workspace, "", permissions={}, data_scope="all"))
    needed = _permission(operation).partition(".")[0]
    mine, url_id, version = None, 1, 1
    if "{id}" in path:
        mine, url_id = _make(workspace, _object_type_for_path(path))
        version = getattr(mine, "version", 1)
    before = _row(mine) if mine is not None else None
    counts = _counts(needed)

    response = _call(api, method, path, operation, url_id, version=version)

    assert response.status_code == 403, response.content
    assert response.json()["error"]["code"] == "permission_denied"
    assert _counts(needed) == counts
    if mine is not None:
        assert _row(mine) == before
