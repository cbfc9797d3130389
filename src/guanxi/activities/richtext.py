"""Activity bodies: what a member types (Markdown, HTML or plain text) becomes sanitized HTML for
display and plain text for excerpts and search.

Markdown is rendered with raw HTML disabled, then everything goes through nh3 (the Rust `ammonia`
sanitizer) with a short allow-list, so no script, event handler, style or `javascript:` link
survives whichever format was sent.
"""

from __future__ import annotations

import html
import re

import nh3
from django.utils.html import escape, linebreaks
from markdown_it import MarkdownIt

from .models import BodyFormat

MAX_BODY_BYTES = 100 * 1024

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "ul",
    "ol",
    "li",
    "a",
    "blockquote",
    "code",
    "pre",
    "h3",
    "h4",
}
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {"a": {"href"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}

# CommonMark with single line breaks kept (people type notes as lines, not paragraphs).
_markdown = MarkdownIt("commonmark", {"html": False, "breaks": True, "linkify": False})
# Headings are demoted so a note's "# Title" does not outrank the page's own headings.
_HEADING_TAG = {"h1": "h3", "h2": "h3", "h3": "h4", "h4": "h4", "h5": "h4", "h6": "h4"}
_WHITESPACE = re.compile(r"\s+")
_LINE_BREAK = re.compile(r"<br\s*/?>|</li>", re.IGNORECASE)
_PARAGRAPH_END = re.compile(r"</(?:p|h3|h4|blockquote|pre|ul|ol)>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
_BLANK_LINES = re.compile(r"\n{3,}")


def sanitize_html(raw: str) -> str:
    return nh3.clean(
        raw,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
    ).strip()


def render_markdown(source: str) -> str:
    tokens = _markdown.parse(source)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = _HEADING_TAG.get(token.tag, token.tag)
    return _markdown.renderer.render(tokens, _markdown.options, {})


def to_html(source: str, body_format: str) -> str:
    """Sanitized HTML for `source` written in `body_format` (a BodyFormat value)."""
    if not source.strip():
        return ""
    if body_format == BodyFormat.TEXT:
        return sanitize_html(linebreaks(escape(source)))
    if body_format == BodyFormat.HTML:
        return sanitize_html(source)
    return sanitize_html(render_markdown(source))


def to_text(sanitized: str) -> str:
    """Plain text of sanitized HTML: a blank line between paragraphs, a line per list item or
    line break (whitespace in the HTML itself means nothing, as in a browser)."""
    text = _WHITESPACE.sub(" ", sanitized)
    text = _PARAGRAPH_END.sub("\n\n", _LINE_BREAK.sub("\n", text))
    lines = [" ".join(line.split()) for line in html.unescape(_TAG.sub("", text)).split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def excerpt(text: str, limit: int = 500) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
