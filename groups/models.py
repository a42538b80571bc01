"""Consultation groups: the group and its cadence, who is in it (Membership), its
versioned confidentiality agreement and who accepted which version, its sessions with
RSVPs, presenters, swaps and recusals, and its discussion.

Who may see what is decided in groups/access.py, never by reading these tables by hand
in a view. Membership itself is confidential: nothing here is listed to anyone but the
group's members who accepted its current agreement (and each person's own row to them).
"""

from __future__ import annotations

import uuid

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone

from groups.cadence import describe_rule
from hive.timezones import validate_timezone
from members.models import Profile, User

MIN_CAPACITY = 3
MAX_CAPACITY = 8

# The covenant every group's agreement opens with (SPEC §5). Wording changes here are a
# new covenant: groups publish a new version to take them up.
COVENANT = (
    (
        "not-supervision",
        "This is peer consultation, not supervision: each of us keeps full "
        "responsibility for our own clients and our own clinical decisions.",
    ),
    (
        "de-identified",
        "I never share information that could identify a client: no names, dates, "
        "places, workplaces or rare details that would let someone recognize them.",
    ),
    (
        "no-recording",
        "Nobody records a session, in any way, and nobody uses AI transcription or "
        "note-taking tools during it.",
    ),
    (
        "membership-confidential",
        "Who belongs to this group is itself confidential: I do not tell anyone who the "
        "other members are.",
    ),
    (
        "recusal",
        "If I think I may know the client being presented, I say so privately to the "
        "presenter or organizer and step out of that case.",
    ),
)

# The presenter's de-identification checklist, ticked before presenting.
CHECKLIST = (
    ("name", "I removed the client's name and initials."),
    ("dates", "I removed dates: birth, admission, events."),
    ("places", "I removed places: town, school, employer, clinic."),
    ("rare", "I removed or changed rare details someone could recognize."),
    ("recording", "I will not record the session or use AI transcription."),
)


class GroupQuerySet(models.QuerySet):
    def listed(self) -> GroupQuerySet:
        return self.filter(listed=True)

    def visible_to(self, viewer) -> GroupQuerySet:
        """Groups whose organizer `viewer` may see at all (the block rule): a group run
        by someone in a block with the viewer does not exist for them."""
        return self.filter(organizer__in=User.objects.visible_to(viewer))


