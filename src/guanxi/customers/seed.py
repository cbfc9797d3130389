"""`guanxi seed` for customers: accounts and contacts at scale, bilingual (Faker zh_CN and en).

Names, companies and streets come from pools Faker fills once; each row then only combines pool
entries and random numbers, so a million rows take seconds of Python, not Faker's minutes. Rows
carry everything the services would have filled (normalized phones, name keys, search columns,
owned_since, the default pool) so lists, search and the duplicate check behave as on real data.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection

from guanxi.core.seeding import (
    SeedContext,
    bulk_insert,
    columns_of,
    next_id,
    register_seeder,
    reset_sequence,
)

from .models import Account, Contact, CustomerPool, LifecycleStage
from .normalize import company_key, pinyin_keys, split_person_name
from .search import phone_digits

LEVELS = ["A", "B", "B", "C", "C", "C", ""]
STAGES = [s.value for s in LifecycleStage]
INDUSTRIES = ["manufacturing", "it", "finance", "retail", "education", "healthcare", "logistics"]
SOURCES = ["website", "referral", "event", "cold_call", "advertising", "partner", "social"]
TITLES_ZH = [
    "总经理",
    "采购经理",
    "技术总监",
    "财务总监",
    "销售经理",
    "行政主管",
    "工程师",
    "董事长",
]
TITLES_EN = ["CEO", "Head of Procurement", "CTO", "Finance Director", "Sales Manager", "Engineer"]
PROVINCES = [
    ("北京", "北京"), ("上海", "上海"), ("广东", "深圳"), ("广东", "广州"), ("浙江", "杭州"),
    ("江苏", "南京"), ("江苏", "苏州"), ("四川", "成都"), ("湖北", "武汉"), ("山东", "青岛"),
]  # fmt: skip
NOW = datetime(2026, 11, 1, tzinfo=UTC)


def _when(value: datetime | None) -> Any:
    """A datetime as the engine's raw cursor takes it (SQLite stores naive UTC text)."""
    if value is None or connection.vendor == "postgresql":
        return value
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")


