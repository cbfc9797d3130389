"""Exports: spreadsheet-safe cells, data scope, hidden fields, the list's state, audit, memory."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from guanxi.core.models import AuditEvent
from guanxi.customers.listing import ListQuery
from guanxi.customers.models import Contact, CustomField, Tag
from guanxi.customers.services.accounts import account_create
from guanxi.customers.services.contacts import contact_create
from guanxi.dataio.cells import safe
from guanxi.dataio.services.exports import csv_write, export_prepare
from tests.factories import TEST_PASSWORD, TeamFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db


def export_csv(actor, object_type="contacts", columns=None, **query) -> list[list[str]]:
    export = export_prepare(
        actor=actor,
        object_type=object_type,
        query=ListQuery(**query),
        columns=columns,
    )
    buffer = io.StringIO()
    csv_write(export, buffer)
    text = buffer.getvalue()
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+8613812345678", "'+8613812345678"),
        ("-5", "'-5"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=cmd", "'\t=cmd"),
        ("\r=cmd", "'\r=cmd"),
        ('  =HYPERLINK("http://evil")', '\'  =HYPERLINK("http://evil")'),
        ("\u3000=1+1", "'\u3000=1+1"),
        ("\x00\x01=cmd|' /C calc'!A0", "'\x00\x01=cmd|' /C calc'!A0"),
        (" plain", " plain"),
        ("a=b", "a=b"),
        ("张三", "张三"),
        ("", ""),
        (None, ""),
        (42, "42"),
    ],
)
def test_cells_are_neutralized_also_after_leading_spaces_and_control_characters(value, expected):
    assert safe(value) == expected


def test_exported_csv_neutralizes_formulas_in_every_column(owner, workspace):
    CustomField.objects.create(
        workspace=workspace, object_type="contacts", key="note", label="Note", field_type="text"
    )
    contact_create(
        actor=owner,
        data={
            "name": '=HYPERLINK("http://evil","x")',
            "title": " @SUM(1)",
            "description": "\t-2+3",
            "tags": ["+tag"],
            "custom": {"note": "=1"},
        },
    )

    rows = export_csv(owner, columns=["title", "description", "tags", "custom.note"])

    assert rows[1] == ['\'=HYPERLINK("http://evil","x")', "'@SUM(1)", "'-2+3", "'+tag", "'=1"]


def test_export_respects_the_data_scope(workspace):
    team = TeamFactory(workspace=workspace)
    mine = make_member(
        workspace,
        "sales_rep",
        team=team,
        permissions={"contacts": ["view", "create", "export"]},
        data_scope="own",
    )
    colleague = make_member(workspace, "sales_rep", team=team)
    contact_create(actor=mine, data={"name": "Mine"})
    contact_create(actor=colleague, data={"name": "Theirs"})
    manager = make_member(workspace, "sales_manager", team=team)

    assert [r[0] for r in export_csv(mine)[1:]] == ["Mine"]
    assert sorted(r[0] for r in export_csv(manager)[1:]) == ["Mine", "Theirs"]


def test_hidden_fields_never_appear_even_when_asked_for(workspace, owner):
    CustomField.objects.create(
        workspace=workspace,
        object_type="contacts",
        key="salary",
        label="Salary",
        field_type="number",
    )
    contact_create(
        actor=owner,
        data={"name": "Ada", "mobile": "13812345678", "email": "a@x.cn", "custom": {"salary": 9}},
    )
    member = make_member(
        workspace,
        "admin",
        hidden_fields={"contacts": ["mobile", "custom", "owner"]},
    )

    rows = export_csv(member, columns=["mobile", "owner", "owner_id", "custom.salary", "email"])
    everything = export_csv(member)

    assert rows == [["Name", "Email"], ["Ada", "a@x.cn"]]
    header = everything[0]
    assert "Mobile" not in header and "Owner" not in header and "Salary" not in header
    assert "13812345678" not in str(everything) and "+8613812345678" not in str(everything)


def test_values_are_shown_as_the_list_shows_them(owner, workspace):
    li = make_member(workspace, "sales_rep", user=UserFactory(name="李雷"))
    account = account_create(actor=owner, data={"name": "Acme"})
    CustomField.objects.create(
        workspace=workspace, object_type="contacts", key="tier", label="Tier", field_type="single_select",
        options=[{"value": "gold", "label": "金牌"}],
    )  # fmt: skip
    contact_create(
        actor=owner,
        data={
            "name": "Ada", "account_id": account.pk, "owner_id": li.user_id, "source": "referral",
            "email_consent": "granted", "birthday": "1990-05-01", "tags": ["B", "A"],
            "custom": {"tier": "gold"},
        },
    )  # fmt: skip

    rows = export_csv(
        owner,
        columns=["account", "owner", "source", "email_consent", "birthday", "tags", "custom.tier"],
    )

    assert rows == [
        [
            "Name",
            "Account",
            "Owner",
            "Source",
            "Email marketing consent",
            "Birthday",
            "Tags",
            "Tier",
        ],
        ["Ada", "Acme", "李雷", "Referral", "Granted", "1990-05-01", "A, B", "金牌"],
    ]


def test_the_lists_filters_search_and_sort_apply(owner, workspace):
    vip = Tag.objects.create(workspace=workspace, name="VIP")
    for name in ("Carol", "Alice", "Bob"):
        contact_create(actor=owner, data={"name": name, "tags": ["VIP"] if name != "Bob" else []})

    rows = export_csv(owner, columns=["tags"], filters={"tag": str(vip.pk)}, sort="name")

    assert rows[1:] == [["Alice", "VIP"], ["Carol", "VIP"]]


def test_every_export_is_audited_with_its_query(owner):
    contact_create(actor=owner, data={"name": "Ada"})

    export_csv(owner, columns=["mobile"], q="ad", filters={"owner_id": "me"}, sort="name")

    event = AuditEvent.objects.get(action="contact.export")
    assert event.changes == {
        "format": "csv",
        "q": "ad",
        "filters": {"owner_id": "me"},
        "sort": "name",
        "columns": ["name", "mobile"],
        "rows": 1,
    }
    assert event.actor_id == owner.user_id


def test_queries_do_not_grow_with_rows(owner):
    def queries(n: int) -> int:
        for i in range(n):
            contact_create(actor=owner, data={"name": f"P{i}", "tags": ["T"]})
        with CaptureQueriesContext(connection) as captured:
            export_csv(owner, columns=["owner", "tags", "account"])
        return len(captured.captured_queries)

    few = queries(3)
    many = queries(40)

    assert few == many <= 8


def test_a_read_only_role_cannot_export(workspace):
    from guanxi.core.errors import PermissionDenied

    reader = make_member(workspace, "read_only")

    with pytest.raises(PermissionDenied):
        export_prepare(actor=reader, object_type="contacts", query=ListQuery(), columns=None)


# --- The export page the lists link to ---------------------------------------------------------


@pytest.fixture
def browser(owner):
    client = Client()
    assert client.login(email=owner.user.email, password=TEST_PASSWORD)
    return client


def _text(response) -> str:
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content).decode("utf-8")[1:]


def test_export_page_uses_the_lists_query_string(owner, browser):
    contact_create(actor=owner, data={"name": "Ada", "mobile": "13812345678"})
    contact_create(actor=owner, data={"name": "Bob"})
    url = reverse("dataio:export", args=["contacts"])

    text = _text(browser.get(url, {"q": "Ada", "col": ["mobile"], "view": "", "cursor": "x"}))

    assert text == "Name,Mobile\r\nAda,'+8613812345678\r\n"


def test_export_page_takes_the_columns_the_list_remembers(owner, browser):
    contact_create(actor=owner, data={"name": "Ada", "title": "CEO"})
    session = browser.session
    session["customers:contacts:columns"] = ["title"]
    session.save()

    text = _text(browser.get(reverse("dataio:export", args=["contacts"])))

    assert text.splitlines() == ["Name,Job title", "Ada,CEO"]


def test_export_page_until_dates_cover_the_whole_day(owner, browser):
    contact = contact_create(actor=owner, data={"name": "Ada"})
    day = contact.created_at.astimezone().date().isoformat()

    text = _text(
        browser.get(
            reverse("dataio:export", args=["contacts"]),
            {"created_at__lte": day, "col": ["name"]},
        )
    )

    assert text.splitlines() == ["Name", "Ada"]


def test_export_page_xlsx_and_bad_filters(owner, browser):
    from openpyxl import load_workbook

    contact_create(actor=owner, data={"name": "Ada"})
    url = reverse("dataio:export", args=["contacts"])

    xlsx = browser.get(url, {"format": "xlsx", "col": ["title"]})
    bad = browser.get(url, {"nonsense": "1"})

    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)), read_only=True).worksheets[
        0
    ]
    assert [list(r) for r in sheet.iter_rows(values_only=True)] == [
        ["Name", "Job title"],
        ["Ada", None],
    ]
    assert bad.status_code == 400


def test_export_page_needs_the_export_permission(workspace):
    rep = make_member(workspace, "sales_rep")
    client = Client()
    client.force_login(rep.user)

    response = client.get(reverse("dataio:export", args=["contacts"]))

    assert response.status_code == 403
    assert not Contact.objects.exists()


def test_streamed_csv_shows_times_in_the_members_time_zone(owner, browser):
    # The body streams after the middleware has reset the time zone: the export keeps its own.
    from datetime import UTC, datetime

    owner.user.time_zone = "America/New_York"
    owner.user.save(update_fields=["time_zone"])
    contact = contact_create(actor=owner, data={"name": "Ada"})
    Contact.objects.filter(pk=contact.pk).update(
        last_followed_at=datetime(2026, 1, 5, 16, 30, tzinfo=UTC)
    )

    text = _text(
        browser.get(reverse("dataio:export", args=["contacts"]), {"col": ["last_followed_at"]})
    )

    assert text.splitlines()[1] == "Ada,2026-01-05 11:30"
