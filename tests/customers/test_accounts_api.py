"""/api/v1/accounts: create, read, update, delete, restore, filters, sorting, timeline."""

from __future__ import annotations

import pytest

from guanxi.core.models import AuditEvent, TimelineEntry
from guanxi.customers.models import Account, AccountTag, Tag
from guanxi.customers.services.accounts import account_create
from tests.conftest import api_for
from tests.factories import make_member
from tests.helpers import assert_list_queries

pytestmark = pytest.mark.django_db

VALID_CODE = "91350100M000100Y43"


def test_create_normalizes_phone_email_credit_code_and_website(admin_api, admin):
    response = admin_api.post(
        "/accounts",
        {
            "name": "  北京字节跳动科技有限公司 ",
            "phone": "(010) 8888-6666",
            "email": " Sales@ByteDance.COM ",
            "credit_code": "91350100m000100y43",
            "website": "bytedance.com",
            "level": "A",
            "tags": ["VIP", "vip", "重点客户"],
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "北京字节跳动科技有限公司"
    assert body["phone"] == "+861088886666"
    assert body["email"] == "sales@bytedance.com"
    assert body["credit_code"] == VALID_CODE
    assert body["website"] == "https://bytedance.com"
    assert body["tags"] == ["VIP", "重点客户"]
    assert body["owner_id"] == admin.user_id
    assert body["stage"] == "prospect"
    assert body["version"] == 1
    account = Account.objects.get(pk=body["id"])
    assert account.name_key == "字节跳动科技"
    event = AuditEvent.objects.get(action="account.create", object_id=str(account.pk))
    assert event.changes["phone"] == [None, "+861088886666"]
    assert event.changes["tags"] == [None, ["VIP", "重点客户"]]
    entry = TimelineEntry.objects.get(subject_type="accounts", subject_id=account.pk)
    assert entry.kind == "record.created"


def test_create_reports_every_bad_field_and_writes_nothing(admin_api):
    response = admin_api.post(
        "/accounts",
        {
            "name": "",
            "phone": "12",
            "email": "not-an-email",
            "credit_code": "91350100M000100Y44",
            "level": "Z",
            "stage": "won",
            "country": "China",
        },
    )

    assert response.status_code == 422
    fields = response.json()["error"]["fields"]
    assert set(fields) == {"name", "phone", "email", "credit_code", "level", "stage", "country"}
    assert Account.objects.count() == 0
    assert AuditEvent.objects.filter(action="account.create").count() == 0


def test_unknown_fields_are_refused(admin_api):
    response = admin_api.post("/accounts", {"name": "X", "workspace_id": 2, "version": 9})

    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"workspace_id", "version"}


def test_patch_with_stale_version_is_409_and_changes_nothing(admin_api):
    account = admin_api.post("/accounts", {"name": "Acme"}).json()
    admin_api.patch(f"/accounts/{account['id']}", {"version": 1, "city": "上海"})

    response = admin_api.patch(f"/accounts/{account['id']}", {"version": 1, "city": "北京"})

    assert response.status_code == 409
    assert Account.objects.get(pk=account["id"]).city == "上海"


def test_patch_writes_changes_to_audit_and_timeline(admin_api):
    account = admin_api.post("/accounts", {"name": "Acme", "level": "A"}).json()

    response = admin_api.patch(
        f"/accounts/{account['id']}", {"version": 1, "level": "B", "tags": ["Hot"]}
    )

    assert response.status_code == 200
    assert response.json()["version"] == 2
    event = AuditEvent.objects.get(action="account.update")
    assert event.changes == {"level": ["A", "B"], "tags": [[], ["Hot"]]}
    entry = TimelineEntry.objects.get(kind="record.updated")
    assert entry.data == {"changes": {"level": ["A", "B"], "tags": [[], ["Hot"]]}}


def test_patch_that_changes_nothing_keeps_the_version(admin_api):
    account = admin_api.post("/accounts", {"name": "Acme", "level": "A"}).json()

    response = admin_api.patch(f"/accounts/{account['id']}", {"version": 1, "level": "A"})

    assert response.status_code == 200
    assert response.json()["version"] == 1
    assert not AuditEvent.objects.filter(action="account.update").exists()


def test_null_name_in_patch_is_refused(admin_api):
    account = admin_api.post("/accounts", {"name": "Acme"}).json()

    response = admin_api.patch(f"/accounts/{account['id']}", {"version": 1, "name": None})

    assert response.status_code == 422
    assert "name" in response.json()["error"]["fields"]


def test_delete_is_soft_and_restore_brings_it_back(admin_api):
    account = admin_api.post("/accounts", {"name": "Acme"}).json()

    assert admin_api.delete(f"/accounts/{account['id']}").status_code == 204
    assert admin_api.get(f"/accounts/{account['id']}").status_code == 404
    assert admin_api.get("/accounts").json()["items"] == []
    assert Account.objects.get(pk=account["id"]).deleted_at is not None

    response = admin_api.post(f"/accounts/{account['id']}/restore")

    assert response.status_code == 200
    assert admin_api.get(f"/accounts/{account['id']}").status_code == 200
    assert list(
        AuditEvent.objects.filter(object_type="accounts").values_list("action", flat=True)
    ) == ["account.create", "account.delete", "account.restore"]


def test_a_rep_without_assign_cannot_give_an_account_to_someone_else(workspace):
    rep = make_member(workspace, "sales_rep")
    other = make_member(workspace, "sales_rep")
    api = api_for(rep)

    response = api.post("/accounts", {"name": "Acme", "owner_id": other.user_id})

    assert response.status_code == 403
    assert Account.objects.count() == 0


def test_owner_must_be_an_active_member_of_the_workspace(admin_api, other_workspace):
    stranger = make_member(other_workspace, "sales_rep")

    response = admin_api.post("/accounts", {"name": "Acme", "owner_id": stranger.user_id})

    assert response.status_code == 422
    assert "owner_id" in response.json()["error"]["fields"]


def test_owner_change_does_not_count_as_a_follow_up(admin_api, workspace):
    rep = make_member(workspace, "sales_rep")
    account = admin_api.post("/accounts", {"name": "Acme"}).json()

    response = admin_api.patch(
        f"/accounts/{account['id']}", {"version": 1, "owner_id": rep.user_id}
    )

    assert response.status_code == 200
    assert response.json()["owner_id"] == rep.user_id
    assert response.json()["last_followed_at"] is None


def test_a_rep_sees_only_their_own_accounts(workspace):
    rep = make_member(workspace, "sales_rep")
    colleague = make_member(workspace, "sales_rep")
    mine = api_for(rep).post("/accounts", {"name": "Mine"}).json()
    theirs = api_for(colleague).post("/accounts", {"name": "Theirs"}).json()
    api = api_for(rep)

    listed = [a["id"] for a in api.get("/accounts").json()["items"]]

    assert listed == [mine["id"]]
    assert api.get(f"/accounts/{theirs['id']}").status_code == 404


def test_hidden_fields_are_absent_and_cannot_be_filtered_or_written(workspace):
    member = make_member(
        workspace, "sales_manager", hidden_fields={"accounts": ["phone", "custom"]}
    )
    api = api_for(member)
    created = api.post("/accounts", {"name": "Acme"}).json()

    assert "phone" not in created and "custom" not in created
    assert api.get("/accounts", phone="138").status_code == 422
    response = api.patch(f"/accounts/{created['id']}", {"version": 1, "phone": "13812345678"})
    assert response.status_code == 403
    assert Account.objects.get(pk=created["id"]).phone == ""


def test_list_filters_by_level_tag_owner_and_dates(admin_api, admin, workspace):
    rep = make_member(workspace, "sales_rep")
    a = admin_api.post("/accounts", {"name": "A1", "level": "A", "tags": ["VIP"]}).json()
    admin_api.post("/accounts", {"name": "B1", "level": "B", "tags": ["VIP"]})
    c = admin_api.post("/accounts", {"name": "A2", "level": "A", "owner_id": rep.user_id}).json()

    def ids(**params):
        response = admin_api.get("/accounts", **params)
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["items"]]

    assert ids(level="A") == [c["id"], a["id"]]
    assert ids(level="A", tag="vip") == [a["id"]]
    assert ids(owner_id="me", level="A") == [a["id"]]
    assert ids(owner_id=str(rep.user_id)) == [c["id"]]
    assert ids(created_at__gte="2000-01-01", level="A", sort="name") == [a["id"], c["id"]]
    assert ids(created_at__lt="2000-01-01") == []


