"""The pairing round, closing rounds (and the ghosting pause), and the mornings'
intros and check-ins: what the beat runs (coffee/tasks.py) and staff start from
/review/coffee/.

The round (`round_run`) reads everyone due in a handful of statements, asks
`coffee.pairing.plan_round` for the pairs, and writes them in bulk: its SQL grows with
batches, never with members. Rounds run one at a time (a transaction-scoped advisory
lock), and each has a unique key, the scheduled one per week: so a beat that fires
twice, a retried task, or staff clicking while the beat runs, pair nobody twice.

Intros and check-ins reach each member in their own morning: the hourly chore asks
which time zones it is morning in, then sends to the members in those zones, a batch
per transaction, each marked sent in the same transaction as its notification.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import F, Max, Q
from django.http import HttpRequest
from django.utils import timezone

from coffee import notifications, reasons
from coffee.models import (
    CHECK_IN_AFTER,
    ROUND_LENGTH,
    CoffeeDate,
    CoffeeSettings,
    Participant,
    Round,
)
from coffee.pairing import Pair, Seeker, plan_round
from coffee.services import CHECK_IN_WINDOW, StaffNeedsTwoFactor, date_cancel
from members.models import AuditEvent, User, introduction_barriers
from members.services import audit_record

log = logging.getLogger(__name__)

Status = CoffeeDate.Status
Response = Participant.Response

# Pairs that had a date within this window are not paired again.
LOOK_BACK = timedelta(weeks=12)
# Three intros in a row left unanswered pause a member's pairings.
GHOSTING_LIMIT = 3
# Intros and check-ins reach a member in their own morning: from 8 to 11 local time
# (a window rather than one hour, so a beat missed in an outage is not a day lost).
MORNING_START = time(8)
MORNING_END = time(11)
BATCH = 500  # intros or check-ins sent per transaction
BULK = 2000  # rows per INSERT when a round is written
# pg_advisory_xact_lock key: one pairing round at a time ("coff").
ROUND_LOCK = 0x636F6666


# --- The round ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoundResult:
    round: Round
    created: bool  # False: this round had run already, nothing was done

    @property
    def paired(self) -> int:
        return self.round.paired_count

    @property
    def eligible(self) -> int:
        return self.round.eligible_count


def _lock_rounds() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ROUND_LOCK])


@transaction.atomic
def round_run(
    *, now: datetime | None = None, run_by: User | None = None, key: str = ""
) -> RoundResult:
    """Run the pairing round for the week of `now`, once.

    Scheduled (no `run_by`): the key is the week's ("2026-W28"): a second call, from
    a beat that fired twice or a retried task, finds it and does nothing. By staff:
    `key` names this one request (a double click runs it once), and it pairs whoever
    is still due this week. Either way the rounds before it that are over are closed
    first (intros left unanswered expire, and the ghosting pause applies)."""
    now = now or timezone.now()
    week = Round.week_of(now)
    scheduled = run_by is None
    if scheduled:
        key = Round.scheduled_key(week)
    elif not key:
        raise ValueError("A round run by staff needs a key of its own.")
    _lock_rounds()
    existing = Round.objects.filter(key=key).first()
    if existing is not None:
        return RoundResult(existing, created=False)
    rounds_close(now=now, before_week=week if scheduled else None)
    round_ = Round(
        key=key,
        kind=Round.Kind.SCHEDULED if scheduled else Round.Kind.STAFF,
        week=week,
        run_at=now,
        ends_at=now + ROUND_LENGTH,
        check_in_at=now + CHECK_IN_AFTER,
        run_by=run_by,
    )
    round_.full_clean()
    round_.save()
    seekers = due_seekers(week=week, now=now, current=round_)
    ids = [s.user_id for s in seekers]
    forbidden = introduction_barriers(ids) | recent_pairs(ids, since=now - LOOK_BACK)
    pairs = _checked(plan_round(seekers, forbidden=forbidden), seekers, forbidden)
    _write_round(round_, seekers, pairs, now)
    round_.eligible_count = len(seekers)
    round_.paired_count = 2 * len(pairs)
    round_.save(update_fields=["eligible_count", "paired_count"])
    return RoundResult(round_, created=True)


@transaction.atomic
def round_run_by_staff(
    *, staff: User, key: str, request: HttpRequest | None = None, now: datetime | None = None
) -> RoundResult:
    """Staff start a round now (/review/coffee/): two-factor sign-in required, and the
    run is in the audit log with what it did. `key` comes from the page's form, so a
    double submit runs one round."""
    if not staff.is_staff:
        raise PermissionDenied("Only staff run a round.")
    if not staff.has_two_factor:
        raise StaffNeedsTwoFactor("Turn on two-factor authentication before running a round.")
    week = Round.week_of(now or timezone.now())
    result = round_run(now=now, run_by=staff, key=f"{Round.scheduled_key(week)}-staff-{key}"[:64])
    if result.created:
        audit_record(
            action=AuditEvent.Action.COFFEE_ROUND_RUN,
            subject=None,
            actor=staff,
            request=request,
            data={
                "round": result.round.key,
                "eligible": result.eligible,
                "paired": result.paired,
            },
        )
    return result


def due_seekers(*, week: date, now: datetime, current: Round | None = None) -> list[Seeker]:
    """Everyone to pair in the week starting `week`: opted in, not paused, not snoozed,
    in good standing, with a profile, and due by their cadence (no date in the last 1,
    2 or 4 weeks); `waited` when their last round left them without a date that went
    ahead through no doing of theirs. Three statements, whatever the membership."""
    today = now.date()
    rows = list(
        CoffeeSettings.objects.filter(opted_in=True, paused_at__isnull=True)
        .filter(Q(snoozed_until__isnull=True) | Q(snoozed_until__lt=today))
        .filter(user__in=User.objects.in_good_standing(), user__profile__isnull=False)
        .order_by("user_id")
        .values_list("user_id", "cadence", "format", "travel_km")
    )
    longest = max(CoffeeSettings.WEEKS.values())
    last_paired = dict(
        Participant.objects.filter(
            date__isnull=False, round__week__gt=week - timedelta(weeks=longest)
        )
        .values("member_id")
        .annotate(last=Max("round__week"))
        .values_list("member_id", "last")
        .order_by()
    )
    waited = _waited_ids(now, current)
    seekers = []
    for user_id, cadence, format_, travel_km in rows:
        last = last_paired.get(user_id)
        if last is not None and (week - last).days // 7 < CoffeeSettings.WEEKS[cadence]:
            continue
        in_person = format_ in (CoffeeSettings.Format.IN_PERSON, CoffeeSettings.Format.EITHER)
        seekers.append(
            Seeker(
                user_id=user_id,
                in_person=in_person,
                virtual=format_ in (CoffeeSettings.Format.VIRTUAL, CoffeeSettings.Format.EITHER),
                travel_km=float(travel_km) if in_person else 0.0,
                waited=user_id in waited,
            )
        )
    return seekers


def _waited_ids(now: datetime, current: Round | None) -> set[int]:
    """Members whose latest round (of the last 8 weeks) gave them no date that went
    ahead, through no doing of theirs: unpaired, or the other passed, never answered,
    or left. One statement (DISTINCT ON member)."""
    latest = (
        Participant.objects.filter(round__run_at__gte=now - timedelta(weeks=8))
        .exclude(round=current)
        .order_by("member_id", "-round__run_at", "-round_id")
        .distinct("member_id")
        .values_list("member_id", "date_id", "date__status", "response")
    )
    unlucky = {Status.PASSED, Status.EXPIRED, Status.CANCELED}
    return {
        member_id
        for member_id, date_id, status, response in latest
        if date_id is None
        or (status in unlucky and response in (Response.ACCEPTED, Response.PENDING))
    }


def recent_pairs(user_ids: Iterable[int], *, since: datetime) -> set[tuple[int, int]]:
    """Pairs among `user_ids` that had a date (whatever came of it) since `since`, as
    (lower id, higher id). One statement over the window's dates."""
    wanted = set(user_ids)
    rows = CoffeeDate.objects.filter(created_at__gte=since).values_list(
        "member_a_id", "member_b_id"
    )
    return {(a, b) for a, b in rows.order_by() if a in wanted and b in wanted}


