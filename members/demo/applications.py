"""The demo's applications: the approved (or lapsed) application that let each member
in, with its references, history and vouches, and the handful of complete applications
waiting in the staff review queue. Planned in memory first, then bulk inserted.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from hive.demo import DEMO_LOGINS
from members.demo.data import (
    BATCH,
    FIRST_NAMES,
    JURISDICTIONS,
    LAST_NAMES,
    to_slug,
    weighted_choice,
)
from members.models import (
    GUIDELINES_VERSION,
    Application,
    ApplicationEvent,
    Profile,
    Reference,
    User,
    Vouch,
)
from members.validators import NPI_PREFIX, luhn_valid

SETTINGS = [
    (Application.Setting.SOLO, 34),
    (Application.Setting.GROUP, 22),
    (Application.Setting.AGENCY, 18),
    (Application.Setting.HOSPITAL, 10),
    (Application.Setting.SCHOOL, 6),
    (Application.Setting.TELEHEALTH, 8),
    (Application.Setting.OTHER, 2),
]
WHY_JOIN = [
    "Private practice is lonely. I miss having colleagues down the hall to think out "
    "loud with, and I would love a small consultation group that meets monthly.",
    "I moved states last year and do not know anyone here yet. I am looking for "
    "referral partners who share my commitment to affirming care.",
    "I am early in my career and want a mentor outside my agency, plus people to go "
    "to CE workshops with.",
    "After years in community mental health I opened a group practice. I want peers "
    "who understand both the clinical and the business side.",
    "I would like an interdisciplinary circle: dietitians, prescribers and therapists "
    "who treat eating disorders together.",
    "Generic networking sites put me in rooms with people whose values I cannot "
    "trust. A vetted community is exactly what I have been looking for.",
]
RELATIONSHIPS = [
    "Clinical supervisor at my previous agency for two years",
    "Co-led a DBT skills group with me",
    "Colleague in the same group practice since 2021",
    "Former practicum supervisor",
    "Peer consultation group member for three years",
    "Program director at the community clinic where I work",
]
REFERENCE_COMMENTS = [
    "I supervised their clinical work for two years: thoughtful, ethical and warm.",
    "We have consulted on cases together for years. I recommend them without reservation.",
    "A careful clinician and a generous colleague.",
]
CHANGE_REQUESTS = [
    "Thank you for applying. The license number you gave does not match the board's "
    "lookup for your name. Could you check it and correct any typo?",
    "Thanks for your application! Please add your supervisor's full name: associates "
    "need one on file.",
    "One of your references is a family member. Could you name a second professional "
    "reference instead?",
]
VOUCH_NOTES = [
    "We were in the same postdoc cohort; a kind, careful clinician.",
    "I have referred clients to them for years.",
]
# The waiting applications, in the order they are made: what happened to each.
PENDING_PLAN = [
    Application.Status.SUBMITTED,
    Application.Status.RESUBMITTED,
    Application.Status.CHANGES_REQUESTED,
    Application.Status.SUBMITTED,
    Application.Status.SUBMITTED,
    Application.Status.RESUBMITTED,
    Application.Status.SUBMITTED,
    Application.Status.SUBMITTED,
]


@dataclass
class ApplicationPlan:
    """One person's application, its references, history and vouches, before saving.
    `index` points into the users list; users get their ids only when inserted."""

    index: int
    application: Application
    references: list[Reference]
    events: list[tuple[str, int | None, str, str, str, object]]  # action, actor, from, to…
    vouches: list[tuple[int, str, object]]  # voucher index, note, when


def _npi(rng: random.Random) -> str:
    """A valid-looking NPI: 1 + 8 digits + the Luhn check digit over the 80840 prefix."""
    body = "1" + "".join(str(rng.randint(0, 9)) for _ in range(8))
    return next(body + d for d in "0123456789" if luhn_valid(NPI_PREFIX + body + d))


def _reference_person(rng: random.Random) -> tuple[str, str]:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    return f"{first} {last}", f"{to_slug(first)}.{to_slug(last)}@example.org"


def _supervisor(rng: random.Random, profile) -> str:
    """The supervisor an associate's profile names (community.py), else someone new."""
    drawn = _reference_person(rng)[0]
    named = getattr(profile, "demo_supervisor", "")
    return named.split(",")[0] if named else drawn


