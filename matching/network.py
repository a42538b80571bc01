"""Matching's part of /network/ (members/network.py finds it as a "network" plug-in):
the next people to meet for what the member's network lacks, with the reason for each.

Each gap is a purpose matching already knows how to suggest for, so this adds no rule
of its own: the people come from `matching.suggestions.suggest`, which never offers a
connection (or anyone with a request pending), anyone Hive may not introduce to the
member (blocks, dual relationships, "don't introduce us"), anyone dismissed, anyone
not in good standing or who turned "suggest me in matches" off.
"""

from __future__ import annotations

from django.urls import reverse

from matching.models import Purpose
from matching.suggestions import Suggestions, suggest
from members import network
from members.models import User

# The purposes that fill each gap, in the order they are asked.
PURPOSES_FOR_GAP = {
    network.GAP_NO_CONNECTIONS: [Purpose.PEER_CONSULTATION, Purpose.COFFEE],
    network.GAP_MENTOR: [Purpose.MENTORSHIP],
    network.GAP_PEER_CONSULTATION: [Purpose.PEER_CONSULTATION],
    network.GAP_INTERDISCIPLINARY: [Purpose.INTERDISCIPLINARY],
    # Everyone in one's own profession: someone from another, serving the same people.
    network.GAP_OWN_PROFESSION: [Purpose.INTERDISCIPLINARY],
}

# What a person suggested under each purpose would add, after "For …" on the page.
FOR_WHAT = {
    Purpose.PEER_CONSULTATION: "Peer consultation",
    Purpose.MENTORSHIP: "Mentorship",
    Purpose.INTERDISCIPLINARY: "Interdisciplinary collaboration",
    Purpose.REFERRAL: "Referrals",
    Purpose.COFFEE: "A coffee date",
}


def _purposes(gaps: list[str]) -> list[str]:
    ordered: list[str] = []
    for gap in gaps:
        for purpose in PURPOSES_FOR_GAP.get(gap, []):
            if purpose not in ordered:
                ordered.append(purpose)
    return ordered


def next_to_meet(user: User, gaps: list[str], *, limit: int) -> network.NextToMeet | None:
    """Up to `limit` people for `gaps` (members.network GAP_* codes): the best
    suggestion of each purpose in turn, then the second best, and so on, so three gaps
    get one person each before any gets two. None for an account without a profile
    (nothing to match on) or gaps matching cannot fill."""
    purposes = _purposes(gaps)
    if not purposes:
        return None
    results: list[Suggestions] = [suggest(user, purpose, limit=limit) for purpose in purposes]
    if results[0].profile is None:
        return None
    people: list[network.NextPerson] = []
    seen: set[int] = set()
    for rank in range(limit):
        for result in results:
            if len(people) == limit or rank >= len(result.items):
                continue
            item = result.items[rank]
            if item.profile.user_id in seen:
                continue
            seen.add(item.profile.user_id)
            people.append(
                network.NextPerson(
                    profile=item.profile,
                    for_what=FOR_WHAT[result.purpose],
                    reason=item.reason,
                    profession=item.profession,
                )
            )
    if results[0].answered == 0:
        # Without values answers the people above are chosen from the profile alone.
        return network.NextToMeet(
            people=people,
            notice="You have not answered the values questions yet, so these suggestions "
            "come from your profile alone. A few minutes on them lets us put colleagues "
            "who share what matters to you first; nobody sees your answers.",
            notice_url=reverse("matching:values"),
            notice_link="Answer the values questions",
        )
    if not people:
        return network.NextToMeet(
            people=[],
            notice="Nobody new to suggest for what is missing right now. Your matches have "
            "more colleagues, by what you are looking for.",
            notice_url=reverse("matching:matches"),
            notice_link="See your matches",
        )
    return network.NextToMeet(people=people)
