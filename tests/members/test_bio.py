"""Bios as a safe Markdown subset (members/markdown.py): attacks never come through,
the allowed formatting does, and plain text reads as it always did."""

import random
from html.parser import HTMLParser

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils.safestring import SafeString

from members.markdown import ALLOWED_TAGS, LINK_REL, render_bio
from members.models import Profile
from tests.members.factories import MemberFactory


class _Elements(HTMLParser):
    """Every element and attribute in a fragment, as a browser's parser would see it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser.found


def assert_safe(html: str) -> None:
    """Only allowlisted elements; on links only an http(s)/mailto href and our rel; on
    numbered lists only a start. Text may say anything: it is escaped."""
    for tag, attrs in elements(html):
        assert tag in ALLOWED_TAGS, html
        if tag == "a":
            assert set(attrs) <= {"href", "rel"}, html
            assert attrs.get("rel") == LINK_REL, html
            href = attrs.get("href") or ""
            assert href.startswith(("http://", "https://", "mailto:")), html
        elif tag == "ol":
            assert set(attrs) <= {"start"} and (attrs.get("start") or "1").isdigit(), html
        else:
            assert attrs == {}, html


ATTACKS = {
    "script tag": "<script>alert(1)</script>",
    "script across lines": "<script>\nalert(1)\n</script>",
    "img onerror": '<img src="x" onerror="alert(1)">',
    "svg onload": "<svg onload=alert(1)>",
    "iframe": '<iframe src="https://evil.example"></iframe>',
    "inline html in text": 'Hello <b onmouseover="alert(1)">there</b>',
    "html comment": "<!-- <script>alert(1)</script> -->",
    "javascript link": "[click](javascript:alert(1))",
    "javascript link, mixed case": "[click](JaVaScRiPt:alert(1))",
    "javascript link, entity": "[click](&#106;avascript:alert(1))",
    "javascript link, encoded": "[click](javascript%3Aalert(1))",
    "javascript autolink": "<javascript:alert(1)>",
    "javascript reference link": "[click][x]\n\n[x]: javascript:alert(1)",
    "data link": "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "vbscript link": "[click](vbscript:msgbox(1))",
    "image": "![me](https://evil.example/track.png)",
    "data image": "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "image with onerror in title": '![x](https://e.example/a.png "x\\" onerror=\\"alert(1))',
    "attribute breakout in link": '[x](https://e.example/" onmouseover="alert(1))',
    "attribute breakout in title": '[x](https://e.example/ "a\\" onclick=\\"alert(1)")',
    "style attribute": '<p style="position:fixed;inset:0">cover</p>',
    "relative link to an action": "[unblock](/members/someone/unblock/)",
    "protocol-relative link": "[x](//evil.example/)",
    "nested in a list": "- <script>alert(1)</script>\n- [x](javascript:alert(1))",
    "nested in a quote": "> <img src=x onerror=alert(1)>",
}


@pytest.mark.parametrize("text", ATTACKS.values(), ids=ATTACKS.keys())
def test_attacks_never_come_through(text):
    assert_safe(render_bio(text))


def test_raw_html_is_shown_as_text():
    assert render_bio("<script>alert(1)</script>") == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"


def test_images_become_their_words():
    assert render_bio("Here I am: ![a photo of me](https://e.example/me.png)") == (
        "<p>Here I am: a photo of me</p>"
    )


def test_unsafe_links_stay_as_the_typed_text():
    html = render_bio("[click](javascript:alert(1))")
    assert "<a" not in html
    assert "[click]" in html


def test_allowed_formatting_comes_through():
    html = render_bio(
        "I'm *glad* you're **here**.\n\n"
        "- Trauma\n- Grief\n\n"
        "1. First\n2. Second\n\n"
        "> A quote I like\n\n"
        "See [my practice](https://example.org/about?a=1&b=2) or "
        "[write to me](mailto:dana@example.org)."
    )
    assert "<em>glad</em>" in html and "<strong>here</strong>" in html
    assert "<ul>\n<li>Trauma</li>\n<li>Grief</li>\n</ul>" in html
    assert "<ol>\n<li>First</li>\n<li>Second</li>\n</ol>" in html
    assert "<blockquote>\n<p>A quote I like</p>\n</blockquote>" in html
    assert (
        f'<a href="https://example.org/about?a=1&amp;b=2" rel="{LINK_REL}">my practice</a>' in html
    )
    assert f'<a href="mailto:dana@example.org" rel="{LINK_REL}">write to me</a>' in html
    assert_safe(html)


def test_autolinks_get_the_same_rel():
    assert render_bio("<https://example.org>") == (
        f'<p><a href="https://example.org" rel="{LINK_REL}">https://example.org</a></p>'
    )


def test_numbered_list_may_start_anywhere():
    assert render_bio("3. Third\n4. Fourth").startswith('<ol start="3">')


def test_plain_text_keeps_its_paragraphs_and_lines():
    text = "I work with adults.\nMostly online.\n\nI also supervise.\n\n\nThird paragraph."
    assert render_bio(text) == (
        "<p>I work with adults.<br>\nMostly online.</p>\n"
        "<p>I also supervise.</p>\n<p>Third paragraph.</p>"
    )


def test_indented_text_stays_a_paragraph():
    assert render_bio("    Indented, as some people write.") == (
        "<p>Indented, as some people write.</p>"
    )


@pytest.mark.parametrize(
    "text", ["# About me", "### About me", "About me\n========", "About me\n--------"]
)
def test_headings_become_bold_lines(text):
    assert render_bio(text) == "<p><strong>About me</strong></p>"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Use `code`", "<p>Use `code`</p>"),
        ("```\nfenced\n```", "<p>```<br>\nfenced<br>\n```</p>"),
        ("Above\n\n***\n\nBelow", "<p>Above</p>\n<p>***</p>\n<p>Below</p>"),
    ],
)
def test_constructs_without_a_tag_read_as_typed(text, shown):
    assert render_bio(text) == shown


@pytest.mark.parametrize("text", ["", "   \n\n ", None])
def test_empty_bio_renders_nothing(text):
    assert render_bio(text) == ""


def test_result_is_safe_for_templates():
    assert isinstance(render_bio("**hi**"), SafeString)
    html = Template("{% load profiles %}{{ bio|render_bio }}").render(
        Context({"bio": "**hi** <b>x</b>"})
    )
    assert html == "<p><strong>hi</strong> &lt;b&gt;x&lt;/b&gt;</p>"


def test_random_markdown_soup_stays_safe():
    """Shuffled fragments of Markdown, HTML and links: whatever the parser makes of
    them, the output holds only allowlisted tags and safe links."""
    pieces = [
        "*", "**", "_", "[", "]", "(", ")", "<", ">", "!", "#", "> ", "- ", "1. ", "\n",
        "\n\n", "`", "javascript:", "https://e.example", "data:", "<script>", "<img ",
        "onerror=", '"', "'", "&#x6A;", "<a href=", "mailto:", "    ", "=", "\\",
    ]  # fmt: skip
    rng = random.Random(20261121)
    for _ in range(400):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 40)))
        assert_safe(render_bio(text))


# --- On the pages ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_profile_page_renders_the_bio(client):
    owner = MemberFactory()
    Profile.objects.filter(user=owner).update(
        bio="**Warm** and *direct*.\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1))"
    )
    client.force_login(MemberFactory())
    html = client.get(reverse("members:profile", args=[owner.profile.handle])).content.decode()
    assert "<p><strong>Warm</strong> and <em>direct</em>.</p>" in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript:' not in html


@pytest.mark.django_db
def test_edit_page_says_what_is_allowed(client):
    owner = MemberFactory()
    client.force_login(owner)
    html = client.get(reverse("members:profile_edit")).content.decode()
    assert "blank lines between paragraphs" in html
    assert "Images and HTML are not shown" in html
