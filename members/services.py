"""Writes in the members app that enforce a rule or leave a record."""

from __future__ import annotations

from datetime import timedelta

from allauth.account.adapter import get_adapter
from allauth.usersessions.adapter import get_adapter as sessions_adapter
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone

from hive.timezones import validate_timezone
from members.devices import device_name
from members.directory import profile_refresh_search
from members.models import (
    AuditEvent,
    Block,
    CalendarToken,
    Connection,
    ConnectionTag,
    DualRelationship,
    FollowUp,
    HandleRedirect,
    Profile,
    User,
    blocked_between,
    validate_handle,
)
from notifications.models import Notification
from notifications.services import Notice, notify, notify_many


def _client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    try:
        # allauth's view of the client address honours ALLAUTH_TRUSTED_PROXY_COUNT.
        return get_adapter(request).get_client_ip(request)
    except PermissionDenied:
        return None


_SUBJECT = object()


def audit_record(
    *,
    action: str,
    subject: User | None,
    actor: User | None | object = _SUBJECT,
    request: HttpRequest | None = None,
    reason: str = "",
    data: dict | None = None,
) -> AuditEvent:
    """Append one security-relevant event to the audit log.

    `actor` is who did it: by default the subject themself; None when nobody known did
    (a failed login); a staff member for decisions taken about someone else.
    """
    return AuditEvent.objects.create(
        action=action,
        subject=subject,
        actor=subject if actor is _SUBJECT else actor,
        reason=reason,
        ip_address=_client_ip(request),
        data=data or {},
    )


# --- Signed-in devices -----------------------------------------------------------------


def sessions_end(*, request: HttpRequest, sessions: list) -> int:
    """Log `request.user` out of the given devices (allauth UserSessions of theirs),
    never the one this request comes from (that is "Log out"). Audited with the
    devices' names. Returns how many were ended."""
    user = request.user
    ending = [s for s in sessions if s.user_id == user.pk and not s.is_current()]
    if not ending:
        return 0
    sessions_adapter().end_sessions(ending)
    audit_record(
        action=AuditEvent.Action.SESSIONS_ENDED,
        subject=user,
        request=request,
        data={"devices": [device_name(s.user_agent) for s in ending]},
    )
    return len(ending)


# --- Connections and blocks ----------------------------------------------------------------
#
# Every write here first locks the two people's user rows, lower id first. Requests and
# blocks for one pair therefore run one after the other: two members asking each other at
# the same moment end up connected (the second finds the first's request and accepts it),
# and a request racing a block cannot slip in after it. Changes to an existing connection
# also lock that row and re-check its state, so a withdrawal and an acceptance cannot both
# win.


class NotAvailable(Http404):
    """The other person does not exist for this user (blocked either way, or not a member).

    A 404 on purpose: saying "blocked" would tell a blocked member who blocked them.
    Views may let it propagate (Django answers 404) or catch it to say so in a fragment.
    """


class NotAllowed(Exception):
    """The action does not apply to this connection in its current state, or not to this
    user (accepting your own request, withdrawing someone else's, …)."""


def _lock_pair(a: User, b: User) -> None:
    list(User.objects.select_for_update().filter(pk__in=[a.pk, b.pk]).order_by("pk"))


def _lock(connection: Connection) -> Connection:
    """The connection's current row, locked; NotAllowed if it is gone meanwhile."""
    row = Connection.objects.select_for_update().filter(pk=connection.pk).first()
    if row is None:
        raise NotAllowed("This request or connection no longer exists.")
    return row


def _name(user: User) -> str:
    profile = getattr(user, "profile", None)
    return profile.display_name if profile is not None else "A member"


def _forget_notifications(connection: Connection) -> None:
    """A request that is gone (declined, withdrawn, ended by a block) should not linger
    in the notification centre, nor be emailed if the email has not gone yet."""
    Notification.objects.filter(
        key__in=[f"connection_request:{connection.pk}", f"connection_accepted:{connection.pk}"]
    ).delete()


