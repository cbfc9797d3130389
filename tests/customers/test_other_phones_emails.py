"""Other phones and emails of accounts and contacts: cleaned like the main ones, checked for
duplicates (查重) everywhere the main ones are, kept by merges, imported, exported, filtered."""

from __future__ import annotations

import pytest

from guanxi.core.errors import ValidationFailed
from guanxi.customers.duplicates import DuplicateFound, duplicate_groups
from guanxi.customers.models import Account, Contact
from guanxi.customers.services.accounts import account_create
from guanxi.customers.services.contacts import contact_create, contact_update
from guanxi.dataio.models import ImportRowResult, RowStatus
from tests.conftest import api_for
from tests.dataio.conftest import start_import
from tests.dataio.test_exports import export_csv
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def test_other_phones_are_split_normalized_and_free_of_the_main_ones(admin):
    contact = contact_create(
        actor=admin,
        data={
            "name": "王芳",
            "mobile": "13812345678",
            "other_phones": "139 1234 5678，0755-8888 6666 / +86 138-1234-5678; 13912345678",
            "email": "wang@acme.cn",
            "other_emails": ["Wang.Fang@Gmail.com", "WANG@acme.cn", ""],
        },
    )

    contact.refresh_from_db()
    assert contact.other_phones == ["+8613912345678", "+8675588886666"]
    assert contact.other_emails == ["wang.fang@gmail.com"]


def test_a_bad_other_phone_names_the_field_and_saves_nothing(admin):
    with pytest.raises(ValidationFailed) as error:
        account_create(
            actor=admin,
            data={"name": "云帆", "other_phones": "13912345678, 12345", "other_emails": "a@b"},
        )

    assert error.value.fields == {
        "other_phones": ["“12345” is not a valid phone number."],
        "other_emails": ["“a@b” is not a valid email address."],
    }
    assert Account.objects.count() == 0


def test_more_than_ten_other_values_are_refused(admin):
    numbers = [f"1391234{n:04d}" for n in range(11)]

    with pytest.raises(ValidationFailed) as error:
        contact_create(actor=admin, data={"name": "多号", "other_phones": numbers})

    assert error.value.fields == {"other_phones": ["Enter at most 10."]}


def test_a_new_mobile_matching_someones_other_phone_is_a_duplicate(admin):
    first = contact_create(actor=admin, data={"name": "张三", "other_phones": "13912345678"})

    with pytest.raises(DuplicateFound) as found:
        contact_create(actor=admin, data={"name": "张叁", "mobile": "+86 139 1234 5678"})

    assert [(c.id, c.reasons) for c in found.value.candidates] == [(first.pk, ["phone"])]
    assert Contact.objects.count() == 1


def test_a_new_other_email_matching_someones_email_is_a_duplicate_through_the_api(admin_api):
    first = admin_api.post("/accounts", {"name": "甲公司", "email": "info@jia.cn"}).json()

    response = admin_api.post("/accounts", {"name": "乙公司", "other_emails": ["INFO@jia.cn"]})
    allowed = admin_api.post(
        "/accounts?allow_duplicate=true", {"name": "乙公司", "other_emails": ["INFO@jia.cn"]}
    )

    assert response.status_code == 409
    assert [(c["id"], c["reasons"]) for c in response.json()["error"]["candidates"]] == [
        (first["id"], ["email"])
    ]
    assert allowed.status_code == 201
    assert allowed.json()["other_emails"] == ["info@jia.cn"]


def test_other_values_of_another_workspace_or_a_deleted_record_are_not_duplicates(
    admin, other_workspace
):
    theirs = make_member(other_workspace, "admin")
    contact_create(actor=theirs, data={"name": "别人", "other_phones": "13912345678"})
    binned = contact_create(actor=admin, data={"name": "已删", "other_phones": "13912345678"})
    Contact.objects.filter(pk=binned.pk).update(deleted_at=binned.created_at)

    created = contact_create(actor=admin, data={"name": "新人", "mobile": "13912345678"})

    assert created.mobile == "+8613912345678"


def test_an_update_checks_only_the_other_values_it_adds(admin):
    taken = contact_create(actor=admin, data={"name": "甲", "mobile": "13912345678"})
    mine = contact_create(
        actor=admin, data={"name": "乙", "other_phones": "13912345678"}, allow_duplicate=True
    )

    kept = contact_update(
        actor=admin,
        contact=mine,
        data={"other_phones": "13912345678, 13700001111"},
        version=mine.version,
    )
    with pytest.raises(DuplicateFound) as found:
        contact_update(
            actor=admin,
            contact=taken,
            data={"other_phones": "13700001111"},
            version=taken.version,
        )

    assert kept.other_phones == ["+8613912345678", "+8613700001111"]
    assert [(c.id, c.reasons) for c in found.value.candidates] == [(mine.pk, ["phone"])]
    taken.refresh_from_db()
    assert taken.other_phones == []


def test_accounts_and_contacts_are_checked_apart(admin):
    contact_create(actor=admin, data={"name": "甲", "mobile": "13912345678"})

    account = account_create(actor=admin, data={"name": "丙", "other_phones": "13912345678"})

    assert account.other_phones == ["+8613912345678"]


