"""A session's page and what members do there: RSVP, the presenter's checklist and
swap requests, recusal, notes; the organizer moves or cancels it. Only members who
accepted the group's current agreement reach any of it (groups.access)."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from groups import sessions
from groups.access import SessionAccess, access_group_content, access_session
from groups.forms import MoveForm, NotesForm
from groups.models import CHECKLIST, Membership, Recusal, Rsvp, Session, Swap
from groups.paging import UUID_KEY, before, cursor_for, parse_cursor
from hive.access import member_required
from hive.client_identifiers import find_client_identifiers
from members.markdown import render_bio
from members.models import User

PAST_PER_PAGE = 20


@member_required
@require_GET
def session_list(request: HttpRequest, group_slug: str) -> HttpResponse:
    """All of a group's sessions: the upcoming ones (about a quarter, as generated) and
    the past ones, newest first, in keyset pages of 20 (`?after=<cursor>`), so years
    of monthly sessions page as fast as the first. Members with the current agreement
    only."""
    access = access_group_content(request.user, group_slug)
    group = access.group
    now = timezone.now()
    past = (
        Session.objects.filter(group=group, ends_at__lte=now)
        .select_related("presenter__profile")
        .order_by("-starts_at", "-id")
    )
    cursor = parse_cursor(request.GET.get("after"), key=UUID_KEY)
    if cursor is not None:
        past = past.filter(before("starts_at", cursor))
    rows = list(past[: PAST_PER_PAGE + 1])
    more = len(rows) > PAST_PER_PAGE
    rows = rows[:PAST_PER_PAGE]
    visible = set(
        Membership.objects.filter(group=group)
        .active()
        .filter(member__in=User.objects.visible_to(request.user))
        .values_list("member_id", flat=True)
    )
    context = {
        "access": access,
        "group": group,
        "past": rows,
        "visible_ids": visible,
        "next_cursor": cursor_for(rows[-1].starts_at, rows[-1].pk) if more else "",
        "first_page": cursor is None,
    }
    if request.htmx and cursor is not None:
        return render(request, "groups/session_list.html#past", context)
    context["upcoming"] = (
        list(
            Session.objects.filter(group=group, ends_at__gt=now)
            .select_related("presenter__profile")
            .order_by("starts_at")
        )
        if cursor is None
        else []
    )
    return render(request, "groups/session_list.html", context)


def _back(access: SessionAccess) -> HttpResponse:
    return redirect("groups:session", access.group_access.group.slug, access.session.pk)


def _page(request: HttpRequest, access: SessionAccess, **extra) -> HttpResponse:
    session = access.session
    group = access.group_access.group
    viewer = request.user
    others = list(
        Membership.objects.filter(group=group)
        .active()
        .exclude(member=viewer)
        .filter(member__in=User.objects.visible_to(viewer))
        .select_related("member__profile")
        .order_by("status_changed_at")
    )
    rsvp = Rsvp.objects.filter(session=session, member=viewer).first()
    swaps = list(
        Swap.objects.filter(session=session, status=Swap.Status.PENDING).select_related(
            "asked__profile"
        )
    )
    context = {
        "access": access,
        "group": group,
        "session": session,
        "rsvp": rsvp.answer if rsvp else "",
        "answers": Rsvp.Answer.choices,
        "others": others,
        "presenter_visible": session.presenter_id is None
        or session.presenter_id == viewer.pk
        or any(m.member_id == session.presenter_id for m in others),
        "swap": swaps[0] if swaps else None,
        "checklist": [(key, label, key in session.checklist) for key, label in CHECKLIST],
        "notes_html": render_bio(session.notes) if access.sees_notes else "",
    }
    if access.sees_recusals:
        context["recusals"] = list(
            Recusal.objects.filter(session=session)
            .filter(member__in=User.objects.visible_to(viewer))
            .select_related("member__profile")
        )
    if access.group_access.is_organizer:
        context["rsvps"] = dict(_counts(session))
        context["move_form"] = extra.pop("move_form", None) or MoveForm(
            initial={"starts_at": session.starts_at}
        )
    if session.presenter_id == viewer.pk or access.group_access.is_organizer:
        context["notes_form"] = extra.pop("notes_form", None) or NotesForm(
            initial={"notes": session.notes}
        )
    context.update(extra)
    return render(request, "groups/session_detail.html", context)


def _counts(session):
    return Rsvp.objects.filter(session=session).values_list("answer").annotate(n=Count("id"))


@member_required
@require_GET
def session_detail(request: HttpRequest, group_slug: str, session_id) -> HttpResponse:
    """One session: when (in the viewer's zone), who presents, RSVPs, the checklist
    (presenter), recusals (presenter and organizer), notes (not for the recused)."""
    return _page(request, access_session(request.user, group_slug, session_id))


@member_required
@require_POST
def rsvp(request: HttpRequest, group_slug: str, session_id) -> HttpResponse:
    access = access_session(request.user, group_slug, session_id)
    answer = request.POST.get("answer", "")
    if answer not in Rsvp.Answer.values or access.session.cancelled:
        messages.error(request, "Choose yes, no or maybe.")
        return _back(access)
    sessions.rsvp_set(session=access.session, member=request.user, answer=answer)
    messages.success(request, "Thanks for letting the group know.")
    return _back(access)


@member_required
@require_POST
def checklist(request: HttpRequest, group_slug: str, session_id) -> HttpResponse:
    access = access_session(request.user, group_slug, session_id)
    if not access.is_presenter:
        raise Http404("Not your case.")
    session = sessions.checklist_tick(
        session=access.session, by=request.user, items=request.POST.getlist("item")
    )
    if session.checklist_done:
        messages.success(request, "Checklist complete. Thank you for protecting your client.")
    else:
        messages.info(request, "Saved. Tick every item before you present.")
    return _back(access)


@member_required
@require_POST
def recuse(request: HttpRequest, group_slug: str, session_id) -> HttpResponse:
    """“I may know this client”: step out of this case, privately (or step back in)."""
    access = access_session(request.user, group_slug, session_id)
    try:
        if request.POST.get("action") == "withdraw":
            sessions.recusal_withdraw(session=access.session, member=request.user)
            messages.success(request, "You are back in this case.")
        else:
            sessions.recusal_declare(session=access.session, member=request.user)
            messages.success(
                request,
                "Noted, privately: only the presenter and the organizer know. "
                "This case’s notes are hidden from you.",
            )
    except ValidationError as error:
        messages.error(request, error.messages[0])
    return _back(access)


@member_required
@require_POST
def notes(request: HttpRequest, group_slug: str, session_id) -> HttpResponse:
    """Save the notes (presenter, organizer). Text that looks like it identifies a client
    is shown back with a warning first; saving it anyway is the writer's choice."""
    access = access_session(request.user, group_slug, session_id)
    if not (access.is_presenter or access.group_access.is_organizer):
        raise Http404("Not yours to write.")
    form = NotesForm(request.POST)
    if not form.is_valid():
        return _page(request, access, notes_form=form)
    text = form.cleaned_data["notes"]
    findings = find_client_identifiers(text)
    if findings and request.POST.get("confirm") != "1":
        return _page(request, access, notes_form=form, findings=findings)
    sessions.notes_save(session=access.session, by=request.user, notes=text)
    messages.success(request, "Notes saved.")
    return _back(access)


@member_required
@require_POST
def swap_ask(request: HttpRequest, group_slug: str, session_id) -> HttpResponse:
    """The presenter asks another member (by membership) to present in their place."""
    access = access_session(request.user, group_slug, session_id)
    if not access.is_presenter:
        raise Http404("Not your case.")
    asked = (
        Membership.objects.filter(group=access.group_access.group, pk=_uuid(request, "member"))
        .filter(member__in=User.objects.visible_to(request.user))
        .select_related("member")
        .first()
    )
    if asked is None:
        messages.error(request, "Choose a member of the group.")
        return _back(access)
    try:
        sessions.swap_ask(session=access.session, by=request.user, asked=asked.member)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, getattr(error, "messages", [str(error)])[0])
        return _back(access)
    messages.success(request, "Asked. You present until they accept.")
    return _back(access)


