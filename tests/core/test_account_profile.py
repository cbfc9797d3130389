"""The profile page: name, language, time zone, and changing the password."""

from collections.abc import Iterator

import pytest
from django.http import HttpResponse, StreamingHttpResponse
from django.test import Client, RequestFactory
from django.utils import timezone

from guanxi.core.models import AuditEvent, User, UserSession
from guanxi.core.timezone_middleware import UserTimezoneMiddleware
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-much-better-passphrase-42"


@pytest.fixture(autouse=True)
def account_middleware(settings):
    """UserTimezoneMiddleware where it belongs in MIDDLEWARE (after UserLocaleMiddleware)."""
    name = "guanxi.core.timezone_middleware.UserTimezoneMiddleware"
    if name not in settings.MIDDLEWARE:
        middleware = list(settings.MIDDLEWARE)
        middleware.insert(middleware.index("guanxi.core.middleware.UserLocaleMiddleware") + 1, name)
        settings.MIDDLEWARE = middleware


def signed_in(user: User) -> Client:
    client = Client()
    assert (
        client.post("/sign-in/", {"email": user.email, "password": TEST_PASSWORD}).status_code
        == 302
    )
    return client


def test_profile_page_shows_current_values(admin):
    User.objects.filter(pk=admin.user_id).update(time_zone="Europe/Berlin")
    client = signed_in(admin.user)
    content = client.get("/account/profile/").content.decode()
    assert '<option value="Europe/Berlin" selected>' in content
    assert "Workspace default (Asia/Shanghai)" in content
    assert 'src="/static/web/account.js" defer' in content


def test_profile_update_saves_and_audits_the_changes(admin):
    old_name = admin.user.name
    client = signed_in(admin.user)
    response = client.post(
        "/account/profile/", {"name": "王芳", "locale": "en", "time_zone": "Asia/Tokyo"}
    )
    assert response["Location"] == "/account/profile/"
    admin.user.refresh_from_db()
    assert (admin.user.name, admin.user.locale, admin.user.time_zone) == (
        "王芳",
        "en",
        "Asia/Tokyo",
    )
    event = AuditEvent.objects.get(action="user.profile_update")
    assert (event.actor_id, event.workspace_id) == (admin.user_id, admin.workspace_id)
    assert event.changes == {
        "name": [old_name, "王芳"],
        "locale": ["", "en"],
        "time_zone": ["", "Asia/Tokyo"],
    }


def test_saving_an_unchanged_profile_writes_no_audit_event(admin):
    client = signed_in(admin.user)
    client.post("/account/profile/", {"name": admin.user.name, "locale": "", "time_zone": ""})
    assert not AuditEvent.objects.filter(action="user.profile_update").exists()


def test_language_change_switches_the_interface_language(admin):
    client = signed_in(admin.user)
    assert '<html lang="en"' in client.get("/").content.decode()

    client.post(
        "/account/profile/", {"name": admin.user.name, "locale": "zh-hans", "time_zone": ""}
    )

    admin.user.refresh_from_db()
    assert admin.user.locale == "zh-hans"
    assert '<html lang="zh-hans"' in client.get("/account/profile/").content.decode()
    # Browser default: the Accept-Language header decides again.
    response = client.post(
        "/account/profile/", {"name": admin.user.name, "locale": "", "time_zone": ""}
    )
    assert response.cookies["guanxi_language"].value == ""
    admin.user.refresh_from_db()
    assert admin.user.locale == ""
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="en"' in page.content.decode()


def test_unknown_time_zone_is_a_field_error_and_changes_nothing(admin):
    client = signed_in(admin.user)
    before = User.objects.values("name", "locale", "time_zone").get(pk=admin.user_id)

    response = client.post(
        "/account/profile/", {"name": "New name", "locale": "zh-hans", "time_zone": "Mars/Olympus"}
    )

    assert response.status_code == 400
    assert "is not a known time zone" in response.content.decode()
    assert User.objects.values("name", "locale", "time_zone").get(pk=admin.user_id) == before
    assert not AuditEvent.objects.filter(action="user.profile_update").exists()


