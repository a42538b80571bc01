"""Erasing the accounts of members who asked to leave, once the grace period is over
(the daily `members.erase_due_accounts` task), through every app's registry module
(hive/personal_data.py)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from hive.personal_data import erase_everywhere
from members.models import AuditEvent, User
from members.services import audit_record

logger = logging.getLogger(__name__)

DELETION_GRACE = timedelta(days=14)


def deletion_due_at(user: User):
    """When a pending deletion is carried out."""
    if user.deletion_requested_at is None:
        return None
    return user.deletion_requested_at + DELETION_GRACE


@transaction.atomic
def account_erase(*, user_id: int, now=None) -> bool:
    """Erase one account whose grace period is over, through every app's registry
    module. False when there is nothing to do (cancelled, not due, already erased)."""
    now = now or timezone.now()
    user = User.objects.select_for_update().filter(pk=user_id).first()
    if (
        user is None
        or user.erased_at is not None
        or user.deletion_requested_at is None
        or user.deletion_requested_at + DELETION_GRACE > now
    ):
        return False
    erase_everywhere(user)
    audit_record(
        action=AuditEvent.Action.ACCOUNT_ERASED,
        subject=user,
        actor=None,
        data={"requested_at": user.deletion_requested_at.isoformat()},
    )
    return True


def accounts_erase_due(*, now=None) -> int:
    """Daily: erase every account whose grace period is over, each in its own
    transaction (one failure does not hold back the others)."""
    now = now or timezone.now()
    due = User.objects.filter(
        erased_at__isnull=True, deletion_requested_at__lte=now - DELETION_GRACE
    ).values_list("pk", flat=True)
    erased = 0
    for user_id in list(due):
        try:
            erased += account_erase(user_id=user_id, now=now)
        except Exception:
            logger.exception("Erasing account %s failed; it will be retried tomorrow", user_id)
    return erased
