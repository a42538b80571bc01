"""Coffee dates' writes that members make: their settings and "don't pair me with"
list, and one function per transition of a date (accept, pass, check in, how it went;
and cancel, when a date can no longer go ahead). Each checks the state it starts from
under a row lock; an illegal transition raises and changes nothing.

The round, closing rounds and the mornings' notes are coffee/rounds.py. Rules that
exist once are asked, never restated: good standing (`User.is_member`), who may be
introduced (`may_introduce`), the conversation (`messaging.services`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from coffee import availability, notifications
from coffee.models import CoffeeDate, CoffeeSettings, Participant
from members.models import DualRelationship, User, may_introduce
from members.services import dual_relationship_remove, dual_relationship_set
from messaging.services import CannotMessage, conversation_open

Status = CoffeeDate.Status
Response = Participant.Response
Met = Participant.Met

# Check-ins are asked, and shown, for dates of rounds at most this old.
CHECK_IN_WINDOW = timedelta(weeks=5)


class IllegalTransition(Exception):
    """The date is not in a state this action starts from (already answered, closed,
    not yours to answer). Its text is written for the member."""


class StaffNeedsTwoFactor(PermissionDenied):
    """Staff start a round only with two-factor sign-in turned on."""


# --- Settings -------------------------------------------------------------------------------


def settings_for(user: User) -> CoffeeSettings:
    """`user`'s settings, or unsaved defaults (nothing is written on a visit)."""
    found = CoffeeSettings.objects.filter(user=user).first()
    return found if found is not None else CoffeeSettings(user=user)


@transaction.atomic
def settings_save(
    *,
    member: User,
    opted_in: bool,
    cadence: str,
    format: str,
    travel_km: float,
    availability: list[str],
    snoozed_until: date | None,
) -> CoffeeSettings:
    """Save a member's coffee settings (opting in or out, cadence, format, travel,
    availability, snooze). A pause for unanswered intros stays until they come back
    (`settings_resume`)."""
    row = CoffeeSettings.objects.select_for_update().filter(user=member).first()
    row = row or CoffeeSettings(user=member)
    row.opted_in = opted_in
    row.cadence = cadence
    row.format = format
    row.travel_km = travel_km
    row.availability = availability_ordered(availability)
    row.snoozed_until = snoozed_until
    row.updated_at = timezone.now()
    row.full_clean()
    row.save()
    return row


def availability_ordered(slots: Iterable[str]) -> list[str]:
    return availability.ordered(slots)


@transaction.atomic
def settings_resume(*, member: User) -> CoffeeSettings:
    """Come back after a pause for unanswered intros: opted in again, the count of
    unanswered intros back to zero."""
    row = CoffeeSettings.objects.select_for_update().filter(user=member).first()
    if row is None:
        row = CoffeeSettings(user=member)
    row.paused_at = None
    row.paused_reason = ""
    row.unanswered_in_a_row = 0
    row.opted_in = True
    row.updated_at = timezone.now()
    row.full_clean()
    row.save()
    return row


def apart_list(member: User) -> list[DualRelationship]:
    """Everyone `member` declared Hive should never introduce them to (their own
    declarations only, never one made about them), newest first."""
    return list(
        DualRelationship.objects.filter(
            member=member,
            other__in=User.objects.visible_to(member),
            other__profile__isnull=False,
        )
        .select_related("other__profile")
        .order_by("-created_at")
    )


@transaction.atomic
def apart_add(*, member: User, other: User) -> DualRelationship:
    """`member` asks never to be paired with `other`: members' "please don't introduce
    us" (so it also keeps them out of suggestions and new groups; `other` is never
    told). A relationship already declared (clinical, supervisory, personal) is kept as
    it is. An intro between them still waiting for `member`'s answer is passed."""
    existing = DualRelationship.objects.filter(member=member, other=other).first()
    declared = existing or dual_relationship_set(
        member=member, other=other, kind=DualRelationship.Kind.DO_NOT_INTRODUCE
    )
    waiting = (
        CoffeeDate.objects.involving(member)
        .filter(Q(member_a=other) | Q(member_b=other), status=Status.PROPOSED)
        .filter(
            participants__member=member,
            participants__response__in=[Response.PENDING, Response.ACCEPTED],
        )
        .first()
    )
    if waiting is not None:
        date_pass(date=waiting, member=member)
    return declared


