"""A member's download of their data (/me/data/): asked for, built in the background,
downloaded once, then gone."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.db import models
from django.utils import timezone

from members.models.accounts import User


class DataExportQuerySet(models.QuerySet):
    def downloadable(self, at=None) -> DataExportQuerySet:
        """Exports ready, not yet downloaded, and not expired."""
        at = at or timezone.now()
        return self.filter(
            status=DataExport.Status.READY, downloaded_at__isnull=True, expires_at__gt=at
        )


class DataExport(models.Model):
    """One export of everything Hive holds about `user`, as a zip in private storage.

    The id is a random UUID, so the download address cannot be guessed; even so the
    download view serves it only to its owner (404 for anyone else), once, and before
    `expires_at`. The file is deleted after the download or at expiry (a daily sweep),
    and the row stays as the record that an export happened.
    """

    LIFETIME = timedelta(hours=48)

    class Status(models.TextChoices):
        PENDING = "pending", "Being prepared"
        READY = "ready", "Ready to download"
        DOWNLOADED = "downloaded", "Downloaded"
        EXPIRED = "expired", "Expired"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="data_exports")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    file_name = models.CharField(max_length=200, blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    downloaded_at = models.DateTimeField(null=True, blank=True)

    objects = DataExportQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["status", "expires_at"], name="members_dataexport_expiry")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="ready")
                | models.Q(expires_at__isnull=False, ready_at__isnull=False),
                name="%(app_label)s_%(class)s_ready_has_expiry",
                violation_error_message="A ready export records when it was made and expires.",
            ),
        ]

    def __str__(self) -> str:
        return f"Export {self.pk} of {self.user_id} ({self.status})"

    @property
    def is_downloadable(self) -> bool:
        return (
            self.status == self.Status.READY
            and self.downloaded_at is None
            and self.expires_at is not None
            and self.expires_at > timezone.now()
        )