def _accept(connection: Connection) -> Connection:
    connection.status = Connection.Status.ACCEPTED
    connection.accepted_at = timezone.now()
    connection.full_clean()
    connection.save(update_fields=["status", "accepted_at"])
    # Answered: the request's notification needs nothing more from the member.
    Notification.objects.filter(
        key=f"connection_request:{connection.pk}", read_at__isnull=True
    ).update(read_at=connection.accepted_at)
    requester = User.objects.get(pk=connection.requested_by_id)
    accepter = User.objects.select_related("profile").get(pk=connection.recipient_id)
    notify(
        recipient=requester,
        kind="connection_accepted",
        key=f"connection_accepted:{connection.pk}",
        context={"name": _name(accepter)},
        url=reverse("members:profile", args=[accepter.profile.handle])
        if hasattr(accepter, "profile")
        else reverse("members:connections"),
    )
    return connection


@transaction.atomic
def connection_request(*, sender: User, recipient: User, note: str = "") -> Connection:
    """Ask `recipient` to connect, with an optional short note, and notify them.

    If `recipient` had already asked `sender`, this accepts their request instead.
    Raises NotAvailable when the two are blocked either way or the recipient is not a
    member in good standing, NotAllowed for oneself, a non-member sender, or when a
    request or connection already exists.
    """
    if sender.pk == recipient.pk:
        raise NotAllowed("You cannot connect with yourself.")
    if not sender.is_member:
        raise NotAllowed("Only members can connect.")
    _lock_pair(sender, recipient)
    recipient.refresh_from_db(fields=["is_active", "membership_status"])
    if not recipient.is_member or blocked_between(sender, recipient):
        raise NotAvailable("No such member.")
    existing = Connection.objects.select_for_update().between(sender, recipient).first()
    if existing is not None:
        if existing.status == Connection.Status.ACCEPTED:
            raise NotAllowed("You are already connected.")
        if existing.requested_by_id == sender.pk:
            raise NotAllowed("You have already asked to connect.")
        return _accept(existing)
    connection = Connection.for_pair(sender, recipient, requested_by=sender, note=note.strip())
    connection.full_clean()
    connection.save()
    notify(
        recipient=recipient,
        kind="connection_request",
        key=f"connection_request:{connection.pk}",
        context={"name": _name(sender), "note": connection.note},
        url=reverse("members:connections"),
    )
    return connection


@transaction.atomic
def connection_accept(*, connection: Connection, user: User) -> Connection:
    """The person asked accepts a request; the sender is notified."""
    row = _lock(connection)
    if row.status != Connection.Status.REQUESTED or row.recipient_id != user.pk:
        raise NotAllowed("Only the member who was asked can accept a request.")
    return _accept(row)


@transaction.atomic
def connection_decline(*, connection: Connection, user: User) -> None:
    """The person asked declines: the request is deleted and the sender is not told."""
    row = _lock(connection)
    if row.status != Connection.Status.REQUESTED or row.recipient_id != user.pk:
        raise NotAllowed("Only the member who was asked can decline a request.")
    _forget_notifications(row)
    row.delete()


@transaction.atomic
def connection_withdraw(*, connection: Connection, user: User) -> None:
    """The sender takes back a request that has not been answered yet."""
    row = _lock(connection)
    if row.status != Connection.Status.REQUESTED or row.requested_by_id != user.pk:
        raise NotAllowed("Only the sender can withdraw a request, and only while it is open.")
    _forget_notifications(row)
    row.delete()


@transaction.atomic
def connection_remove(*, connection: Connection, user: User) -> None:
    """Either member ends an accepted connection (quietly: nobody is notified)."""
    row = _lock(connection)
    if row.status != Connection.Status.ACCEPTED or not row.involves(user):
        raise NotAllowed("Only one of the two members can remove a connection.")
    row.delete()


@transaction.atomic
def block_create(*, blocker: User, blocked: User) -> Block:
    """Block a person: from now on neither exists for the other. Also deletes any
    connection or request between them. Blocking again is harmless (returns the block)."""
    if blocker.pk == blocked.pk:
        raise NotAllowed("You cannot block yourself.")
    _lock_pair(blocker, blocked)
    for row in Connection.objects.select_for_update().between(blocker, blocked):
        _forget_notifications(row)
        row.delete()
    block = Block.objects.filter(blocker=blocker, blocked=blocked).first()
    if block is None:
        block = Block(blocker=blocker, blocked=blocked)
        block.full_clean()
        block.save()
    return block


