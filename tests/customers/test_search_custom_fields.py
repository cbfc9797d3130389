"""Global search finds textual custom field values (text, long text, URL, email, phone, the
labels of select options), not numbers or dates; a member who may not see custom fields is not
told which record has a value."""

from __future__ import annotations

import pytest

from guanxi.customers.services.accounts import account_create, account_update
from guanxi.customers.services.contacts import contact_create
from guanxi.customers.services.definitions import custom_field_create
from tests.conftest import api_for
from tests.dataio.conftest import start_import
from tests.factories import make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def fields(admin):
    def define(object_type, key, field_type, **extra):
        return custom_field_create(
            actor=admin,
            data={
                "object_type": object_type,
                "key": key,
                "label": key,
                "field_type": field_type,
                **extra,
            },
        )

    tier = [{"value": "gold", "label": "金牌客户"}, {"value": "silver", "label": "银牌客户"}]
    define("accounts", "region", "text")
    define("accounts", "tier", "single_select", options=tier)
    define("accounts", "budget", "number")
    define("contacts", "hobby", "long_text")


def names(api, q, path="/accounts"):
    response = api.get(path, q=q)
    assert response.status_code == 200, response.content
    return sorted(item["name"] for item in response.json()["items"])


def test_text_and_option_labels_are_searched_numbers_are_not(admin, fields):
    account_create(
        actor=admin,
        data={"name": "云帆", "custom": {"region": "华东大区", "tier": "gold", "budget": 98765}},
    )
    account_create(actor=admin, data={"name": "海风", "custom": {"tier": "silver"}})
    api = api_for(admin)

    assert names(api, "华东大") == ["云帆"]
    assert names(api, "金牌客") == ["云帆"]
    assert names(api, "牌客户") == ["云帆", "海风"]
    assert names(api, "gold") == []  # the stored value is not what people see
    assert names(api, "98765") == []


def test_a_changed_value_is_found_by_its_new_text_only(admin, fields):
    account = account_create(actor=admin, data={"name": "云帆", "custom": {"region": "华东大区"}})

    account_update(actor=admin, account=account, data={"custom": {"region": "西南片区"}}, version=1)

    api = api_for(admin)
    assert names(api, "华东大") == []
    assert names(api, "西南片") == ["云帆"]


def test_long_text_of_contacts_is_searched_and_hidden_custom_fields_are_not(
    workspace, admin, fields
):
    contact_create(actor=admin, data={"name": "张三", "custom": {"hobby": "周末喜欢打高尔夫球"}})
    blind = make_member(
        workspace, "sales_manager", data_scope="all", hidden_fields={"contacts": ["custom"]}
    )

    assert names(api_for(admin), "高尔夫", "/contacts") == ["张三"]
    assert names(api_for(blind), "高尔夫", "/contacts") == []
    assert names(api_for(blind), "张三", "/contacts") == ["张三"]


def test_imported_custom_values_are_searched(owner, fields):
    content = "公司名称,region\n云帆,华东大区\n".encode()

    job = start_import(owner, "accounts", content, dry_run=False)

    assert job.created_count == 1
    assert names(api_for(owner), "华东大") == ["云帆"]


def test_an_import_updating_a_custom_value_is_searched_by_the_new_text(owner, fields):
    account_create(actor=owner, data={"name": "云帆", "custom": {"region": "华东大区"}})
    content = "公司名称,region\n云帆,西南片区\n".encode()

    job = start_import(owner, "accounts", content, dry_run=False, duplicate_mode="update")

    assert job.updated_count == 1
    assert names(api_for(owner), "西南片") == ["云帆"]
    assert names(api_for(owner), "华东大") == []