def test_list_refuses_unknown_filters_sorts_and_cursors(admin_api):
    assert admin_api.get("/accounts", favourite_colour="red").status_code == 422
    assert admin_api.get("/accounts", sort="password").status_code == 422
    assert admin_api.get("/accounts", cursor="garbage").status_code == 422
    assert admin_api.get("/accounts", **{"level__regex": ".*"}).status_code == 422


@pytest.mark.parametrize(
    ("path", "name", "value"),
    [
        ("/accounts", "created_at__gte", "2026-13-01"),
        ("/accounts", "updated_at__lt", "2026-02-30"),
        ("/accounts", "last_followed_at__gte", "2026-01-01T25:00"),
        ("/contacts", "birthday", "2026-02-30"),
        ("/contacts", "created_at__lt", "2026-00-10"),
    ],
)
def test_an_impossible_date_in_a_filter_is_a_field_error(admin_api, path, name, value):
    # A well-formed date that does not exist made Django's parser raise (a 500 before)
    response = admin_api.get(path, **{name: value})

    assert response.status_code == 422, response.content
    assert list(response.json()["error"]["fields"]) == [name]


def test_keyset_pages_by_last_follow_up_with_nulls(admin_api):
    from django.utils import timezone

    created = [admin_api.post("/accounts", {"name": f"N{i}"}).json()["id"] for i in range(5)]
    Account.objects.filter(pk__in=created[:2]).update(last_followed_at=timezone.now())

    seen: list[int] = []
    cursor = None
    while True:
        params = {"sort": "-last_followed_at", "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = admin_api.get("/accounts", **params).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break

    assert sorted(seen) == sorted(created)
    assert len(seen) == 5
    assert seen[:2] == sorted(created[:2], reverse=True)


def test_q_finds_by_name_and_phone_fragment(admin_api):
    hit = admin_api.post("/accounts", {"name": "华为技术有限公司", "phone": "0755 2878 0808"})
    admin_api.post("/accounts", {"name": "腾讯科技"})

    assert [a["name"] for a in admin_api.get("/accounts", q="华为").json()["items"]] == [
        "华为技术有限公司"
    ]
    assert [a["id"] for a in admin_api.get("/accounts", q="2878-0808").json()["items"]] == [
        hit.json()["id"]
    ]


def test_list_query_count_is_flat(admin_api, admin):
    from guanxi.customers.services.accounts import account_create

    def add(n):
        for _ in range(n):
            name = f"Company {Account.objects.count()}"
            account_create(actor=admin, data={"name": name, "tags": ["a", "b"]})

    def fetch():
        response = admin_api.get("/accounts")
        assert response.status_code == 200

    assert_list_queries(fetch, add, limit=12)


def test_account_timeline_pages_newest_first_and_filters_by_group(admin_api):
    account = admin_api.post("/accounts", {"name": "Acme"}).json()
    for version, city in enumerate(["北京", "上海", "广州"], start=1):
        admin_api.patch(f"/accounts/{account['id']}", {"version": version, "city": city})

    first = admin_api.get(f"/accounts/{account['id']}/timeline", limit=2).json()
    rest = admin_api.get(
        f"/accounts/{account['id']}/timeline", limit=2, cursor=first["next_cursor"]
    ).json()

    kinds = [e["kind"] for e in first["items"] + rest["items"]]
    assert kinds == ["record.updated"] * 3 + ["record.created"]
    assert first["items"][0]["data"]["changes"] == {"city": ["上海", "广州"]}
    assert admin_api.get(f"/accounts/{account['id']}/timeline", group="tasks").json()["items"] == []


def test_tags_are_unique_per_workspace_ignoring_case(admin_api, other_workspace):
    Tag.objects.create(workspace=other_workspace, name="VIP")
    admin_api.post("/accounts", {"name": "One", "tags": ["VIP"]})
    admin_api.post("/accounts", {"name": "Two", "tags": ["vip"]})

    assert admin_api.post("/tags", {"name": "Vip"}).status_code == 422
    assert Tag.objects.filter(name__iexact="vip").count() == 2  # ours and theirs
    assert AccountTag.objects.count() == 2


def test_counts_are_capped_and_estimated_on_postgresql(admin):
    from django.db import connection

    from guanxi.customers.selectors import account_queryset, capped_count, estimated_count

    for index in range(3):
        account_create(actor=admin, data={"name": f"Counted {index}号"})
    queryset = account_queryset(actor=admin)

    assert capped_count(queryset, cap=2) == (2, False)
    assert capped_count(queryset, cap=5) == (3, True)
    estimate = estimated_count(queryset)
    if connection.vendor == "postgresql":
        assert isinstance(estimate, int) and estimate >= 1
    else:
        assert estimate is None
