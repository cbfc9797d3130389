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


def test_switch_workspace(page, live_server, member):
    second = WorkspaceFactory(name="Beta 贸易")
    make_member(second, "sales_rep", user=member.user)
    sign_in(page, live_server, "ada@example.com", TEST_PASSWORD)
    switcher = page.get_by_test_id("workspace-switcher")
    assert "Acme 示例" in switcher.inner_text()
    switcher.click()
    page.get_by_role("button", name="Beta 贸易").click()
    page.wait_for_load_state("networkidle")
    assert "Beta 贸易" in page.get_by_test_id("workspace-switcher").inner_text()
    # The sales rep role of the second workspace has no settings pages.
    assert page.locator("a.nav-link", has_text="Roles").count() == 0


def test_layout_fits_a_phone_screen(browser, live_server, member):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    phone = context.new_page()
    try:
        sign_in(phone, live_server, "ada@example.com", TEST_PASSWORD)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390
        toggler = phone.locator(".navbar-toggler")
        assert toggler.is_visible()
        toggler.click()
        phone.locator("#sidebar-menu a.nav-link", has_text="Members").wait_for(state="visible")
    finally:
        context.close()


def test_command_palette_opens_with_ctrl_k_and_jumps_to_a_page(page, live_server, member):
    sign_in(page, live_server, "ada@example.com", TEST_PASSWORD)
    page.keyboard.press("Control+k")
    palette_input = page.locator("[data-palette-input]")
    palette_input.wait_for(state="visible")
    palette_input.fill("Teams")
    page.locator("#command-palette [data-palette-item]:visible", has_text="Teams").first.click()
    page.wait_for_url(f"{live_server.url}/settings/teams/")


def test_switch_language_to_chinese_and_back(page, live_server, member):
    sign_in(page, live_server, "ada@example.com", TEST_PASSWORD)
    assert page.locator("h1.page-title").inner_text() == "Welcome, Ada Li"
    page.get_by_test_id("language-menu").click()
    page.get_by_role("button", name="简体中文").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator("h1.page-title").inner_text() == "欢迎，Ada Li"
    assert page.locator("#sidebar-menu a.nav-link", has_text="成员").count() == 1
    member.user.refresh_from_db()
    assert member.user.locale == "zh-hans"
    # The choice follows the user to the next page.
    page.goto(f"{live_server.url}/settings/teams/")
    assert page.locator("h1.page-title").inner_text() == "部门"
    page.get_by_test_id("language-menu").click()
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1.page-title").inner_text() == "Teams"
    assert page.js_errors == []
