"""Every kind of notification Hive sends, declared in one place.

A kind is one `Kind(...)` entry below plus its templates under
`templates/notifications/kinds/<name>/`:

    inapp.txt     one line for the notification centre
    subject.txt   the email subject (one line)
    body.txt      the plain-text email body
    body.html     the HTML email body (extends notifications/email/base.html)

Templates get `recipient`, `notification`, the notify() `context` spread at top level,
and render in the recipient's time zone (use the `moment` filter for datetimes).
"""

from __future__ import annotations

from dataclasses import dataclass

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

    def template(self, part: str) -> str:
        return f"notifications/kinds/{self.name}/{part}"

    def channel_choices(self) -> list[tuple[str, str]]:
        if self.mandatory:
            return [(EMAIL, "Email right away (cannot be turned off)")]
        return CHANNELS


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    KINDS[kind.name] = kind
    return kind


def get_kind(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        raise LookupError(
            f"Unknown notification kind {name!r}: declare it in registry.py"
        ) from None


register(
    Kind(
        name="account_security",
        label="Account security",
        description="Changes to your password, email addresses or two-factor sign-in.",
        mandatory=True,
    )
)
register(
    Kind(
        name="welcome",
        label="Welcome",
        description="A welcome note after you confirm your email address.",
        default_channel=EMAIL,
    )
)
register(
    Kind(
        name="two_factor_reminder",
        label="Two-factor reminder",
        description="A gentle weekly reminder to protect your account with two-factor sign-in.",
        default_channel=EMAIL,
        nudge=True,
    )
)
register(
    Kind(
        name="application_update",
        label="Your application",
        description="Decisions and requests from the staff who review your application.",
        mandatory=True,
    )
)
register(
    Kind(
        name="license_expiry",
        label="License expiry",
        description="Reminders 30 and 7 days before your license expires, and when it has.",
        mandatory=True,
    )
)
register(
    Kind(
        name="review_queue",
        label="Review queue (staff)",
        description="A daily note of applications waiting more than two days for review.",
        staff_only=True,
    )
)
register(
    Kind(
        name="vouch_request",
        label="Reference requests",
        description="When an applicant names you as a professional reference, so you can "
        "vouch for them in Hive.",
        default_channel=IN_APP,  # they also get the reference email with its own link
    )
)
register(
    Kind(
        name="connection_request",
        label="Connection requests",
        description="When a member asks to connect with you.",
        default_channel=EMAIL,
    )
)
register(
    Kind(
        name="connection_accepted",
        label="Connections accepted",
        description="When a member accepts your request to connect.",
        default_channel=IN_APP,
    )
)
