"""Browser tests of the customer flows a sales team uses every day: find a customer with Ctrl+K
by pinyin initials, claim one from the public pool, merge two duplicates (and undo it)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from guanxi.customers.models import Account
from guanxi.customers.services.accounts import account_create
from guanxi.customers.services.contacts import contact_create
from tests.e2e.conftest import RESULTS, sign_in
from tests.factories import TEST_PASSWORD, UserFactory, WorkspaceFactory, make_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def workspace(db):
    return WorkspaceFactory(name="云帆 Demo")


@pytest.fixture
def manager(workspace):
    return make_member(workspace, "admin", user=UserFactory(email="wang@example.com", name="王芳"))


@pytest.fixture
def rep(workspace):
    return make_member(
        workspace, "sales_rep", user=UserFactory(email="li@example.com", name="李伟")
    )


def test_ctrl_k_finds_a_contact_by_pinyin_initials(page, live_server, manager):
    contact = contact_create(actor=manager, data={"name": "张三丰", "mobile": "13800138000"})
    contact_create(actor=manager, data={"name": "李四"})
    sign_in(page, live_server, "wang@example.com", TEST_PASSWORD)

    page.keyboard.press("Control+k")
    palette = page.locator("[data-palette-input]")
    palette.wait_for(state="visible")
    palette.fill("zsf")
    item = page.locator("#command-palette [data-palette-item]:visible", has_text="张三丰")
    expect(item).to_have_count(1)
    expect(
        page.locator("#command-palette [data-palette-item]:visible", has_text="李四")
    ).to_have_count(0)
    item.first.click()

    page.wait_for_url(re.compile(rf"/contacts/{contact.pk}/$"))
    assert page.js_errors == []


def test_a_rep_claims_a_customer_from_the_public_pool(page, live_server, manager, rep):
    account = account_create(
        actor=manager,
        data={"name": "重庆山城汽车配件有限公司", "owner_id": None, "phone": "023 6888 1234"},
    )
    sign_in(page, live_server, "li@example.com", TEST_PASSWORD)

    page.goto(f"{live_server.url}/pool/")
    row = page.get_by_test_id("pool-row").filter(has_text="重庆山城汽车配件有限公司")
    expect(row).to_have_count(1)
    row.get_by_test_id("claim").click()

    page.wait_for_url(re.compile(rf"/accounts/{account.pk}/$"))
    expect(page.get_by_test_id("ownership-panel")).to_contain_text("李伟")
    assert Account.objects.get(pk=account.pk).owner_id == rep.user_id
    page.goto(f"{live_server.url}/pool/")
    expect(page.get_by_test_id("pool-row")).to_have_count(0)
    assert page.js_errors == []


def test_merge_two_duplicates_and_undo(page, live_server, manager):
    first = account_create(actor=manager, data={"name": "北京云帆科技有限公司", "city": "北京"})
    second = account_create(
        actor=manager,
        data={"name": "云帆科技（北京）有限公司", "phone": "010 6666 8888"},
        allow_duplicate=True,
    )
    person = contact_create(actor=manager, data={"name": "陈静", "account_id": second.pk})
    sign_in(page, live_server, "wang@example.com", TEST_PASSWORD)

    page.goto(f"{live_server.url}/duplicates/accounts/")
    page.get_by_test_id("duplicate-group").get_by_test_id("merge-group").click()
    page.get_by_test_id(f"master-{first.pk}").check()
    page.get_by_test_id("merge-submit").click()

    page.wait_for_url(re.compile(rf"/accounts/{first.pk}/$"))
    expect(page.get_by_test_id("account-contact")).to_contain_text("陈静")
    RESULTS.mkdir(exist_ok=True)
    page.screenshot(
        path=str(RESULTS / "customers-merged-en-1280.png"), full_page=True, caret="initial"
    )
    assert Account.objects.get(pk=second.pk).merged_into_id == first.pk

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("undo-merge").click()
    page.wait_for_load_state("networkidle")

    assert Account.objects.get(pk=second.pk).deleted_at is None
    assert person.__class__.objects.get(pk=person.pk).account_id == second.pk
    assert page.js_errors == []
