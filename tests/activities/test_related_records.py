"""Activities and tasks link to records of later modules through related_type + related_id
(here the test plugin's notes stand in for opportunities or tickets)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from guanxi.activities import plugins
from guanxi.activities.services.activities import activity_log
from guanxi.activities.services.tasks import task_create
from guanxi.core.errors import ValidationFailed
from guanxi.core.models import TimelineEntry
from tests.conftest import api_for
from tests.factories import make_member
from tests.plugin_app.models import Note

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def notes_are_linkable(monkeypatch):
    monkeypatch.setattr(plugins, "_linkable_types", {"notes"})


def test_an_activity_on_a_related_record_is_on_its_timeline(rep):
    note = Note.objects.create(workspace=rep.workspace, title="商机：ERP 二期", owner=rep.user)

    activity = activity_log(
        actor=rep, data={"type": "call", "related_type": "notes", "related_id": note.pk}
    )

    assert (activity.related_type, activity.related_id) == ("notes", note.pk)
    assert TimelineEntry.objects.filter(
        subject_type="notes", subject_id=note.pk, ref_type="activities", ref_id=activity.pk
    ).exists()


def test_a_related_record_the_actor_cannot_see_is_refused(workspace, rep):
    someone_elses = Note.objects.create(
        workspace=workspace, title="x", owner=make_member(workspace, "sales_rep").user
    )

    with pytest.raises(ValidationFailed) as caught:
        task_create(
            actor=rep,
            data={
                "title": "x",
                "due_at": timezone.now(),
                "related_type": "notes",
                "related_id": someone_elses.pk,
            },
        )

    assert caught.value.fields == {"related_id": ["Choose a record you can see."]}


def test_an_unregistered_type_is_refused(rep):
    with pytest.raises(ValidationFailed) as caught:
        activity_log(actor=rep, data={"type": "call", "related_type": "roles", "related_id": 1})

    assert list(caught.value.fields) == ["related_type"]


def test_the_api_lists_a_records_activities(rep):
    note = Note.objects.create(workspace=rep.workspace, title="x", owner=rep.user)
    linked = activity_log(
        actor=rep, data={"type": "call", "related_type": "notes", "related_id": note.pk}
    )
    activity_log(actor=rep, data={"type": "call"})

    items = (
        api_for(rep).get("/activities", related_type="notes", related_id=note.pk).json()["items"]
    )

    assert [item["id"] for item in items] == [linked.pk]
