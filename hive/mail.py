"""Local-development mail: one .eml file per message under var/mail/, and a reader for it."""

from __future__ import annotations

import email
import email.policy
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend

_NAME = re.compile(r"^[0-9TZ.-]+-[0-9a-f]{32}\.eml$")


def mail_dir() -> Path:
    return Path(settings.EMAIL_FILE_PATH)


class FileMailBackend(BaseEmailBackend):
    """Write each outgoing message to its own .eml file (unlike Django's file backend,
    which appends whole connections to one log), so a person can open each one."""

    def send_messages(self, email_messages) -> int:
        directory = mail_dir()
        directory.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
            path = directory / f"{stamp}-{uuid.uuid4().hex}.eml"
            path.write_bytes(message.message().as_bytes())
            sent += 1
        return sent


@dataclass
class StoredMail:
    name: str
    subject: str
    sender: str
    to: str
    sent_at: datetime | None
    text: str
    html: str | None


def _read(path: Path) -> StoredMail:
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    text_part = msg.get_body(preferencelist=("plain",))
    html_part = msg.get_body(preferencelist=("html",))
    try:
        sent_at = parsedate_to_datetime(msg["Date"]) if msg["Date"] else None
    except (TypeError, ValueError):
        sent_at = None
    return StoredMail(
        name=path.name,
        subject=str(msg["Subject"] or "(no subject)"),
        sender=str(msg["From"] or ""),
        to=str(msg["To"] or ""),
        sent_at=sent_at,
        text=text_part.get_content() if text_part else "",
        html=html_part.get_content() if html_part else None,
    )


def list_mail(limit: int = 100) -> list[StoredMail]:
    """The newest messages first."""
    directory = mail_dir()
    if not directory.is_dir():
        return []
    paths = sorted(directory.glob("*.eml"), reverse=True)[:limit]
    return [_read(path) for path in paths]


def get_mail(name: str) -> StoredMail | None:
    """One stored message by file name; None for anything that is not one of ours."""
    if not _NAME.match(name):
        return None
    path = mail_dir() / name
    return _read(path) if path.is_file() else None
