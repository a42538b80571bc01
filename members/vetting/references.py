"""The two professional references: their signed links, the emails asking them to
answer, reminders, and naming someone else while the application is with staff.

A reference answers through a link bound to their email address, so naming someone
else makes the old link stop working. Reminders are limited: one every
`RESEND_AFTER`, and `MAX_SENDS` emails to one person in all (the request and two
reminders); an applicant names someone new at most `MAX_REPLACEMENTS` times.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from hive.http import absolute_url
from hive.text import render_text
from members.models import Application, ApplicationEvent, Reference, User
from members.vetting.states import IllegalTransition, Status, lock_application
from notifications.services import notify

REFERENCE_SALT = "members.reference"
REFERENCE_LINK_DAYS = 21
RESEND_AFTER = timedelta(days=2)
MAX_SENDS = 3
MAX_REPLACEMENTS = 3
# While staff hold the application, references are managed here; before (draft) and
# when sent back for changes, the application form edits them.
WITH_STAFF = (Status.SUBMITTED, Status.RESUBMITTED)


def reference_token(reference: Reference) -> str:
    return signing.dumps({"r": reference.pk, "e": reference.email}, salt=REFERENCE_SALT)


def reference_from_token(token: str) -> Reference | None:
    """The reference a link was sent to, or None if the link is forged or expired, or
    the applicant has since changed who the reference is."""
    try:
        data = signing.loads(
            token, salt=REFERENCE_SALT, max_age=timedelta(days=REFERENCE_LINK_DAYS)
        )
    except signing.BadSignature:
        return None
    reference = (
        Reference.objects.select_related("application__user").filter(pk=data.get("r")).first()
    )
    if reference is None or reference.email != data.get("e"):
        return None
    return reference


def _email_reference(reference: Reference, *, reminder: bool = False) -> None:
    context = {
        "reference": reference,
        "applicant": reference.application.display_name or reference.application.legal_name,
        "url": absolute_url(reverse("members:reference", args=[reference_token(reference)])),
        "days": REFERENCE_LINK_DAYS,
        "reminder": reminder,
    }
    subject = f"Do you know {context['applicant']} professionally?"
    send_mail(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{'Reminder: ' if reminder else ''}"
        f"{subject}",
        message=render_text("members/email/reference_request.txt", context),
        from_email=None,
        recipient_list=[reference.email],
    )


def reference_request_send(*, reference_id: int) -> bool:
    """Email a reference their signed link, once (a conditional update claims it)."""
    now = timezone.now()
    claimed = Reference.objects.filter(pk=reference_id, requested_at__isnull=True).update(
        requested_at=now, sent_count=F("sent_count") + 1
    )
    if not claimed:
        return False
    _email_reference(Reference.objects.select_related("application").get(pk=reference_id))
    return True


def resend_blocked(reference: Reference, now=None) -> str:
    """Why this reference cannot be reminded now, in words ("" when it can)."""
    now = now or timezone.now()
    if reference.status != Reference.Status.PENDING:
        return "They have already answered."
    if reference.requested_at is None:
        return "They have not been emailed yet."
    if reference.sent_count >= MAX_SENDS:
        return (
            f"They have been emailed {reference.sent_count} times. If they still don't "
            "answer, name someone else."
        )
    ready = reference.requested_at + RESEND_AFTER
    if now < ready:
        return f"You can remind them from {timezone.localtime(ready):%b %-d, %-I:%M %p}."
    return ""


@transaction.atomic
def reference_resend(*, reference: Reference, actor: User) -> Reference:
    """Email a reference who has not answered their link again (the applicant, or staff
    on their behalf), within the limits above. Raises ValidationError with the reason
    otherwise, IllegalTransition when the application is not with staff."""
    application = lock_application(reference.application_id)
    if application.status not in WITH_STAFF:
        raise IllegalTransition("References can be reminded while staff review the application.")
    reference = Reference.objects.select_for_update().get(pk=reference.pk)
    problem = resend_blocked(reference)
    if problem:
        raise ValidationError(problem)
    reference.requested_at = timezone.now()
    reference.sent_count += 1
    reference.save(update_fields=["requested_at", "sent_count"])
    ApplicationEvent.objects.create(
        application=application,
        actor=actor,
        action=ApplicationEvent.Action.REFERENCE_RESENT,
        message=reference.name,
    )
    transaction.on_commit(lambda: _email_reference(reference, reminder=True))
    return reference


@transaction.atomic
def reference_replace(
    *, reference: Reference, name: str, email: str, relationship: str
) -> Reference:
    """While staff review the application, name someone else in place of a reference
    who has not confirmed: their old link stops working (it is bound to the email) and
    the new person is emailed at once. Raises ValidationError (by field) for a
    missing or unsuitable person, or past MAX_REPLACEMENTS."""
    application = lock_application(reference.application_id)
    if application.status not in WITH_STAFF:
        raise IllegalTransition("References can be changed here while staff review it.")
    reference = Reference.objects.select_for_update().get(pk=reference.pk)
    name, email, relationship = name.strip(), email.strip(), relationship.strip()
    errors = {}
    if reference.status == Reference.Status.CONFIRMED:
        errors["__all__"] = "This reference has confirmed already: there is no need."
    if not name:
        errors["name"] = "Enter their name."
    if not email:
        errors["email"] = "Enter their email address."
    if not relationship:
        errors["relationship"] = "Say how they know your work."
    other = application.references.exclude(pk=reference.pk).first()
    if email and email.lower() == application.user.email.lower():
        errors["email"] = "Name someone other than yourself."
    elif email and other and email.lower() == other.email.lower():
        errors["email"] = "This is your other reference: name a different person."
    elif email and email.lower() == reference.email.lower():
        errors["email"] = "This is who they are already: to email them again, remind them."
    replaced = application.events.filter(action=ApplicationEvent.Action.REFERENCE_REPLACED)
    if replaced.count() >= MAX_REPLACEMENTS:
        errors["__all__"] = (
            "You have named new references several times already: please write to us "
            "if you need to change them again."
        )
    if errors:
        raise ValidationError(errors)
    before = reference.name
    reference.name, reference.email, reference.relationship = name, email, relationship
    reference.status = Reference.Status.PENDING
    reference.comment = ""
    reference.requested_at = reference.responded_at = None
    reference.sent_count = 0
    reference.full_clean()
    reference.save()
    ApplicationEvent.objects.create(
        application=application,
        actor=application.user,
        action=ApplicationEvent.Action.REFERENCE_REPLACED,
        message=f"{before} → {name}",
    )
    transaction.on_commit(lambda pk=reference.pk: reference_request_send(reference_id=pk))
    invite_members_to_vouch(application)
    return reference


def invite_members_to_vouch(application: Application) -> None:
    """A reference who is already a member in good standing can vouch in Hive instead of
    answering the email: tell them in-app, once per application and member."""
    for reference in application.references.filter(status=Reference.Status.PENDING):
        member = (
            User.objects.in_good_standing()
            .filter(
                Q(email__iexact=reference.email)
                | Q(emailaddress__email__iexact=reference.email, emailaddress__verified=True),
            )
            .exclude(pk=application.user_id)
            .distinct()
            .first()
        )
        if member is None:
            continue
        notify(
            recipient=member,
            kind="vouch_request",
            key=f"vouch_request:{application.pk}:{member.pk}",
            context={
                "applicant": application.display_name or application.legal_name,
                "relationship": reference.relationship,
            },
            url=reverse("members:vouch", args=[application.pk]),
        )
