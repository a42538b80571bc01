"""Which credential tiers a profession allows (SPEC §1 "Credential tiers"): the tier
follows from the profession, with a choice only where the profession itself leaves
one open. An LCSW is a licensed clinician and cannot be a "pre-licensed associate";
an art therapist may or may not also hold a clinical license.

The one rule for the application form, the draft service and submission. A profession
missing here (a vocabulary term added later) allows every tier, so nobody is blocked
before this list is updated.
"""

from __future__ import annotations

from members.models import Profile, Term

Tier = Profile.Tier

# Profession slug (members/data/taxonomy.json) -> the tiers it allows, the usual first.
TIERS_BY_PROFESSION: dict[str, tuple[str, ...]] = {
    "licensed-clinical-social-worker": (Tier.LICENSED,),
    "licensed-professional-counselor": (Tier.LICENSED,),
    "licensed-mental-health-counselor": (Tier.LICENSED,),
    "marriage-and-family-therapist": (Tier.LICENSED,),
    "clinical-psychologist": (Tier.LICENSED,),
    "counseling-psychologist": (Tier.LICENSED,),
    "psychiatrist": (Tier.LICENSED,),
    "psychiatric-nurse-practitioner": (Tier.LICENSED,),
    "licensed-addiction-counselor": (Tier.LICENSED,),
    "associate-clinical-social-worker": (Tier.ASSOCIATE,),
    "associate-professional-counselor": (Tier.ASSOCIATE,),
    "associate-marriage-and-family-therapist": (Tier.ASSOCIATE,),
    "certified-peer-support-specialist": (Tier.PEER,),
    # Creative arts therapists and school counselors often also hold a counseling license.
    "art-therapist": (Tier.ALLIED, Tier.LICENSED),
    "music-therapist": (Tier.ALLIED, Tier.LICENSED),
    "school-counselor": (Tier.ALLIED, Tier.LICENSED),
    "occupational-therapist": (Tier.ALLIED,),
    "registered-dietitian": (Tier.ALLIED,),
    "psychometrist": (Tier.ALLIED,),
    # Many case managers are peer support specialists by training.
    "case-manager": (Tier.ALLIED, Tier.PEER),
}
EVERY_TIER = tuple(Tier.values)


def tiers_for(profession: Term | None) -> tuple[str, ...]:
    """The tiers `profession` allows, the usual one first; every tier when the profession
    is not chosen yet or not in the list."""
    if profession is None:
        return EVERY_TIER
    return TIERS_BY_PROFESSION.get(profession.slug, EVERY_TIER)


def tier_for(profession: Term | None) -> str | None:
    """The tier when the profession leaves no choice, else None."""
    allowed = tiers_for(profession)
    return allowed[0] if profession is not None and len(allowed) == 1 else None


def tier_allowed(profession: Term | None, tier: str) -> bool:
    return not tier or tier in tiers_for(profession)


def tier_problem(profession: Term | None, tier: str) -> str:
    """Why `tier` does not fit `profession`, in words for the applicant ("" when it
    fits)."""
    if tier_allowed(profession, tier):
        return ""
    names = " or ".join(str(Tier(t).label).lower() for t in tiers_for(profession))
    article = "an" if profession.label[:1].lower() in "aeiou" else "a"
    return f"As {article} {profession.label}, your tier is {names}."
