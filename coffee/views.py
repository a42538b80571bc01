"""/coffee/: a member's coffee dates (this round's, then past ones) and their settings;
the date's actions (accept, pass, check in, how it went); the "don't pair me with"
list; and, for staff, /review/coffee/ to see the rounds and run one now.

Every page works without JavaScript: actions are plain POST forms that come back to
the page; with htmx they swap the one date's card (the named partial
"coffee/coffee.html#date"), so there is one source of markup.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Case, F, When
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET, require_POST

from coffee import availability, rounds, services
from coffee.access import access_date
from coffee.forms import ApartForm, CheckInForm, RatingForm, SettingsForm
from coffee.models import CoffeeDate, CoffeeSettings, Participant, Round
from coffee.reasons import reasons_for_pairs
from hive.access import member_required, staff_required
from members.access import access_profile
from members.distances import viewer_uses_miles
from members.models import Connection, FollowUp, User

Status = CoffeeDate.Status
Met = Participant.Met
DATES_SHOWN = 30
ROUNDS_SHOWN = 12
FOLLOW_UP_WEEKS = (1, 2, 3, 4, 6, 8, 12)


@dataclass
class DateCard:
    """One date as the member sees it."""

    date: CoffeeDate
    mine: Participant
    theirs: Participant | None
    other: User
    reason: str
    times: list[tuple[datetime, datetime]]
    connection: str  # "", "sent", "received" (a request either way) or "connected"
    follow_up: FollowUp | None
    current: bool

    @property
    def name(self) -> str:
        if self.other.is_erased:
            return "A former member"
        profile = getattr(self.other, "profile", None)
        return profile.display_name if profile is not None else "A member"

    @property
    def handle(self) -> str:
        """Their handle, for links, while they are a member others may open."""
        profile = getattr(self.other, "profile", None)
        return profile.handle if profile is not None and self.other.is_member else ""

    @property
    def asking(self) -> bool:
        return self.date.status == Status.PROPOSED and self.mine.response == "pending"

    @property
    def waiting_for_them(self) -> bool:
        return self.date.status == Status.PROPOSED and self.mine.response == "accepted"

    @property
    def check_in_open(self) -> bool:
        """ "Did you meet?" is asked once its morning came (or its day is here)."""
        return self.mine.check_in_due(timezone.now())

    @property
    def met(self) -> bool:
        return self.mine.met == Met.YES


def _is_current(date: CoffeeDate, mine: Participant, now: datetime) -> bool:
    """This round's news, or a date that went ahead whose check-in is not done."""
    if date.status == Status.PROPOSED or date.round.closed_at is None:
        return True
    if date.status != Status.CONFIRMED:
        return False
    if date.round.run_at < now - services.CHECK_IN_WINDOW:
        return False
    return not (mine.met == Met.NO or (mine.met == Met.YES and mine.rating))


def date_cards(user: User, *, only: CoffeeDate | None = None) -> list[DateCard]:
    """`user`'s latest dates (or just `only`), newest first, with everything a card
    shows, in a fixed number of queries whatever their number."""
    now = timezone.now()
    dates = CoffeeDate.objects.visible_to(user).select_related(
        "round", "member_a__profile", "member_b__profile"
    )
    dates = list(dates.filter(pk=only.pk) if only else dates[:DATES_SHOWN])
    if not dates:
        return []
    by_pk = {d.pk: d for d in dates}
    sides = {}
    for side in Participant.objects.filter(date__in=dates):
        # The date and round already loaded, so reading them costs no query per card.
        side.date = by_pk[side.date_id]
        side.round = side.date.round
        sides[(side.date_id, side.member_id)] = side
    others = {d.pk: (d.member_b if d.member_a_id == user.pk else d.member_a) for d in dates}
    other_ids = [o.pk for o in others.values()]
    ties = {
        other: (
            "connected"
            if status == Connection.Status.ACCEPTED
            else ("sent" if requested_by == user.pk else "received")
        )
        for other, status, requested_by in Connection.objects.involving(user)
        .annotate(other=Case(When(user_a_id=user.pk, then=F("user_b_id")), default=F("user_a_id")))
        .filter(other__in=other_ids)
        .values_list("other", "status", "requested_by_id")
    }
    follow_ups = {
        f.other_id: f for f in FollowUp.objects.pending().filter(owner=user, other_id__in=other_ids)
    }
    cards = []
    for date in dates:
        mine = sides.get((date.pk, user.pk))
        if mine is None:  # their side was erased with them; nothing to show of it
            continue
        other = others[date.pk]
        cards.append(
            DateCard(
                date=date,
                mine=mine,
                theirs=sides.get((date.pk, other.pk)),
                other=other,
                reason=mine.reason,
                times=[
                    (parse_datetime(start), parse_datetime(end))
                    for start, end in date.suggested_times
                ],
                connection=ties.get(other.pk, ""),
                follow_up=follow_ups.get(other.pk),
                current=_is_current(date, mine, now),
            )
        )
    # An intro not sent yet has no reason stored: written now, for the open ones only.
    unwritten = [c for c in cards if c.current and not c.reason and c.other.is_member]
    if unwritten:
        written = reasons_for_pairs((user.pk, c.other.pk) for c in unwritten)
        for card in unwritten:
            card.reason = written.get((user.pk, card.other.pk), "")
    return cards


