"""/network/: my connections as I privately see them, and the network check."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.views.decorators.http import require_GET, require_POST

from hive.access import member_required
from hive.http import local_next
from members import services
from members.access import access_profile
from members.forms.profiles import ConnectionTagForm, FollowUpForm
from members.models import Connection, FollowUp
from members.network import network_for, next_to_meet

# The chart: a 5×5 grid, importance across, strength up, in SVG user units.
CELL = 60
PAD = 40


def _point(tie, index_in_cell: int) -> dict:
    """Where a tagged connection sits on the chart; several in one cell fan out."""
    offsets = [(0, 0), (-14, -14), (14, 14), (-14, 14), (14, -14)]
    dx, dy = offsets[index_in_cell % len(offsets)]
    return {
        "tie": tie,
        "x": PAD + (tie.tag.importance - 0.5) * CELL + dx,
        "y": PAD + (5.5 - tie.tag.strength) * CELL + dy,
    }


@member_required
@require_GET
def network(request: HttpRequest) -> HttpResponse:
    """Counts by type, strength against importance (SVG with a table beside it for
    screen readers), last contact with each person, what is missing, and the next
    people to meet for it (from the "network" plug-ins: matching)."""
    data = network_for(request.user)
    seen: dict[tuple[int, int], int] = {}
    points = []
    for tie in data.tagged:
        cell = (tie.tag.importance, tie.tag.strength)
        points.append(_point(tie, seen.get(cell, 0)))
        seen[cell] = seen.get(cell, 0) + 1
    forms = {
        tie.connection.pk: ConnectionTagForm(
            initial={
                "type": tie.tag.type,
                "strength": tie.tag.strength,
                "importance": tie.tag.importance,
            }
            if tie.tag
            else None,
            prefix=f"c{tie.connection.pk}",
        )
        for tie in data.ties
    }
    size = PAD * 2 + CELL * 5
    return render(
        request,
        "members/network.html",
        {
            "network": data,
            "next_to_meet": next_to_meet(request.user, data),
            "rows": [(tie, forms[tie.connection.pk]) for tie in data.ties],
            "points": points,
            "follow_up_form": FollowUpForm(),
            "chart": {
                "size": size,
                "pad": PAD,
                "cell": CELL,
                "lines": [PAD + CELL * n for n in range(6)],
                "mid": PAD + CELL * 2.5,
                "end": PAD + CELL * 5,
                "labels": [
                    (n, PAD + CELL * (n - 0.5), PAD + CELL * (5.5 - n)) for n in range(1, 6)
                ],
            },
        },
    )


@member_required
@require_POST
def tag(request: HttpRequest, handle: str) -> HttpResponse:
    """Privately tag one of my connections."""
    access = access_profile(request.user, handle, follow_moved=True)
    connection = access.connection
    if connection is None or connection.status != Connection.Status.ACCEPTED:
        raise Http404("You are not connected with this member.")
    form = ConnectionTagForm(request.POST, prefix=f"c{connection.pk}")
    if not form.is_valid():
        messages.error(request, "Choose a kind of tie, a strength and an importance from 1 to 5.")
        return redirect("members:network")
    services.connection_tag_set(owner=request.user, connection=connection, **form.cleaned_data)
    messages.success(request, f"Saved. Only you see how you tagged {access.profile.display_name}.")
    return redirect("members:network")


@member_required
@require_POST
def follow_up(request: HttpRequest, handle: str) -> HttpResponse:
    """ "Remind me to follow up in N weeks" with one member, from whichever page offers
    it (the form posts `next` to come back to). Setting it again moves the date."""
    access = access_profile(request.user, handle, follow_moved=True)
    back = HttpResponseRedirect(local_next(request) or reverse("members:network"))
    form = FollowUpForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose when to be reminded: between 1 and 12 weeks.")
        return back
    try:
        row = services.follow_up_set(
            owner=request.user,
            other=access.profile.user,
            weeks=form.cleaned_data["weeks"],
            source=form.cleaned_data["source"] or FollowUp.Source.NETWORK,
            about=form.cleaned_data["about"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return back
    messages.success(
        request,
        f"We'll remind you to follow up with {access.profile.display_name} on "
        f"{date_format(row.due_on, 'D, M j')}.",
    )
    return back


@member_required
@require_POST
def follow_up_cancel(request: HttpRequest, follow_up_id: int) -> HttpResponse:
    """Drop one of my follow-up reminders (anyone else's is a 404)."""
    services.follow_up_cancel(owner=request.user, follow_up_id=follow_up_id)
    messages.success(request, "Reminder removed.")
    return HttpResponseRedirect(local_next(request) or reverse("members:network"))
