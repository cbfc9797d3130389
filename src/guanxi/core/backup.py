"""Backup and restore: one consistent snapshot of the database and the media directory in a tar.

Archive layout (format version 1):

    manifest.json            what this is, when and from what it was taken, checksums, row counts
    database/guanxi.sqlite3  SQLite: a copy made with SQLite's online backup API
    database/guanxi.pgdump   PostgreSQL: `pg_dump --format=custom`
    media/<path>             every file under MEDIA_ROOT

Consistency while the app runs: SQLite's backup API copies one read snapshot of the database, and
pg_dump runs inside a snapshot exported from a REPEATABLE READ transaction in which the row counts
and migration state are also read, so the manifest describes exactly the dump. Media is copied
after the database: files uploaded in between are extra (harmless), while files the database
refers to are all there, because Django never changes a stored file in place.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.db import connection, connections, transaction

FORMAT = "guanxi-backup"
FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
_DATABASE_FILES = {"sqlite": "database/guanxi.sqlite3", "postgresql": "database/guanxi.pgdump"}
_CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup cannot be made or a file cannot be restored; the message says what to do."""


@dataclass
class _Snapshot:
    """Files staged for the archive (archive name → path on disk) and what they contain."""

    files: dict[str, Path] = field(default_factory=dict)
    row_counts: dict[str, int] = field(default_factory=dict)
    migrations: dict[str, list[str]] = field(default_factory=dict)


# --- Shared helpers -----------------------------------------------------------------------------


def _vendor() -> str:
    if connection.vendor not in _DATABASE_FILES:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {connection.vendor}.")
    return connection.vendor


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _quote(vendor: str, table: str) -> str:
    # Table names come from the database catalog, never from user input; quoting handles odd
    # names and schema-qualified PostgreSQL tables.
    parts = table.split(".", 1) if vendor == "postgresql" else [table]
    return ".".join('"' + part.replace('"', '""') + '"' for part in parts)


def _table_names(cursor: Any, vendor: str) -> list[str]:
    """Every table in the database, Django's or not (PostgreSQL: outside `public`, qualified)."""
    if vendor == "sqlite":
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
        return [row[0] for row in cursor.fetchall()]
    cursor.execute(
        "SELECT schemaname, tablename FROM pg_tables "
        "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') "
        "ORDER BY schemaname, tablename"
    )
    return [name if schema == "public" else f"{schema}.{name}" for schema, name in cursor]


def _row_counts(cursor: Any, vendor: str) -> dict[str, int]:
    counts = {}
    for table in _table_names(cursor, vendor):
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(vendor, table)}")  # noqa: S608
        counts[table] = int(cursor.fetchone()[0])
    return counts


def _migration_state(cursor: Any, vendor: str) -> dict[str, list[str]]:
    if "django_migrations" not in _table_names(cursor, vendor):
        return {}
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    state: dict[str, list[str]] = {}
    for app, name in cursor.fetchall():
        state.setdefault(app, []).append(name)
    return state


def _guanxi_version() -> str:
    try:
        return version("guanxi")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "unknown"


def _pg_command(program: str, *args: str) -> tuple[list[str], dict[str, str]]:
    """A pg_dump/pg_restore command line for the configured database, password in the env."""
    from django.db.backends.postgresql.client import DatabaseClient

    db: dict[str, Any] = connection.settings_dict
    _psql_args, env = DatabaseClient.settings_to_cmd_args_env(db, [])
    command = [program, *args]
    if db.get("HOST"):
        command += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        command += ["--port", str(db["PORT"])]
    if db.get("USER"):
        command += ["--username", str(db["USER"])]
    command += ["--dbname", str(db["NAME"])]
    return command, {**os.environ, **(env or {})}


