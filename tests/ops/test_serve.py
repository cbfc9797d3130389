"""`guanxi serve` as operators run it: gunicorn with DEBUG off, collected and hashed static files
served by WhiteNoise, security headers, JSON log lines, clean shutdown."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from .conftest import free_port, guanxi, guanxi_env, wait_for

ADMIN_EMAIL = "ops@acme.example"
MAKE_ADMIN = f"""
from django.core.management import call_command
call_command("createadmin", email="{ADMIN_EMAIL}", password="a-long-passphrase", workspace="acme")
call_command("token", "create", "--email", "{ADMIN_EMAIL}", "--workspace", "acme")
"""


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture(scope="module")
def server(module_new_database, tmp_path_factory):
    """A production-like server: guanxi.settings, DEBUG and GUANXI_TESTING unset, stderr a file
    (not a TTY, so logs default to JSON), static files collected into a temporary STATIC_ROOT."""
    home = tmp_path_factory.mktemp("serve")
    database = module_new_database()
    env = guanxi_env(database, home, STATIC_ROOT=str(home / "static"))
    guanxi("migrate", "--no-input", "-v", "0", env=env, cwd=home)
    port = free_port()
    stderr_path = home / "server.err"
    command = [sys.executable, "-m", "guanxi", "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", "2", "--threads", "2"]
    with (home / "server.out").open("w") as out, stderr_path.open("w") as err:
        process = subprocess.Popen(command, env=env, cwd=home, stdout=out, stderr=err)
    try:
        token = guanxi("shell", "-c", MAKE_ADMIN, env=env, cwd=home).stdout.strip().splitlines()[-1]
        base = f"http://127.0.0.1:{port}"

        def healthy() -> bool:
            if process.poll() is not None:
                raise AssertionError(f"the server exited:\n{stderr_path.read_text()}")
            try:
                return fetch(f"{base}/api/v1/health")[0] == 200
            except OSError:
                return False

        wait_for(healthy, timeout=60, what="the server to answer /api/v1/health")
        yield {
            "base": base,
            "process": process,
            "home": home,
            "stderr": stderr_path,
            "token": token,
            "database": database,
        }
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_static_files_are_collected_hashed_and_served_with_far_future_caching(server):
    manifest = json.loads((server["home"] / "static" / "staticfiles.json").read_text())
    hashed = manifest["paths"]["web/guanxi.css"]
    assert hashed != "web/guanxi.css"  # ManifestStaticFilesStorage is in use, not the dev storage

    status, headers, body = fetch(f"{server['base']}/static/{hashed}")

    assert status == 200
    assert body == (server["home"] / "static" / hashed).read_bytes()
    assert "immutable" in headers["Cache-Control"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    status, headers, _ = fetch(f"{server['base']}/static/web/icon.svg", {"Accept-Encoding": "gzip"})
    assert status == 200 and headers["Content-Type"].startswith("image/svg+xml")
    assert headers.get("Content-Encoding") == "gzip"  # WhiteNoise serves the precompressed file


def test_pages_carry_the_security_headers(server):
    status, headers, body = fetch(f"{server['base']}/sign-in/")

    assert status == 200
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert b"/static/web/guanxi." in body  # pages link the hashed static names


def test_a_request_logs_one_json_line_with_request_id_workspace_and_user(server):
    status, headers, _ = fetch(
        f"{server['base']}/api/v1/me", {"Authorization": f"Bearer {server['token']}"}
    )
    assert status == 200
    request_id = headers["X-Request-ID"]
    user_id = server["database"].query("SELECT id FROM core_user WHERE email = %s", (ADMIN_EMAIL,))[
        0
    ][0]

    def logged() -> list[dict]:
        lines = server["stderr"].read_text().splitlines()
        return [json.loads(line) for line in lines if request_id in line]

    (record,) = wait_for(logged, timeout=10, what="the request's log line")
    assert record["request_id"] == request_id
    assert record["workspace"] == "acme"
    assert record["user"] == str(user_id)
    assert record["message"] == "GET /api/v1/me 200" and record["status"] == 200
    assert record["level"] == "INFO" and record["logger"] == "guanxi.request"
    assert datetime.fromisoformat(record["time"]).utcoffset() == timedelta(0)
    # Every line the server wrote, gunicorn's own included, is one JSON object.
    for line in server["stderr"].read_text().splitlines():
        assert isinstance(json.loads(line), dict), line


# Runs last in this module: it stops the shared server.
def test_sigterm_stops_the_server_cleanly(server):
    server["process"].send_signal(signal.SIGTERM)

    assert server["process"].wait(timeout=30) == 0
    with pytest.raises(OSError):
        fetch(f"{server['base']}/api/v1/health")
    assert "Traceback" not in Path(server["stderr"]).read_text()


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_serve_with_worker_runs_a_worker_and_stops_it_with_the_server(
    new_database, tmp_path, stop_signal
):
    # Given `guanxi serve --with-worker`, as `make run` starts it
    database = new_database()
    env = guanxi_env(database, tmp_path, STATIC_ROOT=str(tmp_path / "static"))
    port = free_port()
    command = [sys.executable, "-m", "guanxi", "serve", "--port", str(port), "--with-worker"]
    command += ["--workers", "1", "--threads", "1"]
    log = tmp_path / "server.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            command, env=env, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        # When it is up, with its worker, and is stopped (Ctrl+C or a service manager)
        def healthy() -> bool:
            if process.poll() is not None:
                raise AssertionError(f"the server exited:\n{log.read_text()}")
            try:
                return fetch(f"http://127.0.0.1:{port}/api/v1/health")[0] == 200
            except OSError:
                return False

        wait_for(healthy, timeout=60, what="the server")
        wait_for(lambda: "Guanxi worker" in log.read_text(), timeout=30, what="the worker")
        process.send_signal(stop_signal)
        assert process.wait(timeout=40) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    # Then the worker stopped cleanly with it, on one signal
    text = log.read_text()
    assert "started" in text and "stopped" in text, text
    assert "Traceback" not in text, text
    pid = int(re.search(r"Guanxi worker [^ ]+:(\d+):\w+ started", text).group(1))
    assert not Path(f"/proc/{pid}").exists()
