"""Small request helpers shared by the apps."""

from __future__ import annotations

import functools
import re

from django.conf import settings
from django.http import HttpRequest
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language


def absolute_url(path: str) -> str:
    """The public address of a path on this site (`HIVE_BASE_URL` + path), for links that
    leave it: in emails, where there is no request to build them from."""
    return settings.HIVE_BASE_URL.rstrip("/") + path


def local_next(request: HttpRequest, field: str = "next") -> str | None:
    """The posted `next` if it is a path on this site ("/…"), else None.

    Only a path is accepted: a bare word ("nan") would otherwise be taken by
    `redirect()` for a view name and end in a 500, and "//host" or "/\\host" would
    leave the site."""
    target = request.POST.get(field, "")
    if not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    return target


# The ids of the "Previous page" / "Next page" links of lists paged with htmx; numbered
# page links are "page-<n>".
PAGE_LINK_IDS = ("page-previous", "page-next")
_NUMBERED_PAGE_LINK = re.compile(r"page-[0-9]{1,6}")


def page_link_pressed(request: HttpRequest) -> bool:
    """Whether this htmx request comes from a page link. The link is swapped out with
    the results, so the new results' heading should take focus (autofocus); a filter
    change, by contrast, must leave focus in the form."""
    htmx = getattr(request, "htmx", None)
    if not htmx or not htmx.trigger:
        return False
    return htmx.trigger in PAGE_LINK_IDS or bool(_NUMBERED_PAGE_LINK.fullmatch(htmx.trigger))


def page_numbers(number: int, last: int, *, known_last: bool = True, around: int = 1) -> list:
    """The page numbers a numbered pagination shows for page `number` of `last`: the
    first, the current with `around` either side, and the last (when `known_last`; a
    count that stopped at a cap does not know it), with None where numbers are left out
    ("1 … 4 5 6 … 20"). A gap of one number shows the number instead."""
    shown = {1, number, *range(number - around, number + around + 1)}
    if known_last:
        shown.add(last)
    pages = sorted(n for n in shown if 1 <= n <= last)
    out: list = []
    for n in pages:
        if out and n - out[-1] == 2:
            out.append(n - 1)
        elif out and n - out[-1] > 2:
            out.append(None)
        out.append(n)
    return out


# --- Reversing URLs whose arguments are slugs, at list speed ---------------------------
# `reverse()` costs 10-25 µs (namespaces, the language's reverse dictionary, the script
# prefix, matching each candidate pattern): a list of twenty cards with four links each
# spent a fifth of its render there. A route's URL with slugs for arguments is the same
# string whatever the slugs, so it is reversed once with placeholders (themselves slugs,
# so any slug converter accepts them) and the slugs are put in their place; a slug
# needs no quoting, so the result is exactly what `reverse()` returns.
_SLUG = re.compile(r"[-a-zA-Z0-9_]+\Z")
_PLACEHOLDER = "0slug{}placeholder0"


@functools.lru_cache(maxsize=512)
def _url_with_placeholders(viewname: str, count: int, prefix: str, urlconf, language) -> str:
    return reverse(viewname, args=[_PLACEHOLDER.format(i) for i in range(count)])


def slug_reverse(viewname: str, *args) -> str:
    """`reverse(viewname, args=args)` for routes whose arguments are all slugs (handles,
    tokens); anything else goes to `reverse()` itself."""
    if not all(isinstance(arg, str) and _SLUG.match(arg) for arg in args):
        return reverse(viewname, args=args)
    url = _url_with_placeholders(
        viewname, len(args), get_script_prefix(), get_urlconf(), get_language()
    )
    for position, arg in enumerate(args):
        url = url.replace(_PLACEHOLDER.format(position), arg, 1)
    return url
