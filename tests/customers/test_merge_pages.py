"""The duplicates report and the merge page."""

from __future__ import annotations

import pytest

from guanxi.customers.models import Account, Contact, MergeRecord
from guanxi.customers.services.accounts import account_create
from guanxi.customers.services.contacts import contact_create
from tests.factories import make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def twins(admin):
    first = account_create(actor=admin, data={"name": "北京云帆科技有限公司", "city": "北京"})
    second = account_create(
        actor=admin,
        data={"name": "云帆科技（北京）有限公司", "phone": "010 6666 8888"},
        allow_duplicate=True,
    )
    return first, second


def test_report_lists_the_group_and_links_to_merge(client, admin, twins):
    client.force_login(admin.user)

    html = client.get("/duplicates/accounts/").content.decode()

    assert html.count('data-testid="duplicate-group"') == 1
    assert "北京云帆科技有限公司" in html and "云帆科技（北京）有限公司" in html
    assert f"/merge/accounts/?ids={twins[0].pk},{twins[1].pk}" in html


def test_report_only_covers_what_the_member_may_see(client, workspace, twins):
    rep = make_member(workspace, "sales_rep")
    client.force_login(rep.user)

    html = client.get("/duplicates/accounts/").content.decode()

    assert "云帆" not in html


def test_merge_page_keeps_the_chosen_values(client, admin, twins):
    first, second = twins
    person = contact_create(actor=admin, data={"name": "陈静", "account_id": second.pk})
    client.force_login(admin.user)
    page = client.get(f"/merge/accounts/?ids={first.pk},{second.pk}").content.decode()

    response = client.post(
        "/merge/accounts/",
        {
            "ids": f"{first.pk},{second.pk}",
            "master": first.pk,
            "field:name": second.pk,
            "field:phone": second.pk,
            "field:city": first.pk,
        },
    )

    assert 'name="field:name"' in page and 'name="field:city"' in page
    assert response.status_code == 302 and response["Location"] == f"/accounts/{first.pk}/"
    first.refresh_from_db()
    assert (first.name, first.phone, first.city) == (
        "云帆科技（北京）有限公司",
        "+861066668888",
        "北京",
    )
    assert Account.objects.get(pk=second.pk).merged_into_id == first.pk
    assert Contact.objects.get(pk=person.pk).account_id == first.pk


def test_undo_from_the_master_page(client, admin, twins):
    first, second = twins
    client.force_login(admin.user)
    client.post("/merge/accounts/", {"ids": f"{first.pk},{second.pk}", "master": first.pk})
    page = client.get(f"/accounts/{first.pk}/").content.decode()

    client.post(f"/merge/accounts/{first.pk}/undo/")

    assert 'data-testid="undo-merge"' in page
    assert Account.objects.get(pk=second.pk).deleted_at is None
    assert MergeRecord.objects.get().undone_at is not None


def test_reps_without_delete_cannot_open_the_merge_page(client, workspace):
    rep = make_member(workspace, "sales_rep")
    a = account_create(actor=rep, data={"name": "甲公司"})
    b = account_create(actor=rep, data={"name": "甲公司"}, allow_duplicate=True)
    client.force_login(rep.user)

    assert client.get(f"/merge/accounts/?ids={a.pk},{b.pk}").status_code == 403
    assert (
        client.post("/merge/accounts/", {"ids": f"{a.pk},{b.pk}", "master": a.pk}).status_code
        == 403
    )
    assert Account.objects.filter(deleted_at__isnull=True).count() == 2


def test_the_contact_merge_page_names_the_accounts_and_speaks_of_contacts(client, admin, twins):
    first, second = twins
    one = contact_create(
        actor=admin, data={"name": "陈静", "mobile": "13912345678", "account_id": first.pk}
    )
    two = contact_create(
        actor=admin,
        data={"name": "陈静", "mobile": "13912345678", "account_id": second.pk},
        allow_duplicate=True,
    )
    client.force_login(admin.user)

    page = client.get(f"/merge/contacts/?ids={one.pk},{two.pk}").content.decode()
    report = client.get("/duplicates/contacts/").content.decode()

    assert "北京云帆科技有限公司" in page and "云帆科技（北京）有限公司" in page
    assert '<span class="form-check-label">#' not in page
    assert "credit code" not in report and "share a mobile or phone number" in report
