"""The events app's writes: organizing, seats (RSVP, waitlist, promotion), check-in,
certificates, and the timed sends (reminders, follow-ups).

Seats. Every write that gives, takes or counts seats of an event first locks the
event's row (`SELECT … FOR UPDATE`), so they run one after another per event: two
members can never both take the last seat, and a freed seat goes to the first on the
waitlist in the same transaction as the cancellation that freed it. Different events
never wait for each other. tests/events/test_concurrency.py runs this with real
concurrent connections.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from events import notifications as event_notifications
from events.models import Certificate, Event, Organizer, Rsvp
from members.models import Application, User

Status = Rsvp.Status

# Fields whose change attendees are told about (and their calendars updated).
TIME_PLACE_LINK_FIELDS = (
    "starts_at",
    "ends_at",
    "timezone",
    "place_name",
    "place_region",
    "latitude",
    "longitude",
    "online_url",
    "venue_notes",
)
# Other fields that change what a calendar shows (SEQUENCE is bumped, nobody notified).
CALENDAR_FIELDS = ("title", "description")
EDITABLE_FIELDS = (
    "kind",
    "title",
    "description",
    *TIME_PLACE_LINK_FIELDS,
    "capacity",
    "ce_hours",
    "approving_body",
    "allowed_tiers",
    "public",
)
REMINDER_HOURS = (24, 1)
# A reminder due while the workers were down is still worth sending this late.
REMINDER_GRACE = timedelta(minutes=50)
# Reminders written per transaction (notify_many call) by the sweep.
REMINDER_BATCH = 500
CHECK_IN_OPENS_BEFORE = timedelta(hours=24)
FOLLOW_UP_AFTER = timedelta(hours=1)
FOLLOW_UP_UNTIL = timedelta(days=3)


class RsvpRefused(Exception):
    """An RSVP that the event's rules do not allow (the message says why)."""


def _lock(event: Event) -> Event:
    return Event.objects.select_for_update().get(pk=event.pk)


def is_organizer(event: Event, user) -> bool:
    return user.is_authenticated and event.organizers.filter(user=user).exists()


def _require_organizer(event: Event, user) -> None:
    if not is_organizer(event, user):
        raise PermissionDenied("Only the event's organizers can do this.")


def _going_count(event: Event) -> int:
    return Rsvp.objects.filter(event=event, status=Status.GOING).count()


# Organizing ---------------------------------------------------------------------------


@transaction.atomic
def event_create(*, event: Event, creator: User) -> Event:
    """Save a new event (built from the form, unsaved) with `creator` as its first
    organizer. Any member in good standing may organize."""
    if not creator.is_member:
        raise PermissionDenied("Only members in good standing can organize events.")
    event.created_by = creator
    event.full_clean(exclude=["slug", "created_by"])
    event.save()
    Organizer.objects.create(event=event, user=creator)
    return event


@transaction.atomic
def event_update(*, event: Event, editor: User, changes: dict) -> Event:
    """Apply `changes` (field → value, from EDITABLE_FIELDS) to the event.

    The capacity may not drop below the number going (a form error on `capacity`); a
    larger capacity seats the waitlist in order. A change of time, place or link
    tells everyone going or waitlisted; any change attendees see bumps the calendar
    SEQUENCE."""
    locked = _lock(event)
    _require_organizer(locked, editor)
    if locked.is_cancelled:
        raise ValidationError("A canceled event cannot be edited.")
    changed = [
        name
        for name, value in changes.items()
        if name in EDITABLE_FIELDS and getattr(locked, name) != value
    ]
    for name in changed:
        setattr(locked, name, changes[name])
    going = _going_count(locked)
    if locked.capacity < going:
        raise ValidationError(
            {
                "capacity": f"{going} members are going, so the capacity cannot be less than "
                f"{going}. Ask some to cancel first, or keep {going} seats."
            }
        )
    locked.full_clean(exclude=["slug", "created_by"])
    if not changed:
        return locked
    told = [name for name in changed if name in TIME_PLACE_LINK_FIELDS]
    if told or any(name in CALENDAR_FIELDS for name in changed):
        locked.sequence += 1
    locked.updated_at = timezone.now()
    locked.save()
    if told:
        event_notifications.changed(
            rsvps=locked.rsvps.filter(status__in=[Status.GOING, Status.WAITLISTED]).select_related(
                "user"
            ),
            event=locked,
            fields=told,
        )
    _promote(locked)
    return locked


