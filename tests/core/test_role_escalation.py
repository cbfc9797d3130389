"""Nobody hands out more than they hold: role assignment, invitations and role editing stay
within the actor's own rights; Owners are never all demoted; role deletion never loses data."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, connections, transaction
from django.db.models import ProtectedError
from django.test import Client
from django.utils import timezone

from guanxi.core.errors import PermissionDenied, ValidationFailed
from guanxi.core.models import AuditEvent, DataScope, Invitation, Membership, Role, hash_secret
from guanxi.core.permissions import role_within_rights
from guanxi.core.services.invitations import invitation_create, invitation_resend
from guanxi.core.services.members import member_update
from guanxi.core.services.workspaces import default_role_permissions
from tests.conftest import api_for
from tests.factories import WorkspaceFactory, make_member, role

# A personnel officer (人事): manages members and roles, and holds what a sales manager holds (so may
# hand out those roles), but far less than an Administrator.
HR_PERMISSIONS = {
    **default_role_permissions("sales_manager"),
    "members": ["view", "create", "edit"],
    "teams": ["view"],
    "roles": ["view", "create", "edit"],
    "notes": ["view", "create", "edit"],
}
ACCEPT_URL = "http://testserver/invitations/accept/"


@pytest.fixture
def hr(workspace):
    return make_member(workspace, "", permissions=HR_PERMISSIONS, data_scope=DataScope.TEAM_TREE)


@pytest.fixture
def rep(workspace):
    return make_member(workspace, "sales_rep")


def signed_in(member: Membership) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


def audited(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


def reloaded(member: Membership) -> Membership:
    return Membership.objects.select_related("role").get(pk=member.pk)


# --- role_within_rights -------------------------------------------------------------------------


@pytest.mark.django_db
def test_owner_may_grant_any_role_including_owner(owner):
    assert role_within_rights(owner, {"audit_events": ["view", "export"]}, "all", is_owner=True)


@pytest.mark.django_db
def test_administrator_may_grant_every_default_role_but_owner(workspace, admin):
    for key in ("admin", "sales_manager", "sales_rep", "service_agent", "marketer", "read_only"):
        given = role(workspace, key)
        assert role_within_rights(admin, given.permissions, given.data_scope), key
    owner_role = role(workspace, "owner")
    assert not role_within_rights(admin, {}, owner_role.data_scope, is_owner=True)


@pytest.mark.django_db
def test_actions_must_be_a_subset_per_object_type(hr):
    assert role_within_rights(hr, {"members": ["view", "edit"], "notes": ["view"]}, "own")
    assert not role_within_rights(hr, {"members": ["view", "delete"]}, "own")
    assert not role_within_rights(hr, {"audit_events": ["view"]}, "own")


@pytest.mark.django_db
def test_data_scope_may_not_be_broader_than_the_actors(hr):
    for scope in ("own", "team", "team_tree"):
        assert role_within_rights(hr, {}, scope), scope
    assert not role_within_rights(hr, {}, "all")
    assert not role_within_rights(hr, {}, "everything")


# --- member_update ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_member_editor_cannot_make_themselves_administrator_via_api(workspace, hr):
    before_role, before_version = hr.role_id, hr.version

    response = api_for(hr).patch(
        f"/users/{hr.user_id}", {"version": hr.version, "role_id": role(workspace, "admin").pk}
    )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    after = reloaded(hr)
    assert (after.role_id, after.version) == (before_role, before_version)
    assert audited("member.update") == 0


@pytest.mark.django_db
def test_non_owner_cannot_change_own_role_even_downwards(workspace, admin):
    response = api_for(admin).patch(
        f"/users/{admin.user_id}",
        {"version": admin.version, "role_id": role(workspace, "sales_rep").pk},
    )

    assert response.status_code == 403
    assert "own role" in response.json()["error"]["message"]
    assert reloaded(admin).role_id == role(workspace, "admin").pk
    assert audited("member.update") == 0


@pytest.mark.django_db
def test_member_editor_cannot_give_a_colleague_a_role_beyond_their_rights(workspace, hr, rep):
    for key in ("admin", "read_only"):  # more actions; a broader data scope
        response = api_for(hr).patch(
            f"/users/{rep.user_id}", {"version": rep.version, "role_id": role(workspace, key).pk}
        )
        assert response.status_code == 403, key
        assert "role_id" in response.json()["error"]["fields"]
    assert reloaded(rep).role_id == role(workspace, "sales_rep").pk
    assert reloaded(rep).version == rep.version
    assert audited("member.update") == 0


@pytest.mark.django_db
def test_member_editor_may_give_a_role_within_their_rights(workspace, hr, rep):
    response = api_for(hr).patch(
        f"/users/{rep.user_id}",
        {"version": rep.version, "role_id": role(workspace, "sales_manager").pk},
    )

    assert response.status_code == 200
    assert reloaded(rep).role_id == role(workspace, "sales_manager").pk
    assert audited("member.update") == 1


@pytest.mark.django_db
def test_administrator_still_assigns_default_roles(workspace, admin, rep):
    api = api_for(admin)
    version = rep.version
    for key in ("sales_manager", "admin", "read_only", "sales_rep"):
        response = api.patch(
            f"/users/{rep.user_id}", {"version": version, "role_id": role(workspace, key).pk}
        )
        assert response.status_code == 200, (key, response.json())
        version = response.json()["version"]
        assert reloaded(rep).role_id == role(workspace, key).pk
    assert audited("member.update") == 4


@pytest.mark.django_db
def test_owner_may_change_own_role_while_another_owner_remains(workspace, owner):
    make_member(workspace, "owner")

    response = api_for(owner).patch(
        f"/users/{owner.user_id}",
        {"version": owner.version, "role_id": role(workspace, "admin").pk},
    )

    assert response.status_code == 200
    assert reloaded(owner).role_id == role(workspace, "admin").pk


@pytest.mark.django_db
def test_member_edit_page_refuses_a_role_beyond_the_actors_rights(workspace, hr, rep):
    response = signed_in(hr).post(
        f"/settings/members/{rep.user_id}/",
        {
            "role": role(workspace, "admin").pk,
            "team": "",
            "title": "",
            "is_active": "on",
            "version": rep.version,
        },
    )

    # The form offers only roles within the actor's rights (selectors.assignable_roles), so a
    # forged choice is refused before the service (which refuses it too: see the API tests).
    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()
    assert reloaded(rep).role_id == role(workspace, "sales_rep").pk
    assert audited("member.update") == 0
    page = signed_in(hr).get(f"/settings/members/{rep.user_id}/").content.decode()
    assert f'value="{role(workspace, "admin").pk}"' not in page


# --- invitations --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_invite_page_refuses_a_role_beyond_the_actors_rights(workspace, hr):
    response = signed_in(hr).post(
        "/settings/members/invitations/",
        {"email": "my.other.address@example.com", "role": role(workspace, "admin").pk},
    )

    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()
    assert not Invitation.objects.exists()
    page = signed_in(hr).get("/settings/members/invitations/").content.decode()
    assert f'value="{role(workspace, "admin").pk}"' not in page
    assert f'value="{role(workspace, "sales_rep").pk}"' in page
    assert mail.outbox == []
    assert audited("invitation.create") == 0


@pytest.mark.django_db
def test_invite_within_the_actors_rights_is_sent(workspace, hr):
    response = signed_in(hr).post(
        "/settings/members/invitations/",
        {"email": "new.rep@example.com", "role": role(workspace, "sales_rep").pk},
    )

    assert response.status_code == 302
    assert Invitation.objects.get().role == role(workspace, "sales_rep")
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_administrator_may_invite_an_administrator(workspace, admin):
    invitation = invitation_create(
        actor=admin,
        email="second.admin@example.com",
        role_id=role(workspace, "admin").pk,
        accept_url=ACCEPT_URL,
    )
    assert invitation.role == role(workspace, "admin")


@pytest.mark.django_db
def test_resend_refuses_to_revive_an_invitation_beyond_the_actors_rights(workspace, admin, hr):
    invitation = invitation_create(
        actor=admin,
        email="boss@example.com",
        role_id=role(workspace, "admin").pk,
        accept_url=ACCEPT_URL,
    )
    token_hash = invitation.token_hash

    with pytest.raises(PermissionDenied):
        invitation_resend(actor=hr, invitation=invitation, accept_url=ACCEPT_URL)

    assert Invitation.objects.get().token_hash == token_hash
    assert audited("invitation.resend") == 0


# --- roles --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_role_editor_cannot_add_permissions_to_their_own_role(hr):
    own = hr.role
    response = api_for(hr).patch(
        f"/roles/{own.pk}",
        {"version": own.version, "permissions": {**HR_PERMISSIONS, "audit_events": ["view"]}},
    )

    assert response.status_code == 403
    own.refresh_from_db()
    assert own.permissions == HR_PERMISSIONS
    assert own.version == 1
    assert audited("role.update") == 0


@pytest.mark.django_db
def test_non_owner_cannot_edit_the_role_they_hold_even_to_rename_it(workspace, admin):
    admin_role = role(workspace, "admin")
    response = api_for(admin).patch(
        f"/roles/{admin_role.pk}", {"version": admin_role.version, "name": "Boss"}
    )

    assert response.status_code == 403
    admin_role.refresh_from_db()
    assert admin_role.name == "Administrator"
    assert audited("role.update") == 0


@pytest.mark.django_db
def test_role_editor_cannot_raise_another_role_beyond_their_rights(workspace, hr):
    rep_role = role(workspace, "sales_rep")
    before = (rep_role.permissions, rep_role.data_scope, rep_role.version)
    api = api_for(hr)

    more_actions = api.patch(
        f"/roles/{rep_role.pk}",
        {"version": rep_role.version, "permissions": {"members": ["view", "delete"]}},
    )
    broader_scope = api.patch(
        f"/roles/{rep_role.pk}", {"version": rep_role.version, "data_scope": "all"}
    )

    assert more_actions.status_code == 403
    assert broader_scope.status_code == 403
    rep_role.refresh_from_db()
    assert (rep_role.permissions, rep_role.data_scope, rep_role.version) == before
    assert audited("role.update") == 0


@pytest.mark.django_db
def test_role_editor_may_shape_another_role_within_their_rights(workspace, hr):
    rep_role = role(workspace, "sales_rep")
    response = api_for(hr).patch(
        f"/roles/{rep_role.pk}",
        {"version": rep_role.version, "permissions": {"members": ["view", "edit"]}},
    )

    assert response.status_code == 200
    rep_role.refresh_from_db()
    assert rep_role.permissions == {"members": ["view", "edit"]}
    assert audited("role.update") == 1


@pytest.mark.django_db
def test_role_creator_cannot_create_a_role_beyond_their_rights(hr):
    api = api_for(hr)
    more_actions = api.post(
        "/roles", {"name": "Auditors", "permissions": {"audit_events": ["view"]}}
    )
    broader_scope = api.post("/roles", {"name": "Everyone", "data_scope": "all"})

    assert more_actions.status_code == 403
    assert broader_scope.status_code == 403
    assert not Role.objects.filter(name__in=["Auditors", "Everyone"]).exists()
    assert audited("role.create") == 0


@pytest.mark.django_db
def test_role_creator_may_create_a_role_within_their_rights(hr):
    response = api_for(hr).post(
        "/roles", {"name": "Juniors", "data_scope": "team", "permissions": {"notes": ["view"]}}
    )

    assert response.status_code == 201
    assert Role.objects.get(name="Juniors").permissions == {"notes": ["view"]}


@pytest.mark.django_db
def test_role_page_refuses_to_widen_the_actors_own_role(hr):
    own = hr.role
    response = signed_in(hr).post(
        f"/settings/roles/{own.pk}/",
        {
            "name": own.name,
            "description": "",
            "data_scope": "all",
            "version": own.version,
            "perm:audit_events:view": "on",
        },
    )

    assert response.status_code == 403
    own.refresh_from_db()
    assert (own.data_scope, own.permissions) == ("team_tree", HR_PERMISSIONS)
    assert audited("role.update") == 0


# --- the last Owner -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_owners_demoting_each_other_leave_one_owner(workspace, owner):
    # Given two Owners whose requests both loaded the other as an Owner
    second = make_member(workspace, "owner")
    admin_role = role(workspace, "admin")

    # When the first demotes the second, then the second (with the stale view) the first
    member_update(actor=owner, member=second, version=None, data={"role_id": admin_role.pk})
    with pytest.raises(ValidationFailed) as refused:
        member_update(actor=second, member=owner, version=None, data={"role_id": admin_role.pk})

    # Then the second demotion is refused and one Owner remains
    assert "role_id" in refused.value.fields
    assert list(Membership.objects.active().filter(workspace=workspace, role__is_owner=True)) == [
        owner
    ]


@pytest.mark.django_db
def test_owners_deactivating_each_other_leave_one_owner(workspace, owner):
    second = make_member(workspace, "owner")

    member_update(actor=owner, member=second, version=None, data={"is_active": False})
    with pytest.raises(ValidationFailed) as refused:
        member_update(actor=second, member=owner, version=None, data={"is_active": False})

    assert "is_active" in refused.value.fields
    assert reloaded(owner).is_active is True


def _blocked_on_a_lock_or_done(thread: threading.Thread) -> None:
    """Return once `thread` waits for a row lock (PostgreSQL) or has finished. SQLite runs one
    writer at a time (IMMEDIATE transactions), so there the second writer simply waits."""
    if connection.vendor != "postgresql":
        return
    while thread.is_alive():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
        thread.join(timeout=0.01)


def test_owners_deactivating_each_other_at_once_leave_one_owner(concurrent_db):
    # Given two Owners; the first deactivates the second and has not committed yet
    workspace = WorkspaceFactory()
    first = make_member(workspace, "owner")
    second = make_member(workspace, "owner")
    first_written, release = threading.Event(), threading.Event()
    outcomes: dict[str, str] = {}
    errors: list[BaseException] = []

    def deactivate(name: str, actor: Membership, member: Membership, hold: bool) -> None:
        try:
            concurrent_db()
            with transaction.atomic():
                member_update(actor=actor, member=member, version=None, data={"is_active": False})
                outcomes[name] = "deactivated"
                if hold:
                    first_written.set()
                    release.wait(timeout=30)
        except ValidationFailed:
            outcomes[name] = "refused"
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            first_written.set()
            connections.close_all()

    first_thread = threading.Thread(target=deactivate, args=("first", first, second, True))
    first_thread.start()
    assert first_written.wait(timeout=30)

    # When the second deactivates the first meanwhile
    second_thread = threading.Thread(target=deactivate, args=("second", second, first, False))
    second_thread.start()
    _blocked_on_a_lock_or_done(second_thread)
    release.set()
    first_thread.join(timeout=30)
    second_thread.join(timeout=30)

    # Then the second waited for the first and was refused: one active Owner remains
    assert not errors, errors
    assert outcomes == {"first": "deactivated", "second": "refused"}
    assert list(Membership.objects.active().filter(workspace=workspace, role__is_owner=True)) == [
        first
    ]
    assert AuditEvent.objects.filter(action="member.update").count() == 1


# --- role deletion ------------------------------------------------------------------------------


def _invitation(workspace, the_role: Role, **fields) -> Invitation:
    return Invitation.objects.create(
        workspace=workspace,
        email=f"{the_role.pk}-{Invitation.objects.count()}@example.com",
        role=the_role,
        token_hash=hash_secret(f"secret-{Invitation.objects.count()}"),
        expires_at=fields.pop("expires_at", timezone.now() + timedelta(days=3)),
        **fields,
    )


@pytest.mark.django_db
def test_role_with_a_pending_invitation_is_not_deleted(workspace, admin_api):
    interns = Role.objects.create(workspace=workspace, name="Interns", permissions={})
    invitation = _invitation(workspace, interns)

    response = admin_api.delete(f"/roles/{interns.pk}")

    assert response.status_code == 409
    assert "invitation" in response.json()["error"]["message"].lower()
    assert Role.objects.filter(pk=interns.pk).exists()
    assert Invitation.objects.filter(pk=invitation.pk).exists()
    assert audited("role.delete") == 0


@pytest.mark.django_db
def test_role_with_only_used_invitations_is_deleted(workspace, admin_api):
    interns = Role.objects.create(workspace=workspace, name="Interns", permissions={})
    _invitation(workspace, interns, revoked_at=timezone.now())
    _invitation(workspace, interns, expires_at=timezone.now() - timedelta(days=1))

    response = admin_api.delete(f"/roles/{interns.pk}")

    assert response.status_code == 204
    assert not Role.objects.filter(pk=interns.pk).exists()
    assert audited("role.delete") == 1


@pytest.mark.django_db
def test_role_delete_racing_an_assignment_is_a_conflict_not_a_500(
    workspace, admin_api, monkeypatch
):
    # Given the database refuses the delete (a member got the role after the in-use check)
    interns = Role.objects.create(workspace=workspace, name="Interns", permissions={})

    def protected(self, *args, **kwargs):
        raise ProtectedError("Cannot delete: referenced by a membership", set())

    monkeypatch.setattr(Role, "delete", protected)

    response = admin_api.delete(f"/roles/{interns.pk}")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"
    assert Role.objects.filter(pk=interns.pk).exists()
    assert audited("role.delete") == 0
