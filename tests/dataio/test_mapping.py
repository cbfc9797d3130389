"""Guessing which column goes into which field, templates, and checking a mapping."""

from __future__ import annotations

import pytest

from guanxi.core.errors import ValidationFailed
from guanxi.customers.models import CustomField
from guanxi.dataio import mapping
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def test_chinese_contact_headers_are_recognised():
    headers = [
        "姓名", "手机", "电话", "邮箱", "公司", "职位", "地址", "备注", "微信", "生日",
        "来源", "标签", "负责人", "手机号码", "联系人",
    ]  # fmt: skip

    guessed = mapping.guess("contacts", headers, [])

    assert guessed == {
        "姓名": "name",
        "手机": "mobile",
        "电话": "phone",
        "邮箱": "email",
        "公司": "account",
        "职位": "title",
        "地址": "",  # contacts have no address
        "备注": "description",
        "微信": "wechat",
        "生日": "birthday",
        "来源": "source",
        "标签": "tags",
        "负责人": "owner",
        "手机号码": "",  # mobile is taken by the first column
        "联系人": "",
    }


def test_chinese_account_headers_are_recognised():
    headers = [
        "客户名称", "统一社会信用代码", "行业", "客户级别", "官网", "详细地址", "省份", "城市",
        "座机", "电子邮件", "客户来源", "所有人", "国家", "人员规模", "客户阶段", "说明",
    ]  # fmt: skip

    guessed = mapping.guess("accounts", headers, [])

    assert guessed == {
        "客户名称": "name",
        "统一社会信用代码": "credit_code",
        "行业": "industry",
        "客户级别": "level",
        "官网": "website",
        "详细地址": "address",
        "省份": "province",
        "城市": "city",
        "座机": "phone",
        "电子邮件": "email",
        "客户来源": "source",
        "所有人": "owner",
        "国家": "country",
        "人员规模": "size",
        "客户阶段": "stage",
        "说明": "description",
    }


def test_english_headers_in_any_case_and_spacing_are_recognised():
    headers = [
        "Full Name", "Mobile Phone", "E-mail Address", "Company Name", "Job Title", "Notes",
        "Owner Email", "WeChat ID", "Date of birth", "First Name", "Last Name", "Tags",
    ]  # fmt: skip

    guessed = mapping.guess("contacts", headers, [])

    assert guessed == {
        "Full Name": "name",
        "Mobile Phone": "mobile",
        "E-mail Address": "email",
        "Company Name": "account",
        "Job Title": "title",
        "Notes": "description",
        "Owner Email": "owner",
        "WeChat ID": "wechat",
        "Date of birth": "birthday",
        "First Name": "given_name",
        "Last Name": "family_name",
        "Tags": "tags",
    }


def test_full_width_and_decorated_headers_are_recognised():
    guessed = mapping.guess("contacts", ["＊姓名", "手机（必填）", "Ｅｍａｉｌ"], [])

    assert guessed == {"＊姓名": "name", "手机（必填）": "mobile", "Ｅｍａｉｌ": "email"}


def test_custom_fields_match_by_label_or_key(workspace):
    budget = CustomField.objects.create(
        workspace=workspace, object_type="contacts", key="budget", label="预算", field_type="number"
    )
    region = CustomField.objects.create(
        workspace=workspace,
        object_type="contacts",
        key="sales_region",
        label="Region",
        field_type="text",
    )

    guessed = mapping.guess("contacts", ["姓名", "预算", "sales_region"], [budget, region])

    assert guessed == {
        "姓名": "name",
        "预算": "custom.budget",
        "sales_region": "custom.sales_region",
    }


def test_a_template_wins_for_the_headers_it_knows():
    guessed = {"姓名": "name", "电话": "phone", "备注": "description"}

    applied = mapping.apply_template(
        ["姓名", "电话", "备注"], {"电话": "mobile", "备注": ""}, guessed
    )

    assert applied == {"姓名": "name", "电话": "mobile", "备注": ""}


def test_check_accepts_a_complete_mapping(workspace):
    admin = make_member(workspace, "admin")

    cleaned = mapping.check(
        actor=admin,
        object_type="contacts",
        headers=["姓名", "手机", "其他"],
        mapping={"姓名": "name", "手机": "mobile"},
        custom_fields=[],
    )

    assert cleaned == {"姓名": "name", "手机": "mobile", "其他": ""}


def test_check_names_every_problem(workspace):
    admin = make_member(workspace, "admin")

    with pytest.raises(ValidationFailed) as refused:
        mapping.check(
            actor=admin,
            object_type="contacts",
            headers=["A", "B", "C"],
            mapping={"A": "mobile", "B": "mobile", "C": "salary", "Z": "name"},
            custom_fields=[],
        )

    fields = refused.value.fields
    assert "“Z”" in fields["mapping"][0]
    assert "Choose the column that holds the name." in fields["mapping"]
    assert fields["mapping.B"] == ["“Mobile” is already filled from the column “A”."]
    assert fields["mapping.C"] == ["There is no field “salary” to import into."]


def test_family_and_given_name_columns_are_enough_for_contacts(workspace):
    admin = make_member(workspace, "admin")

    cleaned = mapping.check(
        actor=admin,
        object_type="contacts",
        headers=["First", "Last"],
        mapping={"First": "given_name", "Last": "family_name"},
        custom_fields=[],
    )

    assert cleaned == {"First": "given_name", "Last": "family_name"}


def test_check_refuses_fields_the_role_may_not_change(workspace):
    member = make_member(
        workspace,
        "admin",
        readonly_fields={"contacts": ["mobile"]},
        hidden_fields={"contacts": ["custom"]},
    )

    with pytest.raises(ValidationFailed) as refused:
        mapping.check(
            actor=member,
            object_type="contacts",
            headers=["姓名", "手机", "X"],
            mapping={"姓名": "name", "手机": "mobile", "X": "custom.x"},
            custom_fields=[type("F", (), {"key": "x", "label": "X"})()],
        )

    assert refused.value.fields["mapping"] == [
        "Your role may not change these fields: custom, mobile"
    ]


@pytest.mark.parametrize("object_type", ["accounts", "contacts"])
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_headers_of_guanxis_own_exports_map_back_to_their_fields(object_type, language):
    from django.utils import translation

    from guanxi.dataio.services.exports import CATALOG

    # Given the header row of an export with every column, in either language
    importable = {t.key for t in mapping.TARGETS[object_type]}
    with translation.override(language):
        headers = {str(c.label): c.key for c in CATALOG[object_type].values()}

    # When an import guesses its mapping
    guessed = mapping.guess(object_type, list(headers), [])

    # Then each column fills the field it came from; the read-only ones are left out
    assert guessed == {header: key if key in importable else "" for header, key in headers.items()}
    assert {"name", "owner", "tags"} <= set(guessed.values())
