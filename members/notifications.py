"""The notifications the members app sends (registered when Django starts: see
notifications/registry.py). Their order here is their order on the settings page.

- account_security: allauth's account emails, through members/adapters.py
- welcome: members/signals.py, on email confirmation
- two_factor_reminder: members.services.two_factor_reminders_send (weekly)
- application_update, license_expiry, vouch_request: members/vetting/transitions.py
- review_queue: members/vetting/periodic.py (staff)
- connection_request, connection_accepted: members/services.py
- network_quiet: members/network.py (weekly)
- follow_up_due: members/network.py (hourly, on the day each member chose)
"""

from members.models import Connection, User
from notifications.registry import EMAIL, IN_APP, Kind, register

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


def _open_requests(viewer, notifications) -> dict[int, dict]:
    """The connection requests among `notifications` that `viewer` can still answer
    (not answered, withdrawn or ended by a block; the sender still a member), with the
    sender's handle for the accept and decline buttons. One query."""
    asked = {}
    for notification in notifications:
        connection_id = notification.key.removeprefix("connection_request:")
        if connection_id.isdigit():
            asked[int(connection_id)] = notification.pk
    if not asked:
        return {}
    rows = (
        Connection.objects.involving(viewer)
        .filter(pk__in=asked, status=Connection.Status.REQUESTED)
        .exclude(requested_by=viewer)
        .filter(requested_by__in=User.objects.in_good_standing())
        .select_related("requested_by__profile")
    )
    return {
        asked[row.pk]: {
            "handle": row.requested_by.profile.handle,
            "name": row.requested_by.profile.display_name,
        }
        for row in rows
        if hasattr(row.requested_by, "profile")
    }


register(
    Kind(
        name="connection_request",
        label="Connection requests",
        description="When a member asks to connect with you.",
        default_channel=EMAIL,
        actions=_open_requests,  # accept or decline in the notification center
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
register(
    Kind(
        name="data_export_ready",
        label="Your data download",
        description="When the copy of your data you asked for is ready to download.",
        mandatory=True,  # only ever sent because the member asked for it
    )
)
register(
    Kind(
        name="network_quiet",
        label="Connections gone quiet",
        description="A gentle weekly note naming important connections you have not been "
        "in touch with for a while.",
        default_channel=EMAIL,
        nudge=True,
    )
)
register(
    Kind(
        name="follow_up_due",
        label="Follow-up reminders",
        description="On the day you chose, the colleagues you asked to be reminded to get "
        "back in touch with.",
        default_channel=EMAIL,
        nudge=True,
    )
)
