"""Scope of practice (members/data/scope.json): what each profession treats, practices
and serves, with how common each is in that profession.

One table, read by the demo community (which draws a profile's specialties,
modalities and populations within its profession's scope) and by matching (a referral
is grounded only in a specialty the candidate's profession treats; interdisciplinary
means another discipline). A term a profession does not list is outside its scope.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType

DATA = Path(__file__).resolve().parent / "data" / "scope.json"
KINDS = ("specialties", "modalities", "populations")


@dataclass(frozen=True)
class Scope:
    """One profession's scope. `specialties`, `modalities`, `populations`: term slug ->
    weight (> 0). `counts`: kind -> (fewest, most) a typical profile lists."""

    profession: str
    discipline: str
    specialties: MappingProxyType
    modalities: MappingProxyType
    populations: MappingProxyType
    counts: MappingProxyType
    supervised: bool = False

    def treats(self, specialty: str) -> bool:
        """Whether `specialty` (a slug) is within this profession's scope."""
        return specialty in self.specialties

    def weights(self, kind: str) -> MappingProxyType:
        return getattr(self, kind)


_DEFAULT_COUNTS = {"specialties": (2, 4), "modalities": (1, 3), "populations": (1, 3)}


def _merged(base: dict, own: dict, kind: str) -> dict[str, float]:
    weights = dict(base.get(kind, {}))
    weights.update(own.get(kind, {}))
    return {slug: float(w) for slug, w in weights.items() if w > 0}


@cache
def scopes() -> MappingProxyType:
    """Every profession's Scope, by profession slug (read once per process)."""
    data = json.loads(DATA.read_text(encoding="utf-8"))
    bases = data.get("bases", {})
    found = {}
    for slug, own in data["professions"].items():
        base = bases[own["extends"]] if "extends" in own else {}
        counts = {**_DEFAULT_COUNTS, **base.get("counts", {}), **own.get("counts", {})}
        found[slug] = Scope(
            profession=slug,
            discipline=own["discipline"],
            counts=MappingProxyType({kind: tuple(pair) for kind, pair in counts.items()}),
            supervised=bool(own.get("supervised", False)),
            **{kind: MappingProxyType(_merged(base, own, kind)) for kind in KINDS},
        )
    return MappingProxyType(found)


def scope_of(profession: str | None) -> Scope | None:
    """The scope of the profession with this slug (None if unknown or not given)."""
    return scopes().get(profession or "")


def treats(profession: str | None, specialty: str) -> bool:
    """Whether a member of `profession` (slug) may be said to treat `specialty` (slug)."""
    scope = scope_of(profession)
    return scope is not None and scope.treats(specialty)
