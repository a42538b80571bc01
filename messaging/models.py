"""Conversations between two members, their messages, message requests from people who
are not connected, and members' reports to the moderators.

Writes go through messaging/services.py; who may open a conversation is
messaging/access.py. Addresses are UUIDs: a conversation's or a request's id says
nothing about how many there are, and cannot be guessed.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone

from members.models import User

MAX_BODY = 4000
# When a conversation was last active: its last message, else when it was opened. The
# inbox's order, and its indexes'.
ACTIVITY = Coalesce(models.F("last_message_at"), models.F("created_at"))


def _pk(user_or_id) -> int:
    return getattr(user_or_id, "pk", user_or_id)


class ConversationQuerySet(models.QuerySet):
    def involving(self, user) -> ConversationQuerySet:
        return self.filter(models.Q(user_a=user) | models.Q(user_b=user))

    def between(self, a, b) -> ConversationQuerySet:
        low, high = sorted([_pk(a), _pk(b)])
        return self.filter(user_a_id=low, user_b_id=high)

    def open_to(self, user, *, side: str | None = None) -> ConversationQuerySet:
        """`user`'s conversations that exist for them now: the other person is a member
        in good standing and neither blocked the other (the rules of members, asked in
        one EXISTS). A conversation hidden by a block comes back when the block is
        lifted: nothing is deleted.

        `side` ("a" or "b") keeps only those where `user` is that side: a plain
        `user_a_id = me` can be read along an index in activity order and stop after a
        page (the inbox), where the OR of both sides makes PostgreSQL fetch and sort
        all of a member's conversations."""
        pk = _pk(user)
        reachable = (
            User.objects.in_good_standing().visible_to(user).filter(pk=models.OuterRef("other_id"))
        )
        if side is None:
            rows = self.involving(pk).annotate(
                other_id=models.Case(
                    models.When(user_a_id=pk, then=models.F("user_b_id")),
                    default=models.F("user_a_id"),
                )
            )
        else:
            other = {"a": "b", "b": "a"}[side]
            rows = self.filter(**{f"user_{side}_id": pk}).annotate(
                other_id=models.F(f"user_{other}_id")
            )
        return rows.filter(models.Exists(reachable))

    def unread_by(self, user) -> ConversationQuerySet:
        """Conversations with a message `user` has not read."""
        pk = _pk(user)
        return self.filter(
            models.Q(user_a_id=pk, last_message_id__gt=models.F("a_read_up_to"))
            | models.Q(user_b_id=pk, last_message_id__gt=models.F("b_read_up_to"))
        )


