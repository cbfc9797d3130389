"""Two-factor authentication with time-based one-time codes (TOTP, RFC 6238, 30-second steps).

A code is accepted one step early or late (clock drift) and only once: the last step used is
kept in the cache per user, so a code seen over someone's shoulder cannot be replayed. Wrong
codes are counted per user; too many lock the challenge for a while.
"""

from __future__ import annotations

import time

import pyotp
import segno
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import counters
from ..errors import PermissionDenied, RateLimited, ValidationFailed
from ..models import Membership, User, hash_secret
from .auth import user_event_record

ISSUER = "Guanxi"
STEP_SECONDS = 30
VALID_WINDOW = 1  # steps accepted either side of the current one
MAX_FAILURES = 5
FAILURE_WINDOW_SECONDS = 15 * 60


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(*, user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_code_data_uri(uri: str) -> str:
    """The otpauth:// URI as an SVG QR code in a data: URI (the CSP allows data: images)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def _step_key_prefix(user_id: int, secret: str) -> str:
    # Per secret as well as per user: after turning 2FA off and on again, the new secret's codes
    # are not refused because the old secret's step was recently used.
    return f"totp:{user_id}:{hash_secret(secret)[:16]}"


def _failures_key(user_id: int) -> str:
    return f"totp-failures:{user_id}"


def _matching_step(secret: str, code: str, at: float) -> int | None:
    """The time step whose code equals `code`, within the accepted window, or None."""
    code = "".join((code or "").split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = int(at) // STEP_SECONDS
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if pyotp.utils.strings_equal(totp.generate_otp(step), code):
            return step
    return None


def _consume(user: User, secret: str, code: str) -> bool:
    """True when `code` is valid now and has not been used before (it is then used up)."""
    step = _matching_step(secret, code, time.time())
    if step is None:
        return False
    prefix = _step_key_prefix(user.pk, secret)
    keep_for = STEP_SECONDS * (2 * VALID_WINDOW + 2)  # longer than a code stays acceptable
    last = cache.get(f"{prefix}:last-step")
    if last is not None and step <= int(last):
        return False
    # add() is atomic on every cache backend, so two requests racing with one code cannot both win.
    if not cache.add(f"{prefix}:used:{step}", 1, keep_for):
        return False
    cache.set(f"{prefix}:last-step", step, keep_for)
    return True


def _check_not_locked(user: User) -> None:
    if counters.peek(_failures_key(user.pk), FAILURE_WINDOW_SECONDS) >= MAX_FAILURES:
        raise RateLimited(
            _("Too many wrong codes. Wait a few minutes and try again."),
            retry_after=FAILURE_WINDOW_SECONDS,
        )


def _register_failure(user: User, reason: str) -> None:
    counters.hit(_failures_key(user.pk), FAILURE_WINDOW_SECONDS)
    user_event_record(action="auth.two_factor_failed", user=user, changes={"reason": reason})


def _wrong_code() -> ValidationFailed:
    return ValidationFailed(
        fields={"code": [_("This code is not valid. Enter the current code from your app.")]}
    )


def required_by(user: User) -> list[str]:
    """Names of the user's workspaces that require two-factor authentication."""
    return list(
        Membership.objects.active()
        .filter(user=user, workspace__require_two_factor=True)
        .order_by("workspace__name")
        .values_list("workspace__name", flat=True)
    )


def _require_code(user: User, secret: str, code: str) -> None:
    """Raise unless `code` is a fresh, valid code for `secret`. A failure is counted and audited
    outside any transaction the caller might roll back."""
    _check_not_locked(user)
    if not secret or not _consume(user, secret, code):
        _register_failure(user, "bad_code")
        raise _wrong_code()
    counters.reset(_failures_key(user.pk), FAILURE_WINDOW_SECONDS)


def two_factor_enable(*, user: User, secret: str, code: str) -> User:
    """Turn on two-factor authentication with a secret the user has just added to their app.

    The code proves the app holds the secret. Refused when 2FA is already on (it would silently
    replace the old secret). Audited as "auth.two_factor_enable"; a wrong code as
    "auth.two_factor_failed".
    """
    if user.has_two_factor:
        raise ValidationFailed(_("Two-factor authentication is already on."))
    _require_code(user, secret, code)
    with transaction.atomic():
        user.totp_secret = secret
        user.totp_confirmed_at = timezone.now()
        user.save(update_fields=["totp_secret", "totp_confirmed_at"])
        user_event_record(action="auth.two_factor_enable", user=user)
    return user


def two_factor_challenge(*, user: User, code: str) -> None:
    """Check the second factor after the password. Raises on a wrong, reused or locked-out code.

    Success completes the sign-in and is audited as "auth.sign_in"; a failure as
    "auth.two_factor_failed"; after MAX_FAILURES within
    FAILURE_WINDOW_SECONDS every code is refused with RateLimited until the window passes.
    """
    if not user.has_two_factor:
        return
    _require_code(user, user.totp_secret, code)
    user_event_record(action="auth.sign_in", user=user, changes={"second_factor": "totp"})


def two_factor_disable(*, user: User, password: str, code: str) -> User:
    """Turn off two-factor authentication; needs the current password and a current code.

    Refused while a workspace the user belongs to requires 2FA. Audited as
    "auth.two_factor_disable"; a wrong code as "auth.two_factor_failed".
    """
    if not user.has_two_factor:
        return user
    requiring = required_by(user)
    if requiring:
        raise PermissionDenied(
            _("Two-factor authentication cannot be turned off: %(workspaces)s requires it.")
            % {"workspaces": ", ".join(requiring)}
        )
    _check_not_locked(user)
    if not user.check_password(password or ""):
        # Counted like a wrong code: a stolen session must not become a password oracle.
        _register_failure(user, "bad_password")
        raise ValidationFailed(fields={"password": [_("Your password is not correct.")]})
    _require_code(user, user.totp_secret, code)
    with transaction.atomic():
        user.totp_secret = ""
        user.totp_confirmed_at = None
        user.save(update_fields=["totp_secret", "totp_confirmed_at"])
        user_event_record(action="auth.two_factor_disable", user=user)
    return user
