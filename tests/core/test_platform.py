"""Settings defaults, the demo workspace, and the command-line entry points."""

import os
import stat
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from guanxi.core.demo import DEMO_OWNER_EMAIL, DEMO_PASSWORD
from guanxi.core.models import (
    ApiToken,
    AuditEvent,
    Membership,
    Role,
    Team,
    User,
    Workspace,
    hash_secret,
)
from guanxi.core.object_types import DEFAULT_ROLES

ROOT = Path(__file__).resolve().parents[2]


def run_settings(tmp_path, code: str, **env: str) -> str:
    """Evaluate `code` against guanxi.settings imported in a clean interpreter."""
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DATABASE_URL", "DEBUG", "GUANXI_TESTING"}
    }
    environment.update(
        {"GUANXI_VAR_DIR": str(tmp_path / "var"), "PYTHONPATH": f"{ROOT}:{ROOT / 'src'}", **env}
    )
    result = subprocess.run(
        [sys.executable, "-c", f"import guanxi.settings as s; print({code})"],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    return result.stdout.strip()


def test_production_hasher_is_argon2(tmp_path):
    assert (
        run_settings(tmp_path, "s.PASSWORD_HASHERS[0]")
        == "django.contrib.auth.hashers.Argon2PasswordHasher"
    )


def test_debug_is_off_unless_asked(tmp_path):
    assert run_settings(tmp_path, "s.DEBUG") == "False"
    assert run_settings(tmp_path, "s.DEBUG", DEBUG="true") == "True"


def test_secret_key_is_generated_once_and_kept_private(tmp_path):
    first = run_settings(tmp_path, "s.SECRET_KEY")
    second = run_settings(tmp_path, "s.SECRET_KEY")
    key_file = tmp_path / "var" / "secret_key"
    assert first == second == key_file.read_text()
    assert len(first) >= 50
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_default_database_is_sqlite_in_var_with_wal_and_busy_timeout(tmp_path):
    db = run_settings(tmp_path, "s.DATABASES['default']['NAME'], s.DATABASES['default']['OPTIONS']")
    assert str(tmp_path / "var" / "guanxi.sqlite3") in db
    assert "journal_mode=WAL" in db and "busy_timeout=20000" in db and "'timeout': 20" in db


def test_https_turns_on_secure_cookies_and_hsts(tmp_path):
    values = run_settings(
        tmp_path,
        "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS > 0",
        HTTPS="true",
    )
    assert values == "True True True True"


def test_password_validators_require_ten_characters():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        validate_password("short-pw9")
    validate_password("long-enough-passphrase")


@pytest.mark.django_db
def test_sqlite_runs_in_wal_mode():
    if connection.vendor != "sqlite" or connection.is_in_memory_db():
        # In-memory test databases cannot use WAL; check the pragma is configured instead.
        assert (
            connection.vendor != "sqlite"
            or "journal_mode=WAL" in settings.DATABASES["default"]["OPTIONS"]["init_command"]
        )
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"


@pytest.mark.django_db
def test_demo_creates_workspace_members_and_teams_once():
    out = StringIO()
    call_command("demo", stdout=out)
    assert DEMO_OWNER_EMAIL in out.getvalue() and DEMO_PASSWORD in out.getvalue()
    workspace = Workspace.objects.get(slug="demo")
    owner = Membership.objects.get(workspace=workspace, user__email=DEMO_OWNER_EMAIL)
    assert owner.role.is_owner
    assert User.objects.get(email=DEMO_OWNER_EMAIL).check_password(DEMO_PASSWORD)
    names = set(Membership.objects.filter(workspace=workspace).values_list("user__name", flat=True))
    assert {"王芳", "李伟", "Emily Chen", "David Smith"} <= names
    assert set(Role.objects.filter(workspace=workspace).values_list("key", flat=True)) == {
        key for key, *_ in DEFAULT_ROLES
    }
    east = Team.objects.get(workspace=workspace, name="华东区 East China")
    assert east.parent.name == "销售部 Sales" and east.parent.parent.name == "总部 Head office"
    counts = (Workspace.objects.count(), Membership.objects.count(), Team.objects.count())
    call_command("demo", stdout=StringIO())
    assert (Workspace.objects.count(), Membership.objects.count(), Team.objects.count()) == counts


@pytest.mark.django_db
def test_default_roles_are_named_in_the_workspace_language():
    call_command("demo", stdout=StringIO())
    # The demo workspace is Chinese-first, so its default roles are named in Chinese; an English
    # workspace gets English names (tests/factories.WorkspaceFactory uses locale "en").
    workspace = Workspace.objects.get(slug="demo")
    assert workspace.locale == "zh-hans"
    names = dict(Role.objects.filter(workspace=workspace).values_list("key", "name"))
    assert (
        names["sales_rep"] == "销售代表"
        and names["owner"] == "所有者"
        and names["admin"] == "管理员"
    )


@pytest.mark.django_db
def test_createadmin_creates_owner_of_new_workspace():
    call_command(
        "createadmin",
        email="Boss@Example.com",
        password="a-long-passphrase",
        workspace="acme",
        stdout=StringIO(),
    )
    member = Membership.objects.get(user__email="boss@example.com", workspace__slug="acme")
    assert member.role.is_owner
    assert (
        AuditEvent.objects.filter(action="workspace.create", workspace=member.workspace).count()
        == 1
    )


@pytest.mark.django_db
def test_createadmin_refuses_a_weak_password():
    with pytest.raises(CommandError):
        call_command(
            "createadmin",
            email="weak@example.com",
            password="123",
            workspace="acme",
            stdout=StringIO(),
        )
    assert not User.objects.filter(email="weak@example.com").exists()


@pytest.mark.django_db
def test_token_create_prints_only_the_secret_and_stores_its_hash():
    call_command(
        "createadmin",
        email="a@example.com",
        password="a-long-passphrase",
        workspace="acme",
        stdout=StringIO(),
    )
    out = StringIO()
    call_command(
        "token",
        "create",
        "--email",
        "a@example.com",
        "--workspace",
        "acme",
        "--scope",
        "write",
        stdout=out,
    )
    raw = out.getvalue().strip()
    token = ApiToken.objects.get()
    assert (
        raw.startswith("gx_")
        and token.token_hash == hash_secret(raw)
        and raw not in token.token_hash
    )
    assert token.scope == "write"


@pytest.mark.django_db
def test_token_create_for_a_non_member_fails():
    with pytest.raises(CommandError):
        call_command(
            "token",
            "create",
            "--email",
            "nobody@example.com",
            "--workspace",
            "acme",
            stdout=StringIO(),
        )
    assert ApiToken.objects.count() == 0


def test_manifest_describes_an_installable_app(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    body = response.json()
    assert body["display"] == "standalone" and body["start_url"] == "/"
    assert {icon["sizes"] for icon in body["icons"]} >= {"192x192", "512x512"}


def test_pages_send_a_strict_content_security_policy(client):
    response = client.get("/sign-in/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_signed_out_visitor_is_sent_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/")


@pytest.mark.django_db
def test_language_follows_accept_language_when_user_has_no_choice(client):
    response = client.get("/sign-in/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert '<html lang="zh-hans"' in response.content.decode()
    response = client.get("/sign-in/", HTTP_ACCEPT_LANGUAGE="en-US")
    assert '<html lang="en"' in response.content.decode()


def test_unknown_api_path_answers_with_the_error_envelope(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "not_found", "message": "Not found.", "fields": {}}
    }


@pytest.mark.django_db
def test_sidebar_lists_the_settings_pages_the_member_may_open(client):
    from tests.factories import WorkspaceFactory, make_member

    workspace = WorkspaceFactory()
    admin = make_member(workspace, "admin")
    client.force_login(admin.user)
    html = client.get("/").content.decode()
    for url in (
        "/settings/workspace/",
        "/settings/members/",
        "/settings/teams/",
        "/settings/roles/",
        "/settings/audit/",
    ):
        assert f'href="{url}"' in html, url
    rep = make_member(workspace, "sales_rep")
    client.force_login(rep.user)
    html = client.get("/").content.decode()
    assert 'href="/settings/members/"' in html  # reps see colleagues, to assign records
    for url in ("/settings/workspace/", "/settings/roles/", "/settings/audit/"):
        assert f'href="{url}"' not in html, url


@pytest.mark.django_db
def test_a_field_with_an_error_is_marked_invalid_and_linked_to_its_message(client):
    html = client.post("/sign-in/", {"email": "not-an-email", "password": "x"}).content.decode()
    assert 'class="form-control is-invalid"' in html
    assert 'aria-describedby="id_email_error"' in html and 'id="id_email_error"' in html


@pytest.mark.django_db
def test_api_errors_follow_accept_language(client):
    response = client.get(
        "/api/v1/me", HTTP_ACCEPT_LANGUAGE="zh-CN", HTTP_AUTHORIZATION="Bearer gx_nope"
    )
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "需要有效的 Bearer 令牌。"
    response = client.get(
        "/api/v1/me", HTTP_ACCEPT_LANGUAGE="en", HTTP_AUTHORIZATION="Bearer gx_nope"
    )
    assert response.json()["error"]["message"] == "A valid Bearer token is required."


def test_the_sidebar_keeps_one_order_in_every_language():
    from django.utils import translation

    from guanxi.core.registry import nav_items

    with translation.override("en"):
        english = [item.url_name for item in nav_items()]
    with translation.override("zh-hans"):
        chinese = [item.url_name for item in nav_items()]

    assert english == chinese


@pytest.mark.parametrize("argv", [[], ["--help"], ["help"], ["-h"]])
def test_guanxi_help_lists_guanxis_own_commands(argv, capsys):
    from guanxi.cli import main

    main(argv)

    out = capsys.readouterr().out
    for command in ("serve", "worker", "demo", "createadmin", "token", "import", "export"):
        assert f"\n  {command} " in out
    assert "backup" in out and "guanxi help --commands" in out
    assert "changepassword" not in out  # Django's own list stays behind help --commands
