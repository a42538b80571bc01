"""/network/: my connections as I privately see them, and the network check."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from hive.access import member_required
from members import services
from members.access import access_profile
from members.forms.profiles import ConnectionTagForm
from members.models import Connection
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
