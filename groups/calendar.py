"""Group sessions for a member's private calendar feed (hive/calendar.py gathers them):
only the sessions of groups where the member is active and accepted the current
agreement, scheduled in the group's zone, cancelled ones marked so. No notes, no
presenter, no member names: a calendar is read by other apps and other people."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from groups.models import Membership, Session
from hive.calendar import CalendarEntry
from hive.http import absolute_url

PAST_DAYS = 30


def calendar_entries(user) -> Iterator[CalendarEntry]:
    groups = Membership.objects.filter(member=user).with_current_agreement().values("group_id")
    sessions = (
        Session.objects.filter(
            group__in=groups, starts_at__gte=timezone.now() - timedelta(days=PAST_DAYS)
        )
        .select_related("group")
        .order_by("starts_at")
    )
    for session in sessions:
        group = session.group
        yield CalendarEntry(
            uid=f"group-session-{session.pk}@hive",
            summary=f"{group.name} (consultation group)",
            start=session.starts_at,
            end=session.ends_at,
            zone=group.zone,
            sequence=session.sequence,
            cancelled=session.cancelled,
            location=group.place_label if group.format == group.Format.IN_PERSON else "Virtual",
            url=absolute_url(reverse("groups:session", args=[group.slug, session.pk])),
            updated=session.updated_at,
        )
