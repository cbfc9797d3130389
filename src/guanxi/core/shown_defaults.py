"""Names Guanxi gives by default (roles, pools, pick list options) are written in the workspace's
language when it is created; a member reading in another language should see them in theirs.
A name that is still exactly a default (in any language Guanxi speaks) is shown translated; one
that someone changed is shown as they wrote it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import translation


def shown(stored: str, default: Any) -> str:
    """`stored`, or `default` in the reader's language when `stored` is that default as some
    language spells it. `default` is a lazy translation (gettext_lazy), spelled here in each
    language Guanxi speaks (a few dictionary lookups)."""
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            is_default = stored == str(default)
        if is_default:
            return str(default)  # back in the reader's language
    return stored
