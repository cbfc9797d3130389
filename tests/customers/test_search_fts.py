"""Search through the FTS5 trigram index on SQLite (migration customers.0008) gives exactly the
answers of the LIKE scan it replaces, follows every write, and keeps workspaces apart. The same
tests run on PostgreSQL (its trigram GIN index); only the index's own checks are SQLite's."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

from guanxi.core.models import Membership, Workspace
from guanxi.customers import search
from guanxi.customers.models import Account, Contact
from guanxi.customers.search import apply_search, search_columns, search_condition
from guanxi.customers.selectors import global_search
from guanxi.customers.services.accounts import account_create
from guanxi.customers.services.contacts import contact_create, contact_purge, contact_update
from tests.conftest import api_for
from tests.dataio.conftest import start_import
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def names(api, q, path="/contacts"):
    response = api.get(path, q=q)
    assert response.status_code == 200, response.content
    return sorted(item["name"] for item in response.json()["items"])


def assert_index_matches_tables():
    """FTS5's own check that the index holds exactly the rows' current values (SQLite)."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for table in ("customers_account", "customers_contact"):
            cursor.execute(
                f"INSERT INTO {table}_fts({table}_fts, rank) VALUES ('integrity-check', 1)"
            )


@pytest.fixture
def planner_statistics():
    """SQLite's planner statistics as they were before the test, afterwards: an ANALYZE (a test's,
    the seed's) changes the plans of every later test on this connection, and with them the row
    order of queries that do not sort."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
        rows = []
        if cursor.fetchone():
            cursor.execute("SELECT tbl, idx, stat FROM sqlite_stat1")
            rows = cursor.fetchall()
    yield
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone():
            cursor.execute("DELETE FROM sqlite_stat1")
            for row in rows:
                cursor.execute("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (%s, %s, %s)", row)
            cursor.execute("ANALYZE sqlite_master")  # reloads the statistics from sqlite_stat1


def like_scan(queryset, q, hidden=frozenset()):
    """What the search finds without the index: search_condition without a model is LIKE."""
    condition = search_condition(q, hidden=hidden)
    return set(
        (queryset if condition is None else queryset.filter(condition)).values_list("id", flat=True)
    )


def found(queryset, q, hidden=frozenset()):
    return set(apply_search(queryset, q, hidden=hidden).values_list("id", flat=True))


@pytest.fixture
def people(admin):
    yunfan = account_create(
        actor=admin,
        data={"name": "上海云帆信息技术有限公司", "credit_code": "91310115MA1K3YJ12G"},
    )
    return {
        "zhangsan": contact_create(
            actor=admin,
            data={
                "name": "张三",
                "mobile": "+86 138-1234-5678",
                "email": "zhang.san@example.com",
                "account_id": yunfan.pk,
            },
        ),
        "zhangsanfeng": contact_create(
            actor=admin, data={"name": "张三丰", "phone": "0755-8765 4321", "wechat": "wudang_1"}
        ),
        "lisi": contact_create(
            actor=admin,
            data={"name": "李四", "email": "li_si@163.com", "phone": "010-8888-6666"},
        ),
        "obrien": contact_create(
            actor=admin, data={"name": 'Pat "NEAR(x)" O\'Brien-Smith*', "email": "pat@obrien.ie"}
        ),
        "yunfan": yunfan,
    }


# --- What is found ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "1381234",
        "+86 138-1234",
        "138 1234 5678",
        "8613812345678",
        "13812345678",
        "5678",
        "+8613812345678",
    ],
)
def test_mobile_fragments_in_every_typed_form(admin_api, people, query):
    assert names(admin_api, query) == ["张三"]


@pytest.mark.parametrize("query", ["075587654321", "0755-8765", "8675587654321", "87654321"])
def test_landline_by_national_form_with_trunk_zero_and_international_digits(
    admin_api, people, query
):
    assert names(admin_api, query) == ["张三丰"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("zhang.san@exa", ["张三"]),
        ("li_si@", ["李四"]),
        ("@163.com", ["李四"]),
        ("wudang_", ["张三丰"]),
        ("张三丰", ["张三丰"]),
        ("云帆信息", ["张三"]),  # the contact's company
        ("o'brien-smith*", ['Pat "NEAR(x)" O\'Brien-Smith*']),
        ('"near(x)"', ['Pat "NEAR(x)" O\'Brien-Smith*']),
    ],
)
def test_emails_names_wechat_and_company_by_any_part(admin_api, people, query, expected):
    assert names(admin_api, query) == expected


def test_accounts_by_name_part_and_credit_code(admin_api, people):
    assert names(admin_api, "云帆信息技术", path="/accounts") == ["上海云帆信息技术有限公司"]
    assert names(admin_api, "ma1k3yj", path="/accounts") == ["上海云帆信息技术有限公司"]
    assert names(admin_api, "shanghaiyun", path="/accounts") == ["上海云帆信息技术有限公司"]
    assert names(admin_api, "shyf", path="/accounts") == ["上海云帆信息技术有限公司"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("zs", ["张三", "张三丰"]),
        ("zsf", ["张三丰"]),
        ("zhangs", ["张三", "张三丰"]),
        ("zhangsan", ["张三", "张三丰"]),
        ("zhang san", ["张三", "张三丰"]),
        ("zhangsanfeng", ["张三丰"]),
        ("ZHANG SAN", ["张三", "张三丰"]),
        ("lisi", ["李四"]),
    ],
)
def test_long_pinyin_and_initials_queries_match_as_prefixes(admin_api, people, query, expected):
    assert names(admin_api, query) == expected


def test_another_workspace_with_the_same_phone_and_name_is_never_found(
    admin_api, people, other_workspace
):
    stranger = make_member(other_workspace, "admin")
    contact_create(
        actor=stranger,
        data={"name": "张三", "mobile": "13812345678", "email": "zhang.san@example.com"},
    )

    assert names(admin_api, "1381234") == ["张三"]
    assert names(admin_api, "zhang.san@") == ["张三"]
    assert names(admin_api, "zhangsan") == ["张三", "张三丰"]
    assert names(api_for(stranger), "1381234") == ["张三"]
    assert Contact.objects.filter(mobile="+8613812345678").count() == 2


def test_hidden_phone_limits_search_to_names(workspace, people):
    member = make_member(
        workspace, "sales_manager", data_scope="all", hidden_fields={"contacts": ["mobile"]}
    )
    api = api_for(member)

    assert names(api, "1381234") == []
    assert names(api, "zhang.san@") == []  # the email is visible, but a match would tell the phone
    assert names(api, "zhangsan") == ["张三", "张三丰"]
    assert names(api, "张三丰") == ["张三丰"]


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '""',
        '"""',
        'a" OR "b',
        "zhang*",
        "* * *",
        "OR OR",
        "NEAR(",
        "NEAR(zhang san)",
        "zhang -san",
        "^zhang",
        "search_text: 138",
        "{name_pinyin}: zh",
        "AND NOT",
        "((()",
        "%%%",
        "___",
        "\\\\\\",
        "'; DROP TABLE x; --",
        "\x00138",
        "zh\x00ang",
    ],
)
def test_fts_syntax_in_a_query_is_literal_text_and_never_fails(admin, admin_api, people, query):
    response = admin_api.get("/contacts", q=query)

    assert response.status_code == 200
    everyone = Contact.objects.filter(workspace=admin.workspace)
    assert found(everyone, query) == like_scan(everyone, query)


