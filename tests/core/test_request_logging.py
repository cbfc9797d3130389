import logging

import pytest
from django.core import mail
from django.test import Client, override_settings

from guanxi.core.middleware import loggable_path
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_password_reset_links_are_not_logged(caplog):
    caplog.set_level(logging.INFO, logger="guanxi.request")
    Client().get("/account/reset/MQ/set-password-secret-token/")
    lines = [record.getMessage() for record in caplog.records if record.name == "guanxi.request"]
    assert lines and all("secret-token" not in line for line in lines)
    assert loggable_path("/account/reset/MQ/abc/") == "/account/reset/[redacted]"
    assert loggable_path("/settings/members/") == "/settings/members/"


@override_settings(PASSWORD_RESETS_PER_HOUR=2)
def test_password_reset_requests_are_limited_per_address():
    UserFactory(email="flooded@example.com")
    client = Client()
    for _ in range(4):
        response = client.post("/account/password-reset/", {"email": "flooded@example.com"})
        # The visitor always sees the same page: the limit reveals nothing.
        assert response.status_code == 302
    assert len(mail.outbox) == 2
