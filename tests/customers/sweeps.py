"""Sample records for the shared route sweeps (merged into tests.factories.SWEEP_FACTORIES)."""

from __future__ import annotations

from typing import Any

from guanxi.core.models import Workspace
from tests.factories import make_member


def _account(workspace: Workspace) -> tuple[Any, Any]:
    from guanxi.customers.services.accounts import account_create

    rep = make_member(workspace, "sales_rep")
    account = account_create(actor=rep, data={"name": "Sweep Account Ltd"})
    return account, account.pk


def _contact(workspace: Workspace) -> tuple[Any, Any]:
    from guanxi.customers.services.contacts import contact_create

    rep = make_member(workspace, "sales_rep")
    contact = contact_create(actor=rep, data={"name": "Sweep Contact"})
    return contact, contact.pk


def _tag(workspace: Workspace) -> tuple[Any, Any]:
    from guanxi.customers.models import Tag

    tag = Tag.objects.create(workspace=workspace, name=f"sweep-{Tag.objects.count()}")
    return tag, tag.pk


def _custom_field(workspace: Workspace) -> tuple[Any, Any]:
    from guanxi.customers.models import CustomField

    field = CustomField.objects.create(
        workspace=workspace,
        object_type="accounts",
        key=f"sweep_{CustomField.objects.count()}",
        label="Sweep",
        field_type="text",
    )
    return field, field.pk


def _pool(workspace: Workspace) -> tuple[Any, Any]:
    from guanxi.customers.models import CustomerPool

    pool = CustomerPool.objects.create(
        workspace=workspace, name=f"Sweep pool {CustomerPool.objects.count()}"
    )
    return pool, pool.pk


SWEEPS = {
    "pools": _pool,
    "accounts": _account,
    "contacts": _contact,
    "tags": _tag,
    "custom_fields": _custom_field,
}
