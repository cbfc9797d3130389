"""Global search finds textual custom field values (text, long text, URL, email, phone, the
labels of select options), not numbers or dates; a member who may not see custom fields is not
told which record has a value."""

from __future__ import annotations

import functools

import pytest
from django.utils import timezone

from guanxi.customers.models import Account
from guanxi.customers.services.accounts import account_create, account_update
from guanxi.customers.services.contacts import contact_create
from guanxi.customers.services.definitions import (
    custom_field_archive,
    custom_field_create,
    custom_field_restore,
    custom_field_update,
)
from guanxi.customers.services.search_index import search_text_refresh
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


def _field(actor, key):
    from guanxi.customers.models import CustomField

    return CustomField.objects.get(workspace_id=actor.workspace_id, object_type="accounts", key=key)


def test_an_archived_field_is_no_longer_searched_and_a_restored_one_is_again(
    admin, fields, django_capture_on_commit_callbacks
):
    # Given an account found by a custom value
    account_create(actor=admin, data={"name": "云帆", "custom": {"region": "华东大区"}})
    api = api_for(admin)
    assert names(api, "华东大") == ["云帆"]

    # When the field is archived (the re-index runs as a job once the archive commits)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        custom_field_archive(actor=admin, field=_field(admin, "region"))

    # Then its values are not found, though the record keeps them; restoring finds them again
    assert len(callbacks) == 1
    assert names(api, "华东大") == []
    assert Account.objects.get(name="云帆").custom == {"region": "华东大区"}
    with django_capture_on_commit_callbacks(execute=True):
        custom_field_restore(actor=admin, field=_field(admin, "region"))
    assert names(api, "华东大") == ["云帆"]


def test_a_relabelled_option_is_found_by_its_new_label(
    admin, fields, django_capture_on_commit_callbacks
):
    account_create(actor=admin, data={"name": "云帆", "custom": {"tier": "gold"}})
    account_create(actor=admin, data={"name": "海风", "custom": {"region": "金牌客户区"}})
    tier = _field(admin, "tier")

    with django_capture_on_commit_callbacks(execute=True):
        custom_field_update(
            actor=admin,
            field=tier,
            data={"options": [{"value": "gold", "label": "钻石客户"}, {"value": "silver"}]},
            version=tier.version,
        )

    api = api_for(admin)
    assert names(api, "钻石客") == ["云帆"]
    assert names(api, "金牌客") == ["海风"]  # a text value saying the old label is its own


def test_a_non_text_field_archived_queues_no_reindex(
    admin, fields, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        custom_field_archive(actor=admin, field=_field(admin, "budget"))
    assert callbacks == []


def test_the_reindex_works_in_batches_and_leaves_other_workspaces_alone(
    admin, fields, other_workspace
):
    # Given three accounts with a value, one without, and another workspace's account whose
    # search text is deliberately stale
    for name in ("甲公司", "乙公司", "丙公司"):
        account_create(actor=admin, data={"name": name, "custom": {"region": "华北"}})
    account_create(actor=admin, data={"name": "丁公司"})
    other = make_member(other_workspace, "admin")
    stranger = account_create(actor=other, data={"name": "外人", "custom": {}})
    Account.objects.filter(pk=stranger.pk).update(search_text="stale")
    CustomField = type(_field(admin, "region"))
    CustomField.objects.filter(workspace_id=admin.workspace_id, key="region").update(
        archived_at=timezone.now()
    )

    # When the re-index runs in batches of two
    changed = search_text_refresh(
        workspace_id=admin.workspace_id, object_type="accounts", custom_key="region", batch=2
    )

    # Then exactly the three records holding the value changed, and nothing else did
    assert changed == 3
    assert names(api_for(admin), "华北") == []
    assert Account.objects.get(pk=stranger.pk).search_text == "stale"


def test_renaming_an_account_with_many_contacts_reindexes_them_in_a_job(
    admin, django_capture_on_commit_callbacks, monkeypatch
):
    from guanxi.customers.services import accounts

    account = account_create(actor=admin, data={"name": "旧名科技"})
    for number in range(3):
        contact_create(actor=admin, data={"name": f"联系人{number}", "account_id": account.pk})
    # More contacts than the inline limit: the job does them all
    monkeypatch.setattr(
        accounts,
        "_refresh_contacts_company",
        functools.partial(accounts._refresh_contacts_company, limit=2),
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        account_update(actor=admin, account=account, data={"name": "新名科技"}, version=1)

    assert len(callbacks) == 1
    assert names(api_for(admin), "新名科", path="/contacts") == ["联系人0", "联系人1", "联系人2"]
    assert names(api_for(admin), "旧名科", path="/contacts") == []