def test_merge_keeps_every_number_and_undo_restores_them(admin, admin_api):
    master = account_create(actor=admin, data={"name": "云帆科技", "phone": "021 6888 8888"})
    twin = account_create(
        actor=admin,
        data={
            "name": "云帆科技(上海)",
            "phone": "021 6999 9999",
            "other_phones": "13912345678",
            "email": "hi@yunfan.cn",
        },
        allow_duplicate=True,
    )

    merged = admin_api.post(
        "/accounts/merge",
        {"master_id": master.pk, "duplicate_ids": [twin.pk], "fields": {"phone": twin.pk}},
    )
    master.refresh_from_db()
    after_merge = (master.phone, master.other_phones, master.email, master.other_emails)
    undone = admin_api.post(f"/accounts/{master.pk}/undo-merge")
    master.refresh_from_db()

    assert merged.status_code == 200, merged.content
    assert after_merge == ("+862169999999", ["+862168888888", "+8613912345678"], "hi@yunfan.cn", [])
    assert undone.status_code == 200, undone.content
    assert (master.phone, master.other_phones) == ("+862168888888", [])


def test_the_duplicates_report_finds_groups_through_other_values(admin):
    one = contact_create(actor=admin, data={"name": "甲", "mobile": "13912345678"})
    two = contact_create(
        actor=admin, data={"name": "乙", "other_phones": "13912345678"}, allow_duplicate=True
    )
    contact_create(actor=admin, data={"name": "丙", "other_phones": "13700001111"})

    groups = duplicate_groups(workspace_id=admin.workspace_id, object_type="contacts")

    assert [(g.key, g.value, g.count, [r.pk for r in g.records]) for g in groups] == [
        ("phone", "+8613912345678", 2, [one.pk, two.pk])
    ]


def test_lists_filter_on_other_phones_and_emails(admin):
    wanted = contact_create(
        actor=admin, data={"name": "甲", "other_phones": "13912345678", "other_emails": "x@y.cn"}
    )
    contact_create(actor=admin, data={"name": "乙", "mobile": "13912345678"}, allow_duplicate=True)
    api = api_for(admin)

    by_phone = api.get("/contacts?other_phones=1391234").json()["items"]
    by_email = api.get("/contacts?other_emails=X@Y").json()["items"]
    too_short = api.get("/contacts?other_phones=13")

    assert [c["id"] for c in by_phone] == [wanted.pk]
    assert [c["id"] for c in by_email] == [wanted.pk]
    assert too_short.status_code == 422


def test_hidden_other_values_stay_out_of_the_api_and_exports(workspace, admin):
    contact = contact_create(
        actor=admin,
        data={"name": "甲", "other_phones": "13912345678", "other_emails": "x@y.cn"},
    )
    member = make_member(workspace, "admin", hidden_fields={"contacts": ["other_phones"]})

    seen = api_for(member).get(f"/contacts/{contact.pk}").json()
    rows = export_csv(member, columns=["name", "other_phones", "other_emails"])

    assert "other_phones" not in seen and seen["other_emails"] == ["x@y.cn"]
    assert rows == [["Name", "Other emails"], ["甲", "x@y.cn"]]


def test_import_reads_other_phones_and_skips_rows_matching_them(owner):
    existing = contact_create(actor=owner, data={"name": "老客户", "other_phones": "13912345678"})
    content = "姓名,手机,其他电话,备用邮箱\n新客户,139-1234-5678,,\n另一位,13700001111,0755 8888 6666/13600002222,A@b.cn；c@d.cn\n"

    job = start_import(owner, "contacts", content.encode(), dry_run=False, duplicate_mode="skip")

    results = dict(ImportRowResult.objects.filter(job=job).values_list("row_number", "status"))
    assert results == {2: RowStatus.SKIPPED, 3: RowStatus.CREATED}
    created = Contact.objects.get(name="另一位")
    assert created.other_phones == ["+8675588886666", "+8613600002222"]
    assert created.other_emails == ["a@b.cn", "c@d.cn"]
    assert Contact.objects.filter(name="新客户").count() == 0
    assert existing.pk != created.pk


def test_import_update_mode_adds_other_phones_to_the_record(owner):
    existing = contact_create(
        actor=owner, data={"name": "老客户", "mobile": "13812345678", "other_phones": "13912345678"}
    )
    content = "Name,Mobile,Other phones\n老客户,13812345678,13700001111\n"

    start_import(owner, "contacts", content.encode(), dry_run=False, duplicate_mode="update")

    existing.refresh_from_db()
    assert existing.other_phones == ["+8613912345678", "+8613700001111"]


def test_export_writes_other_values_comma_separated(owner):
    contact_create(
        actor=owner,
        data={"name": "甲", "other_phones": "13912345678, 13700001111", "other_emails": "x@y.cn"},
    )
    contact_create(actor=owner, data={"name": "乙"})

    rows = export_csv(owner, columns=["name", "other_phones", "other_emails"], sort="name")

    assert rows == [
        ["Name", "Other phones", "Other emails"],
        ["乙", "", ""],
        ["甲", "'+8613912345678, +8613700001111", "x@y.cn"],
    ]


