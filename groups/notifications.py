"""The notifications consultation groups send (registered when Django starts: see
notifications/registry.py). Each goes only to someone entitled to what it says: the
organizer (requests, answers to an introductory conversation, a handover declined), the
member concerned (approval, invitation, a seat offered or lapsed, a swap, their turn to
present, a conversation proposed, a handover asked), or members with a place in the
group (a new agreement, a session moved or canceled, a new organizer). None carries
notes, discussion or who else is in the group.

- group_join_request, group_join_approved, group_invitation, group_seat,
  group_agreement: groups.services (joining, seats offered, the agreement)
- group_session_changed, group_swap_request: groups.sessions
- group_presenter_reminder: groups.sessions.presenter_reminders_send (hourly beat)
- group_intro, group_handover, group_organizer_changed: groups.organizing
- group_moderators, group_report_handled: groups.moderation
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
        description="When a seat opens for you in a group whose waitlist you are on (it is "
        "held for you for 48 hours), and when that time runs out.",
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
        label="Group sessions moved or canceled",
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
register(
    Kind(
        name="group_intro",
        label="Introductory conversations",
        description="When an organizer proposes a conversation before you join their group, "
        "or a member answers the one you proposed.",
        default_channel=EMAIL,
    )
)
register(
    Kind(
        name="group_handover",
        label="Group handovers",
        description="When an organizer asks you to take their group over, or the member "
        "you asked declines.",
        default_channel=EMAIL,
    )
)
register(
    Kind(
        name="group_organizer_changed",
        label="New group organizers",
        description="When a group you belong to has a new organizer.",
        default_channel=IN_APP,
    )
)
register(
    Kind(
        name="group_moderators",
        label="Moderators about your group",
        description="A note from Hive's moderators about a group you organize.",
        # Like the moderators' warnings about conduct: it must reach the organizer.
        mandatory=True,
    )
)
register(
    Kind(
        name="group_report_handled",
        label="Your reports about groups",
        description="When the moderators have handled a group you reported.",
        default_channel=IN_APP,
    )
)
