"""The notifications coffee dates send (registered when Django starts: see
notifications/registry.py), and one small function per send, called by coffee.services
and coffee.rounds inside the transaction that made the change. Each has a key of its
own, so a retried task or a second worker sends it once.

What they say about the other person is what both may see: their display name and the
reason written from what they show to all members (coffee/reasons.py). Times travel as
UTC ISO strings and are shown in the recipient's zone by the templates.
"""

from __future__ import annotations

from django.urls import reverse

from notifications.registry import EMAIL, Kind, register
from notifications.services import Notice, notify, notify_many

register(
    Kind(
        name="coffee_intro",
        label="Coffee date intros",
        description="Who you are paired with for a coffee date, and why, in your morning.",
        default_channel=EMAIL,
    )
)
register(
    Kind(
        name="coffee_update",
        label="Coffee date answers",
        description="When a coffee date is on (with times you are both free), or when it "
        "won't happen this round.",
        default_channel=EMAIL,
    )
)
register(
    Kind(
        name="coffee_check_in",
        label="Coffee date check-ins",
        description="“Did you meet?” near the end of a round, to connect or follow up.",
        default_channel=EMAIL,
        nudge=True,
    )
)
register(
    Kind(
        name="coffee_paused",
        label="Coffee pairing paused",
        description="When your pairings pause because intros went unanswered, and how to "
        "come back.",
        default_channel=EMAIL,
    )
)


def _name(user) -> str:
    profile = getattr(user, "profile", None)
    return profile.display_name if profile is not None else "A member"


def _url(date) -> str:
    return f"{reverse('coffee:home')}#date-{date.pk}"


def _format(date) -> str:
    return "in person" if date.in_person else "virtual"


def _intro(participant, partner) -> Notice:
    date = participant.date
    return Notice(
        recipient=participant.member,
        key=f"coffee_intro:{date.pk}:{participant.member_id}",
        context={
            "name": _name(partner),
            "reason": participant.reason,
            "format": _format(date),
            "answer_by": participant.round.ends_at.isoformat(),
        },
        url=_url(date),
    )


def intro(*, participant, partner):
    """You are paired with `partner` this round, and why."""
    notice = _intro(participant, partner)
    return notify(recipient=notice.recipient, kind="coffee_intro", **_rest(notice))


def intros(*, pairs):
    """intro() for many (participant, partner) pairs at once (one notify_many)."""
    return notify_many(kind="coffee_intro", notices=[_intro(p, partner) for p, partner in pairs])


def _rest(notice: Notice) -> dict:
    return {"key": notice.key, "context": notice.context, "url": notice.url}


def confirmed(*, date, member, partner):
    """Both said yes: the conversation is open, with times both are free."""
    return notify(
        recipient=member,
        kind="coffee_update",
        key=f"coffee_confirmed:{date.pk}:{member.pk}",
        context={
            "change": "confirmed",
            "name": _name(partner),
            "format": _format(date),
            "times": [{"start": start, "end": end} for start, end in date.suggested_times],
        },
        url=reverse("messaging:conversation", args=[date.conversation_id])
        if date.conversation_id
        else _url(date),
    )


def passed(*, date, member, partner):
    """The other can't make it this round (never why)."""
    return notify(
        recipient=member,
        kind="coffee_update",
        key=f"coffee_passed:{date.pk}:{member.pk}",
        context={"change": "passed", "name": _name(partner)},
        url=reverse("coffee:home"),
    )


def check_ins(*, pairs):
    """Near the end of the round, to each (participant, partner): did you meet?"""
    return notify_many(
        kind="coffee_check_in",
        notices=[
            Notice(
                recipient=participant.member,
                key=f"coffee_check_in:{participant.date_id}:{participant.member_id}",
                context={"name": _name(partner)},
                url=_url(participant.date),
            )
            for participant, partner in pairs
        ],
    )


def paused(*, member, round_, unanswered: int):
    """Pairings paused after intros went unanswered, and how to come back."""
    return notify(
        recipient=member,
        kind="coffee_paused",
        key=f"coffee_paused:{member.pk}:{round_.pk}",
        context={"unanswered": unanswered},
        url=reverse("coffee:home"),
    )
