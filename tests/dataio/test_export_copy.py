"""CSV exports on PostgreSQL come from one COPY (export_copy.py); they must be byte for byte what
the Python path writes. On PostgreSQL these tests run both paths over the same data — every
column kind, custom fields of every type, hidden fields, data scope, filters, search, sorts,
formula cells, two languages and two time zones — and compare the bytes. On SQLite, where there
is no COPY, they check that the export takes the Python path and still writes the same file,
and test the parts that do not need PostgreSQL."""

from __future__ import annotations

import csv
import io
import zoneinfo
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from babel.numbers import format_currency, format_decimal
from django.db import connection
from django.utils import timezone, translation

from guanxi.core.models import AuditEvent
from guanxi.customers.listing import ListQuery
from guanxi.customers.models import (
    Account,
    Contact,
    ContactTag,
    CustomField,
    PicklistKey,
    PicklistOption,
    Tag,
)
from guanxi.customers.services.accounts import account_create
from guanxi.customers.services.contacts import contact_create
from guanxi.dataio.cells import safe
from guanxi.dataio.services import export_copy, exports
from tests.factories import UserFactory, make_member

pytestmark = pytest.mark.django_db

POSTGRES = connection.vendor == "postgresql"

# Cells a spreadsheet could run, and cells that test CSV quoting and the "" / NULL boundary.
TRICKY = [
    "=1+2",
    "+8613812345678",
    "-5",
    "@SUM(A1:A9)",
    "\t=cmd",
    "\r=cmd",
    '  =HYPERLINK("http://evil","x")',
    "\u3000=1+1",
    "\u00a0-1",
    "\ufeff@x",
    "\x01\x02=cmd|' /C calc'!A0",
    "\x1f+1",
    "\x7f=1",
    "\x0b=1",
    "\t",
    "\r",
    "=",
    "-",
    "  ",
    "\u3000",
    " plain",
    "a=b",
    "张三",
    "'quoted",
    '"quoted"',
    'say "hi", ok',
    "line\nbreak",
    "cr\rbreak",
    "crlf\r\nend",
    "ends with newline\n",
    "comma,comma",
    "tab\tinside",
    "\\.",
    "\\",
    "😀 emoji",
    "Ünïcødé ½",
    "",
]


def python_bytes(export: exports.Export, monkeypatch: pytest.MonkeyPatch) -> bytes:
    """The file as the Python path writes it (whatever the engine)."""
    with monkeypatch.context() as patch:
        patch.setattr(exports, "copy_statement", lambda export, maker: None)
        tally = export_copy.RowTally()
        return b"".join(
            c.encode("utf-8") if isinstance(c, str) else c
            for c in exports.csv_chunks(export, tally)
        )


def chosen_bytes(export: exports.Export) -> bytes:
    """The file as an export writes it: COPY on PostgreSQL, Python on SQLite."""
    tally = export_copy.RowTally()
    return b"".join(
        c.encode("utf-8") if isinstance(c, str) else c for c in exports.csv_chunks(export, tally)
    )


def prepare(actor: Any, object_type: str = "contacts", columns: Any = None, **query: Any):
    return exports.export_prepare(
        actor=actor, object_type=object_type, query=ListQuery(**query), columns=columns
    )


def assert_same_file(export: exports.Export, monkeypatch: pytest.MonkeyPatch) -> bytes:
    """Both paths write the same bytes; on PostgreSQL the export really takes COPY."""
    statement = export_copy.copy_statement(
        export, exports.RowMaker(export.actor, export.object_type, export.columns)
    )
    assert (statement is not None) == POSTGRES
    expected = python_bytes(export, monkeypatch)
    written = chosen_bytes(export)
    if written != expected:  # show the first line that differs, not two megabytes
        for mine, theirs in zip(written.split(b"\r\n"), expected.split(b"\r\n"), strict=False):
            assert mine == theirs
    assert written == expected
    return written


def rows_of(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline="")))


# --- A workspace with every column kind ----------------------------------------------------------

