"""`guanxi seed` writes realistic, searchable customers through the bulk path."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from guanxi.core.models import Workspace
from guanxi.customers.models import Account, Contact
from guanxi.customers.selectors import global_search

pytestmark = pytest.mark.django_db(transaction=True)


def test_seed_creates_customers_and_noise_workspaces(capsys):
    call_command("seed", workspace="bench", accounts=50, contacts=200, members=3, noise=1)

    bench = Workspace.objects.get(slug="bench")
    assert Account.objects.filter(workspace=bench).count() == 50
    assert Contact.objects.filter(workspace=bench).count() == 200
    assert Contact.objects.filter(workspace__slug="bench-noise-1").count() == 20
    contact = Contact.objects.filter(workspace=bench, mobile__startswith="+86").first()
    assert contact.name_initials and contact.mobile[3:] in contact.search_text
    owner = bench and contact.owner_id
    assert owner is None or Contact.objects.filter(workspace=bench, owner_id=owner).exists()


def test_seeded_contacts_are_found_by_search():
    call_command("seed", workspace="bench", contacts=100, members=2, noise=0)
    bench = Workspace.objects.get(slug="bench")
    from guanxi.core.models import Membership

    owner = Membership.objects.get(workspace=bench, role__is_owner=True)
    contact = Contact.objects.filter(workspace=bench).exclude(name_initials="").first()

    found = global_search(actor=owner, object_type="contacts", q=contact.name_initials)

    assert contact.pk in {c.pk for c in found} or len(found) == 10


def test_seed_activities_write_timeline_entries_and_follow_ups():
    from guanxi.activities.models import Activity
    from guanxi.core.models import TimelineEntry

    call_command(
        "seed", workspace="bench", accounts=20, contacts=50, activities=300, members=2, noise=0
    )

    bench = Workspace.objects.get(slug="bench")
    assert Activity.objects.filter(workspace=bench).count() == 300
    heavy = Account.objects.filter(workspace=bench).order_by("id").first()
    assert Activity.objects.filter(account=heavy).count() == 300  # the heavy account first
    assert (
        TimelineEntry.objects.filter(
            workspace=bench, subject_type="accounts", subject_id=heavy.pk, ref_type="activities"
        ).count()
        == Activity.objects.filter(account=heavy).count()
    )
    assert heavy.last_followed_at is not None