def plan_applications(rng: random.Random, *, users, profiles, now) -> list[ApplicationPlan]:
    """Applications for everyone but the staff login and the demo applicant: approved
    for members, lapsed for lapsed members, and 5–8 waiting among the applicants.

    Each member's story runs backwards from the day they joined (their profile's
    created_at): account, application, submission, license check, approval. Their
    account's date_joined moves to the day they signed up.
    """
    S = Application.Status
    today = timezone.localdate(now)
    staff, voucher = 0, 1  # the staff and member demo logins (first two people)
    applicant_login = next(i for i, u in enumerate(users) if u.email == DEMO_LOGINS["applicant"])
    plans: list[ApplicationPlan] = []

    def application_for(i: int, *, status: str, started, submitted) -> Application:
        profile = profiles[i]
        tier = profile.credential_tier
        first, last = profile.display_name.split(" ", 1)
        middle = f" {rng.choice('ABCDEFGHJKLMNPRSTW')}." if rng.random() < 0.4 else ""
        users[i].date_joined = started
        return Application(
            status=status,
            legal_name=f"{first}{middle} {last}",
            display_name=profile.display_name,
            pronouns=profile.pronouns,
            profession=profile.profession,
            credential_tier=tier,
            supervisor_name=_supervisor(rng, profile) if tier == Profile.Tier.ASSOCIATE else "",
            license_type=profile.credentials,
            license_number=f"{rng.randint(10_000, 999_999)}",
            license_jurisdiction=profile.region if profile.region in JURISDICTIONS else "CA",
            npi=_npi(rng) if rng.random() < 0.6 else "",
            practice_setting=weighted_choice(rng, SETTINGS),
            city=profile.city,
            why_join=rng.choice(WHY_JOIN),
            guidelines_version=GUIDELINES_VERSION,
            guidelines_accepted_at=submitted,
            created_at=started,
            submitted_at=submitted,
        )

    def references(submitted, statuses, *, within_hours: int = 40) -> list[Reference]:
        made = []
        for position, status in enumerate(statuses, start=1):
            name, email = _reference_person(rng)
            confirmed = status == Reference.Status.CONFIRMED
            made.append(
                Reference(
                    position=position,
                    name=name,
                    email=email,
                    relationship=rng.choice(RELATIONSHIPS),
                    status=status,
                    comment=rng.choice(REFERENCE_COMMENTS)
                    if confirmed and rng.random() < 0.5
                    else "",
                    requested_at=submitted,
                    responded_at=submitted + timedelta(hours=rng.randint(2, within_hours))
                    if confirmed
                    else None,
                )
            )
        return made

    # Members and lapsed members: the application that let them in.
    confirmed = [Reference.Status.CONFIRMED, Reference.Status.CONFIRMED]
    for i, user in enumerate(users):
        if user.is_staff or user.membership_status == User.Status.APPLICANT:
            continue
        decided = profiles[i].created_at
        submitted = decided - timedelta(minutes=rng.randint(1 * 1440, 8 * 1440))
        started = submitted - timedelta(minutes=rng.randint(30, 3 * 1440))
        lapsed = user.membership_status == User.Status.LAPSED
        application = application_for(
            i, status=S.LAPSED if lapsed else S.APPROVED, started=started, submitted=submitted
        )
        verified = decided - timedelta(minutes=rng.randint(5, 600))
        application.decided_at = decided
        application.license_verified_at = verified
        application.license_verification_note = (
            f"Looked up on the {application.license_jurisdiction} board's license search: "
            "active, no discipline."
        )
        events = [
            ("submitted", i, S.DRAFT, S.SUBMITTED, "", submitted),
            ("license_verified", staff, "", "", application.license_verification_note, verified),
            ("approved", staff, S.SUBMITTED, S.APPROVED, "", decided),
        ]
        if lapsed:
            # Expired a little while ago (never before they joined).
            since = max(1, (today - decided.date()).days)
            expired = today - timedelta(days=rng.randint(1, min(60, since)))
            application.license_expiry = expired
            lapsed_at = max(decided, now - timedelta(days=(today - expired).days))
            events.append(
                (
                    "lapsed",
                    None,
                    S.APPROVED,
                    S.LAPSED,
                    f"License expired on {expired:%Y-%m-%d}.",
                    lapsed_at,
                )
            )
            if rng.random() < 0.4:  # a renewed license waits for staff to re-verify it
                renewed = min(now, lapsed_at + timedelta(hours=rng.randint(6, 96)))
                application.license_expiry = today + timedelta(days=rng.randint(365, 730))
                application.license_number = f"{rng.randint(10_000, 999_999)}"
                application.license_verified_at = None
                application.renewal_submitted_at = renewed
                events.append(
                    (
                        "renewal_submitted",
                        i,
                        "",
                        "",
                        f"New expiry {application.license_expiry:%Y-%m-%d}",
                        renewed,
                    )
                )
        else:
            # Spread over the next two years; about one in thirty within a month.
            days = rng.randint(8, 30) if rng.random() < 0.034 else rng.randint(31, 730)
            application.license_expiry = today + timedelta(days=days)
        plans.append(ApplicationPlan(i, application, references(submitted, confirmed), events, []))

    # A handful of applicants whose complete applications wait for the staff account.
    pool = [
        i
        for i, user in enumerate(users)
        if user.membership_status == User.Status.APPLICANT and i != applicant_login
    ]
    chosen = rng.sample(pool, min(len(pool), rng.randint(5, 8)))
    for k, i in enumerate(chosen):
        status = PENDING_PLAN[k]
        # Ages from about 6 days down to 1: some have waited more than two days.
        age = 6 - 5 * k / max(1, len(chosen) - 1) + rng.uniform(-0.25, 0.25)
        submitted = now - timedelta(days=min(6, max(1, age)))
        first_submitted = submitted - timedelta(days=2) if status == S.RESUBMITTED else submitted
        started = first_submitted - timedelta(minutes=rng.randint(30, 2 * 1440))
        application = application_for(i, status=status, started=started, submitted=submitted)
        application.license_expiry = today + timedelta(days=rng.randint(90, 900))
        answered = [Reference.Status.PENDING, Reference.Status.PENDING]
        if k % 3 == 0:
            answered[0] = Reference.Status.CONFIRMED
        elif k % 3 == 1:
            answered = confirmed
        events = [("submitted", i, S.DRAFT, S.SUBMITTED, "", first_submitted)]
        if status in (S.RESUBMITTED, S.CHANGES_REQUESTED):
            asked = first_submitted + timedelta(hours=rng.randint(3, 30))
            application.staff_message = rng.choice(CHANGE_REQUESTS)
            events.append(
                (
                    "changes_requested",
                    staff,
                    S.SUBMITTED,
                    S.CHANGES_REQUESTED,
                    application.staff_message,
                    asked,
                )
            )
            if status == S.RESUBMITTED:
                events.append(("resubmitted", i, S.CHANGES_REQUESTED, S.RESUBMITTED, "", submitted))
        # Answers come within the day, so none is dated in the future.
        refs = references(first_submitted, answered, within_hours=20)
        for reference in refs:
            if reference.status == Reference.Status.CONFIRMED:
                events.append(
                    (
                        "reference_confirmed",
                        None,
                        "",
                        "",
                        f"{reference.name}: {reference.comment}".strip(": "),
                        reference.responded_at,
                    )
                )
        if k == 0:  # one license already looked up
            application.license_verified_at = submitted + timedelta(hours=3)
            application.license_verification_note = (
                f"{application.license_jurisdiction} board lookup: active, expiry matches."
            )
            events.append(
                (
                    "license_verified",
                    staff,
                    "",
                    "",
                    application.license_verification_note,
                    application.license_verified_at,
                )
            )
        vouches = []
        if k == 2:  # one applicant a member knows
            when = first_submitted + timedelta(hours=20)
            note = rng.choice(VOUCH_NOTES)
            vouches.append((voucher, note, when))
            events.append(("vouched", voucher, "", "", note, when))
        events.sort(key=lambda event: event[5])
        plans.append(ApplicationPlan(i, application, refs, events, vouches))
    return plans


def save_applications(plans: list[ApplicationPlan], *, users) -> None:
    """Insert the planned applications and everything hanging off them, in bulk."""
    staff = users[0]
    for plan in plans:
        plan.application.user = users[plan.index]
        if plan.application.license_verified_at or plan.application.license_verification_note:
            plan.application.license_verified_by = staff
    Application.objects.bulk_create([plan.application for plan in plans], batch_size=BATCH)
    references, events, vouches = [], [], []
    for plan in plans:
        application = plan.application
        for reference in plan.references:
            reference.application = application
            references.append(reference)
        for action, actor, from_status, to_status, message, when in plan.events:
            events.append(
                ApplicationEvent(
                    application=application,
                    actor=users[actor] if actor is not None else None,
                    action=action,
                    from_status=from_status,
                    to_status=to_status,
                    message=message,
                    created_at=when,
                )
            )
        for voucher, note, when in plan.vouches:
            vouches.append(
                Vouch(application=application, member=users[voucher], note=note, created_at=when)
            )
    Reference.objects.bulk_create(references, batch_size=BATCH * 2)
    ApplicationEvent.objects.bulk_create(events, batch_size=BATCH * 2)
    Vouch.objects.bulk_create(vouches)
