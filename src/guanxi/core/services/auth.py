"""Signing in and out, password changes and resets: the lockout, the audit trail, and which
browser sessions end."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import audit, counters
from ..errors import GuanxiError, RateLimited, ValidationFailed
from ..models import ApiToken, Membership, User
from . import sessions

# Failed sign-ins per client address before that address is throttled, whatever the email.
IP_MAX_FAILURES = 30


class SignInFailed(GuanxiError):
    status = 400
    code = "sign_in_failed"


def user_event_record(
    *, action: str, user: User | None, email: str = "", changes: dict[str, Any] | None = None
) -> None:
    """Audit an event about a person rather than a workspace record (sign-in, password, 2FA).

    The row is written once in every workspace the user belongs to, so each workspace's audit log
    shows it; an event with no known user is written once without a workspace.
    """
    email = email or (user.email if user else "")
    workspaces: list[int | None] = (
        # Only workspaces the person is still an active member of: a former employer does not
        # keep watching their sign-ins.
        list(Membership.objects.active().filter(user=user).values_list("workspace_id", flat=True))
        if user
        else []
    )
    for workspace_id in workspaces or [None]:
        audit.record(
            action=action,
            workspace=workspace_id,
            actor=user,
            actor_label=email,
            object_type="users",
            object_id=user.pk if user else "",
            object_label=email,
            changes=changes or {},
        )


def _audit_sign_in(action: str, user: User | None, email: str, reason: str = "") -> None:
    user_event_record(
        action=action, user=user, email=email, changes={"reason": reason} if reason else {}
    )


def _locked_message(until: datetime) -> str:
    minutes = max(1, int((until - timezone.now()).total_seconds() // 60) + 1)
    return ngettext(
        "Too many failed sign-ins. Try again in %(minutes)d minute.",
        "Too many failed sign-ins. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


def sign_in_check(*, email: str, password: str, ip: str | None) -> User:
    """Check credentials, enforcing the lockout. Returns the user or raises.

    After SIGN_IN_MAX_FAILURES wrong passwords the account is locked for SIGN_IN_LOCKOUT_SECONDS
    (even the right password is refused then); an address with too many failures is throttled.
    Success and failure are audited; the caller logs the session in.
    """
    email = (email or "").strip().lower()
    ip_key = f"sign-in-failures:{ip or 'unknown'}"
    if counters.peek(ip_key, settings.SIGN_IN_LOCKOUT_SECONDS) >= IP_MAX_FAILURES:
        _audit_sign_in("auth.sign_in_throttled", None, email)
        raise RateLimited(
            _locked_message(timezone.now() + timedelta(seconds=settings.SIGN_IN_LOCKOUT_SECONDS)),
            retry_after=settings.SIGN_IN_LOCKOUT_SECONDS,
        )
    unknown_key = f"sign-in-unknown:{email}"
    # The user's row is locked while the password is checked, so parallel guesses are counted
    # one after another and none slips past the lock.
    with transaction.atomic():
        user = User.objects.select_for_update().filter(email=email).first()
        now = timezone.now()
        locked_until: datetime | None = None
        if user is not None and user.locked_until and user.locked_until > now:
            locked_until = user.locked_until
        elif (
            user is None
            and counters.peek(unknown_key, settings.SIGN_IN_LOCKOUT_SECONDS)
            >= settings.SIGN_IN_MAX_FAILURES
        ):
            # An unknown address locks like a real one, so a 429 reveals nothing.
            locked_until = now + timedelta(
                seconds=counters.seconds_left(settings.SIGN_IN_LOCKOUT_SECONDS)
            )
        authenticated = None
        if locked_until is None:
            authenticated = (
                authenticate(username=email, password=password) if email and password else None
            )
            if authenticated is None:
                counters.hit(ip_key, settings.SIGN_IN_LOCKOUT_SECONDS)
                if user is not None:
                    _register_failure(user)
                else:
                    counters.hit(unknown_key, settings.SIGN_IN_LOCKOUT_SECONDS)
            elif user is not None and (user.failed_sign_ins or user.locked_until):
                User.objects.filter(pk=user.pk).update(failed_sign_ins=0, locked_until=None)
    if locked_until is not None:
        _audit_sign_in("auth.sign_in_locked", user, email)
        raise RateLimited(
            _locked_message(locked_until),
            retry_after=int((locked_until - now).total_seconds()) + 1,
        )
    if authenticated is None:
        _audit_sign_in(
            "auth.sign_in_failed",
            user,
            email,
            reason="bad_credentials" if user else "unknown_email",
        )
        raise SignInFailed(_("The email or password is not correct."))
    # With two-factor authentication the sign-in is complete only after the code
    # (two_factor_challenge records "auth.sign_in" then).
    action = "auth.sign_in_password_ok" if authenticated.has_two_factor else "auth.sign_in"
    _audit_sign_in(action, authenticated, email)
    return authenticated


@transaction.atomic
def _register_failure(user: User) -> None:
    User.objects.filter(pk=user.pk).update(failed_sign_ins=F("failed_sign_ins") + 1)
    user.refresh_from_db(fields=["failed_sign_ins"])
    if user.failed_sign_ins >= settings.SIGN_IN_MAX_FAILURES:
        until = timezone.now() + timedelta(seconds=settings.SIGN_IN_LOCKOUT_SECONDS)
        User.objects.filter(pk=user.pk).update(locked_until=until, failed_sign_ins=0)


@transaction.atomic
def sign_in_complete(*, user: User, session_key: str, ip: str | None, user_agent: str) -> None:
    """Remember the browser session that just signed in, so the user can see and end it."""
    sessions.session_start(user=user, session_key=session_key, ip=ip, user_agent=user_agent)


@transaction.atomic
def sign_out(*, user: User, session_key: str | None) -> None:
    """Audit the sign-out and forget the session's row; the caller ends the Django session."""
    if session_key:
        sessions.session_forget(session_key=session_key)
    _audit_sign_in("auth.sign_out", user, user.email)


