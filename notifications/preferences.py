"""What a member chose, read: their delivery settings, their channel for a kind, whether
their emails are paused, and when their quiet hours end. Changing them is in services.py.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from notifications import registry
from notifications.models import Preference
from notifications.models import Settings as NotificationSettings


def settings_for(user) -> NotificationSettings:
    """The member's delivery settings (defaults, unsaved, if they never changed them)."""
    found = NotificationSettings.objects.filter(user=user).first()
    return found or NotificationSettings(user=user)


def channel_for(user, kind: registry.Kind) -> str:
    """How `user` gets `kind`: their choice, else the kind's default; always email for a
    mandatory kind, whatever an old preference row says."""
    if kind.mandatory:
        return registry.EMAIL
    chosen = (
        Preference.objects.filter(user=user, kind=kind.name)
        .values_list("channel", flat=True)
        .first()
    )
    return chosen or kind.default_channel


def settings_for_many(user_ids) -> dict[int, NotificationSettings]:
    """Delivery settings of many members at once (one query), by user id; those who
    never changed theirs get the defaults (unsaved), as settings_for() gives."""
    ids = set(user_ids)
    found = {s.user_id: s for s in NotificationSettings.objects.filter(user_id__in=ids)}
    return {pk: found.get(pk) or NotificationSettings(user_id=pk) for pk in ids}


def channels_for_many(user_ids, kind: registry.Kind) -> dict[int, str]:
    """channel_for() for many members at once (one query, none for a mandatory kind)."""
    ids = set(user_ids)
    if kind.mandatory:
        return dict.fromkeys(ids, registry.EMAIL)
    chosen = dict(
        Preference.objects.filter(user_id__in=ids, kind=kind.name).values_list("user_id", "channel")
    )
    return {pk: chosen.get(pk) or kind.default_channel for pk in ids}


def is_paused(prefs: NotificationSettings, local_today: date) -> bool:
    return prefs.paused_until is not None and local_today <= prefs.paused_until


def quiet_hours_end(prefs: NotificationSettings, zone, now: datetime) -> datetime | None:
    """If `now` falls in the member's quiet hours, the moment (UTC) they end; else None.

    Quiet hours may span midnight (22:00–07:00). Local wall-clock times are converted
    with the member's zone on the day in question, so a DST change in between is
    honoured: 07:00 is 07:00 local on either side of it.
    """
    start, end = prefs.quiet_start, prefs.quiet_end
    if start is None or end is None or start == end:
        return None
    local = now.astimezone(zone)
    clock = local.time().replace(tzinfo=None)
    if start < end:  # e.g. 12:00–14:00, within one day
        if not (start <= clock < end):
            return None
        end_day = local.date()
    else:  # e.g. 22:00–07:00, across midnight
        if end <= clock < start:
            return None
        end_day = local.date() if clock < end else local.date() + timedelta(days=1)
    return local_moment(end_day, end, zone)


def local_moment(day: date, clock: time, zone) -> datetime:
    """`day` at wall-clock `clock` in `zone`, as an aware UTC datetime. With fold=0 an
    ambiguous time (autumn) is its first occurrence, and a time inside the spring gap
    lands just as far after the gap (02:30 → 03:30), never before it."""
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)