def _checked(
    pairs: list[Pair], seekers: list[Seeker], forbidden: set[tuple[int, int]]
) -> list[Pair]:
    """The planner's pairs, with anything that breaks a rule left out and logged: the
    database and the rules have the last word, never the planner."""
    due = {s.user_id for s in seekers}
    taken: set[int] = set()
    kept = []
    for pair in pairs:
        a, b = min(pair.a, pair.b), max(pair.a, pair.b)
        if a == b or a not in due or b not in due or (a, b) in forbidden or {a, b} & taken:
            log.error("Coffee round: the planner proposed an invalid pair %s", pair)
            continue
        taken |= {a, b}
        kept.append(Pair(a=a, b=b, score=pair.score, in_person=pair.in_person))
    return kept


def _write_round(round_: Round, seekers: list[Seeker], pairs: list[Pair], now: datetime) -> None:
    """The round's dates, and one participant row per member due (paired or not), in
    bulk inserts."""
    waited = {s.user_id: s.waited for s in seekers}
    dates = []
    participants = []
    paired: set[int] = set()
    for pair in pairs:
        row = CoffeeDate(
            round=round_,
            member_a_id=pair.a,
            member_b_id=pair.b,
            in_person=pair.in_person,
            score=pair.score,
            created_at=now,
        )
        dates.append(row)
        for member_id in (pair.a, pair.b):
            participants.append(
                Participant(
                    round=round_,
                    member_id=member_id,
                    date=row,
                    waited=waited[member_id],
                    response=Response.PENDING,
                )
            )
            paired.add(member_id)
    for seeker in seekers:
        if seeker.user_id not in paired:
            participants.append(
                Participant(round=round_, member_id=seeker.user_id, waited=seeker.waited)
            )
    CoffeeDate.objects.bulk_create(dates, batch_size=BULK)
    Participant.objects.bulk_create(participants, batch_size=BULK)


