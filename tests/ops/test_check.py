"""`guanxi check` runs the deployment checks and says what to fix."""

from __future__ import annotations

import secrets
import string

from .conftest import guanxi, guanxi_env

HTTPS_WARNINGS = ("security.W004", "security.W008", "security.W012", "security.W016", "guanxi.W001")


def test_check_passes_with_the_documented_production_settings(new_database, tmp_path):
    secret = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(60))
    env = guanxi_env(
        new_database(),
        tmp_path,
        SECRET_KEY=secret,
        HTTPS="true",
        ALLOWED_HOSTS="crm.example.com",
        EMAIL_URL="smtp+tls://crm%40example.com:pw@127.0.0.1:587",
    )

    result = guanxi("check", env=env, cwd=tmp_path, check=False)

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stderr + result.stdout


def test_check_lists_what_to_fix_with_the_laptop_defaults(new_database, tmp_path):
    env = guanxi_env(new_database(), tmp_path)
    del env["SECRET_KEY"]  # the laptop default: generated and kept in var/

    result = guanxi("check", env=env, cwd=tmp_path, check=False)

    # Warnings do not fail the command (use --fail-level WARNING in a pipeline) …
    assert result.returncode == 0, result.stderr
    # … but every HTTPS-related one is listed, with the variable to set.
    for warning in HTTPS_WARNINGS:
        assert warning in result.stderr, warning
    assert "set HTTPS=true" in result.stderr
    assert "guanxi.W002" in result.stderr and "ALLOWED_HOSTS" in result.stderr
    assert "guanxi.W003" in result.stderr and "EMAIL_URL" in result.stderr
    assert "security.W009" not in result.stderr  # the generated secret key is strong
