"""The inbox (/messages/), a conversation (/messages/<id>/), sending and deleting, and
the live check the pages poll (/messages/live/)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET, require_POST

from hive.access import member_required
from hive.client_identifiers import find_client_identifiers
from members.models import Profile
from messaging import live, services
from messaging.access import access_conversation, has_left, other_in
from messaging.forms import MessageForm
from messaging.models import ACTIVITY, Conversation, Message, MessageRequest

INBOX_PAGE = 20
CONVERSATION_PAGE = 30


@dataclass
class InboxRow:
    conversation: Conversation
    profile: Profile | None
    name: str
    unread: bool
    snippet: str
    at: datetime | None


def _row(conversation: Conversation, me) -> InboxRow:
    other = other_in(conversation, me)
    profile = getattr(other, "profile", None)
    last = conversation.last_message
    if last is None:
        snippet = "No messages yet."
    elif last.deleted_at is not None:
        snippet = "Message deleted."
    else:
        snippet = ("You: " if last.sender_id == me.pk else "") + last.body[:120]
    return InboxRow(
        conversation=conversation,
        profile=profile,
        name=profile.display_name if profile else "A member",
        unread=conversation.is_unread_by(me),
        snippet=snippet,
        at=conversation.last_message_at,
    )


def _cursor(request: HttpRequest) -> tuple[datetime, uuid.UUID] | None:
    """The inbox's keyset cursor: "<activity time>_<conversation id>" of the last row
    shown. Anything malformed is the first page."""
    raw = request.GET.get("after", "")
    moment, _, key = raw.rpartition("_")
    try:
        at = parse_datetime(moment)
        key = uuid.UUID(key)
    except ValueError:
        return None
    if at is None or at.tzinfo is None:
        return None
    return at, key


@member_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    """My conversations, most recent first, unread marked; keyset pages of 20 in a
    fixed number of queries whatever a page holds."""
    me = request.user
    cursor = _cursor(request)
    # The page's ids: each side of the pair read along its own index, newest first,
    # stopping after a page (the union of both holds the page); then those rows, in one
    # statement. A member with a thousand conversations costs what one with twenty does.
    sides = []
    for side in ("a", "b"):
        ids = Conversation.objects.open_to(me, side=side).annotate(activity=ACTIVITY)
        if cursor is not None:
            at, key = cursor
            ids = ids.filter(activity__lte=at).exclude(activity=at, id__gte=key)
        sides.append(ids.order_by("-activity", "-id").values("pk")[: INBOX_PAGE + 1])
    rows = (
        Conversation.objects.filter(pk__in=sides[0].union(sides[1], all=True))
        .select_related("user_a__profile", "user_b__profile", "last_message")
        .annotate(activity=ACTIVITY)
        .order_by("-activity", "-id")
    )
    page = list(rows[: INBOX_PAGE + 1])
    more = len(page) > INBOX_PAGE
    page = page[:INBOX_PAGE]
    next_cursor = f"{page[-1].activity.isoformat()}_{page[-1].pk}" if more else ""
    pending = MessageRequest.objects.filter(
        recipient=me, status=MessageRequest.Status.PENDING
    ).count()
    context = {
        "rows": [_row(c, me) for c in page],
        "next_cursor": next_cursor,
        "pending_requests": pending,
        "first_page": cursor is None,
    }
    if request.htmx and cursor is not None:
        return render(request, "messaging/inbox.html#rows", context)
    return render(request, "messaging/inbox.html", context)


def _messages_before(conversation: Conversation, before: int | None) -> tuple[list[Message], bool]:
    """Up to a page of messages older than `before` (newest page without it), oldest
    first, and whether there are older ones."""
    rows = Message.objects.filter(conversation=conversation).order_by("-id")
    if before is not None:
        rows = rows.filter(id__lt=before)
    page = list(rows[: CONVERSATION_PAGE + 1])
    return list(reversed(page[:CONVERSATION_PAGE])), len(page) > CONVERSATION_PAGE


def _before(request: HttpRequest) -> int | None:
    raw = request.GET.get("before", "")
    if raw.isdigit() and len(raw) < 19:
        return int(raw)
    return None


def _conversation_context(request, conversation, *, form=None, findings=None) -> dict:
    me = request.user
    # Read before the messages: a message arriving meanwhile moves the version past
    # this one, so the poller fetches it rather than missing it.
    version = live.version(me.pk)
    other = other_in(conversation, me)
    shown, older = _messages_before(conversation, None)
    left = has_left(other)
    return {
        "live_version": version,
        "conversation": conversation,
        "other": other,
        "other_profile": getattr(other, "profile", None),
        "left": left,
        "shown": shown,
        "older": older,
        "form": None if left else (form or MessageForm()),
        "findings": findings or [],
        "live_conversation": conversation.pk,
        "live_after": shown[-1].pk if shown else 0,
    }


@member_required
@require_GET
def conversation_detail(request: HttpRequest, conversation_id: uuid.UUID) -> HttpResponse:
    """One conversation: its latest messages ("older" loads in place), the composer.
    Opening it marks it read."""
    conversation = access_conversation(request.user, conversation_id)
    before = _before(request)
    if before is not None:
        shown, older = _messages_before(conversation, before)
        context = {"conversation": conversation, "shown": shown, "older": older}
        template = "messaging/conversation.html#older" if request.htmx else None
        if template:
            return render(request, template, context)
        other = other_in(conversation, request.user)
        context.update(other=other, left=has_left(other))
        context["form"] = None if context["left"] else MessageForm()
        context["other_profile"] = getattr(other, "profile", None)
        context["paged"] = True
        return render(request, "messaging/conversation.html", context)
    services.conversation_mark_read(conversation=conversation, user=request.user)
    return render(
        request, "messaging/conversation.html", _conversation_context(request, conversation)
    )


@member_required
@require_POST
def send(request: HttpRequest, conversation_id: uuid.UUID) -> HttpResponse:
    """Send a message. A message that looks like it holds a client identifier comes
    back with a warning and the text as typed; "Send anyway" sends it. Whatever goes
    wrong, the text stays in the composer."""
    conversation = access_conversation(request.user, conversation_id)
    form = MessageForm(request.POST)
    findings = []
    if form.is_valid():
        body = form.cleaned_data["body"]
        findings = [] if form.cleaned_data["confirmed"] else find_client_identifiers(body)
        if not findings:
            try:
                services.message_send(sender=request.user, conversation=conversation, body=body)
            except services.Unavailable:
                raise Http404("No such conversation.") from None
            except services.CannotMessage as error:
                form.add_error(None, str(error))
            else:
                return redirect(
                    reverse("messaging:conversation", args=[conversation.pk]) + "#composer"
                )
    context = _conversation_context(request, conversation, form=form, findings=findings)
    return render(request, "messaging/conversation.html", context, status=200 if findings else 400)


@member_required
@require_POST
def delete(request: HttpRequest, conversation_id: uuid.UUID, message_id: int) -> HttpResponse:
    """Delete one of my own messages (a tombstone stays for the other person)."""
    conversation = access_conversation(request.user, conversation_id)
    message = get_object_or_404(
        Message, pk=message_id, conversation=conversation, sender=request.user
    )
    services.message_delete(message=message, user=request.user)
    messages.success(request, "Message deleted.")
    return redirect("messaging:conversation", conversation_id=conversation.pk)


@member_required
@require_GET
def live_update(request: HttpRequest) -> HttpResponse:
    """What the poller gets when its version is stale (LiveCheckMiddleware answered
    204 otherwise): the badge, new messages of the open conversation, and a new poller.
    Without Redis the answer is 286, which tells htmx to stop polling."""
    me = request.user
    current = live.version(me.pk)
    if current is None:
        return HttpResponse(status=286)
    context: dict = {"new_messages": [], "live_conversation": None, "live_after": 0}
    raw_conversation = request.GET.get("c", "")
    after = request.GET.get("after", "")
    if raw_conversation:
        try:
            conversation = access_conversation(me, raw_conversation)
        except Http404:
            conversation = None
        if conversation is not None:
            start = int(after) if after.isdigit() and len(after) < 19 else 0
            new = list(
                Message.objects.filter(conversation=conversation, id__gt=start).order_by("id")[
                    :CONVERSATION_PAGE
                ]
            )
            context.update(
                new_messages=new,
                conversation=conversation,
                live_conversation=conversation.pk,
                live_after=new[-1].pk if new else start,
            )
            if new:
                # Seen as it arrives. This moves the version on; the next poll passes
                # through once more, finds nothing, and settles on the new version.
                services.conversation_mark_read(conversation=conversation, user=me)
    context["live_version"] = current
    return render(request, "messaging/live.html", context)
