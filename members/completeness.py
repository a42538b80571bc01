"""How complete a member's profile is: the parts colleagues look for, which of them are
filled in, and what is missing in plain words (the home page's card and checklist)."""

from __future__ import annotations

from dataclasses import dataclass

from members.models import Profile, Term

# (what is missing, in words, as "Add …"), in the order the profile editor asks.
PARTS = [
    ("photo", "a photo"),
    ("headline", "a one-line headline"),
    ("bio", "a few words about your practice"),
    ("place", "where you practice"),
    ("referrals", "whether you take referrals"),
    (Term.Kind.SPECIALTY, "your specialties"),
    (Term.Kind.POPULATION, "who you work with"),
    (Term.Kind.LANGUAGE, "the languages you work in"),
    (Term.Kind.LOOKING_FOR, "what you're looking for here"),
]
# At this share the profile reads as complete enough: colleagues can tell who you are.
ENOUGH = 0.75


@dataclass(frozen=True)
class Completeness:
    filled: int
    total: int
    missing: list[str]  # the PARTS words for what is not filled in

    @property
    def percent(self) -> int:
        return round(100 * self.filled / self.total) if self.total else 100

    @property
    def enough(self) -> bool:
        return self.filled >= ENOUGH * self.total

    @property
    def complete(self) -> bool:
        return self.filled == self.total


def profile_completeness(profile: Profile) -> Completeness:
    """Which PARTS `profile` has (one query, for the kinds of its terms)."""
    kinds = set(profile.terms.values_list("kind", flat=True).distinct())
    has = {
        "photo": bool(profile.photo_token),
        "headline": bool(profile.headline.strip()),
        "bio": bool(profile.bio.strip()),
        "place": bool(profile.city),
        "referrals": bool(profile.accepting_referrals),
        **{kind: kind in kinds for kind, _ in PARTS if isinstance(kind, Term.Kind)},
    }
    missing = [words for key, words in PARTS if not has[key]]
    return Completeness(filled=len(PARTS) - len(missing), total=len(PARTS), missing=missing)
