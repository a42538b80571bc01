"""Applications and human vetting: the state machine and everything around it.

States: draft → submitted → (changes requested ↔ resubmitted) → approved | rejected;
approved → lapsed → approved; any → suspended. One function per transition. Each
locks the application row (SELECT … FOR UPDATE), checks the state it starts from and
raises IllegalTransition otherwise, so two staff deciding at once cannot both win: the
second one finds the state already changed. Every transition appends an
ApplicationEvent and notifies the applicant (mandatory kind: decisions always arrive).
"""

from __future__ import annotations

from datetime import date, timedelta

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from hive.text import render_text
from members.models import (
    GUIDELINES_VERSION,
    Application,
    ApplicationEvent,
    AuditEvent,
    Profile,
    Reference,
    User,
    Vouch,
)
from members.services import audit_record
from members.validators import validate_npi
from notifications.services import absolute_url, notify

S = Application.Status
REFERENCE_SALT = "members.reference"
REFERENCE_LINK_DAYS = 21
REMINDER_DAYS = (30, 7)


class IllegalTransition(Exception):
    """The application is not in a state this action can start from."""


class StaffNeedsTwoFactor(PermissionDenied):
    """Staff decide on applications only with two-factor authentication turned on."""


# --- Reading -------------------------------------------------------------------------------


def application_for(user: User) -> Application:
    """The user's application, created (as an empty draft, with two reference slots)
    the first time they open it."""
    application, created = Application.objects.get_or_create(user=user)
    if created:
        Reference.objects.bulk_create(
            [Reference(application=application, position=p) for p in (1, 2)]
        )
    return application


def missing_for_submission(application: Application) -> dict[str, str]:
    """Field → message for everything still needed before the application can go in."""
    missing: dict[str, str] = {}
    required = {
        "legal_name": "Your legal name, as on your license.",
        "display_name": "The name colleagues will see.",
        "profession": "Your profession.",
        "credential_tier": "Your credential tier.",
        "license_type": "Your license type.",
        "license_number": "Your license number.",
        "license_jurisdiction": "The state or jurisdiction that issued your license.",
        "license_expiry": "Your license's expiry date.",
        "practice_setting": "Your practice setting.",
        "city": "The city you practise in.",
        "why_join": "A few words on why you want to join.",
    }
    for field, message in required.items():
        if not getattr(application, field):
            missing[field] = message
    if application.credential_tier == "associate" and not application.supervisor_name:
        missing["supervisor_name"] = "Your supervisor's name (pre-licensed associates)."
    if application.license_expiry and application.license_expiry <= timezone.localdate():
        missing["license_expiry"] = "This license has expired: enter your current license."
    if application.npi:
        try:
            validate_npi(application.npi)
        except ValidationError as error:
            missing["npi"] = error.messages[0]
    if application.guidelines_version != GUIDELINES_VERSION:
        missing["accept_guidelines"] = "Please read and accept the current community guidelines."
    emails = set()
    for reference in application.references.all():
        prefix = f"reference_{reference.position}"
        if not (reference.name and reference.email and reference.relationship):
            missing[prefix] = "Each reference needs a name, an email and how they know you."
        elif reference.email.lower() == application.user.email.lower():
            missing[prefix] = "A reference must be someone other than you."
        elif reference.email.lower() in emails:
            missing[prefix] = "Please name two different people as references."
        emails.add(reference.email.lower())
    return missing


# --- Drafts ------------------------------------------------------------------------------


@transaction.atomic
def application_save_draft(
    *,
    application: Application,
    values: dict,
    references: dict[int, dict[str, str]],
    accept_guidelines: bool | None,
) -> tuple[Application, set[str]]:
    """Save what the applicant typed (only the valid fields: the caller leaves the rest
    out) to a draft or a changes-requested application. Returns the application and the
    names saved (field names, "reference_<n>_<part>", "accept_guidelines").

    The row is locked and must still be editable: an autosave that arrives after the
    application was submitted changes nothing (IllegalTransition).
    """
    application = Application.objects.select_for_update().get(pk=application.pk)
    if not application.is_editable:
        raise IllegalTransition("This application has been sent: it can't be changed now.")
    before = {name: getattr(application, name) for name in values}
    saved = set(values)
    for name, value in values.items():
        setattr(application, name, value)
    if (
        application.status != S.DRAFT
        and application.credential_tier == Profile.Tier.ASSOCIATE
        and not application.supervisor_name
    ):  # the database requires a supervisor once submitted: keep the tier for later
        for name in ("credential_tier", "supervisor_name"):
            if name in before:
                setattr(application, name, before[name])
                saved.discard(name)
    update = [*(saved & set(values)), "updated_at"]
    if accept_guidelines is not None:
        saved.add("accept_guidelines")
        if not accept_guidelines:
            application.guidelines_version, application.guidelines_accepted_at = "", None
        elif application.guidelines_version != GUIDELINES_VERSION:
            application.guidelines_version = GUIDELINES_VERSION
            application.guidelines_accepted_at = timezone.now()
        update += ["guidelines_version", "guidelines_accepted_at"]
    application.save(update_fields=update)
    for position, parts in references.items():
        reference, _ = Reference.objects.select_for_update().get_or_create(
            application=application, position=position
        )
        changed = [part for part, value in parts.items() if getattr(reference, part) != value]
        for part in changed:
            setattr(reference, part, parts[part])
        saved |= {f"reference_{position}_{part}" for part in parts}
        if "email" in changed:
            # Someone else now: their answer (and link) must come from them.
            reference.status = Reference.Status.PENDING
            reference.comment = ""
            reference.requested_at = reference.responded_at = None
            changed += ["status", "comment", "requested_at", "responded_at"]
        if changed:
            reference.save(update_fields=changed)
    return application, saved


