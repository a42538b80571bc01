"""The applicant's side of vetting: the application and its status (/apply/), the
renewed license of a lapsed member, the page a reference answers from, and in-app
vouching by a member who was named as a reference.

Everyone signed in who is not a member in good standing lands on /apply/: applicants,
lapsed and suspended members. What they see follows their application's state.
"""

from __future__ import annotations

from contextlib import suppress

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from hive.access import member_required
from members.forms.applications import (
    ApplicationForm,
    ReferenceAnswerForm,
    RenewalForm,
    ReplaceReferenceForm,
    VouchForm,
)
from members.models import GUIDELINES_VERSION, Application, Reference, User, Vouch
from members.vetting import (
    IllegalTransition,
    application_for,
    application_submit,
    license_renewal_submit,
    missing_for_submission,
    reference_from_token,
    reference_replace,
    reference_resend,
    reference_respond,
    resend_blocked,
    vouch_create,
)

Status = Application.Status
SAVE_STATUS = "members/application_form.html#save_status"


def _unsaved_key(application: Application) -> str:
    return f"members.application.{application.pk}.unsaved"


def _history(application: Application) -> list[dict]:
    """The application's events in plain words, oldest first, as the applicant sees them."""
    history = []
    for event in application.events.all():
        wording = event.wording
        if wording.applicant:
            history.append(
                {
                    "at": event.created_at,
                    "text": wording.applicant,
                    "message": event.message if wording.applicant_reads_message else "",
                }
            )
    return history


def _state(user: User, application: Application | None) -> str:
    """Which page the person sees: the application's status, except that an account
    suspended or lapsed at the membership level says so whatever the application says."""
    if user.membership_status == User.Status.SUSPENDED or (
        application is not None and application.status == Status.SUSPENDED
    ):
        return Status.SUSPENDED
    if user.membership_status == User.Status.LAPSED or (
        application is not None and application.status == Status.LAPSED
    ):
        return Status.LAPSED
    return application.status if application is not None else Status.DRAFT


def _status_context(application: Application | None, state: str, **extra) -> dict:
    context = {
        "state": state,
        "application": application,
        "guidelines_version": GUIDELINES_VERSION,
        "history": [],
        "references": [],
    }
    if application is not None:
        context["history"] = _history(application)
        context["references"] = list(application.references.all())
        if state in (Status.SUBMITTED, Status.RESUBMITTED):
            # What the applicant can do about a reference who has not confirmed.
            replacing = extra.get("replace_form")
            for reference in context["references"]:
                reference.remind_blocked = resend_blocked(reference)
                reference.replace_form = (
                    replacing
                    if replacing is not None and replacing.position == reference.position
                    else ReplaceReferenceForm(position=reference.position)
                )
        context["vouches"] = application.vouches.count()
        context["last_saved"] = (
            application.updated_at
            if (application.updated_at - application.created_at).total_seconds() > 1
            else None
        )
    if state == Status.LAPSED and "renewal_form" not in extra:
        extra["renewal_form"] = RenewalForm(
            initial={"license_number": getattr(application, "license_number", "")}
        )
    return context | extra


def _form_for_display(request: HttpRequest, application: Application) -> ApplicationForm:
    """The form as the applicant left it: saved values, plus anything they typed that
    could not be saved (kept in their session) shown again with its error."""
    form = ApplicationForm(instance=application)
    unsaved = request.session.get(_unsaved_key(application))
    if unsaved:
        form = ApplicationForm(form.data_from_instance() | unsaved, instance=application)
        form.is_valid()
    return form


def _remember_unsaved(request: HttpRequest, form: ApplicationForm, unsaved: set[str]) -> None:
    key = _unsaved_key(form.instance)
    if unsaved:
        request.session[key] = form.unsaved_values(unsaved)
    else:
        request.session.pop(key, None)


@require_http_methods(["GET", "POST"])
def status(request: HttpRequest) -> HttpResponse:
    """/apply/: the application and where it stands, on one page.

    While the application is a draft or sent back for changes, the page is the form:
    POST saves every valid field ("Save draft", or an htmx autosave that gets a small
    status fragment back), and "Submit application" then hands it to
    `application_submit()`. Otherwise the page says where things stand.
    """
    user = request.user
    if not user.is_authenticated:
        if request.htmx:  # an autosave after the session ended: say so, lose nothing
            return render(request, SAVE_STATUS, {"signed_out": True})
        return redirect_to_login(request.get_full_path())
    if user.is_member:
        if request.htmx:
            return HttpResponseClientRedirect(reverse("home"))
        return redirect("home")
    if user.deletion_requested_at is not None:
        # Leaving Hive: where everyone who is not a member lands, they are offered to
        # cancel the deletion (members/views/data.py).
        if request.htmx:
            return HttpResponseClientRedirect(reverse("members:deletion_pending"))
        return redirect("members:deletion_pending")
    if user.membership_status == User.Status.SUSPENDED:
        application = Application.objects.filter(user=user).first()
    else:
        application = application_for(user)
    state = _state(user, application)
    editable = state in (Status.DRAFT, Status.CHANGES_REQUESTED) and application.is_editable
    if request.method == "POST":
        if not editable:
            return _not_editable(request)
        return _save(request, application)
    context = _status_context(application, state)
    if editable:
        context["form"] = _form_for_display(request, application)
    return render(request, "members/status.html", context)


