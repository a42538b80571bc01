"""Writes to consultation groups, each enforcing its rule: seats and the waitlist,
who may be put in a group with whom, the agreement and its versions, sessions from
the cadence, the presenter rota, swaps, recusals, notes and the discussion.

Every function takes keyword arguments, runs in a transaction and validates before
saving. Seats are counted under a lock on the group's row, so two people taking the
last seat at once cannot both get it. Refusals that could reveal something about
someone else (a block, a declared dual relationship, a declined request) all say the
same neutral sentence (`NOT_POSSIBLE`).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from groups import rota
from groups.cadence import Cadence, occurrences
from groups.models import (
    CHECKLIST,
    Agreement,
    AgreementAcceptance,
    Group,
    Membership,
    Post,
    Recusal,
    Rsvp,
    Session,
    Swap,
)
from members.models import User
from notifications.services import notify

NOT_POSSIBLE = "We can’t add you to this group. You may find another group that fits."
HORIZON_DAYS = 100  # sessions are generated about a quarter ahead
REMINDER_DAYS = 3  # the presenter is reminded this many days before


class GroupRefusal(ValidationError):
    """A join, request or invitation that cannot go ahead, with a message safe to show."""


def display_name(user: User) -> str:
    profile = getattr(user, "profile", None)
    return profile.display_name if profile is not None else "A member"


def _group_url(group: Group) -> str:
    return reverse("groups:detail", args=[group.slug])


def _session_url(session: Session) -> str:
    return reverse("groups:session", args=[session.group.slug, session.pk])


def _unique_slug(name: str) -> str:
    base = slugify(name)[:60].strip("-") or "group"
    if base == "new":  # /groups/new/ is the form for a new group
        base = "new-group"
    slug, n = base, 1
    while Group.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _locked(group: Group) -> Group:
    return Group.objects.select_for_update().get(pk=group.pk)


def _active_count(group: Group) -> int:
    return Membership.objects.filter(group=group).active().count()


def _fits_with_everyone(group: Group, user: User) -> bool:
    """May `user` be put in a group with every current member? Not when a block (either
    way) or a declared dual relationship links them to any of them: the rule of
    `User.objects.introducible_to` (the set form of `may_introduce`), one query."""
    return (
        not Membership.objects.filter(group=group)
        .current()
        .exclude(member=user)
        .exclude(member__in=User.objects.introducible_to(user))
        .exists()
    )


def _check_may_join(group: Group, user: User) -> None:
    if not user.is_member:
        raise GroupRefusal(NOT_POSSIBLE)
    profile = getattr(user, "profile", None)
    tier = profile.credential_tier if profile is not None else ""
    if not group.allows_tier(tier):
        raise GroupRefusal("This group is open to other credential tiers than yours.")
    if not _fits_with_everyone(group, user):
        raise GroupRefusal(NOT_POSSIBLE)


def _set_status(membership: Membership, status: str, **fields) -> Membership:
    membership.status = status
    membership.status_changed_at = timezone.now()
    for name, value in fields.items():
        setattr(membership, name, value)
    membership.full_clean()
    membership.save()
    return membership


def _seat_or_waitlist(group: Group, membership: Membership) -> Membership:
    """Seat the member if there is room, else put them on the waitlist (group locked)."""
    status = (
        Membership.Status.ACTIVE
        if _active_count(group) < group.capacity
        else Membership.Status.WAITLISTED
    )
    _set_status(membership, status)
    if status == Membership.Status.ACTIVE:
        rota_assign(group=group)
    return membership


def _fill_seats(group: Group) -> list[Membership]:
    """Offer freed seats to the waitlist, first come first seated (group locked). Each
    seated member is told; a waitlisted member who no longer fits (someone they may not
    be grouped with joined meanwhile) keeps waiting."""
    seated = []
    free = group.capacity - _active_count(group)
    waiting = (
        Membership.objects.filter(group=group, status=Membership.Status.WAITLISTED)
        .select_related("member")
        .order_by("status_changed_at")
    )
    for membership in waiting:
        if free <= 0:
            break
        if not _fits_with_everyone(group, membership.member):
            continue
        _set_status(membership, Membership.Status.ACTIVE)
        notify(
            recipient=membership.member,
            kind="group_seat",
            key=f"group_seat:{membership.pk}:{membership.status_changed_at.isoformat()}",
            context={"group": group.name},
            url=_group_url(group),
        )
        seated.append(membership)
        free -= 1
    return seated


# --- Groups -----------------------------------------------------------------------------


@transaction.atomic
def group_create(
    *,
    organizer: User,
    name: str,
    focus: str,
    cadence: Cadence,
    starts_on: date,
    start_time: time,
    zone: str,
    duration_minutes: int = 90,
    capacity: int = 6,
    join_policy: str = Group.JoinPolicy.REQUEST,
    listed: bool = True,
    format: str = Group.Format.VIRTUAL,
    place_id: int | None = None,
    place_label: str = "",
    allowed_tiers: list[str] | None = None,
    clauses: str = "",
) -> Group:
    """A new group run by `organizer`, with version 1 of its agreement (which the
    organizer accepts by publishing it) and its first quarter of sessions."""
    if not organizer.is_member:
        raise PermissionDenied("Only members in good standing organize groups.")
    group = Group(
        slug=_unique_slug(name),
        name=name,
        focus=focus,
        organizer=organizer,
        format=format,
        place_id=place_id if format == Group.Format.IN_PERSON else None,
        place_label=place_label if format == Group.Format.IN_PERSON else "",
        rrule=cadence.rule(),
        starts_on=starts_on,
        start_time=start_time,
        duration_minutes=duration_minutes,
        zone=zone,
        capacity=capacity,
        join_policy=join_policy,
        listed=listed,
        allowed_tiers=list(allowed_tiers or []),
    )
    group.full_clean()
    group.save()
    Membership.objects.create(
        group=group,
        member=organizer,
        role=Membership.Role.ORGANIZER,
        status=Membership.Status.ACTIVE,
    )
    agreement_publish(group=group, by=organizer, clauses=clauses)
    sessions_generate(group=group)
    return group


SCHEDULE_FIELDS = ("rrule", "starts_on", "start_time", "duration_minutes", "zone")


@transaction.atomic
def group_update(*, group: Group, by: User, cadence: Cadence | None = None, **fields) -> Group:
    """Change a group's facts. A new cadence, time, length or zone replaces the future
    sessions that nobody touched (not moved, no notes) and regenerates them."""
    _require_organizer(group, by)
    group = _locked(group)
    if cadence is not None:
        fields["rrule"] = cadence.rule()
    schedule_changed = any(
        name in fields and fields[name] != getattr(group, name) for name in SCHEDULE_FIELDS
    )
    for name, value in fields.items():
        setattr(group, name, value)
    if group.format != Group.Format.IN_PERSON:
        group.place_id, group.place_label = None, ""
    group.updated_at = timezone.now()
    group.full_clean()
    group.save()
    if schedule_changed:
        Session.objects.filter(
            group=group, starts_at__gt=timezone.now(), moved=False, notes=""
        ).delete()
        sessions_generate(group=group)
    return group


def _require_organizer(group: Group, user: User) -> Membership:
    membership = Membership.objects.filter(group=group, member=user).first()
    if membership is None or not membership.is_organizer:
        raise PermissionDenied("Only the organizer may do this.")
    return membership


# --- The agreement ------------------------------------------------------------------------


@transaction.atomic
def agreement_publish(*, group: Group, by: User, clauses: str) -> Agreement:
    """Publish a new version of the group's agreement. Every member's access to the
    sessions, rota, notes and discussion is withdrawn until they accept it; they are
    told. The organizer accepts it by publishing it."""
    organizer = _require_organizer(group, by)
    version = _locked(group).agreement_version + 1
    agreement = Agreement(group=group, version=version, clauses=clauses.strip(), published_by=by)
    agreement.full_clean()
    agreement.save()
    group.agreement_version = version
    group.save(update_fields=["agreement_version"])
    _accept(organizer, agreement)
    if version > 1:
        for membership in (
            Membership.objects.filter(group=group).active().exclude(pk=organizer.pk)
        ).select_related("member"):
            notify(
                recipient=membership.member,
                kind="group_agreement",
                key=f"group_agreement:{group.pk}:{version}:{membership.member_id}",
                context={"group": group.name, "version": version},
                url=reverse("groups:agreement", args=[group.slug]),
            )
    return agreement


def _accept(membership: Membership, agreement: Agreement) -> None:
    AgreementAcceptance.objects.get_or_create(agreement=agreement, member_id=membership.member_id)
    membership.accepted_version = agreement.version
    membership.save(update_fields=["accepted_version"])


@transaction.atomic
def agreement_accept(*, group: Group, member: User, version: int) -> AgreementAcceptance:
    """`member` accepts the agreement `version` they were shown; it must be the current
    one (a version published while they read it is refused, so nobody accepts words
    they did not see)."""
    membership = Membership.objects.select_for_update().filter(group=group, member=member).first()
    if membership is None or membership.status != Membership.Status.ACTIVE:
        raise PermissionDenied("Only the group's members accept its agreement.")
    group.refresh_from_db(fields=["agreement_version"])
    if version != group.agreement_version:
        raise ValidationError("The agreement changed while you read it: read it again.")
    agreement = Agreement.objects.get(group=group, version=version)
    _accept(membership, agreement)
    return AgreementAcceptance.objects.get(agreement=agreement, member=member)


# --- Joining and leaving ------------------------------------------------------------------


@transaction.atomic
def group_join(*, group: Group, member: User, introduction: str = "") -> Membership:
    """Join an open group (or its waitlist when full), or ask to join a group by
    request (the organizer is told). Invitation-only groups take invitations only."""
    group = _locked(group)
    existing = Membership.objects.filter(group=group, member=member).first()
    if existing is not None and existing.status in (
        Membership.Status.ACTIVE,
        Membership.Status.WAITLISTED,
        Membership.Status.REQUESTED,
    ):
        return existing
    if existing is not None and existing.status in (
        Membership.Status.REMOVED,
        Membership.Status.DECLINED,
    ):
        raise GroupRefusal(NOT_POSSIBLE)
    if existing is not None and existing.status == Membership.Status.INVITED:
        return invitation_answer(group=group, member=member, accept=True)
    if group.join_policy == Group.JoinPolicy.INVITATION:
        raise GroupRefusal("This group takes new members by invitation only.")
    _check_may_join(group, member)
    membership = existing or Membership(group=group, member=member)
    if group.join_policy == Group.JoinPolicy.OPEN:
        membership.introduction = ""
        return _seat_or_waitlist(group, membership)
    _set_status(membership, Membership.Status.REQUESTED, introduction=introduction.strip())
    notify(
        recipient=group.organizer,
        kind="group_join_request",
        key=f"group_join_request:{membership.pk}:{membership.status_changed_at.isoformat()}",
        context={"group": group.name, "name": display_name(member)},
        url=_group_url(group),
    )
    return membership


@transaction.atomic
def join_request_decide(
    *, group: Group, by: User, membership: Membership, approve: bool
) -> Membership:
    """The organizer approves a request (seat or waitlist; the member is told) or
    declines it (silently: the requester is never told). An approval that would seat
    two people who must not be grouped declines instead: the result is DECLINED."""
    _require_organizer(group, by)
    group = _locked(group)
    membership = Membership.objects.select_for_update().get(pk=membership.pk, group=group)
    if membership.status != Membership.Status.REQUESTED:
        raise ValidationError("This request was already answered.")
    if not approve:
        return _set_status(membership, Membership.Status.DECLINED)
    if not _fits_with_everyone(group, membership.member) or not membership.member.is_member:
        # Approving would seat two people who must not be grouped: declined, silently,
        # and the organizer is not told why either (the caller sees DECLINED).
        return _set_status(membership, Membership.Status.DECLINED)
    _seat_or_waitlist(group, membership)
    notify(
        recipient=membership.member,
        kind="group_join_approved",
        key=f"group_join_approved:{membership.pk}:{membership.status_changed_at.isoformat()}",
        context={"group": group.name, "waitlisted": membership.status == "waitlisted"},
        url=_group_url(group),
    )
    return membership


@transaction.atomic
def group_invite(*, group: Group, by: User, invitee: User) -> Membership:
    """The organizer invites a member, who accepts or not. An invitation that would put
    two people who must not be grouped together is refused with the neutral message."""
    _require_organizer(group, by)
    group = _locked(group)
    existing = Membership.objects.filter(group=group, member=invitee).first()
    if existing is not None and existing.status in (
        Membership.Status.ACTIVE,
        Membership.Status.WAITLISTED,
        Membership.Status.INVITED,
    ):
        return existing
    if invitee.pk == by.pk:
        raise GroupRefusal("You are in this group already.")
    try:
        _check_may_join(group, invitee)
    except GroupRefusal:
        raise GroupRefusal("We can’t invite this member to this group.") from None
    membership = existing or Membership(group=group, member=invitee)
    _set_status(membership, Membership.Status.INVITED, note="")
    notify(
        recipient=invitee,
        kind="group_invitation",
        key=f"group_invitation:{membership.pk}:{membership.status_changed_at.isoformat()}",
        context={"group": group.name, "name": display_name(by)},
        url=_group_url(group),
    )
    return membership


@transaction.atomic
def invitation_answer(*, group: Group, member: User, accept: bool) -> Membership:
    """The invited member accepts (a seat, or the waitlist when full) or declines."""
    group = _locked(group)
    membership = Membership.objects.select_for_update().filter(group=group, member=member).first()
    if membership is None or membership.status != Membership.Status.INVITED:
        raise ValidationError("There is no invitation waiting for you here.")
    if not accept:
        return _set_status(membership, Membership.Status.LEFT)
    if not _fits_with_everyone(group, member) or not member.is_member:
        # Someone they may not be grouped with joined since the invitation: it lapses
        # (the caller sees LEFT and says NOT_POSSIBLE).
        return _set_status(membership, Membership.Status.LEFT)
    return _seat_or_waitlist(group, membership)


@transaction.atomic
def membership_leave(*, group: Group, member: User) -> Membership:
    """Leave a group (or its waitlist, or withdraw a request). A freed seat goes to
    the waitlist. The organizer cannot leave the group they run."""
    group = _locked(group)
    membership = Membership.objects.select_for_update().filter(group=group, member=member).first()
    if membership is None or membership.status not in (
        Membership.Status.ACTIVE,
        Membership.Status.WAITLISTED,
        Membership.Status.REQUESTED,
    ):
        raise ValidationError("You are not in this group.")
    if membership.role == Membership.Role.ORGANIZER:
        raise ValidationError("You organize this group, so you cannot leave it.")
    was_active = membership.status == Membership.Status.ACTIVE
    _set_status(membership, Membership.Status.LEFT)
    if was_active:
        _after_departure(group, member)
    return membership


@transaction.atomic
def membership_remove(*, group: Group, by: User, membership: Membership, note: str) -> Membership:
    """The organizer removes a member, with a private note only organizers see."""
    _require_organizer(group, by)
    group = _locked(group)
    membership = Membership.objects.select_for_update().get(pk=membership.pk, group=group)
    if membership.role == Membership.Role.ORGANIZER:
        raise ValidationError("The organizer cannot be removed.")
    if membership.status in (Membership.Status.REMOVED, Membership.Status.LEFT):
        return membership
    was_active = membership.status == Membership.Status.ACTIVE
    _set_status(membership, Membership.Status.REMOVED, note=note.strip())
    if was_active:
        _after_departure(group, membership.member)
    return membership


def _after_departure(group: Group, member: User) -> None:
    """Someone left their seat: they present no more upcoming sessions, their swap
    requests lapse, and the seat goes to the waitlist."""
    upcoming = Session.objects.filter(
        group=group, starts_at__gt=timezone.now(), presenter=member
    ).exclude(status=Session.Status.CANCELLED)
    upcoming.update(
        presenter=None,
        presenter_confirmed=False,
        reminder_sent_for=None,
        checklist=[],
        checklist_ticked_at=None,
    )
    Swap.objects.filter(
        Q(asked=member) | Q(asked_by=member), session__group=group, status=Swap.Status.PENDING
    ).update(status=Swap.Status.WITHDRAWN)
    _fill_seats(group)
    rota_assign(group=group)


# --- Sessions ---------------------------------------------------------------------------


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


def _members_to_tell(session: Session):
    return (
        Membership.objects.filter(group=session.group)
        .with_current_agreement()
        .select_related("member")
    )


@transaction.atomic
def session_move(*, session: Session, by: User, starts_at: datetime) -> Session:
    """The organizer moves one session; members are told."""
    _require_organizer(session.group, by)
    if starts_at <= timezone.now():
        raise ValidationError("Choose a time in the future.")
    length = session.ends_at - session.starts_at
    session.starts_at, session.ends_at = starts_at, starts_at + length
    session.moved = True
    session.status = Session.Status.SCHEDULED
    session.sequence += 1
    session.updated_at = timezone.now()
    session.full_clean()
    session.save()
    _tell_change(session)
    return session


@transaction.atomic
def session_cancel(*, session: Session, by: User) -> Session:
    """The organizer cancels one session; members are told. Its presenter's turn is
    given back (a cancelled session does not count on the rota)."""
    _require_organizer(session.group, by)
    if session.cancelled:
        return session
    session.status = Session.Status.CANCELLED
    session.sequence += 1
    session.updated_at = timezone.now()
    session.save(update_fields=["status", "sequence", "updated_at"])
    _tell_change(session)
    return session


def _tell_change(session: Session) -> None:
    for membership in _members_to_tell(session):
        if membership.member_id == session.group.organizer_id:
            continue
        notify(
            recipient=membership.member,
            kind="group_session_changed",
            key=f"group_session_changed:{session.pk}:{session.sequence}:{membership.member_id}",
            context={
                "group": session.group.name,
                "starts_at": session.starts_at.isoformat(),
                "cancelled": session.cancelled,
            },
            url=_session_url(session),
        )


@transaction.atomic
def rsvp_set(*, session: Session, member: User, answer: str) -> Rsvp:
    """A member's yes / no / maybe for one session. A presenter who says no is taken
    off the rota for it, and the next willing member is named."""
    rsvp, _ = Rsvp.objects.update_or_create(
        session=session,
        member=member,
        defaults={"answer": answer, "answered_at": timezone.now()},
    )
    rsvp.full_clean()
    if answer == Rsvp.Answer.NO and session.presenter_id == member.pk:
        session.presenter = None
        session.presenter_confirmed = False
        session.reminder_sent_for = None
        session.checklist, session.checklist_ticked_at = [], None
        session.save(
            update_fields=[
                "presenter",
                "presenter_confirmed",
                "reminder_sent_for",
                "checklist",
                "checklist_ticked_at",
            ]
        )
        Swap.objects.filter(session=session, status=Swap.Status.PENDING).update(
            status=Swap.Status.WITHDRAWN
        )
        rota_assign(group=session.group)
    return rsvp


@transaction.atomic
def swap_ask(*, session: Session, by: User, asked: User) -> Swap:
    """The presenter asks another member of the group to present in their place."""
    if session.presenter_id != by.pk:
        raise PermissionDenied("Only the presenter asks for a swap.")
    if asked.pk == by.pk or not (
        Membership.objects.filter(group=session.group, member=asked).active().exists()
    ):
        raise ValidationError("Choose another member of the group.")
    Swap.objects.filter(session=session, status=Swap.Status.PENDING).update(
        status=Swap.Status.WITHDRAWN
    )
    swap = Swap(session=session, asked_by=by, asked=asked)
    swap.full_clean()
    swap.save()
    notify(
        recipient=asked,
        kind="group_swap_request",
        key=f"group_swap_request:{swap.pk}",
        context={"group": session.group.name, "starts_at": session.starts_at.isoformat()},
        url=_session_url(session),
    )
    return swap


@transaction.atomic
def swap_answer(*, swap: Swap, by: User, accept: bool) -> Swap:
    """The asked member accepts (they present; the checklist starts over) or not."""
    swap = Swap.objects.select_for_update().select_related("session").get(pk=swap.pk)
    if swap.asked_id != by.pk or swap.status != Swap.Status.PENDING:
        raise ValidationError("This swap request is no longer open.")
    session = swap.session
    if accept:
        if session.presenter_id != swap.asked_by_id:
            swap.status = Swap.Status.WITHDRAWN
            swap.save(update_fields=["status"])
            raise ValidationError("This swap request is no longer open.")
        session.presenter = by
        session.presenter_confirmed = True
        session.checklist, session.checklist_ticked_at = [], None
        session.reminder_sent_for = None
        session.save(
            update_fields=[
                "presenter",
                "presenter_confirmed",
                "checklist",
                "checklist_ticked_at",
                "reminder_sent_for",
            ]
        )
    swap.status = Swap.Status.ACCEPTED if accept else Swap.Status.DECLINED
    swap.save(update_fields=["status"])
    return swap


@transaction.atomic
def checklist_tick(*, session: Session, by: User, items: list[str]) -> Session:
    """The presenter ticks the de-identification checklist. It counts as done only when
    every item is ticked; the organizer sees whether it is."""
    if session.presenter_id != by.pk:
        raise PermissionDenied("Only the presenter ticks the checklist.")
    known = [key for key, _ in CHECKLIST]
    ticked = [key for key in known if key in items]
    session.checklist = ticked
    session.checklist_ticked_at = timezone.now() if len(ticked) == len(known) else None
    session.presenter_confirmed = True
    session.save(update_fields=["checklist", "checklist_ticked_at", "presenter_confirmed"])
    return session


@transaction.atomic
def recusal_declare(*, session: Session, member: User) -> Recusal:
    """`member` may know this session's client: they step out of the case. Only the
    presenter and the organizer are shown it; nobody is notified by email."""
    if session.presenter_id == member.pk:
        raise ValidationError("You are presenting this case.")
    recusal, _ = Recusal.objects.get_or_create(session=session, member=member)
    return recusal


@transaction.atomic
def recusal_withdraw(*, session: Session, member: User) -> None:
    Recusal.objects.filter(session=session, member=member).delete()


@transaction.atomic
def notes_save(*, session: Session, by: User, notes: str) -> Session:
    """Session notes, by the presenter or the organizer (sanitized Markdown when shown)."""
    if session.presenter_id != by.pk and session.group.organizer_id != by.pk:
        raise PermissionDenied("Only the presenter or the organizer writes the notes.")
    session.notes = notes.strip()
    session.notes_updated_at = timezone.now()
    session.full_clean()
    session.save(update_fields=["notes", "notes_updated_at"])
    return session


@transaction.atomic
def post_create(*, group: Group, author: User, body: str) -> Post:
    """A message in the group's discussion (the view checks the author may see it)."""
    post = Post(group=group, author=author, body=body.strip())
    post.full_clean()
    post.save()
    return post


