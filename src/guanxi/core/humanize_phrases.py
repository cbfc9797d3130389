"""Relative times ("25 seconds ago") say what Django's `naturaltime` says, but Django's Chinese
for them reads stiffly ("25秒之前", "现在"). Listing the same messages here puts them in our
catalog, which wins over Django's (LOCALE_PATHS come first), so they can be translated the way
people write them ("25秒前", "刚刚"). Nothing imports this module; makemessages reads it."""

from __future__ import annotations

from django.utils.translation import gettext_lazy, ngettext_lazy

PHRASES = (
    gettext_lazy("now"),
    gettext_lazy("%(delta)s ago"),
    ngettext_lazy("a second ago", "%(count)s seconds ago", "count"),
    ngettext_lazy("a minute ago", "%(count)s minutes ago", "count"),
    ngettext_lazy("an hour ago", "%(count)s hours ago", "count"),
    ngettext_lazy("a second from now", "%(count)s seconds from now", "count"),
    ngettext_lazy("a minute from now", "%(count)s minutes from now", "count"),
    ngettext_lazy("an hour from now", "%(count)s hours from now", "count"),
    gettext_lazy("%(delta)s from now"),
)
