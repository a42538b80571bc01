"""Follow-up reminders: "remind me to follow up with her in 3 weeks".

One mechanism for every place that offers it (after a coffee date, after an event, on
/network/): the member picks a number of weeks, Hive keeps the date, and on that day,
in their morning, one note names everyone they wanted to follow up with. The reminder
is private to the member who set it; the other person never learns of it.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from members.models.accounts import User


class FollowUpQuerySet(models.QuerySet):
    def pending(self) -> FollowUpQuerySet:
        return self.filter(reminded_at__isnull=True)


class FollowUp(models.Model):
    """`owner` wants a nudge to get back in touch with `other` on `due_on` (a date in
    the owner's own time zone). At most one pending reminder per pair: setting it again
    moves the date."""

    # The choices every page offers ("remind me in …"), 4 weeks preselected; here, not
    # in the form, so the feature apps' pages can offer them too.
    WEEKS = [(1, "1 week"), *((n, f"{n} weeks") for n in (2, 3, 4, 6, 8, 12))]
    DEFAULT_WEEKS = 4

    class Source(models.TextChoices):
        NETWORK = "network", "your network"
        COFFEE = "coffee", "a coffee date"
        EVENT = "event", "an event"
        GROUP = "group", "a consultation group"

    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="follow_ups")
    # No reverse accessor: nothing reachable from `other` should lead to this row.
    other = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    due_on = models.DateField()
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.NETWORK)
    # What it was about, in the owner's words on the page that set it ("Ethics in
    # telehealth workshop"); shown back to the owner only.
    about = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    reminded_at = models.DateTimeField(null=True, blank=True)

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "other"],
                condition=models.Q(reminded_at__isnull=True),
                name="%(app_label)s_%(class)s_one_pending_per_pair",
                violation_error_message="You already have a reminder to follow up with "
                "this member.",
            ),
            models.CheckConstraint(
                condition=~models.Q(owner=models.F("other")),
                name="%(app_label)s_%(class)s_not_self",
                violation_error_message="You cannot set a follow-up with yourself.",
            ),
        ]
        indexes = [
            models.Index(
                fields=["due_on"],
                condition=models.Q(reminded_at__isnull=True),
                name="members_followup_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.owner_id} → {self.other_id} on {self.due_on}"