def _uuid(request: HttpRequest, name: str) -> UUID | None:
    try:
        return UUID(request.POST.get(name, ""))
    except ValueError:
        return None


@member_required
@require_POST
def swap_answer(request: HttpRequest, group_slug: str, session_id) -> HttpResponse:
    access = access_session(request.user, group_slug, session_id)
    swap = Swap.objects.filter(
        session=access.session, asked=request.user, status=Swap.Status.PENDING
    ).first()
    if swap is None:
        raise Http404("No swap request for you here.")
    accept = request.POST.get("action") == "accept"
    try:
        sessions.swap_answer(swap=swap, by=request.user, accept=accept)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return _back(access)
    messages.success(request, "You present this session." if accept else "Declined.")
    return _back(access)


@member_required
@require_POST
def session_change(request: HttpRequest, group_slug: str, session_id) -> HttpResponse:
    """The organizer moves (action=move) or cancels (action=cancel) this session."""
    access = access_session(request.user, group_slug, session_id)
    if not access.group_access.is_organizer:
        raise Http404("No such session.")
    if request.POST.get("action") == "cancel":
        sessions.session_cancel(session=access.session, by=request.user)
        messages.success(request, "Session canceled. Members are told.")
        return _back(access)
    form = MoveForm(request.POST)
    if not form.is_valid():
        return _page(request, access, move_form=form)
    sessions.session_move(
        session=access.session, by=request.user, starts_at=form.cleaned_data["starts_at"]
    )
    messages.success(request, "Session moved. Members are told.")
    return _back(access)
