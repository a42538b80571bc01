"""Last contact for members' network page (members/network.py gathers every app's
`contacts.py`): the newest message between the member and each of the others."""

from __future__ import annotations

from datetime import datetime

from messaging.models import Conversation


def last_contacts(user, other_ids: list[int]) -> dict[int, datetime]:
    """{other person's id: when the last message between them was sent}, in one query."""
    if not other_ids:
        return {}
    rows = (
        Conversation.objects.involving(user)
        .filter(last_message_at__isnull=False)
        .values_list("user_a_id", "user_b_id", "last_message_at")
    )
    wanted = set(other_ids)
    found = {}
    for user_a, user_b, moment in rows:
        other = user_b if user_a == user.pk else user_a
        if other in wanted:
            found[other] = moment
    return found