CUSTOM_TYPES = [
    ("text", {}),
    ("long_text", {}),
    ("number", {}),
    ("decimal", {}),
    ("money", {"currency": "CNY"}),
    ("date", {}),
    ("datetime", {}),
    ("boolean", {}),
    ("single_select", [{"value": "gold", "label": "金牌"}, {"value": "f", "label": "=F"}]),
    ("multi_select", [{"value": "a", "label": "Alpha"}, {"value": "b", "label": "-Beta"}]),
    ("url", {}),
    ("email", {}),
    ("phone", {}),
    ("user", {}),
]

# Stored values (as clean_value stores them, plus edges) per custom field, one per contact in turn.
CUSTOM_VALUES: dict[str, list[Any]] = {
    "c_text": ["=1+1", " @x", "plain", "a,b", "line\nbreak", ""],
    "c_long_text": ["-2+3", "长文本", '"q"'],
    "c_number": [0, -5, 1234567, 9007199254740991, 42],
    "c_decimal": ["0.0005", "0.0015", "-2.0005", "1234567.8915", "-0", "12.5", "0.0025", "7"],
    "c_money": [
        {"amount": "1234.50", "currency": "CNY"},
        {"amount": "2.50", "currency": "JPY"},
        {"amount": "3.50", "currency": "JPY"},
        {"amount": "-0.01", "currency": "USD"},
        {"amount": "1.25", "currency": "BHD"},
        {"amount": "99.99", "currency": "XYZ"},
        {"amount": "-0.00", "currency": "EUR"},
        {"amount": "5.00"},
        {"amount": "abc", "currency": "CNY"},
        7,
    ],
    "c_date": ["2026-11-23", "1900-01-01"],
    "c_datetime": ["2026-11-23T02:00:00+00:00", "2026-03-08T06:59:59.123456+00:00", "garbage"],
    "c_boolean": [True, False, 0, 1],
    "c_single_select": ["gold", "f", "=unknown"],
    "c_multi_select": [["a", "b"], ["b", "a", "gold"], ["zz"], []],
    "c_url": ["https://example.com/?a=1,2"],
    "c_email": ["a@example.com"],
    "c_phone": ["+8613812345678"],
    "c_user": [],  # the members' ids, known once they exist
}


@pytest.fixture
def every_kind(workspace, owner):
    """Accounts and contacts using every column kind, tricky text in every text column, and a
    custom field of every type with edge values. Returns the members."""
    owner.user.name = "=Boss"  # a member name is a cell too
    owner.user.save()
    li = make_member(workspace, "sales_rep", user=UserFactory(name="李雷"))
    nameless = make_member(workspace, "sales_rep", user=UserFactory(name="", email="x@y.cn"))
    for key, value, label in [
        (PicklistKey.SOURCE, "referral", "Referral"),
        (PicklistKey.SOURCE, "fair", "@展会"),
        (PicklistKey.ACCOUNT_LEVEL, "A", "A 级"),
        (PicklistKey.INDUSTRY, "it", "IT, software"),
    ]:
        PicklistOption.objects.update_or_create(
            workspace=workspace, list_key=key, value=value, defaults={"label": label}
        )
    for position, (field_type, options) in enumerate(CUSTOM_TYPES):
        for object_type in ("contacts", "accounts"):
            CustomField.objects.create(
                workspace=workspace,
                object_type=object_type,
                key=f"c_{field_type}",
                label=f"={field_type}" if field_type == "text" else field_type.title(),
                field_type=field_type,
                options=options,
                position=position,
            )
    CustomField.objects.create(
        workspace=workspace,
        object_type="contacts",
        key="archived",
        label="Archived",
        field_type="text",
        archived_at=timezone.now(),
    )
    stored = {**CUSTOM_VALUES, "c_user": [owner.user_id, li.user_id, nameless.user_id, 999999]}
    for name in ["=tag", "a,b", '"q"', "标签", "VIP", " space"]:
        Tag.objects.create(workspace=workspace, name=name)
    tags = list(Tag.objects.filter(workspace=workspace).order_by("id"))
    evil = account_create(actor=owner, data={"name": "=Evil, Inc."})
    plain = account_create(actor=owner, data={"name": "华为技术有限公司"})
    members = [owner, li, nameless]
    for i, text in enumerate(TRICKY):
        contact = contact_create(
            actor=owner,
            data={"name": f"P{i}", "owner_id": members[i % 3].user_id},
            allow_duplicate=True,
        )
        custom = {key: values[i % len(values)] for key, values in stored.items()}
        custom["archived"] = "=secret"
        Contact.objects.filter(pk=contact.pk).update(
            name=text[:100] or f"P{i}",
            title=text,
            wechat=text[:60],
            phone=text[:32],
            description=f"{text} / {i}",
            email=text,
            mobile="" if i % 4 else "+8613800000000",
            account=[evil, plain, None][i % 3],
            owner=[members[i % 3].user, None][i % 5 == 4],
            source=["referral", "fair", "=legacy", ""][i % 4],
            email_consent=["granted", "withdrawn", "weird", "unknown"][i % 4],
            birthday=[date(1990, 5, 1), None, date(1900, 1, 1)][i % 3],
            last_followed_at=[
                datetime(2026, 1, 31, 16, 30, 59, tzinfo=UTC),
                None,
                datetime(2026, 3, 8, 7, 0, tzinfo=UTC),  # DST starts in New York
            ][i % 3],
            custom=custom,
        )
        for tag in tags[: i % (len(tags) + 1)]:
            ContactTag.objects.create(workspace=workspace, contact=contact, tag=tag)
    Account.objects.filter(pk=evil.pk).update(
        level="A",
        stage="customer",
        industry="it",
        size="1000+",
        city="\t=city",
        address="line\nbreak",
        custom={key: values[0] for key, values in stored.items()},
    )
    Account.objects.filter(pk=plain.pk).update(level="Z", stage="odd", industry="", size="")
    return {"owner": owner, "li": li, "nameless": nameless}


