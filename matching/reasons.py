"""Why a colleague is suggested, in plain words: pure functions, no Django.

A reason is at most MAX_CLAUSES short clauses joined by semicolons, e.g.
"You both prioritise harm reduction and trauma-informed care; 4 km away; shared focus
on adolescents".

What a reason may say, and what it never says:
- Values: only the topics `scoring.shared_priorities` returns, i.e. statements both
  members rate important and on which each accepts the other's answer. Never an
  answer, a disagreement or a dealbreaker.
- Profile facts: only from the `Member` features the engine built, which hold nothing
  of a field group its owner does not show to all members. So a hidden field can
  never be named, and neither side's private marks (dual relationships, dismissals,
  blocks) are inputs at all.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from matching import purposes
from matching.purposes import Features, Member, Vocabulary

MAX_CLAUSES = 3
MAX_NAMED = 2  # labels named in one clause ("trauma and grief", not a list of six)

STAGE_PHRASES = {
    "student": "in training",
    "early": "early career",
    "mid": "5–15 years in practice",
    "seasoned": "15+ years in practice",
}


def soft_lower(label: str) -> str:
    """A label for the middle of a sentence: "Eating disorders" -> "eating disorders",
    leaving acronyms and proper names' capitals in later words ("PTSD", "LGBTQ+")."""
    words = label.split(" ")
    first = words[0]
    if first[:1].isupper() and first[1:].islower():
        words[0] = first.lower()
    return " ".join(words)


def join(items: Sequence[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def _named(labels: Sequence[str]) -> str:
    """Up to MAX_NAMED labels in a phrase. Labels that hold an "and" of their own
    ("Trauma and PTSD") are joined with "plus", so two of them never read as four."""
    named = [soft_lower(label) for label in labels[:MAX_NAMED]]
    if len(named) == 2 and any(" and " in label for label in named):
        return " plus ".join(named)
    return join(named)


def _stage(member: Member) -> str:
    if member.stage == purposes.UNKNOWN:
        return ""
    return STAGE_PHRASES[purposes.STAGES[member.stage]]


def _distance(km: float) -> str:
    return "under 1 km away" if km < 1 else f"{round(km)} km away"


def _values_clause(topics: Sequence[str]) -> str:
    return f"you both prioritise {join(list(topics[:MAX_NAMED]))}" if topics else ""


def _shared(field: str, me: Member, them: Member, vocabulary: Vocabulary) -> list[str]:
    mine, theirs = getattr(me, field), getattr(them, field)
    return vocabulary.names(field, np.uint64(mine) & np.uint64(theirs))


def _focus_clause(me: Member, them: Member, vocabulary: Vocabulary) -> str:
    shared = _shared("specialties", me, them, vocabulary)
    shared += _shared("modalities", me, them, vocabulary)
    return f"shared focus on {_named(shared)}" if shared else ""


# --- One function per purpose: its clauses, most telling first ---------------------------


def _peer(me, them, values, vocabulary, distance_km):
    stage = _stage(them)
    return [
        values,
        _focus_clause(me, them, vocabulary),
        f"also {stage}" if stage and them.stage == me.stage else "",
        "looking for peer consultation" if them.wants(purposes.PEER) else "",
    ]


def _mentorship(me, them, values, vocabulary, distance_km):
    direction = int(purposes.mentorship_direction(me, Features.stack([them]))[0])
    stage = _stage(them)
    if direction > 0:
        lead = f"could mentor you: {stage}"
        extra = "offers mentorship" if them.wants(purposes.GIVING) else ""
    elif direction < 0:
        lead = f"could learn from you: {stage}"
        extra = "looking for a mentor" if them.wants(purposes.RECEIVING) else ""
    else:  # not a mentoring pair (the ranking would not suggest it): say nothing of it
        lead = extra = ""
    return [lead, values, _focus_clause(me, them, vocabulary), extra]


def _interdisciplinary(me, them, values, vocabulary, distance_km):
    profession = vocabulary.professions.get(them.profession, "")
    populations = _shared("populations", me, them, vocabulary)
    lead = ""
    if profession and them.profession != me.profession:
        lead = f"different profession ({soft_lower(profession)})"
        if populations:
            lead += f", shared focus on {_named(populations)}"
    elif populations:
        lead = f"shared focus on {_named(populations)}"
    collaborates = them.wants(purposes.INTERDISCIPLINARY)
    return [lead, values, "open to interdisciplinary collaboration" if collaborates else ""]


def _referral(me, them, values, vocabulary, distance_km):
    theirs_only = np.uint64(them.specialties) & ~np.uint64(me.specialties)
    adds = vocabulary.names("specialties", theirs_only)
    if distance_km is not None and distance_km <= purposes.REFERRAL_RADIUS_KM:
        reach = _distance(distance_km)
    else:
        shared = vocabulary.names("telehealth", np.uint64(me.telehealth) & them.telehealth)
        reach = f"telehealth in {shared[0]}" if shared else ""
    taking = {
        purposes.REFERRALS_YES: "accepting referrals",
        purposes.REFERRALS_WAITLIST: "has a waitlist for referrals",
    }.get(them.referrals, "")
    return [f"specialises in {_named(adds)}" if adds else "", reach, taking, values]


def _coffee(me, them, values, vocabulary, distance_km):
    near = distance_km is not None and distance_km <= purposes.COFFEE_RADIUS_KM
    keen = them.wants(purposes.COFFEE)
    if near:
        where = _distance(distance_km)
    elif keen and me.wants(purposes.COFFEE):
        where = "also up for a virtual coffee"
    else:
        where = ""
    return [values, where, "up for coffee dates" if near and keen else ""]


def _values_only(me, them, values, vocabulary, distance_km):
    return [values]


_CLAUSES = {
    purposes.PEER_CONSULTATION: _peer,
    purposes.MENTORSHIP: _mentorship,
    purposes.INTERDISCIPLINARY_PURPOSE: _interdisciplinary,
    purposes.REFERRAL: _referral,
    purposes.COFFEE_DATE: _coffee,
    None: _values_only,
}
FALLBACK = "A colleague whose profile fits what you are looking for"


def reason_for(
    purpose: str | None,
    me: Member,
    them: Member,
    *,
    topics: Sequence[str],
    vocabulary: Vocabulary,
) -> str:
    """The reason `them` is suggested to `me` for `purpose` (None: values alone), from
    masked features and shared-priority topics only (module docstring)."""
    distance_km = purposes.distance_between(me, them)
    clauses = _CLAUSES[purpose](me, them, _values_clause(topics), vocabulary, distance_km)
    kept = [clause for clause in clauses if clause][:MAX_CLAUSES]
    if not kept:
        return FALLBACK
    text = "; ".join(kept)
    return text[0].upper() + text[1:]