@transaction.atomic
def apart_remove(*, member: User, other: User) -> bool:
    """Take someone off the "don't pair me with" list. Only a "don't introduce us"
    note is removed here; a relationship declared on their profile stays."""
    if not DualRelationship.objects.filter(
        member=member, other=other, kind=DualRelationship.Kind.DO_NOT_INTRODUCE
    ).exists():
        return False
    return dual_relationship_remove(member=member, other=other)


# --- A date's transitions ----------------------------------------------------------------------


def _lock(date: CoffeeDate) -> CoffeeDate:
    return CoffeeDate.objects.select_for_update().get(pk=date.pk)


def _sides(date: CoffeeDate, member: User) -> tuple[Participant, Participant]:
    """(member's side, the other's side), locked; IllegalTransition if not theirs."""
    rows = {p.member_id: p for p in Participant.objects.select_for_update().filter(date=date)}
    mine = rows.get(member.pk)
    theirs = rows.get(date.other_id(member))
    if mine is None or theirs is None:
        raise IllegalTransition("This is not your coffee date.")
    return mine, theirs


def _other(date: CoffeeDate, member: User) -> User:
    return User.objects.select_related("profile").get(pk=date.other_id(member))


def _answered(member: User) -> None:
    """Any answer ends a run of unanswered intros."""
    CoffeeSettings.objects.filter(user=member, unanswered_in_a_row__gt=0).update(
        unanswered_in_a_row=0
    )


def date_accept(*, date: CoffeeDate, member: User, now: datetime | None = None) -> CoffeeDate:
    """`member` says yes to an intro. When the other said yes too, the date is on:
    their conversation opens (messaging) and both get the times they are both free.

    A date that can no longer go ahead (one of them left, lapsed, or a block or a
    "don't introduce us" came between them) is canceled, and that is kept, before
    IllegalTransition says so."""
    row = _accept(date=date, member=member, now=now or timezone.now())
    if row.status == Status.CANCELED:
        raise IllegalTransition("This coffee date can no longer go ahead.")
    return row


@transaction.atomic
def _accept(*, date: CoffeeDate, member: User, now: datetime) -> CoffeeDate:
    row = _lock(date)
    mine, theirs = _sides(row, member)
    if row.status != Status.PROPOSED or mine.response != Response.PENDING:
        raise IllegalTransition(_closed_words(row, mine))
    other = _other(row, member)
    if not (member.is_member and other.is_member and may_introduce(member, other)):
        return date_cancel(date=row, now=now)
    mine.response = Response.ACCEPTED
    mine.responded_at = now
    mine.full_clean()
    mine.save(update_fields=["response", "responded_at"])
    _answered(member)
    if theirs.response == Response.ACCEPTED:
        _confirm(row, member, other, now)
    return row


def _confirm(row: CoffeeDate, member: User, other: User, now: datetime) -> None:
    """Both said yes: the date is on."""
    try:
        with transaction.atomic():
            conversation = conversation_open(sender=member, recipient=other, introduced=True)
    except CannotMessage:  # a block or a lapse in the same instant
        date_cancel(date=row, now=now)
        row.status = Status.CANCELED
        return
    settings = {s.user_id: s for s in CoffeeSettings.objects.filter(user__in=[member, other])}
    mine, theirs = settings.get(member.pk), settings.get(other.pk)
    times = availability.suggested_times(
        mine.availability if mine else [],
        member.zone,
        theirs.availability if theirs else [],
        other.zone,
        after=now,
    )
    row.status = Status.CONFIRMED
    row.confirmed_at = now
    row.conversation = conversation
    row.suggested_times = [[begin.isoformat(), end.isoformat()] for begin, end in times]
    row.full_clean()
    row.save(update_fields=["status", "confirmed_at", "conversation", "suggested_times"])
    notifications.confirmed(date=row, member=member, partner=other)
    notifications.confirmed(date=row, member=other, partner=member)


