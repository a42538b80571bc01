"""The transitions, one function per transition: submit (and resubmit), request
changes, approve (or reinstate), reject, lapse and suspend. Each locks the row, checks
the state it starts from, appends an ApplicationEvent and tells the applicant.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from members.models import Application, AuditEvent, Profile, User
from members.services import audit_record
from members.vetting.drafts import missing_for_submission
from members.vetting.references import invite_members_to_vouch, reference_request_send
from members.vetting.states import (
    IllegalTransition,
    Status,
    can,
    lock_application,
    require_deciding_staff,
    transition_apply,
)
from notifications.services import notify


def tell_applicant(application: Application, *, headline: str, message: str = "") -> None:
    notify(
        recipient=application.user,
        kind="application_update",
        key=f"application_update:{application.pk}:{application.events.count()}",
        context={"headline": headline, "message": message},
        url=reverse("members:status"),
    )


def license_expiry_notify(application: Application, *, days_left: int) -> None:
    notify(
        recipient=application.user,
        kind="license_expiry",
        key=f"license_expiry:{application.pk}:{application.license_expiry}:{days_left}",
        context={
            "days_left": days_left,
            "license_type": application.license_type,
            "jurisdiction": application.license_jurisdiction,
            "expiry": application.license_expiry.strftime("%B %-d, %Y"),
        },
        url=reverse("members:status"),
    )


@transaction.atomic
def application_submit(*, application: Application) -> Application:
    """draft → submitted, or changes requested → resubmitted, once complete."""
    application = lock_application(application.pk)
    transition = "resubmit" if application.status == Status.CHANGES_REQUESTED else "submit"
    if not can(transition, application.status):
        raise IllegalTransition("This application has already been submitted.")
    missing = missing_for_submission(application)
    if missing:
        raise ValidationError(missing)
    application.submitted_at = timezone.now()
    application.save(update_fields=["submitted_at"])
    transition_apply(application, transition, actor=application.user)
    for reference in application.references.filter(requested_at__isnull=True):
        transaction.on_commit(lambda pk=reference.pk: reference_request_send(reference_id=pk))
    invite_members_to_vouch(application)
    return application


@transaction.atomic
def application_request_changes(
    *, application: Application, reviewer: User, message: str
) -> Application:
    """submitted/resubmitted → changes requested, with a message to the applicant."""
    require_deciding_staff(reviewer)
    if not message.strip():
        raise ValidationError({"message": "Tell the applicant what to change."})
    application = lock_application(application.pk)
    transition_apply(application, "request_changes", actor=reviewer, message=message)
    application.staff_message = message
    application.save(update_fields=["staff_message"])
    tell_applicant(
        application, headline="Staff asked for changes to your application", message=message
    )
    return application


@transaction.atomic
def application_approve(*, application: Application, reviewer: User, note: str = "") -> Application:
    """submitted/resubmitted (or lapsed, after re-verification) → approved: the person
    becomes a member, with an (empty) profile on first approval."""
    require_deciding_staff(reviewer)
    application = lock_application(application.pk)
    was_lapsed = application.status == Status.LAPSED
    if was_lapsed and not (
        application.license_verified_at
        and application.renewal_submitted_at
        and application.license_verified_at >= application.renewal_submitted_at
    ):
        raise ValidationError({"message": "Look up the renewed license before reinstating."})
    transition_apply(
        application, "reinstate" if was_lapsed else "approve", actor=reviewer, message=note
    )
    application.decided_at = timezone.now()
    application.staff_message = ""
    application.renewal_submitted_at = None
    application.save(update_fields=["decided_at", "staff_message", "renewal_submitted_at"])
    user = application.user
    user.membership_status = User.Status.MEMBER
    user.save(update_fields=["membership_status"])
    if not Profile.objects.filter(user=user).exists():
        Profile.objects.create(
            user=user,
            handle=_unique_handle(application.display_name or user.email.split("@")[0]),
            display_name=application.display_name,
            pronouns=application.pronouns,
            profession=application.profession,
            credential_tier=application.credential_tier,
            credentials=application.license_type,
            city=application.city,
        )
    audit_record(
        action=AuditEvent.Action.APPLICATION_DECIDED,
        subject=user,
        actor=reviewer,
        reason=note,
        data={"application": application.pk, "decision": "approved"},
    )
    tell_applicant(
        application,
        headline="Welcome: your license is verified and you are a member of Hive"
        if was_lapsed
        else "Your application is approved: welcome to Hive",
        message=note,
    )
    return application


@transaction.atomic
def application_reject(*, application: Application, reviewer: User, reason: str) -> Application:
    """submitted/resubmitted → rejected, with the reason the applicant will read."""
    require_deciding_staff(reviewer)
    if not reason.strip():
        raise ValidationError({"message": "Give the applicant a reason."})
    application = lock_application(application.pk)
    transition_apply(application, "reject", actor=reviewer, message=reason)
    application.decided_at = timezone.now()
    application.staff_message = reason
    application.save(update_fields=["decided_at", "staff_message"])
    audit_record(
        action=AuditEvent.Action.APPLICATION_DECIDED,
        subject=application.user,
        actor=reviewer,
        reason=reason,
        data={"application": application.pk, "decision": "rejected"},
    )
    tell_applicant(application, headline="Your application was not approved", message=reason)
    return application


@transaction.atomic
def application_lapse(*, application: Application) -> Application:
    """approved → lapsed, when the license has expired (periodic task)."""
    application = lock_application(application.pk)
    transition_apply(
        application,
        "lapse",
        actor=None,
        message=f"License expired on {application.license_expiry:%Y-%m-%d}.",
    )
    user = application.user
    user.membership_status = User.Status.LAPSED
    user.save(update_fields=["membership_status"])
    license_expiry_notify(application, days_left=0)
    return application


@transaction.atomic
def application_suspend(*, application: Application, reviewer: User, reason: str) -> Application:
    """any → suspended (staff). The person sees only their status page."""
    require_deciding_staff(reviewer)
    if not reason.strip():
        raise ValidationError({"message": "Record why the account is suspended."})
    application = lock_application(application.pk)
    transition_apply(application, "suspend", actor=reviewer, message=reason)
    user = application.user
    user.membership_status = User.Status.SUSPENDED
    user.save(update_fields=["membership_status"])
    audit_record(
        action=AuditEvent.Action.SUSPENDED,
        subject=user,
        actor=reviewer,
        reason=reason,
        data={"application": application.pk},
    )
    tell_applicant(application, headline="Your Hive account is suspended", message=reason)
    return application


def _unique_handle(name: str) -> str:
    base = slugify(name)[:32] or "member"
    handle, n = base, 1
    while Profile.objects.filter(handle=handle).exists():
        n += 1
        handle = f"{base}-{n}"
    return handle
