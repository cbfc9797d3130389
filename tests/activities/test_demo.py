import pytest

from guanxi.activities.models import Activity, Task
from guanxi.activities.selectors import my_day
from guanxi.core.demo import build_demo
from guanxi.core.models import Membership, TimelineEntry
from guanxi.customers.models import Account

pytestmark = pytest.mark.django_db


def test_demo_logs_follow_ups_and_plans_everyones_day():
    workspace = build_demo().workspace

    owned = Account.objects.filter(workspace=workspace, owner__isnull=False)
    assert Activity.objects.filter(workspace=workspace).count() >= owned.count()
    assert Task.objects.filter(workspace=workspace, kind="follow_up").count() == owned.count()
    assert not owned.filter(last_followed_at__isnull=True).exists()
    assert TimelineEntry.objects.filter(workspace=workspace, kind__startswith="activity.").exists()
    owner = Membership.objects.get(workspace=workspace, role__is_owner=True)
    day = my_day(actor=owner)
    assert day.overdue and day.upcoming
