"""The notification outbox, per-member preferences and digests.

A Notification row is written in the same transaction as the change that caused it,
under a unique idempotency key, and records what happened to its email. Sending is a
state machine on that row (pending → sending → sent | failed | suppressed), advanced
only by conditional updates, so two workers can never both send it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from hive.text import render_text
from notifications import registry


class Notification(models.Model):
    class Email(models.TextChoices):
        NONE = "none", "No email (in-app only)"
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SUPPRESSED = "suppressed", "Not sent"
        DIGEST = "digest", "Waiting for the digest"
        DIGESTED = "digested", "Sent in a digest"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=64)
    key = models.CharField(max_length=200, unique=True)
    context = models.JSONField(default=dict, blank=True)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    email_status = models.CharField(max_length=16, choices=Email.choices, default=Email.NONE)
    email_reason = models.CharField(max_length=200, blank=True)
    email_not_before = models.DateTimeField(null=True, blank=True)
    email_claimed_at = models.DateTimeField(null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notif_recipient_recent"),
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at__isnull=True),
                name="notif_recipient_unread",
            ),
            models.Index(
                fields=["email_status", "email_not_before"],
                condition=models.Q(email_status__in=["pending", "sending", "digest"]),
                name="notif_email_queue",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}"

    @property
    def kind_spec(self) -> registry.Kind:
        return registry.get_kind(self.kind)

    def in_app_text(self) -> str:
        """The one line shown in the notification centre and the digest (rendered in
        the active time zone)."""
        context = {**self.context, "notification": self}
        return render_text(self.kind_spec.template("inapp.txt"), context).strip()


class Preference(models.Model):
    """One member's channel for one kind; absent means the kind's default."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_prefs"
    )
    kind = models.CharField(max_length=64)
    channel = models.CharField(max_length=16, choices=registry.CHANNELS)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind"],
                name="%(app_label)s_%(class)s_one_per_kind",
                violation_error_message="There is already a preference for this kind.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.channel}"


class Settings(models.Model):
    """A member's delivery settings: pause, quiet hours, digest rhythm."""

    class Digest(models.TextChoices):
        DAILY = "daily", "Daily"
        WEEKLY = "weekly", "Weekly (Mondays)"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_settings"
    )
    paused_until = models.DateField(null=True, blank=True)
    quiet_start = models.TimeField(null=True, blank=True)
    quiet_end = models.TimeField(null=True, blank=True)
    digest_frequency = models.CharField(max_length=8, choices=Digest.choices, default=Digest.DAILY)

    class Meta:
        verbose_name_plural = "settings"
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(quiet_start__isnull=True, quiet_end__isnull=True)
                    | (
                        models.Q(quiet_start__isnull=False, quiet_end__isnull=False)
                        & ~models.Q(quiet_start=models.F("quiet_end"))
                    )
                ),
                name="%(app_label)s_%(class)s_quiet_hours_valid",
                violation_error_message="Quiet hours need a start and a different end.",
            )
        ]

    def __str__(self) -> str:
        return f"Notification settings of {self.user_id}"


class DigestEmail(models.Model):
    """One digest email per member per period ("2026-11-21" or "2026-W47"): the unique
    constraint is what makes a digest go out once, however often the task runs."""

    class Status(models.TextChoices):
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    period = models.CharField(max_length=16)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.SENDING)
    claimed_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "period"],
                name="%(app_label)s_%(class)s_once_per_period",
                violation_error_message="This digest was already sent.",
            )
        ]

    def __str__(self) -> str:
        return f"Digest {self.period} for {self.user_id}"
