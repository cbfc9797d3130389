"""Public pool (公海): claim, return, assign, recycle rules, limits and masking."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from guanxi.core.models import AuditEvent, Notification, TimelineEntry
from guanxi.customers.models import Account, CustomerPool, HoldingLimit, PoolEvent, PoolMember
from guanxi.customers.services.accounts import account_create
from guanxi.customers.services.pool import pool_recycle, pool_remind
from tests.conftest import api_for
from tests.factories import TeamFactory, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def now():
    from datetime import UTC

    return datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


@pytest.fixture
def pool(workspace):
    return CustomerPool.objects.get(workspace=workspace, object_type="accounts", is_default=True)


@pytest.fixture
def manager(workspace):
    return make_member(workspace, "sales_manager")


@pytest.fixture
def rep(workspace):
    return make_member(workspace, "sales_rep")


def pooled(manager, name="Pooled Co", **data):
    return account_create(actor=manager, data={"name": name, "owner_id": None, **data})


def owned(owner, *, since, followed=None, name=None, **data):
    name = name or f"Owned {Account.objects.count()}"
    account = account_create(actor=owner, data={"name": name, **data})
    Account.objects.filter(pk=account.pk).update(owned_since=since, last_followed_at=followed)
    account.refresh_from_db()
    return account


def test_every_workspace_starts_with_a_default_pool_per_record_type(workspace):
    pools = CustomerPool.objects.filter(workspace=workspace, is_default=True)

    assert sorted(pools.values_list("object_type", flat=True)) == ["accounts", "contacts"]


def test_claim_makes_the_rep_the_owner_and_is_audited_and_on_the_timeline(manager, rep):
    account = pooled(manager)

    response = api_for(rep).post(f"/accounts/{account.pk}/claim")

    assert response.status_code == 200, response.content
    assert response.json()["owner_id"] == rep.user_id
    account.refresh_from_db()
    assert account.owner_id == rep.user_id and account.owned_since is not None
    assert AuditEvent.objects.filter(action="account.claim", object_id=str(account.pk)).exists()
    assert TimelineEntry.objects.filter(subject_id=account.pk, kind="pool.claim").exists()
    event = PoolEvent.objects.get(action="claim")
    assert (event.actor_id, event.previous_owner_id, event.new_owner_id) == (
        rep.user_id,
        None,
        rep.user_id,
    )


def test_claiming_an_owned_record_is_409(manager, rep):
    account = account_create(actor=manager, data={"name": "Mine"})

    response = api_for(rep).post(f"/accounts/{account.pk}/claim")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "already_owned"
    account.refresh_from_db()
    assert account.owner_id == manager.user_id


def test_claim_refused_over_the_daily_claim_limit(manager, rep, pool):
    pool.daily_claim_limit = 2
    pool.save()
    accounts = [pooled(manager, name=f"P{i}") for i in range(3)]
    api = api_for(rep)

    statuses = [api.post(f"/accounts/{a.pk}/claim").status_code for a in accounts]

    assert statuses == [200, 200, 409]
    assert Account.objects.filter(owner_id=rep.user_id).count() == 2


def test_claims_of_yesterday_do_not_count_against_today(manager, rep, pool):
    pool.daily_claim_limit = 1
    pool.save()
    first, second = pooled(manager, name="A"), pooled(manager, name="B")
    api = api_for(rep)
    assert api.post(f"/accounts/{first.pk}/claim").status_code == 200
    PoolEvent.objects.update(created_at=timezone.now() - timedelta(days=1))

    assert api.post(f"/accounts/{second.pk}/claim").status_code == 200


def test_previous_owner_is_barred_from_reclaiming_for_the_set_days(manager, rep, pool):
    pool.reclaim_block_days = 7
    pool.save()
    account = account_create(actor=rep, data={"name": "Mine"})
    api = api_for(rep)
    assert api.post(f"/accounts/{account.pk}/return", {"reason": "没有需求"}).status_code == 204

    refused = api.post(f"/accounts/{account.pk}/claim")
    PoolEvent.objects.update(created_at=timezone.now() - timedelta(days=8))
    allowed = api.post(f"/accounts/{account.pk}/claim")

    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "reclaim_blocked"
    assert allowed.status_code == 200


def test_claim_refused_over_the_holding_limit_and_won_customers_do_not_count(
    workspace, manager, rep
):
    HoldingLimit.objects.create(workspace=workspace, user=rep.user, limit=1)
    account_create(actor=rep, data={"name": "Won", "stage": "customer"})
    account_create(actor=rep, data={"name": "Open"})
    target = pooled(manager)

    response = api_for(rep).post(f"/accounts/{target.pk}/claim")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "holding_limit"
    target.refresh_from_db()
    assert target.owner_id is None


def test_role_limit_applies_when_the_person_has_none_and_person_limit_wins(workspace, manager, rep):
    HoldingLimit.objects.create(workspace=workspace, role=rep.role, limit=0)
    target = pooled(manager)
    api = api_for(rep)
    assert api.post(f"/accounts/{target.pk}/claim").status_code == 409

    HoldingLimit.objects.create(workspace=workspace, user=rep.user, limit=5)

    assert api.post(f"/accounts/{target.pk}/claim").status_code == 200


def test_pool_with_members_refuses_outsiders(workspace, manager, rep):
    team = TeamFactory(workspace=workspace)
    insider = make_member(
        workspace, "sales_rep", team=TeamFactory(workspace=workspace, parent=team)
    )
    closed = CustomerPool.objects.create(workspace=workspace, name="华东公海")
    PoolMember.objects.create(workspace=workspace, pool=closed, team=team)
    account = pooled(manager)
    Account.objects.filter(pk=account.pk).update(pool=closed)

    outsider = api_for(rep).post(f"/accounts/{account.pk}/claim")
    member_of_sub_team = api_for(insider).post(f"/accounts/{account.pk}/claim")

    assert outsider.status_code == 404
    assert member_of_sub_team.status_code == 200


def test_return_needs_a_reason_and_puts_the_record_in_the_pool(rep):
    account = account_create(actor=rep, data={"name": "Mine"})
    api = api_for(rep)

    no_reason = api.post(f"/accounts/{account.pk}/return", {"reason": "  "})
    returned = api.post(f"/accounts/{account.pk}/return", {"reason": "客户已倒闭"})

    assert no_reason.status_code == 422
    assert returned.status_code == 204
    account.refresh_from_db()
    assert account.owner_id is None
    entry = TimelineEntry.objects.get(subject_id=account.pk, kind="pool.return")
    assert entry.body == "客户已倒闭"


def test_a_rep_cannot_return_someone_elses_account(workspace, manager, rep):
    account = account_create(actor=manager, data={"name": "Theirs", "owner_id": rep.user_id})
    other = make_member(
        workspace, "sales_manager", permissions={"accounts": ["view", "edit"]}, data_scope="all"
    )

    response = api_for(other).post(f"/accounts/{account.pk}/return", {"reason": "x"})

    assert response.status_code == 403
    account.refresh_from_db()
    assert account.owner_id == rep.user_id


def test_assign_by_a_manager_notifies_the_new_owner(manager, rep):
    account = pooled(manager)

    response = api_for(manager).post(f"/accounts/{account.pk}/assign", {"owner_id": rep.user_id})

    assert response.status_code == 200
    assert response.json()["owner_id"] == rep.user_id
    assert Notification.objects.get(user=rep.user).kind == "pool.assigned"
    assert AuditEvent.objects.filter(action="account.assign").count() == 1


def test_assign_needs_the_assign_permission(manager, rep):
    account = pooled(manager)

    response = api_for(rep).post(f"/accounts/{account.pk}/assign", {"owner_id": rep.user_id})

    assert response.status_code == 403


def test_recycle_returns_records_without_follow_up_and_notifies_the_owner(
    workspace, rep, pool, now
):
    pool.no_follow_up_days = 30
    pool.save()
    stale = owned(rep, since=now - timedelta(days=60), followed=now - timedelta(days=31))
    fresh = owned(rep, since=now - timedelta(days=60), followed=now - timedelta(days=29))
    newly_owned = owned(rep, since=now - timedelta(days=5), followed=now - timedelta(days=90))

    assert pool_recycle(workspace_id=workspace.pk, now=now) == 1

    stale.refresh_from_db()
    assert stale.owner_id is None
    assert Account.objects.get(pk=fresh.pk).owner_id == rep.user_id
    assert Account.objects.get(pk=newly_owned.pk).owner_id == rep.user_id
    assert Notification.objects.get(user=rep.user).kind == "pool.recycled"
    assert PoolEvent.objects.get().action == "recycle"
    assert AuditEvent.objects.filter(action="account.recycle", actor__isnull=True).count() == 1
    assert pool_recycle(workspace_id=workspace.pk, now=now) == 0  # nothing twice


def test_recycle_days_differ_per_customer_level(workspace, rep, pool, now):
    pool.no_follow_up_days = 30
    pool.no_follow_up_days_by_level = {"A": 90}
    pool.save()
    level_a = owned(rep, since=now - timedelta(days=200), level="A", name="A co")
    level_b = owned(rep, since=now - timedelta(days=40), level="B", name="B co")
    Account.objects.filter(pk=level_a.pk).update(last_followed_at=now - timedelta(days=60))

    pool_recycle(workspace_id=workspace.pk, now=now)

    assert Account.objects.get(pk=level_a.pk).owner_id == rep.user_id
    assert Account.objects.get(pk=level_b.pk).owner_id is None


def test_won_customers_are_exempt_from_recycling(workspace, rep, pool, now):
    pool.no_follow_up_days = 10
    pool.save()
    won = owned(rep, since=now - timedelta(days=100), stage="customer")

    assert pool_recycle(workspace_id=workspace.pk, now=now) == 0
    assert Account.objects.get(pk=won.pk).owner_id == rep.user_id


def test_no_won_deal_rule_counts_from_when_the_owner_got_it(workspace, rep, pool, now):
    pool.no_deal_days = 90
    pool.save()
    followed_but_no_deal = owned(
        rep, since=now - timedelta(days=91), followed=now - timedelta(days=1)
    )

    assert pool_recycle(workspace_id=workspace.pk, now=now) == 1
    assert Account.objects.get(pk=followed_but_no_deal.pk).owner_id is None


def test_owner_is_reminded_once_before_recycling(workspace, rep, pool, now):
    pool.no_follow_up_days = 30
    pool.remind_days_before = 3
    pool.save()
    soon = owned(rep, since=now - timedelta(days=100), followed=now - timedelta(days=28))
    owned(rep, since=now - timedelta(days=100), followed=now - timedelta(days=10), name="Later")

    assert pool_remind(workspace_id=workspace.pk, now=now) == 1
    assert pool_remind(workspace_id=workspace.pk, now=now + timedelta(hours=1)) == 0
    notice = Notification.objects.get(user=rep.user)
    assert notice.kind == "pool.recycle_warning" and notice.ref_id == soon.pk


def test_other_workspaces_are_untouched_by_recycling(workspace, other_workspace, rep, now):
    theirs_pool = CustomerPool.objects.get(workspace=other_workspace, object_type="accounts")
    theirs_pool.no_follow_up_days = 1
    theirs_pool.save()
    their_rep = make_member(other_workspace, "sales_rep")
    theirs = owned(their_rep, since=now - timedelta(days=50))

    assert pool_recycle(workspace_id=workspace.pk, now=now) == 0
    assert Account.objects.get(pk=theirs.pk).owner_id == their_rep.user_id


def test_pool_records_are_masked_for_reps_until_claimed(manager, rep, pool):
    pool.mask_contact_details = True
    pool.save()
    account = pooled(
        manager,
        phone="13812345678",
        email="boss@acme.cn",
        other_phones="13912345678",
        other_emails="sales@acme.cn",
    )
    rep_api, manager_api = api_for(rep), api_for(manager)

    seen_by_rep = rep_api.get(f"/pools/{pool.pk}/records").json()["items"]
    seen_by_manager = manager_api.get(f"/pools/{pool.pk}/records").json()["items"]
    claimed = rep_api.post(f"/accounts/{account.pk}/claim").json()

    assert seen_by_rep == [
        {
            "id": account.pk,
            "name": "Pooled Co",
            "masked": True,
            "phone": "+86138****5678",
            "email": "b••••@acme.cn",
            "other_phones": ["+86139****5678"],
            "other_emails": ["s••••@acme.cn"],
            "level": "",
            "city": "",
            "province": "",
            "last_followed_at": None,
            "updated_at": seen_by_rep[0]["updated_at"],
        }
    ]
    assert seen_by_manager[0]["phone"] == "+8613812345678"
    assert seen_by_manager[0]["other_phones"] == ["+8613912345678"]
    assert claimed["phone"] == "+8613812345678"
    assert claimed["other_emails"] == ["sales@acme.cn"]


def test_two_reps_claiming_at_once_one_wins(concurrent_db):
    import threading

    from django.db import connections

    from tests.factories import WorkspaceFactory

    workspace = WorkspaceFactory()
    manager = make_member(workspace, "sales_manager")
    clients = [api_for(make_member(workspace, "sales_rep")) for _ in range(2)]
    account = pooled(manager)
    barrier = threading.Barrier(2)
    results: list[int] = []
    errors: list[BaseException] = []

    def claim(client) -> None:
        try:
            concurrent_db()
            barrier.wait(timeout=10)
            results.append(client.post(f"/accounts/{account.pk}/claim").status_code)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not errors, errors
    assert sorted(results) == [200, 409]
    assert PoolEvent.objects.filter(action="claim").count() == 1


def test_assigning_another_workspaces_record_is_404_even_with_a_bad_owner(
    workspace, other_workspace
):
    theirs = account_create(actor=make_member(other_workspace, "admin"), data={"name": "Theirs"})
    api = api_for(make_member(workspace, "admin"))

    response = api.post(f"/accounts/{theirs.pk}/assign", {"owner_id": 999999})

    assert response.status_code == 404


def test_a_manager_cannot_reassign_a_record_outside_their_data_scope(workspace, rep):
    team_manager = make_member(workspace, "sales_manager", team=TeamFactory(workspace=workspace))
    theirs = account_create(actor=rep, data={"name": "Outside the team"})

    response = api_for(team_manager).post(
        f"/accounts/{theirs.pk}/assign", {"owner_id": team_manager.user_id}
    )

    assert response.status_code == 404
    assert Account.objects.get(pk=theirs.pk).owner_id == rep.user_id
    assert not PoolEvent.objects.exists()
