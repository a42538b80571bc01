"""Staff review of applications (/review/): the queue, one application with its
checklist and history, decisions, and the license check.

Every write goes through members/vetting/; these views only translate its outcomes
(a decision, StaffNeedsTwoFactor, IllegalTransition, a missing reason) into pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import BadRequest, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_POST

from hive.access import staff_required
from hive.http import page_link_pressed
from members import vetting
from members.forms.review import (
    DECISIONS,
    STATUS_FILTERS,
    DecisionForm,
    LicenseCheckForm,
    MemberSearchForm,
    QueueFilterForm,
    ReviewNoteForm,
    decisions_for,
)
from members.models import (
    Application,
    ApplicationEvent,
    LicenseLookup,
    Profile,
    Reference,
    User,
    Vouch,
)

# The NPPES NPI Registry's public page for one provider, by number (a link for a person
# to open: nothing is fetched from here).
NPI_REGISTRY_URL = "https://npiregistry.cms.hhs.gov/provider-view/{npi}"

Status = Application.Status
PAGE_SIZE = 25
LONG_WAIT_DAYS = 2  # the daily digest's threshold: older than this is "waiting long"

STATUS_BADGES = {
    Status.DRAFT: "",
    Status.SUBMITTED: "badge-info",
    Status.RESUBMITTED: "badge-info",
    Status.CHANGES_REQUESTED: "badge-warning",
    Status.APPROVED: "badge-success",
    Status.REJECTED: "badge-danger",
    Status.LAPSED: "badge-warning",
    Status.SUSPENDED: "badge-danger",
}

SUCCESS_MESSAGES = {
    "approve": "Approved: {name} is now a member and has been emailed.",
    "reinstate": "Reinstated: {name}'s license is re-verified and they are a member again.",
    "request_changes": "Changes requested: {name} has been emailed your message.",
    "reject": "Rejected: {name} has been emailed the reason.",
    "suspend": "Suspended: {name} now sees only their status page.",
}


def _with_counts(queryset: QuerySet[Application]) -> QuerySet[Application]:
    """Confirmed references and vouches as subquery counts: one query for any page size,
    and no GROUP BY over every application column."""
    confirmed = (
        Reference.objects.filter(application=OuterRef("pk"), status=Reference.Status.CONFIRMED)
        .order_by()
        .values("application")
        .annotate(n=Count("pk"))
        .values("n")
    )
    vouches = (
        Vouch.objects.filter(application=OuterRef("pk"))
        .order_by()
        .values("application")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return queryset.annotate(
        references_confirmed=Coalesce(Subquery(confirmed, output_field=IntegerField()), 0),
        vouch_count=Coalesce(Subquery(vouches, output_field=IntegerField()), 0),
    )


def access_application(application_id: int) -> Application:
    """One application with everything its review page shows, or 404.

    Only staff reach this (the views are @staff_required), and staff may see every
    application, so there is nothing further to filter by.
    """
    return get_object_or_404(
        _with_counts(
            Application.objects.select_related(
                "user", "profession", "license_verified_by__profile", "claimed_by__profile"
            )
        ),
        pk=application_id,
    )


def person_label(user: User | None) -> str:
    """How a person appears to staff: their member name if they have one, else email."""
    if user is None:
        return ""
    # Only a profile that was joined in (select_related): a loop must not query per row.
    profile = None
    if User.profile.is_cached(user):
        try:
            profile = user.profile
        except Profile.DoesNotExist:  # joined in, and there is none (e.g. staff)
            profile = None
    return profile.display_name if profile and profile.display_name else user.email


def references_satisfied(confirmed: int, vouches: int) -> bool:
    """Two professional word-of-mouths: confirmed references, with a member's vouch
    standing in for a reference who has not answered."""
    return confirmed + vouches >= 2


def _age_days(moment, now) -> int | None:
    return (now - moment).days if moment else None


@dataclass(frozen=True)
class QueueRow:
    """One application in the queue, with how long it has waited."""

    application: Application
    age_days: int | None
    waiting_long: bool
    badge: str

    @classmethod
    def of(cls, application: Application, now) -> QueueRow:
        age = _age_days(application.submitted_at, now)
        return cls(
            application=application,
            age_days=age,
            waiting_long=application.waiting_for_review
            and age is not None
            and age >= LONG_WAIT_DAYS,
            badge=STATUS_BADGES.get(application.status, ""),
        )


# --- The queue ---------------------------------------------------------------------------


@staff_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """/review/: applications oldest first, filtered by status, age, jurisdiction and
    tier, 25 a page. htmx filter changes get the results region only."""
    now = timezone.now()
    form = QueueFilterForm(request.GET)
    rows = form.apply(
        _with_counts(
            Application.objects.select_related("user", "profession", "claimed_by__profile")
        ),
        viewer=request.user,
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    queue_rows = [QueueRow.of(application, now) for application in page]
    summary = Application.objects.aggregate(
        waiting=Count("pk", filter=Q(status__in=[Status.SUBMITTED, Status.RESUBMITTED])),
        waiting_long=Count(
            "pk",
            filter=Q(
                status__in=[Status.SUBMITTED, Status.RESUBMITTED],
                submitted_at__lt=now - timedelta(days=LONG_WAIT_DAYS),
            ),
        ),
        renewals=Count("pk", filter=Q(status=Status.LAPSED, renewal_submitted_at__isnull=False)),
    )
    filters = form.filters()
    context = {
        "form": form,
        "filters": filters,
        "status_label": STATUS_FILTERS[filters["status"]][0],
        "page": page,
        "rows": queue_rows,
        "summary": summary,
        "focus_results": page_link_pressed(request),
    }
    partial = request.htmx and not request.htmx.history_restore_request
    template = "members/review_queue.html#results" if partial else "members/review_queue.html"
    response = render(request, template, context)
    # The same URL answers with a fragment or a page: caches must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- One application -----------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryEntry:
    """One line of the review page's history: the event, who did it, the move."""

    event: ApplicationEvent
    who: str
    from_label: str
    to_label: str


