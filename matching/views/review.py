"""Staff: how often suggestions land, per purpose (/review/matching/)."""

from __future__ import annotations

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from hive.access import staff_required
from matching.models import Dismissal, Purpose, SuggestionFeedback


@staff_required
@require_GET
def suggestion_quality(request: HttpRequest) -> HttpResponse:
    """The share of "yes" among members' "Good suggestion?" answers, per purpose, with
    the counts behind it and the dismissals made there (two aggregate queries; no
    member is named: what one member thought of another stays private)."""
    Verdict = SuggestionFeedback.Verdict
    answers = {
        row["purpose"]: row
        for row in SuggestionFeedback.objects.values("purpose").annotate(
            yes=Count("pk", filter=Q(verdict=Verdict.YES)),
            not_really=Count("pk", filter=Q(verdict=Verdict.NOT_REALLY)),
        )
    }
    dismissals = dict(
        Dismissal.objects.values("purpose").annotate(n=Count("pk")).values_list("purpose", "n")
    )
    rows = []
    for value, label in Purpose.choices:
        found = answers.get(value, {})
        yes, no = found.get("yes", 0), found.get("not_really", 0)
        rows.append(
            {
                "label": label,
                "yes": yes,
                "not_really": no,
                "answers": yes + no,
                "share": round(100 * yes / (yes + no)) if yes + no else None,
                "dismissals": dismissals.get(value, 0),
            }
        )
    return render(
        request,
        "matching/suggestion_quality.html",
        {"rows": rows, "dismissed_everywhere": dismissals.get(Dismissal.ALL, 0)},
    )
