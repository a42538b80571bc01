"""The notifications messaging sends (registered when Django starts: see
notifications/registry.py).

- message_request, message_request_accepted: messaging/services.py
- messages_unread: the batched unread-messages email (services.messages_unread_email_send)
- report_handled: a reporter learns their report was handled (not the outcome)
- moderator_warning: a warning from the moderators (cannot be turned off)
"""

from notifications.registry import EMAIL, IN_APP, Kind, register

register(
    Kind(
        name="message_request",
        label="Message requests",
        description="When a member you are not connected with asks to start a conversation.",
        default_channel=EMAIL,
    )
)
register(
    Kind(
        name="message_request_accepted",
        label="Message requests accepted",
        description="When a member accepts your message request.",
        default_channel=IN_APP,
    )
)
register(
    Kind(
        name="messages_unread",
        label="Unread messages",
        description="One email when messages have waited unread for 15 minutes, listing "
        "each conversation (never one email per message).",
        default_channel=EMAIL,
    )
)
register(
    Kind(
        name="report_handled",
        label="Your reports",
        description="When the moderators have handled something you reported.",
        default_channel=IN_APP,
    )
)
register(
    Kind(
        name="moderator_warning",
        label="Messages from the moderators",
        description="A note from Hive's moderators about your conduct in the community.",
        mandatory=True,
    )
)