@transaction.atomic
def block_remove(*, blocker: User, blocked: User) -> None:
    """Lift a block. Only the member who blocked can; a block the other side made stays.
    A removed connection is not restored."""
    _lock_pair(blocker, blocked)
    deleted, _ = Block.objects.filter(blocker=blocker, blocked=blocked).delete()
    if not deleted:
        raise NotAllowed("You have not blocked this member.")


@transaction.atomic
def dual_relationship_set(*, member: User, other: User, kind: str) -> DualRelationship:
    """`member` privately declares a relationship with `other` (or asks not to be
    introduced). The two are then never suggested to each other; `other` is never told.
    Declaring again changes the kind."""
    relationship = DualRelationship(member=member, other=other, kind=kind)
    # As for dismissals: replace, validate, then upsert (a double click is harmless).
    DualRelationship.objects.filter(member=member, other=other).delete()
    relationship.full_clean()
    DualRelationship.objects.bulk_create(
        [relationship],
        update_conflicts=True,
        unique_fields=["member", "other"],
        update_fields=["kind"],
    )
    return relationship


@transaction.atomic
def dual_relationship_remove(*, member: User, other: User) -> bool:
    """Withdraw `member`'s declaration about `other`; whether there was one. A
    declaration `other` made about `member` stays: it is theirs."""
    deleted, _ = DualRelationship.objects.filter(member=member, other=other).delete()
    return bool(deleted)


@transaction.atomic
def connection_tag_set(
    *, owner: User, connection: Connection, type: str, strength: int, importance: int
) -> ConnectionTag:
    """`owner` privately tags one of their accepted connections (type, strength and
    importance 1–5); tagging again changes it. Nobody else ever sees it."""
    if connection.status != Connection.Status.ACCEPTED or not connection.involves(owner):
        raise NotAllowed("You can tag only your own connections.")
    tag = ConnectionTag.objects.filter(owner=owner, connection=connection).first() or ConnectionTag(
        owner=owner, connection=connection
    )
    tag.type, tag.strength, tag.importance = type, strength, importance
    tag.updated_at = timezone.now()
    tag.full_clean()
    tag.save()
    return tag


# --- Follow-up reminders ------------------------------------------------------------------

FOLLOW_UP_WEEKS = (1, 26)  # the choices offered: one week to six months


@transaction.atomic
def follow_up_set(
    *,
    owner: User,
    other: User,
    weeks: int,
    source: str = FollowUp.Source.NETWORK,
    about: str = "",
) -> FollowUp:
    """Remind `owner` to follow up with `other` in `weeks` weeks (counted from the
    owner's own today). Setting it again for the same person moves the date, so every
    app that offers "remind me to follow up" (coffee dates, events, the network page)
    shares one reminder per pair. NotAvailable (a 404) if `other` is not someone the
    owner can reach; ValidationError on "weeks" outside 1–26."""
    low, high = FOLLOW_UP_WEEKS
    if not low <= weeks <= high:
        raise ValidationError({"weeks": f"Choose between {low} and {high} weeks."})
    if other.pk == owner.pk or not other.is_member or blocked_between(owner, other):
        raise NotAvailable()
    _lock_pair(owner, other)
    follow_up = FollowUp.objects.pending().filter(owner=owner, other=other).first() or FollowUp(
        owner=owner, other=other
    )
    follow_up.due_on = timezone.now().astimezone(owner.zone).date() + timedelta(weeks=weeks)
    follow_up.source = source
    follow_up.about = about[:200]
    follow_up.full_clean()
    follow_up.save()
    return follow_up


@transaction.atomic
def follow_up_cancel(*, owner: User, follow_up_id: int) -> None:
    """Drop one of `owner`'s pending reminders; anyone else's is a 404."""
    deleted, _ = FollowUp.objects.pending().filter(owner=owner, pk=follow_up_id).delete()
    if not deleted:
        raise NotAvailable()


# --- Profiles ------------------------------------------------------------------------------


