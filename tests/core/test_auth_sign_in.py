"""Signing in and out: lockout, CSRF, session rows, audit, and users without a workspace."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from guanxi.core.models import AuditEvent, User, UserSession
from tests.factories import TEST_PASSWORD, UserFactory, make_member

pytestmark = pytest.mark.django_db

CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"


def post_sign_in(client: Client, email: str, password: str, **extra):
    return client.post("/sign-in/", {"email": email, "password": password}, **extra)


def test_sign_in_page_links_to_password_reset(client):
    response = client.get("/sign-in/")
    assert response.status_code == 200
    assert 'href="/account/password-reset/"' in response.content.decode()


def test_sign_in_creates_session_row_and_audits(admin):
    client = Client(HTTP_USER_AGENT=CHROME, REMOTE_ADDR="203.0.113.7")
    response = post_sign_in(client, admin.user.email, TEST_PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    row = UserSession.objects.get(user=admin.user)
    assert row.session_key == client.session.session_key
    assert (row.ip, row.user_agent) == ("203.0.113.7", CHROME)
    event = AuditEvent.objects.get(action="auth.sign_in")
    assert (event.workspace_id, event.actor_id) == (admin.workspace_id, admin.user_id)


def test_sign_in_follows_safe_next_only(admin):
    client = Client()
    response = client.post(
        "/sign-in/",
        {"email": admin.user.email, "password": TEST_PASSWORD, "next": "https://evil.example/x"},
    )
    assert response["Location"] == "/"
    client.post("/sign-out/")
    response = client.post(
        "/sign-in/",
        {"email": admin.user.email, "password": TEST_PASSWORD, "next": "/account/profile/"},
    )
    assert response["Location"] == "/account/profile/"


def test_wrong_password_is_400_with_message_and_no_session(client, admin):
    response = post_sign_in(client, admin.user.email, "not-the-password")
    assert response.status_code == 400
    assert "The email or password is not correct." in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert UserSession.objects.count() == 0
    admin.user.refresh_from_db()
    assert admin.user.failed_sign_ins == 1


def test_lockout_after_max_failures_refuses_even_the_right_password(client, admin):
    user = admin.user
    for _ in range(settings.SIGN_IN_MAX_FAILURES):
        assert post_sign_in(client, user.email, "wrong-password-x").status_code == 400
    user.refresh_from_db()
    assert user.locked_until is not None and user.locked_until > timezone.now()

    response = post_sign_in(client, user.email, TEST_PASSWORD)

    assert response.status_code == 429
    assert "Too many failed sign-ins. Try again in" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="auth.sign_in_locked", actor=user).count() == 1
    assert not AuditEvent.objects.filter(action="auth.sign_in").exists()


def test_right_password_works_again_once_the_lock_expires(client, admin):
    user = admin.user
    for _ in range(settings.SIGN_IN_MAX_FAILURES):
        post_sign_in(client, user.email, "wrong-password-x")
    # Shift the lock into the past instead of waiting for it.
    User.objects.filter(pk=user.pk).update(locked_until=timezone.now() - timedelta(seconds=1))

    response = post_sign_in(client, user.email, TEST_PASSWORD)

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.failed_sign_ins == 0 and user.locked_until is None


def test_sign_in_without_csrf_token_is_refused(admin):
    client = Client(enforce_csrf_checks=True)
    response = post_sign_in(client, admin.user.email, TEST_PASSWORD)
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session
    assert not AuditEvent.objects.filter(action="auth.sign_in").exists()


def test_sign_in_with_csrf_token_from_the_form_works(admin):
    client = Client(enforce_csrf_checks=True)
    client.get("/sign-in/")
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    response = client.post(
        "/sign-in/",
        {"email": admin.user.email, "password": TEST_PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(admin.user_id)


def test_sign_out_without_csrf_token_is_refused(admin):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin.user)
    assert client.post("/sign-out/").status_code == 403
    assert client.get("/").status_code == 200


def test_sign_out_is_post_only(admin):
    client = Client()
    client.force_login(admin.user)
    assert client.get("/sign-out/").status_code == 405
    assert client.get("/").status_code == 200


def test_sign_out_ends_session_deletes_its_row_and_audits(admin):
    client = Client(enforce_csrf_checks=True)
    client.get("/sign-in/")
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    client.post(
        "/sign-in/",
        {"email": admin.user.email, "password": TEST_PASSWORD, "csrfmiddlewaretoken": token},
    )
    session_key = client.session.session_key
    other = Client()
    post_sign_in(other, admin.user.email, TEST_PASSWORD)
    token = client.cookies[settings.CSRF_COOKIE_NAME].value

    response = client.post("/sign-out/", {"csrfmiddlewaretoken": token})

    assert response.status_code == 302
    assert response["Location"] == "/sign-in/"
    assert not Session.objects.filter(session_key=session_key).exists()
    assert list(UserSession.objects.values_list("session_key", flat=True)) == [
        other.session.session_key
    ]
    assert AuditEvent.objects.filter(action="auth.sign_out", actor=admin.user).count() == 1
    assert client.get("/").status_code == 302
    assert other.get("/").status_code == 200


def test_user_without_workspace_gets_a_clear_page(client):
    user = UserFactory()
    response = post_sign_in(client, user.email, TEST_PASSWORD)
    assert response["Location"] == "/account/no-workspace/"
    page = client.get("/account/no-workspace/")
    assert page.status_code == 200
    assert "You are not in any workspace" in page.content.decode()
    assert 'action="/sign-out/"' in page.content.decode()


def test_no_workspace_page_sends_members_home(client, admin):
    client.force_login(admin.user)
    assert client.get("/account/no-workspace/")["Location"] == "/"


def test_tokens_page_without_workspace_redirects_to_the_explanation(client):
    client.force_login(UserFactory())
    assert client.get("/account/tokens/")["Location"] == "/account/no-workspace/"


def test_user_with_two_factor_goes_to_the_challenge_after_the_password(client, workspace):
    member = make_member(workspace, "admin")
    User.objects.filter(pk=member.user_id).update(
        totp_secret="JBSWY3DPEHPK3PXP", totp_confirmed_at=timezone.now()
    )
    response = client.post(
        "/sign-in/",
        {"email": member.user.email, "password": TEST_PASSWORD, "next": "/account/profile/"},
    )
    assert response["Location"] == "/account/two-factor/?next=%2Faccount%2Fprofile%2F"
    # The password alone opens nothing else.
    assert client.get("/account/profile/")["Location"].startswith("/account/two-factor/?next=")
