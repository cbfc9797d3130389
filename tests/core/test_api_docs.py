"""The OpenAPI document and the interactive docs page work under the site's CSP."""

from __future__ import annotations

import re

import pytest

from tests.conftest import ApiClient

pytestmark = pytest.mark.django_db


def test_openapi_document_is_public_and_describes_core_routes():
    response = ApiClient(None).get("/openapi.json")

    assert response.status_code == 200
    spec = response.json()
    assert spec["info"]["title"] == "Guanxi API"
    assert {"/api/v1/teams", "/api/v1/teams/{id}", "/api/v1/users", "/api/v1/audit-events"} <= set(
        spec["paths"]
    )
    assert spec["components"]["securitySchemes"]["BearerToken"]["scheme"] == "bearer"
    # Request bodies refuse unknown fields in the schema too.
    assert spec["components"]["schemas"]["TeamIn"]["additionalProperties"] is False


def test_docs_page_needs_no_inline_script_or_cdn():
    response = ApiClient(None).get("/docs")

    assert response.status_code == 200
    html = response.content.decode()
    assert "script-src 'self'" in response["Content-Security-Policy"]
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
    for attributes, body in scripts:
        # Only same-origin files run; the settings block is JSON data, which CSP does not execute.
        if 'type="application/json"' in attributes:
            continue
        assert not body.strip(), f"inline script: {body[:80]}"
        assert re.search(r'src="/static/', attributes), attributes
    assert "cdn" not in html.lower() and "http://" not in html and "https://" not in html
    assert "style=" not in html and "<style" not in html
