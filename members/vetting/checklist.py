"""What staff weigh besides the application itself (the review page's checklist): the
license looked up on the board's site, a lapsed member's renewed license, the two
references answering through signed links, and members vouching in-app.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from hive.http import absolute_url
from hive.text import render_text
from members.models import Application, ApplicationEvent, Reference, User, Vouch
from members.vetting.states import IllegalTransition, Status, lock_application

REFERENCE_SALT = "members.reference"
REFERENCE_LINK_DAYS = 21


@transaction.atomic
def license_mark_verified(*, application: Application, reviewer: User, note: str) -> None:
    """Checklist: staff looked the license up on the board's site (who, when, what)."""
    if not reviewer.is_staff:
        raise PermissionDenied
    application = lock_application(application.pk)
    application.license_verified_at = timezone.now()
    application.license_verified_by = reviewer
    application.license_verification_note = note[:300]
    application.save(
        update_fields=["license_verified_at", "license_verified_by", "license_verification_note"]
    )
    ApplicationEvent.objects.create(
        application=application,
        actor=reviewer,
        action=ApplicationEvent.Action.LICENSE_VERIFIED,
        message=note,
    )


@transaction.atomic
def license_renewal_submit(
    *, application: Application, license_number: str, license_expiry: date
) -> None:
    """A lapsed member sends their renewed license; staff re-verify and approve."""
    application = lock_application(application.pk)
    if application.status != Status.LAPSED:
        raise IllegalTransition("Only a lapsed membership takes a renewed license.")
    if license_expiry <= timezone.localdate():
        raise ValidationError({"license_expiry": "This date has passed: enter the new expiry."})
    application.license_number = license_number
    application.license_expiry = license_expiry
    application.license_verified_at = None
    application.renewal_submitted_at = timezone.now()
    application.save(
        update_fields=[
            "license_number", "license_expiry", "license_verified_at", "renewal_submitted_at"
        ]
    )  # fmt: skip
    ApplicationEvent.objects.create(
        application=application,
        actor=application.user,
        action=ApplicationEvent.Action.RENEWAL_SUBMITTED,
        message=f"New expiry {license_expiry:%Y-%m-%d}",
    )


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


def reference_request_send(*, reference_id: int) -> bool:
    """Email a reference their signed link, once (a conditional update claims it)."""
    now = timezone.now()
    claimed = Reference.objects.filter(pk=reference_id, requested_at__isnull=True).update(
        requested_at=now
    )
    if not claimed:
        return False
    reference = Reference.objects.select_related("application").get(pk=reference_id)
    context = {
        "reference": reference,
        "applicant": reference.application.display_name or reference.application.legal_name,
        "url": absolute_url(reverse("members:reference", args=[reference_token(reference)])),
        "days": REFERENCE_LINK_DAYS,
    }
    send_mail(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}Do you know {context['applicant']} "
        "professionally?",
        message=render_text("members/email/reference_request.txt", context),
        from_email=None,
        recipient_list=[reference.email],
    )
    return True


@transaction.atomic
def reference_respond(*, reference: Reference, confirmed: bool, comment: str = "") -> Reference:
    """The reference confirms (or declines) knowing the applicant professionally."""
    reference = Reference.objects.select_for_update().get(pk=reference.pk)
    if reference.status != Reference.Status.PENDING:
        raise IllegalTransition("This reference has already answered.")
    reference.status = Reference.Status.CONFIRMED if confirmed else Reference.Status.DECLINED
    reference.comment = comment[:2000]
    reference.responded_at = timezone.now()
    reference.save(update_fields=["status", "comment", "responded_at"])
    ApplicationEvent.objects.create(
        application_id=reference.application_id,
        action=ApplicationEvent.Action.REFERENCE_CONFIRMED
        if confirmed
        else ApplicationEvent.Action.REFERENCE_DECLINED,
        message=f"{reference.name}: {comment}".strip(": "),
    )
    return reference


@transaction.atomic
def vouch_create(*, application: Application, member: User, note: str = "") -> Vouch:
    """An approved member vouches for an applicant in-app (once)."""
    if not member.is_member:
        raise PermissionDenied("Only members in good standing can vouch.")
    if application.user_id == member.pk:
        raise ValidationError("You cannot vouch for yourself.")
    vouch = Vouch(application=application, member=member, note=note[:300])
    vouch.full_clean()
    vouch.save()
    ApplicationEvent.objects.create(
        application=application,
        actor=member,
        action=ApplicationEvent.Action.VOUCHED,
        message=note[:300],
    )
    return vouch
