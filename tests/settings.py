"""Test settings: Guanxi's settings plus a small plugin app that proves the seams (registry,
data scope, API routers) work for modules added later."""

import os

os.environ.setdefault("GUANXI_TESTING", "1")
os.environ.setdefault("LOG_FORMAT", "text")

from guanxi.settings import *  # noqa: E402,F403
from guanxi.settings import INSTALLED_APPS  # noqa: E402

INSTALLED_APPS = [*INSTALLED_APPS, "tests.plugin_app"]
# Argon2 is the production hasher (asserted in tests/core/test_settings.py); tests hash fast.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# No persistent connections in tests: threads (the live server's, the concurrency tests') must
# not keep the test database open past its teardown.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
