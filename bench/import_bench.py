"""P1: import of a contacts CSV with validation and dedupe, against the database's own bulk load
of the same rows (see bench/README.md).

Called by bench/run.py (`--only P1`), or on its own for a quick look at any size:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/guanxi_bench \\
        .venv/bin/python bench/import_bench.py --rows 100000 [--profile]

The rows are realistic and messy: Chinese names (compound surnames included) and English ones,
unique mobiles in the forms people type them, emails, companies of which half exist, titles,
tags, notes, a bad row in 500 and a repeat of an earlier row in 1,000. The import runs in a new
workspace of the seeded database (its tables already hold the seeded millions, so every index is
full size), through the same code as the UI, the API and `guanxi import`: read, clean, check
duplicates against the database and the file, write records, tags, timeline entries and row
results in batches. The baseline then loads exactly the rows the import wrote, all columns, in
one transaction — COPY FROM on PostgreSQL, executemany on SQLite, constraints checked — and is
rolled back. Afterwards the workspace is deleted again unless --keep.
"""

from __future__ import annotations

import csv
import os
import random
import resource
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

if __name__ == "__main__":
    ROOT = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanxi.settings")
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    import django

    django.setup()

from django.db import connection, transaction  # noqa: E402

from guanxi.core.models import Membership, User, Workspace  # noqa: E402
from guanxi.core.services.workspaces import workspace_create  # noqa: E402
from guanxi.customers.models import Contact  # noqa: E402
from guanxi.customers.services.accounts import account_create  # noqa: E402
from guanxi.dataio.services.imports import import_create  # noqa: E402
from guanxi.dataio.services.processing import run_import  # noqa: E402

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫"
)
COMPOUND = ["欧阳", "司马", "上官", "诸葛", "东方"]
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍鹏辉建宇浩然子涵欣怡梓轩一诺雨桐思博文佳琪"
ENGLISH_GIVEN = ["John", "Mary", "Alex", "Wei", "Lily", "Emma", "David", "Grace"]
ENGLISH_FAMILY = ["Smith", "Chen", "Brown", "Li", "Wang", "Taylor", "Garcia"]
TITLES = [
    "总经理",
    "采购经理",
    "技术总监",
    "财务总监",
    "销售经理",
    "工程师",
    "CEO",
    "Head of Sales",
    "",
]
TAGS = ["", "", "VIP", "展会", "VIP,重点", "老客户"]
PREFIXES = ["138", "139", "137", "136", "135", "150", "151", "186", "188", "199"]
COMPANIES = 200  # half of them exist as accounts before the import


def write_csv(path: str, rows: int, seed: int = 2026) -> None:
    """A contacts file of `rows` rows, written as a stream (constant memory)."""
    rng = random.Random(seed)
    companies = [f"测试科技{i}有限公司" for i in range(COMPANIES)]
    # Unique mobiles without holding a million of them: a stride through the number space.
    stride, start = 7_919, rng.randrange(10_000_000)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["姓名", "手机", "邮箱", "公司", "职位", "标签", "备注"])
        for index in range(rows):
            if rng.random() < 0.88:
                family = rng.choice(COMPOUND) if rng.random() < 0.02 else rng.choice(SURNAMES)
                name = family + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))
            else:
                name = f"{rng.choice(ENGLISH_GIVEN)} {rng.choice(ENGLISH_FAMILY)}"
            number = (start + index * stride) % 90_000_000 + 10_000_000
            digits = f"{PREFIXES[index % len(PREFIXES)]}{number}"
            style = index % 4
            mobile = (
                digits
                if style < 2
                else f"+86 {digits[:3]} {digits[3:7]} {digits[7:]}"
                if style == 2
                else f"{digits[:3]}-{digits[3:7]}-{digits[7:]}"
            )
            if index % 500 == 7:
                mobile = "12345"  # not a phone number: the row fails with a clear error
            if index % 1000 == 13 and index > 100:  # repeats the mobile of a row 100 above
                earlier = index - 100
                number = (start + earlier * stride) % 90_000_000 + 10_000_000
                mobile = f"{PREFIXES[earlier % len(PREFIXES)]}{number}"
            email = f"user{index}@example.com" if rng.random() < 0.6 else ""
            company = rng.choice(companies) if rng.random() < 0.5 else ""
            writer.writerow(
                [
                    name,
                    mobile,
                    email,
                    company,
                    rng.choice(TITLES),
                    rng.choice(TAGS),
                    "导入测试" if index % 3 else "",
                ]
            )


@contextmanager
def peak_rss() -> Iterator[dict[str, float]]:
    """The highest resident memory of this process while the block runs (sampled every 50 ms),
    in MB: what the import itself needs, not what earlier steps left behind."""
    result: dict[str, float] = {"mb": 0.0}
    stop = threading.Event()
    page = os.sysconf("SC_PAGE_SIZE")

    def sample() -> None:
        while True:
            with open("/proc/self/statm") as handle:
                rss = int(handle.read().split()[1]) * page / 1e6
            result["mb"] = max(result["mb"], rss)
            if stop.wait(0.05):
                return

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield result
    finally:
        stop.set()
        sampler.join()
        result["mb"] = round(result["mb"], 1)