# --- Closing rounds and the ghosting pause ----------------------------------------------------


@transaction.atomic
def rounds_close(*, now: datetime | None = None, before_week: date | None = None) -> int:
    """Close every round that is over (its seven days passed, or, from a scheduled
    round, it belongs to an earlier week): intros still waiting expire, and members who
    left them unanswered move one step towards the ghosting pause. Returns how many
    dates expired. Idempotent: a closed round is not looked at again."""
    now = now or timezone.now()
    over = Q(ends_at__lte=now)
    if before_week is not None:
        over |= Q(week__lt=before_week)
    expired = 0
    for round_ in Round.objects.select_for_update().filter(over, closed_at__isnull=True):
        waiting = CoffeeDate.objects.filter(round=round_, status=Status.PROPOSED)
        silent = Participant.objects.filter(
            date__in=waiting, response=Response.PENDING, introduced_at__isnull=False
        )
        ghost_ids = list(silent.values_list("member_id", flat=True))
        CoffeeSettings.objects.filter(user__in=silent.values("member_id")).update(
            unanswered_in_a_row=F("unanswered_in_a_row") + 1
        )
        Participant.objects.filter(date__in=waiting, response=Response.PENDING).update(
            response=Response.UNANSWERED, responded_at=None
        )
        expired += waiting.update(status=Status.EXPIRED, closed_at=now)
        _pause_ghosts(round_, ghost_ids, now)
        round_.closed_at = now
        round_.save(update_fields=["closed_at"])
    return expired


def _pause_ghosts(round_: Round, ghost_ids: list[int], now: datetime) -> None:
    """Pause those who have now left GHOSTING_LIMIT intros in a row unanswered (one
    UPDATE), and tell each how to come back (one notification each: the notifications
    backbone keeps a row per member)."""
    if not ghost_ids:
        return
    to_pause = list(
        CoffeeSettings.objects.select_for_update()
        .filter(
            user_id__in=ghost_ids,
            paused_at__isnull=True,
            unanswered_in_a_row__gte=GHOSTING_LIMIT,
        )
        .select_related("user")
    )
    CoffeeSettings.objects.filter(pk__in=[row.pk for row in to_pause]).update(
        paused_at=now, paused_reason=CoffeeSettings.PauseReason.UNANSWERED, updated_at=now
    )
    for row in to_pause:
        notifications.paused(member=row.user, round_=round_, unanswered=row.unanswered_in_a_row)


# --- Mornings: intros and check-ins -----------------------------------------------------------


