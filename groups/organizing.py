"""The organizer's own tools beyond seats and the agreement: handing the group over to
another member, and the introductory conversation offered to someone who asks to join
a group by request before the organizer decides.

Same rules as groups/services.py: keyword arguments, one transaction, the group's row
locked before anything about its people changes, neutral refusals.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from groups.models import Group, Membership
from groups.services import (
    HANDOVER_NOT_POSSIBLE,
    GroupRefusal,
    display_name,
    fits_with_everyone,
    group_url,
    locked,
    require_organizer,
)
from members.models import AuditEvent, User
from members.services import audit_record
from notifications.services import Notice, notify, notify_many

# --- Handing the group over ----------------------------------------------------------------


def _may_organize(group: Group, user: User) -> Membership | None:
    """The candidate's membership if they may take the group over: seated, in good
    standing, with the current agreement, and in no block or declared dual relationship
    with anyone in the group (the organizer is a public fact of the group, so a
    member in a block with them would lose it)."""
    membership = Membership.objects.filter(group=group, member=user).first()
    if (
        membership is None
        or not membership.has_current_agreement(group)
        or not user.is_member
        or not fits_with_everyone(group, user)
    ):
        return None
    return membership


@transaction.atomic
def handover_ask(*, group: Group, by: User, to: User) -> Group:
    """The organizer asks a member who accepted the current agreement to take the
    group over; they are told and accept or not. Asking again replaces the question."""
    require_organizer(group, by)
    group = locked(group)
    if to.pk == by.pk:
        raise ValidationError("Choose another member of the group.")
    if _may_organize(group, to) is None:
        raise GroupRefusal(HANDOVER_NOT_POSSIBLE)
    group.handover_to = to
    group.handover_asked_at = timezone.now()
    group.save(update_fields=["handover_to", "handover_asked_at"])
    notify(
        recipient=to,
        kind="group_handover",
        key=f"group_handover:{group.pk}:{to.pk}:{group.handover_asked_at.isoformat()}",
        context={"group": group.name, "name": display_name(by), "asked": True},
        url=group_url(group),
    )
    return group


@transaction.atomic
def handover_withdraw(*, group: Group, by: User) -> Group:
    """The organizer takes the question back."""
    require_organizer(group, by)
    group = locked(group)
    group.handover_to, group.handover_asked_at = None, None
    group.save(update_fields=["handover_to", "handover_asked_at"])
    return group


@transaction.atomic
def handover_answer(*, group: Group, member: User, accept: bool) -> Group:
    """The member asked to organize accepts (they organize the group from now on; the
    previous organizer stays a member; the change is in the audit log and everyone with
    the current agreement is told) or declines (the organizer is told).

    An acceptance that can no longer go ahead (they have not accepted a newer version
    of the agreement, or are now in a block with a member) ends the question and leaves
    the organizer as they were: the caller sees `group.organizer` unchanged."""
    group = locked(group)
    if group.handover_to_id != member.pk:
        raise ValidationError("There is no handover waiting for you here.")
    previous = group.organizer
    asked_at = group.handover_asked_at
    group.handover_to, group.handover_asked_at = None, None
    if not accept:
        group.save(update_fields=["handover_to", "handover_asked_at"])
        notify(
            recipient=previous,
            kind="group_handover",
            key=f"group_handover_declined:{group.pk}:{member.pk}:{asked_at.isoformat()}",
            context={"group": group.name, "name": display_name(member), "declined": True},
            url=group_url(group),
        )
        return group
    incoming = _may_organize(group, member)
    if incoming is None:
        group.save(update_fields=["handover_to", "handover_asked_at"])
        return group
    Membership.objects.filter(group=group, member=previous).update(role=Membership.Role.MEMBER)
    incoming.role = Membership.Role.ORGANIZER
    incoming.save(update_fields=["role"])
    group.organizer = member
    group.updated_at = timezone.now()
    group.full_clean()
    group.save(update_fields=["organizer", "handover_to", "handover_asked_at", "updated_at"])
    audit_record(
        action=AuditEvent.Action.GROUP_HANDED_OVER,
        subject=member,
        actor=previous,
        data={"group": group.pk, "slug": group.slug, "previous_organizer": previous.pk},
    )
    told = (
        Membership.objects.filter(group=group)
        .with_current_agreement()
        .exclude(member=member)
        .select_related("member")
    )
    notify_many(
        kind="group_organizer_changed",
        notices=[
            Notice(
                recipient=membership.member,
                key=f"group_organizer_changed:{group.pk}:{member.pk}:{membership.member_id}:"
                f"{asked_at.isoformat()}",
                context={"group": group.name, "name": display_name(member)},
                url=group_url(group),
            )
            for membership in told
        ],
    )
    return group


# --- The introductory conversation before a request is decided -----------------------------


def _request(group: Group, membership: Membership) -> Membership:
    row = Membership.objects.select_for_update().get(pk=membership.pk, group=group)
    if row.status != Membership.Status.REQUESTED:
        raise ValidationError("This request was already answered.")
    return row


@transaction.atomic
def intro_propose(
    *, group: Group, by: User, membership: Membership, at: datetime, channel: str
) -> Membership:
    """Before deciding a request, the organizer proposes a short conversation: when,
    and how (a video call, a phone call, a café). The person who asked is told and
    confirms or asks for another time. Proposing again replaces the proposal."""
    require_organizer(group, by)
    group = locked(group)
    membership = _request(group, membership)
    if at <= timezone.now():
        raise ValidationError({"at": "Choose a time in the future."})
    membership.intro_at = at
    membership.intro_channel = channel.strip()
    membership.intro_status = Membership.Intro.PROPOSED
    membership.intro_reply = ""
    membership.full_clean()
    membership.save(update_fields=["intro_at", "intro_channel", "intro_status", "intro_reply"])
    notify(
        recipient=membership.member,
        kind="group_intro",
        key=f"group_intro:{membership.pk}:{at.isoformat()}:{membership.intro_channel}",
        context={
            "group": group.name,
            "name": display_name(by),
            "at": at.isoformat(),
            "channel": membership.intro_channel,
            "proposed": True,
        },
        url=group_url(group),
    )
    return membership


@transaction.atomic
def intro_answer(*, group: Group, member: User, confirm: bool, reply: str = "") -> Membership:
    """The person who asked to join confirms the proposed conversation, or asks for
    another time with a short note; the organizer is told either way."""
    group = locked(group)
    membership = Membership.objects.select_for_update().filter(group=group, member=member).first()
    if membership is None or membership.status != Membership.Status.REQUESTED:
        raise ValidationError("There is no request of yours waiting here.")
    if membership.intro_status != Membership.Intro.PROPOSED:
        raise ValidationError("There is no conversation waiting for your answer.")
    membership.intro_status = Membership.Intro.CONFIRMED if confirm else Membership.Intro.OTHER_TIME
    membership.intro_reply = reply.strip()
    membership.full_clean()
    membership.save(update_fields=["intro_status", "intro_reply"])
    notify(
        recipient=group.organizer,
        kind="group_intro",
        key=f"group_intro_answer:{membership.pk}:{membership.intro_at.isoformat()}",
        context={
            "group": group.name,
            "name": display_name(member),
            "at": membership.intro_at.isoformat(),
            "confirmed": confirm,
            "proposed": False,
        },
        url=group_url(group) + "#organizer",
    )
    return membership
