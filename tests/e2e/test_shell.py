import pytest

from tests.e2e.conftest import sign_in
from tests.factories import TEST_PASSWORD, UserFactory, WorkspaceFactory, make_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def member(db):
    workspace = WorkspaceFactory(name="Acme 示例")
    return make_member(workspace, "admin", user=UserFactory(email="ada@example.com", name="Ada Li"))


def test_sign_in_and_sign_out(page, live_server, member):
    sign_in(page, live_server, "ada@example.com", TEST_PASSWORD)
    assert page.locator("h1.page-title").inner_text() == "Welcome, Ada Li"
    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("sign-out").click()
    page.wait_for_url(f"{live_server.url}/sign-in/")
    assert page.locator("h2").inner_text() == "Sign in to your account"
    assert page.js_errors == []


def test_wrong_password_shows_error_and_stays_signed_out(page, live_server, member):
    sign_in(page, live_server, "ada@example.com", "not-the-password")
    assert "The email or password is not correct." in page.locator(".alert-danger").inner_text()
    page.goto(f"{live_server.url}/")
    assert page.url.startswith(f"{live_server.url}/sign-in/")
