"""Messaging's writes: opening conversations, message requests, sending and deleting
messages, reading, the unread-messages email, and reports with the moderators' actions.

Every write that concerns a pair of people first locks both user rows, lower id first
(as members' connection services do), so a message racing a block, or two requests
crossing, run one after the other. Rules that exist once are asked, never restated:
good standing (`User.is_member`), blocks (`blocked_between`), connections
(`Connection.objects.between`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from hive.http import absolute_url
from members.models import Application, AuditEvent, Connection, User, blocked_between
from members.services import audit_record
from members.vetting import application_suspend
from messaging import live
from messaging.models import Conversation, Message, MessageRequest, Report
from notifications.models import Notification
from notifications.services import notify

# Defaults; settings.HIVE_MESSAGE_LIMITS overrides any of them.
LIMITS = {
    "requests_per_day": 10,
    "requests_per_day_new_member": 3,
    "new_member_days": 30,
    "messages_per_minute": 10,
    "request_retry_days": 30,
}
UNREAD_EMAIL_DELAY = timedelta(minutes=15)


def limit(name: str) -> int:
    return {**LIMITS, **getattr(settings, "HIVE_MESSAGE_LIMITS", {})}[name]


class CannotMessage(Exception):
    """The action does not apply (a request already sent, not a participant, …). Its
    text is written for the member."""


class Unavailable(CannotMessage):
    """The other person does not exist for this member (not in good standing, or
    blocked either way). Views answer 404, never saying which."""


class RateLimited(CannotMessage):
    """Too many at once: `retry_at` is when they can send again."""

    def __init__(self, message: str, retry_at: datetime):
        super().__init__(message)
        self.retry_at = retry_at


def _lock_pair(a: User, b: User) -> None:
    list(User.objects.select_for_update().filter(pk__in=[a.pk, b.pk]).order_by("pk"))


def _check_reachable(sender: User, recipient: User) -> None:
    if sender.pk == recipient.pk:
        raise CannotMessage("You cannot message yourself.")
    if not sender.is_member:
        raise CannotMessage("Only members in good standing can send messages.")
    recipient.refresh_from_db(fields=["is_active", "membership_status"])
    if not recipient.is_member or blocked_between(sender, recipient):
        raise Unavailable("No such member.")


def _name(user: User) -> str:
    profile = getattr(user, "profile", None)
    return profile.display_name if profile is not None else "A member"


def _when(moment: datetime, user: User) -> str:
    local = timezone.localtime(moment, user.zone)
    return local.strftime("%-I:%M %p").replace("AM", "a.m.").replace("PM", "p.m.")


# --- Conversations and requests -------------------------------------------------------


def connected(a: User, b: User) -> bool:
    return Connection.objects.between(a, b).filter(status=Connection.Status.ACCEPTED).exists()


def _conversation_for(a: User, b: User) -> Conversation:
    conversation = Conversation.objects.select_for_update().between(a, b).first()
    if conversation is None:
        conversation = Conversation.for_pair(a, b)
        conversation.full_clean()
        conversation.save()
    return conversation


@transaction.atomic
def conversation_open(*, sender: User, recipient: User, introduced: bool = False) -> Conversation:
    """Open the conversation between two people, or reuse the one they have.

    Allowed between connections, or when the two already have a conversation (an
    accepted message request), or when Hive introduced them and both said yes
    (`introduced`: a coffee date both accepted, which plays the part of an accepted
    message request; the caller vouches for both answers). Anyone else sends a message
    request instead (CannotMessage says so). Unavailable when the recipient does not
    exist for them (blocked either way, or not a member in good standing).
    """
    _lock_pair(sender, recipient)
    _check_reachable(sender, recipient)
    existing = Conversation.objects.between(sender, recipient).first()
    if existing is not None:
        return existing
    if not introduced and not connected(sender, recipient):
        raise CannotMessage("You are not connected: send a message request instead.")
    return _conversation_for(sender, recipient)


def approved_at(user: User) -> datetime | None:
    """When the member's application was approved (None if they joined without one)."""
    return (
        Application.objects.filter(user=user, status=Application.Status.APPROVED)
        .values_list("decided_at", flat=True)
        .first()
    )