def _not_editable(request: HttpRequest) -> HttpResponse:
    if request.htmx:
        return render(request, SAVE_STATUS, {"not_editable": True})
    messages.info(request, "Your application has already been sent, so it can’t be changed here.")
    return redirect("members:status")


def _save(request: HttpRequest, application: Application) -> HttpResponse:
    """Save what is valid; then autosave answers with a fragment, "Save draft" with the
    page, and "Submit application" tries to submit."""
    profession_before = application.profession_id
    form = ApplicationForm(request.POST, instance=application)
    form.is_valid()
    try:
        unsaved = form.save_draft()
    except IllegalTransition:
        return _not_editable(request)
    _remember_unsaved(request, form, unsaved)
    application = form.instance
    if request.htmx:
        context = {"saved_at": timezone.now(), "problems": form.problems}
        if application.profession_id != profession_before:
            # The tier's choices follow the profession: send them again, as saved (only
            # then, so a keyboard moving through the tier's radios keeps its place).
            context |= {"tier_oob": True, "form": ApplicationForm(instance=application)}
        return render(request, SAVE_STATUS, context)
    submitting = request.POST.get("action") == "submit"
    if submitting and not form.errors:
        resubmitting = application.status == Status.CHANGES_REQUESTED
        try:
            application_submit(application=application)
        except IllegalTransition:
            return _not_editable(request)
        except ValidationError as error:
            form.add_submission_errors(error.message_dict)
        else:
            request.session.pop(_unsaved_key(application), None)
            messages.success(
                request,
                "Thank you: your updated application is with our staff."
                if resubmitting
                else "Thank you: your application is with our staff. We’ve emailed your "
                "references.",
            )
            return redirect("members:status")
    elif submitting:
        # Show everything that stands in the way at once, not one round at a time.
        application.refresh_from_db()
        form.add_submission_errors(
            {key: [message] for key, message in missing_for_submission(application).items()}
        )
    elif not form.errors:
        messages.success(request, "Your draft is saved. You can come back to it any time.")
        return redirect("members:status")
    context = _status_context(
        application,
        application.status,
        form=form,
        submitting=submitting,
        saved_at=timezone.now(),
    )
    return render(request, "members/status.html", context)


@login_required
@require_POST
def renewal(request: HttpRequest) -> HttpResponse:
    """A lapsed member sends their renewed license; staff re-verify it on the board's
    site. Problems are shown on the status page with what was typed."""
    user = request.user
    if user.is_member:
        return redirect("home")
    application = Application.objects.filter(user=user).first()
    form = RenewalForm(request.POST)
    if application is None or _state(user, application) != Status.LAPSED:
        messages.info(request, "Only a lapsed membership takes a renewed license.")
        return redirect("members:status")
    if form.is_valid():
        try:
            license_renewal_submit(
                application=application,
                license_number=form.cleaned_data["license_number"],
                license_expiry=form.cleaned_data["license_expiry"],
            )
        except IllegalTransition:
            messages.info(request, "Only a lapsed membership takes a renewed license.")
            return redirect("members:status")
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
        else:  # the status page now says what happens next
            return redirect("members:status")
    application.refresh_from_db()
    context = _status_context(application, Status.LAPSED, renewal_form=form)
    return render(request, "members/status.html", context)


@require_http_methods(["GET", "POST"])
def reference(request: HttpRequest, token: str) -> HttpResponse:
    """The page a reference reaches from their email: do they know the applicant
    professionally? No account needed; the signed link is the key, and a forged,
    expired or outdated link is a 404."""
    found = reference_from_token(token)
    if found is None:
        raise Http404("This link is not valid.")
    application = found.application
    context = {"reference": found, "application": application, "answered": False}
    if found.status != Reference.Status.PENDING:
        return render(request, "members/reference.html", context | {"answered": "before"})
    form = ReferenceAnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            found = reference_respond(
                reference=found,
                confirmed=form.cleaned_data["answer"] == "yes",
                comment=form.cleaned_data["comment"],
            )
        except IllegalTransition:  # answered in another tab a moment ago
            return render(request, "members/reference.html", context | {"answered": "before"})
        context |= {"reference": found, "answered": "now"}
        return render(request, "members/reference.html", context)
    return render(request, "members/reference.html", context | {"form": form})


