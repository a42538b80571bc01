"""Reports about groups: a member reports a group (/groups/<slug>/report/); moderators
see the groups with open reports (/review/groups/) and one group's facts, counts and
reports (/review/groups/<slug>/), and act on them.

What moderators see of a group is its public facts and how many people it has, never
who they are, its sessions, rota, notes, agreement acceptances or discussion: the
queries here read only the group's row, counts of memberships and the reports.
Staff without two-factor sign-in are refused (403 with the reason), as for the audit
log: reports name members.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Min, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from groups import moderation
from groups.access import access_group
from groups.forms import ModerationForm, ReportForm
from groups.models import Group, GroupReport
from groups.views.groups import staff_counts
from hive.access import member_required, staff_required

QUEUE_LIMIT = 100
HANDLED_SHOWN = 20


@member_required
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, group_slug: str) -> HttpResponse:
    """Report a group the member may see to the moderators (not their own)."""
    access = access_group(request.user, group_slug)
    if access.is_organizer or (request.user.is_staff and access.membership is None):
        raise Http404("Nothing to report here.")
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            moderation.group_report(
                group=access.group,
                reporter=request.user,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                "Thank you. The moderators will look at it; we will tell you when it has "
                "been handled.",
            )
            return redirect("groups:detail", access.group.slug)
    return render(
        request,
        "groups/report.html",
        {"group": access.group, "form": form},
        status=400 if form.errors else 200,
    )


def _needs_two_factor(request: HttpRequest) -> HttpResponse | None:
    if request.user.has_two_factor:
        return None
    return render(request, "groups/review_needs_two_factor.html", status=403)


@never_cache
@staff_required
@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    """Groups with open reports, the most reported first, then the oldest report:
    each group's public facts and its report count (one query, at most 100 groups)."""
    refused = _needs_two_factor(request)
    if refused:
        return refused
    groups = list(
        Group.objects.filter(reports__outcome="")
        .select_related("organizer__profile")
        .annotate(
            open_reports=Count("reports", filter=Q(reports__outcome="")),
            reporters=Count("reports__reporter", filter=Q(reports__outcome=""), distinct=True),
            first_report=Min("reports__created_at", filter=Q(reports__outcome="")),
        )
        .order_by("-reporters", "first_report", "pk")[:QUEUE_LIMIT]
    )
    return render(request, "groups/review_queue.html", {"groups": groups, "limit": QUEUE_LIMIT})


@never_cache
@staff_required
@require_http_methods(["GET", "POST"])
def review_group(request: HttpRequest, group_slug: str) -> HttpResponse:
    """One group for the moderators: its facts, how many members, its open reports and
    the last ones handled; the decision closes every open report (audited)."""
    refused = _needs_two_factor(request)
    if refused:
        return refused
    group = Group.objects.select_related("organizer__profile").filter(slug=group_slug).first()
    if group is None:
        raise Http404("No such group.")
    form = ModerationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            moderation.group_reports_handle(
                group=group,
                moderator=request.user,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
            )
        except (ValidationError, moderation.ModeratorsOnly) as error:
            form.add_error(None, "; ".join(getattr(error, "messages", [str(error)])))
        else:
            messages.success(request, "Done. Each reporter is told their report was handled.")
            return redirect("groups:review_queue")
    reports = GroupReport.objects.filter(group=group).select_related("reporter__profile")
    return render(
        request,
        "groups/review_group.html",
        {
            "group": group,
            "counts": staff_counts(group),
            "open_reports": list(reports.filter(outcome="").order_by("created_at")),
            "handled_reports": list(
                reports.exclude(outcome="")
                .select_related("handled_by__profile")
                .order_by("-handled_at")[:HANDLED_SHOWN]
            ),
            "form": form,
        },
        status=400 if form.errors else 200,
    )
