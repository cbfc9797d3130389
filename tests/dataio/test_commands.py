"""`guanxi import` and `guanxi export`."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from guanxi.customers.models import Contact
from guanxi.customers.services.contacts import contact_create
from guanxi.dataio.models import ImportJob
from tests.factories import UserFactory, make_member

pytestmark = pytest.mark.django_db

CSV = "姓名,手机,邮箱\n张三,13812345678,zs@example.com\n李四,12,bad\n王五,13912345678,\n"


@pytest.fixture
def people(tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes(CSV.encode("gbk"))
    return path


def test_dry_run_prints_a_summary_and_the_first_errors_and_changes_nothing(owner, people, capsys):
    call_command("import", "contacts", str(people), workspace=owner.workspace.slug, dry_run=True)

    out = capsys.readouterr().out
    assert "gb18030" in out and "dry run" in out
    assert "姓名 → name, 手机 → mobile, 邮箱 → email" in out
    assert "3 rows: 2 would be created, 0 would be updated, 0 skipped, 1 failed." in out
    assert "row 3: 手机: Enter a valid phone number.; 邮箱: Enter a valid email address." in out
    assert Contact.objects.count() == 0
    assert ImportJob.objects.get().created_by_id == owner.user_id


def test_import_acts_as_the_owner_or_the_member_named(owner, people, capsys, workspace):
    member = make_member(workspace, "sales_manager", user=UserFactory(email="m@example.com"))

    call_command(
        "import", "contacts", str(people), workspace=owner.workspace.slug, email="M@example.com"
    )

    assert Contact.objects.count() == 2
    assert set(Contact.objects.values_list("owner_id", flat=True)) == {member.user_id}


def test_import_refuses_members_without_the_permission(owner, people, workspace):
    make_member(workspace, "sales_rep", user=UserFactory(email="rep@example.com"))

    with pytest.raises(CommandError, match="permission"):
        call_command(
            "import",
            "contacts",
            str(people),
            workspace=owner.workspace.slug,
            email="rep@example.com",
        )


def test_import_reports_unreadable_files(owner, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")

    with pytest.raises(CommandError, match="empty"):
        call_command("import", "contacts", str(empty), workspace=owner.workspace.slug)
    with pytest.raises(CommandError, match="does not exist"):
        call_command("import", "contacts", str(empty), workspace="nope")


def test_import_takes_a_mapping_and_a_duplicate_mode(owner, tmp_path, capsys):
    contact_create(actor=owner, data={"name": "Old", "mobile": "13812345678"})
    path = tmp_path / "x.csv"
    path.write_text("Who,Cell\nNew,13812345678\n")

    call_command(
        "import", "contacts", str(path), workspace=owner.workspace.slug,
        mapping='{"Who": "name", "Cell": "mobile"}', duplicates="update",
    )  # fmt: skip

    assert list(Contact.objects.values_list("name", flat=True)) == ["New"]


def test_export_writes_csv_and_xlsx(owner, tmp_path, capsys):
    contact_create(actor=owner, data={"name": "=1+1", "mobile": "13812345678"})
    contact_create(actor=owner, data={"name": "Bob"})

    call_command(
        "export", "contacts", str(tmp_path / "c.csv"), workspace=owner.workspace.slug,
        columns="mobile", filter=["mobile=138"],
    )  # fmt: skip
    call_command("export", "contacts", str(tmp_path / "c.xlsx"), workspace=owner.workspace.slug)

    assert (tmp_path / "c.csv").read_bytes().decode("utf-8") == (
        "\ufeffName,Mobile\r\n'=1+1,'+8613812345678\r\n"
    )
    sheet = load_workbook(tmp_path / "c.xlsx").worksheets[0]
    names = [row[0] for row in sheet.iter_rows(values_only=True)]
    assert names == ["Name", "Bob", "=1+1"]
    assert (sheet["A3"].data_type, sheet["A3"].quotePrefix) == ("s", True)
    assert "Exported 2 contacts" in capsys.readouterr().out


def test_commands_speak_the_workspaces_language_and_time_zone(owner, workspace, tmp_path, capsys):
    from datetime import UTC, datetime

    workspace.locale, workspace.time_zone = "zh-hans", "America/New_York"
    workspace.save(update_fields=["locale", "time_zone"])
    contact = contact_create(actor=owner, data={"name": "张三"})
    Contact.objects.filter(pk=contact.pk).update(
        last_followed_at=datetime(2026, 1, 5, 16, 30, tzinfo=UTC)
    )
    target = tmp_path / "out.csv"

    call_command(
        "export", "contacts", str(target), workspace=workspace.slug, columns="last_followed_at"
    )

    lines = target.read_text(encoding="utf-8-sig").splitlines()
    assert lines == ["姓名,最近跟进", "张三,2026-01-05 11:30"]


def test_a_refused_file_is_one_clear_error_in_the_workspaces_language(owner, workspace, tmp_path):
    workspace.locale = "zh-hans"
    workspace.save(update_fields=["locale"])
    path = tmp_path / "bad.csv"
    path.write_bytes(b"garbage\x00\xff\xfe")

    with pytest.raises(CommandError) as refused:
        call_command("import", "contacts", str(path), workspace=workspace.slug)

    message = str(refused.value)
    assert "CSV" in message and "Upload" not in message  # in Chinese
    assert message.count(message.split("。")[0]) == 1  # said once
    assert ImportJob.objects.count() == 0