# --- Transitions ---------------------------------------------------------------------------


def _locked(application_id: int) -> Application:
    return Application.objects.select_for_update().select_related("user").get(pk=application_id)


def _move(
    application: Application,
    *,
    allowed_from: set[str],
    to: str,
    action: str,
    actor: User | None,
    message: str = "",
) -> Application:
    if application.status not in allowed_from:
        raise IllegalTransition(
            f"Cannot {action.replace('_', ' ')} an application that is "
            f"{application.get_status_display().lower()}."
        )
    previous = application.status
    application.status = to
    application.save(update_fields=["status", "updated_at"])
    ApplicationEvent.objects.create(
        application=application,
        actor=actor,
        action=action,
        from_status=previous,
        to_status=to,
        message=message,
    )
    return application


def _require_deciding_staff(reviewer: User) -> None:
    if not reviewer.is_staff:
        raise PermissionDenied("Only staff review applications.")
    if not Authenticator.objects.filter(user=reviewer).exists():
        raise StaffNeedsTwoFactor("Turn on two-factor authentication before deciding.")


def _tell_applicant(application: Application, *, headline: str, message: str = "") -> None:
    notify(
        recipient=application.user,
        kind="application_update",
        key=f"application_update:{application.pk}:{application.events.count()}",
        context={"headline": headline, "message": message},
        url=reverse("members:status"),
    )


@transaction.atomic
def application_submit(*, application: Application) -> Application:
    """draft → submitted, or changes requested → resubmitted, once complete."""
    application = _locked(application.pk)
    if application.status == S.CHANGES_REQUESTED:
        allowed, to, action = {S.CHANGES_REQUESTED}, S.RESUBMITTED, "resubmitted"
    else:
        allowed, to, action = {S.DRAFT}, S.SUBMITTED, "submitted"
    if application.status not in allowed:
        raise IllegalTransition("This application has already been submitted.")
    missing = missing_for_submission(application)
    if missing:
        raise ValidationError(missing)
    application.submitted_at = timezone.now()
    application.save(update_fields=["submitted_at"])
    _move(application, allowed_from=allowed, to=to, action=action, actor=application.user)
    for reference in application.references.filter(requested_at__isnull=True):
        transaction.on_commit(lambda pk=reference.pk: reference_request_send(reference_id=pk))
    _invite_members_to_vouch(application)
    return application


