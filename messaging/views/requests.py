"""Starting a conversation from a profile (/messages/start/<handle>/) and the request
tray (/messages/requests/)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hive.access import member_required
from hive.client_identifiers import find_client_identifiers
from members import services as member_services
from members.access import ProfileMoved, access_profile
from members.models import Profile, User
from messaging import services
from messaging.access import access_request
from messaging.forms import MessageForm, RequestForm
from messaging.models import Conversation, MessageRequest

TRAY_LIMIT = 50


def _start_state(me, other) -> str:
    """conversation / connected / waiting / request: what the Message button leads to."""
    if Conversation.objects.between(me, other).exists():
        return "conversation"
    if services.connected(me, other):
        return "connected"
    if MessageRequest.objects.filter(
        sender=me, recipient=other, status=MessageRequest.Status.PENDING
    ).exists():
        return "waiting"
    return "request"


@member_required
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, handle: str) -> HttpResponse:
    """The "Message" button of a profile. An existing conversation opens; a connection
    gets a composer; anyone else a message request (a purpose and a first message).
    A message that looks like it holds a client identifier comes back with a warning
    and the text as typed."""
    try:
        access = access_profile(request.user, handle, follow_moved=request.method == "POST")
    except ProfileMoved as moved:
        return redirect("messaging:start", handle=moved.profile.handle)
    profile = access.profile
    me, other = request.user, profile.user
    if other.pk == me.pk:
        raise Http404("You cannot message yourself.")
    state = _start_state(me, other)
    if state == "conversation":
        conversation = Conversation.objects.between(me, other).get()
        return redirect("messaging:conversation", conversation_id=conversation.pk)
    form_class = MessageForm if state == "connected" else RequestForm
    form = form_class(request.POST or None)
    findings = []
    if request.method == "POST" and state != "waiting" and form.is_valid():
        body = form.cleaned_data["body"]
        findings = [] if form.cleaned_data["confirmed"] else find_client_identifiers(body)
        if not findings:
            try:
                if state == "connected":
                    conversation = services.conversation_open(sender=me, recipient=other)
                    services.message_send(sender=me, conversation=conversation, body=body)
                    return redirect("messaging:conversation", conversation_id=conversation.pk)
                services.message_request_send(
                    sender=me, recipient=other, purpose=form.cleaned_data["purpose"], body=body
                )
            except services.Unavailable:
                raise Http404("No such member.") from None
            except services.CannotMessage as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    f"Request sent to {profile.display_name}. "
                    "You can write again once they accept.",
                )
                return redirect("members:profile", handle=profile.handle)
    return render(
        request,
        "messaging/start.html",
        {"profile": profile, "state": state, "form": form, "findings": findings},
        status=400 if request.method == "POST" and form.errors else 200,
    )


@dataclass
class TrayRow:
    request: MessageRequest
    profile: Profile | None


@member_required
@require_GET
def requests_tray(request: HttpRequest) -> HttpResponse:
    """Message requests waiting for me, oldest first, from people who exist for me."""
    me = request.user
    rows = (
        MessageRequest.objects.filter(recipient=me, status=MessageRequest.Status.PENDING)
        .filter(sender__in=User.objects.in_good_standing().visible_to(me))
        .select_related("sender__profile")
        .order_by("created_at")[:TRAY_LIMIT]
    )
    tray = [TrayRow(row, getattr(row.sender, "profile", None)) for row in rows]
    return render(request, "messaging/requests.html", {"tray": tray})


def _tray_action(request: HttpRequest, request_id: uuid.UUID, action) -> HttpResponse:
    message_request = access_request(request.user, request_id)
    try:
        result = action(message_request)
    except services.CannotMessage as error:
        messages.error(request, str(error))
        return redirect("messaging:requests")
    return result


@member_required
@require_POST
def request_accept(request: HttpRequest, request_id: uuid.UUID) -> HttpResponse:
    """Accept: the conversation opens with their message in it."""

    def accept(message_request):
        conversation = services.message_request_accept(request=message_request, user=request.user)
        return redirect("messaging:conversation", conversation_id=conversation.pk)

    return _tray_action(request, request_id, accept)


@member_required
@require_POST
def request_decline(request: HttpRequest, request_id: uuid.UUID) -> HttpResponse:
    """Decline, silently: the sender is not told."""

    def decline(message_request):
        services.message_request_decline(request=message_request, user=request.user)
        messages.success(request, "Request declined. They are not told.")
        return redirect("messaging:requests")

    return _tray_action(request, request_id, decline)


@member_required
@require_POST
def request_block(request: HttpRequest, request_id: uuid.UUID) -> HttpResponse:
    """Decline and block the sender (members' block: neither exists for the other)."""

    def block(message_request):
        services.message_request_decline(request=message_request, user=request.user)
        member_services.block_create(blocker=request.user, blocked=message_request.sender)
        messages.success(request, "Declined and blocked. You will not see each other on Hive.")
        return redirect("messaging:requests")

    return _tray_action(request, request_id, block)
