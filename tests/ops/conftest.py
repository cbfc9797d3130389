"""Helpers for the operations tests: fresh databases of the engine the suite runs on, and the
`guanxi` command run in a subprocess with a clean environment pointing at them."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
ENGINE = settings.DATABASES["default"]["ENGINE"]
IS_POSTGRES = ENGINE == "django.db.backends.postgresql"
# Variables a subprocess may inherit; everything Guanxi reads is set explicitly by the tests.
_INHERITED = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "USER"}


@dataclass
class Database:
    """An empty database of the suite's engine, outside the test database."""

    url: str
    sqlite_path: Path | None = None
    pg_name: str | None = None

    def connect(self) -> Any:
        if self.sqlite_path is not None:
            return sqlite3.connect(self.sqlite_path)
        import psycopg

        return psycopg.connect(**_pg_params(self.pg_name))

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Runs `sql` with `%s` placeholders on either engine."""
        conn = self.connect()
        try:
            cursor = conn.cursor()
            if self.sqlite_path is not None:
                cursor.execute(sql.replace("%s", "?"), params)
            else:
                cursor.execute(sql, params or None)
            return [tuple(row) for row in cursor.fetchall()]
        finally:
            conn.close()

    def tables(self) -> list[str]:
        if self.sqlite_path is not None:
            sql = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
        else:
            sql = "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        return [row[0] for row in self.query(sql)]

    def dump(self) -> dict[str, list[tuple[str, ...]]]:
        """Every row of every table, as sorted tuples of reprs (an order-free, exact copy)."""
        conn = self.connect()
        try:
            cursor = conn.cursor()
            result = {}
            for table in self.tables():
                cursor.execute(f'SELECT * FROM "{table}"')
                result[table] = sorted(tuple(repr(value) for value in row) for row in cursor)
            return result
        finally:
            conn.close()


def _pg_params(dbname: str | None) -> dict[str, Any]:
    db = settings.DATABASES["default"]
    params = {"dbname": dbname or "postgres", "autocommit": True}
    for key, name in (
        ("HOST", "host"),
        ("PORT", "port"),
        ("USER", "user"),
        ("PASSWORD", "password"),
    ):
        if db.get(key):
            params[name] = db[key]
    return params


def _pg_url(dbname: str) -> str:
    db = settings.DATABASES["default"]
    credentials = quote(db.get("USER") or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{credentials}@{host}:{port}/{dbname}"


class DatabaseFactory:
    """Makes empty databases of the suite's engine; `drop_all` removes the PostgreSQL ones."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.created: list[str] = []

    def __call__(self) -> Database:
        name = f"guanxi_ops_{uuid.uuid4().hex[:12]}"
        if not IS_POSTGRES:
            path = self.directory / f"{name}.sqlite3"
            return Database(url=f"sqlite:///{path}", sqlite_path=path)
        import psycopg

        with psycopg.connect(**_pg_params(None)) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return Database(url=_pg_url(name), pg_name=name)

    def drop_all(self) -> None:
        if not self.created:
            return
        import psycopg

        with psycopg.connect(**_pg_params(None)) as admin:
            for name in self.created:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def new_database(tmp_path: Path) -> Iterator[DatabaseFactory]:
    factory = DatabaseFactory(tmp_path)
    yield factory
    factory.drop_all()


@pytest.fixture(scope="module")
def module_new_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseFactory]:
    factory = DatabaseFactory(tmp_path_factory.mktemp("databases"))
    yield factory
    factory.drop_all()


def guanxi_env(
    database: Database, home: Path, settings_module: str = "guanxi.settings", **extra: str
) -> dict[str, str]:
    """The environment of a `guanxi` process on `database`, with var/ and media under `home`."""
    env = {key: value for key, value in os.environ.items() if key in _INHERITED}
    env.update(
        {
            "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'src'}",
            "PYTHONUNBUFFERED": "1",
            "DJANGO_SETTINGS_MODULE": settings_module,
            "DATABASE_URL": database.url,
            "GUANXI_VAR_DIR": str(home / "var"),
            "MEDIA_ROOT": str(home / "media"),
            "SECRET_KEY": "ops-tests-" + "k" * 40 + uuid.uuid4().hex,
        }
    )
    env.update(extra)
    return env


def guanxi(
    *args: str, env: dict[str, str], cwd: Path, check: bool = True, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "guanxi", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"guanxi {' '.join(args)} exited {result.returncode}\n"
            f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        )
    return result


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition: Callable[[], Any], *, timeout: float, what: str) -> Any:
    """Polls `condition` every 0.1 s until it returns something truthy (bounded)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