def requests_per_day(user: User) -> int:
    """Message requests `user` may send a day: fewer in their first 30 days."""
    approved = approved_at(user)
    if approved is not None and timezone.now() - approved < timedelta(
        days=limit("new_member_days")
    ):
        return limit("requests_per_day_new_member")
    return limit("requests_per_day")


def _check_request_limit(sender: User) -> None:
    now = timezone.now()
    allowed = requests_per_day(sender)
    recent = list(
        MessageRequest.objects.filter(sender=sender, created_at__gt=now - timedelta(days=1))
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:allowed]
    )
    if len(recent) >= allowed:
        retry_at = recent[-1] + timedelta(days=1)
        zone = sender.zone
        tomorrow = timezone.localdate(retry_at, zone) != timezone.localdate(now, zone)
        raise RateLimited(
            f"You have sent {allowed} message requests in the last 24 hours, the most for "
            f"now. You can send another after {_when(retry_at, sender)}"
            f"{' tomorrow' if tomorrow else ''}. Your message is still here.",
            retry_at,
        )


@transaction.atomic
def message_request_send(
    *, sender: User, recipient: User, purpose: str, body: str
) -> MessageRequest:
    """Ask to start a conversation with someone one is not connected with: a purpose
    and a first message, put in the recipient's request tray (and notified).

    Refused (CannotMessage) when they could simply open a conversation, when a request
    between the two is waiting, or when the sender's last request to this person was
    turned down less than 30 days ago (said the same way as "waiting", so the sender
    never learns it was declined). RateLimited past the daily limit.
    """
    _lock_pair(sender, recipient)
    _check_reachable(sender, recipient)
    if Conversation.objects.between(sender, recipient).exists() or connected(sender, recipient):
        raise CannotMessage("You can write to this member directly.")
    pending_between = MessageRequest.objects.filter(
        models.Q(sender=sender, recipient=recipient) | models.Q(sender=recipient, recipient=sender),
        status=MessageRequest.Status.PENDING,
    )
    recently_asked = MessageRequest.objects.filter(
        sender=sender,
        recipient=recipient,
        created_at__gt=timezone.now() - timedelta(days=limit("request_retry_days")),
    )
    if pending_between.exists() or recently_asked.exists():
        raise CannotMessage("You have already sent this member a message request.")
    _check_request_limit(sender)
    request = MessageRequest(sender=sender, recipient=recipient, purpose=purpose, body=body.strip())
    request.full_clean()
    request.save()
    notify(
        recipient=recipient,
        kind="message_request",
        key=f"message_request:{request.pk}",
        context={"name": _name(sender), "purpose": request.get_purpose_display()},
        url=reverse("messaging:requests"),
    )
    live.bump(recipient.pk, sender.pk)
    return request


def _lock_request(request: MessageRequest, user: User) -> MessageRequest:
    row = MessageRequest.objects.select_for_update().filter(pk=request.pk).first()
    if row is None or row.recipient_id != user.pk or row.status != MessageRequest.Status.PENDING:
        raise CannotMessage("This request has already been answered.")
    return row


def _forget_request_notification(request: MessageRequest) -> None:
    Notification.objects.filter(key=f"message_request:{request.pk}").delete()


@transaction.atomic
def message_request_accept(*, request: MessageRequest, user: User) -> Conversation:
    """The recipient accepts: the conversation opens with the request's message as its
    first message, and the sender can write freely from now on."""
    sender = User.objects.get(pk=request.sender_id)
    _lock_pair(sender, user)
    row = _lock_request(request, user)
    _check_reachable(user, sender)
    conversation = _conversation_for(sender, user)
    message = _append(conversation, sender, row.body, created_at=row.created_at)
    row.status = MessageRequest.Status.ACCEPTED
    row.decided_at = timezone.now()
    row.conversation = conversation
    row.save(update_fields=["status", "decided_at", "conversation"])
    _forget_request_notification(row)
    notify(
        recipient=sender,
        kind="message_request_accepted",
        key=f"message_request_accepted:{row.pk}",
        context={"name": _name(user)},
        url=reverse("messaging:conversation", args=[conversation.pk]),
    )
    _mark_read(conversation, user, message.pk)
    return conversation