@dataclass(frozen=True)
class VouchEntry:
    vouch: Vouch
    who: str


def _status_label(status: str) -> str:
    return Status(status).label if status in Status.values else ""


def _actor_label(event: ApplicationEvent, application: Application) -> str:
    """Who the history says acted: a reference or Hive itself when nobody signed in did,
    the applicant (or member, for a renewal), or the staff member by name."""
    Action = ApplicationEvent.Action
    if event.actor_id is None:
        references = {Action.REFERENCE_CONFIRMED, Action.REFERENCE_DECLINED}
        return "A reference" if event.action in references else "Hive"
    if event.actor_id == application.user_id:
        return "The member" if event.action == Action.RENEWAL_SUBMITTED else "The applicant"
    return person_label(event.actor)


def _render_detail(
    request: HttpRequest,
    application: Application,
    *,
    decision_form: DecisionForm | None = None,
    license_form: LicenseCheckForm | None = None,
    note_form: ReviewNoteForm | None = None,
    two_factor_refused: bool = False,
    status: int = 200,
) -> HttpResponse:
    now = timezone.now()
    has_two_factor = request.user.has_two_factor
    decisions = []
    for decision in decisions_for(application.status):
        if decision_form is not None and decision_form.decision == decision:
            form = decision_form
        else:
            form = DecisionForm(decision=decision)
        decisions.append({"decision": decision, "form": form})
    events = [
        HistoryEntry(
            event=event,
            who=_actor_label(event, application),
            from_label=_status_label(event.from_status),
            to_label=_status_label(event.to_status),
        )
        for event in application.events.select_related("actor__profile")
    ]
    vouches = [
        VouchEntry(vouch=vouch, who=person_label(vouch.member))
        for vouch in application.vouches.select_related("member__profile").order_by("created_at")
    ]
    lookup = LicenseLookup.for_license(application.license_jurisdiction, application.license_type)
    references = list(application.references.all())
    for reference in references:
        reference.remind_blocked = (
            vetting.resend_blocked(reference)
            if application.status in vetting.references.WITH_STAFF
            else "Reminders are for applications waiting for review."
        )
    expiry_days = (
        (application.license_expiry - timezone.localdate()).days
        if application.license_expiry
        else None
    )
    context = {
        "application": application,
        "badge": STATUS_BADGES.get(application.status, ""),
        "age_days": _age_days(application.submitted_at, now),
        "expiry_days": expiry_days,
        "references": references,
        "lookup": lookup,
        "lookup_url": lookup.link_for(application.license_number) if lookup else "",
        "npi_url": NPI_REGISTRY_URL.format(npi=application.npi) if application.npi else "",
        "claimed_by": person_label(application.claimed_by),
        "notes": [
            {"note": note, "who": person_label(note.author)}
            for note in application.review_notes.select_related("author__profile")
        ],
        "note_form": note_form or ReviewNoteForm(),
        "vouches": vouches,
        "events": events,
        "license_verified_by": person_label(application.license_verified_by),
        "references_ok": references_satisfied(
            application.references_confirmed, application.vouch_count
        ),
        "renewal_waiting": application.status == Status.LAPSED
        and application.renewal_submitted_at is not None,
        "decisions": decisions,
        "has_two_factor": has_two_factor,
        "two_factor_refused": two_factor_refused,
        "license_form": license_form or LicenseCheckForm(),
    }
    return render(request, "members/review_detail.html", context, status=status)


