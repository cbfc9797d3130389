"""My day: the member's open tasks, overdue / today / next seven days, in their time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from guanxi.activities.selectors import my_day
from guanxi.activities.services.tasks import task_complete, task_create
from tests.activities.conftest import NOW
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def utc(day: int, hour: int) -> datetime:
    return datetime(2025, 3, day, hour, 0, tzinfo=UTC)


def titles(tasks) -> list[str]:
    return [t.title for t in tasks]


@pytest.fixture
def week(rep):
    """NOW is 2025-03-10 14:00 in Shanghai (the workspace's zone)."""
    for title, due in [
        ("overdue", NOW - timedelta(hours=1)),
        ("tonight", utc(10, 15)),  # 23:00 Shanghai
        ("after midnight", utc(10, 17)),  # 01:00 on the 11th in Shanghai
        ("in a week", utc(17, 15)),  # 23:00 on the 17th: the seventh day after today
        ("too far", utc(17, 16)),  # 00:00 on the 18th
    ]:
        task_create(actor=rep, data={"title": title, "due_at": due})


def test_tasks_fall_into_overdue_today_and_upcoming(rep, week):
    day = my_day(actor=rep, now=NOW)

    assert titles(day.overdue) == ["overdue"]
    assert titles(day.today) == ["tonight"]
    assert titles(day.upcoming) == ["after midnight", "in a week"]


def test_today_follows_the_members_own_time_zone(rep, week):
    rep.user.time_zone = "America/New_York"  # 02:00 on the 10th there; the day ends 04:00 UTC
    rep.user.save()

    day = my_day(actor=rep, now=NOW)

    assert titles(day.today) == ["tonight", "after midnight"]


def test_only_open_tasks_of_the_member(workspace, rep, week):
    manager = make_member(workspace, "sales_manager")
    task_create(
        actor=manager,
        data={"title": "someone else's", "due_at": NOW, "assignee_id": manager.user_id},
    )
    done = task_create(actor=rep, data={"title": "done", "due_at": NOW})
    task_complete(actor=rep, task=done, now=NOW)

    day = my_day(actor=rep, now=NOW)

    everything = titles(day.overdue + day.today + day.upcoming)
    assert "someone else's" not in everything
    assert "done" not in everything


def test_a_manager_sees_only_their_own_day_too(workspace, rep, week):
    manager = make_member(workspace, "sales_manager")

    day = my_day(actor=manager, now=NOW)

    assert (day.overdue, day.today, day.upcoming) == ([], [], [])


def test_without_the_tasks_permission_the_day_is_empty(workspace):
    member = make_member(workspace, "", permissions={}, data_scope="all")

    day = my_day(actor=member, now=NOW)

    assert (day.overdue, day.today, day.upcoming) == ([], [], [])
