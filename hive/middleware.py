"""Per-request work for signed-in people: times in their own zone, and where they are
logged in."""

from allauth.usersessions.models import UserSession
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone


class MemberTimezoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            timezone.activate(user.zone)
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class SessionActivityMiddleware:
    """Record where a member is logged in (allauth's user sessions, which the devices
    page lists with "last active") at most once per session every
    HIVE_SESSION_ACTIVITY_SECONDS, not on every request as allauth's own middleware
    does: each record is a write transaction (two reads and an UPDATE, then a WAL
    flush), the single largest cost of a bare signed-in page. A Redis key per session
    says it was recorded lately; without Redis nothing is recorded until it is back.
    Logging in records the session at once (allauth's signal), so a new device is
    listed straight away."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is not None and session.session_key and user and user.is_authenticated:
            fresh = cache.add(
                f"session-activity:{session.session_key}",
                1,
                timeout=settings.HIVE_SESSION_ACTIVITY_SECONDS,
            )
            if fresh:
                UserSession.objects.create_from_request(request, user=user, session=session)
        return self.get_response(request)
