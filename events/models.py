"""Events (CE workshops, meetups, coffee socials, study groups, conferences), their
organizers, members' RSVPs with the waitlist and check-in, and CE certificates.

Who may see an event is `EventQuerySet.visible_to` (the listing) and
`events.access.access_event` (one event); what a member may see *of* an event (the
online link and the venue notes only when going) is `Event.details_for`. Seats are
given out only by events.services, under a lock on the event's row.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.text import slugify
from django.utils.timezone import now

from hive.timezones import validate_timezone
from members.models import Profile, User
from members.models.connections import in_block_with_ids, not_blocked_with

Tier = Profile.Tier
MAX_CAPACITY = 5000
MAX_DURATION = timedelta(days=14)  # the longest an event may last (Event.clean)


class EventQuerySet(models.QuerySet):
    def visible_to(self, user) -> EventQuerySet:
        """The events `user` may know exist: listed (or theirs to organize), created by
        someone not in a block with them, and open to their credential tier. Staff see
        every event (they unlist them)."""
        if user.is_staff:
            return self.all()
        organizing = models.Exists(Organizer.objects.filter(event=models.OuterRef("pk"), user=user))
        # The block rule on the creator's column, in its set form: an EXISTS over
        # User.objects.visible_to() was planned as a pass over every member (~200 ms at
        # 100,000) before the first event, and a NOT EXISTS per event costs a probe of
        # the block table each (18 ms to count 6,000 events).
        creator_visible = ~models.Q(created_by_id__in=in_block_with_ids(user))
        tier = _tier_of(user)
        open_to_tier = models.Q(allowed_tiers=[])
        if tier:
            open_to_tier |= models.Q(allowed_tiers__contains=[tier])
        return self.filter(
            organizing | (models.Q(unlisted_at__isnull=True) & open_to_tier & creator_visible)
        )

    def upcoming(self, now=None) -> EventQuerySet:
        return self.filter(ends_at__gt=now or timezone.now())

    def with_going_count(self) -> EventQuerySet:
        return self.annotate(
            going_count=models.Count("rsvps", filter=models.Q(rsvps__status=Rsvp.Status.GOING))
        )


def _tier_of(user) -> str:
    profile = getattr(user, "profile", None) if user.is_authenticated else None
    return profile.credential_tier if profile is not None else ""


def new_slug_suffix() -> str:
    # Readable but not guessable in sequence: the title, then 6 random characters.
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "".join(secrets.choice(alphabet) for _ in range(6))


class Event(models.Model):
    """One dated gathering. Times are stored in UTC; `timezone` is the zone it is
    scheduled in (shown beside the member's own, and the calendar file's TZID)."""

    class Kind(models.TextChoices):
        CE_WORKSHOP = "ce_workshop", "CE workshop"
        MEETUP = "meetup", "Meetup"
        COFFEE_SOCIAL = "coffee_social", "Coffee social"
        STUDY_GROUP = "study_group", "Study or reading group"
        CONFERENCE = "conference", "Conference"

    slug = models.SlugField(max_length=80, unique=True, editable=False)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.MEETUP)
    title = models.CharField(max_length=140)
    description = models.TextField(blank=True)  # members.markdown subset
    starts_at = models.DateTimeField(db_index=True)
    ends_at = models.DateTimeField(db_index=True)
    timezone = models.CharField(max_length=64, validators=[validate_timezone])
    # In person: a city from the offline place index (members.places), its region and
    # coordinates (for "near a place"); the exact address goes in venue_notes, which
    # only members going may read. Online: the link, same rule.
    place_name = models.CharField(max_length=120, blank=True)
    place_region = models.CharField(max_length=80, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    online_url = models.URLField("online link", max_length=500, blank=True)
    venue_notes = models.TextField(blank=True)
    capacity = models.PositiveIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(MAX_CAPACITY)]
    )
    ce_hours = models.DecimalField(
        "CE hours",
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0.25), MaxValueValidator(40)],
    )
    approving_body = models.CharField(max_length=160, blank=True)
    # Empty: every tier. Else the Profile.Tier values allowed in.
    allowed_tiers = models.JSONField(default=list, blank=True)
    public = models.BooleanField(
        "also public", default=False, help_text="Visitors may see a page without attendees."
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    unlisted_at = models.DateTimeField(null=True, blank=True)
    unlisted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # When the post-event follow-ups went out (each attendee's is also keyed once).
    followed_up_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Bumped whenever something attendees see changes (calendar SEQUENCE).
    sequence = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(User, on_delete=models.CASCADE, related_name="events_created")
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [
            models.Index(
                fields=["ends_at", "starts_at"],
                condition=models.Q(unlisted_at__isnull=True),
                name="events_event_listed_upcoming",
            ),
            models.Index(fields=["latitude", "longitude"], name="events_event_geo"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="%(app_label)s_%(class)s_ends_after_start",
                violation_error_message="An event ends after it starts.",
            ),
            # The list relies on it (events.listing bounds starts_at by it).
            models.CheckConstraint(
                condition=models.Q(ends_at__lte=models.F("starts_at") + MAX_DURATION),
                name="%(app_label)s_%(class)s_lasts_at_most_two_weeks",
                violation_error_message="An event lasts at most two weeks.",
            ),
            models.CheckConstraint(
                condition=~models.Q(place_name="", online_url=""),
                name="%(app_label)s_%(class)s_has_venue_or_link",
                violation_error_message="Choose a place or give an online link.",
            ),
            models.CheckConstraint(
                condition=models.Q(capacity__gte=1),
                name="%(app_label)s_%(class)s_capacity_positive",
                violation_error_message="An event has at least one seat.",
            ),
            models.CheckConstraint(
                condition=models.Q(ce_hours__isnull=True) | models.Q(kind="ce_workshop"),
                name="%(app_label)s_%(class)s_ce_hours_for_ce_only",
                violation_error_message="Only CE workshops carry CE hours.",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="ce_workshop")
                | (models.Q(ce_hours__isnull=False) & ~models.Q(approving_body="")),
                name="%(app_label)s_%(class)s_ce_workshop_hours_and_body",
                violation_error_message="A CE workshop gives its CE hours and approving body.",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(latitude__isnull=True, longitude__isnull=True)
                    | models.Q(latitude__range=(-90, 90), longitude__range=(-180, 180))
                ),
                name="%(app_label)s_%(class)s_coordinates_valid",
                violation_error_message="Coordinates must be a valid latitude/longitude pair.",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        if not self.slug:
            base = slugify(self.title)[:60].strip("-") or "event"
            self.slug = f"{base}-{new_slug_suffix()}"
        super().save(*args, **kwargs)

    def clean(self) -> None:
        errors = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = "An event ends after it starts."
        if self.starts_at and self.ends_at and self.ends_at - self.starts_at > MAX_DURATION:
            errors["ends_at"] = "An event lasts at most two weeks."
        if not self.place_name and not self.online_url:
            errors["place_name"] = "Choose a place or give an online link."
        if self.kind == self.Kind.CE_WORKSHOP:
            if self.ce_hours is None:
                errors["ce_hours"] = "A CE workshop gives its CE hours."
            if not self.approving_body.strip():
                errors["approving_body"] = "A CE workshop names the body that approved it."
        else:
            self.ce_hours = None
            self.approving_body = ""
        unknown = set(self.allowed_tiers or []) - set(Tier.values)
        if unknown or not isinstance(self.allowed_tiers, list):
            errors["allowed_tiers"] = "Choose tiers from the list."
        if errors:
            raise ValidationError(errors)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def is_ce(self) -> bool:
        return self.kind == self.Kind.CE_WORKSHOP

    @property
    def is_online(self) -> bool:
        return bool(self.online_url)

    @property
    def has_ended(self) -> bool:
        return self.ends_at <= timezone.now()

    @property
    def has_started(self) -> bool:
        return self.starts_at <= timezone.now()

    @property
    def place_label(self) -> str:
        if not self.place_name:
            return "Online"
        return f"{self.place_name}, {self.place_region}" if self.place_region else self.place_name

    def tier_labels(self) -> list[str]:
        labels = dict(Tier.choices)
        return [labels[t] for t in self.allowed_tiers if t in labels]

    def open_to(self, user) -> bool:
        """Whether `user`'s credential tier may attend."""
        return not self.allowed_tiers or _tier_of(user) in self.allowed_tiers


