"""What happens in a consultation group's sessions: the organizer moves or cancels one,
members answer whether they come, presenters swap, tick the de-identification
checklist and are reminded, members recuse themselves privately, notes are kept, and
the group's discussion goes on. Each write checks who may make it."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone

from groups.models import CHECKLIST, Group, Membership, Post, Recusal, Rsvp, Session, Swap
from groups.schedule import rota_assign, sessions_generate
from groups.services import require_organizer, session_url
from members.models import User
from notifications.services import Notice, notify, notify_many

REMINDER_DAYS = 3  # the presenter is reminded this many days before


def _members_to_tell(session: Session):
    return (
        Membership.objects.filter(group=session.group)
        .with_current_agreement()
        .select_related("member")
    )


@transaction.atomic
def session_move(*, session: Session, by: User, starts_at: datetime) -> Session:
    """The organizer moves one session; members are told."""
    require_organizer(session.group, by)
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
    require_organizer(session.group, by)
    if session.cancelled:
        return session
    session.status = Session.Status.CANCELLED
    session.sequence += 1
    session.updated_at = timezone.now()
    session.save(update_fields=["status", "sequence", "updated_at"])
    _tell_change(session)
    return session


def _tell_change(session: Session) -> None:
    context = {
        "group": session.group.name,
        "starts_at": session.starts_at.isoformat(),
        "cancelled": session.cancelled,
    }
    notify_many(
        kind="group_session_changed",
        notices=[
            Notice(
                recipient=membership.member,
                key=f"group_session_changed:{session.pk}:{session.sequence}:{membership.member_id}",
                context=context,
                url=session_url(session),
            )
            for membership in _members_to_tell(session)
            if membership.member_id != session.group.organizer_id
        ],
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
        url=session_url(session),
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
                url=session_url(session),
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
