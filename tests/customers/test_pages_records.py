"""The record pages (360° view): header, key facts with custom fields and pick-list labels, the
account's contacts, the timeline (changes, group pills, paging, reload hook), registered panels,
field history, delete, and a flat number of queries."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from guanxi.core import registry, timeline
from guanxi.core.models import AuditEvent, Membership
from guanxi.customers.models import Account
from guanxi.customers.services.accounts import account_create, account_update
from guanxi.customers.services.contacts import contact_create
from guanxi.customers.services.definitions import custom_field_create, picklist_save
from tests.factories import make_member
from tests.helpers import assert_max_queries

pytestmark = pytest.mark.django_db


def signed_in(member: Membership) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


def text(response) -> str:
    """What a sighted reader sees: the page without tags and screen-reader-only words."""
    assert response.status_code == 200, response.content.decode()[:2000]
    html = re.sub(r'<span class="visually-hidden">[^<]*</span>', "", response.content.decode())
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_account_page_shows_header_facts_custom_fields_and_contacts(admin):
    custom_field_create(
        actor=admin,
        data={
            "object_type": "accounts",
            "label": "Region",
            "field_type": "single_select",
            "options": [{"value": "n", "label": "华北"}],
        },
    )
    account = account_create(
        actor=admin,
        data={
            "name": "Acme 有限公司",
            "level": "A",
            "stage": "customer",
            "industry": "it",
            "website": "acme.example",
            "tags": ["VIP"],
            "custom": {"region": "n"},
        },
    )
    contact_create(actor=admin, data={"name": "张伟", "account_id": account.pk, "title": "CEO"})
    response = signed_in(admin).get(f"/accounts/{account.pk}/")
    page = text(response)
    html = response.content.decode()

    assert "Acme 有限公司" in page
    assert "A (key account)" in page and "Customer" in page and "IT and software" in page
    assert "华北" in page and "VIP" in page
    assert 'href="https://acme.example"' in html
    assert "张伟" in page and "CEO" in page
    assert f'href="/contacts/new/?account={account.pk}"' in html
    assert 'data-hotkey="e"' in html


def test_renamed_pick_list_option_shows_its_new_label(admin):
    account = account_create(actor=admin, data={"name": "Acme", "level": "A"})
    picklist_save(
        actor=admin,
        list_key="account_level",
        options=[{"value": "A", "label": "战略客户"}, {"value": "B", "label": "B"}],
    )
    assert "战略客户" in text(signed_in(admin).get(f"/accounts/{account.pk}/"))


def test_contact_page_links_its_account(admin):
    account = account_create(actor=admin, data={"name": "Parent"})
    contact = contact_create(
        actor=admin,
        data={"name": "Li Lei", "account_id": account.pk, "email_consent": "granted"},
    )
    response = signed_in(admin).get(f"/contacts/{contact.pk}/")
    assert f'href="/accounts/{account.pk}/"' in response.content.decode()
    assert "Granted" in text(response)


def test_hidden_fields_are_absent_from_the_record_page(workspace):
    owner = make_member(workspace, "owner")
    viewer = make_member(
        workspace, "admin", hidden_fields={"accounts": ["phone", "custom", "level"]}
    )
    custom_field_create(
        actor=owner, data={"object_type": "accounts", "label": "Secret", "field_type": "text"}
    )
    account = account_create(
        actor=owner,
        data={"name": "Acme", "phone": "13912345678", "level": "A", "custom": {"secret": "s3"}},
    )
    account_update(actor=owner, account=account, data={"phone": "13800000000"}, version=1)
    page = text(signed_in(viewer).get(f"/accounts/{account.pk}/"))
    assert "13912345678" not in page and "+8613800000000" not in page
    assert "Secret" not in page and "s3" not in page
    assert "A (key account)" not in page


def test_timeline_shows_changes_with_labels_and_reloads_on_its_event(admin):
    rep = make_member(admin.workspace, "sales_rep")
    account = account_create(actor=admin, data={"name": "Acme", "level": "A"})
    account_update(
        actor=admin,
        account=account,
        data={"level": "B", "owner_id": rep.user_id},
        version=account.version,
    )
    response = signed_in(admin).get(f"/accounts/{account.pk}/")
    html = response.content.decode()
    page = text(response)

    assert "Customer level: A (key account) → B (regular)" in page
    assert f"Owner: {admin.user.name} → {rep.user.name}" in page
    assert 'hx-trigger="timeline-changed from:body"' in html
    assert f'hx-get="/accounts/{account.pk}/timeline/"' in html
    assert html.count('data-testid="timeline-entry"') == 2


def test_timeline_group_filter_and_load_more(admin):
    account = account_create(actor=admin, data={"name": "Acme"})
    for index in range(25):
        timeline.add(
            workspace_id=admin.workspace_id,
            subjects=[("accounts", account.pk)],
            kind="record.updated",
            actor=admin,
            title=f"Change {index}",
        )
    client = signed_in(admin)
    first = client.get(f"/accounts/{account.pk}/timeline/", {"group": "changes"})
    html = first.content.decode()
    assert "<html" not in html
    assert html.count('data-testid="timeline-entry"') == 20
    more = re.search(r'data-testid="timeline-more"\s+hx-get="([^"]+)"', html)
    assert more, html[-1500:]
    rest = client.get(more.group(1).replace("&amp;", "&"), HTTP_HX_REQUEST="true")
    assert rest.content.decode().count('data-testid="timeline-entry"') == 6

    unknown_group = group_only = client.get(
        f"/accounts/{account.pk}/timeline/", {"group": "nonsense"}
    )
    assert unknown_group.status_code == 200
    assert group_only.content.decode().count('data-testid="timeline-entry"') == 20


def test_registered_panels_are_rendered_with_their_context(admin, settings, tmp_path):
    template_dir = tmp_path / "templates"
    (template_dir / "testpanel").mkdir(parents=True)
    (template_dir / "testpanel" / "panel.html").write_text(
        '<div data-testid="test-panel">Panel for {{ name }}</div>'
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [str(template_dir)]},
    ]
    shown = registry.RecordPanel(
        object_type="accounts",
        key="zz_test_shown",
        template="testpanel/panel.html",
        context=lambda member, record: {"name": record.name},
        column="side",
    )
    skipped = registry.RecordPanel(
        object_type="accounts",
        key="zz_test_skipped",
        template="testpanel/missing.html",
        context=lambda member, record: None,
        column="main",
    )
    registry.register_record_panel(shown)
    registry.register_record_panel(skipped)
    try:
        account = account_create(actor=admin, data={"name": "Panelled"})
        html = signed_in(admin).get(f"/accounts/{account.pk}/").content.decode()
    finally:
        registry._record_panels.remove(shown)
        registry._record_panels.remove(skipped)
    assert '<div data-testid="test-panel">Panel for Panelled</div>' in html


def test_history_lists_audit_events_newest_first_without_hidden_fields(workspace):
    owner = make_member(workspace, "owner")
    viewer = make_member(workspace, "admin", hidden_fields={"accounts": ["phone"]})
    account = account_create(actor=owner, data={"name": "Acme", "phone": "13912345678"})
    account_update(
        actor=owner,
        account=account,
        data={"name": "Acme Group", "phone": "13800000000"},
        version=account.version,
    )
    response = signed_in(viewer).get(f"/accounts/{account.pk}/history/", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    page = text(response)

    assert "<html" not in html
    actions = re.findall(r'data-testid="history-event" data-action="([^"]+)"', html)
    assert actions == ["account.update", "account.create"]
    assert "Name: Acme → Acme Group" in page
    assert "13912345678" not in page and "13800000000" not in page and "Phone" not in page
    assert owner.user.name in page


def test_history_of_another_record_type_or_workspace_is_404(admin, other_workspace):
    stranger = make_member(other_workspace, "admin")
    theirs = account_create(actor=stranger, data={"name": "Theirs"})
    assert signed_in(admin).get(f"/accounts/{theirs.pk}/history/").status_code == 404
    assert signed_in(admin).get(f"/accounts/{theirs.pk}/timeline/").status_code == 404


def test_sales_rep_cannot_open_a_colleagues_record(workspace):
    rep = make_member(workspace, "sales_rep")
    colleague = make_member(workspace, "sales_rep")
    theirs = account_create(actor=colleague, data={"name": "Theirs"})
    assert signed_in(rep).get(f"/accounts/{theirs.pk}/").status_code == 404


def test_delete_moves_to_the_recycle_bin_with_an_audit_row(admin):
    account = account_create(actor=admin, data={"name": "Doomed"})
    client = signed_in(admin)

    response = client.post(f"/accounts/{account.pk}/delete/")

    assert response.status_code == 302 and response["Location"] == "/accounts/"
    account.refresh_from_db()
    assert account.deleted_at is not None and account.deleted_by_id == admin.user_id
    assert AuditEvent.objects.filter(action="account.delete", object_id=str(account.pk)).exists()
    assert client.get(f"/accounts/{account.pk}/").status_code == 404


def test_delete_needs_the_permission(workspace):
    rep = make_member(workspace, "sales_rep")
    account = account_create(actor=rep, data={"name": "Mine"})
    html = signed_in(rep).get(f"/accounts/{account.pk}/").content.decode()
    assert 'data-testid="delete-record"' not in html
    assert signed_in(rep).post(f"/accounts/{account.pk}/delete/").status_code == 403
    account.refresh_from_db()
    assert account.deleted_at is None


def test_record_page_queries_stay_flat(admin):
    custom_field_create(
        actor=admin, data={"object_type": "accounts", "label": "Region", "field_type": "text"}
    )
    rep = make_member(admin.workspace, "sales_rep")
    account = account_create(actor=admin, data={"name": "Busy", "tags": ["VIP"]})

    counter = iter(range(1000))

    def add_activity(count: int) -> None:
        for _ in range(count):
            index = next(counter)
            contact_create(actor=admin, data={"name": f"Person {index}", "account_id": account.pk})
            account_update(
                actor=admin,
                account=Account.objects.get(pk=account.pk),
                data={
                    "level": "AB"[index % 2],
                    "custom": {"region": f"R{index}"},
                    "owner_id": [admin.user_id, rep.user_id][index % 2],
                },
                version=None,
            )

    add_activity(2)
    client = signed_in(admin)
    client.get(f"/accounts/{account.pk}/")
    with assert_max_queries(30) as few:
        assert client.get(f"/accounts/{account.pk}/").status_code == 200
    add_activity(13)
    with assert_max_queries(30) as many:
        assert client.get(f"/accounts/{account.pk}/").status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)


def test_contact_page_queries_stay_flat(admin):
    account = account_create(actor=admin, data={"name": "Parent"})
    contact = contact_create(actor=admin, data={"name": "Li", "account_id": account.pk})
    client = signed_in(admin)
    client.get(f"/contacts/{contact.pk}/")
    with assert_max_queries(30):
        assert client.get(f"/contacts/{contact.pk}/").status_code == 200


def test_history_is_audited_per_record_only(admin):
    one = account_create(actor=admin, data={"name": "One"})
    account_create(actor=admin, data={"name": "Two"})
    html = signed_in(admin).get(f"/accounts/{one.pk}/history/").content.decode()
    assert html.count('data-testid="history-event"') == 1
    assert AuditEvent.objects.filter(object_type="accounts").count() == 2


def test_phones_are_shown_as_people_write_them_and_dialled_as_stored(admin):
    # Given a contact with a Chinese mobile, a Beijing landline and a US number
    contact = contact_create(
        actor=admin,
        data={
            "name": "张伟",
            "mobile": "13812345678",
            "phone": "010-62345678",
            "other_phones": "+1 415 555 2671",
        },
    )
    client = signed_in(admin)

    page = client.get(f"/contacts/{contact.pk}/").content.decode()
    listing = client.get("/contacts/?col=name&col=mobile&col=other_phones").content.decode()

    # Then the workspace's own numbers read nationally, foreign ones internationally, and the
    # links dial the stored E.164 number
    assert '<a href="tel:+8613812345678">138 1234 5678</a>' in page
    assert '<a href="tel:+861062345678">010 6234 5678</a>' in page
    assert '<a href="tel:+14155552671">+1 415-555-2671</a>' in page
    assert "138 1234 5678" in listing and "+1 415-555-2671" in listing


def test_a_missing_record_answers_a_404_page_in_the_members_language(admin):
    client = signed_in(admin)

    english = client.get("/accounts/999999/", HTTP_ACCEPT_LANGUAGE="en")
    admin.user.locale = "zh-hans"
    admin.user.save(update_fields=["locale"])
    chinese = client.get("/contacts/999999/")

    assert english.status_code == 404 and chinese.status_code == 404
    assert 'data-testid="not-found"' in english.content.decode()
    assert "Go to the overview" in english.content.decode()
    assert "返回概览" in chinese.content.decode()


def test_the_account_pages_contacts_show_their_mobile_as_people_write_it(admin):
    account = account_create(actor=admin, data={"name": "云帆科技"})
    contact_create(
        actor=admin, data={"name": "张伟", "mobile": "13812345678", "account_id": account.pk}
    )

    page = signed_in(admin).get(f"/accounts/{account.pk}/").content.decode()

    assert "138 1234 5678" in page and "+8613812345678" not in page
