"""In-app notifications: the bell's count, the list, opening one, marking all read."""

from __future__ import annotations

import pytest

from guanxi.core.models import Notification
from guanxi.core.notifications import notify
from tests.factories import make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, admin):
    client.force_login(admin.user)
    return client


def test_bell_shows_the_unread_count(signed_in, admin, other_workspace):
    notify(workspace_id=admin.workspace_id, user_id=admin.user_id, kind="x", title="One")
    notify(workspace_id=admin.workspace_id, user_id=admin.user_id, kind="x", title="Two")
    other = make_member(other_workspace, "admin", user=admin.user)
    notify(workspace_id=other.workspace_id, user_id=admin.user_id, kind="x", title="Elsewhere")

    html = signed_in.get("/notifications/").content.decode()

    assert 'data-testid="notification-count">2<' in html
    assert "One" in html and "Two" in html and "Elsewhere" not in html


def test_opening_marks_read_and_follows_only_local_links(signed_in, admin):
    local = notify(
        workspace_id=admin.workspace_id,
        user_id=admin.user_id,
        kind="x",
        title="L",
        url="/accounts/",
    )
    evil = notify(
        workspace_id=admin.workspace_id,
        user_id=admin.user_id,
        kind="x",
        title="E",
        url="//evil.example/",
    )

    first = signed_in.post(f"/notifications/{local.pk}/open/")
    second = signed_in.post(f"/notifications/{evil.pk}/open/")

    assert first["Location"] == "/accounts/"
    assert second["Location"] == "/notifications/"
    assert Notification.objects.filter(read_at__isnull=True).count() == 0


def test_someone_elses_notification_cannot_be_opened(signed_in, workspace):
    other = make_member(workspace, "sales_rep")
    theirs = notify(workspace_id=workspace.pk, user_id=other.user_id, kind="x", title="T")

    signed_in.post(f"/notifications/{theirs.pk}/open/")

    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read(signed_in, admin):
    for title in ("a", "b"):
        notify(workspace_id=admin.workspace_id, user_id=admin.user_id, kind="x", title=title)

    signed_in.post("/notifications/read-all/")

    assert Notification.objects.filter(read_at__isnull=True).count() == 0


def test_notify_once_does_not_repeat(admin):
    for _ in range(2):
        notify(
            workspace_id=admin.workspace_id,
            user_id=admin.user_id,
            kind="task.reminder",
            title="r",
            ref=("tasks", 1),
            once=True,
        )

    assert Notification.objects.count() == 1
