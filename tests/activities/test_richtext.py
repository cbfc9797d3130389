"""Activity bodies: Markdown, HTML and plain text become sanitized HTML and plain text."""

from guanxi.activities.richtext import to_html, to_text


def test_plain_text_is_escaped_with_its_line_breaks():
    html = to_text_and_html("a < b\n\n第二段\n第二行", "text")

    assert html == ("<p>a &lt; b</p>\n\n<p>第二段<br>第二行</p>", "a < b\n\n第二段\n第二行")


def test_markdown_headings_are_demoted_below_the_page_title():
    assert (
        to_html("# 标题\n## 小节\n### 细节", "markdown")
        == "<h3>标题</h3>\n<h3>小节</h3>\n<h4>细节</h4>"
    )


def test_markdown_links_keep_only_safe_schemes():
    html = to_html("[a](javascript:alert(1)) [b](https://example.com)", "markdown")

    assert 'href="javascript' not in html
    assert '<a href="https://example.com" rel="noopener noreferrer">b</a>' in html


def test_html_loses_styles_and_event_handlers():
    html = to_html(
        '<p style="color:red" onmouseover="x()"><b>粗</b><strong>强</strong></p>', "html"
    )

    assert html == "<p>粗<strong>强</strong></p>"


def to_text_and_html(source: str, body_format: str) -> tuple[str, str]:
    html = to_html(source, body_format)
    return html, to_text(html)
