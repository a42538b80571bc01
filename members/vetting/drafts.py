"""The applicant's side before submission: the application (created as an empty draft
with two reference slots the first time it is opened), what it still needs before it
can go in, and saving what the applicant typed while it is editable.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from members.models import GUIDELINES_VERSION, Application, Reference, User
from members.validators import validate_npi
from members.vetting.states import IllegalTransition
from members.vetting.tiers import tier_allowed, tier_for, tier_problem

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
    # Each says what to do, so that next to its field it reads as an error, not as the
    # field's help text ("Display name: The name colleagues will see." did).
    required = {
        "legal_name": "Enter your legal name, as it appears on your license.",
        "display_name": "Enter the name colleagues will see.",
        "profession": "Choose your profession.",
        "credential_tier": "Choose your credential tier.",
        "license_type": "Enter your license or certification type.",
        "license_number": "Enter your license or certificate number.",
        "license_jurisdiction": "Choose the state or jurisdiction that issued your license.",
        "license_expiry": "Enter your license's expiry date.",
        "practice_setting": "Choose your practice setting.",
        "city": "Enter the city you practice in.",
        "why_join": "Write a few words on why you want to join.",
    }
    for field, message in required.items():
        if not getattr(application, field):
            missing[field] = message
    if application.profession_id and application.credential_tier:
        problem = tier_problem(application.profession, application.credential_tier)
        if problem:
            missing["credential_tier"] = problem
    if Application.supervisor_missing(application.credential_tier, application.supervisor_name):
        missing["supervisor_name"] = (
            "Enter your supervisor's name: pre-licensed associates need one."
        )
    if application.license_expiry and application.license_expiry <= timezone.localdate():
        missing["license_expiry"] = "This license has expired: enter your current license."
    if application.npi:
        try:
            validate_npi(application.npi)
        except ValidationError as error:
            missing["npi"] = error.messages[0]
    if application.guidelines_version != GUIDELINES_VERSION:
        missing["accept_guidelines"] = "Read and accept the current community guidelines."
    emails = set()
    for reference in application.references.all():
        prefix = f"reference_{reference.position}"
        if not (reference.name and reference.email and reference.relationship):
            missing[prefix] = "Enter a name, an email address and how they know you."
        elif reference.email.lower() == application.user.email.lower():
            missing[prefix] = "Name someone other than yourself."
        elif reference.email.lower() in emails:
            missing[prefix] = (
                "Name someone else here: your two references must be different people."
            )
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
    before = {name: getattr(application, name) for name in [*values, "credential_tier"]}
    saved = set(values)
    for name, value in values.items():
        setattr(application, name, value)
    # The tier follows from the profession (members.vetting.tiers): set when there is
    # no choice, cleared when what was chosen no longer fits a changed profession.
    if application.profession_id:
        fixed = tier_for(application.profession)
        if fixed:
            application.credential_tier = fixed
        elif not tier_allowed(application.profession, application.credential_tier):
            application.credential_tier = ""
        if application.credential_tier != before["credential_tier"]:
            values = {**values, "credential_tier": application.credential_tier}
            saved.add("credential_tier")
    if application.status != Application.Status.DRAFT and Application.supervisor_missing(
        application.credential_tier, application.supervisor_name
    ):  # the database requires a supervisor once submitted: keep the tier for later
        for name in ("credential_tier", "supervisor_name", "profession"):
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
