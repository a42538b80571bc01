"""Coffee dates: each member's settings, the pairing rounds, the dates they make, and
each member's side of a date (the intro, accept or pass, the check-in).

A round runs once per period (`Round.key`, unique), and a member has at most one row
per round (`Participant`, unique per round and member), whether they were paired or
left waiting: so a beat that fires twice, a retried task or two rounds racing can never
pair anyone twice. Writes go through coffee/services.py (settings, one function per
transition of a date) and coffee/rounds.py (the round, closing it, the mornings'
notes); what a member may open is coffee/access.py.

The private "don't pair me with" list is not here: it is members'
`DualRelationship(kind=DO_NOT_INTRODUCE)`, the one rule of who may be introduced, so
the same wish also keeps those people out of suggestions and new groups.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, timedelta

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from coffee.availability import validate_slots
from members.models import User
from messaging.models import Conversation

MAX_TRAVEL_KM = 160.0  # about 100 miles: further than anyone drives for a coffee
DEFAULT_TRAVEL_KM = 16.09344  # 10 miles
# How long an intro waits for an answer, and when "Did you meet?" is asked.
ROUND_LENGTH = timedelta(days=7)
CHECK_IN_AFTER = timedelta(days=5)


class CoffeeSettings(models.Model):
    """One member's coffee-date settings. A row exists once they open /coffee/ or opt
    in; without one they are simply not opted in."""

    class Cadence(models.TextChoices):
        WEEKLY = "weekly", "Every week"
        FORTNIGHTLY = "fortnightly", "Every other week"
        MONTHLY = "monthly", "Once a month"

    class Format(models.TextChoices):
        EITHER = "either", "In person or virtual"
        IN_PERSON = "in_person", "In person"
        VIRTUAL = "virtual", "Virtual (video call)"

    class PauseReason(models.TextChoices):
        UNANSWERED = "unanswered", "Three intros in a row went unanswered"

    # How many weeks a cadence leaves between two dates (rounds are weekly).
    WEEKS = {Cadence.WEEKLY: 1, Cadence.FORTNIGHTLY: 2, Cadence.MONTHLY: 4}

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="coffee_settings")
    opted_in = models.BooleanField("Pair me for coffee dates", default=False)
    cadence = models.CharField(max_length=12, choices=Cadence.choices, default=Cadence.FORTNIGHTLY)
    format = models.CharField(max_length=10, choices=Format.choices, default=Format.EITHER)
    # Stored in km whatever the member typed (miles for members in the US).
    travel_km = models.FloatField(
        default=DEFAULT_TRAVEL_KM,
        validators=[MinValueValidator(1.0), MaxValueValidator(MAX_TRAVEL_KM)],
    )
    # Slot codes ("tue-morning") in the member's own time zone: coffee/availability.py.
    availability = models.JSONField(default=list, blank=True, validators=[validate_slots])
    snoozed_until = models.DateField(null=True, blank=True)
    # Paused by Hive (not by the member, who would opt out or snooze): three intros in a
    # row left unanswered. Cleared when they come back.
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_reason = models.CharField(max_length=12, choices=PauseReason.choices, blank=True)
    unanswered_in_a_row = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "coffee settings"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(travel_km__gte=1.0, travel_km__lte=MAX_TRAVEL_KM),
                name="%(app_label)s_%(class)s_travel_in_range",
                violation_error_message="Travel distance is between 1 km and 160 km.",
            ),
            models.CheckConstraint(
                condition=models.Q(paused_at__isnull=True, paused_reason="")
                | (models.Q(paused_at__isnull=False) & ~models.Q(paused_reason="")),
                name="%(app_label)s_%(class)s_pause_has_reason",
                violation_error_message="A pause records why.",
            ),
        ]

    def __str__(self) -> str:
        return f"coffee settings of {self.user_id}"

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None

    def snoozed_on(self, day: date) -> bool:
        return self.snoozed_until is not None and day <= self.snoozed_until

    @property
    def in_person(self) -> bool:
        return self.format in (self.Format.IN_PERSON, self.Format.EITHER)

    @property
    def virtual(self) -> bool:
        return self.format in (self.Format.VIRTUAL, self.Format.EITHER)


class Round(models.Model):
    """One pairing round. The scheduled round of a week has the key "2026-W28", so it
    runs exactly once; a round staff start from /review/coffee/ has a key of its own
    (one per click, so a double submit runs it once) and pairs only members still due
    that week. `week` is the Monday of the week either belongs to: cadences count in
    weeks."""

    class Kind(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        STAFF = "staff", "Run by staff"

    key = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.SCHEDULED)
    week = models.DateField(db_index=True)
    run_at = models.DateTimeField(default=timezone.now)
    # Intros still unanswered at this moment expire (or when the next week's round runs).
    ends_at = models.DateTimeField()
    # "Did you meet?" goes out in each member's morning from this moment on.
    check_in_at = models.DateTimeField()
    run_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    eligible_count = models.PositiveIntegerField(default=0)
    paired_count = models.PositiveIntegerField(default=0)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-run_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("run_at"))
                & models.Q(check_in_at__gt=models.F("run_at")),
                name="%(app_label)s_%(class)s_ends_after_it_runs",
                violation_error_message="A round ends, and checks in, after it runs.",
            ),
        ]

    def __str__(self) -> str:
        return self.key

    @staticmethod
    def week_of(moment) -> date:
        """The Monday (UTC) of the week `moment` falls in."""
        day = moment.astimezone(UTC).date()
        return day - timedelta(days=day.weekday())

    @staticmethod
    def scheduled_key(week: date) -> str:
        year, number, _ = week.isocalendar()
        return f"{year}-W{number:02d}"


class CoffeeDateQuerySet(models.QuerySet):
    def involving(self, user) -> CoffeeDateQuerySet:
        return self.filter(models.Q(member_a=user) | models.Q(member_b=user))

    def visible_to(self, user) -> CoffeeDateQuerySet:
        """`user`'s own dates with someone in no block with them (members' rule: a
        block makes the other not exist for them anywhere, past dates included)."""
        pk = getattr(user, "pk", user)
        other = models.Case(
            models.When(member_a_id=pk, then=models.F("member_b_id")),
            default=models.F("member_a_id"),
        )
        seen = User.objects.visible_to(user).filter(pk=models.OuterRef("other_id"))
        return self.involving(pk).annotate(other_id=other).filter(models.Exists(seen))


class CoffeeDate(models.Model):
    """Two members paired in a round, stored in id order (member_a < member_b).

    Its status moves once, by the transitions in coffee/services.py:
    proposed -> confirmed (both accepted) | passed (one passed) | expired (the round
    ended before both answered) | canceled (one left Hive or blocked the other).
    """

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Waiting for answers"
        CONFIRMED = "confirmed", "On"
        PASSED = "passed", "Not this round"
        EXPIRED = "expired", "Expired"
        CANCELED = "canceled", "Canceled"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="dates")
    member_a = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    member_b = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    in_person = models.BooleanField(default=False)
    score = models.FloatField(default=0.0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Times both are free (UTC ISO pairs), worked out when both accepted.
    suggested_times = models.JSONField(default=list, blank=True)
    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = CoffeeDateQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The look-back window: pairs that met recently, read by date.
            models.Index(fields=["created_at"], name="coffee_date_created"),
            models.Index(fields=["member_b"], name="coffee_date_member_b"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "member_a", "member_b"],
                name="%(app_label)s_%(class)s_once_per_round",
                violation_error_message="These two are already paired in this round.",
            ),
            models.CheckConstraint(
                condition=models.Q(member_a__lt=models.F("member_b")),
                name="%(app_label)s_%(class)s_pair_ordered",
                violation_error_message="A date is between two different members, in id order.",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="confirmed") | models.Q(confirmed_at__isnull=False),
                name="%(app_label)s_%(class)s_confirmed_at",
                violation_error_message="A confirmed date records when it was confirmed.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_a_id}+{self.member_b_id} ({self.status})"

    def other_id(self, user) -> int:
        pk = getattr(user, "pk", user)
        return self.member_b_id if pk == self.member_a_id else self.member_a_id

    def involves(self, user) -> bool:
        return getattr(user, "pk", user) in (self.member_a_id, self.member_b_id)


class Participant(models.Model):
    """A member in a round: paired (`date` set) or left waiting (no date: they go first
    next round). Their side of the date lives here: the intro, their answer, the
    check-in and how it went (private to them)."""

    class Response(models.TextChoices):
        NONE = "", "No date"
        PENDING = "pending", "Not answered yet"
        ACCEPTED = "accepted", "Accepted"
        PASSED = "passed", "Passed"
        UNANSWERED = "unanswered", "Left unanswered"

    class Met(models.TextChoices):
        YES = "yes", "Yes, we met"
        NOT_YET = "not_yet", "Not yet"
        NO = "no", "No"

    class Rating(models.TextChoices):
        GREAT = "great", "Great: glad we met"
        GOOD = "good", "Good"
        NOT_A_FIT = "not_a_fit", "Not really a fit"

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="participants")
    member = models.ForeignKey(User, on_delete=models.CASCADE, related_name="coffee_rounds")
    date = models.ForeignKey(
        CoffeeDate, null=True, blank=True, on_delete=models.CASCADE, related_name="participants"
    )
    # Unpaired in their previous round: went first this time.
    waited = models.BooleanField(default=False)
    response = models.CharField(max_length=10, choices=Response.choices, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    # Why they were paired, in this member's words and units, written when the intro
    # was sent (from what both may see: coffee/reasons.py).
    reason = models.TextField(blank=True)
    introduced_at = models.DateTimeField(null=True, blank=True)
    check_in_asked_at = models.DateTimeField(null=True, blank=True)
    met = models.CharField(max_length=8, choices=Met.choices, blank=True)
    met_at = models.DateTimeField(null=True, blank=True)
    rating = models.CharField(max_length=10, choices=Rating.choices, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["member", "round"], name="coffee_part_member"),
            # The morning sweep: intros not sent yet.
            models.Index(
                fields=["round"],
                condition=models.Q(introduced_at__isnull=True, date__isnull=False),
                name="coffee_part_to_introduce",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "member"],
                name="%(app_label)s_%(class)s_once_per_round",
                violation_error_message="A member is in a round once.",
            ),
            models.CheckConstraint(
                condition=models.Q(date__isnull=True, response="")
                | (models.Q(date__isnull=False) & ~models.Q(response="")),
                name="%(app_label)s_%(class)s_response_with_date",
                violation_error_message="Only a member with a date answers an intro.",
            ),
            models.CheckConstraint(
                condition=models.Q(met="") | models.Q(response="accepted"),
                name="%(app_label)s_%(class)s_check_in_after_accepting",
                violation_error_message="Only a date both accepted has a check-in.",
            ),
            models.CheckConstraint(
                condition=models.Q(rating="") | models.Q(met="yes"),
                name="%(app_label)s_%(class)s_rating_after_meeting",
                violation_error_message="Say how it went once you met.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} in {self.round_id}"

    def check_in_due(self, now) -> bool:
        """Is "Did you meet?" open for this member (a date both accepted, not answered
        yes or no, its check-in asked or its day come)? Reads `date` and `round`."""
        return (
            self.date is not None
            and self.date.status == CoffeeDate.Status.CONFIRMED
            and self.response == self.Response.ACCEPTED
            and self.met in ("", self.Met.NOT_YET)
            and (self.check_in_asked_at is not None or now >= self.round.check_in_at)
        )
