"""Password reset by email: the whole flow, what it ends, and what it never logs."""

import logging
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from guanxi.core.models import AuditEvent, User, UserSession
from tests.factories import TEST_PASSWORD, make_member

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-much-better-passphrase-42"
LINK = re.compile(r"http://testserver(/account/reset/[^/\s]+/[^/\s]+/)")


def request_reset(client: Client, email: str):
    return client.post("/account/password-reset/", {"email": email})


def reset_link() -> str:
    assert len(mail.outbox) == 1
    return LINK.search(mail.outbox[0].body).group(1)


def test_reset_request_sends_one_email_with_a_link(client, admin):
    response = request_reset(client, admin.user.email)
    assert response.status_code == 302
    assert response["Location"] == "/account/password-reset/sent/"
    message = mail.outbox[0]
    assert message.to == [admin.user.email]
    assert message.subject == "Reset your Guanxi password"
    assert f"Hello {admin.user.name}," in message.body
    assert reset_link().startswith("/account/reset/")
    assert "Check your email" in client.get(response["Location"]).content.decode()


def test_unknown_email_gets_the_same_answer_and_no_email(client, admin):
    response = request_reset(client, "nobody@example.com")
    assert response["Location"] == "/account/password-reset/sent/"
    assert mail.outbox == []


def test_reset_email_is_not_written_to_logs(client, admin, caplog):
    caplog.set_level(logging.DEBUG)
    request_reset(client, admin.user.email)
    link = reset_link()
    assert link not in caplog.text
    assert admin.user.email not in caplog.text
    assert mail.outbox[0].body not in caplog.text


def test_full_reset_sets_password_ends_sessions_lifts_lock_and_audits(client, admin):
    user = admin.user
    signed_in = Client()
    signed_in.post("/sign-in/", {"email": user.email, "password": TEST_PASSWORD})
    other_member = make_member(admin.workspace, "sales_rep")
    bystander = Client()
    bystander.post("/sign-in/", {"email": other_member.user.email, "password": TEST_PASSWORD})
    User.objects.filter(pk=user.pk).update(
        locked_until=timezone.now() + timedelta(minutes=10), failed_sign_ins=0
    )
    request_reset(client, user.email)
    link = reset_link()

    form_url = client.get(link)["Location"]
    assert form_url.endswith("/set-password/")
    assert client.get(form_url).status_code == 200
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/account/reset/done/"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert (user.failed_sign_ins, user.locked_until) == (0, None)
    event = AuditEvent.objects.get(action="auth.password_reset")
    assert (event.actor_id, event.workspace_id) == (user.pk, admin.workspace_id)
    assert event.changes == {"sessions_ended": 1, "tokens_revoked": 0}
    assert signed_in.get("/").status_code == 302
    assert not UserSession.objects.filter(user=user).exists()
    # Someone else's session is untouched.
    assert bystander.get("/").status_code == 200
    assert UserSession.objects.filter(user=other_member.user).count() == 1
    # The new password signs in; the link is spent.
    assert (
        Client().post("/sign-in/", {"email": user.email, "password": NEW_PASSWORD}).status_code
        == 302
    )
    spent = Client().get(link)
    assert spent.status_code == 200
    assert "This link no longer works" in spent.content.decode()


def test_short_new_password_is_refused_with_a_field_error(client, admin):
    request_reset(client, admin.user.email)
    form_url = client.get(reset_link())["Location"]

    response = client.post(form_url, {"new_password1": "short1x", "new_password2": "short1x"})

    assert response.status_code == 200
    assert "This password is too short. It must contain at least 10 characters." in (
        response.content.decode().replace("&#x27;", "'")
    )
    admin.user.refresh_from_db()
    assert admin.user.check_password(TEST_PASSWORD)
    assert not AuditEvent.objects.filter(action="auth.password_reset").exists()


def test_tampered_link_shows_the_invalid_page(client, admin):
    request_reset(client, admin.user.email)
    link = reset_link()
    response = client.get(link[:-3] + "xx/")
    assert response.status_code == 200
    assert "This link no longer works" in response.content.decode()
