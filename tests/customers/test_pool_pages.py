"""Pool pages: browse and claim, the ownership panel, the rules settings."""

from __future__ import annotations

import pytest

from guanxi.customers.models import Account, CustomerPool, HoldingLimit
from guanxi.customers.services.accounts import account_create
from tests.factories import make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def rep(workspace):
    return make_member(workspace, "sales_rep")


@pytest.fixture
def manager(workspace):
    return make_member(workspace, "sales_manager")


def test_pool_page_masks_details_and_claiming_opens_the_record(client, rep, manager, workspace):
    pool = CustomerPool.objects.get(workspace=workspace, object_type="accounts")
    pool.mask_contact_details = True
    pool.save()
    account = account_create(
        actor=manager, data={"name": "公海客户", "owner_id": None, "phone": "13812345678"}
    )
    client.force_login(rep.user)

    page = client.get("/pool/").content.decode()
    response = client.post(f"/pool/accounts/{account.pk}/claim/")

    assert "公海客户" in page and "+86138****5678" in page and "+8613812345678" not in page
    assert response.status_code == 302 and response["Location"] == f"/accounts/{account.pk}/"
    assert Account.objects.get(pk=account.pk).owner_id == rep.user_id


def test_claim_refusal_is_shown_as_a_message(client, rep, manager, workspace):
    HoldingLimit.objects.create(workspace=workspace, user=rep.user, limit=0)
    account = account_create(actor=manager, data={"name": "Pool Co", "owner_id": None})
    client.force_login(rep.user)

    response = client.post(f"/pool/accounts/{account.pk}/claim/", follow=True)

    assert "Holding limit reached" in response.content.decode()
    assert Account.objects.get(pk=account.pk).owner_id is None


def test_record_page_has_the_ownership_panel_with_return(client, rep):
    account = account_create(actor=rep, data={"name": "Mine Co"})
    client.force_login(rep.user)

    page = client.get(f"/accounts/{account.pk}/").content.decode()
    client.post(f"/pool/accounts/{account.pk}/return/", {"reason": "预算取消"})

    assert 'data-testid="ownership-panel"' in page and 'data-testid="return-form"' in page
    assert Account.objects.get(pk=account.pk).owner_id is None


def test_return_without_reason_changes_nothing(client, rep):
    account = account_create(actor=rep, data={"name": "Mine Co"})
    client.force_login(rep.user)

    client.post(f"/pool/accounts/{account.pk}/return/", {"reason": ""})

    assert Account.objects.get(pk=account.pk).owner_id == rep.user_id


def test_administrator_edits_pool_rules(client, admin, workspace):
    pool = CustomerPool.objects.get(workspace=workspace, object_type="accounts")
    client.force_login(admin.user)

    response = client.post(
        f"/settings/pools/{pool.pk}/",
        {
            "version": pool.version,
            "name": "华东公海",
            "no_follow_up_days": "30",
            "level_A": "90",
            "daily_claim_limit": "5",
            "exempt_customers": "on",
        },
    )

    assert response.status_code == 302
    pool.refresh_from_db()
    assert (pool.name, pool.no_follow_up_days, pool.daily_claim_limit) == ("华东公海", 30, 5)
    assert pool.no_follow_up_days_by_level == {"A": 90}
    assert pool.mask_contact_details is False


def test_reps_cannot_open_pool_settings(client, rep):
    client.force_login(rep.user)

    assert client.get("/settings/pools/").status_code == 403


def test_holding_limit_for_a_team(client, admin, workspace):
    from tests.factories import TeamFactory

    team = TeamFactory(workspace=workspace)
    client.force_login(admin.user)

    client.post("/settings/holding-limits/", {"target": f"team:{team.pk}", "limit": "200"})

    assert HoldingLimit.objects.get(team=team).limit == 200


def test_a_record_just_returned_shows_why_it_cannot_be_claimed_back(
    client, rep, manager, workspace
):
    # Given a pool that bars the previous owner for 7 days, and a record the rep just returned
    pool = CustomerPool.objects.get(workspace=workspace, object_type="accounts")
    pool.reclaim_block_days = 7
    pool.save()
    mine = account_create(actor=rep, data={"name": "刚退回的客户"})
    other = account_create(actor=manager, data={"name": "别人的", "owner_id": None})
    client.force_login(rep.user)
    client.post(f"/pool/accounts/{mine.pk}/return/", {"reason": "预算取消"})

    # When the rep looks at the pool
    pool_page = client.get("/pool/").content.decode()

    # Then its Claim button is off with the reason; the other record can still be claimed
    assert pool_page.count('data-testid="claim-barred"') == 1
    assert pool_page.count('data-testid="claim"') == 1
    assert "you may claim it again after 7 days" in pool_page
    assert other.pk


def test_the_record_page_says_why_its_previous_owner_cannot_claim_it_back(client, workspace):
    admin = make_member(workspace, "admin")
    pool = CustomerPool.objects.get(workspace=workspace, object_type="accounts")
    pool.reclaim_block_days = 3
    pool.save()
    account = account_create(actor=admin, data={"name": "刚退回的客户"})
    client.force_login(admin.user)
    client.post(f"/pool/accounts/{account.pk}/return/", {"reason": "预算取消"})

    page = client.get(f"/accounts/{account.pk}/").content.decode()

    assert 'data-testid="claim-barred"' in page and 'data-testid="claim"' not in page
