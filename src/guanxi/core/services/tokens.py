from __future__ import annotations

import secrets
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import audit
from ..errors import ValidationFailed
from ..models import ApiToken, Membership, TokenScope, hash_secret

TOKEN_PREFIX = "gx_"


@transaction.atomic
def token_create(
    *,
    member: Membership,
    name: str,
    scope: str = TokenScope.READ,
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """Create an API token for the member's own user in their workspace.

    Returns the token row and the raw secret; only its SHA-256 is stored, so the secret is shown
    once and never again. Audited (without the secret).
    """
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(
            fields={"name": [_("Enter a name, for example the program that will use it.")]}
        )
    if scope not in TokenScope.values:
        raise ValidationFailed(fields={"scope": [_("Choose read or write.")]})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationFailed(fields={"expires_at": [_("Choose a time in the future.")]})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        workspace_id=member.workspace_id,
        user_id=member.user_id,
        name=name[:80],
        prefix=raw[:10],
        token_hash=hash_secret(raw),
        scope=scope,
        expires_at=expires_at,
    )
    audit.record(
        action="token.create",
        workspace=member.workspace_id,
        actor=member,
        object_type="tokens",
        object_id=token.pk,
        object_label=str(token),
        changes={"name": [None, token.name], "scope": [None, scope]},
    )
    return token, raw


@transaction.atomic
def token_revoke(*, member: Membership, token: ApiToken) -> ApiToken:
    """Revoke one of the member's own tokens. The very next request with it fails. Audited."""
    if token.user_id != member.user_id or token.workspace_id != member.workspace_id:
        from ..errors import NotFound

        raise NotFound()
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(
            action="token.revoke",
            workspace=member.workspace_id,
            actor=member,
            object_type="tokens",
            object_id=token.pk,
            object_label=str(token),
        )
    return token


def token_authenticate(raw: str) -> tuple[ApiToken, Membership] | None:
    """The usable token and its active membership for a raw Bearer secret, or None."""
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user", "workspace")
        .filter(token_hash=hash_secret(raw))
        .first()
    )
    if token is None or not token.is_usable() or not token.user.is_active:
        return None
    membership = (
        Membership.objects.active()
        .select_related("role", "workspace", "user", "team")
        .filter(workspace_id=token.workspace_id, user_id=token.user_id)
        .first()
    )
    if membership is None:
        return None
    # A workspace that requires two-factor authentication accepts no token of a user without it.
    if membership.workspace.require_two_factor and not membership.user.has_two_factor:
        return None
    now = timezone.now()
    # Touch last_used_at at most once a minute to keep reads from turning into writes.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token, membership
