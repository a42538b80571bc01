"""Applications and vetting: a person's application to join (later the record of their
standing), the two professional references it names, members' vouches, and the
append-only history of everything that happened to it. The transitions between its
states live in members/vetting/.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from django.db import models
from django.utils import timezone

from members.models.accounts import User
from members.models.profiles import US_JURISDICTIONS, Profile, Term


class Application(models.Model):
    """A person's application to join, and later the record of their standing.

    Status changes only through the transition functions in members/vetting/, each of
    which locks the row, checks the current state and records an ApplicationEvent.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        RESUBMITTED = "resubmitted", "Resubmitted"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        LAPSED = "lapsed", "Lapsed (license expired)"
        SUSPENDED = "suspended", "Suspended"

    class Setting(models.TextChoices):
        SOLO = "solo", "Solo private practice"
        GROUP = "group", "Group practice"
        AGENCY = "agency", "Community agency or nonprofit"
        HOSPITAL = "hospital", "Hospital or clinic"
        SCHOOL = "school", "School or university"
        TELEHEALTH = "telehealth", "Telehealth only"
        OTHER = "other", "Other"

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="application")
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    legal_name = models.CharField(max_length=120, blank=True)
    display_name = models.CharField(max_length=80, blank=True)
    pronouns = models.CharField(max_length=40, blank=True)
    profession = models.ForeignKey(
        Term,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": Term.Kind.PROFESSION},
        null=True,
        blank=True,
    )
    credential_tier = models.CharField(max_length=16, choices=Profile.Tier.choices, blank=True)
    supervisor_name = models.CharField(
        max_length=120, blank=True, help_text="Required for pre-licensed associates."
    )
    license_type = models.CharField(max_length=40, blank=True, help_text="e.g. LCSW, LPC, PsyD")
    license_number = models.CharField(max_length=40, blank=True)
    license_jurisdiction = models.CharField(max_length=2, choices=US_JURISDICTIONS, blank=True)
    license_expiry = models.DateField(null=True, blank=True)
    npi = models.CharField("NPI", max_length=10, blank=True)
    practice_setting = models.CharField(max_length=16, choices=Setting.choices, blank=True)
    city = models.CharField(max_length=120, blank=True)
    why_join = models.TextField("Why I want to join", blank=True)
    guidelines_version = models.CharField(max_length=16, blank=True)
    guidelines_accepted_at = models.DateTimeField(null=True, blank=True)
    staff_message = models.TextField(blank=True, help_text="Shown to the applicant.")
    license_verified_at = models.DateTimeField(null=True, blank=True)
    license_verified_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    license_verification_note = models.CharField(max_length=300, blank=True)
    renewal_submitted_at = models.DateTimeField(null=True, blank=True)
    # The reviewer who said "I'm on it", so two don't do the same work; anyone on staff
    # may still decide (members.vetting.review_claim / review_unclaim).
    claimed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True, db_index=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # Every status change saves updated_at: matching's suggestion snapshot finds
            # members approved, lapsed or suspended since its last look through this.
            models.Index(fields=["updated_at"], name="members_application_updated_at"),
        ]
        constraints = [
            # `supervisor_missing()` below, in SQL: required once the application is sent.
            models.CheckConstraint(
                condition=~models.Q(credential_tier=Profile.Tier.ASSOCIATE, supervisor_name="")
                | models.Q(status="draft"),
                name="%(app_label)s_%(class)s_associate_has_supervisor",
                violation_error_message="A pre-licensed associate names their supervisor.",
            ),
        ]

    def __str__(self) -> str:
        return f"Application of {self.user}"

    @staticmethod
    def supervisor_missing(credential_tier: str, supervisor_name: str) -> bool:
        """The rule "a pre-licensed associate names their supervisor" (SPEC §1), for
        values that may not be saved yet. Required from submission on; the check
        constraint above holds the database to it."""
        return credential_tier == Profile.Tier.ASSOCIATE and not supervisor_name

    @property
    def is_editable(self) -> bool:
        """The applicant may change it only before review or when asked to."""
        return self.status in (self.Status.DRAFT, self.Status.CHANGES_REQUESTED)

    @property
    def waiting_for_review(self) -> bool:
        return self.status in (self.Status.SUBMITTED, self.Status.RESUBMITTED)


