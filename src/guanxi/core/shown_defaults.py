"""Names Guanxi gives by default (roles, pools, pick list options) are written in the workspace's
language when it is created; a member reading in another language should see them in theirs.
A name that is still exactly a default (in any language Guanxi speaks) is shown translated; one
that someone changed is shown as they wrote it."""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.utils import translation


@functools.cache
def _spellings(message: str) -> frozenset[str]:
    spellings = set()
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            spellings.add(translation.gettext(message))
    return frozenset(spellings)


def shown(stored: str, default: Any) -> str:
    """`stored`, or `default` in the reader's language when `stored` is that default as some
    language spells it. `default` is a lazy translation (gettext_lazy)."""
    message = str(default._args[0]) if hasattr(default, "_args") else str(default)
    if stored in _spellings(message):
        return str(default)
    return stored
