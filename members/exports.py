"""Building, handing over and expiring a member's data export (asked for through
`members.data_rights.data_export_request`; built by the `members.build_data_export`
task). What goes in is each app's registry module (hive/personal_data.py)."""

from __future__ import annotations

import io
import json
import logging
import secrets
import zipfile
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from hive.personal_data import collect_export, collect_export_files
from members.models import AuditEvent, DataExport, User
from members.services import audit_record
from notifications.services import notify

logger = logging.getLogger(__name__)

EXPORT_FOLDER = "data-exports"

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


# A pending export whose build was never queued (the broker was down when it was
# asked for) or whose queued message was lost: the sweep queues it again after this.
STALLED_AFTER = timedelta(minutes=10)


def stalled_data_export_ids(*, now=None) -> list[str]:
    """Ids of exports still pending STALLED_AFTER after they were asked for (building one
    twice is harmless: see data_export_build)."""
    now = now or timezone.now()
    return [
        str(pk)
        for pk in DataExport.objects.filter(
            status=DataExport.Status.PENDING, requested_at__lte=now - STALLED_AFTER
        ).values_list("pk", flat=True)
    ]


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