class Group(models.Model):
    class Format(models.TextChoices):
        VIRTUAL = "virtual", "Virtual"
        IN_PERSON = "in_person", "In person"

    class JoinPolicy(models.TextChoices):
        OPEN = "open", "Open: members join directly"
        REQUEST = "request", "By request: the organizer approves"
        INVITATION = "invitation", "By invitation only"

    slug = models.SlugField(max_length=70, unique=True)
    name = models.CharField(max_length=100)
    focus = models.CharField(max_length=300, help_text="What the group consults on, briefly.")
    organizer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    format = models.CharField(max_length=16, choices=Format.choices, default=Format.VIRTUAL)
    # A place from members.places (its geonameid) and its label as chosen, for in person.
    place_id = models.PositiveIntegerField(null=True, blank=True)
    place_label = models.CharField(max_length=160, blank=True)
    # The cadence: groups/cadence.py. Local time in the organizer's zone.
    rrule = models.CharField(max_length=120)
    starts_on = models.DateField()
    start_time = models.TimeField()
    duration_minutes = models.PositiveSmallIntegerField(default=90)
    zone = models.CharField(max_length=64, validators=[validate_timezone])
    capacity = models.PositiveSmallIntegerField(default=6)
    join_policy = models.CharField(
        max_length=16, choices=JoinPolicy.choices, default=JoinPolicy.REQUEST
    )
    listed = models.BooleanField(default=True)
    # Credential tiers who may join; empty means every tier.
    allowed_tiers = ArrayField(
        models.CharField(max_length=16, choices=Profile.Tier.choices), default=list, blank=True
    )
    agreement_version = models.PositiveIntegerField(default=0)
    # Request policy: the organizer offers each person who asks an introductory
    # conversation before deciding (shown to them before they ask).
    intro_conversation = models.BooleanField(default=False)
    # The organizer asked this member to take the group over; they accept or not.
    handover_to = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    handover_asked_at = models.DateTimeField(null=True, blank=True)
    # Moderators took the group off the list after a report: the organizer cannot list
    # it again by editing it.
    unlisted_by_staff = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = GroupQuerySet.as_manager()

    class Meta:
        indexes = [
            # The list's keyset order (newest first, id breaking ties), listed only.
            models.Index(
                fields=["-created_at", "-id"],
                condition=models.Q(listed=True),
                name="groups_group_listed_keyset",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(capacity__gte=MIN_CAPACITY, capacity__lte=MAX_CAPACITY),
                name="%(app_label)s_%(class)s_capacity_range",
                violation_error_message=(
                    f"A group seats between {MIN_CAPACITY} and {MAX_CAPACITY} members."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=15, duration_minutes__lte=480),
                name="%(app_label)s_%(class)s_duration_range",
                violation_error_message="A session lasts between 15 minutes and 8 hours.",
            ),
            models.CheckConstraint(
                condition=~models.Q(format="in_person") | models.Q(place_id__isnull=False),
                name="%(app_label)s_%(class)s_in_person_has_place",
                violation_error_message="Choose where an in-person group meets.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def cadence_text(self) -> str:
        return describe_rule(self.rrule)

    def allowed_tier_labels(self) -> list[str]:
        return [Profile.Tier(tier).label for tier in self.allowed_tiers if tier in Profile.Tier]

    def allows_tier(self, tier: str) -> bool:
        return not self.allowed_tiers or tier in self.allowed_tiers


class MembershipQuerySet(models.QuerySet):
    def active(self) -> MembershipQuerySet:
        return self.filter(status=Membership.Status.ACTIVE)

    def holding_seats(self) -> MembershipQuerySet:
        """Seated, or offered a seat that is held for them until the offer ends."""
        return self.filter(status__in=Membership.HOLDING_SEAT)

    def current(self) -> MembershipQuerySet:
        """In the group or promised a seat: the people a newcomer is checked against."""
        return self.filter(status__in=Membership.CURRENT)

    def with_current_agreement(self) -> MembershipQuerySet:
        """Active members who accepted the group's current agreement version."""
        return self.active().filter(
            accepted_version=models.F("group__agreement_version"), accepted_version__gt=0
        )


class Membership(models.Model):
    class Role(models.TextChoices):
        ORGANIZER = "organizer", "Organizer"
        MEMBER = "member", "Member"

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        INVITED = "invited", "Invited"
        ACTIVE = "active", "Active"
        WAITLISTED = "waitlisted", "Waitlisted"
        LEFT = "left", "Left"
        REMOVED = "removed", "Removed"
        # The organizer declined a request. The requester is not told (silent).
        DECLINED = "declined", "Declined"
        # A seat freed and is held for this waitlisted member until `offer_expires_at`:
        # they take it, or it goes to the next in line.
        OFFERED = "offered", "Seat offered"

    class Intro(models.TextChoices):
        NONE = "", "None"
        PROPOSED = "proposed", "Proposed"
        CONFIRMED = "confirmed", "Confirmed"
        OTHER_TIME = "other_time", "Asked for another time"

    CURRENT = (Status.ACTIVE, Status.WAITLISTED, Status.INVITED, Status.OFFERED)
    HOLDING_SEAT = (Status.ACTIVE, Status.OFFERED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="memberships")
    member = models.ForeignKey(User, on_delete=models.CASCADE, related_name="group_memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField(max_length=16, choices=Status.choices)
    # What the requester wrote to the organizer (request policy).
    introduction = models.TextField(blank=True, max_length=1000)
    # The organizer's private note (e.g. why they removed someone): only organizers see it.
    note = models.TextField(blank=True, max_length=1000)
    # The agreement version this member last accepted (0: none). Denormalized from
    # AgreementAcceptance so "may see the content" is one row's check.
    accepted_version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    # When the status last changed: orders the waitlist (first come, first seated).
    status_changed_at = models.DateTimeField(default=timezone.now)
    # Until when a seat offered to this member is held for them (status OFFERED).
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    # The introductory conversation the organizer proposes before deciding a request:
    # when, how (a video call, a phone call, a place), and the requester's answer.
    intro_at = models.DateTimeField(null=True, blank=True)
    intro_channel = models.CharField(max_length=200, blank=True)
    intro_status = models.CharField(max_length=16, choices=Intro.choices, blank=True)
    intro_reply = models.TextField(blank=True, max_length=500)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["group", "status"], name="groups_membership_status"),
            # The beat task's sweep for seat offers whose time ran out.
            models.Index(
                fields=["offer_expires_at"],
                condition=models.Q(status="offered"),
                name="groups_membership_offers",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "member"],
                name="%(app_label)s_%(class)s_once_per_group",
                violation_error_message="This member already has a place in this group.",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="offered") | models.Q(offer_expires_at__isnull=False),
                name="%(app_label)s_%(class)s_offer_has_deadline",
                violation_error_message="A seat offer needs a time it ends.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} in {self.group_id} ({self.status})"

    @property
    def is_organizer(self) -> bool:
        return self.role == self.Role.ORGANIZER and self.status == self.Status.ACTIVE

    def has_current_agreement(self, group: Group) -> bool:
        return (
            self.status == self.Status.ACTIVE
            and group.agreement_version > 0
            and self.accepted_version == group.agreement_version
        )


class Agreement(models.Model):
    """One version of a group's confidentiality agreement: the covenant plus the
    organizer's own clauses. Versions are never edited: a change is a new version."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="agreements")
    version = models.PositiveIntegerField()
    clauses = models.TextField(blank=True, max_length=4000, help_text="The organizer's own.")
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["group", "version"],
                name="%(app_label)s_%(class)s_one_per_version",
                violation_error_message="This version of the agreement exists already.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group_id} v{self.version}"

    @property
    def covenant(self) -> tuple:
        return COVENANT

    def organizer_clauses(self) -> list[str]:
        return [line.strip() for line in self.clauses.splitlines() if line.strip()]


class AgreementAcceptance(models.Model):
    """`member` accepted `agreement` at `accepted_at`: the record, kept for good."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="acceptances")
    member = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    accepted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "member"],
                name="%(app_label)s_%(class)s_once",
                violation_error_message="You accepted this version already.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} accepted {self.agreement_id}"


