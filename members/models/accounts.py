"""Accounts: the User (who logs in by email) and the membership status that gates the
community, its manager with the one block rule (`User.objects.visible_to`), the time
zone every time is shown in, and the append-only audit log of security events.

Approval is a membership status, not `is_active`: `is_active=False` means suspended at
the account level (nobody can log in), and allauth never changes it.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from hive.timezones import validate_timezone
from members.models.connections import no_dual_relationship_with, not_blocked_with

MEMBER_STATUS = "member"
# How an erased account is named wherever others still hold something of theirs.
FORMER_MEMBER = "former member"


def good_standing_q(path: str = "") -> models.Q:
    """The rule "member in good standing" as a filter, for the user at `path` ("" for
    User itself, "user__" from a profile, …): approved, the account not locked, and no
    deletion asked for (a member leaving disappears from everywhere at once, while the
    grace period lets them change their mind).

    `User.is_member` is the same rule for one loaded user; the two sit side by side here
    and tests/members/test_access.py checks they agree. Nowhere else spells it out.
    """
    return models.Q(
        **{
            f"{path}membership_status": MEMBER_STATUS,
            f"{path}is_active": True,
            f"{path}deletion_requested_at__isnull": True,
        }
    )


class UserQuerySet(models.QuerySet):
    def in_good_standing(self) -> UserQuerySet:
        """Approved members whose account is not locked: the only people the community
        sees (lapsed, suspended, applicants and deactivated accounts are left out)."""
        return self.filter(good_standing_q())

    def with_two_factor(self) -> UserQuerySet:
        """People who turned on two-factor sign-in (any allauth authenticator)."""
        return self.filter(models.Exists(Authenticator.objects.filter(user=models.OuterRef("pk"))))

    def without_two_factor(self) -> UserQuerySet:
        return self.exclude(models.Exists(Authenticator.objects.filter(user=models.OuterRef("pk"))))

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
        return self.filter(not_blocked_with(viewer, "pk"))

    def introducible_to(self, viewer) -> UserQuerySet:
        """The people Hive may put in front of `viewer` (suggest, pair for coffee, seat
        in the same new group): visible to them, and no dual relationship declared by
        either (SPEC §4: "never suggested, paired or put in the same new consultation
        group, and neither learns why"). `may_introduce(a, b)` is the pair form."""
        return self.visible_to(viewer).filter(no_dual_relationship_with(viewer, "pk"))


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
        extra.setdefault("membership_status", MEMBER_STATUS)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, email: str):
        return self.get(email__iexact=email)


class User(AbstractUser):
    """A person with a Hive account. Log in by email; there is no username."""

    class Status(models.TextChoices):
        APPLICANT = "applicant", "Applicant"
        MEMBER = MEMBER_STATUS, "Member"
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
    # Leaving Hive (members/data_rights.py): set when the member asks to delete their
    # account, which takes them out of good standing at once; cleared if they cancel
    # within the grace period. `erased_at` is set when their data was erased: the row
    # stays as an anonymous tombstone (no email, no password, inactive) so that what
    # others hold (messages, group notes) still points somewhere: "former member".
    deletion_requested_at = models.DateTimeField(null=True, blank=True, editable=False)
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        indexes = [
            # Who the directory may list, checked for each candidate from the index alone.
            models.Index(
                fields=["id"],
                condition=good_standing_q(),
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
        """True for an approved member in good standing: the only people who see the
        community. The one-object form of `good_standing_q()` (keep the two alike)."""
        return (
            self.is_active
            and self.membership_status == MEMBER_STATUS
            and self.deletion_requested_at is None
        )

    @property
    def is_erased(self) -> bool:
        """The account was deleted: this row is a tombstone that stands for "former
        member" wherever others still hold something it wrote."""
        return self.erased_at is not None

    @property
    def has_two_factor(self) -> bool:
        """Whether this person signs in with a second factor (allauth's own test, so the
        login flow and our checks never disagree). One query; not cached, because it
        changes within a request when two-factor is turned on or off."""
        return is_mfa_enabled(self)

    @property
    def role(self) -> str:
        """visitor / applicant / member / staff, as the navigation and access rules see it."""
        if not self.is_authenticated:
            return "visitor"
        if self.is_staff:
            return "staff"
        return "member" if self.is_member else "applicant"


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
        SESSIONS_ENDED = "sessions_ended", "Logged out other devices"
        APPLICATION_DECIDED = "application_decided", "Application decided"
        SUSPENDED = "suspended", "Account suspended"
        EXPORT_REQUESTED = "export_requested", "Data export requested"
        EXPORT_DOWNLOADED = "export_downloaded", "Data export downloaded"
        DELETION_REQUESTED = "deletion_requested", "Account deletion requested"
        DELETION_CANCELLED = "deletion_cancelled", "Account deletion cancelled"
        ACCOUNT_ERASED = "account_erased", "Account erased"
        # Moderators acting on members' reports (messaging).
        REPORT_DISMISSED = "report_dismissed", "Report dismissed"
        MEMBER_WARNED = "member_warned", "Member warned by moderators"
        MESSAGE_REMOVED = "message_removed", "Message removed by moderators"
        REPORT_SUSPENDED = "report_suspended", "Report closed by a suspension"
        # Staff starting a coffee-date pairing round from /review/coffee/ (coffee).
        COFFEE_ROUND_RUN = "coffee_round_run", "Coffee round run by staff"
        # Consultation groups: a new organizer, and moderators acting on group reports.
        GROUP_HANDED_OVER = "group_handed_over", "Group handed to a new organizer"
        GROUP_REPORT_DISMISSED = "group_report_dismissed", "Group report dismissed"
        GROUP_ORGANIZER_WARNED = "group_organizer_warned", "Group organizer warned by moderators"
        GROUP_UNLISTED = "group_unlisted", "Group taken off the list by moderators"

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