@staff_required
@require_GET
def detail(request: HttpRequest, application_id: int) -> HttpResponse:
    """/review/<id>/: everything the applicant entered, the checklist, the history and
    the decisions that can start from the current status."""
    return _render_detail(request, access_application(application_id))


def _already_decided(application: Application) -> str:
    """Why a decision no longer applies, in words: who moved the application and when."""
    event = (
        ApplicationEvent.objects.filter(application=application)
        .exclude(to_status="")
        .select_related("actor__profile")
        .order_by("-created_at", "-pk")
        .first()
    )
    now_is = application.get_status_display().lower()
    if event is None:
        return f"This application is {now_is}, so that decision no longer applies."
    who = _actor_label(event, application)
    if who.startswith("The "):  # mid-sentence: "the applicant changed it"
        who = "t" + who[1:]
    when = timezone.localtime(event.created_at).strftime("%B %-d at %-I:%M %p %Z")
    return (
        f"This application is already {now_is}: {who} changed it on {when}. "
        "Your decision was not recorded."
    )


def _back_to_top(application: Application) -> HttpResponse:
    # The form was posted to "…#decide-<action>"; a redirect without a fragment would
    # inherit it. "#top" brings the reviewer to the message and the new status instead.
    return redirect(reverse("members:review_detail", args=[application.pk]) + "#top")


@staff_required
@require_POST
def decide(request: HttpRequest, application_id: int) -> HttpResponse:
    """Approve, reject, request changes or suspend (the `action` field), through the
    vetting services. Needs two-factor; a decision that lost a race says who won."""
    application = access_application(application_id)
    decision = DECISIONS.get(request.POST.get("action", ""))
    if decision is None:
        raise BadRequest("Unknown decision.")
    form = DecisionForm(request.POST, decision=decision)
    if not form.is_valid():
        return _render_detail(request, application, decision_form=form)
    message = form.cleaned_data["message"]
    reinstating = application.status == Status.LAPSED
    try:
        if decision.action == "approve":
            vetting.application_approve(
                application=application, reviewer=request.user, note=message
            )
        elif decision.action == "request_changes":
            vetting.application_request_changes(
                application=application, reviewer=request.user, message=message
            )
        elif decision.action == "reject":
            vetting.application_reject(
                application=application, reviewer=request.user, reason=message
            )
        else:
            vetting.application_suspend(
                application=application, reviewer=request.user, reason=message
            )
    except vetting.StaffNeedsTwoFactor:
        return _render_detail(
            request, application, decision_form=form, two_factor_refused=True, status=403
        )
    except vetting.IllegalTransition:
        application.refresh_from_db(fields=["status"])
        messages.warning(request, _already_decided(application))
        return _back_to_top(application)
    except ValidationError as error:  # the service's own rule, e.g. a blank reason
        form.add_error("message", error.message_dict.get("message", error.messages))
        return _render_detail(request, application, decision_form=form)
    name = application.display_name or application.legal_name or application.user.email
    key = "reinstate" if reinstating and decision.action == "approve" else decision.action
    messages.success(request, SUCCESS_MESSAGES[key].format(name=name))
    return _back_to_top(application)


