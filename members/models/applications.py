"""Applications and vetting: a person's application to join (later the record of their
standing), the two professional references it names, members' vouches, and the
append-only history of everything that happened to it. The transitions between its
states live in members/vetting/.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from members.models.accounts import User
from members.models.profiles import US_JURISDICTIONS, Profile, Term

# The community guidelines and values statement are versioned: an application records
# the version it accepted, and a new version must be accepted again.
GUIDELINES_VERSION = "2026-11"


class Application(models.Model):
    """A person's application to join, and later the record of their standing.

    Status changes only through the transition functions in members/services.py, each
    of which locks the row, checks the current state and records an ApplicationEvent.
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
            models.CheckConstraint(
                condition=~models.Q(credential_tier="associate", supervisor_name="")
                | models.Q(status="draft"),
                name="%(app_label)s_%(class)s_associate_has_supervisor",
                violation_error_message="A pre-licensed associate names their supervisor.",
            ),
        ]

    def __str__(self) -> str:
        return f"Application of {self.user}"

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
    requested_at = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)

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


class ApplicationEvent(models.Model):
    """The append-only history of an application: who did what, when and why."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=32)
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
