"""Running imports: validation, duplicates, writes, dry runs, checkpoints, cancelling."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guanxi.core.errors import PermissionDenied, ValidationFailed
from guanxi.core.models import AuditEvent, TimelineEntry
from guanxi.customers.models import Account, Contact, ContactTag, CustomField, Tag
from guanxi.customers.services.accounts import account_create
from guanxi.customers.services.contacts import contact_create
from guanxi.dataio.models import ImportJob, ImportKey, ImportRowResult, ImportStatus
from guanxi.dataio.services import imports as import_services
from guanxi.dataio.services import processing
from guanxi.dataio.services.processing import run_import
from tests.dataio.conftest import start_import
from tests.factories import TeamFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db


def rows_of(job: ImportJob) -> dict[int, tuple[str, dict, str]]:
    return {
        r.row_number: (r.status, r.errors, r.message)
        for r in ImportRowResult.objects.filter(job=job).order_by("row_number")
    }


def counts() -> dict[str, int]:
    return {
        "contacts": Contact.objects.count(),
        "accounts": Account.objects.count(),
        "tags": Tag.objects.count(),
        "contact_tags": ContactTag.objects.count(),
        "timeline": TimelineEntry.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


# --- Creating records ------------------------------------------------------------------------------


def test_import_creates_contacts_like_the_services_do(owner):
    account = account_create(actor=owner, data={"name": "北京字节跳动科技有限公司"})
    content = (
        "姓名,手机,邮箱,公司,职位,标签,来源,生日\n"
        '张三,138 1234 5678,ZS@Example.com,北京字节跳动科技有限公司,经理,"VIP,重点",Referral,1990/5/1\n'
    ).encode()

    job = start_import(owner, "contacts", content, dry_run=False)

    assert job.status == ImportStatus.DONE, job.error
    assert job.counts() == {
        "total": 1, "processed": 1, "created": 1, "updated": 0, "skipped": 0, "failed": 0
    }  # fmt: skip
    contact = Contact.objects.get(name="张三")
    assert contact.mobile == "+8613812345678"
    assert contact.email == "zs@example.com"
    assert contact.account_id == account.pk
    assert (contact.family_name, contact.given_name) == ("张", "三")
    assert contact.source == "referral"
    assert str(contact.birthday) == "1990-05-01"
    assert sorted(t.name for t in contact.tags.all()) == ["VIP", "重点"]
    assert contact.owner_id == owner.user_id and contact.created_by_id == owner.user_id
    assert contact.owned_since is not None and contact.pool is not None
    # Search columns: pinyin, initials, phone digits, the company's name.
    assert (contact.name_pinyin, contact.name_initials) == ("zhangsan", "zs")
    assert (
        "13812345678" in contact.search_text and "北京字节跳动科技有限公司" in contact.search_text
    )
    row = ImportRowResult.objects.get(job=job)
    assert (row.row_number, row.status, row.record_id) == (2, "created", contact.pk)
    kinds = set(
        TimelineEntry.objects.filter(ref_type="contacts", ref_id=contact.pk).values_list(
            "subject_type", "kind"
        )
    )
    assert kinds == {("contacts", "record.imported"), ("accounts", "record.imported")}
    event = AuditEvent.objects.get(action="import.run")
    assert event.object_id == str(job.pk)
    assert event.changes["created"] == 1 and event.changes["rows"] == 1


def test_import_creates_accounts_with_name_keys_and_labels(owner):
    content = (
        "客户名称,统一社会信用代码,客户级别,客户阶段,行业,网址,电话,省份,城市\n"
        "北京字节跳动科技有限公司,91350100M000100Y43,A (key account),意向客户,IT and software,"
        "bytedance.com,010-8888 6666,北京,北京\n"
    ).encode()

    job = start_import(owner, "accounts", content, dry_run=False)

    assert job.failed_count == 0, rows_of(job)
    account = Account.objects.get()
    assert account.name_key == "字节跳动科技"
    assert (account.level, account.stage, account.industry) == ("A", "interested", "it")
    assert account.website == "https://bytedance.com"
    assert account.phone == "+861088886666"
    assert account.name_initials == "bjzjtdkjyxgs"


def test_contact_companies_link_by_exact_name_or_company_key_else_noted(owner, rep):
    exact = account_create(actor=owner, data={"name": "Acme Ltd"})
    keyed = account_create(actor=owner, data={"name": "深圳市腾讯计算机系统有限公司"})
    account_create(actor=rep, data={"name": "Hidden Co"})  # the owner sees it; rep's own
    content = "Name,Company\nA,Acme Ltd\nB,腾讯计算机系统\nC,Nobody Inc\n".encode()

    job = start_import(owner, "contacts", content, dry_run=False)

    linked = dict(Contact.objects.values_list("name", "account_id"))
    assert linked == {"A": exact.pk, "B": keyed.pk, "C": None}
    assert rows_of(job)[4] == (
        "created",
        {},
        "No account named “Nobody Inc” was found; the contact was not linked.",
    )


def test_contacts_do_not_link_accounts_the_member_cannot_see(workspace):
    rep = make_member(
        workspace,
        "sales_rep",
        permissions={"contacts": ["view", "create", "import"], "accounts": ["view"]},
        data_scope="own",
    )
    other = make_member(workspace, "sales_rep")
    account_create(actor=other, data={"name": "Theirs Ltd"})

    start_import(rep, "contacts", b"Name,Company\nA,Theirs Ltd\n", dry_run=False)

    assert Contact.objects.get(name="A").account_id is None


def test_owners_are_found_by_email_or_name(owner, workspace):
    li = make_member(workspace, "sales_rep", user=UserFactory(email="li@example.com", name="李雷"))
    content = "姓名,负责人\nA,li@example.com\nB,李雷\nC,nobody@example.com\nD,\n".encode()

    job = start_import(owner, "contacts", content, dry_run=False)

    owners = dict(Contact.objects.values_list("name", "owner_id"))
    assert owners == {"A": li.user_id, "B": li.user_id, "D": owner.user_id}
    assert rows_of(job)[4][1] == {
        "owner_id": ["No active member has the email or name “nobody@example.com”."]
    }


def test_giving_records_to_others_needs_the_assign_permission(workspace):
    importer = make_member(
        workspace, "sales_rep", permissions={"contacts": ["view", "create", "import"]}
    )
    other = make_member(workspace, "sales_rep", user=UserFactory(email="o@example.com"))

    job = start_import(
        importer,
        "contacts",
        f"Name,Owner\nMine,{importer.user.email}\nTheirs,o@example.com\n".encode(),
        dry_run=False,
    )

    assert list(Contact.objects.values_list("name", flat=True)) == ["Mine"]
    assert rows_of(job)[3][1]["owner_id"][0].startswith("Your role may not give records")
    assert other.user_id not in set(Contact.objects.values_list("owner_id", flat=True))


def test_custom_field_values_are_cleaned_by_type(owner, workspace):
    for key, label, kind, options in (
        ("budget", "预算", "number", []),
        ("tier", "等级", "single_select", [{"value": "gold", "label": "金牌"}]),
        ("since", "合作日期", "date", []),
        ("rep", "客服", "user", []),
    ):
        CustomField.objects.create(
            workspace=workspace,
            object_type="contacts",
            key=key,
            label=label,
            field_type=kind,
            options=options,
        )
    content = (
        "姓名,预算,等级,合作日期,客服\n"
        f'A,"1,200",金牌,2024年5月1日,{owner.user.email}\n'
        "B,lots,银牌,someday,nobody\n"
    ).encode()

    job = start_import(owner, "contacts", content, dry_run=False)

    contact = Contact.objects.get(name="A")
    assert contact.custom == {
        "budget": 1200,
        "tier": "gold",
        "since": "2024-05-01",
        "rep": owner.user_id,
    }
    status, errors, _message = rows_of(job)[3]
    assert status == "failed"
    assert set(errors) == {"custom.budget", "custom.tier", "custom.since", "custom.rep"}


def test_required_custom_fields_are_required(owner, workspace):
    CustomField.objects.create(
        workspace=workspace,
        object_type="contacts",
        key="region",
        label="Region",
        field_type="text",
        required=True,
    )

    job = start_import(owner, "contacts", b"Name,Region\nA,East\nB,\n", dry_run=False)

    assert list(Contact.objects.values_list("name", flat=True)) == ["A"]
    assert rows_of(job)[3][1] == {"custom.region": ["This field is required."]}


def test_first_and_last_name_columns_make_the_name(owner):
    start_import(
        owner, "contacts", "First name,Last name\nJohn,Smith\n三,张\n".encode(), dry_run=False
    )

    assert sorted(Contact.objects.values_list("name", "family_name", "given_name")) == [
        ("John Smith", "Smith", "John"),
        ("张三", "张", "三"),
    ]


def test_tags_are_reused_ignoring_case_and_created_once(owner, workspace):
    Tag.objects.create(workspace=workspace, name="VIP")

    start_import(owner, "contacts", b'Name,Tags\nA,vip\nB,"New, vip"\nC,new\n', dry_run=False)

    assert sorted(Tag.objects.filter(workspace=workspace).values_list("name", flat=True)) == [
        "New",
        "VIP",
    ]
    assert ContactTag.objects.count() == 4


def test_members_without_tag_create_permission_use_existing_tags_only(workspace):
    member = make_member(
        workspace, "sales_rep", permissions={"contacts": ["view", "create", "import"]}
    )
    Tag.objects.create(workspace=workspace, name="VIP")

    job = start_import(member, "contacts", b"Name,Tags\nA,VIP\nB,Brand new\n", dry_run=False)

    assert list(Contact.objects.values_list("name", flat=True)) == ["A"]
    assert rows_of(job)[3][1] == {"tags": ["There is no tag named “Brand new”."]}


# --- Bad input ---------------------------------------------------------------------------------------


def test_malformed_rows_are_reported_by_row_and_field_and_the_rest_imported(owner):
    big = "x" * (20 * 1024 * 1024)
    content = (
        "姓名,手机,邮箱,生日,备注\n"
        "好人,13812345678,ok@example.com,1990-01-01,fine\n"  # 2
        ",13912345678,,,\n"  # 3 no name
        "坏电话,12345,not-an-email,1990-13-45,\n"  # 4 wrong types
        f"大格子,13712345678,,,{big}\n"  # 5 a 20 MB cell
        '=HYPERLINK("http://evil"),13612345678,,,@SUM(A1)\n'  # 6 formula-looking text
        '引号,"13512345678"x,,,\n'  # 7 broken quotes
        "最后,13312345678,,,\n"  # 8
    ).encode()
    del big

    job = start_import(owner, "contacts", content, dry_run=False)

    assert job.status == ImportStatus.DONE
    result = rows_of(job)
    assert result[2][0] == "created"
    assert result[3] == ("failed", {"name": ["This field is required."]}, "")
    assert result[4][0] == "failed" and set(result[4][1]) == {"mobile", "email", "birthday"}
    assert result[5][0] == "failed" and "longer than" in result[5][1]["__all__"][0]
    assert result[6][0] == "created"
    assert result[7][0] == "failed" and "doubled" in result[7][1]["__all__"][0]
    assert result[8][0] == "created"
    assert job.counts()["created"] == 3 and job.failed_count == 4
    # Formula-looking text is data: stored as typed, neutralized when exported.
    assert Contact.objects.filter(name='=HYPERLINK("http://evil")', description="@SUM(A1)").exists()
    failed = ImportRowResult.objects.get(job=job, row_number=4)
    assert failed.values == ["坏电话", "12345", "not-an-email", "1990-13-45", ""]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (b"\x00\x01\x02binary\x00", "binary data"),
        ("名字\n张三\n".encode("utf-16-le"), "binary data"),
    ],
    ids=["empty", "binary", "utf-16-without-bom"],
)
def test_unreadable_files_are_refused_and_nothing_is_stored(owner, content, message):
    with pytest.raises(ValidationFailed) as refused:
        start_import(owner, "contacts", content)

    assert message in refused.value.fields["file"][0]
    assert ImportJob.objects.count() == 0


def test_gbk_file_from_excel_imports(owner):
    content = "姓名,手机,公司,职位,备注\r\n欧阳娜娜,13812345678,,总监,来自展会\r\n".encode("gbk")

    job = start_import(owner, "contacts", content, dry_run=False)

    assert job.encoding == "gb18030"
    contact = Contact.objects.get()
    assert (contact.name, contact.title, contact.description) == ("欧阳娜娜", "总监", "来自展会")
    assert (contact.family_name, contact.name_initials) == ("欧阳", "oynn")


def test_an_incomplete_mapping_is_refused_when_starting(owner):
    with pytest.raises(ValidationFailed) as refused:
        start_import(owner, "contacts", b"Foo,Bar\n1,2\n")

    assert refused.value.fields["mapping"] == ["Choose the column that holds the name."]


def test_importing_needs_the_import_permission(rep):
    with pytest.raises(PermissionDenied):
        start_import(rep, "contacts", b"Name\nA\n")


# --- Dry runs ---------------------------------------------------------------------------------------


def test_dry_run_reports_everything_and_changes_nothing(owner):
    contact_create(actor=owner, data={"name": "Existing", "mobile": "13812345678"})
    before = counts()
    content = (
        b"Name,Mobile,Tags,Company\n"
        b"Dup,13812345678,New tag,Nowhere Ltd\n"  # 2 matches the existing contact
        b"Fresh,13912345678,New tag,\n"  # 3 would be created (not listed)
        b"Again,13912345678,,\n"  # 4 repeats row 3
        b"Bad,123,,\n"  # 5
    )

    job = start_import(owner, "contacts", content, dry_run=True)

    assert counts() == before
    assert job.status == ImportStatus.DONE
    assert job.counts() == {
        "total": 4, "processed": 4, "created": 1, "updated": 0, "skipped": 2, "failed": 1
    }  # fmt: skip
    result = rows_of(job)
    assert result[2][0] == "skipped" and "existing record" in result[2][2]
    assert 3 not in result  # plainly created rows are not listed in a dry run
    assert result[4] == ("skipped", {}, "Matches row 3 of this file (same mobile number).")
    assert result[5][1] == {"mobile": ["Enter a valid phone number."]}
    assert not ImportKey.objects.exists()  # scratch keys are gone


def test_dry_run_finds_in_file_duplicates_across_batches(owner, settings):
    settings.IMPORT_BATCH_SIZE = 2
    content = b"Name,Email\nA,a@x.cn\nB,b@x.cn\nC,c@x.cn\nA2,A@X.CN\nB2,b@x.cn\n"

    job = start_import(owner, "contacts", content, dry_run=True)

    assert (job.created_count, job.skipped_count) == (3, 2)
    assert rows_of(job)[5] == ("skipped", {}, "Matches row 2 of this file (same email).")
    assert Contact.objects.count() == 0


def test_a_dry_run_is_imported_for_real_once(owner):
    job = start_import(owner, "contacts", b"Name,Mobile\nA,13812345678\nB,12\n", dry_run=True)

    real = import_services.import_commit(actor=owner, job=job)
    run_import(real.pk)
    real.refresh_from_db()

    assert (real.dry_run, real.source_job_id, real.file.name) == (False, job.pk, job.file.name)
    assert real.counts()["created"] == 1 and real.failed_count == 1
    assert list(Contact.objects.values_list("name", flat=True)) == ["A"]
    with pytest.raises(Exception, match="already been imported"):
        import_services.import_commit(actor=owner, job=job)


# --- Duplicates ---------------------------------------------------------------------------------------

DUPLICATES = (
    "Name,Mobile,Email,Title\n"
    "Zhang New,13812345678,,CEO\n"  # 2 matches the existing contact by mobile
    "Li,13912345678,li@x.cn,\n"  # 3 new
    "Li again,,LI@X.CN,CTO\n"  # 4 same email as row 3 (same batch)
    "Wang,13712345678,,\n"  # 5 new (second batch)
    "Wang again,+86 137 1234 5678,,Boss\n"  # 6 same mobile as row 5 (same batch)
    "Li third,13912345678,,\n"  # 7 same mobile as row 3 (another batch)
)


@pytest.fixture
def existing(owner):
    return contact_create(actor=owner, data={"name": "Zhang", "mobile": "13812345678"})


def test_skip_mode_skips_matches_in_the_database_and_in_the_file(owner, existing, settings):
    settings.IMPORT_BATCH_SIZE = 3

    job = start_import(owner, "contacts", DUPLICATES.encode(), dry_run=False, duplicate_mode="skip")

    assert sorted(Contact.objects.values_list("name", flat=True)) == ["Li", "Wang", "Zhang"]
    result = rows_of(job)
    assert {n: r[0] for n, r in result.items()} == {
        2: "skipped", 3: "created", 4: "skipped", 5: "created", 6: "skipped", 7: "skipped"
    }  # fmt: skip
    li = Contact.objects.get(name="Li")
    assert ImportRowResult.objects.get(job=job, row_number=4).record_id == li.pk
    assert ImportRowResult.objects.get(job=job, row_number=7).record_id == li.pk
    assert ImportRowResult.objects.get(job=job, row_number=2).record_id == existing.pk
    existing.refresh_from_db()
    assert existing.name == "Zhang" and existing.title == ""


def test_update_mode_updates_matches_and_merges_repeated_rows(owner, existing, settings):
    settings.IMPORT_BATCH_SIZE = 3
    version = existing.version

    job = start_import(
        owner, "contacts", DUPLICATES.encode(), dry_run=False, duplicate_mode="update"
    )

    existing.refresh_from_db()
    assert (existing.name, existing.title, existing.version) == ("Zhang New", "CEO", version + 1)
    assert existing.name_pinyin == "zhangnew"
    names = sorted(Contact.objects.values_list("name", "title", "email"))
    assert names == [
        ("Li third", "CTO", "li@x.cn"),  # rows 3, 4 (same batch) then 7 (next batch)
        ("Wang again", "Boss", ""),  # rows 5 and 6, merged before it was written
        ("Zhang New", "CEO", ""),
    ]
    assert {n: r[0] for n, r in rows_of(job).items()} == {
        2: "updated", 3: "created", 4: "updated", 5: "created", 6: "updated", 7: "updated"
    }  # fmt: skip
    event = AuditEvent.objects.get(action="contact.update", object_id=str(existing.pk))
    assert event.changes["name"] == ["Zhang", "Zhang New"]
    assert event.changes["title"] == ["", "CEO"]
    assert TimelineEntry.objects.filter(
        subject_id=existing.pk, subject_type="contacts", kind="record.updated"
    ).exists()


def test_update_mode_blank_cells_keep_values_and_tags_are_added(owner, workspace):
    contact = contact_create(
        actor=owner,
        data={"name": "Zhang", "mobile": "13812345678", "title": "CEO", "tags": ["Old"]},
    )

    job = start_import(
        owner,
        "contacts",
        b"Name,Mobile,Title,Tags\nZhang,13812345678,,New\n",
        dry_run=False,
        duplicate_mode="update",
    )

    contact.refresh_from_db()
    assert contact.title == "CEO"
    assert sorted(t.name for t in contact.tags.all()) == ["New", "Old"]
    assert job.updated_count == 1


def test_update_mode_reports_rows_that_change_nothing_as_skipped(owner, existing):
    job = start_import(
        owner,
        "contacts",
        b"Name,Mobile\nZhang,13812345678\n",
        dry_run=False,
        duplicate_mode="update",
    )

    assert job.skipped_count == 1
    assert "already has these values" in rows_of(job)[2][2]


def test_update_mode_does_not_touch_records_outside_the_data_scope(workspace):
    team = TeamFactory(workspace=workspace)
    importer = make_member(
        workspace, "sales_rep", team=team,
        permissions={"contacts": ["view", "create", "edit", "import"]}, data_scope="own",
    )  # fmt: skip
    colleague = make_member(workspace, "sales_rep")
    theirs = contact_create(actor=colleague, data={"name": "Theirs", "mobile": "13812345678"})

    job = start_import(
        importer,
        "contacts",
        b"Name,Mobile\nMine now,13812345678\n",
        dry_run=False,
        duplicate_mode="update",
    )

    theirs.refresh_from_db()
    assert theirs.name == "Theirs"
    assert rows_of(job)[2][0] == "skipped"
    assert "may not edit" in rows_of(job)[2][2]
    assert Contact.objects.count() == 1


def test_create_mode_creates_every_valid_row(owner, existing):
    job = start_import(
        owner, "contacts", DUPLICATES.encode(), dry_run=False, duplicate_mode="create"
    )

    assert job.created_count == 6
    assert Contact.objects.filter(mobile="+8613812345678").count() == 2


def test_update_mode_needs_the_edit_permission(workspace):
    member = make_member(
        workspace, "sales_rep", permissions={"contacts": ["view", "create", "import"]}
    )

    with pytest.raises(PermissionDenied):
        start_import(member, "contacts", b"Name\nA\n", duplicate_mode="update")


def test_accounts_match_by_credit_code_name_phone_or_email(owner):
    account_create(actor=owner, data={"name": "北京字节跳动科技有限公司"})
    account_create(actor=owner, data={"name": "Other", "credit_code": "91350100M000100Y43"})
    content = (
        "Name,Credit code,Email\n"
        "字节跳动科技（北京）有限公司,,\n"  # same company key
        "Renamed,91350100m000100y43,\n"  # same code
        "Brand new,,new@x.cn\n"
    ).encode()

    job = start_import(owner, "accounts", content, dry_run=False)

    assert {n: r[0] for n, r in rows_of(job).items()} == {2: "skipped", 3: "skipped", 4: "created"}
    assert "same company name" in rows_of(job)[2][2]
    assert "same unified social credit code" in rows_of(job)[3][2]


# --- Checkpoints, crashes, cancelling ------------------------------------------------------------------

FIVE = "Name,Mobile\n" + "".join(f"P{i},1381234567{i}\n" for i in range(5))


def test_a_crash_in_a_batch_rolls_it_back_and_resume_continues_without_duplicates(
    owner, settings, monkeypatch
):
    settings.IMPORT_BATCH_SIZE = 2
    original = processing.Committer._results
    calls = {"n": 0}

    def crash_in_second_batch(self, outcomes):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return original(self, outcomes)

    monkeypatch.setattr(processing.Committer, "_results", crash_in_second_batch)

    job = start_import(owner, "contacts", FIVE.encode(), dry_run=False)

    assert job.status == ImportStatus.FAILED
    assert "disk full" in job.error
    assert job.processed_rows == 2  # the first batch was committed, the second rolled back
    assert sorted(Contact.objects.values_list("name", flat=True)) == ["P0", "P1"]
    assert ImportRowResult.objects.filter(job=job).count() == 2

    monkeypatch.setattr(processing.Committer, "_results", original)
    import_services.import_resume(actor=owner, job=job)
    run_import(job.pk)
    job.refresh_from_db()

    assert job.status == ImportStatus.DONE
    assert job.counts() == {
        "total": 5, "processed": 5, "created": 5, "updated": 0, "skipped": 0, "failed": 0
    }  # fmt: skip
    assert sorted(Contact.objects.values_list("name", flat=True)) == [f"P{i}" for i in range(5)]
    assert list(
        ImportRowResult.objects.filter(job=job)
        .order_by("row_number")
        .values_list("row_number", flat=True)
    ) == [2, 3, 4, 5, 6]
    assert AuditEvent.objects.filter(action="import.run").count() == 2  # the failure, the end


def test_a_worker_that_dies_leaves_a_running_job_that_resumes_when_stalled(
    owner, settings, monkeypatch
):
    settings.IMPORT_BATCH_SIZE = 2
    original = processing.Committer.commit
    calls = {"n": 0}

    class WorkerKilled(BaseException):
        pass

    def die_in_second_batch(self, batch):
        calls["n"] += 1
        if calls["n"] == 2:
            raise WorkerKilled
        return original(self, batch)

    monkeypatch.setattr(processing.Committer, "commit", die_in_second_batch)
    job = start_import(owner, "contacts", FIVE.encode(), dry_run=False, run=False)
    with pytest.raises(WorkerKilled):
        run_import(job.pk)
    job.refresh_from_db()
    assert (job.status, job.processed_rows) == (ImportStatus.RUNNING, 2)

    monkeypatch.setattr(processing.Committer, "commit", original)
    with pytest.raises(Exception, match="failed or stalled"):
        import_services.import_resume(actor=owner, job=job)
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=job.heartbeat_at.replace(year=2000))
    assert import_services.resume_stalled() == [job.pk]
    run_import(job.pk)
    job.refresh_from_db()

    assert job.status == ImportStatus.DONE and job.created_count == 5
    assert Contact.objects.count() == 5


def test_a_worker_that_lost_its_job_writes_nothing_more(owner, settings):
    settings.IMPORT_BATCH_SIZE = 2
    job = start_import(owner, "contacts", FIVE.encode(), dry_run=False, run=False)

    def taken_over(job_seen):
        ImportJob.objects.filter(pk=job_seen.pk).update(worker_token="someone-else")

    run_import(job.pk, on_batch=taken_over)
    job.refresh_from_db()

    assert job.processed_rows == 2 and Contact.objects.count() == 2
    assert job.status == ImportStatus.RUNNING  # the other worker's to finish


def test_cancel_stops_after_the_current_batch(owner, settings):
    settings.IMPORT_BATCH_SIZE = 2
    job = start_import(owner, "contacts", FIVE.encode(), dry_run=False, run=False)

    def cancel(job_seen):
        import_services.import_cancel(actor=owner, job=job_seen)

    run_import(job.pk, on_batch=cancel)
    job.refresh_from_db()

    assert job.status == ImportStatus.CANCELLED
    assert job.processed_rows == 2 and Contact.objects.count() == 2
    assert AuditEvent.objects.get(action="import.run").changes["status"] == "cancelled"


def test_a_queued_job_is_cancelled_at_once_and_never_runs(owner):
    job = start_import(owner, "contacts", FIVE.encode(), dry_run=False, run=False)

    import_services.import_cancel(actor=owner, job=job)
    assert run_import(job.pk) is None

    job.refresh_from_db()
    assert job.status == ImportStatus.CANCELLED and Contact.objects.count() == 0


def test_queries_are_per_batch_not_per_row(owner, workspace, settings):
    settings.IMPORT_BATCH_SIZE = 10
    account_create(actor=owner, data={"name": "Acme"})
    Tag.objects.create(workspace=workspace, name="VIP")

    def import_rows(n: int, offset: int) -> int:
        lines = "".join(
            f"P{offset + i},138{offset + i:08d},p{offset + i}@x.cn,Acme,VIP\n" for i in range(n)
        )
        content = f"Name,Phone,Email,Company,Tags\n{lines}".encode()
        job = start_import(owner, "contacts", content, dry_run=False, run=False)
        with CaptureQueriesContext(connection) as captured:
            run_import(job.pk)
        job.refresh_from_db()
        assert job.created_count == n, job.error
        return len(captured.captured_queries)

    one_batch = import_rows(10, 1000)
    three_batches = import_rows(30, 2000)

    per_batch = (three_batches - one_batch) / 2
    assert per_batch <= 14, (one_batch, three_batches)
    assert three_batches == one_batch + 2 * per_batch


def test_preparing_rows_runs_no_query_so_it_can_run_beside_the_commit(owner, workspace):
    # prepare_rows runs in a thread while the previous batch commits: everything it reads
    # (members for owner and user fields, tags, pick lists, custom fields) is loaded first.
    CustomField.objects.create(
        workspace=workspace, object_type="contacts", key="rep", label="客服", field_type="user"
    )
    Tag.objects.create(workspace=workspace, name="VIP")
    tagless = make_member(
        workspace, "sales_rep", permissions={"contacts": ["view", "create", "import"]}
    )
    content = (
        "姓名,手机,负责人,客服,标签\n"
        f"张三,13812345678,{owner.user.email},{owner.user.email},VIP\n"
        "李四,12345,nobody@x.cn,nobody,新标签\n"
        "王五,13912345678,,,VIP\n"
    ).encode()
    for actor in (owner, tagless):
        job = start_import(actor, "contacts", content, dry_run=True, run=False)
        ctx = processing.ImportContext(job, actor)
        ctx.warm()
        with processing.open_file(job) as handle:
            from guanxi.dataio import readers

            table = readers.open_table(
                handle, readers.FileInfo(job.file_format, job.encoding, job.delimiter)
            )
            rows = list(table.rows())
        with CaptureQueriesContext(connection) as captured:
            prepared = processing.prepare_rows(ctx, rows)
        assert captured.captured_queries == []
        assert [p.ok for p in prepared] == [actor is owner, False, True]
        assert set(prepared[1].errors) == {"mobile", "owner_id", "custom.rep"}


def test_a_query_in_the_preparing_thread_is_refused(owner, monkeypatch):
    content = "姓名,手机\n张三,13812345678\n".encode()
    job = start_import(owner, "contacts", content, dry_run=True, run=False)

    def querying(ctx, rows):
        return list(Contact.objects.all())

    monkeypatch.setattr(processing, "prepare_rows", querying)
    run_import(job.pk)

    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert "QueryInPrepare" in job.error


def test_each_company_is_looked_up_once_per_job(owner, settings):
    settings.IMPORT_BATCH_SIZE = 2
    acme = account_create(actor=owner, data={"name": "Acme"})
    lines = "".join(f"P{i},Acme\n" for i in range(5)) + "P9,Nowhere Ltd\nP10,Nowhere Ltd\n"
    job = start_import(
        owner, "contacts", f"Name,Company\n{lines}".encode(), dry_run=False, run=False
    )

    with CaptureQueriesContext(connection) as captured:
        run_import(job.pk)

    lookups = [q for q in captured.captured_queries if "name_key" in q["sql"]]
    assert len(lookups) == 2  # Acme in the first batch, Nowhere Ltd in the third
    assert Contact.objects.filter(account=acme).count() == 5
    assert Contact.objects.filter(name__in=["P9", "P10"], account__isnull=True).count() == 2


@pytest.mark.parametrize(
    ("before", "after", "analyzed"),
    [(0, 1_000, False), (1_000, 2_000, True), (19_500, 20_500, True), (20_500, 21_500, False),
     (499_000, 500_000, True), (500_000, 501_000, False)],
)  # fmt: skip
def test_planner_statistics_are_refreshed_as_an_import_grows(owner, before, after, analyzed):
    job = start_import(owner, "contacts", "姓名\n张三\n".encode(), dry_run=False, run=False)
    ctx = processing.ImportContext(job, owner)

    with CaptureQueriesContext(connection) as captured:
        processing.refresh_statistics(ctx, before, after)

    statements = [q["sql"] for q in captured.captured_queries]
    if connection.vendor == "postgresql" and analyzed:
        assert statements == ['ANALYZE "customers_contact"']
    else:
        assert statements == []


def test_row_errors_are_written_in_the_language_of_whoever_started_the_import(owner, workspace):
    from django.utils import translation

    from guanxi.dataio.models import ImportRowResult

    # Given a Chinese workspace, and a member reading in English who imports a bad row
    workspace.locale = "zh-hans"
    workspace.save(update_fields=["locale"])
    content = "Name,Mobile\n张三,12\n".encode()
    with translation.override("en"):
        english = start_import(owner, "contacts", content, dry_run=True)
    with translation.override("zh-hans"):
        chinese = start_import(owner, "contacts", content, dry_run=True)

    # Then each job's row error speaks its starter's language
    def error_of(job):
        return ImportRowResult.objects.get(job=job).errors["mobile"][0]

    assert (english.language, chinese.language) == ("en", "zh-hans")
    assert error_of(english) == "Enter a valid phone number."
    assert error_of(chinese) == "请输入有效的电话号码。"
