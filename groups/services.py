"""Writes to consultation groups, each enforcing its rule: seats and the waitlist,
who may be put in a group with whom, the agreement and its versions. Sessions from the
cadence and the rota are groups/schedule.py; what happens in a session (moves,
answers, swaps, recusals, notes, the discussion, reminders) is groups/sessions.py; the
handover and introductory conversations are groups/organizing.py; reports to the
moderators are groups/moderation.py.

Every function takes keyword arguments, runs in a transaction and validates before
saving. Seats are counted under a lock on the group's row, so two people taking the
last seat at once cannot both get it. A freed seat is offered to the first on the
waitlist and held for them for SEAT_OFFER_HOURS; if they pass or let it lapse (the
beat task `groups.expire_seat_offers`), it is offered to the next. Refusals that could
reveal something about someone else (a block, a declared dual relationship, a declined
request) all say the same neutral sentence (`NOT_POSSIBLE`).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from groups.cadence import Cadence
from groups.models import (
    Agreement,
    AgreementAcceptance,
    Group,
    Membership,
    Session,
    Swap,
)
from groups.schedule import rota_assign, sessions_generate
from members.models import User
from notifications.services import Notice, notify, notify_many

NOT_POSSIBLE = "We can’t add you to this group. You may find another group that fits."
HANDOVER_NOT_POSSIBLE = "We can’t hand this group to this member."
# How long a freed seat is held for the member it is offered to.
SEAT_OFFER_HOURS = 48


class GroupRefusal(ValidationError):
    """A join, request or invitation that cannot go ahead, with a message safe to show."""


def display_name(user: User) -> str:
    profile = getattr(user, "profile", None)
    return profile.display_name if profile is not None else "A member"


def group_url(group: Group) -> str:
    return reverse("groups:detail", args=[group.slug])


def session_url(session: Session) -> str:
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


def locked(group: Group) -> Group:
    """The group re-read under a row lock: every change to who holds its seats (and to
    its organizer) takes this lock first, so they happen one after another."""
    return Group.objects.select_for_update().get(pk=group.pk)


def _taken_seats(group: Group) -> int:
    """Seats taken: members seated, and seats offered and still held for someone."""
    return Membership.objects.filter(group=group).holding_seats().count()


def fits_with_everyone(group: Group, user: User) -> bool:
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
    if not fits_with_everyone(group, user):
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
        if _taken_seats(group) < group.capacity
        else Membership.Status.WAITLISTED
    )
    _set_status(membership, status, offer_expires_at=None)
    if status == Membership.Status.ACTIVE:
        rota_assign(group=group)
    return membership


def _offer_seats(group: Group, *, now: datetime | None = None) -> list[Membership]:
    """Offer each free seat to the next on the waitlist, first come first offered
    (the group's row is locked by the caller). The seat is held for them for
    SEAT_OFFER_HOURS: they take it, pass, or let it lapse, and it goes to the next.
    A waitlisted member who no longer fits (someone they may not be grouped with
    joined meanwhile) or is not in good standing keeps waiting without an offer."""
    now = now or timezone.now()
    offered = []
    free = group.capacity - _taken_seats(group)
    if free <= 0:
        return offered
    waiting = (
        Membership.objects.select_for_update(of=("self",))
        .filter(group=group, status=Membership.Status.WAITLISTED)
        .select_related("member")
        .order_by("status_changed_at", "created_at")
    )
    for membership in waiting:
        if free <= 0:
            break
        if not membership.member.is_member or not fits_with_everyone(group, membership.member):
            continue
        expires = now + timedelta(hours=SEAT_OFFER_HOURS)
        _set_status(membership, Membership.Status.OFFERED, offer_expires_at=expires)
        notify(
            recipient=membership.member,
            kind="group_seat",
            # One offer, one notification: a retried sweep finds the same key.
            key=f"group_seat:{membership.pk}:{membership.status_changed_at.isoformat()}",
            context={"group": group.name, "expires_at": expires.isoformat(), "lapsed": False},
            url=group_url(group),
        )
        offered.append(membership)
        free -= 1
    return offered


def _lapse_offer(group: Group, membership: Membership, *, expired: bool) -> Membership:
    """The offered seat goes back: the member leaves the waitlist (they may join it
    again). Told when the time ran out, not when they passed themselves."""
    offered_at = membership.status_changed_at
    _set_status(membership, Membership.Status.LEFT, offer_expires_at=None)
    if expired:
        notify(
            recipient=membership.member,
            kind="group_seat",
            key=f"group_seat_lapsed:{membership.pk}:{offered_at.isoformat()}",
            context={"group": group.name, "lapsed": True},
            url=group_url(group),
        )
    return membership


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
    intro_conversation: bool = False,
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
        intro_conversation=intro_conversation and join_policy == Group.JoinPolicy.REQUEST,
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
    require_organizer(group, by)
    group = locked(group)
    if cadence is not None:
        fields["rrule"] = cadence.rule()
    schedule_changed = any(
        name in fields and fields[name] != getattr(group, name) for name in SCHEDULE_FIELDS
    )
    for name, value in fields.items():
        setattr(group, name, value)
    if group.format != Group.Format.IN_PERSON:
        group.place_id, group.place_label = None, ""
    if group.unlisted_by_staff:
        group.listed = False  # the moderators took it off the list
    taken = _taken_seats(group)
    if group.capacity < taken:
        raise ValidationError(
            {
                "capacity": f"{taken} seats are taken (members and seats offered): keep at least "
                f"{taken}."
            }
        )
    group.updated_at = timezone.now()
    group.full_clean()
    group.save()
    _offer_seats(group)  # a larger group offers its new seats to the waitlist
    if schedule_changed:
        Session.objects.filter(
            group=group, starts_at__gt=timezone.now(), moved=False, notes=""
        ).delete()
        sessions_generate(group=group)
    return group


def require_organizer(group: Group, user: User) -> Membership:
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
    organizer = require_organizer(group, by)
    version = locked(group).agreement_version + 1
    agreement = Agreement(group=group, version=version, clauses=clauses.strip(), published_by=by)
    agreement.full_clean()
    agreement.save()
    group.agreement_version = version
    group.save(update_fields=["agreement_version"])
    _accept(organizer, agreement)
    if version > 1:
        members = Membership.objects.filter(group=group).active().exclude(pk=organizer.pk)
        notify_many(
            kind="group_agreement",
            notices=[
                Notice(
                    recipient=membership.member,
                    key=f"group_agreement:{group.pk}:{version}:{membership.member_id}",
                    context={"group": group.name, "version": version},
                    url=reverse("groups:agreement", args=[group.slug]),
                )
                for membership in members.select_related("member")
            ],
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
    group = locked(group)
    existing = Membership.objects.filter(group=group, member=member).first()
    if existing is not None and existing.status in (
        Membership.Status.ACTIVE,
        Membership.Status.WAITLISTED,
        Membership.Status.OFFERED,
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
        url=group_url(group),
    )
    return membership


@transaction.atomic
def join_request_decide(
    *, group: Group, by: User, membership: Membership, approve: bool
) -> Membership:
    """The organizer approves a request (seat or waitlist; the member is told) or
    declines it (silently: the requester is never told). An approval that would seat
    two people who must not be grouped declines instead: the result is DECLINED."""
    require_organizer(group, by)
    group = locked(group)
    membership = Membership.objects.select_for_update().get(pk=membership.pk, group=group)
    if membership.status != Membership.Status.REQUESTED:
        raise ValidationError("This request was already answered.")
    if not approve:
        return _set_status(membership, Membership.Status.DECLINED)
    if not fits_with_everyone(group, membership.member) or not membership.member.is_member:
        # Approving would seat two people who must not be grouped: declined, silently,
        # and the organizer is not told why either (the caller sees DECLINED).
        return _set_status(membership, Membership.Status.DECLINED)
    _seat_or_waitlist(group, membership)
    notify(
        recipient=membership.member,
        kind="group_join_approved",
        key=f"group_join_approved:{membership.pk}:{membership.status_changed_at.isoformat()}",
        context={"group": group.name, "waitlisted": membership.status == "waitlisted"},
        url=group_url(group),
    )
    return membership


@transaction.atomic
def group_invite(*, group: Group, by: User, invitee: User) -> Membership:
    """The organizer invites a member, who accepts or not. An invitation that would put
    two people who must not be grouped together is refused with the neutral message."""
    require_organizer(group, by)
    group = locked(group)
    existing = Membership.objects.filter(group=group, member=invitee).first()
    if existing is not None and existing.status in (
        Membership.Status.ACTIVE,
        Membership.Status.WAITLISTED,
        Membership.Status.OFFERED,
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
        url=group_url(group),
    )
    return membership


@transaction.atomic
def invitation_answer(*, group: Group, member: User, accept: bool) -> Membership:
    """The invited member accepts (a seat, or the waitlist when full) or declines."""
    group = locked(group)
    membership = Membership.objects.select_for_update().filter(group=group, member=member).first()
    if membership is None or membership.status != Membership.Status.INVITED:
        raise ValidationError("There is no invitation waiting for you here.")
    if not accept:
        return _set_status(membership, Membership.Status.LEFT)
    if not fits_with_everyone(group, member) or not member.is_member:
        # Someone they may not be grouped with joined since the invitation: it lapses
        # (the caller sees LEFT and says NOT_POSSIBLE).
        return _set_status(membership, Membership.Status.LEFT)
    return _seat_or_waitlist(group, membership)


@transaction.atomic
def membership_leave(*, group: Group, member: User) -> Membership:
    """Leave a group (or its waitlist, pass on an offered seat, or withdraw a request).
    A freed seat is offered to the waitlist. The organizer hands the group to another
    member before leaving it."""
    group = locked(group)
    membership = Membership.objects.select_for_update().filter(group=group, member=member).first()
    if membership is None or membership.status not in (
        Membership.Status.ACTIVE,
        Membership.Status.WAITLISTED,
        Membership.Status.OFFERED,
        Membership.Status.REQUESTED,
    ):
        raise ValidationError("You are not in this group.")
    if membership.role == Membership.Role.ORGANIZER:
        raise ValidationError(
            "You organize this group: hand it to another member before you leave."
        )
    held_a_seat = membership.status in Membership.HOLDING_SEAT
    _set_status(membership, Membership.Status.LEFT, offer_expires_at=None)
    if held_a_seat:
        _after_departure(group, member)
    return membership


@transaction.atomic
def membership_remove(*, group: Group, by: User, membership: Membership, note: str) -> Membership:
    """The organizer removes a member, with a private note only organizers see."""
    require_organizer(group, by)
    group = locked(group)
    membership = Membership.objects.select_for_update().get(pk=membership.pk, group=group)
    if membership.role == Membership.Role.ORGANIZER:
        raise ValidationError("The organizer cannot be removed.")
    if membership.status in (Membership.Status.REMOVED, Membership.Status.LEFT):
        return membership
    held_a_seat = membership.status in Membership.HOLDING_SEAT
    _set_status(membership, Membership.Status.REMOVED, note=note.strip(), offer_expires_at=None)
    if held_a_seat:
        _after_departure(group, membership.member)
    return membership


def _after_departure(group: Group, member: User) -> None:
    """Someone gave up their seat: they present no more upcoming sessions, their swap
    requests and a handover asked of them lapse, and the seat is offered to the
    waitlist."""
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
    if group.handover_to_id == member.pk:
        group.handover_to, group.handover_asked_at = None, None
        group.save(update_fields=["handover_to", "handover_asked_at"])
    _offer_seats(group)
    rota_assign(group=group)


# --- Seats offered from the waitlist ------------------------------------------------------


@transaction.atomic
def seat_offer_answer(*, group: Group, member: User, accept: bool) -> Membership:
    """The member a freed seat is offered to takes it (ACTIVE) or passes (LEFT: they
    leave the waitlist and the seat goes to the next in line).

    The group's row is locked first, as in every seat change and in the expiry sweep,
    so an answer and the sweep never both act on one offer: whichever comes second sees
    the other's result. An offer whose time ran out cannot be taken (the sweep lapses
    it and offers the seat on). Taking a seat next to someone one may no longer be
    grouped with ends the offer: the caller sees LEFT and says NOT_POSSIBLE."""
    group = locked(group)
    membership = Membership.objects.select_for_update().filter(group=group, member=member).first()
    if membership is None or membership.status != Membership.Status.OFFERED:
        raise ValidationError("There is no seat waiting for you here.")
    if membership.offer_expires_at <= timezone.now():
        raise ValidationError("The time to take this seat has passed; it goes to the next in line.")
    if not accept or not member.is_member or not fits_with_everyone(group, member):
        _set_status(membership, Membership.Status.LEFT, offer_expires_at=None)
        _offer_seats(group)
        return membership
    _set_status(membership, Membership.Status.ACTIVE, offer_expires_at=None)
    rota_assign(group=group)
    return membership


@transaction.atomic
def seats_offer(*, group: Group) -> list[Membership]:
    """Offer whatever seats are free to the waitlist, and re-plan the rota (for seats
    freed outside this module: an account erased)."""
    group = locked(group)
    offered = _offer_seats(group)
    rota_assign(group=group)
    return offered


def seat_offers_expire(*, now: datetime | None = None) -> int:
    """The beat task's sweep: every seat offer whose time ran out lapses (the member
    is told and leaves the waitlist) and the seat is offered to the next in line.
    One transaction per group, under the group's lock; each offer is re-read under it,
    so two sweeps at once, or a sweep racing the member's answer, lapse it once."""
    now = now or timezone.now()
    due = (
        Membership.objects.filter(status=Membership.Status.OFFERED, offer_expires_at__lte=now)
        .values_list("group_id", flat=True)
        .distinct()
    )
    lapsed = 0
    for group_id in list(due):
        with transaction.atomic():
            group = Group.objects.select_for_update().get(pk=group_id)
            expired = (
                Membership.objects.select_for_update(of=("self",))
                .filter(group=group, status=Membership.Status.OFFERED, offer_expires_at__lte=now)
                .select_related("member")
            )
            for membership in expired:
                _lapse_offer(group, membership, expired=True)
                lapsed += 1
            _offer_seats(group, now=now)
    return lapsed
