"""Template helpers for notifications and their emails."""

from datetime import UTC, datetime

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils import timezone
from django.utils.dateparse import parse_datetime

register = template.Library()


@register.filter
def moment(value, fmt: str = "l, F j, Y, g:i A T") -> str:
    """A moment in the active time zone (the viewer's, or the email recipient's), the
    US way by default: "Wednesday, July 1, 2026, 9:30 AM PDT".

    Accepts an aware datetime or the ISO string a notification's JSON context holds, so
    the same instant reads the same in the notification centre, the email and the
    calendar file.
    """
    if isinstance(value, str):
        value = parse_datetime(value)
    if not isinstance(value, datetime):
        return ""
    if timezone.is_naive(value):  # we never store naive datetimes; treat as UTC
        value = value.replace(tzinfo=UTC)
    return date_filter(timezone.localtime(value), fmt)
