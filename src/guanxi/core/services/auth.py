from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import audit
from ..errors import GuanxiError, RateLimited
from ..models import Membership, User

# Failed sign-ins per client address before that address is throttled, whatever the email.
IP_MAX_FAILURES = 30


class SignInFailed(GuanxiError):
    status = 400
    code = "sign_in_failed"


def _audit_sign_in(action: str, user: User | None, email: str, reason: str = "") -> None:
    changes = {"reason": reason} if reason else {}
    workspaces = (
        list(Membership.objects.filter(user=user).values_list("workspace_id", flat=True))
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
            changes=changes,
        )


def _locked_message(until: timezone.datetime) -> str:
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
    if (cache.get(ip_key) or 0) >= IP_MAX_FAILURES:
        _audit_sign_in("auth.sign_in_throttled", None, email)
        raise RateLimited(
            _locked_message(timezone.now() + timedelta(seconds=settings.SIGN_IN_LOCKOUT_SECONDS)),
            retry_after=settings.SIGN_IN_LOCKOUT_SECONDS,
        )
    user = User.objects.filter(email=email).first()
    now = timezone.now()
    if user is not None and user.locked_until and user.locked_until > now:
        _audit_sign_in("auth.sign_in_locked", user, email)
        raise RateLimited(
            _locked_message(user.locked_until),
            retry_after=int((user.locked_until - now).total_seconds()) + 1,
        )
    authenticated = authenticate(username=email, password=password) if email and password else None
    if authenticated is None:
        try:
            cache.add(ip_key, 0, settings.SIGN_IN_LOCKOUT_SECONDS)
            cache.incr(ip_key)
        except ValueError:
            cache.set(ip_key, 1, settings.SIGN_IN_LOCKOUT_SECONDS)
        if user is not None:
            _register_failure(user)
        _audit_sign_in(
            "auth.sign_in_failed",
            user,
            email,
            reason="bad_credentials" if user else "unknown_email",
        )
        raise SignInFailed(_("The email or password is not correct."))
    if user is not None and user.failed_sign_ins:
        User.objects.filter(pk=user.pk).update(failed_sign_ins=0, locked_until=None)
    _audit_sign_in("auth.sign_in", authenticated, email)
    return authenticated


@transaction.atomic
def _register_failure(user: User) -> None:
    User.objects.filter(pk=user.pk).update(failed_sign_ins=F("failed_sign_ins") + 1)
    user.refresh_from_db(fields=["failed_sign_ins"])
    if user.failed_sign_ins >= settings.SIGN_IN_MAX_FAILURES:
        until = timezone.now() + timedelta(seconds=settings.SIGN_IN_LOCKOUT_SECONDS)
        User.objects.filter(pk=user.pk).update(locked_until=until, failed_sign_ins=0)


def record_sign_out(user: User) -> None:
    _audit_sign_in("auth.sign_out", user, user.email)
