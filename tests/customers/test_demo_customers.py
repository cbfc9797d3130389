import pytest

from guanxi.core.demo import build_demo
from guanxi.customers.models import Account, Contact, CustomField, Tag

pytestmark = pytest.mark.django_db


def test_demo_fills_the_workspace_with_customers():
    result = build_demo()

    accounts = Account.objects.filter(workspace=result.workspace)
    assert accounts.count() == 20
    assert accounts.filter(owner__isnull=True).count() == 2  # waiting in the public pool
    assert Contact.objects.filter(workspace=result.workspace, account__isnull=True).count() == 3
    assert Contact.objects.filter(workspace=result.workspace).count() >= 20
    assert CustomField.objects.filter(workspace=result.workspace).count() == 3
    assert Tag.objects.filter(workspace=result.workspace, name="个人客户").exists()
