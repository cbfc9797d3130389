"""Custom fields: definitions, validation by type, filtering, sorting, archive keeps data."""

from __future__ import annotations

import pytest

from guanxi.core.models import AuditEvent
from guanxi.customers.models import Account, CustomField
from tests.conftest import api_for
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def define(api, **data):
    data.setdefault("object_type", "accounts")
    response = api.post("/custom-fields", data)
    assert response.status_code == 201, response.content
    return response.json()


@pytest.mark.parametrize(
    ("field_type", "options", "sent", "stored"),
    [
        ("text", None, "  华东区 ", "华东区"),
        ("number", None, "1,200", 1200),
        ("decimal", None, "3.14159", "3.1416"),
        ("money", {"currency": "USD"}, "99.5", {"amount": "99.50", "currency": "USD"}),
        ("date", None, "2026-11-23", "2026-11-23"),
        ("datetime", None, "2026-11-23T10:00:00+08:00", "2026-11-23T02:00:00+00:00"),
        ("boolean", None, "是", True),
        ("single_select", [{"value": "gold", "label": "金牌"}], "金牌", "gold"),
        ("multi_select", ["a", "b", "c"], "c, a", ["c", "a"]),
        ("url", None, "example.com/x", "https://example.com/x"),
        ("email", None, "A@B.CN", "a@b.cn"),
        ("phone", None, "138 0013 8000", "+8613800138000"),
    ],
)
def test_values_are_validated_and_stored_by_type(admin_api, field_type, options, sent, stored):
    define(admin_api, label="F", key="f", field_type=field_type, options=options)

    response = admin_api.post("/accounts", {"name": "Acme", "custom": {"f": sent}})

    assert response.status_code == 201, response.content
    assert response.json()["custom"] == {"f": stored}


@pytest.mark.parametrize(
    ("field_type", "options", "sent"),
    [
        ("number", None, "1.5"),
        ("number", None, True),
        ("decimal", None, "abc"),
        ("date", None, "2026-13-01"),
        ("boolean", None, "perhaps"),
        ("single_select", ["x"], "y"),
        ("multi_select", ["x"], ["x", "z"]),
        ("url", None, "javascript:alert(1)"),
        ("email", None, "nope"),
        ("phone", None, "12"),
        ("text", None, "x" * 256),
        ("user", None, 999999),
    ],
)
def test_bad_values_are_refused_naming_the_field(admin_api, field_type, options, sent):
    define(admin_api, label="F", key="f", field_type=field_type, options=options)

    response = admin_api.post("/accounts", {"name": "Acme", "custom": {"f": sent}})

    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["custom.f"]
    assert Account.objects.count() == 0


def test_user_field_takes_a_member_of_the_workspace(admin_api, admin):
    define(admin_api, label="Sponsor", key="sponsor", field_type="user")

    body = admin_api.post("/accounts", {"name": "A", "custom": {"sponsor": admin.user_id}}).json()

    assert body["custom"] == {"sponsor": admin.user_id}


def test_required_field_is_enforced_on_create(admin_api):
    define(admin_api, label="Region", key="region", field_type="text", required=True)

    response = admin_api.post("/accounts", {"name": "Acme"})

    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {"custom.region": ["This field is required."]}


def test_archiving_a_field_keeps_the_data_and_restoring_brings_it_back(admin_api):
    field = define(admin_api, label="Region", key="region", field_type="text")
    account = admin_api.post("/accounts", {"name": "Acme", "custom": {"region": "华南"}}).json()

    assert admin_api.delete(f"/custom-fields/{field['id']}").status_code == 204
    hidden = admin_api.get(f"/accounts/{account['id']}").json()
    edited = admin_api.patch(f"/accounts/{account['id']}", {"version": 1, "city": "深圳"})
    assert edited.status_code == 200
    restored = admin_api.patch(f"/custom-fields/{field['id']}", {"version": 1, "archived": False})

    assert hidden["custom"] == {}
    assert Account.objects.get(pk=account["id"]).custom == {"region": "华南"}
    assert restored.json()["archived"] is False
    assert admin_api.get(f"/accounts/{account['id']}").json()["custom"] == {"region": "华南"}
    assert AuditEvent.objects.filter(action="custom_field.archive").count() == 1


