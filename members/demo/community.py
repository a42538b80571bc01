"""Seeding the whole community: `seed_community()` makes the people (accounts,
profiles, their terms and search documents, in bulk), then has members/demo/applications.py
and members/demo/network.py add their applications and their connections and blocks.
`demo_accounts()` finds the accounts it made (deleting them deletes the rest).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from hive.demo import DEMO_LOGINS, DEMO_PASSWORD
from members.demo.applications import plan_applications, save_applications
from members.demo.data import (
    BATCH,
    FIRST_NAMES,
    JURISDICTIONS,
    LAST_NAMES,
    OFFICE_SPACE,
    PROFESSIONS,
    PRONOUNS,
    REFERRALS,
    SUPERVISOR_LETTERS,
    VISIBILITY_GROUPS,
    largest_cities,
    to_slug,
    weighted_choice,
)
from members.demo.network import save_network, save_tags
from members.demo.practice import describe, draw_practice
from members.directory import profile_refresh_search
from members.models import Profile, Term, User
from members.scope import scope_of

DEMO_DOMAIN = "demo.hive.test"


@dataclass
class SeedResult:
    members: int
    applicants: int
    lapsed: int
    pending_applications: int = 0
    # Ids of the people with a profile, in the order they were created (what the apps
    # seeded after members give demo activity to), and of the demo logins by role.
    people: list[int] = field(default_factory=list)
    login_ids: dict[str, int] = field(default_factory=dict)


def demo_accounts() -> QuerySet[User]:
    """The demo people and the demo logins: never a real account."""
    return User.objects.filter(
        Q(email__iendswith=f"@{DEMO_DOMAIN}") | Q(email__in=DEMO_LOGINS.values())
    )


@transaction.atomic
def seed_community(*, members: int, seed: int) -> SeedResult:
    """Create `members` demo people (about 3% applicants, 1% lapsed) plus the demo logins."""
    rng = random.Random(seed)
    now = timezone.now()
    password = make_password(DEMO_PASSWORD)
    terms = {kind: list(Term.objects.filter(kind=kind)) for kind in Term.Kind.values}
    if not terms[Term.Kind.PROFESSION] or not terms[Term.Kind.LOOKING_FOR]:
        raise RuntimeError("The taxonomy is empty: run `manage.py migrate` first.")
    professions = {t.slug: t for t in terms[Term.Kind.PROFESSION]}
    profession_weights = [
        (slug, weight) for slug, (_, _, weight) in PROFESSIONS.items() if slug in professions
    ]
    by_slug = {(t.kind, t.slug): t for kind_terms in terms.values() for t in kind_terms}
    labels = {t.slug: t.label for kind_terms in terms.values() for t in kind_terms}
    english = next(t for t in terms[Term.Kind.LANGUAGE] if t.slug == "english")
    other_languages = [t for t in terms[Term.Kind.LANGUAGE] if t.slug != "english"]
    cities = largest_cities()
    city_weights = [c["population"] ** 0.5 for c in cities]
    # Practice details and privacy come from their own stream, so adding them left
    # the people the main seed already made (names, places, terms) unchanged.
    practice_rng = random.Random(f"{seed}:practice")
    jurisdiction_codes = sorted(JURISDICTIONS)

    users: list[User] = []
    profiles: list[Profile] = []
    profile_terms: list[list[Term]] = []
    handles: set[str] = set()
    counts = {"applicant": 0, "lapsed": 0}

    def add_person(email: str, *, status: str, is_staff: bool = False) -> None:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        base = to_slug(f"{first}-{last}")
        handle, n = base, 1
        while handle in handles:
            n += 1
            handle = f"{base}-{n}"
        handles.add(handle)
        profession_slug = weighted_choice(rng, profession_weights)
        tier, letters, _ = PROFESSIONS[profession_slug]
        city = rng.choices(cities, weights=city_weights, k=1)[0]
        # Specialties, modalities, populations and stage within the profession's scope
        # of practice (members/data/scope.json), leaning the member's own way.
        scope = scope_of(profession_slug)
        practice = draw_practice(rng, scope, tier)
        languages = [english]
        if rng.random() < 0.28:
            languages += rng.sample(other_languages, rng.randint(1, 2))
        joined = now - timedelta(days=rng.randint(0, 900), minutes=rng.randint(0, 1439))
        supervisor = ""
        if scope.supervised:
            supervisor = (
                f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}, "
                f"{SUPERVISOR_LETTERS.get(letters, 'LCSW')}"
            )
        headline, bio = describe(
            rng,
            practice=practice,
            scope=scope,
            labels=labels,
            letters=letters,
            city=city["name"],
            language=languages[1].label if len(languages) > 1 else "",
            supervisor=supervisor,
        )
        chosen = (
            [by_slug[Term.Kind.SPECIALTY, slug] for slug in practice.specialties]
            + [by_slug[Term.Kind.MODALITY, slug] for slug in practice.modalities]
            + [by_slug[Term.Kind.POPULATION, slug] for slug in practice.populations]
            + [by_slug[Term.Kind.LOOKING_FOR, slug] for slug in practice.looking_for]
        )
        telehealth = []
        if practice_rng.random() < 0.6 and city["admin1code"] in JURISDICTIONS:
            telehealth = [city["admin1code"]]
            if practice_rng.random() < 0.25:
                others = [code for code in jurisdiction_codes if code != city["admin1code"]]
                telehealth += practice_rng.sample(others, practice_rng.randint(1, 2))
        # Most keep the defaults (members see everything); about one in ten is stricter.
        privacy = {}
        if practice_rng.random() < 0.1:
            group = practice_rng.choice(VISIBILITY_GROUPS)
            privacy[f"{group}_visibility"] = practice_rng.choice(
                [Profile.Visibility.CONNECTIONS, Profile.Visibility.ONLY_ME]
            )
            privacy["listed_in_directory"] = practice_rng.random() < 0.7
            privacy["suggest_in_matches"] = practice_rng.random() < 0.7
        users.append(
            User(
                email=email,
                password=password,
                membership_status=status,
                is_staff=is_staff,
                is_superuser=is_staff,
                date_joined=joined,
                # Their city's own zone (the place list carries it): a clinician in
                # Richmond, Virginia reads times in Eastern Time, not UTC.
                timezone=city["timezone"],
            )
        )
        profile = Profile(
            handle=handle,
            display_name=f"{first} {last}",
            pronouns=weighted_choice(rng, PRONOUNS),
            headline=headline[:140],
            bio=bio,
            profession=professions[profession_slug],
            credential_tier=tier,
            credentials=letters,
            career_stage=practice.stage,
            city=city["name"],
            region=city["admin1code"],
            country="US",
            latitude=round(city["latitude"] + rng.uniform(-0.08, 0.08), 5),
            longitude=round(city["longitude"] + rng.uniform(-0.08, 0.08), 5),
            telehealth_jurisdictions=telehealth,
            accepting_referrals=weighted_choice(practice_rng, REFERRALS),
            office_space=weighted_choice(practice_rng, OFFICE_SPACE),
            created_at=joined,
            **privacy,
        )
        profiles.append(profile)
        profile.demo_supervisor = supervisor  # the name the application gives (applications.py)
        profile_terms.append(chosen + languages)

    add_person(DEMO_LOGINS["staff"], status=User.Status.MEMBER, is_staff=True)
    add_person(DEMO_LOGINS["member"], status=User.Status.MEMBER)
    add_person(DEMO_LOGINS["applicant"], status=User.Status.APPLICANT)
    for i in range(members):
        roll = rng.random()
        if roll < 0.03:
            status = User.Status.APPLICANT
            counts["applicant"] += 1
        elif roll < 0.04:
            status = User.Status.LAPSED
            counts["lapsed"] += 1
        else:
            status = User.Status.MEMBER
        add_person(f"member{i:06d}@{DEMO_DOMAIN}", status=status)

    plans = plan_applications(
        random.Random(f"{seed}:applications"), users=users, profiles=profiles, now=now
    )
    User.objects.bulk_create(users, batch_size=BATCH)
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users],
        batch_size=BATCH,
    )
    # Applicants have no profile yet: it is created when they are approved.
    keep = [i for i, u in enumerate(users) if u.membership_status != User.Status.APPLICANT]
    for i in keep:
        profiles[i].user = users[i]
    Profile.objects.bulk_create([profiles[i] for i in keep], batch_size=BATCH)
    through = Profile.terms.through
    through.objects.bulk_create(
        [
            through(profile_id=profiles[i].pk, term_id=term.pk)
            for i in keep
            for term in profile_terms[i]
        ],
        batch_size=BATCH * 5,
    )
    # bulk_create skips every service, so the directory's search documents are built
    # here, in one UPDATE for all the new profiles.
    profile_refresh_search(profiles[i].pk for i in keep)
    save_applications(plans, users=users)
    # Its own random stream, so the network left everyone above unchanged.
    save_network(random.Random(f"{seed}:network"), users=users, profiles=profiles, now=now)
    save_tags(random.Random(f"{seed}:network-tags"), users=users, profiles=profiles, now=now)
    return SeedResult(
        members=members - counts["applicant"] - counts["lapsed"],
        applicants=counts["applicant"],
        lapsed=counts["lapsed"],
        pending_applications=sum(1 for plan in plans if plan.application.waiting_for_review),
        people=[users[i].pk for i in keep],
        login_ids={
            role: next(user.pk for user in users if user.email == email)
            for role, email in DEMO_LOGINS.items()
        },
    )
