"""A member's bio as a small, safe subset of Markdown.

Two steps, each enough on its own for the common attacks, together for the uncommon:

1. markdown-it-py renders CommonMark with raw HTML switched off, so anything typed as
   HTML comes out as visible text. Constructs a bio has no use for are switched off or
   rendered as something plainer (see `_parser`).
2. nh3 (ammonia) then keeps only a short allowlist of tags and attributes, and only
   http, https and mailto links, each with rel="nofollow noopener noreferrer ugc".

Single line breaks are kept as line breaks, and blank lines start paragraphs, so a bio
written as plain text before Markdown was allowed reads exactly as it did.
"""

from __future__ import annotations

import functools

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml

ALLOWED_TAGS = frozenset({"p", "br", "em", "strong", "ul", "ol", "li", "blockquote", "a"})
LINK_SCHEMES = ("http://", "https://", "mailto:")
LINK_REL = "nofollow noopener noreferrer ugc"

# What the profile form tells members they may use.
HELP_TEXT = (
    "Plain text, with blank lines between paragraphs. You may also use *italics*, "
    "**bold**, lists (lines starting with “- ” or “1. ”), quotes (“> ”) and links "
    "written as [words](https://…). Images and HTML are not shown."
)


def _heading_as_bold(self, tokens, idx, options, env) -> str:
    # A bio sits under the page's own headings; a member's "# About me" would shout
    # over them and break the page outline. Keep the emphasis, drop the rank.
    return "<p><strong>" if tokens[idx].type == "heading_open" else "</strong></p>\n"


def _image_as_alt_text(self, tokens, idx, options, env) -> str:
    # No images in bios (they could track readers or show anything); the words the
    # member gave the image are kept so the sentence still reads.
    return escapeHtml(self.renderInlineAsText(tokens[idx].children or [], options, env))


@functools.cache
def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "breaks": True})
    # Indented text is common in plain-text bios and must stay a paragraph, not become
    # a code block; code, fences and rules have no tag in the allowlist anyway, and
    # would otherwise leave stray markup characters or lose their line structure.
    parser.disable(["code", "fence", "backticks", "hr"])
    # Links the sanitiser would strip are left as the text the member typed, rather
    # than becoming an <a> that goes nowhere.
    parser.validateLink = _is_safe_link
    parser.add_render_rule("heading_open", _heading_as_bold)
    parser.add_render_rule("heading_close", _heading_as_bold)
    parser.add_render_rule("image", _image_as_alt_text)
    return parser


def _is_safe_link(url: str) -> bool:
    # Absolute links to the web or to an email address only: no relative paths that
    # could point at Hive's own actions, no javascript:, data: or other schemes.
    return url.strip().lower().startswith(LINK_SCHEMES)


def _only_safe_links(tag: str, attribute: str, value: str) -> str | None:
    if tag == "a" and attribute == "href":
        return value if _is_safe_link(value) else None
    return value


@functools.cache
def _cleaner() -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=set(ALLOWED_TAGS),
        # "*" empty too: ammonia otherwise allows `title` and `lang` on every tag.
        attributes={"*": set(), "a": {"href"}, "ol": {"start"}},
        attribute_filter=_only_safe_links,
        url_schemes={"http", "https", "mailto"},
        url_relative="deny",
        link_rel=LINK_REL,
        strip_comments=True,
    )


def render_bio(text: str | None) -> SafeString:
    """The bio as sanitised HTML, safe to put in a page as it is."""
    if not text or not text.strip():
        return mark_safe("")  # noqa: S308 - an empty string
    html = _parser().render(text)
    return mark_safe(_cleaner().clean(html).strip())  # noqa: S308 - sanitised by nh3 above