@transaction.atomic
def date_pass(*, date: CoffeeDate, member: User, now: datetime | None = None) -> CoffeeDate:
    """`member` can't make it this round (before the date is on; a yes can still turn
    into a pass while the other has not answered). The other is told kindly, never
    why, and goes first next round."""
    now = now or timezone.now()
    row = _lock(date)
    mine, theirs = _sides(row, member)
    if row.status != Status.PROPOSED or mine.response not in (
        Response.PENDING,
        Response.ACCEPTED,
    ):
        raise IllegalTransition(_closed_words(row, mine))
    mine.response = Response.PASSED
    mine.responded_at = now
    mine.full_clean()
    mine.save(update_fields=["response", "responded_at"])
    row.status = Status.PASSED
    row.closed_at = now
    row.save(update_fields=["status", "closed_at"])
    _answered(member)
    # Someone who has not had the intro yet is spared news of a date they never heard of.
    if theirs.introduced_at is not None or theirs.response == Response.ACCEPTED:
        other = _other(row, member)
        if other.is_member:
            notifications.passed(date=row, member=other, partner=member)
    return row


@transaction.atomic
def date_cancel(*, date: CoffeeDate, now: datetime | None = None) -> CoffeeDate:
    """A date that can no longer go ahead (one left Hive, lapsed, or a block or a
    "don't introduce us" came between them): closed, and nobody is told why."""
    row = _lock(date)
    if row.status != Status.PROPOSED:
        return row
    row.status = Status.CANCELED
    row.closed_at = now or timezone.now()
    row.save(update_fields=["status", "closed_at"])
    return row


@transaction.atomic
def date_check_in(
    *, date: CoffeeDate, member: User, met: str, now: datetime | None = None
) -> Participant:
    """ "Did you meet?" Yes and no are final; "not yet" can still become either."""
    if met not in Met.values:
        raise IllegalTransition("Choose yes, not yet or no.")
    row = _lock(date)
    mine, _ = _sides(row, member)
    if row.status != Status.CONFIRMED or mine.response != Response.ACCEPTED:
        raise IllegalTransition("Only a coffee date you both accepted has a check-in.")
    if mine.met not in ("", Met.NOT_YET):
        raise IllegalTransition("You already told us how this one went.")
    mine.met = met
    mine.met_at = now or timezone.now()
    mine.full_clean()
    mine.save(update_fields=["met", "met_at"])
    return mine


@transaction.atomic
def date_rate(*, date: CoffeeDate, member: User, rating: str) -> Participant:
    """ "How did it go?" after a yes: kept for `member` alone (it changes nothing for
    the other, who never sees it)."""
    if rating not in Participant.Rating.values:
        raise IllegalTransition("Choose how it went.")
    row = _lock(date)
    mine, _ = _sides(row, member)
    if mine.met != Met.YES:
        raise IllegalTransition("Tell us you met first.")
    mine.rating = rating
    mine.full_clean()
    mine.save(update_fields=["rating"])
    return mine


def _closed_words(row: CoffeeDate, mine: Participant) -> str:
    if mine.response == Response.ACCEPTED and row.status == Status.PROPOSED:
        return "You already said yes to this coffee date."
    if mine.response in (Response.ACCEPTED, Response.PASSED):
        return "You already answered this intro."
    return "This intro is closed."


def date_url(date: CoffeeDate) -> str:
    return f"{reverse('coffee:home')}#date-{date.pk}"
