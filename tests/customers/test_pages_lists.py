"""Account and contact list pages: search, filters, sort, columns, counts, paging, saved views,
data scope and hidden fields, and a flat number of queries."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test import Client

from guanxi.core.models import Membership
from guanxi.customers import selectors
from guanxi.customers.models import Account, SavedView, Tag
from guanxi.customers.services.accounts import account_create
from guanxi.customers.services.contacts import contact_create
from guanxi.customers.services.definitions import custom_field_create
from tests.factories import make_member
from tests.helpers import assert_list_queries

pytestmark = pytest.mark.django_db


def list_page_queries() -> int:
    """What a list page costs, whatever the number of rows (test_list_page_queries_stay_flat);
    PostgreSQL also asks its planner how long the list is."""
    return 14 if connection.vendor == "postgresql" else 13


def signed_in(member: Membership) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


def row_ids(response) -> list[int]:
    assert response.status_code == 200, response.content.decode()[:2000]
    return [
        int(pk)
        for pk in re.findall(r'data-testid="record-row" data-id="(\d+)"', response.content.decode())
    ]


def account(actor, name, **data) -> Account:
    return account_create(actor=actor, data={"name": name, **data})


def test_accounts_list_shows_the_workspace_accounts_newest_first(admin, other_workspace):
    first = account(admin, "Alpha 有限公司")
    second = account(admin, "Beta Ltd")
    stranger = make_member(other_workspace, "admin")
    account(stranger, "Other workspace Inc")

    response = signed_in(admin).get("/accounts/")

    assert row_ids(response) == [second.pk, first.pk]
    html = response.content.decode()
    assert "Other workspace Inc" not in html
    assert 'data-testid="record-count">2 accounts<' in html


def test_search_matches_name_phone_and_email(admin):
    acme = account(admin, "Acme 贸易", phone="13800138000")
    beta = account(admin, "Beta", email="hello@beta.example")
    account(admin, "Gamma")
    client = signed_in(admin)

    assert row_ids(client.get("/accounts/", {"q": "acme"})) == [acme.pk]
    assert row_ids(client.get("/accounts/", {"q": "138 0013"})) == [acme.pk]
    assert row_ids(client.get("/accounts/", {"q": "hello@"})) == [beta.pk]


def test_filters_by_level_stage_owner_tag_and_city(admin):
    rep = make_member(admin.workspace, "sales_rep")
    a = account(admin, "A-level", level="A", stage="customer", city="上海", tags=["VIP"])
    b = account(admin, "B-level", level="B", stage="customer", owner_id=rep.user_id)
    c = account(admin, "Pool", level="A", owner_id=None)
    vip = Tag.objects.get(workspace=admin.workspace, name="VIP")
    client = signed_in(admin)

    assert row_ids(client.get("/accounts/", {"level": "A"})) == [c.pk, a.pk]
    assert row_ids(client.get("/accounts/", {"level": "A", "stage": "customer"})) == [a.pk]
    assert row_ids(client.get("/accounts/", {"owner_id": "me"})) == [a.pk]
    assert row_ids(client.get("/accounts/", {"owner_id": "none"})) == [c.pk]
    assert row_ids(client.get("/accounts/", {"owner_id": str(rep.user_id)})) == [b.pk]
    assert row_ids(client.get("/accounts/", {"tag": str(vip.pk)})) == [a.pk]
    assert row_ids(client.get("/accounts/", {"city": "上海"})) == [a.pk]


def test_htmx_filter_by_tag_and_pick_list_checks_their_values(admin):
    vip = account(admin, "VIP Co", industry="it", tags=["VIP"])
    account(admin, "Plain Co", industry="it")
    tag = Tag.objects.get(workspace=admin.workspace, name="VIP")
    client = signed_in(admin)

    def fragment(**params: str):
        return client.get("/accounts/", params, HTTP_HX_REQUEST="true")

    assert row_ids(fragment(tag=str(tag.pk), industry="it")) == [vip.pk]
    # Values that are not among the choices are refused, as on the whole page.
    refused = fragment(tag="999999", industry="no-such-industry")
    errors = re.search(
        r'data-testid="filter-errors">(.*?)</div>\s*</div>', refused.content.decode(), re.S
    )
    assert errors and "Tag:" in errors.group(1) and "Industry:" in errors.group(1)


def test_created_date_range_includes_the_whole_last_day(admin):
    old = account(admin, "Old")
    new = account(admin, "New")
    Account.objects.filter(pk=old.pk).update(created_at=datetime(2026, 1, 10, 8, tzinfo=UTC))
    Account.objects.filter(pk=new.pk).update(created_at=datetime(2026, 2, 20, 15, tzinfo=UTC))
    client = signed_in(admin)

    until = client.get("/accounts/", {"created_at__lte": "2026-01-10"})
    assert row_ids(until) == [old.pk]
    since = client.get("/accounts/", {"created_at__gte": "2026-02-01"})
    assert row_ids(since) == [new.pk]


def test_custom_field_filters_and_sort(admin):
    custom_field_create(
        actor=admin, data={"object_type": "accounts", "label": "Budget", "field_type": "number"}
    )
    custom_field_create(
        actor=admin,
        data={
            "object_type": "accounts",
            "label": "Region",
            "field_type": "single_select",
            "options": ["North", "South"],
        },
    )
    small = account(admin, "Small", custom={"budget": 10, "region": "North"})
    big = account(admin, "Big", custom={"budget": 900, "region": "South"})
    none = account(admin, "None")
    client = signed_in(admin)

    assert row_ids(client.get("/accounts/", {"custom.budget__gte": "100"})) == [big.pk]
    ascending = client.get("/accounts/", {"sort": "custom.budget"})
    assert row_ids(ascending) == [none.pk, small.pk, big.pk]
    assert row_ids(client.get("/accounts/", {"sort": "-custom.budget"})) == [
        big.pk,
        small.pk,
        none.pk,
    ]


def test_custom_select_and_yes_no_filters(admin):
    custom_field_create(
        actor=admin,
        data={
            "object_type": "accounts",
            "label": "Region",
            "field_type": "single_select",
            "options": ["North", "South"],
        },
    )
    custom_field_create(
        actor=admin, data={"object_type": "accounts", "label": "Listed", "field_type": "boolean"}
    )
    north = account(admin, "Northern", custom={"region": "North", "listed": True})
    south = account(admin, "Southern", custom={"region": "South", "listed": False})
    client = signed_in(admin)

    assert row_ids(client.get("/accounts/", {"custom.region": "North"})) == [north.pk]
    assert row_ids(client.get("/accounts/", {"custom.listed": "true"})) == [north.pk]
    assert row_ids(client.get("/accounts/", {"custom.listed": "false"})) == [south.pk]


def test_bad_filter_value_names_the_filter_and_lists_nothing(admin):
    custom_field_create(
        actor=admin, data={"object_type": "accounts", "label": "Budget", "field_type": "number"}
    )
    account(admin, "Any")
    response = signed_in(admin).get("/accounts/", {"custom.budget__gte": "lots"})

    assert row_ids(response) == []
    assert 'data-testid="filter-errors"' in response.content.decode()
    assert "Enter a number." in response.content.decode()


def test_sort_by_name_both_ways_and_unknown_sort_falls_back(admin):
    b = account(admin, "Bravo")
    a = account(admin, "Alpha")
    c = account(admin, "Charlie")
    client = signed_in(admin)

    assert row_ids(client.get("/accounts/", {"sort": "name"})) == [a.pk, b.pk, c.pk]
    assert row_ids(client.get("/accounts/", {"sort": "-name"})) == [c.pk, b.pk, a.pk]
    assert row_ids(client.get("/accounts/", {"sort": "password"})) == [c.pk, a.pk, b.pk]


def test_sort_header_links_toggle_direction_and_keep_filters(admin):
    account(admin, "Alpha", level="A")
    html = signed_in(admin).get("/accounts/", {"level": "A", "sort": "name"}).content.decode()
    link = re.search(r'href="\?([^"]*)"[^>]*data-testid="sort-name"', html)
    assert link
    query = link.group(1).replace("&amp;", "&")
    assert "sort=-name" in query and "level=A" in query


def test_sales_rep_sees_only_own_accounts_and_contacts(workspace):
    rep = make_member(workspace, "sales_rep")
    colleague = make_member(workspace, "sales_rep")
    mine = account(rep, "Mine")
    account(colleague, "Theirs")
    my_contact = contact_create(actor=rep, data={"name": "我的联系人"})
    contact_create(actor=colleague, data={"name": "别人的联系人"})
    client = signed_in(rep)

    assert row_ids(client.get("/accounts/")) == [mine.pk]
    assert row_ids(client.get("/contacts/")) == [my_contact.pk]
    assert "别人的联系人" not in client.get("/contacts/").content.decode()


def test_hidden_fields_are_neither_columns_nor_filters(workspace):
    viewer = make_member(
        workspace,
        "admin",
        hidden_fields={"accounts": ["phone", "level", "custom", "owner"]},
    )
    owner = make_member(workspace, "owner")
    custom_field_create(
        actor=owner,
        data={"object_type": "accounts", "label": "Secret budget", "field_type": "number"},
    )
    account(owner, "Visible Co", phone="13912345678", level="A", custom={"secret_budget": 77})
    client = signed_in(viewer)
    response = client.get("/accounts/", {"col": ["name", "phone", "level", "owner"]})
    html = response.content.decode()

    assert "Visible Co" in html
    assert "13912345678" not in html and "139 1234 5678" not in html
    assert "Secret budget" not in html
    assert 'name="level"' not in html and 'name="owner_id"' not in html
    assert 'data-column="phone"' not in html and 'data-column="level"' not in html
    # Filtering on a hidden field through the URL is refused, not applied.
    refused = client.get("/accounts/", {"level": "A"})
    assert row_ids(refused) == row_ids(client.get("/accounts/"))


def test_column_choice_is_remembered_in_the_session(admin):
    custom_field_create(
        actor=admin, data={"object_type": "accounts", "label": "Region", "field_type": "text"}
    )
    account(admin, "Acme", phone="13800138000", custom={"region": "华东"})
    client = signed_in(admin)

    chosen = client.get("/accounts/", {"col": ["name", "phone", "custom.region"]})
    html = chosen.content.decode()
    assert 'data-column="phone"' in html and 'data-column="custom.region"' in html
    assert 'data-column="level"' not in html
    assert "华东" in html

    later = client.get("/accounts/").content.decode()
    assert 'data-column="custom.region"' in later and 'data-column="level"' not in later


def test_count_says_plus_beyond_the_cap(admin, monkeypatch):
    for index in range(4):
        account(admin, f"Co {index}")
    original = selectors.capped_count
    monkeypatch.setattr(selectors, "capped_count", lambda queryset: original(queryset, cap=3))

    html = signed_in(admin).get("/accounts/").content.decode()

    assert 'data-testid="record-count">3+ accounts<' in html


def test_a_long_list_is_counted_by_a_second_request(admin, other_workspace, monkeypatch):
    for index in range(3):
        account(admin, f"A {index}", level="A")
    account(admin, "B", level="B")
    account(make_member(other_workspace, "admin"), "Elsewhere", level="A")
    # The planner expects a long list: the page does not wait for the count.
    monkeypatch.setattr(selectors, "estimated_count", lambda queryset: 50_000)
    client = signed_in(admin)

    html = client.get("/accounts/", {"level": "A"}).content.decode()

    assert 'data-testid="record-count" hx-get="/accounts/count/?level=A" hx-trigger="load"' in html
    assert "Counting…" in html and "3 accounts" not in html
    # The count says what the page would have said, for the same filters and data scope.
    assert client.get("/accounts/count/", {"level": "A"}).content.decode() == "3 accounts"


def test_the_count_request_gives_the_estimate_past_the_cap(admin, monkeypatch):
    for index in range(4):
        account(admin, f"Co {index}")
    original = selectors.capped_count
    monkeypatch.setattr(selectors, "capped_count", lambda queryset: original(queryset, cap=3))
    monkeypatch.setattr(selectors, "estimated_count", lambda queryset: 12_345)

    answer = signed_in(admin).get("/accounts/count/")

    assert answer.content.decode() == "about 12,345 accounts"


def test_the_count_request_needs_view_permission(workspace):
    nobody = make_member(workspace, "", permissions={})
    assert signed_in(nobody).get("/accounts/count/").status_code == 403
    assert Client().get("/contacts/count/").status_code == 302


def test_load_more_returns_the_next_rows_with_the_same_filters(admin):
    created = [account(admin, f"Co {index:02d}", level="A") for index in range(55)]
    account(admin, "Other level", level="B")
    client = signed_in(admin)
    first = client.get("/accounts/", {"level": "A"})
    assert len(row_ids(first)) == 50
    link = re.search(r'hx-get="([^"]+)"[^>]*hx-target="closest tr"', first.content.decode())
    assert link
    url = "/accounts/" + link.group(1).replace("&amp;", "&")
    assert "level=A" in url and "cursor=" in url

    more = client.get(url, HTTP_HX_REQUEST="true")

    assert row_ids(more) == [a.pk for a in reversed(created[:5])]
    assert "<html" not in more.content.decode()


def test_htmx_filter_answers_with_the_list_and_the_new_sort(admin):
    account(admin, "Alpha")
    response = signed_in(admin).get("/accounts/", {"sort": "name"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="record-list"' in html
    assert 'hx-swap-oob="true"' in html and 'value="name"' in html


def test_list_page_queries_stay_flat(admin):
    custom_field_create(
        actor=admin, data={"object_type": "accounts", "label": "Region", "field_type": "text"}
    )
    client = signed_in(admin)
    client.get("/accounts/", {"col": ["name", "owner", "tags", "level", "custom.region"]})
    counter = iter(range(1000))

    def add_rows(count: int) -> None:
        for _ in range(count):
            account(admin, f"Co {next(counter)}", tags=["VIP", "新客户"], level="A")

    def fetch() -> None:
        assert client.get("/accounts/").status_code == 200

    # Session, user, membership; tags, members, pick lists (one query for all of them), custom
    # fields; the page and its tags; the count; saved views; the shell's workspaces and bell.
    assert_list_queries(fetch, add_rows, limit=list_page_queries())


def test_contact_list_queries_stay_flat(admin):
    client = signed_in(admin)
    client.get("/contacts/", {"col": ["name", "account", "owner", "tags"]})
    company = account(admin, "Parent")
    counter = iter(range(1000))

    def add_rows(count: int) -> None:
        for _ in range(count):
            contact_create(
                actor=admin,
                data={"name": f"Person {next(counter)}", "account_id": company.pk, "tags": ["A"]},
            )

    def fetch() -> None:
        assert client.get("/contacts/").status_code == 200

    assert_list_queries(fetch, add_rows, limit=list_page_queries())


def test_htmx_list_fragment_and_load_more_queries_stay_flat(admin):
    client = signed_in(admin)
    client.get("/contacts/", {"col": ["name", "account", "owner", "tags"]})
    company = account(admin, "Parent")
    counter = iter(range(1000))

    def add_rows(count: int) -> None:
        for _ in range(count):
            contact_create(
                actor=admin,
                data={"name": f"Person {next(counter)}", "account_id": company.pk, "tags": ["A"]},
            )

    def fetch_fragment() -> None:
        response = client.get("/contacts/", {"sort": "name"}, HTTP_HX_REQUEST="true")
        assert response.status_code == 200 and 'id="record-list"' in response.content.decode()

    # The fragment leaves out the title bar, the filter bar and the shell: no saved views, tags,
    # pick lists, workspaces or bell.
    assert_list_queries(fetch_fragment, add_rows, limit=list_page_queries() - 5)

    add_rows(40)  # more than a page
    first = client.get("/contacts/", {"sort": "name"}).content.decode()
    link = re.search(r'hx-get="([^"]+)"[^>]*hx-target="closest tr"', first)
    assert link
    more_url = "/contacts/" + link.group(1).replace("&amp;", "&")

    def fetch_more() -> None:
        response = client.get(more_url, HTTP_HX_REQUEST="true")
        assert response.status_code == 200 and row_ids(response)

    # The next rows only: no count either.
    assert_list_queries(fetch_more, add_rows, limit=list_page_queries() - 6)


def test_list_needs_view_permission(workspace):
    nobody = make_member(workspace, "", permissions={})
    assert signed_in(nobody).get("/accounts/").status_code == 403
    assert Client().get("/accounts/").status_code == 302


# --- Saved views --------------------------------------------------------------------------------


def test_save_a_view_and_open_it_with_its_filters_and_columns(admin):
    a = account(admin, "Alpha", level="A")
    account(admin, "Beta", level="B")
    client = signed_in(admin)

    response = client.post(
        "/accounts/views/",
        {"name": "A accounts", "query": "level=A&sort=name&q=", "is_shared": "on"},
    )

    view = SavedView.objects.get(workspace=admin.workspace, name="A accounts")
    assert view.is_shared and view.owner_id == admin.user_id
    assert view.query["filters"] == {"level": "A"}
    assert view.query["sort"] == "name"
    assert "name" in view.query["columns"]
    assert response.status_code == 302
    opened = client.get(response["Location"])
    assert row_ids(opened) == [a.pk]
    assert "A accounts" in opened.content.decode()


def test_shared_view_is_listed_for_others_but_only_its_owner_changes_it(admin):
    colleague = make_member(admin.workspace, "sales_manager")
    client = signed_in(admin)
    client.post("/accounts/views/", {"name": "Shared", "query": "level=A", "is_shared": "on"})
    client.post("/accounts/views/", {"name": "Private", "query": "level=B"})
    shared = SavedView.objects.get(name="Shared")
    other = signed_in(colleague)

    html = other.get("/accounts/").content.decode()
    assert "Shared" in html and "Private" not in html

    other.post(f"/accounts/views/{shared.pk}/", {"name": "Hijacked", "query": ""})
    other.post(f"/accounts/views/{shared.pk}/delete/")
    shared.refresh_from_db()
    assert shared.name == "Shared"

    client.post(f"/accounts/views/{shared.pk}/", {"name": "Renamed", "query": "level=B"})
    shared.refresh_from_db()
    assert (shared.name, shared.query["filters"], shared.is_shared) == (
        "Renamed",
        {"level": "B"},
        False,
    )
    client.post(f"/accounts/views/{shared.pk}/delete/")
    assert not SavedView.objects.filter(pk=shared.pk).exists()


def test_date_filters_round_trip_through_a_saved_view(admin):
    client = signed_in(admin)
    response = client.post(
        "/accounts/views/", {"name": "Jan", "query": "created_at__lte=2026-01-31"}
    )
    view = SavedView.objects.get(name="Jan")
    assert view.query["filters"] == {"created_at__lte": "2026-01-31T23:59:59.999999"}
    assert "created_at__lte=2026-01-31&" in response["Location"] + "&"


def test_a_damaged_cursor_starts_again_from_the_first_page(admin):
    first = account(admin, "Only")
    assert row_ids(signed_in(admin).get("/accounts/", {"cursor": "not-a-cursor"})) == [first.pk]
