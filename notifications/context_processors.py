"""The unread count for the navigation badge (one COUNT on an indexed, partial index)."""

from django.http import HttpRequest

from notifications.models import Notification


def unread(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "notifications_unread": lambda: Notification.objects.filter(
            recipient=user, read_at__isnull=True
        ).count()
    }
