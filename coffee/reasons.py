"""Why two members were paired, in plain words, from what both may see.

The words are matching's (`matching.reasons`, the coffee purpose): how near they are,
the focus and the people they share, the priorities both rate important and accept in
each other. Profiles are read through `matching.features`, which keeps only what each
owner shows to all members, so a hidden field is never named, and nothing private (an
answer, a dealbreaker, a dual relationship) is ever an input. Each side reads the
reason in their own units: miles for members in the US.

Written for many pairs at once (the morning's intros): four queries whatever their
number.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from matching import features, purposes, reasons, scoring
from matching.models import Answer, Questionnaire
from members.distances import uses_miles
from members.models import Profile, User

# What features, and the choice of units, need of a profile.
_FIELDS = tuple(dict.fromkeys(("user_id", "country", *features.PROFILE_COLUMNS)))


def reasons_for_pairs(pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], str]:
    """{(viewer id, other id): why `other` was paired with `viewer`, for `viewer` to
    read}. A pair whose profile is gone gets no entry."""
    pairs = list(pairs)
    ids = {pk for pair in pairs for pk in pair}
    if not ids:
        return {}
    profiles = {
        p.user_id: p
        for p in Profile.objects.filter(user_id__in=ids)
        .only(*_FIELDS)
        .annotate(term_ids=features.term_ids())
    }
    zones = dict(User.objects.filter(pk__in=ids).values_list("pk", "timezone"))
    vocabulary = features.vocabulary()
    found = list(profiles.values())
    members = dict(
        zip([p.user_id for p in found], features.many_features(found, vocabulary), strict=True)
    )
    topics, answers = _values(ids)
    written = {}
    for viewer, other in pairs:
        if viewer not in members or other not in members:
            continue
        shared = [
            topics[key]
            for key in scoring.shared_priorities(answers[viewer], answers[other])
            if key in topics
        ]
        written[(viewer, other)] = reasons.reason_for(
            purposes.COFFEE_DATE,
            members[viewer],
            members[other],
            topics=shared,
            vocabulary=vocabulary,
            miles=uses_miles(country=profiles[viewer].country, zone=zones.get(viewer, "")),
        )
    return written


def _values(ids: set[int]) -> tuple[dict[str, str], dict[int, dict[str, scoring.Response]]]:
    """The current questionnaire's topics by statement key, and each member's answers
    (only ever compared, never shown). Answers exist only with their owner's consent."""
    current = Questionnaire.objects.current()
    answers: dict[int, dict[str, scoring.Response]] = defaultdict(dict)
    if current is None:
        return {}, answers
    topics = dict(current.statements.values_list("key", "topic"))
    rows = Answer.objects.filter(member_id__in=ids, statement__questionnaire=current).values_list(
        "member_id", "statement__key", "choice", "accepted", "importance", "dealbreaker"
    )
    for member_id, key, choice, accepted, importance, dealbreaker in rows:
        answers[member_id][key] = scoring.Response(choice, accepted, importance, dealbreaker)
    return topics, answers