# --- The index follows every write ---------------------------------------------------------------


def test_changing_a_phone_moves_the_match(admin, admin_api, people):
    contact = people["zhangsan"]

    contact_update(
        actor=admin, contact=contact, data={"mobile": "139 8765 4321"}, version=contact.version
    )

    assert names(admin_api, "1381234") == []
    assert names(admin_api, "1398765") == ["张三"]
    assert_index_matches_tables()


def test_renaming_moves_the_pinyin_match(admin, admin_api, people):
    contact = people["lisi"]

    contact_update(actor=admin, contact=contact, data={"name": "王五"}, version=contact.version)

    assert names(admin_api, "lisi") == []
    assert names(admin_api, "wangwu") == ["王五"]
    assert_index_matches_tables()


def test_a_purged_record_leaves_the_index(admin, admin_api, people):
    contact = people["zhangsan"]
    contact_purge(contact)

    assert names(admin_api, "1381234") == []
    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert_index_matches_tables()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT rowid FROM customers_contact_fts WHERE customers_contact_fts MATCH %s",
                ['search_text : "1381234"'],
            )
            assert cursor.fetchall() == []


def test_renaming_an_account_moves_its_contacts_company_match(admin, admin_api, people):
    from guanxi.customers.services.accounts import account_update

    yunfan = people["yunfan"]
    account_update(
        actor=admin, account=yunfan, data={"name": "星河数据有限公司"}, version=yunfan.version
    )

    assert names(admin_api, "云帆信息") == []
    assert names(admin_api, "星河数据") == ["张三"]
    assert_index_matches_tables()