@transaction.atomic
def profile_change_handle(*, profile: Profile, new_handle: str) -> Profile:
    """Give `profile` a new handle and keep the old one as a redirect to it.

    The new handle must have the right shape, not be reserved, and be free: neither
    another profile's handle nor one another profile used before (old links keep
    pointing at the person who shared them). Going back to one of your own old handles
    is allowed; its redirect is then dropped. Raises ValidationError on "handle".
    Choosing the current handle again changes nothing.
    """
    new_handle = new_handle.strip().lower()
    profile = Profile.objects.select_for_update().get(pk=profile.pk)
    if new_handle == profile.handle:
        return profile
    try:
        validate_handle(new_handle)
    except ValidationError as error:
        raise ValidationError({"handle": error.messages}) from None
    # Current handles first, then old ones: a concurrent change that frees a handle
    # commits its redirect in the same transaction, so one of the two checks sees it.
    if Profile.objects.filter(handle=new_handle).exclude(pk=profile.pk).exists():
        raise ValidationError({"handle": "That handle is taken: please choose another."})
    if HandleRedirect.objects.filter(old_handle=new_handle).exclude(profile=profile).exists():
        raise ValidationError(
            {"handle": "That handle belonged to another member before: please choose another."}
        )
    HandleRedirect.objects.filter(old_handle=new_handle, profile=profile).delete()
    HandleRedirect.objects.create(old_handle=profile.handle, profile=profile)
    profile.handle = new_handle
    profile.full_clean()
    profile.save(update_fields=["handle", "updated_at"])
    return profile


@transaction.atomic
def profile_update(
    *,
    profile: Profile,
    fields,
    new_handle: str | None = None,
    term_ids=None,
) -> Profile:
    """Save a member's edits to their profile (the given fields, optionally a new handle
    and their taxonomy terms), and refresh their directory search document, which
    depends on names, texts, terms and visibility."""
    if new_handle is not None:
        profile.handle = profile_change_handle(profile=profile, new_handle=new_handle).handle
    profile.full_clean()
    update = [*fields, "updated_at"] + (["handle"] if new_handle is not None else [])
    profile.save(update_fields=update)
    if term_ids is not None:
        profile.terms.set(term_ids)
    profile_refresh_search([profile.pk])
    return profile


@transaction.atomic
def profile_save(
    *,
    profile: Profile,
    fields,
    new_handle: str | None = None,
    term_ids=None,
    timezone_name: str | None = None,
) -> Profile:
    """The profile editor's save: the profile (`profile_update`) and, when given, the
    member's time zone, together or not at all."""
    profile_update(profile=profile, fields=fields, new_handle=new_handle, term_ids=term_ids)
    if timezone_name is not None:
        member_timezone_set(user=profile.user, timezone_name=timezone_name)
    return profile


def member_timezone_set(*, user: User, timezone_name: str) -> None:
    """The zone every time is shown in for `user` (pages, emails, calendar files)."""
    validate_timezone(timezone_name)
    if user.timezone != timezone_name:
        user.timezone = timezone_name
        user.save(update_fields=["timezone"])


def two_factor_reminders_send() -> int:
    """Weekly: nudge members in good standing who have not turned on two-factor sign-in.
    One per member per ISO week, whatever the schedule does (the key says which week)."""
    year, week, _ = timezone.now().isocalendar()
    users = User.objects.in_good_standing().without_two_factor().order_by("pk")
    url = reverse("mfa_index")
    sent, chunk = 0, []
    for user in users.iterator(chunk_size=500):
        chunk.append(user)
        if len(chunk) == 500:
            sent += _two_factor_remind(chunk, f"{year}-W{week:02d}", url)
            chunk = []
    return sent + _two_factor_remind(chunk, f"{year}-W{week:02d}", url)


def _two_factor_remind(users: list[User], week: str, url: str) -> int:
    """One notify_many() (its own transaction) for a chunk of the weekly reminders."""
    notify_many(
        kind="two_factor_reminder",
        notices=[
            Notice(recipient=user, key=f"two_factor_reminder:{user.pk}:{week}", url=url)
            for user in users
        ],
    )
    return len(users)


@transaction.atomic
def calendar_token_regenerate(*, user: User) -> CalendarToken:
    """Give `user` a new secret feed address; the old one (if any) stops working now."""
    CalendarToken.objects.filter(user=user).delete()
    token = CalendarToken(user=user)
    token.full_clean()
    token.save()
    return token


@transaction.atomic
def calendar_token_revoke(*, user: User) -> bool:
    """Turn `user`'s private feed off: its address answers 404 from now on."""
    deleted, _ = CalendarToken.objects.filter(user=user).delete()
    return bool(deleted)
