"""The Security page's session list, "sign out other sessions", and last-seen tracking."""

import time
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from guanxi.core.middleware import SESSION_SEEN_KEY
from guanxi.core.models import AuditEvent, UserSession
from guanxi.core.services.sessions import describe_user_agent
from tests.factories import TEST_PASSWORD, make_member

pytestmark = pytest.mark.django_db

CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"


@pytest.fixture(autouse=True)
def account_middleware(settings):
    """SessionActivityMiddleware where it belongs in MIDDLEWARE (after TwoFactorMiddleware)."""
    name = "guanxi.core.middleware.SessionActivityMiddleware"
    if name not in settings.MIDDLEWARE:
        middleware = list(settings.MIDDLEWARE)
        middleware.insert(middleware.index("guanxi.core.middleware.TwoFactorMiddleware") + 1, name)
        settings.MIDDLEWARE = middleware


def signed_in(user, user_agent: str = CHROME, ip: str = "198.51.100.1") -> Client:
    client = Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=ip)
    assert (
        client.post("/sign-in/", {"email": user.email, "password": TEST_PASSWORD}).status_code
        == 302
    )
    return client


def test_security_page_lists_own_sessions_and_marks_this_one(admin):
    laptop = signed_in(admin.user, CHROME, "198.51.100.1")
    signed_in(admin.user, IPHONE, "198.51.100.2")
    signed_in(make_member(admin.workspace, "sales_rep").user)

    response = laptop.get("/account/security/")

    content = response.content.decode()
    assert response.status_code == 200
    assert content.count('data-testid="session-row"') == 2
    assert content.count('data-testid="this-session"') == 1
    assert "Chrome 126 · Windows" in content and "Safari 17 · iOS" in content
    assert "198.51.100.2" in content


def test_sign_out_other_sessions_ends_only_the_users_other_sessions(admin):
    here = signed_in(admin.user)
    phone = signed_in(admin.user, IPHONE)
    phone_key = phone.session.session_key
    colleague = signed_in(make_member(admin.workspace, "sales_rep").user)

    response = here.post("/account/sessions/end-others/")

    assert response["Location"] == "/account/security/"
    assert not Session.objects.filter(session_key=phone_key).exists()
    assert phone.get("/").status_code == 302
    assert here.get("/").status_code == 200
    assert colleague.get("/").status_code == 200
    assert list(
        UserSession.objects.filter(user=admin.user).values_list("session_key", flat=True)
    ) == [here.session.session_key]
    assert UserSession.objects.exclude(user=admin.user).count() == 1
    event = AuditEvent.objects.get(action="auth.sessions_end_others")
    assert (event.actor_id, event.workspace_id, event.changes) == (
        admin.user_id,
        admin.workspace_id,
        {"sessions_ended": 1},
    )


def test_sign_out_others_is_post_only(admin):
    client = signed_in(admin.user)
    assert client.get("/account/sessions/end-others/").status_code == 405


def test_last_seen_is_written_at_most_once_a_minute(admin):
    client = signed_in(admin.user)
    row = UserSession.objects.get(user=admin.user)
    long_ago = timezone.now() - timedelta(hours=1)

    client.get("/")  # first request after sign-in marks the session as seen
    row.refresh_from_db()
    assert row.last_seen_at > long_ago + timedelta(minutes=59)

    UserSession.objects.filter(pk=row.pk).update(last_seen_at=long_ago)
    client.get("/")
    row.refresh_from_db()
    assert row.last_seen_at == long_ago

    session = client.session
    session[SESSION_SEEN_KEY] = int(time.time()) - 61
    session.save()
    client.get("/")
    row.refresh_from_db()
    assert row.last_seen_at > long_ago + timedelta(minutes=59)


def test_session_signed_in_before_tracking_gets_a_row(admin):
    client = Client(HTTP_USER_AGENT=CHROME)
    client.force_login(admin.user)
    assert not UserSession.objects.exists()
    client.get("/")
    row = UserSession.objects.get()
    assert (row.user_id, row.session_key, row.user_agent) == (
        admin.user_id,
        client.session.session_key,
        CHROME,
    )


def test_sessions_not_seen_for_longer_than_the_cookie_age_are_not_listed(admin, settings):
    client = signed_in(admin.user)
    stale = signed_in(admin.user, IPHONE)
    UserSession.objects.filter(session_key=stale.session.session_key).update(
        last_seen_at=timezone.now() - timedelta(seconds=settings.SESSION_COOKIE_AGE + 60)
    )
    content = client.get("/account/security/").content.decode()
    assert content.count('data-testid="session-row"') == 1


@pytest.mark.parametrize(
    ("user_agent", "label"),
    [
        (CHROME, "Chrome 126 · Windows"),
        (IPHONE, "Safari 17 · iOS"),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:127.0) Gecko/20100101 Firefox/127.0",
            "Firefox 127 · macOS",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
            "Edge 126 · Windows",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; V2309A) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/116.0 Mobile Safari/537.36 MicroMessenger/8.0.49",
            "WeChat 8 · Android",
        ),
        ("curl/8.5.0", "Unknown browser"),
        ("", "Unknown browser"),
    ],
)
def test_describe_user_agent(user_agent, label):
    assert describe_user_agent(user_agent) == label