@transaction.atomic
def message_request_decline(*, request: MessageRequest, user: User) -> None:
    """The recipient declines. The sender is not told (their side never changes)."""
    row = _lock_request(request, user)
    row.status = MessageRequest.Status.DECLINED
    row.decided_at = timezone.now()
    row.save(update_fields=["status", "decided_at"])
    _forget_request_notification(row)
    live.bump(user.pk)


# --- Messages -----------------------------------------------------------------------------


def _append(conversation: Conversation, sender: User, body: str, created_at=None) -> Message:
    message = Message(
        conversation=conversation,
        sender=sender,
        body=body.strip(),
        created_at=created_at or timezone.now(),
    )
    message.full_clean()
    message.save()
    side = conversation.side(sender)
    other = "b" if side == "a" else "a"
    conversation.last_message = message
    conversation.last_message_at = message.created_at
    setattr(conversation, f"{side}_read_up_to", message.pk)
    setattr(conversation, f"{side}_unread_since", None)
    if getattr(conversation, f"{other}_unread_since") is None:
        setattr(conversation, f"{other}_unread_since", message.created_at)
    conversation.save(
        update_fields=[
            "last_message",
            "last_message_at",
            f"{side}_read_up_to",
            f"{side}_unread_since",
            f"{other}_unread_since",
        ]
    )
    live.bump(conversation.user_a_id, conversation.user_b_id)
    return message


def _check_message_limit(sender: User, conversation: Conversation) -> None:
    allowed = limit("messages_per_minute")
    now = timezone.now()
    recent = list(
        Message.objects.filter(
            conversation=conversation, sender=sender, created_at__gt=now - timedelta(minutes=1)
        )
        .order_by("-id")
        .values_list("created_at", flat=True)[:allowed]
    )
    if len(recent) >= allowed:
        retry_at = recent[-1] + timedelta(minutes=1)
        seconds = max(1, int((retry_at - now).total_seconds()) + 1)
        raise RateLimited(
            f"That is a lot of messages in a minute. You can send again in {seconds} "
            f"second{'s' if seconds != 1 else ''}; your message is still here.",
            retry_at,
        )


@transaction.atomic
def message_send(*, sender: User, conversation: Conversation, body: str) -> Message:
    """Send a message in a conversation. Refused when the sender is not one of its two
    people, either is not in good standing or they are blocked either way
    (Unavailable), and past the per-minute limit (RateLimited). The client-identifier
    check is the page's: it warns, it never blocks, so it is not here."""
    if not conversation.involves(sender):
        raise Unavailable("No such conversation.")
    other = User.objects.get(pk=conversation.other_id_for(sender))
    _lock_pair(sender, other)
    _check_reachable(sender, other)
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    _check_message_limit(sender, conversation)
    return _append(conversation, sender, body)


@transaction.atomic
def message_delete(*, message: Message, user: User) -> Message:
    """The sender deletes their own message: the other person sees a tombstone where it
    was. The text stays for the moderators only."""
    if message.sender_id != user.pk:
        raise CannotMessage("You can delete only your own messages.")
    if message.deleted_at is None:
        message.deleted_at = timezone.now()
        message.save(update_fields=["deleted_at"])
        conversation = message.conversation
        live.bump(conversation.user_a_id, conversation.user_b_id)
    return message


def _mark_read(conversation: Conversation, user: User, up_to: int) -> None:
    side = conversation.side(user)
    updated = Conversation.objects.filter(pk=conversation.pk).filter(
        **{f"{side}_read_up_to__lt": up_to}
    )
    fields = {f"{side}_read_up_to": up_to}
    if up_to >= (conversation.last_message_id or 0):
        fields[f"{side}_unread_since"] = None
    if updated.update(**fields):
        live.bump(user.pk)
        for name, value in fields.items():
            setattr(conversation, name, value)


@transaction.atomic
def conversation_mark_read(*, conversation: Conversation, user: User) -> None:
    """`user` has seen the conversation up to its newest message (as stored now: the
    instance in hand may predate a message)."""
    newest = (
        Conversation.objects.filter(pk=conversation.pk)
        .values_list("last_message_id", flat=True)
        .first()
    )
    if newest:
        conversation.last_message_id = newest
        _mark_read(conversation, user, newest)


