"""Browser tests of the customers pages: a person creates an account and a contact through the
forms and finds them on the 360° page, in English on a desktop and in Chinese on a phone; and the
list's htmx behaviours (search, sort, inline edit, bulk tag, keyboard shortcuts).

Screenshots of the record pages are kept in test-results/ on every run, to be looked at."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from guanxi.core.models import Membership
from guanxi.customers import selectors
from guanxi.customers.models import Account, Contact
from guanxi.customers.services.accounts import account_create
from tests.e2e.conftest import RESULTS, sign_in
from tests.factories import TEST_PASSWORD, UserFactory, WorkspaceFactory, make_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL = "mei@example.com"


@pytest.fixture
def member(db) -> Membership:
    workspace = WorkspaceFactory(name="Acme 示例")
    return make_member(workspace, "admin", user=UserFactory(email=EMAIL, name="Mei Chen"))


def no_sideways_scroll(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def keep_screenshot(page, name: str) -> None:
    RESULTS.mkdir(exist_ok=True)
    # caret="initial": hiding the caret leaves style="" on every input, which htmx then copies
    # onto swapped-in elements, and the CSP refuses that.
    page.screenshot(path=str(RESULTS / f"{name}.png"), full_page=True, caret="initial")


def create_account_and_contact(
    page, base: str, *, company: str, person: str, mobile: str = "138 0013 8000"
) -> None:
    page.goto(f"{base}/accounts/new/")
    page.locator("input[name=name]").fill(company)
    page.locator("select[name=level]").select_option("A")
    page.locator("select[name=stage]").select_option("interested")
    page.locator("input[name=city]").fill("上海")
    page.locator("input[name=tags]").fill("VIP, 重点")
    page.get_by_test_id("save-record").click()
    page.wait_for_url(re.compile(r"/accounts/\d+/$"))
    expect(page.get_by_test_id("record-name")).to_have_text(company)

    page.get_by_test_id("add-contact").click()
    page.wait_for_url(re.compile(r"/contacts/new/\?account=\d+$"))
    expect(page.locator("select[name=account] option:checked")).to_have_text(company)
    page.locator("input[name=name]").fill(person)
    page.locator("input[name=mobile]").fill(mobile)
    page.locator("input[name=email_consent][value=granted]").check()
    page.get_by_test_id("save-record").click()
    page.wait_for_url(re.compile(r"/contacts/\d+/$"))
    expect(page.get_by_test_id("record-name")).to_have_text(person)
    page.get_by_test_id("contact-account").click()
    page.wait_for_url(re.compile(r"/accounts/\d+/$"))


def test_create_an_account_and_a_contact_and_see_them_on_the_360_page(
    browser, page, live_server, member
):
    # English, on a desktop.
    sign_in(page, live_server, EMAIL, TEST_PASSWORD)
    create_account_and_contact(page, live_server.url, company="Acme 有限公司", person="张伟")
    expect(page.get_by_test_id("record-level")).to_have_text("A (key account)")
    expect(page.get_by_test_id("record-stage")).to_have_text("Interested")
    expect(page.get_by_test_id("account-contact")).to_contain_text("张伟")
    expect(page.get_by_test_id("timeline-entry").first).to_contain_text("张伟")
    expect(page.get_by_test_id("tag")).to_have_count(2)
    no_sideways_scroll(page, 1280)
    keep_screenshot(page, "customers-account-en-1280")
    page.get_by_test_id("history-tab").click()
    expect(page.get_by_test_id("history-event").first).to_contain_text("Created")

    # "n" goes to the quick log; logging an activity reloads the timeline (timeline-changed).
    page.locator("#timeline-tab").click()
    entries = page.get_by_test_id("timeline-entry")
    expect(entries).to_have_count(2)
    page.locator("body").click(position={"x": 5, "y": 300})
    page.keyboard.press("n")
    note = page.locator('[data-panel="quick_log"] textarea').first
    expect(note).to_be_focused()
    note.fill("Called about the spring order")
    page.locator('[data-panel="quick_log"] button[type=submit]').last.click()
    expect(entries).to_have_count(3)
    expect(entries.first).to_contain_text("Called about the spring order")
    assert page.js_errors == []  # type: ignore[attr-defined]

    # Chinese, on a phone.
    member.user.locale = "zh-hans"
    member.user.save(update_fields=["locale"])
    phone_context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    phone = phone_context.new_page()
    errors: list[str] = []
    phone.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    try:
        sign_in(phone, live_server, EMAIL, TEST_PASSWORD)
        assert phone.locator("html").get_attribute("lang") == "zh-hans"
        create_account_and_contact(
            phone,
            live_server.url,
            company="华为技术有限公司",
            person="李娜",
            mobile="139 0000 1111",
        )
        expect(phone.get_by_test_id("edit-record")).to_contain_text("编辑")
        expect(phone.get_by_test_id("account-contact")).to_contain_text("李娜")
        no_sideways_scroll(phone, 390)
        keep_screenshot(phone, "customers-account-zh-390")
        phone.goto(f"{live_server.url}/accounts/")
        expect(phone.get_by_test_id("record-row")).to_have_count(2)
        no_sideways_scroll(phone, 390)
        keep_screenshot(phone, "customers-list-zh-390")
        assert errors == []
    finally:
        phone_context.close()

    assert Account.objects.filter(workspace=member.workspace).count() == 2
    contact = Contact.objects.get(name="李娜")
    assert contact.account.name == "华为技术有限公司"
    assert (contact.mobile, contact.email_consent) == ("+8613900001111", "granted")


def test_list_search_sort_inline_edit_bulk_tag_and_shortcuts(page, live_server, member):
    for name, level in [("Alpha 贸易", "C"), ("Beta 科技", "B"), ("Gamma 物流", "C")]:
        account_create(actor=member, data={"name": name, "level": level})
    sign_in(page, live_server, EMAIL, TEST_PASSWORD)
    page.goto(f"{live_server.url}/accounts/")
    rows = page.get_by_test_id("record-row")
    expect(rows).to_have_count(3)

    # Search narrows the list in place and puts the query in the address bar.
    page.locator("#list-filters input[name=q]").fill("Beta")
    expect(rows).to_have_count(1)
    expect(page).to_have_url(re.compile(r"q=Beta"))
    page.go_back()
    expect(rows).to_have_count(3)
    page.goto(f"{live_server.url}/accounts/")

    # Sorting by name from the header.
    page.get_by_test_id("sort-name").click()
    expect(page).to_have_url(re.compile(r"sort=name"))
    expect(rows.first).to_contain_text("Alpha 贸易")

    # Inline edit of a cell.
    alpha = rows.filter(has_text="Alpha 贸易")
    alpha.locator('[data-column="level"] [data-testid="cell-edit"]').click()
    alpha.locator('[data-column="level"] select').select_option("A")
    alpha.locator('[data-column="level"] button[type=submit]').click()
    expect(alpha.locator('[data-column="level"] [data-testid="cell-value"]')).to_have_text(
        "A (key account)"
    )
    assert Account.objects.get(name="Alpha 贸易").level == "A"

    # Bulk: tag two selected rows.
    for name in ("Alpha 贸易", "Gamma 物流"):
        rows.filter(has_text=name).locator("input[data-select-row]").check()
    bulk = page.get_by_test_id("bulk-form")
    expect(bulk).to_be_visible()
    bulk.locator("select[name=action]").select_option("add_tag")
    bulk.locator("input[name=tag]").fill("展会")
    page.get_by_test_id("bulk-apply").click()
    expect(page.locator(".gx-messages .alert-success")).to_contain_text("2 records were changed.")
    tagged = Account.objects.filter(tags__name="展会").values_list("name", flat=True)
    assert sorted(tagged) == ["Alpha 贸易", "Gamma 物流"]

    # Keyboard: "?" shows the shortcuts, "g c" goes to the contacts.
    page.locator("body").click(position={"x": 5, "y": 300})
    page.keyboard.press("?")
    expect(page.locator("#gx-hotkeys")).to_be_visible()
    expect(page.locator("#gx-hotkeys")).to_be_focused()  # shown: its opening animation is over
    page.keyboard.press("Escape")
    expect(page.locator("#gx-hotkeys")).to_be_hidden()
    page.keyboard.press("g")
    page.keyboard.press("c")
    page.wait_for_url(f"{live_server.url}/contacts/")
    assert page.js_errors == []  # type: ignore[attr-defined]


def test_back_after_filtering_shows_the_filters_of_the_list_it_restores(page, live_server, member):
    for name, level in [("Alpha 贸易", "A"), ("Beta 科技", "B"), ("Gamma 物流", "C")]:
        account_create(actor=member, data={"name": name, "level": level})
    sign_in(page, live_server, EMAIL, TEST_PASSWORD)
    page.goto(f"{live_server.url}/accounts/")
    rows = page.get_by_test_id("record-row")
    level = page.locator("#list-filters select[name=level]")

    # Two filters in a row, each pushed into the history
    level.select_option("A")
    expect(page).to_have_url(re.compile(r"level=A"))
    expect(rows).to_have_count(1)
    level.select_option("B")
    expect(page).to_have_url(re.compile(r"level=B"))
    expect(rows.first).to_contain_text("Beta 科技")

    # Back: the restored list and its filter bar agree, twice over
    page.go_back()
    expect(page).to_have_url(re.compile(r"level=A"))
    expect(rows.first).to_contain_text("Alpha 贸易")
    expect(level).to_have_value("A")
    page.go_back()
    expect(rows).to_have_count(3)
    expect(level).to_have_value("")
    assert page.js_errors == []  # type: ignore[attr-defined]


def test_a_long_list_shows_its_count_as_soon_as_it_is_counted(
    page, live_server, member, monkeypatch
):
    for name, level in [("Alpha 贸易", "A"), ("Beta 科技", "A"), ("Gamma 物流", "C")]:
        account_create(actor=member, data={"name": name, "level": level})
    # The planner expects a long list: the page is sent before the rows are counted, and asks
    # for the count itself.
    monkeypatch.setattr(selectors, "estimated_count", lambda queryset: 50_000)
    sign_in(page, live_server, EMAIL, TEST_PASSWORD)

    page.goto(f"{live_server.url}/accounts/")
    expect(page.get_by_test_id("record-count")).to_have_text("3 accounts")

    # Filtering swaps the list in through htmx; its count follows.
    page.locator("#list-filters select[name=level]").select_option("A")
    expect(page.get_by_test_id("record-row")).to_have_count(2)
    expect(page.get_by_test_id("record-count")).to_have_text("2 accounts")
    keep_screenshot(page, "customers-list-counted-en-1280")
    assert page.js_errors == []  # type: ignore[attr-defined]
