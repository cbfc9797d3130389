"""Invitations: invite by email, the emailed single-use link, accepting as a new or existing user,
expiry, reuse, revoke, resend, and the address check."""

import logging
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from guanxi.core.models import AuditEvent, Invitation, Membership, User, hash_secret
from tests.factories import TEST_PASSWORD, TeamFactory, UserFactory, make_member, role

pytestmark = pytest.mark.django_db
LINK = re.compile(r"http://testserver/invitations/accept/\?t=([\w-]+)")


def signed_in(member_or_user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(getattr(member_or_user, "user", member_or_user))
    return client


def invite(admin, email="new.person@example.com", role_key="sales_rep", team=None) -> str:
    """Invite through the page; returns the raw secret from the email."""
    before = len(mail.outbox)
    response = signed_in(admin).post(
        "/settings/members/invitations/",
        {
            "email": email,
            "role": role(admin.workspace, role_key).pk,
            "team": team.pk if team else "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert len(mail.outbox) == before + 1
    return LINK.search(mail.outbox[-1].body).group(1)


def accept_url(raw: str) -> str:
    return f"/invitations/accept/?t={raw}"


def test_invite_stores_only_hash_emails_link_and_is_audited(admin, settings, caplog):
    settings.INVITATION_VALID_DAYS = 3
    team = TeamFactory(workspace=admin.workspace, name="华东区")
    caplog.set_level(logging.DEBUG)
    raw = invite(admin, email="Wang.Fang@Example.com", team=team)
    invitation = Invitation.objects.get()
    assert invitation.email == "wang.fang@example.com"
    assert invitation.token_hash == hash_secret(raw) and raw not in invitation.token_hash
    assert (invitation.role.key, invitation.team_id, invitation.invited_by_id) == (
        "sales_rep",
        team.pk,
        admin.user_id,
    )
    expected = timezone.now() + timedelta(days=3)
    assert abs((invitation.expires_at - expected).total_seconds()) < 60
    message = mail.outbox[0]
    assert message.to == ["wang.fang@example.com"]
    assert message.subject == f"You are invited to join {admin.workspace.name} on Guanxi"
    assert f"http://testserver/invitations/accept/?t={raw}" in message.body
    event = AuditEvent.objects.get(action="invitation.create")
    assert event.object_label == "wang.fang@example.com" and raw not in str(event.changes)
    # The secret reaches no log line, neither when inviting nor when the link is opened.
    Client().get(accept_url(raw))
    assert all(raw not in record.getMessage() for record in caplog.records)


def test_new_user_creates_account_and_joins_with_role_and_team(admin):
    team = TeamFactory(workspace=admin.workspace)
    raw = invite(admin, team=team)
    visitor = Client()
    page = visitor.get(accept_url(raw))
    assert page.status_code == 200
    assert f"Join {admin.workspace.name}" in page.content.decode()

    weak = visitor.post("/invitations/accept/", {"t": raw, "name": "王芳", "password": "123"})
    assert weak.status_code == 422
    assert "too short" in weak.content.decode()
    assert not User.objects.filter(email="new.person@example.com").exists()
    assert Invitation.objects.get().accepted_at is None

    response = visitor.post(
        "/invitations/accept/", {"t": raw, "name": "王芳", "password": "a-long-unusual-passphrase"}
    )
    assert response.status_code == 302 and response["Location"] == "/"
    user = User.objects.get(email="new.person@example.com")
    assert user.name == "王芳" and user.check_password("a-long-unusual-passphrase")
    membership = Membership.objects.get(user=user)
    assert (membership.workspace_id, membership.role.key, membership.team_id) == (
        admin.workspace_id,
        "sales_rep",
        team.pk,
    )
    assert Invitation.objects.get().accepted_at is not None
    event = AuditEvent.objects.get(action="invitation.accept")
    assert (event.actor_id, event.workspace_id) == (user.pk, admin.workspace_id)
    assert visitor.get("/settings/members/").status_code == 200  # signed in as the new member


def test_link_works_only_once(admin):
    raw = invite(admin)
    Client().post(
        "/invitations/accept/", {"t": raw, "name": "A", "password": "a-long-unusual-passphrase"}
    )
    again = Client().get(accept_url(raw))
    assert again.status_code == 410
    assert "This invitation has already been used." in again.content.decode()
    second = Client().post(
        "/invitations/accept/", {"t": raw, "name": "B", "password": "another-long-passphrase"}
    )
    assert second.status_code == 410
    assert Membership.objects.filter(user__email="new.person@example.com").count() == 1
    assert AuditEvent.objects.filter(action="invitation.accept").count() == 1


def test_expired_link_shows_clear_page_and_creates_nothing(admin):
    raw = invite(admin)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    page = Client().get(accept_url(raw))
    assert page.status_code == 410
    assert "This invitation has expired." in page.content.decode()
    post = Client().post(
        "/invitations/accept/", {"t": raw, "name": "A", "password": "a-long-unusual-passphrase"}
    )
    assert post.status_code == 410
    assert not User.objects.filter(email="new.person@example.com").exists()


def test_unknown_link_is_404():
    page = Client().get(accept_url("not-a-real-secret"))
    assert page.status_code == 404
    assert "This invitation link is not valid." in page.content.decode()


def test_revoked_link_stops_working_and_revoke_is_audited(admin):
    raw = invite(admin)
    invitation = Invitation.objects.get()
    client = signed_in(admin)
    page = client.get("/settings/members/invitations/").content.decode()
    assert "new.person@example.com" in page and "data-confirm=" in page
    response = client.post(f"/settings/members/invitations/{invitation.pk}/revoke/")
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert AuditEvent.objects.get(action="invitation.revoke").object_id == str(invitation.pk)
    closed = Client().get(accept_url(raw))
    assert closed.status_code == 410 and "This invitation was withdrawn." in closed.content.decode()
    assert (
        'data-testid="invitation-row"'
        not in client.get("/settings/members/invitations/").content.decode()
    )


def test_resend_replaces_the_link(admin):
    old_raw = invite(admin)
    invitation = Invitation.objects.get()
    Invitation.objects.update(expires_at=timezone.now() + timedelta(hours=1))
    response = signed_in(admin).post(f"/settings/members/invitations/{invitation.pk}/resend/")
    assert response.status_code == 302
    assert len(mail.outbox) == 2
    new_raw = LINK.search(mail.outbox[1].body).group(1)
    assert new_raw != old_raw
    assert Client().get(accept_url(old_raw)).status_code == 404
    assert Client().get(accept_url(new_raw)).status_code == 200
    invitation.refresh_from_db()
    assert invitation.expires_at > timezone.now() + timedelta(days=6)
    assert AuditEvent.objects.filter(action="invitation.resend").count() == 1


def test_existing_user_signs_in_then_joins(admin, other_workspace):
    existing = make_member(
        other_workspace, "sales_rep", user=UserFactory(email="known@example.com")
    ).user
    raw = invite(admin, email="known@example.com", role_key="marketer")
    visitor = Client()
    page = visitor.get(accept_url(raw)).content.decode()
    assert "Sign in to accept" in page and 'name="password"' not in page
    # Posting while signed out sends them to the normal sign-in, which brings them back.
    redirect = visitor.post("/invitations/accept/", {"t": raw})
    assert redirect.status_code == 302 and redirect["Location"].startswith("/sign-in/?next=")
    signed = visitor.post(
        redirect["Location"], {"email": "known@example.com", "password": TEST_PASSWORD}
    )
    assert signed.status_code == 302 and signed["Location"] == accept_url(raw)
    assert visitor.get(accept_url(raw)).status_code == 200
    joined = visitor.post("/invitations/accept/", {"t": raw})
    assert joined.status_code == 302
    membership = Membership.objects.get(user=existing, workspace=admin.workspace)
    assert membership.role.key == "marketer"
    assert visitor.session["guanxi_workspace_id"] == admin.workspace_id
    assert User.objects.filter(email="known@example.com").count() == 1


def test_signed_in_user_with_other_email_is_refused(admin):
    raw = invite(admin, email="invited@example.com")
    intruder = UserFactory(email="someone.else@example.com")
    client = signed_in(intruder)
    page = client.get(accept_url(raw))
    assert page.status_code == 403
    assert "This invitation was sent to invited@example.com" in page.content.decode()
    response = client.post("/invitations/accept/", {"t": raw})
    assert response.status_code == 403
    assert not Membership.objects.filter(user=intruder).exists()
    assert Invitation.objects.get().accepted_at is None


def test_cannot_invite_a_member_or_a_pending_address_twice(admin):
    member = make_member(admin.workspace, "sales_rep")
    client = signed_in(admin)
    taken = client.post(
        "/settings/members/invitations/", {"email": member.user.email, "role": member.role_id}
    )
    assert taken.status_code == 422 and "already a member" in taken.content.decode()
    invite(admin)
    twice = client.post(
        "/settings/members/invitations/",
        {"email": "new.person@example.com", "role": member.role_id},
    )
    assert twice.status_code == 422 and "Resend it instead" in twice.content.decode()
    assert Invitation.objects.count() == 1 and len(mail.outbox) == 1


def test_admin_cannot_invite_an_owner(admin):
    response = signed_in(admin).post(
        "/settings/members/invitations/",
        {"email": "boss@example.com", "role": role(admin.workspace, "owner").pk},
    )
    assert response.status_code == 400
    assert not Invitation.objects.exists() and not mail.outbox


def test_invitations_need_members_create(workspace, admin):
    raw = invite(admin)
    invitation = Invitation.objects.get()
    rep = make_member(workspace, "sales_rep")
    client = signed_in(rep)
    assert client.get("/settings/members/invitations/").status_code == 403
    assert (
        client.post(
            "/settings/members/invitations/", {"email": "x@example.com", "role": rep.role_id}
        ).status_code
        == 403
    )
    assert client.post(f"/settings/members/invitations/{invitation.pk}/revoke/").status_code == 403
    assert Invitation.objects.get().revoked_at is None and Invitation.objects.count() == 1
    assert raw


def test_invitation_of_other_workspace_is_404(admin, other_workspace):
    their_admin = make_member(other_workspace, "admin")
    invite(their_admin)
    theirs = Invitation.objects.get()
    client = signed_in(admin)
    assert client.post(f"/settings/members/invitations/{theirs.pk}/revoke/").status_code == 404
    assert client.post(f"/settings/members/invitations/{theirs.pk}/resend/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert len(mail.outbox) == 1


def test_invite_needs_csrf_token(admin):
    response = signed_in(admin, enforce_csrf_checks=True).post(
        "/settings/members/invitations/",
        {"email": "x@example.com", "role": role(admin.workspace, "sales_rep").pk},
    )
    assert response.status_code == 403
    assert not Invitation.objects.exists() and not mail.outbox


def test_link_stops_working_when_the_inviter_leaves(admin):
    raw = invite(admin)
    admin.is_active = False
    admin.save()
    page = Client().get(accept_url(raw))
    assert page.status_code == 410
    assert "This invitation was withdrawn." in page.content.decode()
    post = Client().post(
        "/invitations/accept/", {"t": raw, "name": "A", "password": "a-long-unusual-passphrase"}
    )
    assert post.status_code == 410
    assert not User.objects.filter(email="new.person@example.com").exists()
