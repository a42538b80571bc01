"""The staff audit log (/review/audit/): every security event, newest first, filtered
by member, action and date. Staff without two-factor sign-in are refused, as for
decisions: the log names members and their addresses."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from hive.access import staff_required
from hive.http import page_link_pressed
from members.forms.data import AuditFilterForm
from members.models import AuditEvent, User

PAGE_SIZE = 50


def _filters(form: AuditFilterForm) -> dict:
    """The filters to apply: the valid ones (the form shows the others' errors)."""
    if not form.is_bound:
        return {}
    form.is_valid()
    return {k: v for k, v in form.cleaned_data.items() if k not in form.errors}


def _filtered(data: dict) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.select_related("actor__profile", "subject__profile")
    member = (data.get("member") or "").strip()
    if member:
        who = Q(email__iexact=member) | Q(profile__handle__iexact=member.lstrip("@"))
        if member.isdigit() and len(member) < 18:
            who |= Q(pk=int(member))
        people = User.objects.filter(who).values("pk")
        events = events.filter(Q(subject__in=people) | Q(actor__in=people))
    if data.get("action"):
        events = events.filter(action=data["action"])
    if data.get("since"):
        events = events.filter(occurred_at__gte=datetime.combine(data["since"], time.min, UTC))
    if data.get("until"):
        end = datetime.combine(data["until"], time.min, UTC) + timedelta(days=1)
        events = events.filter(occurred_at__lt=end)
    return events.order_by("-occurred_at", "-pk")


@never_cache
@require_GET
@staff_required
def audit_log(request: HttpRequest) -> HttpResponse:
    """The audit log, paged (two queries a page: the count and the rows with both
    people and their profiles joined)."""
    if not request.user.has_two_factor:
        return render(request, "members/audit_needs_two_factor.html", status=403)
    form = AuditFilterForm(request.GET or None)
    page = Paginator(_filtered(_filters(form)), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "focus_results": page_link_pressed(request)}
    template = "members/audit_log.html"
    if request.htmx:
        template += "#results"
    return render(request, template, context)
