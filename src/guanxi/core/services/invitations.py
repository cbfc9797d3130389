"""Invitations: an emailed, single-use, expiring link to join a workspace.

Only the SHA-256 of the link's secret is stored (`hash_secret`); the raw secret exists in the
email and nowhere else, and is never logged. The link carries it in the query string
(`/invitations/accept/?t=...`) because request logs record `request.path` only.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from smtplib import SMTPException
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from .. import audit
from ..errors import Conflict, GuanxiError, NotFound, PermissionDenied, ValidationFailed
from ..models import Invitation, Membership, Role, Team, User, Workspace, hash_secret
from ..permissions import can, may_hand_out, require


class InvitationUnusable(GuanxiError):
    """The link is unknown, expired, revoked or already used. `reason` says which."""

    status = 410
    code = "invitation_unusable"

    def __init__(self, reason: str, message: Any = None):
        super().__init__(message, reason=reason)
        self.reason = reason


class EmailNotSent(GuanxiError):
    status = 502
    code = "email_not_sent"


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


def _expiry() -> Any:
    return timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS)


def _send(invitation: Invitation, *, raw: str, accept_url: str, inviter: User) -> None:
    """Email the link, in the workspace's language. A failure undoes the invitation (the caller
    runs inside a transaction), so no invitation exists that nobody received."""
    workspace = invitation.workspace
    link = f"{accept_url}?t={raw}"
    with override(workspace.locale):
        subject = _("You are invited to join %(workspace)s on Guanxi") % {
            "workspace": workspace.name
        }
        body = _(
            "Hello,\n\n"
            "%(inviter)s invited you to join the workspace %(workspace)s on Guanxi "
            "as %(role)s.\n\n"
            "Open this link to accept the invitation:\n%(link)s\n\n"
            "The link works once and expires on %(expires)s (UTC).\n"
            "If you did not expect this email, you can ignore it.\n"
        ) % {
            "inviter": inviter.name or inviter.email,
            "workspace": workspace.name,
            "role": invitation.role.name,
            "link": link,
            "expires": invitation.expires_at.strftime("%Y-%m-%d %H:%M"),
        }
    try:
        send_mail(subject, body, None, [invitation.email])
    except (SMTPException, OSError):
        raise EmailNotSent(_("The invitation email could not be sent. Try again later."))


def _clean_email(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationFailed(fields={"email": [_("Enter a valid email address.")]})
    return email


@transaction.atomic
def invitation_create(
    *,
    actor: Membership,
    email: str,
    role_id: int,
    team_id: int | None = None,
    accept_url: str,
) -> Invitation:
    """Invite `email` to the actor's workspace with a role and team, and email the link.

    Needs members.create. Only an Owner may invite someone as Owner; anyone else only with a role
    within their own rights (`role_within_rights`). Refuses an address that is already a member
    or has a pending invitation. Locks the role (so role_delete cannot remove it meanwhile).
    Stores only the secret's hash; audited (`invitation.create`, without the secret).
    """
    require(actor, "members", "create")
    email = _clean_email(email)
    # Invitations are serialized per workspace (the workspace row is the lock), so two admins
    # inviting the same address at once cannot both pass the "already pending" check.
    Workspace.objects.select_for_update().filter(pk=actor.workspace_id).first()
    role = (
        Role.objects.select_for_update().filter(workspace_id=actor.workspace_id, pk=role_id).first()
    )
    if role is None:
        raise ValidationFailed(fields={"role_id": [_("Choose a role of this workspace.")]})
    if role.is_owner and not actor.role.is_owner:
        raise ValidationFailed(fields={"role_id": [_("Only an Owner can invite an Owner.")]})
    _require_role_within_rights(actor, role)
    team = None
    if team_id is not None:
        team = Team.objects.filter(workspace_id=actor.workspace_id, pk=team_id).first()
        if team is None:
            raise ValidationFailed(fields={"team_id": [_("Choose a team of this workspace.")]})
    if Membership.objects.filter(workspace_id=actor.workspace_id, user__email=email).exists():
        raise ValidationFailed(fields={"email": [_("This person is already a member.")]})
    pending = Invitation.objects.select_for_update().filter(
        workspace_id=actor.workspace_id,
        email=email,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    )
    if pending.exists():
        raise ValidationFailed(
            fields={"email": [_("An invitation to this address is pending. Resend it instead.")]}
        )
    raw = _new_secret()
    invitation = Invitation.objects.create(
        workspace_id=actor.workspace_id,
        email=email,
        role=role,
        team=team,
        token_hash=hash_secret(raw),
        invited_by=actor.user,
        expires_at=_expiry(),
    )
    audit.record(
        action="invitation.create",
        workspace=actor.workspace_id,
        actor=actor,
        object_type="invitations",
        object_id=invitation.pk,
        object_label=email,
        changes={
            "email": [None, email],
            "role": [None, role.pk],
            **({"team": [None, team.pk]} if team else {}),
        },
    )
    _send(invitation, raw=raw, accept_url=accept_url, inviter=actor.user)
    return invitation


def _require_role_within_rights(actor: Membership, role: Role) -> None:
    """Nobody invites with more than they hold: otherwise inviting a second address of one's own
    would be a way to promote oneself."""
    if not may_hand_out(actor, role):
        raise PermissionDenied(
            _(
                "You cannot invite someone as %(role)s: the role has permissions or a data "
                "scope beyond your own."
            )
            % {"role": role.name},
            fields={"role_id": [_("Choose a role within your own permissions.")]},
        )


def _locked_invitation(actor: Membership, invitation: Invitation) -> Invitation:
    locked = (
        Invitation.objects.select_for_update()
        .select_related("workspace", "role")
        .filter(pk=invitation.pk, workspace_id=actor.workspace_id)
        .first()
    )
    if locked is None:
        raise NotFound()
    return locked


@transaction.atomic
def invitation_resend(*, actor: Membership, invitation: Invitation, accept_url: str) -> Invitation:
    """Send a fresh link for a not yet accepted, not revoked invitation.

    The old link stops working (a new secret replaces its hash) and the expiry restarts.
    Needs members.create, and the invitation's role must be within the actor's rights: a fresh
    link grants the role anew (an expired invitation for an Administrator must not be revived
    by someone who could not have sent it). Audited (`invitation.resend`).
    """
    require(actor, "members", "create")
    invitation = _locked_invitation(actor, invitation)
    if invitation.accepted_at is not None:
        raise Conflict(_("This invitation has already been accepted."))
    if invitation.revoked_at is not None:
        raise Conflict(_("This invitation was revoked. Invite the person again."))
    _require_role_within_rights(actor, invitation.role)
    raw = _new_secret()
    old_expiry = invitation.expires_at
    invitation.token_hash = hash_secret(raw)
    invitation.expires_at = _expiry()
    invitation.save(update_fields=["token_hash", "expires_at"])
    audit.record(
        action="invitation.resend",
        workspace=actor.workspace_id,
        actor=actor,
        object_type="invitations",
        object_id=invitation.pk,
        object_label=invitation.email,
        changes={"expires_at": [old_expiry, invitation.expires_at]},
    )
    _send(invitation, raw=raw, accept_url=accept_url, inviter=actor.user)
    return invitation


@transaction.atomic
def invitation_revoke(*, actor: Membership, invitation: Invitation) -> Invitation:
    """Make a pending invitation's link stop working. Needs members.create. Audited
    (`invitation.revoke`); revoking twice changes nothing."""
    require(actor, "members", "create")
    invitation = _locked_invitation(actor, invitation)
    if invitation.accepted_at is not None:
        raise Conflict(_("This invitation has already been accepted."))
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit.record(
            action="invitation.revoke",
            workspace=actor.workspace_id,
            actor=actor,
            object_type="invitations",
            object_id=invitation.pk,
            object_label=invitation.email,
            changes={"revoked_at": [None, invitation.revoked_at]},
        )
    return invitation


def invitation_check(invitation: Invitation | None) -> Invitation:
    """Raise InvitationUnusable unless the invitation can be accepted now."""
    if invitation is None:
        raise InvitationUnusable("invalid", _("This invitation link is not valid."))
    if invitation.accepted_at is not None:
        raise InvitationUnusable("used", _("This invitation has already been used."))
    if invitation.revoked_at is not None:
        raise InvitationUnusable("revoked", _("This invitation was withdrawn."))
    if invitation.expires_at <= timezone.now():
        raise InvitationUnusable("expired", _("This invitation has expired."))
    # An invitation speaks for the person who sent it: once they have left the workspace or lost
    # the right to invite, it no longer opens the door.
    inviter = (
        Membership.objects.active()
        .select_related("role")
        .filter(workspace_id=invitation.workspace_id, user_id=invitation.invited_by_id)
        .first()
        if invitation.invited_by_id is not None
        else None
    )
    if inviter is None or not can(inviter, "members", "create"):
        raise InvitationUnusable("revoked", _("This invitation was withdrawn."))
    return invitation


def invitation_find(raw: str) -> Invitation | None:
    """The invitation a raw link secret belongs to, or None. Usable or not: see
    invitation_check."""
    if not raw or len(raw) > 200:
        return None
    return (
        Invitation.objects.select_related("workspace", "role", "team")
        .filter(token_hash=hash_secret(raw))
        .first()
    )


def _validated_new_user(email: str, name: str, password: str) -> User:
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Enter your name.")]
    user = User(email=email, name=name[:150])
    try:
        password_validation.validate_password(password or "", user=user)
    except ValidationError as error:
        errors["password"] = list(error.messages)
    if errors:
        raise ValidationFailed(fields=errors)
    user.set_password(password)
    return user


@transaction.atomic
def invitation_accept(
    *,
    raw: str,
    user: User | None = None,
    name: str = "",
    password: str = "",
) -> Membership:
    """Accept an invitation: the link is used up and a membership with its role and team exists.

    `user` is the signed-in (or just signed-in) person; their email must be the invited one.
    Without `user`, a new account is created from `name` and `password` (password validators
    apply); an existing account for the email must sign in instead. The invitation row is locked
    and marked used in one conditional UPDATE, so a link works exactly once even when two
    requests race. Audited (`invitation.accept`).
    """
    found = invitation_find(raw)
    invitation = invitation_check(
        Invitation.objects.select_for_update().filter(pk=found.pk).first() if found else None
    )
    if user is not None:
        if user.email.lower() != invitation.email.lower():
            raise PermissionDenied(
                _("This invitation was sent to %(email)s. Sign in with that address to accept it.")
                % {"email": invitation.email}
            )
    else:
        if User.objects.filter(email=invitation.email).exists():
            raise ValidationFailed(
                fields={"password": [_("An account with this email exists. Sign in to accept.")]}
            )
        user = _validated_new_user(invitation.email, name, password)
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:  # the same address joined another workspace at this very moment
            raise ValidationFailed(
                fields={"password": [_("An account with this email exists. Sign in to accept.")]}
            )
    if Membership.objects.filter(workspace_id=invitation.workspace_id, user=user).exists():
        raise Conflict(_("You are already a member of this workspace."))
    now = timezone.now()
    used = Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(accepted_at=now)
    if used != 1:
        raise InvitationUnusable("used", _("This invitation has already been used."))
    membership = Membership.objects.create(
        workspace_id=invitation.workspace_id,
        user=user,
        role_id=invitation.role_id,
        team_id=invitation.team_id,
    )
    audit.record(
        action="invitation.accept",
        workspace=invitation.workspace_id,
        actor=user,
        object_type="invitations",
        object_id=invitation.pk,
        object_label=invitation.email,
        changes={
            "user": [None, user.pk],
            "role": [None, invitation.role_id],
            **({"team": [None, invitation.team_id]} if invitation.team_id else {}),
        },
    )
    return membership