class Conversation(models.Model):
    """A 1:1 conversation. The two people are stored in id order (user_a < user_b), so
    there is one conversation per pair whoever started it.

    Read state is per side: `<side>_read_up_to` is the id of the newest message that
    side has read (their own messages count as read), `<side>_unread_since` when the
    oldest message they have not read arrived (None when they are up to date), and
    `<side>_emailed_up_to` the newest message an unread-messages email has told them
    about, so one email never repeats another.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user_a = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    user_b = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    last_message = models.ForeignKey(
        "Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_message_at = models.DateTimeField(null=True, blank=True)
    a_read_up_to = models.BigIntegerField(default=0)
    b_read_up_to = models.BigIntegerField(default=0)
    a_unread_since = models.DateTimeField(null=True, blank=True)
    b_unread_since = models.DateTimeField(null=True, blank=True)
    a_emailed_up_to = models.BigIntegerField(default=0)
    b_emailed_up_to = models.BigIntegerField(default=0)

    objects = ConversationQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user_a", "user_b"],
                name="%(app_label)s_%(class)s_one_per_pair",
                violation_error_message="These two members already have a conversation.",
            ),
            models.CheckConstraint(
                condition=models.Q(user_a__lt=models.F("user_b")),
                name="%(app_label)s_%(class)s_pair_ordered",
                violation_error_message="A conversation joins two different members, stored "
                "in id order.",
            ),
        ]
        indexes = [
            # The inbox: each side's conversations in the inbox's order (ACTIVITY, then
            # id, newest first), so a page is read off the index and the scan stops there.
            models.Index(
                models.F("user_a"),
                ACTIVITY.desc(),
                models.F("id").desc(),
                name="messaging_conv_a_activity",
            ),
            models.Index(
                models.F("user_b"),
                ACTIVITY.desc(),
                models.F("id").desc(),
                name="messaging_conv_b_activity",
            ),
            # The unread-email sweep looks only at sides with something unread.
            models.Index(
                fields=["a_unread_since"],
                condition=models.Q(a_unread_since__isnull=False),
                name="messaging_conv_a_unread",
            ),
            models.Index(
                fields=["b_unread_since"],
                condition=models.Q(b_unread_since__isnull=False),
                name="messaging_conv_b_unread",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_a_id}–{self.user_b_id}"

    @classmethod
    def for_pair(cls, a, b) -> Conversation:
        low, high = sorted([a, b], key=_pk)
        return cls(user_a=low, user_b=high)

    def involves(self, user) -> bool:
        return _pk(user) in (self.user_a_id, self.user_b_id)

    def side(self, user) -> str:
        """ "a" or "b": which of the two `user` is (ValueError for anyone else)."""
        pk = _pk(user)
        if pk == self.user_a_id:
            return "a"
        if pk == self.user_b_id:
            return "b"
        raise ValueError("Not a participant.")

    def other_id_for(self, user) -> int:
        return self.user_b_id if self.side(user) == "a" else self.user_a_id

    def read_up_to(self, user) -> int:
        return getattr(self, f"{self.side(user)}_read_up_to")

    def is_unread_by(self, user) -> bool:
        return self.last_message_id is not None and self.last_message_id > self.read_up_to(user)


class Message(models.Model):
    """One message: plain text. Deleting it (by its sender) or removing it (by the
    moderators) leaves a tombstone in its place for the other person; the text is kept
    for the moderators (a report can still show what was said) and shown to nobody else.
    """

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    sender = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    body = models.TextField(max_length=MAX_BODY, validators=[MaxLengthValidator(MAX_BODY)])
    created_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)
    removed_by_moderators = models.BooleanField(default=False)

    class Meta:
        indexes = [
            # A conversation's pages (keyset on id) and the per-minute limit.
            models.Index(fields=["conversation", "-id"], name="messaging_msg_conv_recent"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(removed_by_moderators=False)
                | models.Q(deleted_at__isnull=False),
                name="%(app_label)s_%(class)s_removed_is_deleted",
                violation_error_message="A message removed by the moderators records when.",
            ),
        ]

    def __str__(self) -> str:
        return f"message {self.pk} in {self.conversation_id}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class MessageRequest(models.Model):
    """A first message to someone one is not connected with. It waits in the
    recipient's request tray; the sender can send nothing more to them until it is
    accepted. Declining is silent: the sender is never told."""

    class Purpose(models.TextChoices):
        CONSULTATION = "consultation", "Consultation"
        REFERRAL = "referral", "Referral"
        COFFEE = "coffee", "Coffee"
        OTHER = "other", "Something else"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    sender = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    body = models.TextField(max_length=MAX_BODY, validators=[MaxLengthValidator(MAX_BODY)])
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                Least("sender", "recipient"),
                Greatest("sender", "recipient"),
                condition=models.Q(status="pending"),
                name="%(app_label)s_%(class)s_one_pending_per_pair",
                violation_error_message="There is already a message request between you two.",
            ),
            models.CheckConstraint(
                condition=~models.Q(sender=models.F("recipient")),
                name="%(app_label)s_%(class)s_not_self",
                violation_error_message="You cannot send yourself a message request.",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "status", "created_at"], name="messaging_req_tray"),
            models.Index(fields=["sender", "created_at"], name="messaging_req_sent"),
        ]

    def __str__(self) -> str:
        return f"request {self.sender_id} → {self.recipient_id} ({self.status})"


class Report(models.Model):
    """A member's report to the moderators about a message, a conversation or a
    profile. `reported` is the member it is about. Moderators see the reported thing
    with its context, never the reporter's other conversations."""

    class Subject(models.TextChoices):
        MESSAGE = "message", "A message"
        CONVERSATION = "conversation", "A conversation"
        PROFILE = "profile", "A profile"

    class Reason(models.TextChoices):
        HARASSMENT = "harassment", "Harassment"
        SPAM = "spam", "Spam or solicitation"
        CLIENT_INFO = "client_info", "Client-identifying information"
        UNPROFESSIONAL = "unprofessional", "Unprofessional conduct"
        OTHER = "other", "Something else"

    class Outcome(models.TextChoices):
        OPEN = "", "Open"
        DISMISSED = "dismissed", "Dismissed"
        WARNED = "warned", "Member warned"
        REMOVED = "removed", "Message removed"
        SUSPENDED = "suspended", "Member suspended"

    reporter = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    reported = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    subject = models.CharField(max_length=16, choices=Subject.choices)
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=16, choices=Reason.choices)
    note = models.TextField(max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default="", blank=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderator_note = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(outcome=""),
                name="messaging_report_open",
            ),
            models.Index(fields=["reported", "outcome"], name="messaging_report_reported"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(outcome="", handled_at__isnull=True)
                | (~models.Q(outcome="") & models.Q(handled_at__isnull=False)),
                name="%(app_label)s_%(class)s_handled_when_decided",
                violation_error_message="A handled report records when it was handled.",
            ),
            models.CheckConstraint(
                condition=~models.Q(reporter=models.F("reported")),
                name="%(app_label)s_%(class)s_not_self",
                violation_error_message="You cannot report yourself.",
            ),
        ]

    def __str__(self) -> str:
        return f"report {self.pk} about {self.reported_id} ({self.reason})"

    @property
    def is_open(self) -> bool:
        return self.outcome == ""
