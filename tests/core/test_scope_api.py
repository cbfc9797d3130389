"""Data scope through the API, on a real team tree and the plugin's owned "notes" type:
本人 (own) / 本部门 (team) / 本部门及下属 (team_tree) / 全公司 (all)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from guanxi.core.models import Team
from tests.conftest import api_for
from tests.factories import WorkspaceFactory, make_member
from tests.plugin_app.models import Note

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(workspace):
    """总部 → 销售部 → 华东区 / 华北区, one member (and one note) per seat."""
    hq = Team.objects.create(workspace=workspace, name="总部")
    sales = Team.objects.create(workspace=workspace, name="销售部", parent=hq)
    east = Team.objects.create(workspace=workspace, name="华东区", parent=sales)
    north = Team.objects.create(workspace=workspace, name="华北区", parent=sales)

    def seat(team, data_scope):
        return make_member(workspace, "sales_rep", team=team, data_scope=data_scope)

    people = SimpleNamespace(
        ceo=seat(hq, "team_tree"),
        hq_clerk=seat(hq, "own"),
        sales_head=seat(sales, "team_tree"),
        east_manager=seat(east, "team"),
        east_rep=seat(east, "own"),
        north_rep=seat(north, "own"),
        everyone=seat(None, "all"),
        no_team=seat(None, "team"),
    )
    notes = {
        name: Note.objects.create(workspace=workspace, title=f"{name}'s", owner=member.user)
        for name, member in vars(people).items()
    }
    elsewhere = WorkspaceFactory()
    stranger = make_member(elsewhere, "sales_rep")
    Note.objects.create(workspace=elsewhere, title="theirs", owner=stranger.user)
    return SimpleNamespace(people=people, notes=notes)


EXPECTED = {
    "east_rep": {"east_rep"},
    "no_team": {"no_team"},
    "east_manager": {"east_manager", "east_rep"},
    "sales_head": {"sales_head", "east_manager", "east_rep", "north_rep"},
    "ceo": {"ceo", "hq_clerk", "sales_head", "east_manager", "east_rep", "north_rep"},
    "everyone": {
        "ceo",
        "hq_clerk",
        "sales_head",
        "east_manager",
        "east_rep",
        "north_rep",
        "everyone",
        "no_team",
    },
}


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_list_shows_exactly_the_notes_in_scope(org, who):
    api = api_for(getattr(org.people, who))

    body = api.get("/notes", limit=200).json()

    expected_ids = sorted((org.notes[name].pk for name in EXPECTED[who]), reverse=True)
    assert [item["id"] for item in body["items"]] == expected_ids
    assert body["next_cursor"] is None


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_detail_answers_only_inside_scope(org, who):
    api = api_for(getattr(org.people, who))
    for name, note in org.notes.items():
        response = api.get(f"/notes/{note.pk}")
        if name in EXPECTED[who]:
            assert response.status_code == 200, (name, response.content)
            assert response.json()["id"] == note.pk
        else:
            assert response.status_code == 404, name
            assert response.json()["error"]["code"] == "not_found"


def test_out_of_scope_note_cannot_be_changed_or_deleted(org):
    api = api_for(org.people.east_rep)
    target = org.notes["north_rep"]

    assert api.patch(f"/notes/{target.pk}", {"version": 1, "title": "mine now"}).status_code == 404
    assert api.delete(f"/notes/{target.pk}").status_code == 404

    target.refresh_from_db()
    assert (target.title, target.version) == ("north_rep's", 1)


def test_moving_a_member_changes_scope_on_the_next_request(org):
    api = api_for(org.people.east_manager)
    assert org.notes["north_rep"].pk not in [i["id"] for i in api.get("/notes").json()["items"]]

    owner_api = api_for(make_member(org.people.east_rep.workspace, "owner"))
    north_rep = org.people.north_rep
    east = org.people.east_rep.team_id
    assert (
        owner_api.patch(
            f"/users/{north_rep.user_id}", {"version": north_rep.version, "team_id": east}
        ).status_code
        == 200
    )

    assert org.notes["north_rep"].pk in [i["id"] for i in api.get("/notes").json()["items"]]


def test_pages_within_scope_have_no_duplicates_or_gaps(org):
    api = api_for(org.people.everyone)
    seen, cursor = [], None
    while True:
        body = api.get("/notes", limit=3, **({"cursor": cursor} if cursor else {})).json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted((note.pk for note in org.notes.values()), reverse=True)