@transaction.atomic
def event_cancel(*, event: Event, by: User) -> Event:
    """Call the event off: its page stays, marked cancelled; everyone going or waiting
    is told, and calendars show it cancelled."""
    locked = _lock(event)
    if not (by.is_staff or is_organizer(locked, by)):
        raise PermissionDenied("Only the event's organizers can cancel it.")
    if locked.is_cancelled:
        return locked
    locked.cancelled_at = timezone.now()
    locked.sequence += 1
    locked.updated_at = locked.cancelled_at
    locked.save(update_fields=["cancelled_at", "sequence", "updated_at"])
    event_notifications.cancelled(
        rsvps=locked.rsvps.filter(status__in=[Status.GOING, Status.WAITLISTED]).select_related(
            "user"
        ),
        event=locked,
    )
    return locked


@transaction.atomic
def event_set_listed(*, event: Event, staff: User, listed: bool) -> Event:
    """Staff unlist an event (it disappears for everyone but its organizers and staff),
    or list it again."""
    if not staff.is_staff:
        raise PermissionDenied("Only staff can unlist events.")
    locked = _lock(event)
    locked.unlisted_at = None if listed else timezone.now()
    locked.unlisted_by = None if listed else staff
    locked.save(update_fields=["unlisted_at", "unlisted_by"])
    return locked


@transaction.atomic
def organizer_add(*, event: Event, by: User, user: User) -> Organizer:
    """Make `user` a co-organizer (a member in good standing, visible to `by`)."""
    _require_organizer(event, by)
    if not user.is_member:
        raise ValidationError("Only members in good standing can organize.")
    if not User.objects.visible_to(by).filter(pk=user.pk).exists():
        raise ValidationError("No member with this handle.")
    organizer, _ = Organizer.objects.get_or_create(event=event, user=user)
    return organizer


@transaction.atomic
def organizer_remove(*, event: Event, by: User, user: User) -> None:
    """Remove a co-organizer; the creator stays."""
    _require_organizer(event, by)
    if user.pk == event.created_by_id:
        raise ValidationError("The member who created the event stays an organizer.")
    Organizer.objects.filter(event=event, user=user).delete()


# Seats --------------------------------------------------------------------------------


def _promote(event: Event) -> list[Rsvp]:
    """Seat the waitlist, first come first served, while there are free seats. The
    caller holds the event's lock."""
    if event.is_cancelled or event.has_ended:
        return []
    free = event.capacity - _going_count(event)
    if free <= 0:
        return []
    promoted = []
    now = timezone.now()
    for rsvp in Rsvp.objects.filter(event=event).waitlisted().select_related("user")[:free]:
        rsvp.status = Status.GOING
        rsvp.going_since = now
        rsvp.updated_at = now
        rsvp.save(update_fields=["status", "going_since", "updated_at"])
        event_notifications.promoted(rsvp=rsvp, event=event)
        promoted.append(rsvp)
    return promoted


