"""A user's own profile: name, interface language and time zone."""

from __future__ import annotations

import zoneinfo
from functools import cache

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from .. import audit
from ..errors import ValidationFailed
from ..models import User
from .auth import user_event_record

PROFILE_FIELDS = ["name", "locale", "time_zone"]


@cache
def time_zone_names() -> tuple[str, ...]:
    """Every IANA time zone this machine knows, sorted ("" is not one: it means the workspace's)."""
    return tuple(sorted(zoneinfo.available_timezones()))


def language_codes() -> set[str]:
    # "" means: follow the browser (Accept-Language).
    return {"", *dict(settings.LANGUAGES)}


@transaction.atomic
def profile_update(*, user: User, name: str, locale: str, time_zone: str) -> User:
    """Change the user's name, language and time zone, all or nothing.

    `locale` is a code from settings.LANGUAGES or "" (browser default); `time_zone` an IANA name
    or "" (the workspace's). Audited as "user.profile_update" with the changed fields, in every
    workspace the user belongs to; nothing is written when nothing changed.
    """
    name = (name or "").strip()
    problems: dict[str, list[str]] = {}
    if not name:
        problems["name"] = [_("Enter your name.")]
    elif len(name) > 150:
        problems["name"] = [_("Use at most 150 characters.")]
    if locale not in language_codes():
        problems["locale"] = [_("Choose one of the listed languages.")]
    if time_zone and time_zone not in time_zone_names():
        problems["time_zone"] = [
            _("“%(value)s” is not a known time zone. Use a name such as Asia/Shanghai.")
            % {"value": time_zone}
        ]
    if problems:
        raise ValidationFailed(fields=problems)
    before = audit.snapshot(user, PROFILE_FIELDS)
    user.name, user.locale, user.time_zone = name, locale, time_zone
    changes = audit.diff(before, audit.snapshot(user, PROFILE_FIELDS))
    if changes:
        user.save(update_fields=list(changes))
        user_event_record(action="user.profile_update", user=user, changes=changes)
    return user


@transaction.atomic
def profile_set_language(*, user: User, locale: str) -> User:
    """Keep the language picked from the language menu on the profile. Audited like
    profile_update when it changes."""
    if locale not in language_codes():
        raise ValidationFailed(fields={"locale": [_("Choose one of the listed languages.")]})
    if user.locale != locale:
        changes = {"locale": [user.locale, locale]}
        user.locale = locale
        user.save(update_fields=["locale"])
        user_event_record(action="user.profile_update", user=user, changes=changes)
    return user
