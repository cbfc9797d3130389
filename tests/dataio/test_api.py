"""/api/v1/imports and /api/v1/exports."""

from __future__ import annotations

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from guanxi.core.models import AuditEvent
from guanxi.core.services.tokens import token_create
from guanxi.customers.models import Contact
from guanxi.dataio.models import ImportJob, ImportStatus
from tests.conftest import api_for
from tests.dataio.conftest import start_import
from tests.factories import WorkspaceFactory, make_member

pytestmark = pytest.mark.django_db

CSV = "姓名,手机,邮箱\n张三,13812345678,zs@example.com\n李四,12,bad\n".encode()


class Uploader:
    """Multipart requests with a Bearer token (the JSON ApiClient cannot send files)."""

    def __init__(self, member):
        _token, self.raw = token_create(member=member, name="test", scope="write")
        self.client = Client()

    def post(self, path: str, data: dict):
        return self.client.post(
            f"/api/v1{path}", data=data, HTTP_AUTHORIZATION=f"Bearer {self.raw}"
        )

    def get(self, path: str, **params):
        return self.client.get(f"/api/v1{path}", params, HTTP_AUTHORIZATION=f"Bearer {self.raw}")


def upload(name: str = "people.csv", content: bytes = CSV) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


@pytest.fixture
def uploader(admin):
    return Uploader(admin)


def test_upload_starts_an_import_in_the_background(uploader, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = uploader.post(
            "/imports", {"file": upload(), "object_type": "contacts", "dry_run": "false"}
        )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "queued"
    assert body["mapping"] == {"姓名": "name", "手机": "mobile", "邮箱": "email"}
    assert body["encoding"] == "utf-8" and body["original_filename"] == "people.csv"
    job = ImportJob.objects.get(pk=body["id"])
    assert job.status == ImportStatus.DONE  # the task ran after the commit
    assert not job.file.name.endswith("people.csv")  # a generated name
    status = uploader.get(f"/imports/{job.pk}").json()
    assert status["progress"] == 100.0
    assert (status["created"], status["failed"], status["total_rows"]) == (1, 1, 2)


def test_mapping_and_duplicate_mode_are_sent_as_form_fields(uploader, admin):
    response = uploader.post(
        "/imports",
        {
            "file": upload(content=b"Who,Cell,Notes\nAda,13812345678,hello\n"),
            "object_type": "contacts",
            "mapping": json.dumps({"Who": "name", "Cell": "mobile", "Notes": ""}),
            "duplicate_mode": "update",
            "dry_run": "true",
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["mapping"] == {"Who": "name", "Cell": "mobile", "Notes": ""}
    assert (body["duplicate_mode"], body["dry_run"]) == ("update", True)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"object_type": "contacts"}, "file"),
        ({"object_type": "leads", "file": "x"}, "object_type"),
        ({"object_type": "contacts", "mapping": "{not json", "file": "x"}, "mapping"),
        ({"object_type": "contacts", "mapping": '{"Nope": "name"}', "file": "x"}, "mapping"),
        ({"object_type": "contacts", "duplicate_mode": "merge", "file": "x"}, "duplicate_mode"),
        ({"object_type": "contacts", "file": b""}, "file"),
    ],
    ids=["no-file", "bad-type", "bad-json", "unknown-header", "bad-mode", "empty-file"],
)
def test_bad_uploads_answer_422_naming_the_field(uploader, data, field):
    data = dict(data)
    if "file" in data:
        data["file"] = upload(content=CSV if data["file"] == "x" else data["file"])

    response = uploader.post("/imports", data)

    assert response.status_code == 422, response.content
    assert field in response.json()["error"]["fields"]
    assert ImportJob.objects.count() == 0