@staff_required
@require_POST
def verify_license(request: HttpRequest, application_id: int) -> HttpResponse:
    """Checklist: record that this staff member looked the license up, and what showed."""
    application = access_application(application_id)
    form = LicenseCheckForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, application, license_form=form)
    vetting.license_mark_verified(
        application=application, reviewer=request.user, note=form.cleaned_data["note"]
    )
    messages.success(request, "License check recorded in the checklist and the history.")
    return redirect(reverse("members:review_detail", args=[application.pk]) + "#checklist")


# --- Working together: claims, notes, reminders ----------------------------------------------


def _to_detail(application: Application, anchor: str) -> HttpResponse:
    return redirect(reverse("members:review_detail", args=[application.pk]) + anchor)


@staff_required
@require_POST
def claim(request: HttpRequest, application_id: int) -> HttpResponse:
    """Take the application on ("I'm on it"), or give it back (action=unclaim)."""
    application = access_application(application_id)
    if request.POST.get("action") == "unclaim":
        vetting.review_unclaim(application=application, reviewer=request.user)
        messages.success(request, "Given back to the queue.")
    else:
        vetting.review_claim(application=application, reviewer=request.user)
        messages.success(request, "It’s yours: the queue shows you are on it.")
    return _to_detail(application, "#top")


@staff_required
@require_POST
def note_add(request: HttpRequest, application_id: int) -> HttpResponse:
    """A note for other reviewers (never shown to the applicant)."""
    application = access_application(application_id)
    form = ReviewNoteForm(request.POST)
    if form.is_valid():
        try:
            vetting.review_note_add(
                application=application, author=request.user, body=form.cleaned_data["body"]
            )
        except ValidationError as error:
            form.add_error("body", error.message_dict.get("body", error.messages))
        else:
            messages.success(request, "Note added for the other reviewers.")
            return _to_detail(application, "#notes")
    return _render_detail(request, application, note_form=form)


@staff_required
@require_POST
def reference_remind(request: HttpRequest, application_id: int, position: int) -> HttpResponse:
    """Email a reference who has not answered again, on the applicant's behalf (within
    the same limits as the applicant's own reminders)."""
    application = access_application(application_id)
    reference = get_object_or_404(Reference, application=application, position=position)
    try:
        vetting.reference_resend(reference=reference, actor=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    except vetting.IllegalTransition as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{reference.name} has been emailed again.")
    return _to_detail(application, f"#reference-{position}")


MEMBER_SEARCH_LIMIT = 50


@staff_required
@require_GET
def member_search(request: HttpRequest) -> HttpResponse:
    """/review/members/: find anyone with an account by email, name, handle or license
    number, with their status and links to their application and audit trail. At most
    50 results, in two queries."""
    form = MemberSearchForm(request.GET)
    people, more = [], False
    if form.is_valid() and form.cleaned_data["q"]:
        found = list(form.search()[: MEMBER_SEARCH_LIMIT + 1])
        people, more = found[:MEMBER_SEARCH_LIMIT], len(found) > MEMBER_SEARCH_LIMIT
    return render(
        request,
        "members/review_members.html",
        {"form": form, "people": people, "more": more, "limit": MEMBER_SEARCH_LIMIT},
    )