# --- Both paths, byte for byte --------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_column_of_contacts_is_written_the_same(every_kind, monkeypatch, language):
    with translation.override(language):
        export = prepare(every_kind["owner"])
        written = assert_same_file(export, monkeypatch)

    rows = rows_of(written)
    assert len(rows) == 1 + len(TRICKY)
    assert "Archived" not in rows[0] and "=secret" not in written.decode()


def test_every_column_of_accounts_is_written_the_same(every_kind, monkeypatch):
    export = prepare(every_kind["owner"], "accounts")

    rows = rows_of(assert_same_file(export, monkeypatch))

    evil = next(r for r in rows if r[0] == "'=Evil, Inc.")
    header = rows[0]
    assert evil[header.index("Customer level")] == "A 级"
    assert evil[header.index("Industry")] == "IT, software"
    assert evil[header.index("City")] == "'\t=city"
    plain = next(r for r in rows if r[0] == "华为技术有限公司")
    assert plain[header.index("Customer level")] == "Z"
    assert plain[header.index("Lifecycle stage")] == "odd"


def test_formula_cells_are_neutralized_exactly_as_in_python(every_kind, monkeypatch):
    export = prepare(every_kind["owner"], columns=["title", "description", "wechat"], sort="id")

    rows = rows_of(assert_same_file(export, monkeypatch))

    titles = [row[1] for row in rows[1:]]
    assert titles == [safe(text) for text in TRICKY]
    assert "'=1+2" in titles and "'\x01\x02=cmd|' /C calc'!A0" in titles and " plain" in titles