@transaction.atomic
def rsvp_going(*, event: Event, user: User) -> Rsvp:
    """Ask for a seat: going if one is free, else on the waitlist (in arrival order).
    Asking again while going or waiting changes nothing."""
    locked = _lock(event)
    if not user.is_member:
        raise RsvpRefused("Only members in good standing can RSVP.")
    if locked.is_cancelled:
        raise RsvpRefused("This event was canceled.")
    if locked.has_ended:
        raise RsvpRefused("This event is over.")
    if not locked.open_to(user):
        raise RsvpRefused("This event is open to other credential tiers.")
    rsvp = Rsvp.objects.filter(event=locked, user=user).first()
    if rsvp is not None and rsvp.status in (Status.GOING, Status.WAITLISTED):
        return rsvp
    now = timezone.now()
    seat_free = _going_count(locked) < locked.capacity
    # Someone already waiting keeps their place: a seat only goes straight to a newcomer
    # when nobody is waiting (promotion normally leaves nobody waiting beside a free seat).
    if seat_free and Rsvp.objects.filter(event=locked).waitlisted().exists():
        seat_free = False
    status = Status.GOING if seat_free else Status.WAITLISTED
    if rsvp is None:
        rsvp = Rsvp(event=locked, user=user)
    rsvp.status = status
    rsvp.queued_at = now
    rsvp.going_since = now if status == Status.GOING else None
    rsvp.checked_in_at = None
    rsvp.updated_at = now
    rsvp.full_clean(exclude=["event", "user"])
    rsvp.save()
    _promote(locked)
    return rsvp


@transaction.atomic
def rsvp_cancel(*, event: Event, user: User) -> Rsvp | None:
    """Give up a seat or a place on the waitlist (a promoted member "releases" the seat
    this way). A freed seat goes to the first on the waitlist at once."""
    locked = _lock(event)
    rsvp = Rsvp.objects.filter(event=locked, user=user).first()
    if rsvp is None or rsvp.status == Status.CANCELLED:
        return rsvp
    if rsvp.checked_in_at is not None:
        raise RsvpRefused("You were checked in: ask an organizer to undo it first.")
    rsvp.status = Status.CANCELLED
    rsvp.going_since = None
    rsvp.updated_at = timezone.now()
    rsvp.save(update_fields=["status", "going_since", "updated_at"])
    _promote(locked)
    return rsvp


def waitlist_position(rsvp: Rsvp) -> int | None:
    """1 for the first on the waitlist; None if not waiting."""
    if rsvp.status != Status.WAITLISTED:
        return None
    ahead = Rsvp.objects.filter(event_id=rsvp.event_id, status=Status.WAITLISTED).filter(
        Q(queued_at__lt=rsvp.queued_at) | Q(queued_at=rsvp.queued_at, pk__lt=rsvp.pk)
    )
    return ahead.count() + 1


# Check-in -----------------------------------------------------------------------------


@transaction.atomic
def check_in(*, event: Event, by: User, rsvp: Rsvp, undo: bool = False) -> Rsvp:
    """Record (or undo) that a member going is here. Organizers only, from a day
    before the start."""
    _require_organizer(event, by)
    locked = Rsvp.objects.select_for_update().get(pk=rsvp.pk, event=event)
    if locked.status != Status.GOING:
        raise ValidationError("Only members going can be checked in.")
    if event.is_cancelled:
        raise ValidationError("This event was canceled.")
    if timezone.now() < event.starts_at - CHECK_IN_OPENS_BEFORE:
        raise ValidationError("Check-in opens a day before the event.")
    if undo:
        locked.checked_in_at, locked.checked_in_by = None, None
    elif locked.checked_in_at is None:
        locked.checked_in_at, locked.checked_in_by = timezone.now(), by
    locked.updated_at = timezone.now()
    locked.save(update_fields=["checked_in_at", "checked_in_by", "updated_at"])
    return locked


# Certificates -------------------------------------------------------------------------


def _display_name(user: User) -> str:
    profile = getattr(user, "profile", None)
    return profile.display_name if profile is not None else user.email.split("@")[0]