def test_the_duplicates_report_hides_a_value_found_in_a_hidden_field(client, workspace, admin):
    contact_create(actor=admin, data={"name": "甲", "mobile": "13912345678"})
    contact_create(
        actor=admin, data={"name": "乙", "other_phones": "13912345678"}, allow_duplicate=True
    )
    member = make_member(
        workspace, "sales_manager", data_scope="all", hidden_fields={"contacts": ["other_phones"]}
    )
    client.force_login(member.user)

    html = client.get("/duplicates/contacts/").content.decode()

    assert html.count('data-testid="duplicate-group"') == 1
    assert "甲" in html and "乙" in html
    assert "13912345678" not in html


def test_the_pool_api_leaves_out_fields_hidden_from_the_member(workspace, admin):
    from guanxi.customers.models import CustomerPool

    pool = CustomerPool.objects.get(workspace=workspace, object_type="contacts", is_default=True)
    contact_create(
        actor=admin,
        data={
            "name": "甲",
            "mobile": "13812345678",
            "other_phones": "13912345678",
            "owner_id": None,
        },
    )
    member = make_member(
        workspace,
        "sales_manager",
        data_scope="all",
        hidden_fields={"contacts": ["mobile", "other_phones"]},
    )

    items = api_for(member).get(f"/pools/{pool.pk}/records").json()["items"]

    assert [item["name"] for item in items] == ["甲"]
    assert "mobile" not in items[0] and "other_phones" not in items[0]
    assert "13912345678" not in str(items) and "13812345678" not in str(items)


def test_a_merge_keeps_more_than_ten_numbers_and_the_record_stays_editable(admin):
    numbers = [[f"1391234{n:04d}" for n in range(k * 6, k * 6 + 6)] for k in range(3)]
    master, *others = [
        contact_create(
            actor=admin, data={"name": f"客户{k}", "other_phones": numbers[k]}, allow_duplicate=True
        )
        for k in range(3)
    ]
    api = api_for(admin)

    merged = api.post(
        "/contacts/merge", {"master_id": master.pk, "duplicate_ids": [o.pk for o in others]}
    )
    record = api.get(f"/contacts/{master.pk}").json()
    echoed = api.patch(
        f"/contacts/{master.pk}",
        {"other_phones": record["other_phones"], "title": "经理", "version": record["version"]},
    )
    grown = api.patch(
        f"/contacts/{master.pk}",
        {
            "other_phones": [*record["other_phones"], "13700001111"],
            "version": record["version"] + 1,
        },
    )

    assert merged.status_code == 200, merged.content
    assert len(record["other_phones"]) == 18
    assert echoed.status_code == 200, echoed.content
    assert grown.status_code == 422
    assert grown.json()["error"]["fields"] == {"other_phones": ["Enter at most 10."]}


def test_an_import_row_moving_a_number_into_mobile_takes_it_off_the_list(owner):
    existing = contact_create(
        actor=owner,
        data={"name": "老客户", "email": "old@x.cn", "other_phones": "13912345678, 13700001111"},
    )
    content = "Name,Email,Mobile,Other phones\n老客户,old@x.cn,13912345678,13600002222\n"

    start_import(owner, "contacts", content.encode(), dry_run=False, duplicate_mode="update")

    existing.refresh_from_db()
    assert existing.mobile == "+8613912345678"
    assert existing.other_phones == ["+8613700001111", "+8613600002222"]


def test_an_other_email_filter_matches_addresses_not_the_lists_syntax(admin):
    # Given one contact with two other emails (one with a Chinese domain) and one with one
    two = contact_create(actor=admin, data={"name": "甲", "other_emails": "a@b.cn, li@例子.中国"})
    contact_create(actor=admin, data={"name": "乙", "other_emails": "c@d.cn"})
    api = api_for(admin)

    # When the list is filtered on a fragment of the Chinese domain, and on list syntax
    chinese = api.get("/contacts?other_emails=例子").json()["items"]
    syntax = api.get('/contacts?other_emails=", "')

    # Then the fragment finds its record on either database, and the syntax is refused
    assert [c["id"] for c in chinese] == [two.pk]
    assert syntax.status_code == 422
    assert syntax.json()["error"]["fields"]["other_emails"] == ["Enter part of an email address."]


def test_a_landline_fragment_with_its_trunk_zero_finds_the_stored_number(admin):
    # Given numbers stored as E.164 (+861062345678), typed at home as 010-6234 5678
    listed = contact_create(actor=admin, data={"name": "甲", "other_phones": "010-62345678"})
    main = contact_create(
        actor=admin, data={"name": "乙", "phone": "(010) 6234 5678"}, allow_duplicate=True
    )
    api = api_for(admin)

    # When lists are filtered the way people write a landline
    by_list = api.get("/contacts?other_phones=010-6234").json()["items"]
    by_main = api.get("/contacts?phone=010-6234").json()["items"]

    # Then both are found, as search finds them
    assert [c["id"] for c in by_list] == [listed.pk]
    assert [c["id"] for c in by_main] == [main.pk]