def test_imported_contacts_are_found_through_the_bulk_insert(owner):
    content = (
        "姓名,手机,邮箱\n张三,138 1234 5678,ZS@Example.com\nJohn Smith,+44 20 7946 0018,js@x.uk\n"
    ).encode()

    job = start_import(owner, "contacts", content, dry_run=False)

    assert job.counts()["created"] == 2
    api = api_for(owner)
    assert names(api, "1381234") == ["张三"]
    assert names(api, "020 7946") == ["John Smith"]
    assert names(api, "zs@exam") == ["张三"]
    assert names(api, "johnsm") == ["John Smith"]
    assert_index_matches_tables()


@pytest.mark.django_db(transaction=True)
def test_seeded_contacts_are_found_by_phone_and_email_fragments(planner_statistics):
    call_command("seed", workspace="bench", accounts=20, contacts=200, members=2, noise=1)
    bench = Workspace.objects.get(slug="bench")
    owner = Membership.objects.get(workspace=bench, role__is_owner=True)
    contact = (
        Contact.objects.filter(workspace=bench, mobile__startswith="+86").exclude(email="").first()
    )

    by_phone = global_search(actor=owner, object_type="contacts", q=contact.mobile[5:12], limit=50)
    by_email = global_search(actor=owner, object_type="contacts", q=contact.email[:-2], limit=50)

    assert contact.pk in {c.pk for c in by_phone}
    assert contact.pk in {c.pk for c in by_email}
    assert {c.workspace_id for c in by_phone + by_email} == {bench.pk}
    assert_index_matches_tables()


# --- The same answers as the LIKE scan -----------------------------------------------------------

QUERIES = [
    "1381234", "+86 138-1234", "0755 8765", "8888", "138", "123", "5678",
    "zhang", "zhangsan", "zhang san", "zhangs", "zhangsanf", "san", "sanfeng", "zsf", "zs", "z s",
    "li si", "lisi", "li_si", "li_", "@163", "163", "example", "exa", "zhang.san@exa", "pat@",
    "张三", "张三丰", "三丰", "云帆", "上海云帆信息", "wudang", "brien", "o'brien", 'x)"', "ma1k",
    "a b", "ab c", "smith*", "x" * 120,
]  # fmt: skip


@pytest.fixture
def mixed_rows(admin, people):
    """The people, plus copies whose search_text is in the form written before 0008 (with pinyin,
    initials and a mobile's national digits): rows nobody re-saved since."""
    old_texts = {
        "张三": "张三 zhangsan zs 8613812345678 13812345678 zhang.san@example.com 上海云帆信息技术有限公司",
        "张三丰": "张三丰 zhangsanfeng zsf 8675587654321 075587654321 wudang_1",
        "李四": "李四 lisi ls 861088886666 01088886666 li_si@163.com",
    }
    old_ids = set()
    for name, text in old_texts.items():
        copy = contact_create(actor=admin, data={"name": name}, allow_duplicate=True)
        Contact.objects.filter(pk=copy.pk).update(search_text=text)
        old_ids.add(copy.pk)
    return Contact.objects.filter(workspace=admin.workspace), old_ids


@pytest.mark.parametrize("query", QUERIES)
def test_index_answers_exactly_as_the_like_scan(mixed_rows, query):
    rows, _old_ids = mixed_rows

    assert found(rows, query) == like_scan(rows, query)


@pytest.mark.parametrize("query", QUERIES)
def test_common_queries_answer_the_same_through_the_scan(mixed_rows, query, monkeypatch):
    # A query with this many hits or more is answered by the scan in page order instead.
    monkeypatch.setattr(search, "FTS_DENSE_HITS", 1)
    rows, _old_ids = mixed_rows

    assert found(rows, query) == like_scan(rows, query)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("1381234", {"张三"}),
        ("13812345678", {"张三"}),
        ("01088886666", {"李四"}),
        ("075587654321", {"张三丰"}),
        ("zhangsan", {"张三", "张三丰"}),
        ("zhang san", {"张三", "张三丰"}),
        ("zsf", {"张三丰"}),
        ("lisi", {"李四"}),
        ("li_si@", {"李四"}),
        ("云帆信息", {"张三"}),
    ],
)
def test_rows_written_before_and_after_the_shorter_text_are_found_alike(
    mixed_rows, query, expected
):
    rows, old_ids = mixed_rows

    hits = apply_search(rows, query).values_list("id", "name")

    old_form = {name for pk, name in hits if pk in old_ids}
    new_form = {name for pk, name in hits if pk not in old_ids}

    assert old_form == expected
    assert new_form == expected