# --- The unread-messages email --------------------------------------------------------------


@dataclass
class _Unread:
    conversation: Conversation
    side: str


def messages_unread_email_send(*, now: datetime | None = None) -> int:
    """Tell each member who left messages unread for 15 minutes or more, in one email
    listing every conversation with messages they have not been told about yet (never
    one email per message). Returns how many members were notified.

    Exactly once: the notification's key names the newest message it covers, so the
    same unread state yields the same key whichever worker (or retry) gets there; the
    `<side>_emailed_up_to` marks advance in the same transaction, so the next email
    covers only newer messages. Members' preferences, quiet hours, digests and
    unsubscribe are the notifications app's, through notify().
    """
    now = now or timezone.now()
    cutoff = now - UNREAD_EMAIL_DELAY
    by_member: dict[int, list[_Unread]] = {}
    for side in ("a", "b"):
        rows = Conversation.objects.filter(
            **{
                f"{side}_unread_since__lte": cutoff,
                "last_message_id__gt": models.F(f"{side}_emailed_up_to"),
            }
        ).filter(last_message_id__gt=models.F(f"{side}_read_up_to"))
        for conversation in rows.only(
            "id", "user_a_id", "user_b_id", "last_message_id", "last_message_at"
        ):
            member = getattr(conversation, f"user_{side}_id")
            by_member.setdefault(member, []).append(_Unread(conversation, side))
    if not by_member:
        return 0
    recipients = User.objects.in_good_standing().in_bulk(list(by_member))
    names = dict(
        User.objects.filter(
            pk__in={u.conversation.other_id_for(m) for m, rows in by_member.items() for u in rows}
        ).values_list("pk", "profile__display_name")
    )
    sent = 0
    for member_id, unread in by_member.items():
        recipient = recipients.get(member_id)
        if recipient is None:
            continue
        sent += _unread_email_one(recipient, unread, names)
    return sent


@transaction.atomic
def _unread_email_one(recipient: User, unread: list[_Unread], names: dict[int, str]) -> int:
    # Blocked pairs are not listed: their conversation does not exist for the member.
    open_ids = set(
        Conversation.objects.open_to(recipient)
        .filter(pk__in=[u.conversation.pk for u in unread])
        .values_list("pk", flat=True)
    )
    listed = [u for u in unread if u.conversation.pk in open_ids]
    if not listed:
        return 0
    newest = max(u.conversation.last_message_id for u in listed)
    notify(
        recipient=recipient,
        kind="messages_unread",
        key=f"messages_unread:{recipient.pk}:{newest}",
        context={
            "conversations": [
                {
                    "name": names.get(u.conversation.other_id_for(recipient)) or "A member",
                    "link": absolute_url(
                        reverse("messaging:conversation", args=[u.conversation.pk])
                    ),
                }
                for u in sorted(listed, key=lambda u: u.conversation.last_message_at, reverse=True)
            ]
        },
        url=reverse("messaging:inbox"),
    )
    # One UPDATE per side, however many conversations the email lists: each row gets
    # the newest message as the sweep read it (one arriving since is told next time).
    for side in ("a", "b"):
        marks = {
            u.conversation.pk: u.conversation.last_message_id for u in listed if u.side == side
        }
        if marks:
            told = models.Case(
                *(models.When(pk=pk, then=models.Value(mark)) for pk, mark in marks.items()),
                output_field=models.BigIntegerField(),
            )
            Conversation.objects.filter(pk__in=marks).update(**{f"{side}_emailed_up_to": told})
    return 1


# --- Reports and moderation -------------------------------------------------------------------


class ModeratorOnly(CannotMessage):
    """Only staff with two-factor sign-in act on reports."""