def test_custom_fields_are_displayed_as_display_value_does(every_kind, monkeypatch):
    """Numbers round half to even like Babel, money takes the currency's symbol and digits,
    select labels, member names, local times, Yes/No — in both languages."""
    columns = [f"custom.{key}" for key in CUSTOM_VALUES]
    for language in ("en", "zh-hans"):
        with translation.override(language):
            export = prepare(every_kind["owner"], columns=columns, sort="id")
            rows = rows_of(assert_same_file(export, monkeypatch))
    with translation.override("en"):
        rows = rows_of(chosen_bytes(prepare(every_kind["owner"], columns=columns, sort="id")))
    header = rows[0]
    decimals = [row[header.index("Decimal")] for row in rows[1:9]]
    assert decimals == ["0", "0.002", "'-2", "1,234,567.892", "'-0", "12.5", "0.002", "7"]
    money = [row[header.index("Money")] for row in rows[1:11]]
    assert money == [
        "CN¥1,234.50",
        "¥2",
        "¥4",
        "'-$0.01",
        "BHD1.250",
        "XYZ99.99",
        "'-€0.00",
        "5.00",
        "CNY abc",
        "7",
    ]
    assert [row[header.index("Boolean")] for row in rows[1:5]] == ["Yes", "No", "No", "Yes"]
    assert [row[header.index("Multi_Select")] for row in rows[1:5]] == [
        "Alpha, -Beta",
        "'-Beta, Alpha, gold",
        "zz",
        "",
    ]
    assert [row[header.index("User")] for row in rows[1:5]] == [
        "'=Boss",
        "李雷",
        "x@y.cn",
        "999999",
    ]
    assert rows[1][header.index("Datetime")] == "2026-11-23 10:00"


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "America/New_York", "UTC"])
def test_times_are_local_to_the_active_time_zone(every_kind, monkeypatch, zone):
    with timezone.override(zoneinfo.ZoneInfo(zone)):
        export = prepare(
            every_kind["owner"], columns=["last_followed_at", "custom.c_datetime", "birthday"]
        )
        rows = rows_of(assert_same_file(export, monkeypatch))

    expected = {"Asia/Shanghai": "2026-02-01 00:30", "America/New_York": "2026-01-31 11:30"}
    followed = {row[1] for row in rows[1:]}
    assert expected.get(zone, "2026-01-31 16:30") in followed


def test_a_rep_sees_only_their_own_records(every_kind, workspace, monkeypatch):
    rep = make_member(
        workspace, "sales_rep", permissions={"contacts": ["view", "export"]}, data_scope="own"
    )
    Contact.objects.filter(owner=every_kind["li"].user).update(owner=rep.user)
    export = prepare(rep, columns=["owner", "tags", "account"])

    rows = rows_of(assert_same_file(export, monkeypatch))

    assert len(rows) - 1 == Contact.objects.filter(owner=rep.user).count() > 0
    assert {row[1] for row in rows[1:]} == {rep.user.name}


def test_hidden_fields_are_left_out(every_kind, workspace, monkeypatch):
    member = make_member(
        workspace, "admin", hidden_fields={"contacts": ["mobile", "custom", "owner", "title"]}
    )
    export = prepare(member, columns=["mobile", "owner", "title", "custom.c_text", "email"])

    rows = rows_of(assert_same_file(export, monkeypatch))

    assert rows[0] == ["Name", "Email"]
    everything = rows_of(assert_same_file(prepare(member), monkeypatch))
    assert not {"Mobile", "Owner", "Job title", "'=text", "Money"} & set(everything[0])


@pytest.mark.parametrize(
    "query",
    [
        {"sort": "name"},
        {"sort": "-birthday"},
        {"sort": "last_followed_at"},
        {"sort": "-custom.c_number"},
        {"sort": "custom.c_text"},
        {"q": "P1"},
        {"q": "plain"},
        {"q": "张三"},
        {"q": "100%"},
        {"filters": {"source": "referral"}},
        {"filters": {"tag": "VIP"}, "sort": "-name"},
        {"filters": {"custom.c_number__gte": "1"}},
        {"filters": {"birthday__gte": "1950-01-01"}},
    ],
)
def test_the_lists_filters_search_and_sort_apply_alike(every_kind, monkeypatch, query):
    export = prepare(every_kind["owner"], columns=["tags", "owner", "birthday"], **query)

    assert_same_file(export, monkeypatch)


@pytest.mark.parametrize("name", ["", "\\.", "=x", "a\nb"])
def test_a_single_column_file_is_the_same(owner, monkeypatch, name):
    """With one column, Python's csv writes an empty cell as "" and `\\.` bare; COPY does
    neither by itself."""
    contact = contact_create(actor=owner, data={"name": "Ada"})
    Contact.objects.filter(pk=contact.pk).update(name=name)
    contact_create(actor=owner, data={"name": "Bob"})

    written = assert_same_file(prepare(owner, columns=["name"], sort="id"), monkeypatch)

    assert written.decode("utf-8").split("\r\n", 2)[1] == {"": '""', "a\nb": '"a\nb"'}.get(
        name, safe(name)
    )