def test_a_file_over_the_limit_answers_413(uploader, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 10

    response = uploader.post("/imports", {"file": upload(), "object_type": "contacts"})

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_importing_without_the_import_permission_answers_403(workspace):
    rep = Uploader(make_member(workspace, "sales_rep"))

    response = rep.post("/imports", {"file": upload(), "object_type": "contacts"})

    assert response.status_code == 403
    assert ImportJob.objects.count() == 0


def test_row_results_and_the_error_file(admin, uploader):
    job = start_import(admin, "contacts", CSV, dry_run=False)

    failed = uploader.get(f"/imports/{job.pk}/rows", status="failed").json()
    everything = uploader.get(f"/imports/{job.pk}/rows").json()
    errors = uploader.get(f"/imports/{job.pk}/errors.csv")

    assert failed == {
        "items": [
            {
                "row_number": 3,
                "status": "failed",
                "record_id": None,
                "errors": {
                    "mobile": ["Enter a valid phone number."],
                    "email": ["Enter a valid email address."],
                },
                "message": "",
                "values": ["李四", "12", "bad"],
            }
        ],
        "next_cursor": None,
    }
    assert [r["status"] for r in everything["items"]] == ["created", "failed"]
    text = b"".join(errors.streaming_content).decode("utf-8")
    assert errors["Content-Type"].startswith("text/csv")
    assert text == (
        "\ufeffRow,姓名,手机,邮箱,Errors\r\n"
        "3,李四,12,bad,手机: Enter a valid phone number.; 邮箱: Enter a valid email address.\r\n"
    )


def test_the_error_file_neutralizes_formulas(admin, uploader):
    job = start_import(admin, "contacts", b"Name,Mobile\n=1+2,123\n", dry_run=False)

    text = b"".join(uploader.get(f"/imports/{job.pk}/errors.csv").streaming_content).decode()

    assert "\r\n2,'=1+2,123," in text


def test_cancel_resume_and_run(admin, uploader, django_capture_on_commit_callbacks):
    queued = start_import(admin, "contacts", CSV, dry_run=False, run=False)
    cancelled = uploader.post(f"/imports/{queued.pk}/cancel", {})
    again = uploader.post(f"/imports/{queued.pk}/cancel", {})
    resume = uploader.post(f"/imports/{queued.pk}/resume", {})
    dry = start_import(admin, "contacts", CSV, dry_run=True)
    with django_capture_on_commit_callbacks(execute=True):
        run = uploader.post(f"/imports/{dry.pk}/run", {})

    assert cancelled.json()["status"] == "cancelled"
    assert again.status_code == 409
    assert resume.status_code == 409
    assert run.status_code == 201
    real = ImportJob.objects.get(pk=run.json()["id"])
    assert (real.dry_run, real.status, real.created_count) == (False, "done", 1)
    assert Contact.objects.count() == 1


def test_imports_of_others_are_visible_only_with_imports_view(workspace, admin):
    manager = make_member(workspace, "sales_manager")
    importer = make_member(
        workspace, "sales_rep", permissions={"contacts": ["view", "create", "import"]}
    )
    job = start_import(importer, "contacts", CSV, dry_run=True)
    other_rep = make_member(
        workspace, "sales_rep", permissions={"contacts": ["view", "create", "import"]}
    )

    assert api_for(importer).get(f"/imports/{job.pk}").status_code == 200
    assert api_for(admin).get(f"/imports/{job.pk}").status_code == 200
    assert api_for(other_rep).get(f"/imports/{job.pk}").status_code == 404
    assert api_for(other_rep).get("/imports").json()["items"] == []
    # A sales manager sees their team's imports; the importer is in no team of theirs.
    assert api_for(manager).get(f"/imports/{job.pk}").status_code == 404


def test_another_workspaces_import_is_404(admin):
    theirs = start_import(make_member(WorkspaceFactory(), "owner"), "contacts", CSV, dry_run=True)
    api = api_for(admin)

    assert api.get(f"/imports/{theirs.pk}").status_code == 404
    assert api.get(f"/imports/{theirs.pk}/errors.csv").status_code == 404
    assert api.post(f"/imports/{theirs.pk}/cancel").status_code == 404


def test_imports_list_newest_first_with_a_cursor(admin):
    for _ in range(3):
        start_import(admin, "contacts", CSV, dry_run=True, run=False)
    api = api_for(admin)

    first = api.get("/imports", limit=2).json()
    second = api.get("/imports", limit=2, cursor=first["next_cursor"]).json()

    ids = [j["id"] for j in first["items"] + second["items"]]
    assert ids == sorted(ids, reverse=True) and len(ids) == 3


# --- Exports ---------------------------------------------------------------------------------------


def test_export_streams_csv_with_the_lists_filters_and_columns(admin):
    from guanxi.customers.services.contacts import contact_create

    contact_create(actor=admin, data={"name": "张三", "mobile": "13812345678", "title": "CEO"})
    contact_create(actor=admin, data={"name": "李四", "mobile": "13912345678", "title": "CTO"})

    response = api_for(admin).get(
        "/exports/contacts", q="张", columns="mobile,title,nope", sort="name"
    )

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="contacts-')
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text == "\ufeffName,Mobile,Job title\r\n张三,'+8613812345678,CEO\r\n"
    event = AuditEvent.objects.get(action="contact.export")
    assert event.changes["columns"] == ["name", "mobile", "title"]
    assert event.changes["q"] == "张" and event.changes["rows"] == 1


def test_export_filters_are_checked_before_streaming(admin):
    response = api_for(admin).get("/exports/accounts", salary__gte="5")

    assert response.status_code == 422
    assert "salary__gte" in response.json()["error"]["fields"]
    assert not AuditEvent.objects.filter(action="account.export").exists()


def test_export_needs_the_export_permission(workspace):
    rep = make_member(workspace, "sales_rep")

    response = api_for(rep).get("/exports/contacts")

    assert response.status_code == 403


def test_export_xlsx(admin):
    from openpyxl import load_workbook

    from guanxi.customers.services.accounts import account_create

    account_create(actor=admin, data={"name": "=cmd|' /C calc'!A0", "level": "A"})

    response = api_for(admin).get("/exports/accounts", format="xlsx", columns="level")

    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    # The formula is text with Excel's quote prefix: shown as typed, never computed
    assert rows == [["Name", "Customer level"], ["=cmd|' /C calc'!A0", "A (key account)"]]
    assert (sheet["A2"].data_type, sheet["A2"].quotePrefix) == ("s", True)
    assert (sheet["B2"].data_type, sheet["B2"].quotePrefix) == ("s", False)
