"""What staff keep for reviewing applications: where each licensing board verifies a
license (kept as data in the admin, per jurisdiction and license type, and linked from
the review checklist), and reviewers' notes to each other on an application."""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from members.models.profiles import US_JURISDICTIONS


def validate_lookup_url(value: str) -> None:
    if not value.startswith("https://"):
        raise ValidationError("A board's verification page starts with https://.")
    if value.count("{number}") > 1:
        raise ValidationError("Put {number} in the address at most once.")


class LicenseLookup(models.Model):
    """A licensing board's own page for verifying a license, for one jurisdiction and
    the license types it covers (blank: any type there). Staff keep these in the admin;
    nothing fetches them: the checklist links to them for a person to look up."""

    jurisdiction = models.CharField(max_length=2, choices=US_JURISDICTIONS)
    license_types = models.CharField(
        max_length=200,
        blank=True,
        help_text="The license abbreviations this board verifies, separated by commas "
        "(LCSW, ACSW). Blank: every type in this jurisdiction not listed elsewhere.",
    )
    board = models.CharField(max_length=160, help_text="e.g. Board of Behavioral Sciences")
    url = models.URLField(
        "verification page",
        max_length=500,
        validators=[validate_lookup_url],
        help_text="Where staff look a license up. Where the board's search takes the "
        "number in its address, put {number} there and the link opens on the result.",
    )
    notes = models.CharField(
        max_length=300,
        blank=True,
        help_text="Anything staff should know, e.g. “search by last name”.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["jurisdiction", "board"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "license_types"],
                name="%(app_label)s_%(class)s_one_per_types",
                violation_error_message="This jurisdiction already has a page for these "
                "license types.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.board} ({self.jurisdiction})"

    @property
    def types(self) -> set[str]:
        return {t.strip().upper() for t in self.license_types.split(",") if t.strip()}

    def link_for(self, number: str) -> str:
        return self.url.replace("{number}", quote(number.strip(), safe=""))

    @classmethod
    def for_license(cls, jurisdiction: str, license_type: str) -> LicenseLookup | None:
        """The board page for this license: one listing its type, else the
        jurisdiction's catch-all (blank types). One query."""
        if not jurisdiction:
            return None
        wanted = license_type.strip().upper()
        rows = list(cls.objects.filter(jurisdiction=jurisdiction))
        exact = [row for row in rows if wanted and wanted in row.types]
        if exact:
            return exact[0]
        return next((row for row in rows if not row.types), None)


class ReviewNote(models.Model):
    """A reviewer's note on an application, for other staff only (never the applicant,
    never in a decision email). Append-only, like the application's history."""

    application = models.ForeignKey(
        "members.Application", on_delete=models.CASCADE, related_name="review_notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Note on {self.application_id}"
