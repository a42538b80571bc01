"""What coffee dates hold about a person, for their export and their erasure (the
protocol is in hive/personal_data.py).

A date is also the other member's history: when one of the two leaves Hive the date
stays, pointing at the tombstone ("former member"), while everything that was the
leaver's own side goes: their settings, their answers, check-ins and how it went, and
the reason the other was shown about them (it described the leaver's profile).
"""

from __future__ import annotations

from django.utils import timezone

from coffee.availability import describe
from coffee.models import CoffeeDate, CoffeeSettings, Participant, Round
from members.personal_data import handles_of

MODELS = {
    CoffeeSettings: "delete",  # theirs alone
    Participant: "delete",  # their side of each round: answers, check-ins, how it went
    CoffeeDate: "anonymize",  # the other member's history: kept, with "former member"
    Round: "anonymize",  # a round staff ran stays (counts only), run by the tombstone
}


def _iso(value):
    return value.isoformat() if value is not None else None


def export_data(user) -> dict:
    settings = CoffeeSettings.objects.filter(user=user).first()
    sides = list(
        Participant.objects.filter(member=user, date__isnull=False)
        .select_related("date", "round")
        .order_by("round__run_at")
    )
    handles = handles_of(side.date.other_id(user) for side in sides)
    return {
        "settings": {
            "opted_in": settings.opted_in,
            "cadence": settings.get_cadence_display(),
            "format": settings.get_format_display(),
            "travel_km": round(settings.travel_km, 1),
            "availability": describe(settings.availability),
            "snoozed_until": _iso(settings.snoozed_until),
            "paused_at": _iso(settings.paused_at),
            "paused_because": settings.get_paused_reason_display() if settings.paused_at else "",
        }
        if settings
        else None,
        "rounds_i_was_in": Participant.objects.filter(member=user).count(),
        "dates": [
            {
                "with": handles[side.date.other_id(user)],
                "paired_at": _iso(side.date.created_at),
                "in_person": side.date.in_person,
                "why_we_paired_you": side.reason,
                "status": side.date.get_status_display(),
                "my_answer": side.get_response_display(),
                "did_we_meet": side.get_met_display() if side.met else "",
                "how_it_went": side.get_rating_display() if side.rating else "",
            }
            for side in sides
        ],
        "rounds_i_ran": [r.key for r in Round.objects.filter(run_by=user).order_by("run_at")],
    }


def erase_data(user) -> None:
    dates = CoffeeDate.objects.involving(user)
    # An intro still waiting cannot go ahead with someone who left.
    dates.filter(status=CoffeeDate.Status.PROPOSED).update(
        status=CoffeeDate.Status.CANCELED, closed_at=timezone.now()
    )
    # What the other was told about them described their profile.
    Participant.objects.filter(date__in=dates).exclude(member=user).update(reason="")
    Participant.objects.filter(member=user).delete()
    CoffeeSettings.objects.filter(user=user).delete()
    # Dates and rounds stay, pointing at the tombstone (members makes it one last).