def _run(command: list[str], env: dict[str, str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(
            f"{command[0]} is not installed: install the PostgreSQL client "
            "(Debian: apt-get install postgresql-client) of the server's major version or newer."
        )
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()}")


@contextmanager
def _staging(near: Path) -> Iterator[Path]:
    """A private scratch directory, next to `near` when possible so files can be renamed."""
    parent = near if near.is_dir() else None
    with tempfile.TemporaryDirectory(prefix=".guanxi-backup-", dir=parent) as directory:
        os.chmod(directory, 0o700)
        yield Path(directory)


# --- Backup --------------------------------------------------------------------------------------


def _snapshot_sqlite(staging: Path) -> _Snapshot:
    source_name = str(settings.DATABASES["default"]["NAME"])
    if source_name == ":memory:" or not Path(source_name).is_file():
        raise BackupError(f"The SQLite database {source_name} does not exist.")
    copy = staging / "guanxi.sqlite3"
    with (
        closing(sqlite3.connect(source_name, timeout=20)) as source,
        closing(sqlite3.connect(copy)) as target,
    ):
        # One step (pages=-1) copies a single read snapshot; writers are not blocked in WAL mode.
        source.backup(target)
        cursor = target.cursor()
        snapshot = _Snapshot(
            row_counts=_row_counts(cursor, "sqlite"),
            migrations=_migration_state(cursor, "sqlite"),
        )
    snapshot.files[_DATABASE_FILES["sqlite"]] = copy
    return snapshot


def _snapshot_postgresql(staging: Path) -> _Snapshot:
    dump = staging / "guanxi.pgdump"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot_id = cursor.fetchone()[0]
        snapshot = _Snapshot(
            row_counts=_row_counts(cursor, "postgresql"),
            migrations=_migration_state(cursor, "postgresql"),
        )
        # pg_dump sees exactly what this transaction sees, so the counts above match the dump.
        command, env = _pg_command(
            "pg_dump",
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            f"--snapshot={snapshot_id}",
            f"--file={dump}",
        )
        _run(command, env)
    snapshot.files[_DATABASE_FILES["postgresql"]] = dump
    return snapshot


def _stage_media(staging: Path, snapshot: _Snapshot) -> None:
    media_root = Path(settings.MEDIA_ROOT)
    if not media_root.is_dir():
        return
    for path in sorted(media_root.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue  # a symlink could point anywhere on the machine; only real files belong
        relative = path.relative_to(media_root).as_posix()
        staged = staging / "media" / relative
        staged.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path, staged)  # instant and immutable enough: stored files are never edited
        except OSError:
            shutil.copy2(path, staged)
        snapshot.files[f"media/{relative}"] = staged


def create_backup(target: Path) -> dict[str, Any]:
    """Write a backup archive to `target` (which must not exist yet). Returns its manifest.

    The archive is written to a temporary file beside `target`, readable by the owner only (it
    holds personal data and password hashes), and renamed into place when complete, so a
    half-written backup never carries the final name."""
    target = target.resolve()
    if target.exists():
        raise BackupError(f"{target} already exists; choose a new file name.")
    if not target.parent.is_dir():
        raise BackupError(f"The directory {target.parent} does not exist.")
    vendor = _vendor()
    try:
        return _write_backup(target, vendor)
    except (OSError, sqlite3.Error) as exc:  # disk full, no permission, a locked database…
        raise BackupError(f"Could not write the backup to {target}: {exc}")


def _write_backup(target: Path, vendor: str) -> dict[str, Any]:
    with _staging(target.parent) as staging:
        (staging / "media").mkdir()
        if vendor == "sqlite":
            snapshot = _snapshot_sqlite(staging)
        else:
            snapshot = _snapshot_postgresql(staging)
        _stage_media(staging, snapshot)
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "app": "guanxi",
            "app_version": _guanxi_version(),
            "created_at": datetime.now(UTC).isoformat(),
            "database": {"vendor": vendor, "file": _DATABASE_FILES[vendor]},
            "migrations": snapshot.migrations,
            "files": {
                name: {"sha256": _sha256(path), "size": path.stat().st_size}
                for name, path in sorted(snapshot.files.items())
            },
            "row_counts": snapshot.row_counts,
        }
        partial = staging / "archive.tar"
        mode = "w:gz" if target.name.endswith((".gz", ".tgz")) else "w"
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode=mode) as archive:  # type: ignore[call-overload]
            body = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
            info = tarfile.TarInfo(MANIFEST_NAME)
            info.size = len(body)
            info.mtime = int(datetime.now(UTC).timestamp())
            info.mode = 0o600
            archive.addfile(info, io.BytesIO(body))
            for name, path in sorted(snapshot.files.items()):
                archive.add(path, arcname=name, recursive=False)
        shutil.move(partial, target)
    return manifest


# --- Restore -------------------------------------------------------------------------------------


def _safe_member_name(name: str) -> str:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise BackupError(f"The archive holds an unsafe path {name!r}; refusing it.")
    if name != MANIFEST_NAME and path.parts[0] not in {"database", "media"}:
        raise BackupError(f"The archive holds an unexpected file {name!r}; refusing it.")
    return path.as_posix()


def _read_manifest(archive: tarfile.TarFile) -> dict[str, Any]:
    try:
        member = archive.getmember(MANIFEST_NAME)
    except KeyError:
        raise BackupError("This file is not a Guanxi backup (it has no manifest.json).")
    handle = archive.extractfile(member)
    try:
        manifest = json.loads(handle.read()) if handle is not None else None
    except ValueError:
        manifest = None
    if not isinstance(manifest, dict) or manifest.get("app") != "guanxi":
        raise BackupError("This file is not a Guanxi backup (its manifest is not Guanxi's).")
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"This backup has format {manifest.get('format')!r} version "
            f"{manifest.get('format_version')!r}; this Guanxi reads version {FORMAT_VERSION}."
        )
    return manifest