@transaction.atomic
def certificate_issue(*, event: Event, user: User) -> Certificate:
    """The member's CE certificate for the event, issued on first request: only for a
    CE workshop that has started, to a member who was checked in."""
    existing = Certificate.objects.filter(event=event, user=user).first()
    if existing is not None:
        return existing
    if not event.is_ce or event.is_cancelled or not event.has_started:
        raise PermissionDenied("This event gives no certificate.")
    if not Rsvp.objects.filter(
        event=event, user=user, status=Status.GOING, checked_in_at__isnull=False
    ).exists():
        raise PermissionDenied("Certificates are for members who were checked in.")
    application = Application.objects.filter(user=user).first()
    organizers = [_display_name(o.user) for o in event.organizers.select_related("user__profile")]
    certificate = Certificate(
        event=event,
        user=user,
        member_name=(application.legal_name if application and application.legal_name else "")
        or _display_name(user),
        license_type=application.license_type if application else "",
        license_number=application.license_number if application else "",
        license_jurisdiction=application.license_jurisdiction if application else "",
        event_title=event.title,
        event_date=event.starts_at.astimezone(event.zone).date(),
        ce_hours=event.ce_hours,
        approving_body=event.approving_body,
        organizer_name=", ".join(organizers)[:200],
    )
    certificate.full_clean()
    certificate.save()
    return certificate


# Timed sends (Celery beat, events/tasks.py) -------------------------------------------


def reminders_send(*, now: datetime | None = None) -> int:
    """Remind members going, 24 h and 1 h before the start, once each (by key). A
    reminder whose moment had passed when the member got their seat is not sent."""
    now = now or timezone.now()
    sent = 0
    for hours in REMINDER_HOURS:
        ahead = timedelta(hours=hours)
        rsvps = Rsvp.objects.going().filter(
            event__cancelled_at__isnull=True,
            event__starts_at__lte=now + ahead,
            event__starts_at__gt=now + ahead - REMINDER_GRACE,
        )
        due = [
            rsvp
            for rsvp in rsvps.select_related("event", "user")
            if rsvp.going_since is not None and rsvp.going_since <= rsvp.event.starts_at - ahead
        ]
        # In bulk: a popular event's reminders are one INSERT and a few broker messages.
        for start in range(0, len(due), REMINDER_BATCH):
            with transaction.atomic():
                batch = due[start : start + REMINDER_BATCH]
                sent += len(event_notifications.reminders(rsvps=batch, hours=hours))
    return sent


@dataclass(frozen=True)
class Companion:
    name: str
    handle: str
    user_id: int


def companions_of(*, event: Event, user: User) -> list[Companion]:
    """The people `user` attended with: checked in, in good standing, visible to them
    (one query)."""
    rsvps = (
        Rsvp.objects.visible_to(user)
        .filter(event=event, status=Status.GOING, checked_in_at__isnull=False)
        .exclude(user=user)
        .filter(user__in=User.objects.in_good_standing().filter(profile__isnull=False))
        .select_related("user__profile")
        .order_by("user__profile__display_name")
    )
    return [Companion(r.user.profile.display_name, r.user.profile.handle, r.user_id) for r in rsvps]


def followups_send(*, now: datetime | None = None) -> int:
    """After an event (an hour on, for up to three days), tell each checked-in attendee
    who they attended with, once per event."""
    now = now or timezone.now()
    sent = 0
    events = Event.objects.filter(
        cancelled_at__isnull=True,
        followed_up_at__isnull=True,
        ends_at__lte=now - FOLLOW_UP_AFTER,
        ends_at__gt=now - FOLLOW_UP_UNTIL,
    )
    for event in events:
        with transaction.atomic():
            locked = Event.objects.select_for_update(skip_locked=True).filter(pk=event.pk)
            locked = locked.filter(followed_up_at__isnull=True).first()
            if locked is None:
                continue
            attendees: Iterable[Rsvp] = locked.rsvps.filter(
                status=Status.GOING, checked_in_at__isnull=False
            ).select_related("user")
            told = [(rsvp, companions_of(event=locked, user=rsvp.user)) for rsvp in attendees]
            sent += len(
                event_notifications.followups(
                    event=locked, companions_by_rsvp=[(r, c) for r, c in told if c]
                )
            )
            locked.followed_up_at = now
            locked.save(update_fields=["followed_up_at"])
    return sent
