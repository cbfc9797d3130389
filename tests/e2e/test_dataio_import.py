"""Browser test: importing a CSV through the wizard, watching the progress bar.

The background worker is stood in for by the test: enqueueing is switched off, and the test runs
the queued job itself while the page polls, so the page shows a queued job, then its result,
exactly as it would with a real worker."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from guanxi.customers.models import Contact
from guanxi.dataio.models import ImportJob
from guanxi.dataio.services import imports as import_services
from guanxi.dataio.services.processing import run_import
from tests.e2e.conftest import sign_in
from tests.factories import TEST_PASSWORD, UserFactory, WorkspaceFactory, make_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSV = (
    "姓名,手机,邮箱,职位\r\n"
    "张三,13812345678,zs@example.com,经理\r\n"
    "李四,12345,not-an-email,\r\n"
    "王五,13912345678,,总监\r\n"
).encode("gbk")


@pytest.fixture
def admin(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    workspace = WorkspaceFactory(name="Acme 示例")
    return make_member(workspace, "admin", user=UserFactory(email="ada@example.com", name="Ada Li"))


@pytest.fixture
def queued(monkeypatch):
    """Jobs are left queued for the test to run (no worker thread in the test)."""
    monkeypatch.setattr(import_services, "enqueue", lambda job: None)


def test_import_a_csv_with_a_dry_run_and_a_progress_bar(page, live_server, admin, queued):
    sign_in(page, live_server, "ada@example.com", TEST_PASSWORD)
    page.goto(f"{live_server.url}/imports/new/contacts/")
    page.locator("input[name=file]").set_input_files(
        files=[{"name": "客户名单.csv", "mimeType": "text/csv", "buffer": CSV}]
    )
    page.get_by_test_id("upload").click()

    # The mapping step: columns guessed from the Chinese headers, the first rows previewed.
    expect(page.get_by_test_id("mapping-table")).to_be_visible()
    assert page.locator("select[data-header='姓名']").input_value() == "name"
    assert page.locator("select[data-header='手机']").input_value() == "mobile"
    assert page.locator("select[data-header='邮箱']").input_value() == "email"
    assert page.locator("select[data-header='职位']").input_value() == "title"
    expect(page.get_by_test_id("preview")).to_contain_text("张三")
    page.get_by_test_id("dry-run").click()

    # Queued: the progress bar is shown and polls.
    status = page.get_by_test_id("import-status")
    expect(status).to_have_attribute("data-status", "queued")
    expect(page.get_by_test_id("import-progress")).to_be_visible()
    dry_run = ImportJob.objects.get()
    run_import(dry_run.pk)

    # The poll picks up the result by itself: per-row errors, nothing imported yet.
    expect(status).to_have_attribute("data-status", "done", timeout=10_000)
    expect(page.get_by_test_id("count-created")).to_have_text("2")
    expect(page.get_by_test_id("count-failed")).to_have_text("1")
    expect(page.get_by_test_id("result-rows")).to_contain_text("Enter a valid phone number.")
    assert Contact.objects.count() == 0

    page.get_by_test_id("run-import").click()
    status = page.get_by_test_id("import-status")
    expect(page.get_by_test_id("import-progress")).to_be_visible()
    real = ImportJob.objects.exclude(pk=dry_run.pk).get()
    run_import(real.pk)

    expect(status).to_have_attribute("data-status", "done", timeout=10_000)
    expect(page.get_by_test_id("count-created")).to_have_text("2")
    expect(page.get_by_test_id("error-file")).to_be_visible()
    assert sorted(Contact.objects.values_list("name", flat=True)) == ["张三", "王五"]
    assert page.js_errors == []
