"""The secret address of a member's private calendar feed (/calendar/<token>.ics).

Whoever holds the address reads the feed without logging in (calendar apps cannot), so
the token is long and random, stored only here, and the member can regenerate it (the
old address stops working at once) or turn the feed off (the row goes).
"""

from __future__ import annotations

import secrets

from django.db import models
from django.utils import timezone

from members.models.accounts import User


def new_calendar_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarToken(models.Model):
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="calendar_token")
    token = models.CharField(max_length=64, unique=True, default=new_calendar_token)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"calendar feed of {self.user_id}"