def _invite_members_to_vouch(application: Application) -> None:
    """A reference who is already a member in good standing can vouch in Hive instead of
    answering the email: tell them in-app, once per application and member."""
    for reference in application.references.filter(status=Reference.Status.PENDING):
        member = (
            User.objects.filter(
                Q(email__iexact=reference.email)
                | Q(emailaddress__email__iexact=reference.email, emailaddress__verified=True),
                is_active=True,
                membership_status=User.Status.MEMBER,
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


@transaction.atomic
def application_request_changes(
    *, application: Application, reviewer: User, message: str
) -> Application:
    """submitted/resubmitted → changes requested, with a message to the applicant."""
    _require_deciding_staff(reviewer)
    if not message.strip():
        raise ValidationError({"message": "Tell the applicant what to change."})
    application = _locked(application.pk)
    _move(
        application,
        allowed_from={S.SUBMITTED, S.RESUBMITTED},
        to=S.CHANGES_REQUESTED,
        action="changes_requested",
        actor=reviewer,
        message=message,
    )
    application.staff_message = message
    application.save(update_fields=["staff_message"])
    _tell_applicant(
        application, headline="Staff asked for changes to your application", message=message
    )
    return application


@transaction.atomic
def application_approve(*, application: Application, reviewer: User, note: str = "") -> Application:
    """submitted/resubmitted (or lapsed, after re-verification) → approved: the person
    becomes a member, with an (empty) profile on first approval."""
    _require_deciding_staff(reviewer)
    application = _locked(application.pk)
    was_lapsed = application.status == S.LAPSED
    if was_lapsed and not (
        application.license_verified_at
        and application.renewal_submitted_at
        and application.license_verified_at >= application.renewal_submitted_at
    ):
        raise ValidationError({"message": "Look up the renewed license before reinstating."})
    _move(
        application,
        allowed_from={S.SUBMITTED, S.RESUBMITTED, S.LAPSED},
        to=S.APPROVED,
        action="reinstated" if was_lapsed else "approved",
        actor=reviewer,
        message=note,
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
    _tell_applicant(
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
    _require_deciding_staff(reviewer)
    if not reason.strip():
        raise ValidationError({"message": "Give the applicant a reason."})
    application = _locked(application.pk)
    _move(
        application,
        allowed_from={S.SUBMITTED, S.RESUBMITTED},
        to=S.REJECTED,
        action="rejected",
        actor=reviewer,
        message=reason,
    )
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
    _tell_applicant(application, headline="Your application was not approved", message=reason)
    return application


@transaction.atomic
def application_lapse(*, application: Application) -> Application:
    """approved → lapsed, when the license has expired (periodic task)."""
    application = _locked(application.pk)
    _move(application, allowed_from={S.APPROVED}, to=S.LAPSED, action="lapsed", actor=None,
          message=f"License expired on {application.license_expiry:%Y-%m-%d}.")  # fmt: skip
    user = application.user
    user.membership_status = User.Status.LAPSED
    user.save(update_fields=["membership_status"])
    _notify_expiry(application, days_left=0)
    return application


@transaction.atomic
def application_suspend(*, application: Application, reviewer: User, reason: str) -> Application:
    """any → suspended (staff). The person sees only their status page."""
    _require_deciding_staff(reviewer)
    if not reason.strip():
        raise ValidationError({"message": "Record why the account is suspended."})
    application = _locked(application.pk)
    _move(
        application,
        allowed_from=set(S.values) - {S.SUSPENDED},
        to=S.SUSPENDED,
        action="suspended",
        actor=reviewer,
        message=reason,
    )
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
    _tell_applicant(application, headline="Your Hive account is suspended", message=reason)
    return application


def _unique_handle(name: str) -> str:
    base = slugify(name)[:32] or "member"
    handle, n = base, 1
    while Profile.objects.filter(handle=handle).exists():
        n += 1
        handle = f"{base}-{n}"
    return handle


# --- Checklist, renewals, references, vouches -----------------------------------------------


@transaction.atomic
def license_mark_verified(*, application: Application, reviewer: User, note: str) -> None:
    """Checklist: staff looked the license up on the board's site (who, when, what)."""
    if not reviewer.is_staff:
        raise PermissionDenied
    application = _locked(application.pk)
    application.license_verified_at = timezone.now()
    application.license_verified_by = reviewer
    application.license_verification_note = note[:300]
    application.save(
        update_fields=["license_verified_at", "license_verified_by", "license_verification_note"]
    )
    ApplicationEvent.objects.create(
        application=application, actor=reviewer, action="license_verified", message=note
    )


@transaction.atomic
def license_renewal_submit(
    *, application: Application, license_number: str, license_expiry: date
) -> None:
    """A lapsed member sends their renewed license; staff re-verify and approve."""
    application = _locked(application.pk)
    if application.status != S.LAPSED:
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
        action="renewal_submitted",
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
        action=f"reference_{reference.status}",
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
        application=application, actor=member, action="vouched", message=note[:300]
    )
    return vouch


# --- Periodic work ---------------------------------------------------------------------------


def _notify_expiry(application: Application, *, days_left: int) -> None:
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


def license_expiry_check(*, today: date | None = None) -> dict:
    """Daily: remind 30 and 7 days before a license expires; lapse it on the day.
    Idempotent: reminders have keys, and lapsing starts from "approved" only."""
    today = today or timezone.localdate()
    approved = Application.objects.filter(status=S.APPROVED).select_related("user")
    reminded = 0
    for days in REMINDER_DAYS:
        for application in approved.filter(license_expiry=today + timedelta(days=days)):
            with transaction.atomic():
                _notify_expiry(application, days_left=days)
            reminded += 1
    lapsed = 0
    for application in approved.filter(license_expiry__lte=today):
        try:
            application_lapse(application=application)
            lapsed += 1
        except IllegalTransition:  # someone else got there first
            pass
    return {"reminded": reminded, "lapsed": lapsed}


def review_queue_digest(*, now=None) -> int:
    """Daily: tell each staff member how many applications wait more than two days."""
    now = now or timezone.now()
    waiting = Application.objects.filter(
        status__in=[S.SUBMITTED, S.RESUBMITTED], submitted_at__lt=now - timedelta(days=2)
    ).aggregate(count=Count("pk"), oldest=Min("submitted_at"))
    count = waiting["count"]
    if not count:
        return 0
    staff = User.objects.filter(is_staff=True, is_active=True)
    for person in staff:
        with transaction.atomic():
            notify(
                recipient=person,
                kind="review_queue",
                key=f"review_queue:{person.pk}:{now:%Y-%m-%d}",
                context={"count": count, "oldest": f"{waiting['oldest']:%B %-d, %Y}"},
                url=reverse("members:review_queue"),
            )
    return staff.count()
