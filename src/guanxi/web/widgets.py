"""Form widgets drawn in Python, for pages that draw many of them on every request (the list
pages' filter bar, the record page's panels).

Django renders every widget through its template files (a select through select.html plus one
select_option.html include per option), which costs far more than the markup itself: on the
contact list the filter bar's widgets were the largest part of drawing the page. These widgets
give exactly the markup of Django's templates (django/forms/widgets/select.html,
select_option.html, input.html, attrs.html), from the same `get_context`, without the template
engine. The form renderer strips a widget's outer whitespace; an option's include keeps its
trailing newline.
"""

from __future__ import annotations

import html
from typing import Any

from django import forms
from django.forms.renderers import BaseRenderer
from django.utils.safestring import SafeString, mark_safe


def _e(value: Any) -> str:
    """As `{{ value|stringformat:'s' }}` with autoescaping."""
    return html.escape(str(value))


def attrs_html(attrs: dict[str, Any]) -> str:
    """django/forms/widgets/attrs.html: `True` as a bare attribute, `False` left out."""
    return "".join(
        f" {_e(name)}" if value is True else f' {_e(name)}="{_e(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


class FastSelect(forms.Select):
    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: BaseRenderer | None = None,
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<select name="{_e(widget["name"])}"{attrs_html(widget["attrs"])}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{_e(group_name)}">')
            for option in options:
                parts.append(
                    f'\n  <option value="{_e(option["value"])}"{attrs_html(option["attrs"])}>'
                    f"{_e(option['label'])}</option>\n"
                )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped


class FastInputMixin:
    """For any `forms.Input` subclass (text, number, date, datetime-local…)."""

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: BaseRenderer | None = None,
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]  # type: ignore[attr-defined]
        shown = "" if widget["value"] is None else f' value="{_e(widget["value"])}"'
        return mark_safe(  # noqa: S308 - every value is escaped
            f'<input type="{_e(widget["type"])}" name="{_e(widget["name"])}"{shown}'
            f"{attrs_html(widget['attrs'])}>"
        )


class FastTextInput(FastInputMixin, forms.TextInput):
    pass


class FastNumberInput(FastInputMixin, forms.NumberInput):
    pass


class FastDateInput(FastInputMixin, forms.DateInput):
    pass
