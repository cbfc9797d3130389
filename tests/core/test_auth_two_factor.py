"""Two-factor authentication: set-up, the challenge, code reuse, lockout, turning it off, and
workspaces that require it."""

import time

import pyotp
import pytest
from django.test import Client
from django.utils import timezone

from guanxi.core.models import AuditEvent, User
from guanxi.core.services import two_factor
from tests.factories import TEST_PASSWORD, make_member

pytestmark = pytest.mark.django_db

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def code(secret: str = SECRET, offset_steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + offset_steps * 30)


def with_two_factor(user: User) -> User:
    User.objects.filter(pk=user.pk).update(totp_secret=SECRET, totp_confirmed_at=timezone.now())
    user.refresh_from_db()
    return user


def signed_in(user: User) -> Client:
    client = Client()
    client.post("/sign-in/", {"email": user.email, "password": TEST_PASSWORD})
    return client


def test_setup_page_shows_qr_code_and_secret(client, admin):
    client.force_login(admin.user)
    response = client.get("/account/two-factor/setup/")
    assert response.status_code == 200
    secret = client.session["guanxi_totp_pending_secret"]
    content = response.content.decode()
    assert 'src="data:image/svg+xml' in content
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in content
    # Reloading keeps the same secret, so a scanned code stays valid.
    client.get("/account/two-factor/setup/")
    assert client.session["guanxi_totp_pending_secret"] == secret
    admin.user.refresh_from_db()
    assert admin.user.totp_secret == ""


def test_enable_with_wrong_code_changes_nothing_and_is_audited(client, admin):
    client.force_login(admin.user)
    client.get("/account/two-factor/setup/")
    response = client.post("/account/two-factor/setup/", {"code": "000000"})
    assert response.status_code == 400
    assert "This code is not valid." in response.content.decode()
    admin.user.refresh_from_db()
    assert not admin.user.has_two_factor
    event = AuditEvent.objects.get(action="auth.two_factor_failed")
    assert (event.actor_id, event.changes) == (admin.user_id, {"reason": "bad_code"})


def test_enable_with_current_code_turns_it_on(client, admin):
    client.force_login(admin.user)
    client.get("/account/two-factor/setup/")
    secret = client.session["guanxi_totp_pending_secret"]

    response = client.post("/account/two-factor/setup/", {"code": code(secret)})

    assert response["Location"] == "/account/security/"
    admin.user.refresh_from_db()
    assert admin.user.has_two_factor and admin.user.totp_secret == secret
    assert AuditEvent.objects.filter(action="auth.two_factor_enable", actor=admin.user).count() == 1
    # This session proved the second factor; it is not challenged again.
    assert client.get("/").status_code == 200
    assert "guanxi_totp_pending_secret" not in client.session
    assert "On" in client.get("/account/security/").content.decode()


def test_code_from_previous_step_is_accepted(client, admin):
    client.force_login(admin.user)
    client.get("/account/two-factor/setup/")
    secret = client.session["guanxi_totp_pending_secret"]
    response = client.post("/account/two-factor/setup/", {"code": code(secret, -1)})
    assert response.status_code == 302


def test_code_two_steps_old_is_refused(client, admin):
    client.force_login(admin.user)
    client.get("/account/two-factor/setup/")
    secret = client.session["guanxi_totp_pending_secret"]
    response = client.post("/account/two-factor/setup/", {"code": code(secret, -3)})
    assert response.status_code == 400


def test_setup_page_redirects_when_already_on(client, admin):
    with_two_factor(admin.user)
    client = signed_in(admin.user)
    client.post("/account/two-factor/", {"code": code()})
    assert client.get("/account/two-factor/setup/")["Location"] == "/account/security/"


def test_challenge_after_sign_in(admin):
    user = with_two_factor(admin.user)
    client = signed_in(user)
    assert client.get("/")["Location"] == "/account/two-factor/?next=%2F"
    page = client.get("/account/two-factor/?next=/")
    assert page.status_code == 200

    wrong = client.post("/account/two-factor/", {"code": "123456", "next": "/"})
    assert wrong.status_code == 400
    assert client.get("/").status_code == 302
    assert AuditEvent.objects.filter(action="auth.two_factor_failed", actor=user).count() == 1

    right = client.post("/account/two-factor/", {"code": code(), "next": "/account/profile/"})
    assert right["Location"] == "/account/profile/"
    assert client.get("/").status_code == 200


