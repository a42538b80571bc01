"""What staff weigh besides the application itself (the review page's checklist): the
license looked up on the board's site, a lapsed member's renewed license, the two
references' answers (their links and emails: references.py), and members vouching
in-app.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from members.models import Application, ApplicationEvent, Reference, User, Vouch
from members.vetting.states import IllegalTransition, Status, lock_application


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
