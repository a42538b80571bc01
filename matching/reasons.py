"""Why a colleague is suggested, in plain words: pure functions, no Django.

A reason is at most MAX_CLAUSES short clauses joined by semicolons, e.g.
"Specializes in eating disorders; accepting referrals, 3 miles away; also sees
adolescents".

Informative, not generic. Reasons are written for all of a viewer's candidates at once
(`reasons_for`), so each clause can be weighed by how much it distinguishes this
person among them: a trait the viewer shares with most candidates says little, a rare
one says a lot. So:
- the purpose's own ground leads (referrals: the specialty they add; mentorship: the
  stage gap; interdisciplinary: their profession and the people you both serve; peer
  consultation: the focus you share; coffee: how near);
- within a clause, the rarest labels are named first ("shared focus on EMDR" rather
  than "anxiety", if anxiety is on every card);
- the other clauses follow rarest first, and one shared by most candidates is left out;
- at most one values clause, naming one priority, and only when few other candidates
  share it.

What a reason may say, and what it never says:
- Values: only the topics `scoring.shared_priorities` returns, i.e. statements both
  members rate important and on which each accepts the other's answer. Never an
  answer, a disagreement or a dealbreaker.
- Profile facts: only from the `Member` features the engine built, which hold nothing
  of a field group its owner does not show to all members. So a hidden field can
  never be named, and neither side's private marks (dual relationships, dismissals,
  blocks) are inputs at all.
- A referral names only specialties the viewer does not list and the candidate's
  profession treats (`purposes.referral_specialties`).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from matching import purposes
from matching.purposes import Features, Member, Vocabulary

# Miles or km is members' rule (members/distances.py), shared with the directory.
from members.distances import distance_phrase

MAX_CLAUSES = 3
MAX_NAMED = 2  # labels named in one clause ("trauma and grief", not a list of six)
# A candidate alone has nobody to be weighed against: every clause counts as distinctive.
MIN_FOR_RARITY = 2
# A clause (other than the lead) shared with more than this share of the candidates
# is left out; the values clause must be rarer still.
COMMON = 0.6
VALUES_DISTINCTIVE = 0.34

STAGE_PHRASES = {
    "student": "in training",
    "early": "early career",
    "mid": "5–15 years in practice",
    "seasoned": "15+ years in practice",
}


# Capitalized words that stay so mid-sentence (names), as in "the Gottman method".
PROPER_NAMES = {"Gottman", "Deaf"}


def soft_lower(label: str) -> str:
    """A label for the middle of a sentence: "Eating disorders" -> "eating disorders",
    "Licensed Clinical Social Worker" -> "licensed clinical social worker", leaving
    acronyms ("PTSD", "LGBTQ+", "(IFS)") and PROPER_NAMES as they are."""
    words = label.split(" ")
    for i, word in enumerate(words):
        if word[:1].isupper() and word[1:].islower() and word not in PROPER_NAMES:
            words[i] = word.lower()
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


@dataclass(frozen=True)
class Part:
    """One possible clause. `labels` are what it names (chosen rarest first, up to
    MAX_NAMED); `render` writes it from the chosen labels. A part without labels is
    its own key (`text`)."""

    kind: str
    lead: bool = False
    labels: tuple[str, ...] = ()
    render: Callable[[Sequence[str]], str] | None = None
    text: str = ""
    named: int = MAX_NAMED

    def counted(self) -> list[tuple[str, str]]:
        return [(self.kind, label) for label in self.labels] or [(self.kind, self.text)]

    def write(self, chosen: Sequence[str]) -> str:
        return self.render(chosen) if self.render else self.text


def _shared(field: str, me: Member, them: Member, vocabulary: Vocabulary) -> list[str]:
    mine, theirs = getattr(me, field), getattr(them, field)
    return vocabulary.names(field, np.uint64(mine) & np.uint64(theirs))


def _labelled(kind: str, labels, render, lead=False, named=MAX_NAMED) -> list[Part]:
    return [Part(kind, lead, tuple(labels), render, named=named)] if labels else []


def _text(kind: str, text: str, lead=False) -> list[Part]:
    return [Part(kind, lead, text=text)] if text else []


def _focus(me, them, vocabulary, lead=False, wording="shared focus on") -> list[Part]:
    shared = _shared("specialties", me, them, vocabulary) + _shared(
        "modalities", me, them, vocabulary
    )
    return _labelled("focus", shared, lambda chosen: f"{wording} {_named(chosen)}", lead)


def _values(topics: Sequence[str], lead: bool = False) -> list[Part]:
    return _labelled(
        "values", topics, lambda chosen: f"you both prioritize {chosen[0]}", lead, named=1
    )


def _a(noun: str) -> str:
    return f"an {noun}" if noun[:1].lower() in "aeiou" else f"a {noun}"


def _a_profession(label: str) -> str:
    return _a(soft_lower(label)) if label else ""


# --- One function per purpose: its parts, the purpose's own ground first -----------------


def _peer(me, them, vocabulary, where):
    stage = _stage(them)
    return [
        *_focus(me, them, vocabulary, lead=True),
        *_text("stage", f"also {stage}" if stage and them.stage == me.stage else ""),
        *_text("wants", "looking for peer consultation" if them.wants(purposes.PEER) else ""),
        *_text("where", where if "away" in where else ""),
    ]


def _mentorship(me, them, vocabulary, where):
    direction = int(purposes.mentorship_direction(me, Features.stack([them]))[0])
    stage = _stage(them)
    profession = vocabulary.professions.get(them.profession, "")
    who = f"{soft_lower(profession)}, {stage}" if profession else stage
    if direction > 0:
        lead = f"offers mentorship: {who}"
    elif direction < 0:
        lead = f"looking for a mentor: {who}"
    else:  # not a mentoring pair (the ranking would not suggest it): say nothing of it
        lead = ""
    same = profession and them.profession == me.profession and lead
    return [
        *_text("mentoring", lead, lead=True),
        *_text("profession", f"also {_a(soft_lower(profession))}" if same else ""),
        *_focus(me, them, vocabulary),
        *_text("where", where if "away" in where else ""),
    ]


def _interdisciplinary(me, them, vocabulary, where):
    profession = vocabulary.professions.get(them.profession, "")
    populations = _shared("populations", me, them, vocabulary)
    parts = []
    if profession and them.profession != me.profession:
        parts += _labelled(
            "serves",
            populations,
            lambda chosen, p=profession: f"{p}, also serving {_named(chosen)}",
            lead=True,
        ) or _text("profession", profession, lead=True)
    else:
        parts += _labelled(
            "serves", populations, lambda chosen: f"also serves {_named(chosen)}", lead=True
        )
    parts += _labelled(
        "focus",
        _shared("specialties", me, them, vocabulary),
        lambda chosen: f"you both work with {_named(chosen)}",
    )
    collaborates = them.wants(purposes.INTERDISCIPLINARY)
    parts += _text("wants", "open to interdisciplinary collaboration" if collaborates else "")
    parts += _text("where", where if "away" in where else "")
    return parts


def _referral(me, them, vocabulary, where):
    grounds = purposes.referral_specialties(me, Features.stack([them]))[0]
    adds = vocabulary.names("specialties", grounds)
    taking = {
        purposes.REFERRALS_YES: "accepting referrals",
        purposes.REFERRALS_WAITLIST: "waitlist for referrals",
    }.get(them.referrals, "")
    reach = ", ".join(x for x in (taking, where) if x)
    populations = _shared("populations", me, them, vocabulary)
    return [
        *_labelled("adds", adds, lambda chosen: f"specializes in {_named(chosen)}", lead=True),
        *_text("reach", reach, lead=True),
        *_labelled("serves", populations, lambda chosen: f"also sees {_named(chosen)}"),
    ]


def _coffee(me, them, vocabulary, where):
    keen = them.wants(purposes.COFFEE)
    if where and "telehealth" not in where:
        lead = where
    elif keen and me.wants(purposes.COFFEE):
        lead = "also up for a virtual coffee"
    else:
        lead = ""
    stage = _stage(them)
    near = bool(lead) and lead != "also up for a virtual coffee"
    return [
        *_text("where", lead, lead=True),
        *_focus(me, them, vocabulary),
        *_text("stage", f"also {stage}" if stage and them.stage == me.stage else ""),
        *_text("wants", "up for coffee dates" if near and keen else ""),
        *_labelled(
            "serves",
            _shared("populations", me, them, vocabulary),
            lambda chosen: f"you both see {_named(chosen)}",
        ),
        *_text("profession", _a_profession(vocabulary.professions.get(them.profession, ""))),
    ]


def _values_only(me, them, vocabulary, where):
    return []


_PARTS = {
    purposes.PEER_CONSULTATION: _peer,
    purposes.MENTORSHIP: _mentorship,
    purposes.INTERDISCIPLINARY_PURPOSE: _interdisciplinary,
    purposes.REFERRAL: _referral,
    purposes.COFFEE_DATE: _coffee,
    None: _values_only,
}
FALLBACK = "A colleague whose profile fits what you are looking for"


def _where(me: Member, them: Member, vocabulary: Vocabulary, miles: bool, radius: float) -> str:
    distance_km = purposes.distance_between(me, them)
    if distance_km is not None and distance_km <= radius:
        return distance_phrase(distance_km, miles=miles)
    shared = vocabulary.names("telehealth", np.uint64(me.telehealth) & np.uint64(them.telehealth))
    return f"telehealth in {shared[0]}" if shared else ""


_RADIUS = {
    purposes.REFERRAL: purposes.REFERRAL_RADIUS_KM,
    purposes.COFFEE_DATE: purposes.COFFEE_RADIUS_KM,
}


def reasons_for(
    purpose: str | None,
    me: Member,
    candidates: Sequence[Member],
    *,
    topics: Sequence[Sequence[str]],
    vocabulary: Vocabulary,
    miles: bool = True,
) -> list[str]:
    """The reason each of `candidates` is suggested to `me` for `purpose` (None: values
    alone), weighed against each other (module docstring). `topics[i]`: the priorities
    `me` and candidate i share (scoring.shared_priorities)."""
    # Referrals and coffee name a distance within their reach; the other purposes name
    # any known distance (meeting in person matters for consultation and mentoring).
    radius = _RADIUS.get(purpose, math.inf)
    everyone = [
        _PARTS[purpose](me, them, vocabulary, _where(me, them, vocabulary, miles, radius))
        + _values(shared, lead=purpose is None)
        for them, shared in zip(candidates, topics, strict=True)
    ]
    n = len(everyone)
    counts = Counter(key for parts in everyone for key in {k for p in parts for k in p.counted()})

    def share(key) -> float:
        return counts[key] / n if n >= MIN_FOR_RARITY else 0.0

    reasons = []
    for parts in everyone:
        written = []  # (lead first, share, position, text)
        for position, part in enumerate(parts):
            if part.labels:
                # Rarest labels first; equal ones in vocabulary order.
                order = sorted(part.labels, key=lambda label, p=part: share((p.kind, label)))
                chosen = order[: part.named]
                rarity = min(share((part.kind, label)) for label in chosen)
            else:
                chosen, rarity = [], share((part.kind, part.text))
            if not part.lead:
                limit = VALUES_DISTINCTIVE if part.kind == "values" else COMMON
                # A trait shared with this candidate alone is distinctive, however few
                # the candidates.
                if rarity > limit and not rarity * n <= 1:
                    continue
            written.append(
                (not part.lead, 0.0 if part.lead else rarity, position, part.write(chosen))
            )
        kept = [text for *_, text in sorted(written)][:MAX_CLAUSES]
        reasons.append(_sentence(kept))
    return reasons


def _sentence(clauses: Sequence[str]) -> str:
    if not clauses:
        return FALLBACK
    text = "; ".join(clauses)
    return text[0].upper() + text[1:]


def reason_for(
    purpose: str | None,
    me: Member,
    them: Member,
    *,
    topics: Sequence[str],
    vocabulary: Vocabulary,
    miles: bool = True,
) -> str:
    """The reason for one candidate alone (no others to weigh it against: every clause
    counts as distinctive)."""
    return reasons_for(purpose, me, [them], topics=[topics], vocabulary=vocabulary, miles=miles)[0]