def _page(
    request: HttpRequest,
    *,
    form: SettingsForm | None = None,
    apart_form: ApartForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    current = services.settings_for(user)
    profile = getattr(user, "profile", None)
    miles = viewer_uses_miles(user)
    today = timezone.localdate(timezone=user.zone)
    cards = date_cards(user)
    context = {
        "settings": current,
        "has_profile": profile is not None,
        "form": form or SettingsForm(miles=miles, today=today, current=current),
        "apart_form": apart_form or ApartForm(),
        "apart": services.apart_list(user),
        "current_cards": [c for c in cards if c.current],
        "past_cards": [c for c in cards if not c.current],
        "follow_up_weeks": FOLLOW_UP_WEEKS,
        "windows": availability.WINDOWS,
    }
    context["apart_ids"] = {note.other_id for note in context["apart"]}
    return render(request, "coffee/coffee.html", context, status=status)


@require_GET
@member_required
def coffee_home(request: HttpRequest) -> HttpResponse:
    """/coffee/: this round's date (accept or pass, the check-in), past dates, the
    settings and the "don't pair me with" list."""
    return _page(request)


@require_POST
@member_required
def settings_save(request: HttpRequest) -> HttpResponse:
    """Save the settings; on an error the page comes back with it beside its field and
    everything typed kept."""
    user = request.user
    current = services.settings_for(user)
    form = SettingsForm(
        request.POST,
        miles=viewer_uses_miles(user),
        today=timezone.localdate(timezone=user.zone),
        current=current,
    )
    if not form.is_valid():
        return _page(request, form=form, status=400)
    data = form.cleaned_data
    try:
        services.settings_save(
            member=user,
            opted_in=data["opted_in"],
            cadence=data["cadence"],
            format=data["format"],
            travel_km=form.travel_km,
            availability=data["availability"],
            snoozed_until=data["snoozed_until"],
        )
    except ValidationError as error:
        for message in error.messages:
            form.add_error(None, message)
        return _page(request, form=form, status=400)
    if data["opted_in"] and not current.opted_in:
        messages.success(request, "You're in. We'll pair you in the next round.")
    elif not data["opted_in"] and current.opted_in:
        messages.success(request, "You won't be paired for coffee until you opt in again.")
    else:
        messages.success(request, "Coffee settings saved.")
    return redirect("coffee:home")


@require_POST
@member_required
def resume(request: HttpRequest) -> HttpResponse:
    """Come back after a pause for unanswered intros."""
    services.settings_resume(member=request.user)
    messages.success(request, "Welcome back: you'll be paired again in the next round.")
    return redirect("coffee:home")


@require_POST
@member_required
def apart_add(request: HttpRequest) -> HttpResponse:
    """Add someone to "don't pair me with" (members' private "don't introduce us")."""
    form = ApartForm(request.POST)
    if form.is_valid():
        try:
            access = access_profile(request.user, form.cleaned_data["handle"], follow_moved=True)
        except Http404:
            access = None
        if access is None or access.connection_state == "self":
            form.add_error("handle", "We couldn't find a member with that handle.")
    if not form.is_valid():
        return _page(request, apart_form=form, status=400)
    services.apart_add(member=request.user, other=access.profile.user)
    messages.success(
        request,
        f"Noted privately: we won't pair you with {access.profile.display_name}, or suggest "
        "you to each other. They are never told.",
    )
    return HttpResponseRedirect(reverse("coffee:home") + "#apart")


@require_POST
@member_required
def apart_remove(request: HttpRequest, handle: str) -> HttpResponse:
    """Take someone off "don't pair me with" (found among the member's own notes, so
    it works whatever became of the other person since)."""
    note = next(
        (row for row in services.apart_list(request.user) if row.other.profile.handle == handle),
        None,
    )
    if note is None:
        raise Http404("Not on your list.")
    if services.apart_remove(member=request.user, other=note.other):
        messages.success(
            request, f"Removed: {note.other.profile.display_name} may be paired with you."
        )
    return HttpResponseRedirect(reverse("coffee:home") + "#apart")


def _date_answer(request: HttpRequest, date_id, act, done: str) -> HttpResponse:
    """Run one transition on one of my dates; the card (htmx, with what happened said
    in it) or the page (with a message) comes back."""
    access = access_date(request.user, date_id)
    try:
        act(access)
    except services.IllegalTransition as error:
        notice, level = str(error), messages.WARNING
    else:
        notice, level = done, messages.SUCCESS
    if request.htmx:
        cards = date_cards(request.user, only=access.date)
        if cards:
            return render(
                request,
                "coffee/coffee.html#date",
                {
                    "card": cards[0],
                    "notice": notice,
                    "follow_up_weeks": FOLLOW_UP_WEEKS,
                    "apart_ids": {note.other_id for note in services.apart_list(request.user)},
                },
            )
    if notice:
        messages.add_message(request, level, notice)
    return HttpResponseRedirect(services.date_url(access.date))


@require_POST
@member_required
def date_accept(request: HttpRequest, date_id) -> HttpResponse:
    """Say yes to an intro (when both did, the conversation opens)."""
    return _date_answer(
        request,
        date_id,
        lambda a: services.date_accept(date=a.date, member=request.user),
        "",
    )


@require_POST
@member_required
def date_pass(request: HttpRequest, date_id) -> HttpResponse:
    """Pass this round (the other is told kindly, never why)."""
    return _date_answer(
        request,
        date_id,
        lambda a: services.date_pass(date=a.date, member=request.user),
        "Passed. They'll be first in line next round.",
    )


@require_POST
@member_required
def date_check_in(request: HttpRequest, date_id) -> HttpResponse:
    """ "Did you meet?" yes / not yet / no."""
    form = CheckInForm(request.POST)

    def act(access):
        if not form.is_valid():
            raise services.IllegalTransition("Choose yes, not yet or no.")
        met = form.cleaned_data["met"]
        services.date_check_in(date=access.date, member=request.user, met=met)

    return _date_answer(request, date_id, act, "Thanks for checking in.")


@require_POST
@member_required
def date_rate(request: HttpRequest, date_id) -> HttpResponse:
    """ "How did it go?" (kept for the member alone)."""
    form = RatingForm(request.POST)

    def act(access):
        if not form.is_valid():
            raise services.IllegalTransition("Choose how it went.")
        services.date_rate(
            date=access.date, member=request.user, rating=form.cleaned_data["rating"]
        )

    return _date_answer(request, date_id, act, "Noted, just for you.")


# --- Staff ------------------------------------------------------------------------------------


@require_GET
@staff_required
def review_rounds(request: HttpRequest) -> HttpResponse:
    """/review/coffee/: the latest rounds with their counts, and "run a round now"
    (two-factor required). No member is named: who met whom stays theirs."""
    return _review_page(request)


def _review_page(request: HttpRequest, *, refused: bool = False, status: int = 200):
    rounds = list(Round.objects.select_related("run_by")[:ROUNDS_SHOWN])
    opted_in = CoffeeSettings.objects.filter(
        opted_in=True, user__in=User.objects.in_good_standing()
    ).count()
    return render(
        request,
        "coffee/review_rounds.html",
        {
            "rounds": rounds,
            "opted_in": opted_in,
            "run_key": secrets.token_urlsafe(12),
            "has_two_factor": request.user.has_two_factor,
            "two_factor_refused": refused,
        },
        status=status,
    )


@require_POST
@staff_required
def review_run(request: HttpRequest) -> HttpResponse:
    """Run a round now: pairs every member still due this week. The form's one-time
    key makes a double submit harmless; the run is in the audit log."""
    key = request.POST.get("key", "")
    if not (8 <= len(key) <= 32 and key.replace("-", "").replace("_", "").isalnum()):
        messages.error(request, "That form was out of date: here is a fresh one.")
        return redirect("coffee:review_rounds")
    try:
        result = rounds.round_run_by_staff(staff=request.user, key=key, request=request)
    except services.StaffNeedsTwoFactor:
        return _review_page(request, refused=True, status=403)
    if result.created:
        messages.success(
            request,
            f"Round run: {result.paired} of {result.eligible} members due were paired.",
        )
    else:
        messages.info(request, "That round had already run: nothing more was done.")
    return redirect("coffee:review_rounds")
