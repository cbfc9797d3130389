"""`guanxi backup` / `guanxi restore` through the real command, on the suite's database engine."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import tarfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from .conftest import IS_POSTGRES, Database, guanxi, guanxi_env, wait_for

VENDOR = "postgresql" if IS_POSTGRES else "sqlite"
MEDIA = {
    "uploads/2025/contract.pdf": bytes(range(256)) * 800,
    "avatars/王芳.png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
}
EXTRA_ROWS = """
from django.core.management import call_command
call_command("createadmin", email="boss@acme.example", password="a-long-passphrase", workspace="acme")
call_command("token", "create", "--email", "boss@acme.example", "--workspace", "acme")
"""


def row_counts(database: Database) -> dict[str, int]:
    tables = [t for t in database.tables() if not t.startswith("sqlite_")]
    return {t: database.query(f'SELECT COUNT(*) FROM "{t}"')[0][0] for t in tables}


def media_files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def source(module_new_database, tmp_path_factory):
    """A populated Guanxi (migrate + demo + extra rows + media files) and a backup of it."""
    home = tmp_path_factory.mktemp("source")
    database = module_new_database()
    env = guanxi_env(database, home)
    guanxi("migrate", "--no-input", "-v", "0", env=env, cwd=home)
    guanxi("demo", env=env, cwd=home)
    guanxi("shell", "-c", EXTRA_ROWS, env=env, cwd=home)
    for name, content in MEDIA.items():
        (home / "media" / name).parent.mkdir(parents=True, exist_ok=True)
        (home / "media" / name).write_bytes(content)
    archive = home / "guanxi-backup.tar"
    result = guanxi("backup", str(archive), env=env, cwd=home)
    return {
        "database": database,
        "home": home,
        "env": env,
        "archive": archive,
        "stdout": result.stdout,
    }


def restore_into(database: Database, home: Path, archive: Path) -> subprocess.CompletedProcess[str]:
    return guanxi("restore", str(archive), env=guanxi_env(database, home), cwd=home, check=False)


def test_backup_archive_has_a_manifest_describing_every_file_and_table(source):
    with tarfile.open(source["archive"]) as archive:
        names = archive.getnames()
        assert names[0] == "manifest.json"
        manifest = json.load(archive.extractfile("manifest.json"))
        checksums = {
            member.name: hashlib.sha256(archive.extractfile(member).read()).hexdigest()
            for member in archive.getmembers()
            if member.name != "manifest.json"
        }

    assert manifest["app"] == "guanxi" and manifest["format_version"] == 1
    assert datetime.now(UTC) - datetime.fromisoformat(manifest["created_at"]) < timedelta(
        minutes=10
    )
    assert manifest["database"]["vendor"] == VENDOR
    assert {name: entry["sha256"] for name, entry in manifest["files"].items()} == checksums
    assert set(checksums) == {manifest["database"]["file"], *(f"media/{name}" for name in MEDIA)}
    assert manifest["row_counts"] == row_counts(source["database"])
    assert manifest["row_counts"]["core_workspace"] == 2  # demo + acme
    applied = source["database"].query("SELECT app, name FROM django_migrations")
    assert sorted(
        (app, name) for app, names in manifest["migrations"].items() for name in names
    ) == sorted(applied)
    assert "core" in manifest["migrations"]
    assert (source["archive"].stat().st_mode & 0o077) == 0  # personal data: owner-only


def test_restore_reproduces_every_row_of_every_table_and_the_media(source, new_database, tmp_path):
    target = new_database()

    result = restore_into(target, tmp_path, source["archive"])

    assert result.returncode == 0, result.stderr
    assert "row counts verified" in result.stdout
    source_rows, target_rows = source["database"].dump(), target.dump()
    assert sorted(target_rows) == sorted(source_rows)
    for table, rows in source_rows.items():
        assert target_rows[table] == rows, f"table {table} differs"
    assert media_files(tmp_path / "media") == MEDIA
    # The restored database is live: new rows get fresh ids (sequences came along).
    guanxi(
        "createadmin",
        "--email",
        "new@acme.example",
        "--password",
        "another-long-passphrase",
        "--workspace",
        "after-restore",
        env=guanxi_env(target, tmp_path),
        cwd=tmp_path,
    )
    assert target.query("SELECT COUNT(*) FROM core_workspace")[0][0] == 3


def test_restore_refuses_a_tampered_backup_and_changes_nothing(source, new_database, tmp_path):
    with tarfile.open(source["archive"]) as archive:
        member = archive.getmember("media/uploads/2025/contract.pdf")
        offset = member.offset_data + member.size // 2
    tampered = tmp_path / "tampered.tar"
    data = bytearray(source["archive"].read_bytes())
    data[offset] ^= 0xFF
    tampered.write_bytes(bytes(data))
    target = new_database()

    result = restore_into(target, tmp_path, tampered)

    assert result.returncode != 0
    assert "damaged" in result.stderr and "checksum" in result.stderr
    assert [t for t in target.tables() if not t.startswith("sqlite_")] == []
    assert not (tmp_path / "media").exists() or not any((tmp_path / "media").iterdir())


def test_restore_refuses_a_truncated_backup(source, new_database, tmp_path):
    truncated = tmp_path / "truncated.tar"
    data = source["archive"].read_bytes()
    truncated.write_bytes(data[: len(data) * 2 // 3])
    target = new_database()

    result = restore_into(target, tmp_path, truncated)

    assert result.returncode != 0
    assert (
        "damaged" in result.stderr or "truncated" in result.stderr or "incomplete" in result.stderr
    )
    assert [t for t in target.tables() if not t.startswith("sqlite_")] == []


def _tar(path: Path, files: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w") as archive:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return path


@pytest.mark.parametrize(
    "files",
    [
        {"etc/passwd": b"root:x:0:0\n"},
        {"manifest.json": json.dumps({"app": "wordpress", "format_version": 1}).encode()},
        None,  # not a tar archive at all
    ],
    ids=["tar-without-manifest", "other-apps-manifest", "not-a-tar"],
)
def test_restore_refuses_a_file_that_is_not_a_guanxi_backup(files, new_database, tmp_path):
    foreign = tmp_path / "foreign.tar"
    if files is None:
        foreign.write_bytes(b"%PDF-1.7 definitely not a backup\n" * 100)
    else:
        _tar(foreign, files)
    target = new_database()

    result = restore_into(target, tmp_path, foreign)

    assert result.returncode != 0
    assert "not a Guanxi backup" in result.stderr or "not a readable Guanxi backup" in result.stderr
    assert [t for t in target.tables() if not t.startswith("sqlite_")] == []


def test_restore_refuses_a_database_that_already_has_data(source):
    before = source["database"].dump()

    result = restore_into(source["database"], source["home"], source["archive"])

    assert result.returncode != 0
    assert "not empty" in result.stderr
    assert source["database"].dump() == before


def test_backup_while_writes_go_on_is_one_consistent_snapshot(new_database, tmp_path):
    # Given a Guanxi whose cache table is written to continuously by another process
    database = new_database()
    env = guanxi_env(database, tmp_path)
    guanxi("migrate", "--no-input", "-v", "0", env=env, cwd=tmp_path)
    stop = tmp_path / "stop-writing"
    writer_code = (
        "import pathlib, time\nfrom django.core.cache import cache\n"
        f"stop = pathlib.Path({str(stop)!r}); deadline = time.monotonic() + 60; i = 0\n"
        "while not stop.exists() and time.monotonic() < deadline:\n"
        "    cache.set(f'key-{i}', 'x' * 200, 3600); i += 1\n"
    )
    writer = subprocess.Popen(
        [sys.executable, "-m", "guanxi", "shell", "-c", writer_code], env=env, cwd=tmp_path
    )
    try:
        wait_for(
            lambda: database.query("SELECT COUNT(*) FROM guanxi_cache")[0][0] >= 20,
            timeout=30,
            what="the writer",
        )
        # When a backup is taken in the middle of the writes
        guanxi("backup", str(tmp_path / "live.tar"), env=env, cwd=tmp_path)
    finally:
        stop.touch()
        writer.wait(timeout=30)
    assert writer.returncode == 0

    # Then it restores with every table's row count matching its manifest
    target = new_database()
    restore_home = tmp_path / "restored"
    restore_home.mkdir()
    result = restore_into(target, restore_home, tmp_path / "live.tar")
    assert result.returncode == 0, result.stderr
    with tarfile.open(tmp_path / "live.tar") as archive:
        manifest = json.load(archive.extractfile("manifest.json"))
    assert manifest["row_counts"]["guanxi_cache"] > 0
    assert row_counts(target) == manifest["row_counts"]
