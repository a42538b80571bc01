"""What the notifications app holds about a person, for their export and their
erasure (the protocol is in hive/personal_data.py). It names no other app: the user
arrives as an object."""

from __future__ import annotations

from django.db.models import TextField
from django.db.models.functions import Cast

from notifications import registry
from notifications.models import DigestEmail, Notification, Preference, Settings

# How a person who left reads in the notifications other people keep.
FORMER_MEMBER = "A former member"

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


def _names_of(user) -> set[str]:
    """The names others' notifications may show for `user`: the display name of their
    profile (read as an attribute: this app imports no other)."""
    profile = getattr(user, "profile", None)
    name = getattr(profile, "display_name", "") if profile is not None else ""
    return {name} if name and len(name) > 2 else set()


def _without(value, names: set[str]):
    """`value` (a notification's context) with every value naming the person replaced."""
    if isinstance(value, str):
        return FORMER_MEMBER if value in names else value
    if isinstance(value, list):
        return [_without(item, names) for item in value]
    if isinstance(value, dict):
        return {key: _without(item, names) for key, item in value.items()}
    return value


def _anonymize_others(user) -> None:
    """Notifications other people keep ("Dana asked to connect") stop naming `user`:
    the name becomes "A former member", and a note they wrote goes with it."""
    names = _names_of(user)
    if not names:
        return
    as_text = Notification.objects.exclude(recipient=user).annotate(
        text=Cast("context", TextField())
    )
    for name in names:
        for row in as_text.filter(text__contains=name).only("pk", "context"):
            context = _without(row.context, names)
            if context != row.context and "note" in context:
                context["note"] = ""
            Notification.objects.filter(pk=row.pk).update(context=context)


def erase_data(user) -> None:
    _anonymize_others(user)
    Notification.objects.filter(recipient=user).delete()
    Preference.objects.filter(user=user).delete()
    Settings.objects.filter(user=user).delete()
    DigestEmail.objects.filter(user=user).delete()