def _extract_verified(source: Path, staging: Path) -> dict[str, Any]:
    """Unpack the archive into `staging`, checking every file against the manifest."""
    if not source.is_file():
        raise BackupError(f"{source} does not exist.")
    try:
        with tarfile.open(source, mode="r:*") as archive:
            manifest = _read_manifest(archive)
            expected = manifest.get("files")
            if not isinstance(expected, dict) or not all(
                isinstance(entry, dict) for entry in expected.values()
            ):
                raise BackupError("This file is not a Guanxi backup (its manifest has no files).")
            seen: set[str] = set()
            for member in archive.getmembers():
                name = _safe_member_name(member.name)
                if name == MANIFEST_NAME:
                    continue
                if not member.isfile() or name not in expected or name in seen:
                    raise BackupError(
                        f"The backup is damaged: {name!r} is not listed in its manifest."
                    )
                seen.add(name)
                destination = staging / name
                destination.parent.mkdir(parents=True, exist_ok=True)
                handle = archive.extractfile(member)
                assert handle is not None  # regular files always have content
                digest = hashlib.sha256()
                with destination.open("wb") as out:
                    while chunk := handle.read(_CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
                if digest.hexdigest() != expected[name].get("sha256"):
                    raise BackupError(f"The backup is damaged: the checksum of {name} differs.")
            missing = sorted(set(expected) - seen)
            if missing:
                raise BackupError(f"The backup is incomplete: {', '.join(missing[:5])} missing.")
    except (tarfile.TarError, EOFError, OSError, UnicodeDecodeError, zlib.error) as exc:
        raise BackupError(
            f"This file is not a readable Guanxi backup (damaged or truncated: {exc})."
        )
    return manifest


def _ensure_empty_target(vendor: str) -> None:
    with connection.cursor() as cursor:
        tables = _table_names(cursor, vendor)
    if tables:
        raise BackupError(
            f"The target database is not empty ({len(tables)} tables, e.g. {tables[0]}). "
            "Restore into a new, empty database: create one, point DATABASE_URL at it and do "
            "not run `guanxi migrate` or `guanxi serve` on it first."
        )
    media_root = Path(settings.MEDIA_ROOT)
    if media_root.is_dir() and any(media_root.iterdir()):
        raise BackupError(
            f"The media directory {media_root} is not empty; restore into an empty MEDIA_ROOT."
        )


def _restore_sqlite(dump: Path) -> None:
    target_name = str(settings.DATABASES["default"]["NAME"])
    connections.close_all()
    with (
        closing(sqlite3.connect(dump)) as source,
        closing(sqlite3.connect(target_name, timeout=20)) as target,
    ):
        source.backup(target)


def _restore_postgresql(dump: Path) -> None:
    connections.close_all()
    # One transaction: a restore that fails half-way leaves the database empty, not half full.
    command, env = _pg_command(
        "pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"
    )
    _run([*command, str(dump)], env)


def _restore_media(staging: Path) -> int:
    source = staging / "media"
    media_root = Path(settings.MEDIA_ROOT)
    count = 0
    if not source.is_dir():
        return count
    for path in sorted(source.rglob("*")):
        if path.is_file():
            destination = media_root / path.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(path, destination)
            count += 1
    return count


@dataclass
class RestoreResult:
    manifest: dict[str, Any]
    media_files: int
    pending_migrations: list[str]
    unknown_migrations: list[str]


def restore_backup(source: Path) -> RestoreResult:
    """Restore `source` into the configured (empty) database and media directory.

    Refuses, before changing anything, a file that is not a Guanxi backup, is damaged or
    truncated, comes from the other database vendor, or a target that already holds data. After
    restoring, every table's row count is checked against the manifest."""
    vendor = _vendor()
    with _staging(Path(tempfile.gettempdir())) as staging:
        manifest = _extract_verified(source.resolve(), staging)
        backup_vendor = manifest.get("database", {}).get("vendor")
        if backup_vendor != vendor:
            raise BackupError(
                f"This backup is of a {backup_vendor} database and the target is {vendor}; "
                "restore it into the same kind of database."
            )
        _ensure_empty_target(vendor)
        dump = staging / _DATABASE_FILES[vendor]
        if vendor == "sqlite":
            _restore_sqlite(dump)
        else:
            _restore_postgresql(dump)
        media_files = _restore_media(staging)

    with connection.cursor() as cursor:
        restored = _row_counts(cursor, vendor)
    expected: dict[str, int] = manifest.get("row_counts", {})
    differences = [
        f"{table}: {expected.get(table)} expected, {restored.get(table)} restored"
        for table in sorted(set(expected) | set(restored))
        if expected.get(table) != restored.get(table)
    ]
    if differences:
        raise BackupError("The restored data does not match the backup: " + "; ".join(differences))
    pending, unknown = _compare_migrations(manifest.get("migrations", {}))
    return RestoreResult(manifest, media_files, pending, unknown)


def _compare_migrations(applied: dict[str, list[str]]) -> tuple[list[str], list[str]]:
    """Migrations this code has that the backup lacks (run `guanxi migrate`), and the reverse
    (the backup comes from a newer Guanxi)."""
    from django.db.migrations.loader import MigrationLoader

    on_disk = {f"{app}.{name}" for app, name in MigrationLoader(None).disk_migrations}
    in_backup = {f"{app}.{name}" for app, names in applied.items() for name in names}
    apps_on_disk = {key.split(".", 1)[0] for key in on_disk}
    unknown = {key for key in in_backup - on_disk if key.split(".", 1)[0] in apps_on_disk}
    return sorted(on_disk - in_backup), sorted(unknown)
