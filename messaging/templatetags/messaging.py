"""Message bodies as HTML: escaped first, then web addresses made into links that open
in a new tab and pass nothing on (`rel="nofollow noopener noreferrer"`)."""

from __future__ import annotations

import re

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# Run on escaped text: an address ends at whitespace or at what escaping produced
# for a quote or angle bracket; trailing punctuation belongs to the sentence.
_URL = re.compile(r"\bhttps?://[^\s<>\"']+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}"


def _link(match: re.Match) -> str:
    url = match.group(0)
    for entity in ("&quot;", "&#x27;", "&lt;", "&gt;"):
        cut = url.find(entity)
        if cut != -1:
            url = url[:cut]
    tail = ""
    while url and url[-1] in _TRAILING:
        url, tail = url[:-1], url[-1] + tail
    rest = match.group(0)[len(url) + len(tail) :]
    # `url` is already escaped: format_html would escape its &amp; a second time.
    return (
        format_html(
            '<a href="{}" rel="nofollow noopener noreferrer" target="_blank">{}</a>',
            mark_safe(url),  # noqa: S308 - escaped above, before matching
            mark_safe(url),  # noqa: S308
        )
        + tail
        + rest
    )


@register.filter
def message_html(text: str) -> SafeString:
    """Plain text → safe HTML: escaped, links clickable, line breaks kept."""
    escaped = escape(text or "")
    linked = _URL.sub(_link, escaped)
    return mark_safe(linked.replace("\n", "<br>"))  # noqa: S308 - built from escaped text
