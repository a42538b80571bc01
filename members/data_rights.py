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

import io
import json
import logging
import secrets
import zipfile
from datetime import timedelta

from allauth.usersessions.models import UserSession
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from hive.personal_data import collect_export, collect_export_files, erase_everywhere
from members.models import AuditEvent, DataExport, Profile, User
from members.services import audit_record
from notifications.services import notify

logger = logging.getLogger(__name__)

DELETION_GRACE = timedelta(days=14)
EXPORT_FOLDER = "data-exports"
# What the member types to confirm a deletion (case and surrounding spaces ignored).
DELETION_CONFIRMATION = "delete my account"

README = """\
Your data from Hive
===================

hive-data.json holds everything Hive keeps about you, as of {generated_at} (UTC),
one section per part of Hive:

- members: your account, sign-in history, application and its history, profile and
  privacy settings, connections (by the other person's handle), the blocks and
  dual relationships you declared, vouches you gave;
- notifications: what Hive told you, your notification choices and digests;
- matching: your values answers, your consent, the suggestions you dismissed;
- and a section for each other part of Hive you used.

Times are in UTC (ISO 8601). Other people appear only by their handle, and only
where you were in touch with them; what others declared about you is theirs, not
part of your data. Files (your profile photo) are in the folders beside this one.
"""


class DeletionNotAllowed(Exception):
    """Staff accounts are not deleted by their owner: an administrator first removes
    the staff role, so moderation is never left without its records' owner unnoticed."""


# --- Export ----------------------------------------------------------------------------------


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
    from members.tasks import build_data_export  # the task module imports this one

    transaction.on_commit(lambda: build_data_export.delay(str(export.pk)))
    return export


def export_bytes(user: User) -> bytes:
    """The zip of one member's data: README.txt, hive-data.json, and each app's files."""
    now = timezone.now()
    document = {
        "generated_at": now.isoformat(),
        "about": "Everything Hive holds about you. See README.txt.",
        **collect_export(user),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", README.format(generated_at=now.strftime("%Y-%m-%d %H:%M")))
        archive.writestr(
            "hive-data.json", json.dumps(document, indent=2, ensure_ascii=False, default=str)
        )
        for name, content in collect_export_files(user).items():
            archive.writestr(name, content)
    return buffer.getvalue()


def data_export_build(*, export_id: str) -> str:
    """Build a pending export, store it and tell its owner. Running it twice is harmless:
    only a pending export is built, and the notification has one key per export."""
    export = DataExport.objects.select_related("user").filter(pk=export_id).first()
    if export is None or export.status != DataExport.Status.PENDING:
        return "skipped"
    content = export_bytes(export.user)
    name = default_storage.save(
        f"{EXPORT_FOLDER}/{secrets.token_hex(16)}.zip", ContentFile(content)
    )
    now = timezone.now()
    with transaction.atomic():
        claimed = DataExport.objects.filter(pk=export.pk, status=DataExport.Status.PENDING).update(
            status=DataExport.Status.READY,
            file_name=name,
            ready_at=now,
            expires_at=now + DataExport.LIFETIME,
        )
        if not claimed:  # built by someone else meanwhile: keep theirs
            transaction.on_commit(lambda: default_storage.delete(name))
            return "skipped"
        notify(
            recipient=export.user,
            kind="data_export_ready",
            key=f"data_export_ready:{export.pk}",
            context={"expires_at": (now + DataExport.LIFETIME).isoformat()},
            url=reverse("members:data_export"),
        )
    return "ready"


def data_export_take(*, user: User, export_id, request: HttpRequest | None = None) -> bytes | None:
    """The zip of `user`'s own export, once: marks it downloaded and deletes the file.
    None when it is not theirs, not ready, already downloaded or expired."""
    with transaction.atomic():
        export = (
            DataExport.objects.select_for_update()
            .downloadable()
            .filter(pk=export_id, user=user)
            .first()
        )
        if export is None:
            return None
        try:
            with default_storage.open(export.file_name, "rb") as stored:
                content = stored.read()
        except FileNotFoundError:
            logger.warning("Data export %s has no file", export.pk)
            return None
        export.status = DataExport.Status.DOWNLOADED
        export.downloaded_at = timezone.now()
        export.save(update_fields=["status", "downloaded_at"])
        audit_record(action=AuditEvent.Action.EXPORT_DOWNLOADED, subject=user, request=request)
        name = export.file_name
        transaction.on_commit(lambda: default_storage.delete(name))
    return content


def data_exports_expire(*, now=None) -> int:
    """Daily: delete the files of exports nobody downloaded in time."""
    now = now or timezone.now()
    expired = list(
        DataExport.objects.filter(status=DataExport.Status.READY, expires_at__lte=now).values_list(
            "pk", "file_name"
        )
    )
    for pk, name in expired:
        with transaction.atomic():
            if DataExport.objects.filter(pk=pk, status=DataExport.Status.READY).update(
                status=DataExport.Status.EXPIRED
            ):
                transaction.on_commit(lambda name=name: default_storage.delete(name))
    return len(expired)


# --- Deletion --------------------------------------------------------------------------------


def deletion_due_at(user: User):
    """When a pending deletion is carried out."""
    if user.deletion_requested_at is None:
        return None
    return user.deletion_requested_at + DELETION_GRACE


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