def import_workspace(user: User, label: str) -> Membership:
    slug = f"bench-import-{label}-{int(time.time())}"
    workspace = workspace_create(name=slug, slug=slug, owner=user)
    owner = Membership.objects.get(workspace=workspace, user=user)
    for index in range(COMPANIES // 2):
        account_create(actor=owner, data={"name": f"测试科技{index}有限公司"})
    return owner


def time_import(owner: Membership, path: str) -> dict[str, Any]:
    size = os.path.getsize(path)
    with open(path, "rb") as handle:
        job = import_create(
            actor=owner,
            object_type="contacts",
            upload=handle,
            filename=os.path.basename(path),
            size=size,
            duplicate_mode="skip",
            dry_run=False,
            background=False,
        )
    with peak_rss() as memory:
        started = time.perf_counter()
        cpu = time.process_time()
        run_import(job.pk)
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu
    job.refresh_from_db()
    if job.status != "done":
        raise SystemExit(f"the import ended {job.status}: {job.error}")
    return {
        "rows": job.processed_rows,
        "file_mb": round(size / 1e6, 1),
        "created": job.created_count,
        "skipped": job.skipped_count,
        "failed": job.failed_count,
        "seconds": round(seconds, 2),
        "rows_per_s": round(job.processed_rows / seconds),
        "cpu_seconds_app": round(cpu, 2),
        "peak_rss_mb": memory["mb"],
    }


def _columns() -> list[str]:
    return [f.column for f in Contact._meta.concrete_fields if not f.primary_key]


def time_baseline(workspace_id: int) -> dict[str, Any]:
    """The database's own bulk load of the rows the import wrote (all columns, new ids), in one
    transaction with the foreign keys checked, rolled back."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in _columns())
    table = quote(Contact._meta.db_table)
    select = f"SELECT {names} FROM {table} WHERE workspace_id = {int(workspace_id)} ORDER BY id"  # noqa: S608
    with tempfile.TemporaryFile() as scratch:
        if connection.vendor == "postgresql":
            with (
                connection.cursor() as cursor,
                cursor.cursor.copy(f"COPY ({select}) TO STDOUT") as copy,
            ):
                for block in copy:
                    scratch.write(block)
            scratch.seek(0)
            rows = 0
            started = time.perf_counter()
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    while block := scratch.read(1 << 20):
                        copy.write(block)
                rows = cursor.cursor.rowcount
                seconds = time.perf_counter() - started
                transaction.set_rollback(True)
            engine = "COPY FROM STDIN, one transaction, constraints checked"
        else:
            with connection.cursor() as cursor:
                cursor.execute(select)
                values = cursor.fetchall()
            marks = ", ".join(["%s"] * len(_columns()))
            started = time.perf_counter()
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", values)  # noqa: S608
                rows = len(values)
                seconds = time.perf_counter() - started
                transaction.set_rollback(True)
            engine = "executemany INSERT, one transaction"
    return {
        "engine": engine,
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_s": round(rows / seconds),
    }


def drop_workspace(owner: Membership) -> None:
    """Delete what the run created, table by table (set-based; a cascade through the ORM would
    load a million rows)."""
    from django.apps import apps

    workspace_id = owner.workspace_id
    tenant_tables = [
        m._meta.db_table
        for m in apps.get_models()
        if any(f.name == "workspace" and f.is_relation for f in m._meta.concrete_fields)
    ]
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            cursor.execute("PRAGMA defer_foreign_keys = ON")
        for table in [*tenant_tables, Workspace._meta.db_table]:
            column = "id" if table == Workspace._meta.db_table else "workspace_id"
            cursor.execute(f"DELETE FROM {quote(table)} WHERE {column} = %s", [workspace_id])  # noqa: S608
    if connection.vendor == "postgresql":
        # The million dead rows would slow every later measurement's index scans until a
        # vacuum; benchmark servers often run without autovacuum.
        with connection.cursor() as cursor:
            for table in tenant_tables:
                cursor.execute(f"VACUUM (ANALYZE) {quote(table)}")


def p1_import(workspace: Workspace, owner: Membership, rows: int = 1_000_000) -> dict[str, Any]:
    """Import `rows` rows (and 100,000 first, to show memory does not grow with the file)."""
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        for label, count in (("small", min(100_000, rows)), ("full", rows)):
            if label == "small" and count == rows:
                continue
            path = os.path.join(folder, f"contacts-{count}.csv")
            write_csv(path, count)
            member = import_workspace(owner.user, label)
            try:
                result[f"import_{count}"] = time_import(member, path)
                if label == "full":
                    result["baseline"] = time_baseline(member.workspace_id)
            finally:
                if not KEEP:
                    drop_workspace(member)
            os.unlink(path)
    full = result[f"import_{rows}"]
    result["rows_per_s"] = full["rows_per_s"]
    result["ratio_to_baseline"] = round(full["rows_per_s"] / result["baseline"]["rows_per_s"], 3)
    result["peak_rss_mb"] = full["peak_rss_mb"]
    result["process_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return result


KEEP = False


def main() -> None:
    import argparse
    import json

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workspace", default="bench", help="the seeded workspace (its owner)")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the imported workspaces")
    parser.add_argument("--profile", action="store_true", help="profile one import instead")
    args = parser.parse_args()
    global KEEP
    KEEP = args.keep
    workspace = Workspace.objects.get(slug=args.workspace)
    owner = Membership.objects.get(workspace=workspace, role__is_owner=True)
    if args.profile:
        import cProfile
        import pstats

        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "contacts.csv")
            write_csv(path, args.rows)
            member = import_workspace(owner.user, "profile")
            profiler = cProfile.Profile()
            profiler.enable()
            print(time_import(member, path))
            profiler.disable()
            if not KEEP:
                drop_workspace(member)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
        return
    print(json.dumps(p1_import(workspace, owner, args.rows), indent=2))


if __name__ == "__main__":
    main()