def access_vouchable_application(user: User, application_id: int) -> tuple[Application, Reference]:
    """The application `user` may vouch for, and the reference slot that names them.

    Only a member who was named as a reference (by one of their verified email
    addresses) may vouch, and only while the application waits for review; everyone
    else gets a 404, which says nothing about whether the application exists.
    """
    emails = {user.email.lower()} | {
        address.lower()
        for address in user.emailaddress_set.filter(verified=True).values_list("email", flat=True)
    }
    named = Q()
    for email in emails:
        named |= Q(email__iexact=email)
    found = (
        Reference.objects.select_related("application__user", "application__profession")
        .filter(
            named,
            application_id=application_id,
            application__status__in=[Status.SUBMITTED, Status.RESUBMITTED],
        )
        .exclude(application__user=user)
        .order_by("position")
        .first()
    )
    if found is None:
        raise Http404("No application for you to vouch for here.")
    return found.application, found


@member_required
@require_http_methods(["GET", "POST"])
def vouch(request: HttpRequest, application_id: int) -> HttpResponse:
    """A member named as a reference vouches in Hive instead of through the emailed
    link: it records a vouch and, if their reference is still open, confirms it."""
    application, named = access_vouchable_application(request.user, application_id)
    given = Vouch.objects.filter(application=application, member=request.user).first()
    context = {"application": application, "reference": named, "vouch": given}
    if given is not None:
        if request.method == "POST":
            messages.info(request, "You have already vouched for this applicant. Thank you.")
            return redirect("members:vouch", application_id=application.pk)
        return render(request, "members/vouch.html", context)
    form = VouchForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        note = form.cleaned_data["note"]
        try:
            with transaction.atomic():
                vouch_create(application=application, member=request.user, note=note)
        except (ValidationError, IntegrityError):  # a double click, or another tab
            messages.info(request, "You have already vouched for this applicant. Thank you.")
            return redirect("members:vouch", application_id=application.pk)
        if named.status == Reference.Status.PENDING:
            # If they answered the emailed link a moment ago, that answer stands.
            with suppress(IllegalTransition):
                reference_respond(reference=named, confirmed=True, comment=note)
        return redirect("members:vouch", application_id=application.pk)
    return render(request, "members/vouch.html", context | {"form": form})


# --- References while staff review (members/vetting/references.py) -------------------------


def _reference_with_staff(request: HttpRequest, position: int) -> tuple[Application, Reference]:
    """The signed-in applicant's reference at `position`, while staff hold the
    application; 404 otherwise (nobody else's, and nothing to do at other stages)."""
    application = Application.objects.filter(
        user=request.user, status__in=[Status.SUBMITTED, Status.RESUBMITTED]
    ).first()
    if application is None or position not in (1, 2):
        raise Http404
    return application, application.references.get(position=position)


@login_required
@require_POST
def reference_remind(request: HttpRequest, position: int) -> HttpResponse:
    """Email a reference who has not answered again (at most every two days, three
    emails in all)."""
    application, reference = _reference_with_staff(request, position)
    try:
        reference_resend(reference=reference, actor=request.user)
    except (ValidationError, IllegalTransition) as error:
        messages.error(request, error.messages[0] if hasattr(error, "messages") else str(error))
    else:
        messages.success(request, f"We’ve emailed {reference.name} again.")
    return redirect(reverse("members:status") + "#references-title")


@login_required
@require_POST
def reference_replace_view(request: HttpRequest, position: int) -> HttpResponse:
    """Name someone else in place of a reference who has not confirmed; they are emailed
    at once and the old link stops working. Errors show on the status page with what
    was typed."""
    application, reference = _reference_with_staff(request, position)
    form = ReplaceReferenceForm(request.POST, position=position)
    if form.is_valid():
        try:
            reference_replace(reference=reference, **form.cleaned_data)
        except IllegalTransition:
            return _not_editable(request)
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                for problem in problems:
                    form.add_error(None if field == "__all__" else field, problem)
        else:
            messages.success(
                request,
                f"We’ve emailed {form.cleaned_data['name']} a private link to confirm "
                "that they know you professionally.",
            )
            return redirect(reverse("members:status") + "#references-title")
    state = _state(request.user, application)
    context = _status_context(application, state, replace_form=form)
    return render(request, "members/status.html", context)