class Reference(models.Model):
    """A professional reference named by an applicant, who answers through a signed link."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for an answer"
        CONFIRMED = "confirmed", "Confirmed"
        DECLINED = "declined", "Declined"

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="references"
    )
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=120, blank=True)
    email = models.EmailField(blank=True)
    relationship = models.CharField("How they know you", max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    comment = models.TextField(blank=True)
    requested_at = models.DateTimeField(null=True, blank=True)  # the latest email
    responded_at = models.DateTimeField(null=True, blank=True)
    # Emails sent to this person (the request, then reminders): members.vetting.references
    # limits reminders with it; naming someone new starts it again.
    sent_count = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "position"],
                name="%(app_label)s_%(class)s_one_per_position",
                violation_error_message="An application has one reference per position.",
            ),
            models.CheckConstraint(
                condition=models.Q(position__in=[1, 2]),
                name="%(app_label)s_%(class)s_two_positions",
                violation_error_message="An application has two references.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} for {self.application_id}"


class Vouch(models.Model):
    """An approved member's in-app word that they know the applicant professionally."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="vouches")
    member = models.ForeignKey(User, on_delete=models.CASCADE, related_name="vouches_given")
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["application", "member"],
                name="%(app_label)s_%(class)s_once_per_member",
                violation_error_message="You have already vouched for this applicant.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} vouches for {self.application_id}"


@dataclass(frozen=True)
class EventWording:
    """How one kind of application event reads: to staff on the review page, and to the
    applicant in their own history ("" when it is never shown to them)."""

    staff: str
    applicant: str = ""
    applicant_reads_message: bool = False  # the event's message is theirs to read


class ApplicationEvent(models.Model):
    """The append-only history of an application: who did what, when and why."""

    class Action(models.TextChoices):
        SUBMITTED = "submitted", "Submitted the application"
        RESUBMITTED = "resubmitted", "Resubmitted with changes"
        CHANGES_REQUESTED = "changes_requested", "Asked for changes"
        APPROVED = "approved", "Approved"
        REINSTATED = "reinstated", "Re-verified the license and reinstated"
        REJECTED = "rejected", "Rejected"
        LAPSED = "lapsed", "Membership lapsed: the license expired"
        SUSPENDED = "suspended", "Suspended"
        LICENSE_VERIFIED = "license_verified", "Looked the license up on the board's site"
        RENEWAL_SUBMITTED = "renewal_submitted", "Sent a renewed license"
        REFERENCE_CONFIRMED = "reference_confirmed", "Reference confirmed"
        REFERENCE_DECLINED = "reference_declined", "Reference declined"
        VOUCHED = "vouched", "Vouched for the applicant"
        REFERENCE_RESENT = "reference_resent", "Sent a reference request again"
        REFERENCE_REPLACED = "reference_replaced", "Named a new reference"

    # The one wording of each event. Staff read the Action's label; the applicant reads
    # their own sentence, and the message only where it was written for them (never a
    # staff note, a reference's comment or a vouch's note).
    WORDING: ClassVar[dict[str, EventWording]] = {
        Action.SUBMITTED: EventWording(Action.SUBMITTED.label, "You submitted your application."),
        Action.RESUBMITTED: EventWording(
            Action.RESUBMITTED.label, "You sent your updated application."
        ),
        Action.CHANGES_REQUESTED: EventWording(
            Action.CHANGES_REQUESTED.label, "Our staff asked you for changes.", True
        ),
        Action.APPROVED: EventWording(
            Action.APPROVED.label, "Your application was approved. Welcome to Hive.", True
        ),
        Action.REINSTATED: EventWording(
            Action.REINSTATED.label,
            "Your renewed license was verified: your membership is back.",
            True,
        ),
        Action.REJECTED: EventWording(
            Action.REJECTED.label, "Your application was not approved.", True
        ),
        Action.LAPSED: EventWording(
            Action.LAPSED.label,
            "Your membership was paused: your license reached its expiry date.",
            True,
        ),
        Action.SUSPENDED: EventWording(Action.SUSPENDED.label, "Your account was suspended."),
        Action.LICENSE_VERIFIED: EventWording(
            Action.LICENSE_VERIFIED.label,
            "Our staff checked your license on the board’s website.",
        ),
        Action.RENEWAL_SUBMITTED: EventWording(
            Action.RENEWAL_SUBMITTED.label, "You sent your renewed license.", True
        ),
        Action.REFERENCE_CONFIRMED: EventWording(
            Action.REFERENCE_CONFIRMED.label,
            "A reference confirmed they know you professionally.",
        ),
        Action.REFERENCE_DECLINED: EventWording(
            Action.REFERENCE_DECLINED.label,
            "A reference answered that they could not confirm.",
        ),
        Action.VOUCHED: EventWording(Action.VOUCHED.label, "A Hive member vouched for you."),
        Action.REFERENCE_RESENT: EventWording(
            Action.REFERENCE_RESENT.label, "A reference was reminded by email."
        ),
        Action.REFERENCE_REPLACED: EventWording(
            Action.REFERENCE_REPLACED.label, "You named a new reference.", True
        ),
    }

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=32, choices=Action.choices)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.action} on {self.application_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Application events are append-only.")
        super().save(*args, **kwargs)

    @property
    def wording(self) -> EventWording:
        return self.WORDING[self.action]
