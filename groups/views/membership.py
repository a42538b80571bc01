"""Joining and leaving: join or request, accept an invitation, take or pass on a seat
offered from the waitlist, leave; the organizer invites, proposes an introductory
conversation, approves or declines requests, removes members, hands the group over.
All POSTs, back to the group (a form with errors is shown again with what was typed)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from groups import organizing, services
from groups.access import GroupAccess, access_group
from groups.forms import HandoverForm, IntroProposalForm
from groups.models import Membership
from groups.views.groups import group_page
from hive.access import member_required
from members.access import access_profile


def _back(access: GroupAccess) -> HttpResponse:
    return redirect("groups:detail", access.group.slug)


def _organizer(request: HttpRequest, group_slug: str) -> GroupAccess:
    access = access_group(request.user, group_slug)
    if not access.is_organizer:
        raise Http404("No such group.")
    return access


def _their_membership(access: GroupAccess, membership_id) -> Membership:
    """A membership of this group (its unguessable id), for its organizer."""
    membership = Membership.objects.filter(group=access.group, pk=membership_id).first()
    if membership is None:
        raise Http404("No such member here.")
    return membership


@member_required
@require_POST
def join(request: HttpRequest, group_slug: str) -> HttpResponse:
    """Join an open group (or its waitlist), ask to join a group by request, or accept
    an invitation. A refusal says only what is safe to say."""
    access = access_group(request.user, group_slug)
    try:
        membership = services.group_join(
            group=access.group,
            member=request.user,
            introduction=request.POST.get("introduction", "")[:1000],
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return _back(access)
    text = {
        Membership.Status.ACTIVE: "Welcome. Read and accept the group’s agreement to see its "
        "sessions.",
        Membership.Status.WAITLISTED: "The group is full: you are on its waitlist, and a seat "
        "that opens is offered to you.",
        Membership.Status.REQUESTED: "Your request is sent to the organizer.",
        Membership.Status.OFFERED: "A seat is held for you: take it below.",
    }.get(membership.status)
    if text:
        messages.success(request, text)
    if membership.status == Membership.Status.ACTIVE:
        return redirect("groups:agreement", access.group.slug)
    return _back(access)


@member_required
@require_POST
def invitation(request: HttpRequest, group_slug: str) -> HttpResponse:
    """Accept or decline an invitation."""
    access = access_group(request.user, group_slug)
    accept = request.POST.get("action") == "accept"
    try:
        membership = services.invitation_answer(
            group=access.group, member=request.user, accept=accept
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return _back(access)
    if membership.status == Membership.Status.ACTIVE:
        return redirect("groups:agreement", access.group.slug)
    if accept and membership.status == Membership.Status.LEFT:
        messages.error(request, services.NOT_POSSIBLE)
    if membership.status == Membership.Status.WAITLISTED:
        messages.success(request, "The group is full: you are first in line for a seat.")
    return _back(access)


@member_required
@require_POST
def leave(request: HttpRequest, group_slug: str) -> HttpResponse:
    """Leave the group, its waitlist, or withdraw a request."""
    access = access_group(request.user, group_slug)
    try:
        services.membership_leave(group=access.group, member=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return _back(access)
    messages.success(request, "You have left the group.")
    if access.group.listed:
        return _back(access)
    return redirect("groups:list")


@member_required
@require_POST
def invite(request: HttpRequest, group_slug: str) -> HttpResponse:
    """The organizer invites a member by their handle."""
    access = _organizer(request, group_slug)
    handle = request.POST.get("handle", "").strip().lstrip("@")[:40]
    try:
        invitee = (
            access_profile(request.user, handle, follow_moved=True).profile.user if handle else None
        )
    except Http404:
        invitee = None
    if invitee is None:
        messages.error(request, "We found no member with that handle.")
        return _back(access)
    try:
        services.group_invite(group=access.group, by=request.user, invitee=invitee)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return _back(access)
    messages.success(request, "Invitation sent.")
    return _back(access)


@member_required
@require_POST
def decide(request: HttpRequest, group_slug: str, membership_id) -> HttpResponse:
    """The organizer approves or declines a request to join (declining is silent)."""
    access = _organizer(request, group_slug)
    membership = _their_membership(access, membership_id)
    approve = request.POST.get("action") == "approve"
    try:
        membership = services.join_request_decide(
            group=access.group, by=request.user, membership=membership, approve=approve
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return _back(access)
    if approve and membership.status == Membership.Status.DECLINED:
        messages.error(request, "This request can no longer be approved.")
    else:
        messages.success(request, "Approved." if approve else "Declined. They are not told.")
    return _back(access)


@member_required
@require_POST
def remove(request: HttpRequest, group_slug: str, membership_id) -> HttpResponse:
    """The organizer removes a member, with a private note."""
    access = _organizer(request, group_slug)
    membership = _their_membership(access, membership_id)
    try:
        services.membership_remove(
            group=access.group,
            by=request.user,
            membership=membership,
            note=request.POST.get("note", "")[:1000],
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return _back(access)
    messages.success(request, "Removed from the group.")
    return _back(access)


@member_required
@require_POST
def seat(request: HttpRequest, group_slug: str) -> HttpResponse:
    """Take (action=accept) or pass on (action=pass) the seat offered from the waitlist."""
    access = access_group(request.user, group_slug)
    accept = request.POST.get("action") == "accept"
    try:
        membership = services.seat_offer_answer(
            group=access.group, member=request.user, accept=accept
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return _back(access)
    if membership.status == Membership.Status.ACTIVE:
        messages.success(request, "The seat is yours. Read and accept the group’s agreement.")
        return redirect("groups:agreement", access.group.slug)
    if accept:
        messages.error(request, services.NOT_POSSIBLE)
    else:
        messages.success(request, "You passed; the seat goes to the next person waiting.")
    return _back(access)


@member_required
@require_POST
def handover(request: HttpRequest, group_slug: str) -> HttpResponse:
    """The organizer asks a member to take the group over (action=ask) or takes the
    question back (action=withdraw); the member asked accepts (action=accept) or
    declines (action=decline)."""
    access = access_group(request.user, group_slug)
    action = request.POST.get("action", "")
    group = access.group
    try:
        if action in ("accept", "decline") and access.asked_to_organize:
            group = organizing.handover_answer(
                group=group, member=request.user, accept=action == "accept"
            )
            if action == "decline":
                messages.success(request, "Declined. The organizer is told.")
            elif group.organizer_id == request.user.pk:
                messages.success(request, "You now organize this group.")
            else:
                messages.error(request, "We can’t make you the organizer of this group.")
        elif action == "withdraw" and access.is_organizer:
            organizing.handover_withdraw(group=group, by=request.user)
            messages.success(request, "You took the question back.")
        elif action == "ask" and access.is_organizer:
            candidates = Membership.objects.filter(group=group).with_current_agreement()
            form = HandoverForm(
                request.POST, candidates=candidates.select_related("member__profile")
            )
            if not form.is_valid():
                messages.error(request, "Choose a member who accepted the current agreement.")
                return _back(access)
            chosen = candidates.select_related("member").get(pk=form.cleaned_data["member"])
            organizing.handover_ask(group=group, by=request.user, to=chosen.member)
            messages.success(
                request, "Asked. You organize the group until they accept; you then stay a member."
            )
        else:
            raise Http404("Nothing to do here.")
    except ValidationError as error:
        messages.error(request, error.messages[0])
    return _back(access)


@member_required
@require_POST
def intro_propose(request: HttpRequest, group_slug: str, membership_id) -> HttpResponse:
    """The organizer proposes an introductory conversation to someone who asked to
    join. A form with errors comes back on the group's page with what was typed."""
    access = _organizer(request, group_slug)
    membership = _their_membership(access, membership_id)
    form = IntroProposalForm(request.POST, auto_id=f"id_intro_{membership.pk}_%s")
    if form.is_valid():
        try:
            organizing.intro_propose(
                group=access.group,
                by=request.user,
                membership=membership,
                at=form.cleaned_data["at"],
                channel=form.cleaned_data["channel"],
            )
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(
                request, "Proposed. They are told and confirm or ask for another time."
            )
        return redirect(reverse("groups:detail", args=[access.group.slug]) + "#organizer")
    return group_page(request, access, status=400, intro_forms={membership.pk: form})


@member_required
@require_POST
def intro_answer(request: HttpRequest, group_slug: str) -> HttpResponse:
    """The person who asked to join confirms the proposed conversation (action=confirm)
    or asks for another time with a short note (action=other)."""
    access = access_group(request.user, group_slug)
    try:
        organizing.intro_answer(
            group=access.group,
            member=request.user,
            confirm=request.POST.get("action") == "confirm",
            reply=request.POST.get("reply", "")[:500],
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return _back(access)
    messages.success(request, "Thank you: the organizer is told.")
    return _back(access)
