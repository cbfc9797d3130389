"""A quick local timing of a contacts import (not part of the test suite; bench/ has the real
benchmarks). Generates N realistic rows (Chinese and English names, unique mobiles, emails,
companies of which some exist, titles, tags, a few bad rows and in-file duplicates), then runs
the import end to end (read, validate, dedupe, write) and prints rows per second.

    DATABASE_URL=sqlite:////tmp/guanxi-bench.sqlite3 DJANGO_SETTINGS_MODULE=tests.dataio.settings \\
        PYTHONPATH=.:src .venv/bin/python tests/dataio/bench_import.py --rows 100000 [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import io
import os
import pstats
import random
import resource
import sys
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("--mode", default="skip", choices=["skip", "update", "create"])
    parser.add_argument(
        "--export", action="store_true", help="then time a CSV export of the contacts"
    )
    parser.add_argument(
        "--patches", help="a module whose apply() patches code first (to measure a change)"
    )
    args = parser.parse_args()

    import django

    django.setup()
    if args.patches:
        import importlib.util

        spec = importlib.util.spec_from_file_location("bench_patches", args.patches)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.apply()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from guanxi.core.models import Workspace
    from guanxi.customers.services.accounts import account_create
    from guanxi.dataio.services.imports import import_create
    from guanxi.dataio.services.processing import run_import
    from tests.factories import UserFactory, make_member

    slug = f"bench-{int(time.time())}"
    workspace = Workspace.objects.create(name=slug, slug=slug, locale="zh-hans")
    from guanxi.core.services.workspaces import roles_install_defaults

    roles_install_defaults(workspace=workspace)
    owner = make_member(workspace, "owner", user=UserFactory(email=f"owner@{slug}.bench"))
    companies = [f"测试科技{i}有限公司" for i in range(200)]
    for name in companies[:100]:
        account_create(actor=owner, data={"name": name})

    path = _generate(args.rows, companies)
    size = os.path.getsize(path)
    print(f"{args.rows:,} rows, {size / 1e6:.1f} MB, database {connection.vendor}")
    with open(path, "rb") as handle:
        job = import_create(
            actor=owner,
            object_type="contacts",
            upload=handle,
            filename="bench.csv",
            size=size,
            duplicate_mode=args.mode,
            dry_run=args.dry_run,
            background=False,
        )
    profiler = cProfile.Profile() if args.profile else None
    started = time.perf_counter()
    cpu_started = time.process_time()
    if profiler:
        profiler.enable()
    run_import(job.pk)
    if profiler:
        profiler.disable()
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    job.refresh_from_db()
    print(
        f"{job.status}: {job.processed_rows:,} rows in {elapsed:.1f} s = "
        f"{job.processed_rows / elapsed:,.0f} rows/s ({cpu:.1f} s of this process's CPU = "
        f"{job.processed_rows / cpu:,.0f} rows per CPU-second); created {job.created_count:,}, "
        f"updated {job.updated_count:,}, skipped {job.skipped_count:,}, failed {job.failed_count:,}"
    )
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    if args.export:
        _time_export(owner)
    if profiler:
        stats = pstats.Stats(profiler, stream=sys.stdout)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(30)
    os.unlink(path)


class _Discard(io.StringIO):
    def write(self, text: str) -> int:
        return len(text)


def _time_export(owner) -> None:
    """The list's default contact columns as CSV, against the database's own fastest dump of the
    same rows (COPY … TO STDOUT on PostgreSQL, a plain cursor read on SQLite)."""
    from django.db import connection

    from guanxi.customers.listing import ListQuery
    from guanxi.dataio.services.exports import csv_write, export_prepare

    export = export_prepare(
        actor=owner,
        object_type="contacts",
        query=ListQuery(),
        columns=["name", "account", "title", "mobile", "owner", "tags", "last_followed_at"],
    )
    started = time.perf_counter()
    rows = csv_write(export, _Discard())
    elapsed = time.perf_counter() - started
    sql = (
        "SELECT c.id, c.name, a.name, c.title, c.mobile, c.owner_id, c.last_followed_at "
        "FROM customers_contact c LEFT JOIN customers_account a ON a.id = c.account_id "
        f"WHERE c.workspace_id = {owner.workspace_id} AND c.deleted_at IS NULL ORDER BY c.id DESC"
    )
    began = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)") as copy:
                for _block in copy:
                    pass
        else:
            cursor.execute(sql)
            while cursor.fetchmany(5000):
                pass
    raw = time.perf_counter() - began
    print(
        f"export: {rows:,} rows in {elapsed:.1f} s = {rows / elapsed:,.0f} rows/s; "
        f"the database's own dump {raw:.2f} s = {rows / raw:,.0f} rows/s "
        f"(export at {raw / elapsed:.0%} of it)"
    )


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍鹏辉建华宇浩然子涵欣怡梓轩一诺雨桐"
)
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


def _generate(rows: int, companies: list[str]) -> str:
    rng = random.Random(2026)
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 (kept after closing, for the import)
        "w", suffix=".csv", delete=False, encoding="utf-8", newline=""
    )
    writer = csv.writer(handle)
    writer.writerow(["姓名", "手机", "邮箱", "公司", "职位", "标签", "备注"])
    mobiles = rng.sample(range(10_000_000, 99_999_999), rows)
    prefixes = ["138", "139", "137", "136", "135", "150", "151", "186", "188", "199"]
    for index in range(rows):
        if rng.random() < 0.9:
            name = rng.choice(SURNAMES) + "".join(
                rng.choice(GIVEN) for _ in range(rng.randint(1, 2))
            )
        else:
            name = f"{rng.choice(['John', 'Mary', 'Alex', 'Wei', 'Lily'])} {rng.choice(['Smith', 'Chen', 'Brown', 'Li'])}"
        mobile = f"{rng.choice(prefixes)}{mobiles[index]}"
        if index % 500 == 7:
            mobile = "12345"  # a bad row
        if index % 1000 == 13 and index > 100:
            mobile = f"{prefixes[0]}{mobiles[index - 100]}"  # repeats a row 100 above
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
    handle.close()
    return handle.name


if __name__ == "__main__":
    if "--help" not in sys.argv:
        sys.stdout = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", line_buffering=True)
    main()
