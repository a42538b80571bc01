"""The kinds of notification Hive sends: `Kind`, the channels, and the registry.

Each app declares the kinds it sends in its own `notifications.py`, with
`register(Kind(...))`; the notifications app imports every installed app's
`notifications` module when Django starts (apps.py), in INSTALLED_APPS order, which is
the order of the settings page. A kind also needs its
templates under `templates/notifications/kinds/<name>/`:

    inapp.txt     one line for the notification centre
    subject.txt   the email subject (one line)
    body.txt      the plain-text email body
    body.html     the HTML email body (extends notifications/email/base.html)
    actions.html  only with Kind.actions: buttons beside it in the notification center

Templates get `recipient`, `notification`, the notify() `context` spread at top level,
and render in the recipient's time zone (use the `moment` filter for datetimes).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

IN_APP = "in_app"
EMAIL = "email"
DIGEST = "digest"
OFF = "off"
CHANNELS = [
    (IN_APP, "In Hive only"),
    (EMAIL, "Email right away"),
    (DIGEST, "In my digest email"),
    (OFF, "Off"),
]


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    description: str
    default_channel: str = EMAIL
    # Mandatory kinds (security) cannot be turned off, digested or paused.
    mandatory: bool = False
    # Nudges (reminders, suggestions) count against the weekly email cap.
    nudge: bool = False
    # Only staff receive it, so only staff see it in their settings.
    staff_only: bool = False
    # Optional: lets the notification center offer the app's own buttons beside a
    # notification (accept/decline a request). Called once per page with the viewer
    # and that page's notifications of this kind; returns {notification id: context}
    # for those still open to act on (checked now, not when it was sent), rendered with
    # the kind's `actions.html` (which gets `actions` and `item`). Keep it one query.
    actions: Callable[[Any, list], dict[int, dict]] | None = None

    def template(self, part: str) -> str:
        return f"notifications/kinds/{self.name}/{part}"

    def channel_choices(self) -> list[tuple[str, str]]:
        if self.mandatory:
            return [(EMAIL, "Email right away (cannot be turned off)")]
        return CHANNELS


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    """Add `kind` to the registry (from its app's notifications.py)."""
    known = KINDS.get(kind.name)
    if known is not None and known != kind:
        raise ValueError(f"Two different notification kinds are named {kind.name!r}.")
    KINDS[kind.name] = kind
    return kind


def get_kind(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        raise LookupError(
            f"Unknown notification kind {name!r}: register it in its app's notifications.py"
        ) from None
