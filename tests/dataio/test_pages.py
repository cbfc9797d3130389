"""The import wizard, the history and the progress fragment."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from guanxi.customers.models import Contact
from guanxi.dataio.models import ImportJob, ImportStatus, ImportTemplate
from tests.dataio.conftest import start_import
from tests.factories import make_member

pytestmark = pytest.mark.django_db

CSV = "姓名,手机,邮箱,备用\n张三,13812345678,zs@example.com,x\n李四,12,,y\n".encode("gbk")


@pytest.fixture
def browser(admin):
    client = Client()
    client.force_login(admin.user)
    return client


def upload(browser, content=CSV, name="客户.csv", **extra):
    return browser.post(
        reverse("dataio:import-new", args=["contacts"]),
        {"file": SimpleUploadedFile(name, content, content_type="text/csv"), **extra},
    )


def test_the_wizard_from_upload_to_import(browser, admin, django_capture_on_commit_callbacks):
    response = upload(browser)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("dataio:import", args=[job.pk])
    assert job.status == ImportStatus.DRAFT

    page = browser.get(response.url)
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="mapping-table"' in html
    assert '<option value="mobile" selected>' in html  # guessed from 手机
    assert "13812345678" in html  # the preview

    with django_capture_on_commit_callbacks(execute=True):
        started = browser.post(
            response.url,
            {"map-0": "name", "map-1": "mobile", "map-2": "email", "map-3": "", "action": "dry_run",
             "duplicate_mode": "skip"},
        )  # fmt: skip
    assert started.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.dry_run, job.failed_count) == ("done", True, 1)
    assert Contact.objects.count() == 0

    result = browser.get(started.url).content.decode()
    assert 'data-testid="run-import"' in result
    assert "Enter a valid phone number." in result
    assert 'hx-trigger="every 1s"' not in result  # finished: no polling

    with django_capture_on_commit_callbacks(execute=True):
        ran = browser.post(reverse("dataio:import-run", args=[job.pk]))
    real = ImportJob.objects.exclude(pk=job.pk).get()
    assert ran.url == reverse("dataio:import", args=[real.pk])
    assert (real.status, real.created_count) == ("done", 1)
    assert Contact.objects.get().name == "张三"
    done = browser.get(ran.url).content.decode()
    assert reverse("dataio:import-errors", args=[real.pk]) in done


def test_a_mapping_without_a_name_is_shown_again_with_the_error(browser):
    upload(browser)
    job = ImportJob.objects.get()

    response = browser.post(
        reverse("dataio:import", args=[job.pk]), {"map-1": "mobile", "action": "dry_run"}
    )

    assert response.status_code == 422
    assert "Choose the column that holds the name." in response.content.decode()
    job.refresh_from_db()
    assert job.status == ImportStatus.DRAFT


def test_templates_are_saved_and_applied(browser, admin):
    upload(browser)
    job = ImportJob.objects.get()
    url = reverse("dataio:import", args=[job.pk])

    saved = browser.post(
        url,
        {"map-0": "name", "map-1": "phone", "map-3": "description", "action": "save_template",
         "template-name": "客户表"},
    )  # fmt: skip
    template = ImportTemplate.objects.get()
    applied = browser.get(url, {"template": template.pk}).content.decode()

    assert saved.status_code == 200
    assert template.mapping == {"姓名": "name", "手机": "phone", "邮箱": "", "备用": "description"}
    assert '<option value="phone" selected>' in applied
    assert '<option value="description" selected>' in applied
    # The next upload can start from the template.
    upload(browser, template=str(template.pk))
    assert ImportJob.objects.order_by("-id").first().mapping["手机"] == "phone"


def test_the_progress_fragment_polls_until_the_job_ends(browser, admin):
    job = start_import(admin, "contacts", CSV, dry_run=False, run=False)
    ImportJob.objects.filter(pk=job.pk).update(status="running", total_rows=200, processed_rows=50)

    running = browser.get(reverse("dataio:import-status", args=[job.pk])).content.decode()
    ImportJob.objects.filter(pk=job.pk).update(status="done", processed_rows=200)
    finished = browser.get(reverse("dataio:import-status", args=[job.pk])).content.decode()

    assert 'hx-trigger="every 1s"' in running
    assert '<progress class="progress mb-2" value="50" max="200"' in running
    assert "50 of 200 rows (25.0%)" in running
    assert "hx-trigger" not in finished
    assert 'data-testid="import-counts"' in finished


def test_cancel_from_the_page(browser, admin):
    job = start_import(admin, "contacts", CSV, dry_run=False, run=False)

    response = browser.post(reverse("dataio:import-cancel", args=[job.pk]))

    job.refresh_from_db()
    assert response.status_code == 302 and job.status == ImportStatus.CANCELLED


def test_history_and_row_results_pages(browser, admin):
    job = start_import(admin, "contacts", CSV, dry_run=False)

    history = browser.get(reverse("dataio:imports")).content.decode()
    rows = browser.get(reverse("dataio:import-rows", args=[job.pk]), {"status": "failed"})

    assert "客户.csv" not in history and "import.csv" in history
    assert 'data-testid="new-import-contacts"' in history
    assert rows.status_code == 200
    assert (
        "手机" in rows.content.decode() and "Enter a valid phone number." in rows.content.decode()
    )


def test_members_without_the_import_permission_get_403(workspace):
    rep = make_member(workspace, "sales_rep")
    client = Client()
    client.force_login(rep.user)

    assert client.get(reverse("dataio:import-new", args=["contacts"])).status_code == 403
    assert client.get(reverse("dataio:imports")).status_code == 403


def test_another_members_import_is_404(browser, workspace):
    other = make_member(workspace, "sales_manager")
    theirs = start_import(other, "contacts", CSV, dry_run=True)
    rep = make_member(
        workspace, "sales_rep", permissions={"contacts": ["view", "create", "import"]}
    )
    client = Client()
    client.force_login(rep.user)

    assert client.get(reverse("dataio:import", args=[theirs.pk])).status_code == 404
    assert browser.get(reverse("dataio:import", args=[theirs.pk])).status_code == 200  # admin


def test_unreadable_uploads_show_the_error_on_the_form(browser):
    response = upload(browser, content=b"\x00\x01binary")

    assert response.status_code == 422
    assert "binary data" in response.content.decode()
    assert not ImportJob.objects.exists()
