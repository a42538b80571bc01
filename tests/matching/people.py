"""Members with the profile and answers a matching test needs, in a few lines each."""

from __future__ import annotations

from matching.models import Answer, Questionnaire, ValuesConsent
from members.models import Profile, Term
from tests.members.factories import MemberFactory

# Coordinates of a few real places, for distances.
PLACES = {
    "oakland": (37.8044, -122.2712),
    "berkeley": (37.8716, -122.2727),  # ~7.5 km from Oakland
    "san-jose": (37.3382, -121.8863),  # ~62 km from Oakland
    "sacramento": (38.5816, -121.4944),  # ~110 km from Oakland
    "new-york": (40.7128, -74.0060),
    "portland": (45.5152, -122.6784),
    "beaverton": (45.4871, -122.8037),  # ~10 km from Portland
    "gresham": (45.4983, -122.4310),  # ~19 km from Portland
    "seattle": (47.6062, -122.3321),  # ~234 km from Portland
    "boise": (43.6150, -116.2023),  # ~560 km (~350 miles) from Portland
}
TERM_FIELDS = {
    "specialties": Term.Kind.SPECIALTY,
    "modalities": Term.Kind.MODALITY,
    "populations": Term.Kind.POPULATION,
    "looking_for": Term.Kind.LOOKING_FOR,
}


def terms(kind: str, slugs) -> list[Term]:
    found = list(Term.objects.filter(kind=kind, slug__in=list(slugs)))
    assert len(found) == len(set(slugs)), f"unknown {kind} in {slugs}"
    return found


def statement(key: str):
    return Questionnaire.objects.current().statements.get(key=key)


def answer(user, key: str, choice: int, accepted: int, importance=2, dealbreaker=False):
    """Create or change `user`'s answer (save(), so updated_at moves as in the app),
    with the consent the app requires first."""
    ValuesConsent.objects.get_or_create(member=user)
    row = Answer.objects.filter(member=user, statement=statement(key)).first()
    row = row or Answer(member=user, statement=statement(key))
    row.choice, row.accepted, row.importance, row.dealbreaker = (
        choice,
        accepted,
        importance,
        dealbreaker,
    )
    row.save()
    return row


def person(
    name: str = "",
    *,
    stage: str = "mid",
    profession: str | None = "licensed-clinical-social-worker",
    place: str | None = None,
    telehealth=(),
    referrals: str = "",
    answers: dict | None = None,
    visibility: dict | None = None,
    suggest: bool = True,
    **term_slugs,
):
    """A member in good standing with a profile. `answers`: key -> (choice, accepted)
    or (choice, accepted, importance[, dealbreaker]); `visibility`: group -> setting."""
    user = MemberFactory()
    profile = user.profile
    if name:
        profile.display_name = name
        profile.handle = name.lower().replace(" ", "-")
    profile.career_stage = stage
    if profession:
        profile.profession = Term.objects.get(kind=Term.Kind.PROFESSION, slug=profession)
    if place:
        profile.city = place.replace("-", " ").title()
        profile.latitude, profile.longitude = PLACES[place]
    profile.telehealth_jurisdictions = list(telehealth)
    profile.accepting_referrals = referrals
    profile.suggest_in_matches = suggest
    for group, setting in (visibility or {}).items():
        setattr(profile, f"{group}_visibility", setting)
    profile.save()
    chosen = []
    for field, slugs in term_slugs.items():
        chosen += terms(TERM_FIELDS[field], slugs)
    profile.terms.set(chosen)
    for key, values in (answers or {}).items():
        answer(user, key, *values)
    return user


MEMBERS = Profile.Visibility.MEMBERS
CONNECTIONS = Profile.Visibility.CONNECTIONS
ONLY_ME = Profile.Visibility.ONLY_ME
