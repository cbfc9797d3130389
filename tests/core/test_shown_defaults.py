"""Names Guanxi gives by default — roles, public pools, pick list options — are written in the
workspace's language when it is created, and read in each member's language while nobody has
renamed them."""

from __future__ import annotations

import pytest
from django.utils import translation

from guanxi.core.models import Membership, Role
from guanxi.core.services.workspaces import workspace_create
from guanxi.customers.models import CustomerPool, PicklistOption
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def chinese_workspace():
    owner = UserFactory()
    workspace = workspace_create(name="示例公司", slug="shili", owner=owner, locale="zh-hans")
    return workspace, Membership.objects.get(workspace=workspace, user=owner)


def test_default_names_are_read_in_the_readers_language(chinese_workspace):
    workspace, member = chinese_workspace
    pool = CustomerPool.objects.get(workspace=workspace, object_type="accounts")
    level = PicklistOption.objects.get(workspace=workspace, list_key="account_level", value="A")
    # Stored as the workspace's language wrote them
    assert (member.role.name, pool.name, level.label) == ("所有者", "公海", "A（重点客户）")

    with translation.override("en"):
        assert (member.role.shown_name, pool.shown_name, level.shown_label) == (
            "Owner",
            "Public pool",
            "A (key account)",
        )
        assert str(member.role) == "Owner"
    with translation.override("zh-hans"):
        assert (member.role.shown_name, pool.shown_name, level.shown_label) == (
            "所有者",
            "公海",
            "A（重点客户）",
        )


def test_a_renamed_default_keeps_the_name_it_was_given(chinese_workspace):
    workspace, _member = chinese_workspace
    Role.objects.filter(workspace=workspace, key="sales_rep").update(name="一线销售")
    CustomerPool.objects.filter(workspace=workspace, object_type="accounts").update(name="华东公海")
    PicklistOption.objects.filter(workspace=workspace, list_key="account_level", value="A").update(
        label="A类-战略客户"
    )

    with translation.override("en"):
        assert Role.objects.get(workspace=workspace, key="sales_rep").shown_name == "一线销售"
        pool = CustomerPool.objects.get(workspace=workspace, object_type="accounts")
        assert pool.shown_name == "华东公海"
        level = PicklistOption.objects.get(workspace=workspace, list_key="account_level", value="A")
        assert level.shown_label == "A类-战略客户"


def test_the_english_account_list_shows_default_levels_in_english(client, chinese_workspace):
    from guanxi.customers.services.accounts import account_create

    workspace, member = chinese_workspace
    account_create(actor=member, data={"name": "云帆", "level": "A"})
    member.user.locale = "en"
    member.user.save(update_fields=["locale"])
    client.force_login(member.user)

    html = client.get("/accounts/").content.decode()

    assert "A (key account)" in html and "A（重点客户）" not in html
