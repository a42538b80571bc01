"""The sessions a group's cadence yields, and who presents each: generated about a
quarter ahead (idempotent on each occurrence's date), presenters planned by the rota's
rule (groups/rota.py) whenever sessions appear or seats change."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from groups import rota
from groups.cadence import occurrences
from groups.models import Group, Membership, Rsvp, Session

HORIZON_DAYS = 100  # sessions are generated about a quarter ahead


@transaction.atomic
def sessions_generate(*, group: Group, now: datetime | None = None, days: int = HORIZON_DAYS):
    """Create the sessions the cadence yields from now to `days` ahead (idempotent on
    each occurrence's date; moved and cancelled sessions stay as they are), then name
    presenters. A constant number of statements per group, however many sessions."""
    now = now or timezone.now()
    found = occurrences(
        rule=group.rrule,
        starts_on=group.starts_on,
        at=group.start_time,
        zone=group.zone,
        after=now,
        until=now + timedelta(days=days),
    )
    length = timedelta(minutes=group.duration_minutes)
    created = Session.objects.bulk_create(
        [
            Session(group=group, occurrence=day, starts_at=start, ends_at=start + length)
            for day, start in found
        ],
        ignore_conflicts=True,
    )
    rota_assign(group=group, now=now)
    return created


def rota_assign(*, group: Group, now: datetime | None = None) -> int:
    """(Re)plan presenters for the upcoming sessions whose presenter is not confirmed
    (ticked the checklist, took a swap, or was reminded), in date order, by the rota's
    rule (groups/rota.py): called when the cadence yields sessions and whenever someone
    takes or leaves a seat. A fixed number of statements, however many sessions."""
    now = now or timezone.now()
    open_sessions = list(
        Session.objects.filter(
            group=group,
            starts_at__gt=now,
            status=Session.Status.SCHEDULED,
            presenter_confirmed=False,
            reminder_sent_for__isnull=True,
        ).order_by("starts_at")
    )
    if not open_sessions:
        return 0
    members = list(
        Membership.objects.filter(group=group)
        .active()
        .values_list("member_id", "status_changed_at")
    )
    ids = [member_id for member_id, _ in members]
    turns = {
        row["presenter"]: row
        for row in Session.objects.filter(group=group, presenter__in=ids)
        .exclude(status=Session.Status.CANCELLED)
        .exclude(pk__in=[s.pk for s in open_sessions])
        .values("presenter")
        .annotate(turns=Count("id"), last=Max("starts_at"))
    }
    unwilling: dict = {}
    for session_id, member_id in Rsvp.objects.filter(
        session__in=open_sessions, answer=Rsvp.Answer.NO
    ).values_list("session_id", "member_id"):
        unwilling.setdefault(session_id, set()).add(member_id)
    standings = {
        member_id: rota.Standing(
            member_id,
            turns.get(member_id, {}).get("turns", 0),
            turns.get(member_id, {}).get("last"),
            joined,
        )
        for member_id, joined in members
    }
    changed = []
    for session in open_sessions:
        chosen = rota.choose_presenter(
            s for m, s in standings.items() if m not in unwilling.get(session.pk, ())
        )
        if chosen is not None:
            before = standings[chosen]
            standings[chosen] = rota.Standing(
                chosen, before.turns + 1, session.starts_at, before.joined
            )
        if session.presenter_id != chosen:
            session.presenter_id = chosen
            session.checklist, session.checklist_ticked_at = [], None
            changed.append(session)
    Session.objects.bulk_update(changed, ["presenter", "checklist", "checklist_ticked_at"])
    return len(changed)
