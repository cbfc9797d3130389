"""Browser sessions: one UserSession row per signed-in Django session, so a user can see where they
are signed in and end the other sessions.

These are bookkeeping primitives. The audited, user-facing operations (sign-in, sign-out, signing
out other sessions, password change and reset) live in services.auth and call these.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from importlib import import_module

import ua_parser
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import User, UserSession

# ua-parser's family names, shortened to what people call their browser and system. Only these
# browsers are named; anything else (scripts, bots) shows as "Unknown browser".
_BROWSER_NAMES = {
    "Chrome": "Chrome",
    "Chrome Mobile": "Chrome",
    "Chrome Mobile iOS": "Chrome",
    "Chromium": "Chromium",
    "Edge": "Edge",
    "Edge Mobile": "Edge",
    "Firefox": "Firefox",
    "Firefox Mobile": "Firefox",
    "Firefox iOS": "Firefox",
    "Opera": "Opera",
    "Safari": "Safari",
    "Mobile Safari": "Safari",
    "WeChat Browser": "WeChat",
    "WeChat": "WeChat",
    "QQ Browser": "QQ Browser",
    "QQ Browser Mobile": "QQ Browser",
    "UC Browser": "UC Browser",
    "Samsung Internet": "Samsung Internet",
    "HeadlessChrome": "Chrome",
}
_SYSTEM_NAMES = {"Mac OS X": "macOS", "Chrome OS": "ChromeOS"}


def describe_user_agent(user_agent: str) -> str:
    """A short human label such as "Chrome 126 · Windows" for a User-Agent header."""
    parsed = ua_parser.parse(user_agent or "")
    browser = ""
    if parsed.user_agent is not None and parsed.user_agent.family in _BROWSER_NAMES:
        browser = _BROWSER_NAMES[parsed.user_agent.family]
        if parsed.user_agent.major:
            browser += f" {parsed.user_agent.major}"
    system = ""
    if parsed.os is not None and parsed.os.family != "Other":
        system = _SYSTEM_NAMES.get(parsed.os.family, parsed.os.family)
    if browser and system:
        return f"{browser} · {system}"
    return browser or system or _("Unknown browser")


def _session_store_delete(session_key: str) -> None:
    engine = import_module(settings.SESSION_ENGINE)
    engine.SessionStore().delete(session_key)


def session_start(*, user: User, session_key: str, ip: str | None, user_agent: str) -> UserSession:
    """Record a newly signed-in session (idempotent on the session key)."""
    now = timezone.now()
    row, _created = UserSession.objects.update_or_create(
        session_key=session_key,
        defaults={"user": user, "ip": ip, "user_agent": user_agent[:400], "last_seen_at": now},
    )
    return row


def session_touch(
    *,
    user: User,
    session_key: str,
    ip: str | None,
    user_agent: str,
    session_exists: Callable[[], bool],
) -> None:
    """Mark the session as seen now. The caller throttles this to once a minute per session.

    A session signed in before sessions were tracked gets its row here; a session that was just
    ended elsewhere (`session_exists()` false) does not get one back.
    """
    now = timezone.now()
    updated = UserSession.objects.filter(session_key=session_key, user=user).update(
        last_seen_at=now, ip=ip
    )
    if not updated and session_exists():
        session_start(user=user, session_key=session_key, ip=ip, user_agent=user_agent)


def session_forget(*, session_key: str) -> None:
    """Delete the row of a session that is being ended by its own user (sign-out)."""
    UserSession.objects.filter(session_key=session_key).delete()


@transaction.atomic
def sessions_end_all(*, user: User, keep_session_key: str | None) -> int:
    """End every session of `user` except `keep_session_key`: the Django session (whatever the
    session engine) and its row. Not audited here; the calling service audits. Returns the count.
    """
    rows = list(
        UserSession.objects.select_for_update()
        .filter(user=user)
        .exclude(session_key=keep_session_key or "")
        .values_list("pk", "session_key")
    )
    for _pk, session_key in rows:
        _session_store_delete(session_key)
    UserSession.objects.filter(pk__in=[pk for pk, _key in rows]).delete()
    return len(rows)


def session_list(*, user: User, now: datetime | None = None) -> list[UserSession]:
    """The user's sessions that may still be alive, most recently seen first.

    A session not seen for longer than SESSION_COOKIE_AGE has expired whatever its row says.
    """
    now = now or timezone.now()
    since = now - timedelta(seconds=settings.SESSION_COOKIE_AGE)
    return list(
        UserSession.objects.filter(user=user, last_seen_at__gte=since).order_by(
            "-last_seen_at", "-pk"
        )
    )


def session_rekey(*, old_key: str, new_key: str) -> None:
    """Follow a session whose key was cycled (after a password change) so its row stays."""
    if old_key != new_key:
        UserSession.objects.filter(session_key=old_key).update(session_key=new_key)
