"""Members own their data: downloading it (/me/data/) and leaving Hive (/me/delete/).

What each app holds, exports and erases is declared by the app itself (the registry in
hive/personal_data.py); these services add the when and the who:

- an export is asked for, built by a Celery task into a zip in private storage, the
  member notified; the link works once, for its owner, for `DataExport.LIFETIME`;
- a deletion takes the member out of good standing at once and ends every session;
  `DELETION_GRACE` later the daily task erases them through the registry, unless they
  signed in and cancelled in between.

Every step is written to the audit log.
"""

from __future__ import annotations

from allauth.usersessions.models import UserSession
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from members import tasks
from members.erasure import DELETION_GRACE, accounts_erase_due, deletion_due_at
from members.exports import (
    data_export_build,
    data_export_take,
    data_exports_expire,
    export_bytes,
)
from members.models import AuditEvent, DataExport, Profile, User
from members.services import audit_record

__all__ = [
    "DELETION_CONFIRMATION",
    "DELETION_GRACE",
    "DeletionNotAllowed",
    "account_deletion_cancel",
    "account_deletion_request",
    "accounts_erase_due",
    "data_export_build",
    "data_export_request",
    "data_export_take",
    "data_exports_expire",
    "deletion_due_at",
    "export_bytes",
]

# What the member types to confirm a deletion (case and surrounding spaces ignored).
DELETION_CONFIRMATION = "delete my account"


class DeletionNotAllowed(Exception):
    """Staff accounts are not deleted by their owner: an administrator first removes
    the staff role, so moderation is never left without its records' owner unnoticed."""


@transaction.atomic
def data_export_request(*, user: User, request: HttpRequest | None = None) -> DataExport:
    """Ask for an export of `user`'s data; it is built in the background after commit.
    An export already being prepared is returned instead of starting another."""
    User.objects.select_for_update().filter(pk=user.pk).first()  # one request at a time
    pending = DataExport.objects.filter(user=user, status=DataExport.Status.PENDING).first()
    if pending is not None:
        return pending
    export = DataExport(user=user)
    export.full_clean()
    export.save()
    audit_record(action=AuditEvent.Action.EXPORT_REQUESTED, subject=user, request=request)
    # robust: with the broker down the request stands and the page answers; the
    # stalled-exports sweep (members.queue_stalled_data_exports) builds it later.
    transaction.on_commit(lambda: tasks.build_data_export.delay(str(export.pk)), robust=True)
    return export


@transaction.atomic
def account_deletion_request(*, user: User, request: HttpRequest | None = None) -> User:
    """Deactivate `user`'s account now and erase it after the grace period.

    From this moment they are out of good standing (`good_standing_q`), so nobody finds,
    is suggested or can reach them; every session of theirs ends. Signing in again during
    the grace period shows them the page where they can cancel.
    """
    if user.is_staff or user.is_superuser:
        raise DeletionNotAllowed("A staff account is deleted by an administrator.")
    locked = User.objects.select_for_update().get(pk=user.pk)
    if locked.deletion_requested_at is not None or locked.erased_at is not None:
        return locked
    locked.deletion_requested_at = timezone.now()
    locked.save(update_fields=["deletion_requested_at"])
    user.deletion_requested_at = locked.deletion_requested_at
    # Suggestion snapshots notice a member through their profile's timestamp.
    Profile.objects.filter(user=user).update(updated_at=timezone.now())
    audit_record(
        action=AuditEvent.Action.DELETION_REQUESTED,
        subject=user,
        request=request,
        data={"erase_after": deletion_due_at(locked).isoformat()},
    )
    current = getattr(getattr(request, "session", None), "session_key", None)
    for session in UserSession.objects.filter(user=user).exclude(session_key=current):
        transaction.on_commit(session.end)
    return locked


@transaction.atomic
def account_deletion_cancel(*, user: User, request: HttpRequest | None = None) -> User:
    """Cancel a pending deletion: everything is as it was (nothing was erased yet)."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    if locked.deletion_requested_at is None or locked.erased_at is not None:
        return locked
    locked.deletion_requested_at = None
    locked.save(update_fields=["deletion_requested_at"])
    user.deletion_requested_at = None
    Profile.objects.filter(user=user).update(updated_at=timezone.now())
    audit_record(action=AuditEvent.Action.DELETION_CANCELLED, subject=user, request=request)
    return locked