def presenter_reminders_send(*, now: datetime | None = None) -> int:
    """Remind each presenter whose session is within REMINDER_DAYS, once per session and
    presenter, with the de-identification checklist. Run hourly by beat."""
    now = now or timezone.now()
    due = (
        Session.objects.filter(
            starts_at__gt=now,
            starts_at__lte=now + timedelta(days=REMINDER_DAYS),
            status=Session.Status.SCHEDULED,
            presenter__isnull=False,
        )
        .exclude(reminder_sent_for=models.F("presenter"))
        .select_related("group", "presenter")
    )
    sent = 0
    for session in due:
        with transaction.atomic():
            notify(
                recipient=session.presenter,
                kind="group_presenter_reminder",
                key=f"group_presenter_reminder:{session.pk}:{session.presenter_id}",
                context={
                    "group": session.group.name,
                    "starts_at": session.starts_at.isoformat(),
                    "checklist": [label for _, label in CHECKLIST],
                },
                url=_session_url(session),
            )
            Session.objects.filter(pk=session.pk).update(reminder_sent_for=session.presenter)
        sent += 1
    return sent


def sessions_generate_all(*, now: datetime | None = None) -> int:
    """Generate the coming quarter for every group (beat, daily)."""
    count = 0
    for group in Group.objects.iterator():
        sessions_generate(group=group, now=now)
        count += 1
    return count