class Session(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        # The stored value keeps its original spelling; members read the label.
        CANCELLED = "cancelled", "Canceled"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="sessions")
    # The cadence's local date this session stands for: generation is idempotent on it,
    # and a moved session keeps it, so the cadence does not bring the original back.
    occurrence = models.DateField()
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SCHEDULED)
    moved = models.BooleanField(default=False)
    sequence = models.PositiveIntegerField(default=0)  # bumped on every change (calendars)
    presenter = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Set once the presenter took the turn on (ticked the checklist, accepted a swap) or
    # was reminded: the rota re-plans only sessions whose presenter is not confirmed.
    presenter_confirmed = models.BooleanField(default=False)
    checklist = ArrayField(models.CharField(max_length=16), default=list, blank=True)
    checklist_ticked_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_for = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    notes = models.TextField(blank=True, max_length=20000)
    notes_updated_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["group", "starts_at"], name="groups_session_when")]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "occurrence"],
                name="%(app_label)s_%(class)s_once_per_occurrence",
                violation_error_message="This group has a session for that date already.",
            ),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="%(app_label)s_%(class)s_ends_after_start",
                violation_error_message="A session ends after it starts.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group_id} {self.starts_at:%Y-%m-%d}"

    @property
    def cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    @property
    def checklist_done(self) -> bool:
        return self.checklist_ticked_at is not None


class Rsvp(models.Model):
    class Answer(models.TextChoices):
        YES = "yes", "Yes"
        NO = "no", "No"
        MAYBE = "maybe", "Maybe"

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="rsvps")
    member = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    answer = models.CharField(max_length=8, choices=Answer.choices)
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "member"],
                name="%(app_label)s_%(class)s_once",
                violation_error_message="You answered for this session already.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.answer}"


class Swap(models.Model):
    """The presenter asks `asked` to present `session` in their place."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for an answer"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn"

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="swaps")
    asked_by = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    asked = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session"],
                condition=models.Q(status="pending"),
                name="%(app_label)s_%(class)s_one_pending",
                violation_error_message="There is a swap request waiting already.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.asked_by_id} asks {self.asked_id} ({self.status})"


class Recusal(models.Model):
    """`member` may know the client presented at `session`. Only the presenter and the
    organizer see it; the member no longer sees that session's notes."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="recusals")
    member = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "member"],
                name="%(app_label)s_%(class)s_once",
                violation_error_message="You stepped out of this case already.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} recused from {self.session_id}"


class Post(models.Model):
    """A message in the group's discussion thread."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    body = models.TextField(max_length=5000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        # The thread is read newest first in keyset pages on the id (ids only grow).
        indexes = [models.Index(fields=["group", "-id"], name="groups_post_keyset")]

    def __str__(self) -> str:
        return f"post {self.pk} in {self.group_id}"


class GroupReport(models.Model):
    """A member tells the moderators something is wrong with a group. Moderators see
    the group's public facts and these reports, never its notes or discussion."""

    class Reason(models.TextChoices):
        GUIDELINES = "guidelines", "It breaks the community guidelines"
        CONFIDENTIALITY = "confidentiality", "Confidentiality is not being kept"
        CONDUCT = "conduct", "Harassment or discriminatory conduct"
        MISLEADING = "misleading", "It is not what it says it is (e.g. selling something)"
        OTHER = "other", "Something else"

    class Outcome(models.TextChoices):
        OPEN = "", "Open"
        DISMISSED = "dismissed", "Dismissed"
        WARNED = "warned", "Organizer warned"
        UNLISTED = "unlisted", "Group taken off the list"

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    note = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    moderator_note = models.TextField(blank=True, max_length=2000)

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at"], condition=models.Q(outcome=""), name="groups_report_open"
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "reporter"],
                condition=models.Q(outcome=""),
                name="%(app_label)s_%(class)s_one_open_per_reporter",
                violation_error_message="You reported this group already; the moderators "
                "will look at it.",
            ),
        ]

    def __str__(self) -> str:
        return f"report {self.pk} on {self.group_id}"

    @property
    def is_open(self) -> bool:
        return self.outcome == self.Outcome.OPEN