def test_a_new_field_cannot_reuse_an_archived_key(admin_api):
    field = define(admin_api, label="Region", key="region", field_type="text")
    admin_api.delete(f"/custom-fields/{field['id']}")

    response = admin_api.post(
        "/custom-fields",
        {"object_type": "accounts", "label": "Region 2", "key": "region", "field_type": "number"},
    )

    assert response.status_code == 422
    assert "restore" in response.json()["error"]["fields"]["key"][0]


@pytest.mark.parametrize(
    ("label", "key"),
    [("客户爱好", "kehuaihao"), ("VIP 等级", "vipdengji"), ("Contract value", "contract_value")],
)
def test_a_key_left_blank_is_made_from_the_label_chinese_by_its_pinyin(admin_api, label, key):
    response = admin_api.post(
        "/custom-fields", {"object_type": "contacts", "label": label, "field_type": "text"}
    )

    assert response.status_code == 201, response.content
    assert response.json()["key"] == key


def test_key_and_type_never_change(admin_api):
    field = define(admin_api, label="Region", key="region", field_type="text")

    response = admin_api.patch(
        f"/custom-fields/{field['id']}", {"version": 1, "field_type": "number"}
    )

    assert response.status_code == 422
    assert CustomField.objects.get(pk=field["id"]).field_type == "text"


def test_filter_and_sort_on_custom_number_and_text(admin_api):
    define(admin_api, label="Employees", key="employees", field_type="number")
    define(admin_api, label="Region", key="region", field_type="text")
    small = admin_api.post(
        "/accounts", {"name": "S", "custom": {"employees": 9, "region": "华东"}}
    ).json()
    big = admin_api.post(
        "/accounts", {"name": "B", "custom": {"employees": 100, "region": "华北"}}
    ).json()
    none = admin_api.post("/accounts", {"name": "N"}).json()

    def ids(**params):
        response = admin_api.get("/accounts", **params)
        assert response.status_code == 200, response.content
        return [a["id"] for a in response.json()["items"]]

    assert ids(**{"custom.employees__gte": "10"}) == [big["id"]]
    assert ids(**{"custom.region": "华东"}) == [small["id"]]
    assert ids(sort="custom.employees") == [none["id"], small["id"], big["id"]]
    assert ids(sort="-custom.employees", limit=1) == [big["id"]]
    assert admin_api.get("/accounts", **{"custom.employees": "many"}).status_code == 422
    assert admin_api.get("/accounts", **{"custom.nope": "1"}).status_code == 422


def test_only_administrators_define_fields(workspace):
    rep = make_member(workspace, "sales_rep")

    response = api_for(rep).post(
        "/custom-fields", {"object_type": "accounts", "label": "X", "field_type": "text"}
    )

    assert response.status_code == 403
    assert CustomField.objects.count() == 0


def test_select_field_needs_options_and_known_object_type(admin_api):
    no_options = admin_api.post(
        "/custom-fields", {"object_type": "accounts", "label": "X", "field_type": "single_select"}
    )
    bad_type = admin_api.post(
        "/custom-fields", {"object_type": "users", "label": "X", "field_type": "text"}
    )

    assert no_options.status_code == 422 and "options" in no_options.json()["error"]["fields"]
    assert bad_type.status_code == 422 and "object_type" in bad_type.json()["error"]["fields"]


def test_filter_on_a_single_select_value(admin_api):
    define(
        admin_api, label="Tier", key="tier", field_type="single_select", options=["gold", "silver"]
    )
    gold = admin_api.post("/accounts", {"name": "G", "custom": {"tier": "gold"}}).json()
    admin_api.post("/accounts", {"name": "S", "custom": {"tier": "silver"}})

    response = admin_api.get("/accounts", **{"custom.tier": "gold"})

    assert [a["id"] for a in response.json()["items"]] == [gold["id"]]


def test_filter_on_a_boolean_field(admin_api):
    define(admin_api, label="Listed", key="listed", field_type="boolean")
    yes = admin_api.post("/accounts", {"name": "Y", "custom": {"listed": True}}).json()
    no = admin_api.post("/accounts", {"name": "N", "custom": {"listed": "否"}}).json()

    listed = admin_api.get("/accounts", **{"custom.listed": "true"}).json()["items"]
    unlisted = admin_api.get("/accounts", **{"custom.listed": "false"}).json()["items"]

    assert [a["id"] for a in listed] == [yes["id"]]
    assert [a["id"] for a in unlisted] == [no["id"]]
