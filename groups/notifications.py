"""The notifications consultation groups send (registered when Django starts: see
notifications/registry.py). Each goes only to someone entitled to what it says: the
organizer (requests), the member concerned (approval, invitation, a seat, a swap, their
turn to present), or members with a place in the group (a new agreement, a session
moved or cancelled). None carries notes, discussion or who else is in the group.

- group_join_request, group_join_approved, group_invitation, group_seat,
  group_agreement: groups.services (joining, the agreement)
- group_session_changed, group_swap_request: groups.services (sessions)
- group_presenter_reminder: groups.sessions.presenter_reminders_send (hourly beat)
"""

from notifications.registry import EMAIL, IN_APP, Kind, register

register(
    Kind(
        name="group_join_request",
        label="Group join requests",
        description="When a member asks to join a consultation group you organize.",
        default_channel=EMAIL,
    )
)
register(
    Kind(
        name="group_join_approved",
        label="Group requests approved",
        description="When an organizer approves your request to join a group.",
        default_channel=EMAIL,
    )
)
register(
    Kind(
        name="group_invitation",
        label="Group invitations",
        description="When an organizer invites you to a consultation group.",
        default_channel=EMAIL,
    )
)
register(
    Kind(
        name="group_seat",
        label="Group seats",
        description="When a seat opens for you in a group whose waitlist you are on.",
        default_channel=EMAIL,
    )
)
register(
    Kind(
        name="group_agreement",
        label="Group agreements",
        description="When a group you belong to publishes a new version of its agreement.",
        default_channel=EMAIL,
    )
)
register(
    Kind(
        name="group_session_changed",
        label="Group sessions moved or cancelled",
        description="When the organizer moves or cancels a session of your group.",
        default_channel=EMAIL,
    )
)
register(
    Kind(
        name="group_swap_request",
        label="Presenter swaps",
        description="When a presenter asks you to present a session in their place.",
        default_channel=IN_APP,
    )
)
register(
    Kind(
        name="group_presenter_reminder",
        label="Presenter reminders",
        description="A few days before you present a case, with the de-identification checklist.",
        default_channel=EMAIL,
        # Not a nudge: the weekly cap on reminders must never swallow the checklist.
    )
)