def test_plan_starts_from_the_index_hits(admin, people, planner_statistics):
    # With statistics that say the workspace holds more than a few dozen records (the app keeps
    # them fresh: a daily ANALYZE, one after seeding), the planner reads the hits, then each
    # record by primary key; with a handful of records it may just scan them, which is as cheap.
    Contact.objects.bulk_create(
        Contact(workspace=admin.workspace, name=f"Filler {n}", search_text=f"filler {n}")
        for n in range(200)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE customers_contact")
    queryset = apply_search(Contact.objects.filter(workspace=admin.workspace).alive(), "1381234")
    sql, params = queryset.order_by("-id")[:20].query.sql_with_params()

    if connection.vendor == "postgresql":
        # PostgreSQL: the search is a LIKE on search_text (no FTS table), which the trigram GIN
        # index (migration 0002) serves: with sequential scans off it is the only way.
        assert "search_text" in sql and "_fts" not in sql
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(
                "EXPLAIN SELECT id FROM customers_contact WHERE search_text LIKE %s", ["%1381234%"]
            )
            plan_text = "\n".join(row[0] for row in cursor.fetchall())
        assert "customers_contact_search_trgm" in plan_text
        return
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = [row[-1] for row in cursor.fetchall()]

    # Each hit by its id (the primary key, or the (workspace, id) index), the hits from the FTS
    # table; no scan of the workspace, no sort: read in id order, it stops at the 20th row.
    assert plan[0] in (
        "SEARCH customers_contact USING INTEGER PRIMARY KEY (rowid=?)",
        "SEARCH customers_contact USING INDEX contact_ws_id (workspace_id=? AND id=?)",
    )
    assert plan[1:] == ["LIST SUBQUERY 1", "SCAN customers_contact_fts VIRTUAL TABLE INDEX 0:M3"]


def test_both_tables_have_their_index_triggers():
    # A later migration that rebuilds either table on SQLite drops its triggers; it must create
    # them again (see migration customers.0008). PostgreSQL has trigram indexes instead.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname FROM pg_indexes WHERE indexdef LIKE %s ORDER BY indexname",
                ["%gin_trgm_ops%"],
            )
            trigram = [row[0] for row in cursor.fetchall()]
            cursor.execute("SELECT COUNT(*) FROM pg_trigger WHERE tgname LIKE %s", ["%_fts_%"])
            fts_triggers = cursor.fetchone()[0]
        assert trigram == ["customers_account_search_trgm", "customers_contact_search_trgm"]
        assert fts_triggers == 0
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
        )
        triggers = cursor.fetchall()

    assert [
        t for t in triggers if t[1].endswith(("_fts_insert", "_fts_delete", "_fts_update"))
    ] == [
        ("customers_account", "customers_account_fts_delete"),
        ("customers_account", "customers_account_fts_insert"),
        ("customers_account", "customers_account_fts_update"),
        ("customers_contact", "customers_contact_fts_delete"),
        ("customers_contact", "customers_contact_fts_insert"),
        ("customers_contact", "customers_contact_fts_update"),
    ]


# --- The search columns -------------------------------------------------------------------------


def test_search_text_holds_no_pinyin_and_a_national_form_only_when_it_adds_digits():
    columns = search_columns(
        {
            "name": "张三",
            "mobile": "+8613812345678",
            "phone": "+8675523456789",
            "email": "ZS@Example.com",
            "other_phones": ["+12024561111", "+442079460018"],
            "other_emails": ["Zhang.San@Work.CN"],
            "wechat": "ZS_88",
            "company": "上海云帆",
        },
        person=True,
    )

    assert columns == {
        "name_pinyin": "zhangsan",
        "name_initials": "zs",
        "search_text": (
            "张三 8675523456789 075523456789 8613812345678 12024561111 442079460018 02079460018 "
            "zs@example.com zhang.san@work.cn zs_88 上海云帆"
        ),
    }


def test_other_phones_and_emails_are_searched_when_a_record_has_them(admin):
    contact = contact_create(actor=admin, data={"name": "赵六"})
    values = {"name": "赵六", "other_phones": ["+8613900001111"], "other_emails": ["zl@x.cn"]}
    Contact.objects.filter(pk=contact.pk).update(**search_columns(values, person=True))
    everyone = Contact.objects.filter(workspace=admin.workspace)

    assert found(everyone, "1390000") == {contact.pk}
    assert found(everyone, "zl@x") == {contact.pk}
    assert found(everyone, "1390000", hidden=frozenset({"other_phones"})) == set()


def test_accounts_and_contacts_are_searched_in_their_own_index(admin, people):
    # Ids of accounts and contacts overlap; each search reads its own table's index.
    account_hits = found(Account.objects.filter(workspace=admin.workspace), "1381234")
    contact_hits = found(Contact.objects.filter(workspace=admin.workspace), "1381234")

    assert account_hits == set()
    assert contact_hits == {people["zhangsan"].pk}