def test_an_export_with_no_rows_is_the_header(owner, monkeypatch):
    assert rows_of(assert_same_file(prepare(owner, columns=["tags"]), monkeypatch)) == [
        ["Name", "Tags"]
    ]


def test_the_audit_event_counts_the_rows_written(every_kind):
    sink = io.StringIO()

    written = exports.csv_write(prepare(every_kind["owner"], columns=["owner"]), sink)

    event = AuditEvent.objects.get(action="contact.export")
    assert written == event.changes["rows"] == len(TRICKY)
    assert len(rows_of(sink.getvalue().encode("utf-8"))) == 1 + len(TRICKY)


def test_csv_write_to_a_utf8_file_writes_the_same_bytes(every_kind, tmp_path, monkeypatch):
    """A UTF-8 text file takes COPY's bytes through its buffer; anything written before stays
    first."""
    path = tmp_path / "contacts.csv"
    export = prepare(every_kind["owner"], columns=["title", "tags"], sort="id")
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("before\r\n")
        exports.csv_write(export, handle)

    assert path.read_bytes() == b"before\r\n" + python_bytes(export, monkeypatch)


def test_the_download_streams_the_same_bytes(every_kind, monkeypatch):
    export = prepare(every_kind["owner"], columns=["title", "owner", "tags"], sort="id")

    response = exports.csv_response(export)
    streamed = b"".join(response.streaming_content)

    assert streamed == python_bytes(export, monkeypatch)
    assert AuditEvent.objects.get(action="contact.export").changes["rows"] == len(TRICKY)


# --- Parts that need no PostgreSQL ----------------------------------------------------------------


def test_copy_rows_become_python_csv_lines():
    rows = [memoryview(b"a,b\n"), memoryview(b'"x\ny",z\n')]

    assert export_copy._lines(rows, single_column=False) == b'a,b\r\n"x\ny",z\r\n'
    assert export_copy._lines([memoryview(b"a,b\n")] * 2, False) == b"a,b\r\na,b\r\n"
    assert export_copy._lines([b"\n", b'"\\."\n', b'"a\nb"\n'], True) == (
        b'""\r\n\\.\r\n"a\nb"\r\n'
    )


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_number_style_is_what_babel_writes(language):
    """The SQL formats numbers from this style; check it against Babel itself (for numbers the
    SQL rounding is checked on PostgreSQL above)."""
    style = export_copy.number_style(language)
    assert style is not None
    locale = translation.to_locale(language)
    for text in ["0", "12.5", "1234567.892", "-3"]:
        number = Decimal(text)
        sign = 1 if number.is_signed() else 0
        digits = f"{abs(number):,f}".replace(",", style.group)
        assert (
            format_decimal(number, locale=locale)
            == style.prefixes[sign] + digits + style.suffixes[sign]
        )
    for code in ["CNY", "USD", "JPY", "BHD", "XYZ"]:
        fraction, symbol = style.currencies.get(code, (style.default_digits, code))
        amount = Decimal("-1234.5")
        digits = f"{abs(amount):,.{fraction}f}"
        expected = style.money_prefixes[1].replace("¤", symbol) + digits + style.money_suffixes[1]
        assert format_currency(amount, code, locale=locale) == expected


def test_a_language_with_other_number_patterns_keeps_the_python_path():
    # Hindi groups digits in twos after the first three (12,34,567): not the plain pattern.
    assert export_copy.number_style("hi") is None


def test_safe_sql_follows_the_formula_characters():
    sql = export_copy.safe_sql("v", "'x'")

    assert "ascii(v) > 64" in sql and "IN (61, 43, 45, 64, 9, 13)" in sql
    assert "NOT IN (127, 160, 12288, 65279)" in sql


def test_long_label_lists_are_looked_up_alike(every_kind, monkeypatch):
    """Member names and labels are a CASE up to SHORT_MAP entries and a jsonb lookup beyond."""
    monkeypatch.setattr(export_copy, "SHORT_MAP", 0)
    export = prepare(every_kind["owner"], columns=["owner", "source", "email_consent"], sort="id")

    rows = rows_of(assert_same_file(export, monkeypatch))

    assert rows[1][1:] == ["'=Boss", "Referral", "Granted"]