def in_morning(zone: ZoneInfo, now: datetime) -> bool:
    """Is it the member's morning (MORNING_START to MORNING_END, their own clock)?"""
    local = now.astimezone(zone).time()
    return MORNING_START <= local < MORNING_END


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError):
        return ZoneInfo("UTC")


def _morning_zones(queryset, now: datetime) -> list[str]:
    """Of the time zones of the members in `queryset`, those where it is morning now.
    One small statement (distinct zone names), then the clock of each zone."""
    names = queryset.order_by().values_list("member__timezone", flat=True).distinct()
    return [name for name in names if in_morning(_zone(name), now)]


def morning_notes_send(*, now: datetime | None = None) -> int:
    """The hourly chore: close rounds that are over, then send the intros and the "Did
    you meet?" check-ins due to members whose morning it is. Each is sent once (its
    row is marked in the same transaction, and notify() has a unique key). Returns how
    many were sent."""
    now = now or timezone.now()
    rounds_close(now=now)
    return intros_send(now=now) + check_ins_send(now=now)


def _intros_due(now: datetime):
    return Participant.objects.filter(
        introduced_at__isnull=True,
        response=Response.PENDING,
        date__status=Status.PROPOSED,
        round__ends_at__gt=now,
    )


def intros_send(*, now: datetime) -> int:
    """Intros for members whose morning it is, BATCH per transaction."""
    due = _intros_due(now)
    zones = _morning_zones(due, now)
    if not zones:
        return 0
    sent = 0
    while True:
        with transaction.atomic():
            batch = list(
                _intros_due(now)
                .filter(member__timezone__in=zones)
                .select_related("member__profile", "date", "round")
                .select_for_update(of=("self",), skip_locked=True)
                .order_by("pk")[:BATCH]
            )
            if not batch:
                return sent
            sent += _introduce(batch, now)


def _introduce(batch: list[Participant], now: datetime) -> int:
    others = {p.pk: p.date.other_id(p.member_id) for p in batch}
    partners = User.objects.select_related("profile").in_bulk(set(others.values()))
    barriers = introduction_barriers({p.member_id for p in batch} | set(partners))
    written = reasons.reasons_for_pairs((p.member_id, others[p.pk]) for p in batch)
    introduced = []
    for participant in batch:
        partner = partners.get(others[participant.pk])
        pair = tuple(sorted((participant.member_id, others[participant.pk])))
        if (
            partner is None
            or not partner.is_member
            or not participant.member.is_member
            or pair in barriers
        ):
            # The date can no longer go ahead: neither is told why.
            date_cancel(date=participant.date, now=now)
            continue
        participant.reason = written.get((participant.member_id, partner.pk), "")
        participant.introduced_at = now
        introduced.append((participant, partner))
    notifications.intros(pairs=introduced)
    # Marked in the notifications' transaction: one UPDATE for the batch.
    Participant.objects.bulk_update([p for p, _ in introduced], ["reason", "introduced_at"])
    return len(introduced)


def _check_ins_due(now: datetime):
    return Participant.objects.filter(
        check_in_asked_at__isnull=True,
        response=Response.ACCEPTED,
        met="",
        date__status=Status.CONFIRMED,
        round__check_in_at__lte=now,
        round__run_at__gte=now - CHECK_IN_WINDOW,
    )


def check_ins_send(*, now: datetime) -> int:
    """ "Did you meet?" near the end of the round, to both members of each date that
    went ahead, in their own morning."""
    zones = _morning_zones(_check_ins_due(now), now)
    if not zones:
        return 0
    sent = 0
    while True:
        with transaction.atomic():
            batch = list(
                _check_ins_due(now)
                .filter(member__timezone__in=zones)
                .select_related("member", "date")
                .select_for_update(of=("self",), skip_locked=True)
                .order_by("pk")[:BATCH]
            )
            if not batch:
                return sent
            partners = User.objects.select_related("profile").in_bulk(
                {p.date.other_id(p.member_id) for p in batch}
            )
            Participant.objects.filter(pk__in=[p.pk for p in batch]).update(check_in_asked_at=now)
            asked = []
            for participant in batch:
                participant.check_in_asked_at = now
                partner = partners.get(participant.date.other_id(participant.member_id))
                if partner is not None and partner.is_member:
                    asked.append((participant, partner))
            notifications.check_ins(pairs=asked)
            sent += len(asked)