def test_unknown_language_is_a_field_error(admin):
    client = signed_in(admin.user)
    response = client.post("/account/profile/", {"name": "X", "locale": "fr", "time_zone": ""})
    assert response.status_code == 400
    assert "Choose one of the listed languages." in response.content.decode()
    admin.user.refresh_from_db()
    assert admin.user.locale == ""


def test_time_zone_is_activated_per_request_user_first_then_workspace(admin):
    seen = []
    middleware = UserTimezoneMiddleware(
        lambda request: seen.append(timezone.get_current_timezone_name()) or HttpResponse()
    )
    request = RequestFactory().get("/")
    request.user, request.membership = admin.user, admin
    admin.workspace.time_zone = "Asia/Urumqi"

    middleware(request)
    admin.user.time_zone = "America/New_York"
    middleware(request)

    assert seen == ["Asia/Urumqi", "America/New_York"]
    assert timezone.get_current_timezone_name() == "Asia/Shanghai"  # reset after the request


def test_a_streamed_body_is_produced_in_the_members_time_zone(admin):
    # A CSV export streams after the middleware has returned (and reset the zone).
    def zones() -> Iterator[str]:
        yield timezone.get_current_timezone_name()

    middleware = UserTimezoneMiddleware(lambda request: StreamingHttpResponse(zones()))
    request = RequestFactory().get("/")
    request.user, request.membership = admin.user, admin
    admin.user.time_zone = "America/New_York"

    response = middleware(request)

    assert timezone.get_current_timezone_name() == "Asia/Shanghai"
    assert b"".join(response.streaming_content) == b"America/New_York"
    assert timezone.get_current_timezone_name() == "Asia/Shanghai"


def test_time_zone_shows_on_pages(admin):
    User.objects.filter(pk=admin.user_id).update(time_zone="America/New_York")
    client = signed_in(admin.user)
    response = client.get("/account/security/")
    assert response.context["TIME_ZONE"] == "America/New_York"


def test_password_change_keeps_this_session_and_ends_the_others(admin):
    here = signed_in(admin.user)
    elsewhere = signed_in(admin.user)

    response = here.post(
        "/account/password/",
        {
            "current_password": TEST_PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )

    assert response["Location"] == "/account/profile/"
    assert here.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 302
    admin.user.refresh_from_db()
    assert admin.user.check_password(NEW_PASSWORD)
    assert list(UserSession.objects.values_list("session_key", flat=True)) == [
        here.session.session_key
    ]
    event = AuditEvent.objects.get(action="auth.password_change")
    assert (event.actor_id, event.changes) == (admin.user_id, {"sessions_ended": 1})


def test_short_new_password_is_a_field_error_and_changes_nothing(admin):
    client = signed_in(admin.user)
    response = client.post(
        "/account/password/",
        {"current_password": TEST_PASSWORD, "new_password1": "short1x", "new_password2": "short1x"},
    )
    assert response.status_code == 400
    assert (
        "This password is too short. It must contain at least 10 characters."
        in response.content.decode()
    )
    admin.user.refresh_from_db()
    assert admin.user.check_password(TEST_PASSWORD)
    assert not AuditEvent.objects.filter(action="auth.password_change").exists()


def test_wrong_current_password_is_a_field_error(admin):
    client = signed_in(admin.user)
    other = signed_in(admin.user)
    response = client.post(
        "/account/password/",
        {
            "current_password": "not-it-at-all",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 400
    assert "Your current password is not correct." in response.content.decode()
    admin.user.refresh_from_db()
    assert admin.user.check_password(TEST_PASSWORD)
    assert other.get("/").status_code == 200


def test_new_passwords_must_match(admin):
    client = signed_in(admin.user)
    response = client.post(
        "/account/password/",
        {
            "current_password": TEST_PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD + "x",
        },
    )
    assert response.status_code == 400
    assert "The two new passwords do not match." in response.content.decode()
