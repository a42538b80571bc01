"""Periodic work (daily tasks in members/tasks.py): license expiry reminders and lapsing,
and the staff's note of applications waiting for review.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.db.models import Count, Min
from django.urls import reverse
from django.utils import timezone

from members.models import Application, User
from members.vetting.states import IllegalTransition, Status
from members.vetting.transitions import application_lapse, license_expiry_notify
from notifications.services import notify

REMINDER_DAYS = (30, 7)


def license_expiry_check(*, today: date | None = None) -> dict:
    """Daily: remind 30 and 7 days before a license expires; lapse it on the day.
    Idempotent: reminders have keys, and lapsing starts from "approved" only."""
    today = today or timezone.localdate()
    approved = Application.objects.filter(status=Status.APPROVED).select_related("user")
    reminded = 0
    for days in REMINDER_DAYS:
        for application in approved.filter(license_expiry=today + timedelta(days=days)):
            with transaction.atomic():
                license_expiry_notify(application, days_left=days)
            reminded += 1
    lapsed = 0
    for application in approved.filter(license_expiry__lte=today):
        try:
            application_lapse(application=application)
            lapsed += 1
        except IllegalTransition:  # someone else got there first
            pass
    return {"reminded": reminded, "lapsed": lapsed}


def review_queue_digest(*, now=None) -> int:
    """Daily: tell each staff member how many applications wait more than two days."""
    now = now or timezone.now()
    waiting = Application.objects.filter(
        status__in=[Status.SUBMITTED, Status.RESUBMITTED], submitted_at__lt=now - timedelta(days=2)
    ).aggregate(count=Count("pk"), oldest=Min("submitted_at"))
    count = waiting["count"]
    if not count:
        return 0
    staff = User.objects.filter(is_staff=True, is_active=True)
    for person in staff:
        with transaction.atomic():
            notify(
                recipient=person,
                kind="review_queue",
                key=f"review_queue:{person.pk}:{now:%Y-%m-%d}",
                context={"count": count, "oldest": f"{waiting['oldest']:%B %-d, %Y}"},
                url=reverse("members:review_queue"),
            )
    return staff.count()
