"""Guanxi benchmarks on a seeded database (see bench/README.md).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/guanxi_bench \\
        .venv/bin/python bench/run.py --workspace bench --out bench/results/postgresql.json

Runs in-process through Django's test client (the whole request: middleware, authentication,
permissions, rendering), so "server time" is what a request costs the app and the database,
without the network. Writes one JSON file with the machine, the database, the data size and
p50/p95 per measurement, next to the targets of issue #3.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanxi.settings")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("LOG_LEVEL", "ERROR")
os.environ.setdefault("API_RATE_LIMIT_PER_MINUTE", "1000000")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

# Pages link static files; the benchmark needs no collectstatic manifest for that.
settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from guanxi.core.apikit import _encode  # noqa: E402
from guanxi.core.models import Membership, Workspace  # noqa: E402
from guanxi.core.services.tokens import token_create  # noqa: E402
from guanxi.customers.models import Account, Contact  # noqa: E402

TARGETS = {
    "P1": "import ≥ 20,000 rows/s end to end, memory flat in file size",
    "P2": "export ≥ 50% of COPY TO",
    "P3": "p95 ≤ 50 ms; page 10,000 within 1.5× of page 1",
    "P4": "p95 ≤ 50 ms",
    "P5": "p95 ≤ 100 ms with a constant query count",
}


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def timed(call: Callable[[], Any], runs: int, warmup: int = 3) -> dict[str, Any]:
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return {
        "runs": runs,
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": round(percentile(samples, 95), 2),
        "max_ms": round(max(samples), 2),
    }


def api_client(member: Membership) -> Client:
    _token, raw = token_create(member=member, name="bench", scope="read")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def ok(response: Any) -> Any:
    if response.status_code != 200:
        raise SystemExit(f"{response.status_code}: {response.content[:300]!r}")
    return response


def machine() -> dict[str, Any]:
    memory = None
    try:
        with open("/proc/meminfo") as handle:
            memory = handle.readline().split()[1] + " kB"
    except OSError:
        pass
    settings: dict[str, str] = {}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
            # The server settings that decide bulk-load and cache speed (docs/deploy.md).
            cursor.execute(
                "SELECT name, current_setting(name) FROM pg_settings WHERE name = ANY(%s)",
                [list(PG_SETTINGS)],
            )
            settings = dict(cursor.fetchall())
        else:
            cursor.execute("SELECT sqlite_version()")
            version = cursor.fetchone()[0]
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "memory": memory,
        "database": connection.vendor,
        "database_version": version,
        **({"database_settings": settings} if settings else {}),
    }


PG_SETTINGS = (
    "shared_buffers",
    "effective_cache_size",
    "maintenance_work_mem",
    "work_mem",
    "max_wal_size",
    "checkpoint_timeout",
    "wal_compression",
    "synchronous_commit",
    "random_page_cost",
    "autovacuum",
)


# --- P3: the contact list ----------------------------------------------------------------------------


def p3_list(workspace: Workspace, rep: Membership, runs: int) -> dict[str, Any]:
    client = api_client(rep)
    base = "/api/v1/contacts?owner_id=me&sort=-updated_at&limit=50"
    rows = Contact.objects.filter(
        workspace=workspace, owner_id=rep.user_id, deleted_at__isnull=True
    )
    owned = rows.count()
    deep_page = min(10_000, max(1, owned // 50))
    # The cursor of page N is the keyset of its previous row (found once, untimed).
    anchor = (
        rows.order_by("-updated_at", "-id").values_list("updated_at", "id")[
            (deep_page - 1) * 50 - 1
        ]
        if deep_page > 1
        else None
    )
    deep = f"{base}&cursor={_encode(list(anchor))}" if anchor else base
    ok(client.get(base))  # the token's first use is recorded once a minute
    first = timed(lambda: ok(client.get(base)), runs)
    last = timed(lambda: ok(client.get(deep)), runs)
    html = Client()
    html.force_login(rep.user)
    page_html = timed(lambda: ok(html.get("/contacts/?owner_id=me&sort=-updated_at")), runs)
    return {
        "what": "GET /api/v1/contacts?owner_id=me&sort=-updated_at&limit=50 as a sales rep "
        "(data scope: own)",
        "rep_owns": owned,
        "page_1": first,
        f"page_{deep_page}": last,
        "deep_page": deep_page,
        "deep_over_first_p95": round(last["p95_ms"] / first["p95_ms"], 2),
        # Query counts of the API lists are asserted in the test suite (flat, at most 12).
        "html_list_page_1": page_html,
    }


# --- P4: search -------------------------------------------------------------------------------


def p4_search(workspace: Workspace, rep: Membership, runs: int) -> dict[str, Any]:
    client = api_client(rep)
    mine = Contact.objects.filter(workspace=workspace, owner_id=rep.user_id)
    sample = (
        mine.filter(name__regex=r"^[\u4e00-\u9fff]{2}$", mobile__startswith="+86")
        .exclude(email="")
        .order_by("id")
        .first()
    )
    if sample is None:
        raise SystemExit("no seeded 2-character contact with a mobile and an email")
    queries = {
        "two_character_name": sample.name,
        "pinyin_initials": sample.name_initials,
        "phone_fragment": sample.mobile[5:12],
        "email_fragment": sample.email.split("@")[0][:8],
    }
    results: dict[str, Any] = {"what": "GET /api/v1/contacts?q=…&limit=20 as a sales rep"}
    for label, q in queries.items():
        url = f"/api/v1/contacts?limit=20&q={q}"
        found = len(ok(client.get(url)).json()["items"])
        results[label] = {
            "q": q,
            "found": found,
            **timed(lambda url=url: ok(client.get(url)), runs),
        }
    palette = Client()
    palette.force_login(rep.user)
    results["palette_pinyin_initials"] = {
        "q": queries["pinyin_initials"],
        **timed(
            lambda: ok(
                palette.get(
                    f"/search/?q={queries['pinyin_initials']}", HTTP_ACCEPT="application/json"
                )
            ),
            runs,
        ),
    }
    return results


# --- P5: the 360° page of an account with 10,000 activities -----------------------------------


def p5_account_page(workspace: Workspace, owner: Membership, runs: int) -> dict[str, Any]:
    from guanxi.activities.models import Activity

    heavy = Account.objects.filter(workspace=workspace).order_by("id").first()
    light = Account.objects.filter(workspace=workspace).exclude(pk=heavy.pk).order_by("id").first()
    client = Client()
    client.force_login(owner.user)
    counts = {}
    ok(client.get(f"/accounts/{light.pk}/"))  # the first page of a session records the session
    for label, account in (("heavy", heavy), ("light", light)):
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            ok(client.get(f"/accounts/{account.pk}/"))
        counts[label] = {
            "activities": Activity.objects.filter(account=account).count(),
            "queries": len(queries.captured_queries),
        }
    return {
        "what": "GET /accounts/<id>/ (the 360° page) as the workspace owner",
        "account_id": heavy.pk,
        **timed(lambda: ok(client.get(f"/accounts/{heavy.pk}/")), runs),
        "query_counts": counts,
        "constant_query_count": counts["heavy"]["queries"] == counts["light"]["queries"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workspace", default="bench")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--only", default="P1,P2,P3,P4,P5", help="comma-separated: P1,P2,P3,P4,P5")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument(
        "--import-rows", type=int, default=1_000_000, help="P1: rows in the imported file"
    )
    args = parser.parse_args()
    workspace = Workspace.objects.get(slug=args.workspace)
    owner = Membership.objects.get(workspace=workspace, role__is_owner=True)
    rep = (
        Membership.objects.filter(workspace=workspace, role__key="sales_rep").order_by("id").first()
    )
    only = {p.strip().upper() for p in args.only.split(",")}
    report: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "data": {
            "workspace": workspace.slug,
            "contacts": Contact.objects.filter(workspace=workspace).count(),
            "accounts": Account.objects.filter(workspace=workspace).count(),
            "contacts_all_workspaces": Contact.objects.count(),
        },
        "targets": TARGETS,
        "results": {},
    }
    steps: dict[str, Callable[[], dict[str, Any]]] = {
        "P3": lambda: p3_list(workspace, rep, args.runs),
        "P4": lambda: p4_search(workspace, rep, args.runs),
        "P5": lambda: p5_account_page(workspace, owner, args.runs),
    }
    if "P1" in only:
        from bench.import_bench import p1_import

        steps["P1"] = lambda: p1_import(workspace, owner, args.import_rows)
    if "P2" in only:
        from bench.export_bench import p2_export

        steps["P2"] = lambda: p2_export(workspace, owner)
    # P1 last: it writes (and then deletes) a million rows, which the others should not see.
    for key in ("P2", "P3", "P4", "P5", "P1"):
        if key in only and key in steps:
            print(f"{key}…", file=sys.stderr, flush=True)
            reset_queries()
            report["results"][key] = steps[key]()
    text = json.dumps(report, ensure_ascii=False, indent=2)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
