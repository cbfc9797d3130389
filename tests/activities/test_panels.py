"""The quick log and open tasks panels on account and contact pages, and their endpoints."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.utils import timezone

from guanxi.activities.models import Activity, Task
from guanxi.activities.panels import open_tasks_context, quick_log_context
from guanxi.activities.services.tasks import task_create
from guanxi.core.models import Membership
from guanxi.core.registry import record_panels
from guanxi.customers.services.accounts import account_create
from guanxi.customers.services.contacts import contact_create
from tests.factories import make_member

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def signed_in(member: Membership) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


def test_panels_are_registered_for_accounts_and_contacts():
    for object_type in ("accounts", "contacts"):
        main = [(p.key, p.order) for p in record_panels(object_type, "main")]
        side = [p.key for p in record_panels(object_type, "side")]
        assert ("quick_log", 10) in main
        assert "open_tasks" in side


def test_quick_log_panel_renders_type_pills_and_its_script(rep, account):
    request = RequestFactory().get(f"/accounts/{account.pk}/")
    request.user = rep.user

    html = render_to_string(
        "activities/panels/quick_log.html", quick_log_context(rep, account), request=request
    )

    assert html.count('class="btn-check"') == 7
    assert 'value="call" autocomplete="off" checked' in html
    assert f'hx-post="/activities/log/accounts/{account.pk}/"' in html
    assert "data-ctrl-enter" in html
    assert "/static/activities/activities.js" in html
    assert "onclick" not in html and "<script>" not in html


def test_panels_hide_themselves_without_permission(workspace, account):
    viewer = make_member(workspace, "", permissions={"accounts": ["view"]}, data_scope="all")

    assert quick_log_context(viewer, account) is None
    assert open_tasks_context(viewer, account) is None


def test_read_only_member_sees_open_tasks_but_no_add_form(workspace, account):
    viewer = make_member(workspace, "read_only")

    context = open_tasks_context(viewer, account)

    assert context is not None
    assert context["form"] is None
    assert context["can_edit"] is False


def test_quick_log_through_htmx_logs_and_asks_for_the_timeline(rep, account):
    response = signed_in(rep).post(
        f"/activities/log/accounts/{account.pk}/",
        {"type": "note", "body": "客户下周二来访"},
        **HTMX,
    )

    assert response.status_code == 200
    assert response["HX-Trigger"] == "timeline-changed"
    assert "Note logged." in response.content.decode()
    activity = Activity.objects.get()
    assert (activity.type, activity.account_id, activity.body_text) == (
        "note",
        account.pk,
        "客户下周二来访",
    )
    account.refresh_from_db()
    assert account.last_followed_at == activity.occurred_at


def test_quick_log_refreshes_the_pages_last_follow_up_out_of_band(rep, account):
    # Given an account page that says "Never" under Last follow-up
    client = signed_in(rep)
    page = client.get(f"/accounts/{account.pk}/").content.decode()
    assert 'id="gx-last-followed" data-testid="record-last-followed">' in page

    # When a call is logged from its quick log box
    response = client.post(
        f"/activities/log/accounts/{account.pk}/", {"type": "call", "body": "聊了报价"}, **HTMX
    )

    # Then the answer also replaces that fact, with the call's time
    html = response.content.decode()
    account.refresh_from_db()
    assert 'id="gx-last-followed" data-testid="record-last-followed" hx-swap-oob="true">' in html
    shown = timezone.localtime(account.last_followed_at).isoformat()
    assert f'datetime="{shown}"' in html


def test_quick_log_leaves_out_the_last_follow_up_a_role_hides(workspace, account):
    hidden = make_member(workspace, "admin", hidden_fields={"accounts": ["last_followed_at"]})

    response = signed_in(hidden).post(
        f"/activities/log/accounts/{account.pk}/", {"type": "note", "body": "x"}, **HTMX
    )

    assert response.status_code == 200
    assert "gx-last-followed" not in response.content.decode()


def test_quick_log_on_an_account_can_name_one_of_its_contacts(rep, account, contact):
    client = signed_in(rep)
    panel = client.get(f"/activities/log/accounts/{account.pk}/", **HTMX)
    assert f'<option value="{contact.pk}">张伟</option>' in panel.content.decode()

    client.post(
        f"/activities/log/accounts/{account.pk}/",
        {"type": "call", "contact": contact.pk},
        **HTMX,
    )

    assert Activity.objects.get().contact_id == contact.pk


def test_quick_log_with_errors_answers_422_with_the_form_and_logs_nothing(rep, lone_contact):
    response = signed_in(rep).post(
        f"/activities/log/contacts/{lone_contact.pk}/", {"type": "note", "body": ""}, **HTMX
    )

    assert response.status_code == 422
    assert "HX-Trigger" not in response
    assert "Write the note." in response.content.decode()
    assert not Activity.objects.exists()


def test_quick_log_without_htmx_redirects_back(rep, lone_contact):
    response = signed_in(rep).post(
        f"/activities/log/contacts/{lone_contact.pk}/",
        {"type": "call", "next": "/my-day/?from=contact"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/my-day/?from=contact"
    assert Activity.objects.get().contact_id == lone_contact.pk


def test_quick_log_ignores_an_outside_next(rep, lone_contact):
    response = signed_in(rep).post(
        f"/activities/log/contacts/{lone_contact.pk}/",
        {"type": "call", "next": "https://evil.example/"},
    )

    assert not response["Location"].startswith("https://evil.example")


def test_quick_log_on_another_workspaces_account_is_404(rep, other_workspace):
    theirs = account_create(actor=make_member(other_workspace, "owner"), data={"name": "X"})

    response = signed_in(rep).post(
        f"/activities/log/accounts/{theirs.pk}/", {"type": "call"}, **HTMX
    )

    assert response.status_code == 404
    assert not Activity.objects.exists()


def test_quick_log_on_a_customer_outside_ones_scope_is_404(workspace, rep):
    someone_elses = contact_create(actor=make_member(workspace, "sales_rep"), data={"name": "赵六"})

    response = signed_in(rep).post(
        f"/activities/log/contacts/{someone_elses.pk}/", {"type": "call"}, **HTMX
    )

    assert response.status_code == 404


def test_quick_log_refused_to_read_only(workspace, account):
    response = signed_in(make_member(workspace, "read_only")).post(
        f"/activities/log/accounts/{account.pk}/", {"type": "call"}, **HTMX
    )

    assert response.status_code == 403
    assert not Activity.objects.exists()


def test_add_task_from_the_panel(rep, contact):
    response = signed_in(rep).post(
        f"/tasks/for/contacts/{contact.pk}/",
        {"title": "发合同", "due_at": "2025-03-12T10:00", "kind": "follow_up"},
        **HTMX,
    )

    assert response.status_code == 200
    assert response["HX-Trigger"] == "timeline-changed"
    assert "发合同" in response.content.decode()
    task = Task.objects.get()
    assert (task.contact_id, task.account_id, task.kind) == (
        contact.pk,
        contact.account_id,
        "follow_up",
    )
    # 10:00 typed in Shanghai (the workspace's zone) is 02:00 UTC.
    assert task.due_at.isoformat() == "2025-03-12T02:00:00+00:00"


def test_add_task_without_a_title_answers_422(rep, contact):
    response = signed_in(rep).post(
        f"/tasks/for/contacts/{contact.pk}/", {"title": "", "due_at": "2025-03-12T10:00"}, **HTMX
    )

    assert response.status_code == 422
    assert not Task.objects.exists()


def test_done_from_the_panel_completes_and_rerenders(rep, account):
    task = task_create(
        actor=rep, data={"title": "回电话", "due_at": timezone.now(), "account_id": account.pk}
    )

    response = signed_in(rep).post(
        f"/tasks/{task.pk}/complete/",
        {"render": "panel", "subject_type": "accounts", "subject_id": account.pk},
        **HTMX,
    )

    assert response.status_code == 200
    assert response["HX-Trigger"] == "timeline-changed"
    assert "回电话" not in response.content.decode()
    assert 'data-testid="no-open-tasks"' in response.content.decode()
    task.refresh_from_db()
    assert task.status == "done"


def test_open_tasks_panel_lists_the_soonest_first_and_counts_the_rest(rep, account):
    now = timezone.now()
    for i in range(12):
        task_create(
            actor=rep,
            data={
                "title": f"任务{i:02}",
                "due_at": now + timedelta(hours=i),
                "account_id": account.pk,
            },
        )

    context = open_tasks_context(rep, account)

    assert [t.title for t in context["tasks"]][:2] == ["任务00", "任务01"]
    assert (len(context["tasks"]), context["total"], context["more"]) == (10, 12, 2)
