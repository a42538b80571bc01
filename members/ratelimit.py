"""Per-member rate limits on browsing other members (anti-scraping, SPEC §2).

A fixed one-minute window counted in the cache (Redis, shared by every web process).
Over the limit, the member gets the friendly "slow down" page (429) with Retry-After.
If Redis is unreachable the count is unknown and the request is let through: browsing
must not break because the cache did.
"""

from __future__ import annotations

import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render

WINDOW_SECONDS = 60


def _over_limit(scope: str, user_id: int, limit: int) -> int | None:
    """Seconds until the window resets when over the limit, else None."""
    now = time.time()
    window = int(now // WINDOW_SECONDS)
    key = f"ratelimit:{scope}:{user_id}:{window}"
    cache.add(key, 0, timeout=WINDOW_SECONDS * 2)
    try:
        count = cache.incr(key)
    except ValueError:  # the key vanished (eviction, outage): count this one as first
        return None
    if count is None or count <= limit:
        return None
    return max(1, int((window + 1) * WINDOW_SECONDS - now))


def browsing_limit(scope: str):
    """Limit how many `scope` pages one member may open per minute
    (settings.HIVE_BROWSING_LIMITS[scope]). Put it after @member_required."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            limit = settings.HIVE_BROWSING_LIMITS[scope]
            retry_after = _over_limit(scope, request.user.pk, limit)
            if retry_after is not None:
                response = render(request, "errors/429.html", status=429)
                response["Retry-After"] = str(retry_after)
                return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
