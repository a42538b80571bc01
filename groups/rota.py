"""The case-presenter rota, as a pure rule (property-tested in tests/groups/test_rota.py).

Fair round-robin: of the members willing to present at a session (everyone active who
did not answer "no" for it), the one who has presented least so far, counting the
sessions they are already down for; among equals, the one whose last turn is longest
ago (never is longest); then the longest-standing member. Because the choice is always
someone with the fewest turns among those willing, members who are always willing
never drift more than one turn apart, however often others are away.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Standing:
    member_id: int
    turns: int  # sessions presented or assigned (cancelled ones not counted)
    last_turn: datetime | None  # start of their latest such session
    joined: datetime  # when they became active


def choose_presenter(willing: Iterable[Standing]) -> int | None:
    """The member id who presents next, or None when nobody is willing."""
    best = min(
        willing,
        key=lambda s: (s.turns, s.last_turn is not None, s.last_turn or s.joined, s.joined),
        default=None,
    )
    return best.member_id if best else None