@transaction.atomic
def report_create(
    *,
    reporter: User,
    reason: str,
    note: str = "",
    message: Message | None = None,
    conversation: Conversation | None = None,
    reported: User | None = None,
) -> Report:
    """Report a message, a conversation or a member's profile to the moderators. The
    caller has checked the reporter may see it (access_conversation / access_profile)."""
    if message is not None:
        subject, reported_id, conversation = (
            Report.Subject.MESSAGE,
            message.sender_id,
            message.conversation,
        )
        if message.sender_id == reporter.pk:
            raise CannotMessage("You cannot report your own message.")
    elif conversation is not None:
        subject, reported_id = Report.Subject.CONVERSATION, conversation.other_id_for(reporter)
    elif reported is not None:
        subject, reported_id = Report.Subject.PROFILE, reported.pk
    else:
        raise CannotMessage("Say what you are reporting.")
    report = Report(
        reporter=reporter,
        reported_id=reported_id,
        subject=subject,
        message=message,
        conversation=conversation,
        reason=reason,
        note=note.strip(),
    )
    report.full_clean()
    report.save()
    return report


def _require_moderator(moderator: User) -> None:
    if not moderator.is_staff:
        raise ModeratorOnly("Only moderators act on reports.")
    if not moderator.has_two_factor:
        raise ModeratorOnly("Turn on two-factor authentication before acting on reports.")


def _close(report: Report, moderator: User, outcome: str, note: str, action: str) -> Report:
    row = Report.objects.select_for_update().get(pk=report.pk)
    if not row.is_open:
        raise CannotMessage("This report has already been handled.")
    row.outcome = outcome
    row.handled_at = timezone.now()
    row.handled_by = moderator
    row.moderator_note = note.strip()
    row.full_clean()
    row.save(update_fields=["outcome", "handled_at", "handled_by", "moderator_note"])
    audit_record(
        action=action,
        subject=User.objects.get(pk=row.reported_id),
        actor=moderator,
        reason=note.strip(),
        data={"report": row.pk, "outcome": outcome, "message": row.message_id},
    )
    # The reporter learns it was handled, not how.
    notify(
        recipient=User.objects.get(pk=row.reporter_id),
        kind="report_handled",
        key=f"report_handled:{row.pk}",
        context={},
        url="",
    )
    return row


@transaction.atomic
def report_dismiss(*, report: Report, moderator: User, note: str = "") -> Report:
    """Nothing to act on."""
    _require_moderator(moderator)
    return _close(
        report, moderator, Report.Outcome.DISMISSED, note, AuditEvent.Action.REPORT_DISMISSED
    )


@transaction.atomic
def report_warn(*, report: Report, moderator: User, note: str) -> Report:
    """Warn the reported member: `note` reaches them as a message from the moderators."""
    _require_moderator(moderator)
    if not note.strip():
        raise CannotMessage("Write the warning the member will read.")
    row = _close(report, moderator, Report.Outcome.WARNED, note, AuditEvent.Action.MEMBER_WARNED)
    notify(
        recipient=User.objects.get(pk=row.reported_id),
        kind="moderator_warning",
        key=f"moderator_warning:{row.pk}",
        context={"text": row.moderator_note},
        url="",
    )
    return row


@transaction.atomic
def report_remove_message(*, report: Report, moderator: User, note: str = "") -> Report:
    """Remove the reported message: both people see a tombstone "removed by the
    moderators"; the text is kept for the record."""
    _require_moderator(moderator)
    if report.message_id is None:
        raise CannotMessage("This report is not about a message.")
    row = _close(report, moderator, Report.Outcome.REMOVED, note, AuditEvent.Action.MESSAGE_REMOVED)
    message = Message.objects.select_related("conversation").get(pk=row.message_id)
    message.deleted_at = message.deleted_at or timezone.now()
    message.removed_by_moderators = True
    message.save(update_fields=["deleted_at", "removed_by_moderators"])
    live.bump(message.conversation.user_a_id, message.conversation.user_b_id)
    return row


@transaction.atomic
def report_suspend(*, report: Report, moderator: User, note: str) -> Report:
    """Suspend the reported member through the vetting's suspension transition (which
    audits the suspension itself); the report records it as its outcome."""
    _require_moderator(moderator)
    application = Application.objects.filter(user_id=report.reported_id).first()
    if application is None:
        raise CannotMessage("This member has no application to suspend: use the admin.")
    application_suspend(application=application, reviewer=moderator, reason=note)
    return _close(
        report, moderator, Report.Outcome.SUSPENDED, note, AuditEvent.Action.REPORT_SUSPENDED
    )
