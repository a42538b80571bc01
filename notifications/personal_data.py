"""What the notifications app holds about a person, for their export and their
erasure (the protocol is in hive/personal_data.py). It names no other app: the user
arrives as an object."""

from __future__ import annotations

from notifications import registry
from notifications.models import DigestEmail, Notification, Preference, Settings

MODELS = {
    Notification: "delete",
    Preference: "delete",
    Settings: "delete",
    DigestEmail: "delete",
}


def _iso(value):
    return value.isoformat() if value is not None else None


def _label(kind: str) -> str:
    spec = registry.KINDS.get(kind)
    return spec.label if spec else kind


def export_data(user) -> dict:
    settings = Settings.objects.filter(user=user).first()
    return {
        "notifications": [
            {
                "kind": _label(n.kind),
                "at": _iso(n.created_at),
                "read_at": _iso(n.read_at),
                "details": n.context,
                "link": n.url,
                "email": n.get_email_status_display(),
                "email_sent_at": _iso(n.email_sent_at),
            }
            for n in Notification.objects.filter(recipient=user).order_by("created_at", "pk")
        ],
        "preferences": [
            {"kind": _label(p.kind), "channel": p.get_channel_display()}
            for p in Preference.objects.filter(user=user).order_by("kind")
        ],
        "settings": {
            "emails_paused_until": _iso(settings.paused_until),
            "quiet_hours_start": _iso(settings.quiet_start),
            "quiet_hours_end": _iso(settings.quiet_end),
            "digest": settings.get_digest_frequency_display(),
        }
        if settings
        else None,
        "digest_emails": [
            {"period": d.period, "sent_at": _iso(d.sent_at), "notifications": d.count}
            for d in DigestEmail.objects.filter(user=user).order_by("claimed_at")
        ],
    }


def erase_data(user) -> None:
    Notification.objects.filter(recipient=user).delete()
    Preference.objects.filter(user=user).delete()
    Settings.objects.filter(user=user).delete()
    DigestEmail.objects.filter(user=user).delete()
