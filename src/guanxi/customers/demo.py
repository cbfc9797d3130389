"""Sample customers for `guanxi demo`: Chinese and English companies and people, custom fields,
tags, pool rules and a few records waiting in the public pool."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from django.utils import timezone

from guanxi.core.models import Membership, Workspace

from .models import Account, CustomerPool
from .normalize import credit_code_is_valid
from .services.accounts import account_create, account_update
from .services.contacts import contact_create
from .services.definitions import custom_field_create

CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"

# name, industry, province, city, level, stage, source, website
COMPANIES = [
    (
        "上海云帆信息技术有限公司",
        "it",
        "上海",
        "上海",
        "A",
        "customer",
        "referral",
        "yunfan.example.cn",
    ),
    (
        "北京华信智能科技股份有限公司",
        "it",
        "北京",
        "北京",
        "A",
        "interested",
        "event",
        "huaxin.example.cn",
    ),
    ("深圳市鹏程电子有限公司", "manufacturing", "广东", "深圳", "B", "customer", "website", ""),
    ("杭州西湖茶业有限公司", "retail", "浙江", "杭州", "C", "prospect", "cold_call", ""),
    (
        "苏州工业园区精密机械有限公司",
        "manufacturing",
        "江苏",
        "苏州",
        "B",
        "interested",
        "partner",
        "",
    ),
    ("成都天府物流有限公司", "logistics", "四川", "成都", "B", "prospect", "advertising", ""),
    ("广州南方医疗器械有限公司", "healthcare", "广东", "广州", "A", "customer", "referral", ""),
    ("武汉光谷教育科技有限公司", "education", "湖北", "武汉", "C", "prospect", "social", ""),
    ("南京金陵置业集团有限公司", "real_estate", "江苏", "南京", "B", "churned", "event", ""),
    ("青岛海风新能源有限公司", "energy", "山东", "青岛", "B", "interested", "website", ""),
    ("西安古城文化传媒有限公司", "services", "陕西", "西安", "C", "prospect", "social", ""),
    ("天津港联国际贸易有限公司", "logistics", "天津", "天津", "B", "customer", "partner", ""),
    ("厦门鹭岛食品有限公司", "retail", "福建", "厦门", "C", "interested", "cold_call", ""),
    ("重庆山城汽车配件有限公司", "manufacturing", "重庆", "重庆", "A", "interested", "event", ""),
    ("宁波东海港口服务有限公司", "logistics", "浙江", "宁波", "C", "prospect", "website", ""),
    ("长沙湘江软件有限公司", "it", "湖南", "长沙", "B", "customer", "referral", ""),
    (
        "Northwind Traders Ltd.",
        "retail",
        "",
        "London",
        "B",
        "customer",
        "website",
        "northwind.example.com",
    ),
    (
        "Contoso Manufacturing Inc.",
        "manufacturing",
        "",
        "Seattle",
        "A",
        "interested",
        "event",
        "contoso.example.com",
    ),
    ("Fabrikam Health GmbH", "healthcare", "", "Berlin", "B", "prospect", "partner", ""),
    (
        "Tailspin Logistics Pte. Ltd.",
        "logistics",
        "",
        "Singapore",
        "C",
        "prospect",
        "cold_call",
        "",
    ),
]
COUNTRIES = {
    "Northwind Traders Ltd.": "GB",
    "Contoso Manufacturing Inc.": "US",
    "Fabrikam Health GmbH": "DE",
    "Tailspin Logistics Pte. Ltd.": "SG",
}
CHINESE_PEOPLE = [
    ("陈静", "采购经理"),
    ("刘强", "总经理"),
    ("杨洋", "IT 主管"),
    ("赵磊", "财务总监"),
    ("黄丽", "行政经理"),
    ("周杰", "技术总监"),
    ("吴敏", "采购专员"),
    ("徐鹏", "副总裁"),
    ("孙悦", "市场经理"),
    ("马超", "生产经理"),
    ("朱婷", "法务"),
    ("胡斌", "运营总监"),
    ("郭芳", "项目经理"),
    ("林峰", "董事长"),
    ("何琳", "人力资源经理"),
    ("高翔", "销售总监"),
    ("欧阳娜娜", "品牌经理"),
    ("诸葛明", "首席技术官"),
]
ENGLISH_PEOPLE = [
    ("Sarah Johnson", "Head of Procurement"),
    ("Michael Brown", "CTO"),
    ("Laura Wilson", "Operations Manager"),
    ("James Taylor", "CEO"),
]
B2C_PEOPLE = [("王小明", "13800138001"), ("李娜", "13900139002"), ("Anna Müller", "+49 30 901820")]


def _credit_code(rng: random.Random) -> str:
    body = (
        "91"
        + str(rng.randint(110000, 659999))
        + "".join(rng.choice(CODE_ALPHABET) for _ in range(9))
    )
    for check in CODE_ALPHABET:
        if credit_code_is_valid(body + check):
            return body + check
    return ""


def _mobile(rng: random.Random) -> str:
    return f"1{rng.choice('358')}{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}"


def demo_customers(workspace: Workspace) -> None:
    rng = random.Random(2026)
    members = {
        m.user.email.split("@")[0]: m
        for m in Membership.objects.filter(workspace=workspace).select_related("user", "role")
    }
    owner = next(m for m in members.values() if m.role.is_owner)
    reps = [members["li.wei"], members["zhang.min"], members["wang.fang"]]

    custom_field_create(
        actor=owner,
        data={
            "object_type": "accounts",
            "label": "年营业额 Annual revenue",
            "key": "annual_revenue",
            "field_type": "money",
            "options": {"currency": "CNY"},
        },
    )
    custom_field_create(
        actor=owner,
        data={
            "object_type": "accounts",
            "label": "合作模式 Partnership",
            "key": "partnership",
            "field_type": "single_select",
            "options": [
                {"value": "direct", "label": "直销 Direct"},
                {"value": "channel", "label": "渠道 Channel"},
                {"value": "oem", "label": "OEM"},
            ],
        },
    )
    custom_field_create(
        actor=owner,
        data={
            "object_type": "contacts",
            "label": "决策角色 Decision role",
            "key": "decision_role",
            "field_type": "single_select",
            "options": [
                {"value": "decision_maker", "label": "决策者 Decision maker"},
                {"value": "influencer", "label": "影响者 Influencer"},
                {"value": "user", "label": "使用者 User"},
            ],
        },
    )
    pool = CustomerPool.objects.get(workspace=workspace, object_type="accounts", is_default=True)
    pool.no_follow_up_days = 30
    pool.no_follow_up_days_by_level = {"A": 60}
    pool.remind_days_before = 3
    pool.daily_claim_limit = 10
    pool.reclaim_block_days = 7
    pool.mask_contact_details = True
    pool.save()

    people = iter(CHINESE_PEOPLE)
    english = iter(ENGLISH_PEOPLE)
    for index, (name, industry, province, city, level, stage, source, website) in enumerate(
        COMPANIES
    ):
        in_pool = index % 7 == 6
        data: dict[str, Any] = {
            "name": name,
            "industry": industry,
            "province": province,
            "city": city,
            "level": level,
            "stage": stage,
            "source": source,
            "website": website,
            "country": COUNTRIES.get(name, "CN"),
            "owner_id": None if in_pool else reps[index % len(reps)].user_id,
            "tags": rng.sample(
                ["重点客户", "VIP", "续约", "新签", "Strategic"], k=rng.randint(0, 2)
            ),
            "custom": {
                "annual_revenue": str(rng.randint(5, 500) * 100_000),
                "partnership": rng.choice(["direct", "channel", "oem"]),
            },
        }
        if data["country"] == "CN":
            data["credit_code"] = _credit_code(rng)
            data["phone"] = (
                f"0{rng.choice(['10', '21', '755', '571', '28'])}{rng.randint(60000000, 89999999)}"
            )
            if index % 3 == 0:  # a 400 service hotline besides the switchboard
                data["other_phones"] = [f"400-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}"]
        if website and index % 2 == 0:
            data["other_emails"] = [f"sales@{website}"]
        account = account_create(actor=owner, data=data)
        is_english = data["country"] != "CN"
        for _ in range(1 if is_english else rng.randint(1, 2)):
            person = next(english if is_english else people, None)
            if person is None:
                break
            contact_create(
                actor=owner,
                data={
                    "name": person[0],
                    "title": person[1],
                    "account_id": account.pk,
                    "mobile": "" if is_english else _mobile(rng),
                    "email": f"contact{account.pk}{rng.randint(1, 99)}@example.com",
                    "wechat": "" if is_english else f"wx_{rng.randint(100000, 999999)}",
                    "owner_id": data["owner_id"],
                    "email_consent": rng.choice(["granted", "unknown"]),
                    "custom": {
                        "decision_role": rng.choice(["decision_maker", "influencer", "user"])
                    },
                },
            )
        if not in_pool and rng.random() < 0.5:
            # A later edit, so the timeline shows a field change.
            account_update(
                actor=owner,
                account=account,
                data={"stage": "interested" if stage == "prospect" else stage, "level": level},
                version=account.version,
            )
        Account.objects.filter(pk=account.pk).update(
            created_at=timezone.now() - timedelta(days=rng.randint(20, 400))
        )
    for name, mobile in B2C_PEOPLE:
        contact_create(
            actor=owner,
            data={
                "name": name,
                "mobile": mobile,
                "owner_id": reps[0].user_id,
                "sms_consent": "granted",
                "tags": ["个人客户"],
            },
        )
