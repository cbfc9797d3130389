"""`guanxi seed --activities N`: calls, visits, notes… spread over the seeded accounts and
contacts, each with its timeline entries, written through the bulk path.

One account (the first seeded) gets `HEAVY_ACCOUNT_ACTIVITIES` of them, so the benchmarks can
open a 360° page with a long timeline."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from django.db import connection

from guanxi.core.models import TimelineEntry
from guanxi.core.seeding import (
    SeedContext,
    bulk_insert,
    columns_of,
    next_id,
    register_seeder,
    reset_sequence,
)
from guanxi.customers.seed import NOW, _when

from .models import Activity

HEAVY_ACCOUNT_ACTIVITIES = 10_000
TYPES = ["call", "call", "call", "meeting", "visit", "note", "note", "email", "sms", "wechat"]
OUTCOMES = {"call": ["connected", "no_answer", "left_message", "busy"], "meeting": ["completed"]}
SUBJECTS = {
    "call": ["电话回访", "确认报价", "Follow-up call", "预约拜访"],
    "meeting": ["方案演示", "Quarterly review", "需求沟通会"],
    "visit": ["上门拜访", "On-site visit", "现场勘察"],
    "note": ["客户反馈", "Internal note", "竞争对手信息"],
    "email": ["发送报价单", "Proposal sent", "合同条款确认"],
    "sms": ["节日问候", "Reminder"],
    "wechat": ["微信沟通", "发送产品资料"],
}
BODIES = [
    "客户对新版本很感兴趣，下周安排演示。",
    "Discussed pricing; they want a 10% discount for a two-year term.",
    "联系人已离职，需要找新的对接人。",
    "Sent the product brochure and the case study.",
    "客户预算在第四季度审批，保持跟进。",
]


def _activity_plan(
    context: SeedContext,
    count: int,
    accounts: tuple[int, int] | None,
    contacts: tuple[int, int] | None,
) -> Iterator[tuple[int | None, int | None]]:
    """(account id, contact id) per activity: the heavy account first, then random links."""
    rng = random.Random(context.seed + 7)
    heavy = min(count, HEAVY_ACCOUNT_ACTIVITIES) if accounts else 0
    for _ in range(heavy):
        yield accounts[0] if accounts else None, None
    for _ in range(count - heavy):
        account = rng.randint(*accounts) if accounts and rng.random() < 0.7 else None
        contact = rng.randint(*contacts) if contacts and rng.random() < 0.6 else None
        if account is None and contact is None:
            account = rng.randint(*accounts) if accounts else None
            contact = None if account else (rng.randint(*contacts) if contacts else None)
        yield account, contact


def seed_activities(context: SeedContext) -> None:
    count = context.counts.get("activities", 0)
    if not count:
        return
    accounts = context.made.get("accounts")
    contacts = context.made.get("contacts")
    if not accounts and not contacts:
        context.log("no accounts or contacts to attach activities to; skipped")
        return
    owners = [m.user_id for m in context.members]
    first_activity = next_id(Activity._meta.db_table)
    first_entry = next_id(TimelineEntry._meta.db_table)

    def generate() -> Iterator[tuple[tuple[Any, ...], list[tuple[Any, ...]]]]:
        """(activity row, its timeline entry rows). Deterministic, so it runs twice — once per
        table — instead of holding millions of rows in memory."""
        rng = random.Random(context.seed + 3)
        entry_id = first_entry
        for offset, (account_id, contact_id) in enumerate(
            _activity_plan(context, count, accounts, contacts)
        ):
            kind = rng.choice(TYPES)
            subject = rng.choice(SUBJECTS[kind])
            body = rng.choice(BODIES)
            occurred = _when(
                NOW - timedelta(days=rng.randint(0, 900), minutes=rng.randint(0, 1440))
            )
            owner = rng.choice(owners)
            outcome = rng.choice(OUTCOMES.get(kind, [""]))
            duration = rng.choice([None, 5, 15, 30, 60])
            activity_id = first_activity + offset
            data = json.dumps(
                {
                    "type": kind,
                    "direction": "outbound",
                    "outcome": outcome,
                    "duration_minutes": duration,
                    "location_name": "",
                    "account_id": account_id,
                    "contact_id": contact_id,
                },
                ensure_ascii=False,
            )
            entries = []
            for subject_type, subject_id in (("accounts", account_id), ("contacts", contact_id)):
                if subject_id is None:
                    continue
                entries.append(
                    (entry_id, context.workspace.pk, subject_type, subject_id, occurred,
                     f"activity.{kind}", owner, subject, body, data, "activities", activity_id,
                     occurred)
                )  # fmt: skip
                entry_id += 1
            activity = (
                activity_id, context.workspace.pk, account_id, contact_id, "", None, owner,
                occurred, occurred, 1, None, None, kind, subject, f"<p>{body}</p>", body, body,
                "markdown", occurred, duration, "outbound", outcome, "", None, None, owner,
            )  # fmt: skip
            yield activity, entries

    written = bulk_insert(
        Activity._meta.db_table,
        columns_of(Activity),
        (activity for activity, _entries in generate()),
    )
    reset_sequence(Activity._meta.db_table)
    entry_count = bulk_insert(
        TimelineEntry._meta.db_table,
        columns_of(TimelineEntry),
        (entry for _activity, entries in generate() for entry in entries),
    )
    reset_sequence(TimelineEntry._meta.db_table)
    context.log(f"{written} activities, {entry_count} timeline entries")
    # Logging a follow-up moves last_followed_at; do the same in one statement per table.
    with connection.cursor() as cursor:
        for table, column in (
            ("customers_account", "account_id"),
            ("customers_contact", "contact_id"),
        ):
            cursor.execute(
                f"UPDATE {table} SET last_followed_at = latest.at FROM ("  # noqa: S608
                f"SELECT {column} AS id, MAX(occurred_at) AS at FROM activities_activity "
                f"WHERE workspace_id = %s AND {column} IS NOT NULL GROUP BY {column}) AS latest "
                f"WHERE {table}.id = latest.id AND ({table}.last_followed_at IS NULL "
                f"OR {table}.last_followed_at < latest.at)",
                [context.workspace.pk],
            )
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE activities_activity")
            cursor.execute("ANALYZE core_timelineentry")
    context.made["heavy_account"] = accounts[0] if accounts else None


def register_activity_seeder() -> None:
    register_seeder(
        "activities",
        seed_activities,
        order=200,
        options={"activities": "activities (calls, visits, notes…) with their timeline entries"},
    )
