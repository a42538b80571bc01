"""Writes to consultation groups, each enforcing its rule: seats and the waitlist,
who may be put in a group with whom, the agreement and its versions. Sessions from the
cadence and the rota are groups/schedule.py; what happens in a session (moves,
answers, swaps, recusals, notes, the discussion, reminders) is groups/sessions.py.

Every function takes keyword arguments, runs in a transaction and validates before
saving. Seats are counted under a lock on the group's row, so two people taking the
last seat at once cannot both get it. Refusals that could reveal something about
someone else (a block, a declared dual relationship, a declined request) all say the
same neutral sentence (`NOT_POSSIBLE`).
"""

from __future__ import annotations

from datetime import date, time

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
from notifications.services import notify

NOT_POSSIBLE = "We can’t add you to this group. You may find another group that fits."


class GroupRefusal(ValidationError):
    """A join, request or invitation that cannot go ahead, with a message safe to show."""


def display_name(user: User) -> str:
    profile = getattr(user, "profile", None)
    return profile.display_name if profile is not None else "A member"


def _group_url(group: Group) -> str:
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
    require_organizer(group, by)
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
    require_organizer(group, by)
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
    require_organizer(group, by)
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
    require_organizer(group, by)
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
