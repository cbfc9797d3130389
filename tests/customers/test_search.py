"""Search: pinyin, initials, 2-character names, phone fragments, email, scope and hidden fields."""

from __future__ import annotations

import pytest

from guanxi.customers.services.accounts import account_create, account_update
from guanxi.customers.services.contacts import contact_create
from tests.conftest import api_for
from tests.factories import make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(admin):
    acme = account_create(actor=admin, data={"name": "上海云帆信息技术有限公司"})
    return {
        "zhangsan": contact_create(
            actor=admin,
            data={"name": "张三", "mobile": "138 1234 5678", "account_id": acme.pk},
        ),
        "zhangsanfeng": contact_create(actor=admin, data={"name": "张三丰"}),
        "lisi": contact_create(
            actor=admin,
            data={"name": "李四", "email": "li.si@example.com", "phone": "010-8888-6666"},
        ),
        "ouyang": contact_create(actor=admin, data={"name": "欧阳娜娜"}),
        "amy": contact_create(actor=admin, data={"name": "Amy Wong", "email": "amy@wong.hk"}),
        "acme": acme,
    }


def names(api, q, path="/contacts"):
    response = api.get(path, q=q)
    assert response.status_code == 200, response.content
    return sorted(item["name"] for item in response.json()["items"])


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("zs", ["张三", "张三丰"]),
        ("zsf", ["张三丰"]),
        ("zhangsan", ["张三", "张三丰"]),
        ("zhang san", ["张三", "张三丰"]),
        ("张三", ["张三", "张三丰"]),
        ("李四", ["李四"]),
        ("oynn", ["欧阳娜娜"]),
        ("ouyang", ["欧阳娜娜"]),
        ("ZS", ["张三", "张三丰"]),
    ],
)
def test_chinese_names_by_pinyin_initials_and_characters(admin_api, people, query, expected):
    assert names(admin_api, query) == expected


@pytest.mark.parametrize(
    "query", ["1381234", "5678", "+86 138 1234 5678", "138-1234-5678", "8613812345678"]
)
def test_phone_any_part_with_or_without_country_code(admin_api, people, query):
    assert names(admin_api, query) == ["张三"]


def test_landline_by_national_form_with_trunk_zero(admin_api, people):
    assert names(admin_api, "01088886666") == ["李四"]
    assert names(admin_api, "8888-6666") == ["李四"]


def test_email_fragment_and_english_names(admin_api, people):
    assert names(admin_api, "li.si@") == ["李四"]
    assert names(admin_api, "wong") == ["Amy Wong"]
    assert names(admin_api, "aw") == ["Amy Wong"]


def test_contacts_are_found_by_company_even_after_it_is_renamed(admin, admin_api, people):
    assert names(admin_api, "云帆信息") == ["张三"]

    account_update(
        actor=admin, account=people["acme"], data={"name": "星河数据有限公司"}, version=1
    )

    assert names(admin_api, "星河数据") == ["张三"]


def test_accounts_by_pinyin_initials(admin_api, people):
    assert names(admin_api, "shyf", path="/accounts") == ["上海云帆信息技术有限公司"]


def test_search_respects_data_scope(workspace, people):
    rep = make_member(workspace, "sales_rep")
    contact_create(actor=rep, data={"name": "张三"}, allow_duplicate=True)

    assert names(api_for(rep), "zs") == ["张三"]  # only their own


def test_hidden_phone_cannot_be_searched(workspace, people):
    member = make_member(
        workspace, "sales_manager", data_scope="all", hidden_fields={"contacts": ["mobile"]}
    )
    api = api_for(member)

    assert names(api, "1381234") == []
    assert names(api, "zs") == ["张三", "张三丰"]


def test_global_search_palette_finds_by_initials(client, admin, people):
    client.force_login(admin.user)

    response = client.get("/search/", {"q": "zs"}, HTTP_ACCEPT="application/json")

    labels = sorted(r["label"] for r in response.json()["results"])
    assert labels == ["张三", "张三丰"]
    hints = {r["label"]: r["hint"] for r in response.json()["results"]}
    assert hints["张三"] == "上海云帆信息技术有限公司"


def test_the_palette_says_what_each_result_is_and_when_no_record_matches(client, admin, people):
    client.force_login(admin.user)

    found = client.get("/search/", {"q": "zs"}, HTTP_HX_REQUEST="true").content.decode()
    none = client.get("/search/", {"q": "回收站"}, HTTP_HX_REQUEST="true").content.decode()

    assert found.count('data-testid="result-type">Contact</span>') == 2
    assert "No records match “回收站”." in none


@pytest.mark.parametrize(
    "values",
    [
        {"name": "张三", "mobile": "+8613812345678", "email": "z@x.cn"},
        {"name": "", "mobile": ""},
        {"name": "Amy " + "x" * 2100},
        {"name": "李四", "wechat": "lisi_88", "phone": "+861088886666"},
    ],
)
@pytest.mark.parametrize("company", ["", "上海云帆信息技术有限公司", "ACME Ltd"])
def test_search_columns_with_the_company_added_later_are_the_same(values, company):
    # Imports compute the columns before they know the company (in a thread), then add it.
    from guanxi.customers.search import search_columns, with_company

    expected = search_columns({**values, "company": company}, person=True)

    assert with_company(search_columns(values, person=True), company) == expected


def test_two_characters_find_a_company_by_its_brand(admin):
    # Given companies named with a city in front and a legal form behind
    for name in ("上海云帆科技有限公司", "福州闽江数据科技有限公司", "云帆咨询", "帆船俱乐部"):
        account_create(actor=admin, data={"name": name})
    api = api_for(admin)

    def found(q):
        return sorted(a["name"] for a in api.get("/accounts", q=q).json()["items"])

    # When a member types the brand only, then those companies are found
    assert found("云帆") == ["上海云帆科技有限公司", "云帆咨询"]
    assert found("闽江") == ["福州闽江数据科技有限公司"]
    assert found("帆船") == ["帆船俱乐部"]