class Organizer(models.Model):
    """A member who may manage an event: its creator and any co-organizers."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="organizers")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="events_organized")
    added_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["added_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "user"],
                name="%(app_label)s_%(class)s_once_per_event",
                violation_error_message="This member already organizes the event.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} organizes {self.event_id}"


class RsvpQuerySet(models.QuerySet):
    def visible_to(self, viewer) -> RsvpQuerySet:
        """RSVPs of people not in a block with `viewer` (attendee lists, follow-ups)."""
        return self.filter(not_blocked_with(viewer, "user_id"))

    def going(self) -> RsvpQuerySet:
        return self.filter(status=Rsvp.Status.GOING)

    def waitlisted(self) -> RsvpQuerySet:
        return self.filter(status=Rsvp.Status.WAITLISTED).order_by("queued_at", "pk")

    def no_shows(self) -> RsvpQuerySet:
        """Seats taken and not used: going to an event that has ended, was not
        cancelled, and where the organizers took attendance (someone was checked in),
        without being checked in. An event nobody checked anyone in at says nothing
        about who came, so it counts against nobody."""
        attendance_taken = models.Exists(
            Rsvp.objects.filter(event=models.OuterRef("event_id"), checked_in_at__isnull=False)
        )
        return self.filter(
            attendance_taken,
            status=Rsvp.Status.GOING,
            checked_in_at__isnull=True,
            event__ends_at__lte=timezone.now(),
            event__cancelled_at__isnull=True,
        )


class Rsvp(models.Model):
    """A member's answer to one event. One row per member and event; its status moves
    only through events.services (going ↔ waitlisted → cancelled, and back)."""

    class Status(models.TextChoices):
        GOING = "going", "Going"
        WAITLISTED = "waitlisted", "On the waitlist"
        CANCELLED = "cancelled", "Not going"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="rsvps")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="event_rsvps")
    status = models.CharField(max_length=12, choices=Status.choices)
    # When they last asked for a seat: the waitlist's order (arrival order).
    queued_at = models.DateTimeField(default=now)
    # When they got their seat (reminders are only for moments after this).
    going_since = models.DateTimeField(null=True, blank=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    checked_in_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=now)

    objects = RsvpQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["event", "status", "queued_at"], name="events_rsvp_queue"),
            models.Index(fields=["user", "status"], name="events_rsvp_user_status"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "user"],
                name="%(app_label)s_%(class)s_one_per_member",
                violation_error_message="This member already answered for this event.",
            ),
            models.CheckConstraint(
                condition=models.Q(checked_in_at__isnull=True) | models.Q(status="going"),
                name="%(app_label)s_%(class)s_checked_in_only_going",
                violation_error_message="Only members going can be checked in.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.status} {self.event_id}"


def new_certificate_code() -> str:
    # 12 characters from an alphabet without look-alikes, grouped for reading aloud.
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    raw = "".join(secrets.choice(alphabet) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


class Certificate(models.Model):
    """A CE certificate of attendance. Its facts are copied when it is issued, so the
    public check (/certificates/<code>/) shows what the PDF says even if the event or
    the member's license changes later."""

    code = models.CharField(max_length=14, unique=True, default=new_certificate_code)
    # Kept if the event goes: the facts below are what a board checks.
    event = models.ForeignKey(
        Event, null=True, on_delete=models.SET_NULL, related_name="certificates"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="certificates"
    )
    member_name = models.CharField(max_length=120)
    license_type = models.CharField(max_length=40, blank=True)
    license_number = models.CharField(max_length=40, blank=True)
    license_jurisdiction = models.CharField(max_length=2, blank=True)
    event_title = models.CharField(max_length=140)
    event_date = models.DateField()
    ce_hours = models.DecimalField(max_digits=4, decimal_places=2)
    approving_body = models.CharField(max_length=160)
    organizer_name = models.CharField(max_length=200)
    issued_at = models.DateTimeField(default=now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["event", "user"],
                name="%(app_label)s_%(class)s_one_per_attendee",
                violation_error_message="This attendee already has a certificate.",
            )
        ]

    def __str__(self) -> str:
        return self.code