@transaction.atomic
def sessions_end_others(*, user: User, keep_session_key: str | None) -> int:
    """Sign the user out everywhere except the session `keep_session_key`.

    Deletes the other Django sessions and their rows; other users' sessions are untouched.
    Audited as "auth.sessions_end_others" with the count. Returns how many sessions ended.
    """
    ended = sessions.sessions_end_all(user=user, keep_session_key=keep_session_key)
    user_event_record(
        action="auth.sessions_end_others", user=user, changes={"sessions_ended": ended}
    )
    return ended


def _validate_new_password(user: User, password: str, field: str) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        raise ValidationFailed(fields={field: list(error.messages)})


@transaction.atomic
def password_change(
    *, user: User, current_password: str, new_password: str, keep_session_key: str | None
) -> int:
    """Change the user's own password after checking the current one.

    The password validators apply. Every other browser session of the user ends (their Django
    sessions and rows are deleted); the one with `keep_session_key` stays, and the caller must
    refresh its auth hash. Audited as "auth.password_change". Returns how many sessions ended.
    """
    if not user.check_password(current_password or ""):
        raise ValidationFailed(
            fields={"current_password": [_("Your current password is not correct.")]}
        )
    _validate_new_password(user, new_password, "new_password1")
    user.set_password(new_password)
    user.save(update_fields=["password"])
    ended = sessions.sessions_end_all(user=user, keep_session_key=keep_session_key)
    user_event_record(action="auth.password_change", user=user, changes={"sessions_ended": ended})
    return ended


@transaction.atomic
def password_reset_complete(*, user: User, new_password: str) -> int:
    """Set a new password from an emailed reset link; revokes the user's API tokens.

    Whoever held the link proved they own the mailbox, so the sign-in lock is lifted; every
    browser session of the user ends, since the old password may be what leaked. Audited as
    "auth.password_reset" (never with the link or the email text). Returns the sessions ended.
    """
    _validate_new_password(user, new_password, "new_password1")
    user.set_password(new_password)
    user.failed_sign_ins = 0
    user.locked_until = None
    user.save(update_fields=["password", "failed_sign_ins", "locked_until"])
    ended = sessions.sessions_end_all(user=user, keep_session_key=None)
    # API tokens too: someone who signed in with the leaked password may have made one.
    tokens_revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    user_event_record(
        action="auth.password_reset",
        user=user,
        changes={"sessions_ended": ended, "tokens_revoked": tokens_revoked},
    )
    return ended


def password_reset_allowed(*, email: str, ip: str | None) -> bool:
    """Count a password reset request; False once the address or the client has asked more than
    PASSWORD_RESETS_PER_HOUR times in the last hour."""
    limit = settings.PASSWORD_RESETS_PER_HOUR
    allowed = True
    for key in (f"password-reset:email:{email}", f"password-reset:ip:{ip or 'unknown'}"):
        count = counters.hit(key, 3600)
        # Per client address the limit is wider: an office shares one address.
        if count > (limit if key.startswith("password-reset:email") else limit * 4):
            allowed = False
    return allowed
