"""Duplicate check (查重) on create and update, and the duplicates report."""

from __future__ import annotations

import pytest

from guanxi.customers.duplicates import duplicate_groups
from guanxi.customers.models import Account, Contact
from guanxi.customers.services.accounts import account_create
from guanxi.customers.services.contacts import contact_create
from tests.conftest import api_for
from tests.factories import make_member

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "variant",
    [
        "字节跳动科技有限公司",
        "北京字节跳动科技有限公司",
        "字节跳动科技（北京）有限公司",
        "字节跳动科技 (北京) 有限公司",
        "字节跳动科技股份有限公司",
        "ｂｙｔｅ字节跳动科技有限公司".replace("ｂｙｔｅ", ""),
    ],
)
def test_chinese_company_variants_are_found(admin_api, variant):
    first = admin_api.post("/accounts", {"name": "北京字节跳动科技有限公司"}).json()

    response = admin_api.post("/accounts", {"name": variant})

    assert response.status_code == 409, response.content
    error = response.json()["error"]
    assert error["code"] == "duplicate"
    assert [c["id"] for c in error["candidates"]] == [first["id"]]
    assert error["candidates"][0]["reasons"] == ["name"]
    assert Account.objects.count() == 1


def test_a_similar_name_is_a_candidate_and_a_different_company_is_not(admin_api):
    admin_api.post("/accounts", {"name": "上海云帆信息技术有限公司"})

    similar = admin_api.post("/accounts", {"name": "上海云帆信息科技有限公司"})
    different = admin_api.post("/accounts", {"name": "上海海帆物流有限公司"})

    assert similar.status_code == 409
    assert similar.json()["error"]["candidates"][0]["reasons"] == ["similar_name"]
    assert different.status_code == 201


def test_same_credit_code_is_a_duplicate_whatever_the_name(admin_api):
    admin_api.post("/accounts", {"name": "甲公司", "credit_code": "91350100M000100Y43"})

    response = admin_api.post(
        "/accounts", {"name": "完全不同的名字", "credit_code": "91350100m000100y43"}
    )

    assert response.status_code == 409
    assert response.json()["error"]["candidates"][0]["reasons"] == ["credit_code"]


@pytest.mark.parametrize(
    "written", ["+86 138 1234 5678", "13812345678", "138-1234-5678", "0086 13812345678"]
)
def test_phone_formats_match_the_same_contact(admin_api, written):
    first = admin_api.post("/contacts", {"name": "张伟", "mobile": "138 1234 5678"}).json()

    response = admin_api.post("/contacts", {"name": "张伟伟", "phone": written})

    assert response.status_code == 409
    candidate = response.json()["error"]["candidates"][0]
    assert candidate["id"] == first["id"] and candidate["reasons"] == ["mobile"]


def test_email_matches_ignoring_case(admin_api):
    admin_api.post("/contacts", {"name": "Amy", "email": "amy@example.com"})

    response = admin_api.post("/contacts", {"name": "Amy W", "email": "AMY@Example.COM"})

    assert response.status_code == 409
    assert response.json()["error"]["candidates"][0]["reasons"] == ["email"]


def test_allow_duplicate_creates_anyway(admin_api):
    admin_api.post("/contacts", {"name": "Amy", "email": "amy@example.com"})

    response = admin_api.request(
        "POST", "/contacts?allow_duplicate=true", {"name": "Amy 2", "email": "amy@example.com"}
    )

    assert response.status_code == 201
    assert Contact.objects.count() == 2


def test_candidates_owned_by_colleagues_show_their_owner(workspace):
    rep = make_member(workspace, "sales_rep")
    colleague = make_member(workspace, "sales_rep")
    theirs = account_create(actor=colleague, data={"name": "腾讯科技（深圳）有限公司"})

    response = api_for(rep).post("/accounts", {"name": "腾讯科技有限公司"})

    candidate = response.json()["error"]["candidates"][0]
    assert candidate == {
        "object_type": "accounts",
        "id": theirs.pk,
        "name": "腾讯科技（深圳）有限公司",
        "owner_id": colleague.user_id,
        "owner_name": colleague.user.name,
        "reasons": ["name"],
    }


def test_update_to_a_phone_another_account_has_is_409(admin_api):
    admin_api.post("/accounts", {"name": "Alpha", "phone": "021 6888 8888"})
    beta = admin_api.post("/accounts", {"name": "Beta"}).json()

    response = admin_api.patch(f"/accounts/{beta['id']}", {"version": 1, "phone": "02168888888"})

    assert response.status_code == 409
    assert Account.objects.get(pk=beta["id"]).phone == ""


def test_editing_other_fields_of_a_known_duplicate_is_not_blocked(admin, admin_api):
    account_create(actor=admin, data={"name": "Gamma Ltd"})
    twin = account_create(actor=admin, data={"name": "Gamma Ltd"}, allow_duplicate=True)

    response = admin_api.patch(f"/accounts/{twin.pk}", {"version": 1, "city": "上海"})

    assert response.status_code == 200


def test_deleted_records_and_other_workspaces_are_not_candidates(admin, admin_api, other_workspace):
    gone = account_create(actor=admin, data={"name": "Deleted Co"})
    admin_api.delete(f"/accounts/{gone.pk}")
    account_create(actor=make_member(other_workspace, "admin"), data={"name": "Elsewhere Co"})

    assert admin_api.post("/accounts", {"name": "Deleted Co"}).status_code == 201
    assert admin_api.post("/accounts", {"name": "Elsewhere Co"}).status_code == 201


def test_report_groups_records_sharing_a_key(admin, workspace):
    a = account_create(actor=admin, data={"name": "上海云帆有限公司"})
    b = account_create(actor=admin, data={"name": "云帆(上海)有限公司"}, allow_duplicate=True)
    c = contact_create(actor=admin, data={"name": "甲", "mobile": "13900000001"})
    d = contact_create(
        actor=admin,
        data={"name": "乙", "mobile": "13900000001", "email": "x@y.cn"},
        allow_duplicate=True,
    )
    account_create(actor=admin, data={"name": "Unique Co"})

    account_groups = duplicate_groups(workspace_id=workspace.pk, object_type="accounts")
    contact_groups = duplicate_groups(workspace_id=workspace.pk, object_type="contacts")

    assert [(g.key, sorted(r.pk for r in g.records)) for g in account_groups] == [
        ("name_key", sorted([a.pk, b.pk]))
    ]
    assert [(g.key, sorted(r.pk for r in g.records)) for g in contact_groups] == [
        ("mobile", sorted([c.pk, d.pk]))
    ]
