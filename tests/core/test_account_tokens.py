"""The API tokens page: the secret shown once, the API accepting it, revocation."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from guanxi.core.models import ApiToken, AuditEvent, hash_secret
from guanxi.core.services.tokens import token_create
from tests.conftest import ApiClient
from tests.factories import make_member

pytestmark = pytest.mark.django_db

RAW = re.compile(r'value="(gx_[A-Za-z0-9_\-]+)"')


@pytest.fixture
def client_for(admin):
    client = Client()
    client.force_login(admin.user)
    return client


def test_create_shows_the_secret_once_and_the_api_accepts_it(client_for, admin):
    response = client_for.post("/account/tokens/", {"name": "ERP sync", "scope": "write"})

    assert response.status_code == 200
    raw = RAW.search(response.content.decode()).group(1)
    token = ApiToken.objects.get()
    assert (token.name, token.scope, token.user_id, token.workspace_id) == (
        "ERP sync",
        "write",
        admin.user_id,
        admin.workspace_id,
    )
    assert token.token_hash == hash_secret(raw) and token.prefix == raw[:10]
    assert 'data-copy-target="#new-token-value"' in response.content.decode()
    event = AuditEvent.objects.get(action="token.create")
    assert raw not in str(event.changes)
    # Never again: the list shows only the prefix.
    listing = client_for.get("/account/tokens/").content.decode()
    assert raw not in listing and f"{raw[:10]}…" in listing

    me = ApiClient(raw).get("/me")
    assert me.status_code == 200
    assert me.json()["email"] == admin.user.email


def test_revoke_makes_the_next_api_request_401(client_for, admin):
    token, raw = token_create(member=admin, name="script")
    assert ApiClient(raw).get("/me").status_code == 200

    response = client_for.post(f"/account/tokens/{token.pk}/revoke/")

    assert response["Location"] == "/account/tokens/"
    assert ApiClient(raw).get("/me").status_code == 401
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEvent.objects.filter(action="token.revoke", object_id=str(token.pk)).count() == 1
    assert "Revoked" in client_for.get("/account/tokens/").content.decode()


def test_revoke_form_asks_for_confirmation(client_for, admin):
    token, _raw = token_create(member=admin, name="script")
    content = client_for.get("/account/tokens/").content.decode()
    assert f'action="/account/tokens/{token.pk}/revoke/" data-confirm="' in content


def test_someone_elses_token_is_404_and_stays_usable(client_for, admin):
    colleague = make_member(admin.workspace, "admin")
    token, raw = token_create(member=colleague, name="theirs")

    assert client_for.post(f"/account/tokens/{token.pk}/revoke/").status_code == 404
    assert client_for.get("/account/tokens/").content.decode().count('data-testid="token-row"') == 0
    token.refresh_from_db()
    assert token.revoked_at is None
    assert ApiClient(raw).get("/me").status_code == 200


def test_list_shows_only_tokens_of_the_current_workspace(client_for, admin, other_workspace):
    elsewhere = make_member(other_workspace, "admin", user=admin.user)
    token_create(member=elsewhere, name="other place")
    token_create(member=admin, name="here")
    content = client_for.get("/account/tokens/").content.decode()
    assert content.count('data-testid="token-row"') == 1
    assert "here" in content and "other place" not in content


def test_revoke_is_post_only(client_for, admin):
    token, _raw = token_create(member=admin, name="script")
    assert client_for.get(f"/account/tokens/{token.pk}/revoke/").status_code == 405


def test_expiry_date_in_the_past_is_a_field_error_and_creates_nothing(client_for):
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = client_for.post(
        "/account/tokens/", {"name": "old", "scope": "read", "expires_on": yesterday}
    )
    assert response.status_code == 400
    assert "Choose today or a later date." in response.content.decode()
    assert not ApiToken.objects.exists()


def test_expiry_date_means_the_end_of_that_day(client_for):
    day = timezone.localdate() + timedelta(days=30)
    client_for.post(
        "/account/tokens/", {"name": "month", "scope": "read", "expires_on": day.isoformat()}
    )
    expires = timezone.localtime(ApiToken.objects.get().expires_at)
    assert (expires.date(), expires.hour, expires.minute) == (day, 23, 59)


def test_missing_name_is_a_field_error(client_for):
    response = client_for.post("/account/tokens/", {"name": "", "scope": "read"})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not ApiToken.objects.exists()
