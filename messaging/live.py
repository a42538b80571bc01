"""Live updates without asking PostgreSQL: a per-member version number in Redis.

Everything that changes what a member would see in messaging (a message to or from
them, a request, reading a conversation) bumps their version after commit. A page
remembers the version it was rendered at; its poller asks "anything new since v?" and
`LiveCheckMiddleware` answers that from Redis alone, before sessions or users are
loaded: nothing new is a 204 with no SQL at all. Only when the version moved does the
request go on to the real view (messaging.views.live), which authenticates as usual.

The poller proves who it is with a signed token bound to the member's session cookie
(its hash), so a copied token is useless without the cookie, and a new login makes it
stale. When Redis is down, `version()` is None: pages render without a poller and
still show everything on reload.

The unread count shown in the navigation is cached here too, until the next bump.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse

TOKEN_SALT = "messaging.live"  # noqa: S105 - a signing namespace, not a secret
TOKEN_MAX_AGE = 60 * 60 * 12  # a page left open longer reloads itself into a new token
KEY_TTL = 60 * 60 * 24 * 14


def _version_key(user_id: int) -> str:
    return f"messaging:v:{user_id}"


def _unread_key(user_id: int) -> str:
    return f"messaging:unread:{user_id}"


def bump(*user_ids: int) -> None:
    """After the current transaction commits: the members' versions move on and their
    cached unread counts are dropped. A missing version starts from the clock in
    milliseconds, so a version lost with Redis's memory never goes backwards."""

    def apply():
        for user_id in user_ids:
            key = _version_key(user_id)
            try:
                cache.incr(key)
            except ValueError:  # no such key (new, expired or evicted)
                cache.set(key, int(time.time() * 1000), KEY_TTL)
            cache.delete(_unread_key(user_id))

    transaction.on_commit(apply)


def version(user_id: int) -> int | None:
    """The member's current version, creating it if missing; None when Redis is down."""
    key = _version_key(user_id)
    current = cache.get(key)
    if current is None:
        cache.add(key, int(time.time() * 1000), KEY_TTL)
        current = cache.get(key)
    return current


def cached_unread(user_id: int, compute) -> int:
    """The member's unread count from the cache, else `compute()` (and cached)."""
    key = _unread_key(user_id)
    count = cache.get(key)
    if count is None:
        count = compute()
        cache.set(key, count, KEY_TTL)
    return count


def _session_hash(session_key: str | None) -> str:
    return hashlib.sha256((session_key or "").encode()).hexdigest()[:20]


def token_for(user_id: int, session_key: str | None) -> str:
    return signing.dumps([user_id, _session_hash(session_key)], salt=TOKEN_SALT, compress=True)


def user_id_from_token(token: str, session_key: str | None) -> int | None:
    """The member a poller's token was made for, if it is genuine, recent, and was
    made for this session; else None."""
    try:
        user_id, session_hash = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(user_id, int) or session_hash != _session_hash(session_key):
        return None
    return user_id


LIVE_PATH = "/messages/live/"


class LiveCheckMiddleware:
    """Answers "nothing new" for the poller from Redis alone (see the module docstring).
    Placed before the session and authentication middleware: for every other request,
    and whenever it cannot be sure nothing changed, it steps aside."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "GET" and request.path == LIVE_PATH:
            session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
            user_id = user_id_from_token(request.GET.get("t", ""), session_key)
            seen = request.GET.get("v", "")
            if user_id is not None and seen.isdigit():
                current = cache.get(_version_key(user_id))
                if current is not None and str(current) == seen:
                    return HttpResponse(status=204)
        return self.get_response(request)
