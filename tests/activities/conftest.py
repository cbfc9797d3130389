"""Customers to log activities against, and the members who do it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from guanxi.customers.services.accounts import account_create
from guanxi.customers.services.contacts import contact_create
from tests.factories import make_member

# A fixed "now" for rules that depend on time; services and selectors take it as `now`.
NOW = datetime(2025, 3, 10, 6, 0, tzinfo=UTC)  # 14:00 in Asia/Shanghai


@pytest.fixture
def rep(workspace):
    return make_member(workspace, "sales_rep")


@pytest.fixture
def account(rep):
    return account_create(actor=rep, data={"name": "华为技术有限公司"})


@pytest.fixture
def contact(rep, account):
    return contact_create(actor=rep, data={"name": "张伟", "account_id": account.pk})


@pytest.fixture
def lone_contact(rep):
    """A B2C customer: a contact without an account."""
    return contact_create(actor=rep, data={"name": "李娜"})