def _name_pools(rng: random.Random, rows: int) -> dict[str, list[str]]:
    from faker import Faker

    zh = Faker("zh_CN")
    en = Faker("en_US")
    zh.seed_instance(rng.randint(0, 10**6))
    en.seed_instance(rng.randint(0, 10**6))
    size = min(20_000, max(200, rows))  # small seeds (tests) need no big pools
    return {
        "zh_people": list({zh.name() for _ in range(size)}),
        "en_people": list({en.name() for _ in range(size // 4)}),
        "zh_companies": list({zh.company() for _ in range(size)}),
        "en_companies": list({en.company() for _ in range(size // 4)}),
        "streets": [zh.street_address() for _ in range(size // 10)],
    }


def _mobile(rng: random.Random) -> str:
    return f"1{rng.choice('358')}{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}"


def _account_rows(
    context: SeedContext, first_id: int, count: int, pools: dict[str, list[str]], pool_id: int
) -> Iterator[tuple[Any, ...]]:
    rng = random.Random(context.seed)
    owners = [m.user_id for m in context.members]
    for offset in range(count):
        chinese = rng.random() < 0.85
        base = rng.choice(pools["zh_companies" if chinese else "en_companies"])
        name = f"{base}{offset}" if offset >= len(pools["zh_companies"]) else base
        province, city = rng.choice(PROVINCES) if chinese else ("", "")
        full, initials = pinyin_keys(name) if chinese else ("", "")
        phone = f"+86{_mobile(rng)}" if rng.random() < 0.7 else ""
        created = NOW - timedelta(days=rng.randint(0, 1000), seconds=rng.randint(0, 86_400))
        followed = created + timedelta(days=rng.randint(0, 200)) if rng.random() < 0.6 else None
        owner = rng.choice(owners) if rng.random() < 0.9 else None
        # As customers/search.py writes it: pinyin and initials live in their own columns.
        search_text = " ".join(p for p in (name.casefold(), phone_digits(phone)) if p)
        yield (
            first_id + offset,
            context.workspace.pk,
            owner,
            pool_id,
            "[]",
            "[]",
            rng.choice(SOURCES),
            "",
            "{}",
            _when(followed),
            _when(created) if owner else None,
            None,
            _when(created),
            _when(followed or created),
            1,
            None,
            None,
            full[:200],
            initials[:60],
            search_text,
            name[:200],
            company_key(name)[:200],
            "",
            rng.choice(INDUSTRIES),
            "",
            "",
            phone,
            "",
            "CN" if chinese else "US",
            province,
            city,
            rng.choice(pools["streets"]) if chinese else "",
            rng.choice(LEVELS),
            rng.choice(STAGES),
            None,
        )


def _contact_rows(
    context: SeedContext,
    first_id: int,
    count: int,
    pools: dict[str, list[str]],
    pool_id: int,
    account_range: tuple[int, int] | None,
) -> Iterator[tuple[Any, ...]]:
    rng = random.Random(context.seed + 1)
    owners = [m.user_id for m in context.members]
    for offset in range(count):
        chinese = rng.random() < 0.85
        name = rng.choice(pools["zh_people" if chinese else "en_people"])
        family, given = split_person_name(name)
        if chinese:
            full, initials = pinyin_keys(name, person=True)
        else:
            words = name.casefold().split()
            full, initials = "".join(words), "".join(w[0] for w in words)
        mobile = _mobile(rng) if chinese or rng.random() < 0.3 else ""
        mobile_e164 = f"+86{mobile}" if mobile else ""
        email = f"{full}{offset}@example.{'cn' if chinese else 'com'}" if rng.random() < 0.7 else ""
        account_id = rng.randint(*account_range) if account_range and rng.random() < 0.8 else None
        created = NOW - timedelta(days=rng.randint(0, 1000), seconds=rng.randint(0, 86_400))
        followed = created + timedelta(days=rng.randint(0, 200)) if rng.random() < 0.6 else None
        owner = rng.choice(owners) if rng.random() < 0.9 else None
        # A CN mobile's national digits are inside its international ones (search.py).
        search_text = " ".join(p for p in (name.casefold(), mobile_e164[1:], email) if p)
        consent = rng.choice(["unknown", "unknown", "granted", "withdrawn"])
        yield (
            first_id + offset,
            context.workspace.pk,
            owner,
            pool_id,
            "[]",
            "[]",
            rng.choice(SOURCES),
            "",
            json.dumps({}),
            _when(followed),
            _when(created) if owner else None,
            None,
            _when(created),
            _when(followed or created),
            1,
            None,
            None,
            full[:200],
            initials[:60],
            search_text,
            account_id,
            name[:100],
            family[:60],
            given[:60],
            rng.choice(TITLES_ZH if chinese else TITLES_EN),
            mobile_e164,
            "",
            email,
            f"wx_{rng.randint(10**6, 10**7)}" if chinese and rng.random() < 0.5 else "",
            None,
            consent,
            "import" if consent != "unknown" else "",
            _when(created) if consent != "unknown" else None,
            "unknown",
            "",
            None,
            None,
        )


def seed_customers(context: SeedContext) -> None:
    accounts = context.counts.get("accounts", 0)
    contacts = context.counts.get("contacts", 0)
    if not accounts and not contacts:
        return
    rng = random.Random(context.seed)
    pools = _name_pools(rng, max(accounts, contacts))
    account_pool = CustomerPool.objects.get(
        workspace=context.workspace, object_type="accounts", is_default=True
    )
    contact_pool = CustomerPool.objects.get(
        workspace=context.workspace, object_type="contacts", is_default=True
    )
    account_range = None
    if accounts:
        first = next_id(Account._meta.db_table)
        written = bulk_insert(
            Account._meta.db_table,
            columns_of(Account),
            _account_rows(context, first, accounts, pools, account_pool.pk),
        )
        reset_sequence(Account._meta.db_table)
        account_range = (first, first + written - 1)
        context.made["accounts"] = account_range
        context.log(f"{written} accounts")
    elif Account.objects.filter(workspace=context.workspace).exists():
        ids = Account.objects.filter(workspace=context.workspace).values_list("id", flat=True)
        account_range = (min(ids), max(ids))
    if contacts:
        first = next_id(Contact._meta.db_table)
        written = bulk_insert(
            Contact._meta.db_table,
            columns_of(Contact),
            _contact_rows(context, first, contacts, pools, contact_pool.pk, account_range),
        )
        reset_sequence(Contact._meta.db_table)
        context.made["contacts"] = (first, first + written - 1)
        context.log(f"{written} contacts")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE customers_account")
            cursor.execute("ANALYZE customers_contact")


def register_customer_seeder() -> None:
    register_seeder(
        "customers",
        seed_customers,
        order=100,
        options={"accounts": "accounts to create", "contacts": "contacts to create"},
    )