def test_challenge_code_cannot_be_reused(admin):
    user = with_two_factor(admin.user)
    first, second = signed_in(user), signed_in(user)
    current = code()
    assert first.post("/account/two-factor/", {"code": current})["Location"] == "/"

    replay = second.post("/account/two-factor/", {"code": current})

    assert replay.status_code == 400
    assert second.get("/").status_code == 302
    # The next step's code is fresh and works.
    assert second.post("/account/two-factor/", {"code": code(offset_steps=1)}).status_code == 302


def test_too_many_wrong_codes_lock_the_challenge(admin):
    user = with_two_factor(admin.user)
    client = signed_in(user)
    for _ in range(two_factor.MAX_FAILURES):
        assert client.post("/account/two-factor/", {"code": "000000"}).status_code == 400

    response = client.post("/account/two-factor/", {"code": code()})

    assert response.status_code == 429
    assert "Too many wrong codes" in response.content.decode()
    assert client.get("/").status_code == 302
    assert (
        AuditEvent.objects.filter(action="auth.two_factor_failed").count()
        == two_factor.MAX_FAILURES
    )


def test_disable_needs_password_and_a_fresh_code(admin):
    user = with_two_factor(admin.user)
    client = signed_in(user)
    used = code()
    client.post("/account/two-factor/", {"code": used})

    bad_password = client.post(
        "/account/two-factor/disable/", {"password": "nope-nope-nope", "code": code(offset_steps=1)}
    )
    assert bad_password.status_code == 400
    assert "Your password is not correct." in bad_password.content.decode()
    reused = client.post("/account/two-factor/disable/", {"password": TEST_PASSWORD, "code": used})
    assert reused.status_code == 400
    user.refresh_from_db()
    assert user.has_two_factor

    response = client.post(
        "/account/two-factor/disable/", {"password": TEST_PASSWORD, "code": code(offset_steps=1)}
    )

    assert response["Location"] == "/account/security/"
    user.refresh_from_db()
    assert (user.totp_secret, user.totp_confirmed_at) == ("", None)
    assert AuditEvent.objects.filter(action="auth.two_factor_disable", actor=user).count() == 1


def test_disable_refused_when_the_workspace_requires_it(admin):
    user = with_two_factor(admin.user)
    client = signed_in(user)
    client.post("/account/two-factor/", {"code": code()})
    admin.workspace.require_two_factor = True
    admin.workspace.save()

    response = client.post(
        "/account/two-factor/disable/", {"password": TEST_PASSWORD, "code": code(offset_steps=1)}
    )

    assert response.status_code == 403
    assert f"{admin.workspace.name} requires it" in response.content.decode()
    user.refresh_from_db()
    assert user.has_two_factor
    assert not AuditEvent.objects.filter(action="auth.two_factor_disable").exists()


def test_workspace_requiring_two_factor_sends_member_without_it_to_setup(client, workspace):
    workspace.require_two_factor = True
    workspace.save()
    member = make_member(workspace, "sales_rep")
    client.force_login(member.user)

    assert client.get("/")["Location"] == "/account/two-factor/setup/"
    assert client.get("/account/tokens/")["Location"] == "/account/two-factor/setup/"
    page = client.get("/account/two-factor/setup/")
    assert page.status_code == 200
    assert "requires two-factor authentication" in page.content.decode()

    secret = client.session["guanxi_totp_pending_secret"]
    client.post("/account/two-factor/setup/", {"code": code(secret)})
    assert client.get("/").status_code == 200


def test_turning_it_on_again_with_a_new_secret_accepts_the_current_code(client, admin):
    user = with_two_factor(admin.user)
    client = signed_in(user)
    client.post("/account/two-factor/", {"code": code()})
    client.post(
        "/account/two-factor/disable/", {"password": TEST_PASSWORD, "code": code(offset_steps=1)}
    )

    client.get("/account/two-factor/setup/")
    secret = client.session["guanxi_totp_pending_secret"]
    response = client.post("/account/two-factor/setup/", {"code": code(secret)})

    assert response["Location"] == "/account/security/"
    user.refresh_from_db()
    assert user.has_two_factor and user.totp_secret == secret
