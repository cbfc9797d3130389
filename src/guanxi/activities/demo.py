"""Sample activities and tasks for `guanxi demo`: the reps' calls, visits and WeChat messages on
their customers over the last weeks, and follow-up plans so that everyone's My day has
something overdue, something today and something coming."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from guanxi.core.models import Membership, Workspace
from guanxi.customers.models import Account, Contact

from .services.activities import activity_log
from .services.tasks import task_create

# type, subject, body (Markdown), outcome
CHINESE_ACTIVITIES = [
    ("call", "电话沟通采购需求", "客户确认今年预算已批，**下周**需要正式报价。", "connected"),
    ("call", "回访使用情况", "未接通，稍后再打。", "no_answer"),
    (
        "visit",
        "上门拜访",
        "与采购部和技术部一起看了演示：\n- 关注数据安全\n- 希望支持私有化部署",
        "completed",
    ),
    ("wechat", "微信跟进", "发送了产品手册和案例，客户回复“收到，内部讨论”。", ""),
    ("meeting", "方案评审会", "确定了一期范围，二期在 Q3 再议。", "completed"),
    ("note", "", "客户法务要求合同里加上数据出境条款。", ""),
    ("email", "报价单", "已发送报价单 V2，九折，含一年维保。", ""),
]
ENGLISH_ACTIVITIES = [
    (
        "call",
        "Intro call",
        "Interested in the **annual plan**; wants a demo for the team.",
        "connected",
    ),
    ("email", "Follow-up", "Sent the case study and pricing sheet.", ""),
    ("meeting", "Demo", "Demo went well; procurement review next.", "completed"),
]
CHINESE_TASKS = ["发送正式报价", "约技术交流", "跟进合同审批", "节前问候", "确认付款计划"]
ENGLISH_TASKS = ["Send the proposal", "Book a technical deep-dive", "Check on the contract"]


def demo_activities(workspace: Workspace) -> None:
    rng = random.Random(2027)
    now = timezone.now()
    members = {
        m.user_id: m
        for m in Membership.objects.filter(workspace=workspace, is_active=True).select_related(
            "user", "role", "workspace"
        )
    }
    owner = next(m for m in members.values() if m.role.is_owner)
    # Each account's first contact looked after by the same rep (whom the rep can see).
    first_contacts: dict[tuple[int, int], int] = {}
    for contact_id, account_id, owner_id in (
        Contact.objects.filter(workspace=workspace, account__isnull=False, owner__isnull=False)
        .order_by("id")
        .values_list("id", "account_id", "owner_id")
    ):
        first_contacts.setdefault((account_id, owner_id), contact_id)
    accounts = Account.objects.filter(
        workspace=workspace, owner__isnull=False, deleted_at__isnull=True
    ).order_by("id")
    for index, account in enumerate(accounts):
        rep = members.get(account.owner_id or 0)
        if rep is None:
            continue
        english = account.country not in ("", "CN")
        samples = ENGLISH_ACTIVITIES if english else CHINESE_ACTIVITIES
        # Every fifth customer has not been followed up for a while (the pool rules notice).
        days_back = [rng.randint(35, 50)] if index % 5 == 4 else [rng.randint(1, 25)]
        days_back += [days_back[0] + rng.randint(2, 10) for _ in range(rng.randint(0, 2))]
        for days in days_back:
            kind, subject, body, outcome = rng.choice(samples)
            activity_log(
                actor=rep,
                data={
                    "type": kind,
                    "subject": subject,
                    "body": body,
                    "outcome": outcome,
                    "occurred_at": now - timedelta(days=days, hours=rng.randint(0, 8)),
                    "duration_minutes": rng.choice([5, 15, 30, 60]) if kind != "note" else None,
                    "account_id": account.pk,
                    "contact_id": first_contacts.get((account.pk, rep.user_id)),
                },
                now=now,
            )
        task_create(
            actor=rep,
            data={
                "title": rng.choice(ENGLISH_TASKS if english else CHINESE_TASKS),
                "kind": "follow_up",
                "due_at": now + timedelta(days=rng.randint(-2, 6), hours=rng.randint(1, 6)),
                "priority": rng.choice(["normal", "normal", "high"]),
                "account_id": account.pk,
            },
        )
    # The demo's sign-in (the Owner) gets a day of their own.
    for offset, title in [
        (-1, "审批华东区折扣申请"),
        (0, "周会前看一下销售漏斗"),
        (2, "Quarterly review"),
    ]:
        task_create(
            actor=owner,
            data={"title": title, "due_at": now + timedelta(days=offset, hours=2)},
        )
