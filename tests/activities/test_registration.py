"""What the module registers with core: object types and their default grants, timeline kinds."""

from __future__ import annotations

import pytest

from guanxi.core.registry import ACTIONS, TIMELINE_GROUPS, object_type, timeline_kind
from tests.factories import role

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("key", "owner_field"), [("activities", "owner"), ("tasks", "assignee")])
def test_object_type_is_owned_and_has_an_api_path(key, owner_field):
    registered = object_type(key)

    assert registered.owner_field == owner_field
    assert registered.api_path == f"/{key}"
    assert registered.default_grants["admin"] == ACTIONS


@pytest.mark.parametrize(
    ("role_key", "actions"),
    [
        ("admin", list(ACTIONS)),
        ("sales_manager", list(ACTIONS)),
        ("sales_rep", ["view", "create", "edit", "delete"]),
        ("service_agent", ["view", "create", "edit"]),
        ("marketer", ["view"]),
        ("read_only", ["view"]),
    ],
)
def test_a_new_workspace_grants_the_defaults(workspace, role_key, actions):
    permissions = role(workspace, role_key).permissions

    assert permissions["activities"] == actions
    assert permissions["tasks"] == actions


def test_timeline_kinds_and_groups():
    assert timeline_kind("activity.visit").group == "activities"
    assert timeline_kind("activity.wechat").icon == "brand-wechat"
    assert timeline_kind("task.completed").group == "tasks"
    assert str(TIMELINE_GROUPS["activities"]) == "Activities"
    assert str(TIMELINE_GROUPS["tasks"]) == "Tasks"
