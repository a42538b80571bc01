"""Reporting to the moderators (a message, a conversation, a request, a profile) and the
moderators' queue (/review/reports/)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from hive.access import member_required, staff_required
from members.access import access_profile
from members.vetting import IllegalTransition, StaffNeedsTwoFactor
from messaging import services
from messaging.access import access_conversation, access_request
from messaging.forms import ModerationForm, ReportForm
from messaging.models import Message, Report

CONTEXT_AROUND = 5
QUEUE_LIMIT = 100


def _report_page(request, *, what: str, back: str, create) -> HttpResponse:
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            create(reason=form.cleaned_data["reason"], note=form.cleaned_data["note"])
        except (services.CannotMessage, ValidationError) as error:
            form.add_error(None, "; ".join(getattr(error, "messages", [str(error)])))
        else:
            messages.success(
                request,
                "Thank you. The moderators will look at it; we will tell you when "
                "it has been handled.",
            )
            return redirect(back)
    return render(
        request,
        "messaging/report.html",
        {"form": form, "what": what, "back": back},
        status=400 if form.errors else 200,
    )


@member_required
@require_http_methods(["GET", "POST"])
def report_message(
    request: HttpRequest, conversation_id: uuid.UUID, message_id: int
) -> HttpResponse:
    """Report a message of the other person in one of my conversations."""
    conversation = access_conversation(request.user, conversation_id)
    message = get_object_or_404(
        Message.objects.exclude(sender=request.user), pk=message_id, conversation=conversation
    )
    return _report_page(
        request,
        what="this message",
        back=conversation_url(conversation),
        create=lambda **kw: services.report_create(reporter=request.user, message=message, **kw),
    )


def conversation_url(conversation) -> str:
    return reverse("messaging:conversation", args=[conversation.pk])


@member_required
@require_http_methods(["GET", "POST"])
def report_conversation(request: HttpRequest, conversation_id: uuid.UUID) -> HttpResponse:
    """Report a whole conversation (the other person's conduct in it)."""
    conversation = access_conversation(request.user, conversation_id)
    return _report_page(
        request,
        what="this conversation",
        back=conversation_url(conversation),
        create=lambda **kw: services.report_create(
            reporter=request.user, conversation=conversation, **kw
        ),
    )


@member_required
@require_http_methods(["GET", "POST"])
def report_request(request: HttpRequest, request_id: uuid.UUID) -> HttpResponse:
    """Report a message request from the tray (about its sender)."""
    message_request = access_request(request.user, request_id)
    return _report_page(
        request,
        what="this message request",
        back=reverse("messaging:requests"),
        create=lambda **kw: services.report_create(
            reporter=request.user,
            reported=message_request.sender,
            **{
                **kw,
                "note": (kw["note"] + "\n\nThe request said:\n" + message_request.body).strip(),
            },
        ),
    )


@member_required
@require_http_methods(["GET", "POST"])
def report_profile(request: HttpRequest, handle: str) -> HttpResponse:
    """Report a member's profile."""
    access = access_profile(request.user, handle, follow_moved=True)
    if access.profile.user_id == request.user.pk:
        raise Http404("You cannot report yourself.")
    return _report_page(
        request,
        what=f"{access.profile.display_name}’s profile",
        back=reverse("members:profile", args=[access.profile.handle]),
        create=lambda **kw: services.report_create(
            reporter=request.user, reported=access.profile.user, **kw
        ),
    )


# --- The moderators' queue ---------------------------------------------------------------


@dataclass
class QueueRow:
    report: Report
    reported_name: str
    reporters: int


@staff_required
@require_GET
def report_queue(request: HttpRequest) -> HttpResponse:
    """Open reports, oldest first, except that a member reported by several people
    rises: ordered by how many different people reported them, then by age."""
    reporters = (
        Report.objects.filter(reported=OuterRef("reported"), outcome="")
        .values("reported")
        .annotate(n=Count("reporter", distinct=True))
        .values("n")
    )
    rows = (
        Report.objects.filter(outcome="")
        .select_related("reported__profile")
        .annotate(reporters=Coalesce(Subquery(reporters), 1))
        .order_by("-reporters", "created_at")[:QUEUE_LIMIT]
    )
    queue = [
        QueueRow(
            report=row,
            reported_name=getattr(getattr(row.reported, "profile", None), "display_name", "")
            or row.reported.email,
            reporters=row.reporters,
        )
        for row in rows
    ]
    return render(request, "messaging/report_queue.html", {"queue": queue})


def _context_messages(report: Report) -> list[Message]:
    """The reported message with the messages around it, or a reported conversation's
    latest messages: nothing else of anyone's conversations."""
    if report.conversation_id is None:
        return []
    rows = Message.objects.filter(conversation_id=report.conversation_id).select_related(
        "sender__profile"
    )
    if report.message_id is not None:
        before = list(rows.filter(id__lt=report.message_id).order_by("-id")[:CONTEXT_AROUND])
        after = list(rows.filter(id__gte=report.message_id).order_by("id")[: CONTEXT_AROUND + 1])
        return list(reversed(before)) + after
    return list(reversed(rows.order_by("-id")[:20]))


@staff_required
@require_http_methods(["GET", "POST"])
def report_detail(request: HttpRequest, report_id: int) -> HttpResponse:
    """One report with its context and the moderators' actions (two-factor required
    to act). Every action is in the audit log; the reporter is told it was handled."""
    report = get_object_or_404(
        Report.objects.select_related("reported__profile", "reporter__profile", "message"),
        pk=report_id,
    )
    form = ModerationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        action = form.cleaned_data["action"]
        note = form.cleaned_data["note"]
        act = {
            "dismiss": services.report_dismiss,
            "warn": services.report_warn,
            "remove": services.report_remove_message,
            "suspend": services.report_suspend,
        }[action]
        try:
            act(report=report, moderator=request.user, note=note)
        except (
            services.CannotMessage,
            StaffNeedsTwoFactor,
            IllegalTransition,
            ValidationError,
        ) as error:
            form.add_error(None, "; ".join(getattr(error, "messages", [str(error)])))
        else:
            messages.success(request, "Done. The reporter is told the report was handled.")
            return redirect("messaging:report_queue")
    others = Report.objects.filter(reported=report.reported).exclude(pk=report.pk).count()
    return render(
        request,
        "messaging/report_detail.html",
        {
            "report": report,
            "context_messages": _context_messages(report),
            "form": form,
            "can_act": request.user.has_two_factor,
            "other_reports": others,
        },
        status=400 if form.errors else 200,
    )
