"""Time zones every app shares: which IANA names we accept, their validator, and the
picker's choices.

A member's zone is stored as an IANA name (e.g. "America/Chicago"); the profile,
notification settings and every later form validate against the same list.

The picker does not list all ~600 names Python knows (aliases such as "US/Eastern",
"Etc/GMT+5" and retired spellings among them). It lists the canonical zones of the tz
database's own table (zone.tab, ~420, one per distinct local history), grouped by
region, the US first in plain words ("Eastern Time — New York"). Names read from a
browser or an old row are first mapped to their canonical zone through the database's
links (`canonical_zone`), so "Asia/Calcutta" selects "Asia/Kolkata".
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from zoneinfo import available_timezones

from django import forms
from django.core.exceptions import ValidationError

from hive.widgets import QuickSelect

UTC = "UTC"
# US time zones in the words members use, east to west, with the city the tz database
# names each after; they head the picker.
US_MAIN_ZONES = {
    "America/New_York": "Eastern Time — New York",
    "America/Chicago": "Central Time — Chicago",
    "America/Denver": "Mountain Time — Denver",
    "America/Phoenix": "Mountain Time, no daylight saving — Phoenix",
    "America/Los_Angeles": "Pacific Time — Los Angeles",
    "America/Anchorage": "Alaska Time — Anchorage",
    "Pacific/Honolulu": "Hawaii Time — Honolulu",
}
# The other US zones (zone.tab's comment starts with the zone's kind of time).
_US_KINDS = {
    "Eastern": "Eastern Time",
    "Central": "Central Time",
    "Mountain": "Mountain Time",
    "MST": "Mountain Time, no daylight saving",
    "Pacific": "Pacific Time",
    "Alaska": "Alaska Time",
    "Hawaii": "Hawaii Time",
}
# US territories have zones of their own in zone.tab; they count as the US here (their
# clinicians are licensed by US jurisdictions).
US_TERRITORIES = ("PR", "VI", "GU", "AS", "MP", "UM")
_REGIONS = [
    ("America", "Americas"),
    ("Europe", "Europe"),
    ("Africa", "Africa"),
    ("Asia", "Asia"),
    ("Australia", "Australia and the Pacific"),
    ("Pacific", "Australia and the Pacific"),
    ("Atlantic", "Atlantic islands"),
    ("Indian", "Indian Ocean"),
    ("Antarctica", "Antarctica"),
    ("Arctic", "Antarctica"),
]


@functools.cache
def known_timezones() -> frozenset[str]:
    """Every IANA zone name this Python knows (tzdata is a dependency, so it is the same
    list on every machine)."""
    return frozenset(available_timezones())


def validate_timezone(value: str) -> None:
    if value not in known_timezones():
        raise ValidationError(f"“{value}” is not a time zone we know.")


def _tzdata_lines(name: str) -> list[str]:
    """A text file of the tzdata package (the tz database Python's zoneinfo reads too),
    without its comments."""
    text = resources.files("tzdata.zoneinfo").joinpath(name).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line and not line.startswith("#")]


@functools.cache
def _zone_table() -> dict[str, tuple[str, str]]:
    """zone.tab: canonical zone -> (ISO country code, the database's comment)."""
    table = {}
    for line in _tzdata_lines("zone.tab"):
        code, _coordinates, zone, *comment = line.split("\t")
        if zone in known_timezones():
            table[zone] = (code, comment[0] if comment else "")
    return table


@functools.cache
def _country_names() -> dict[str, str]:
    names = {}
    for line in _tzdata_lines("iso3166.tab"):
        code, name = line.split("\t")
        names[code] = name
    return names


@functools.cache
def _links() -> dict[str, str]:
    """Alias -> the zone it links to ("US/Eastern" -> "America/New_York"), from the
    database's link lines (`L target alias`)."""
    links = {}
    for line in _tzdata_lines("tzdata.zi"):
        if line.startswith("L "):
            _, target, alias = line.split()
            links[alias] = target
    return links


def canonical_zone(name: str) -> str:
    """The zone the picker lists for `name`: itself when listed, the zone it links to
    when it is an alias, else UTC (a name we do not know at all)."""
    seen = set()
    while name not in _zone_table() and name in _links() and name not in seen:
        seen.add(name)
        name = _links()[name]
    if name in _zone_table() or name == UTC:
        return name
    return UTC


def is_us_zone(name: str) -> bool:
    """Whether the zone is one of the US's own (states and territories)."""
    code, _ = _zone_table().get(canonical_zone(name), ("", ""))
    return code == "US" or code in US_TERRITORIES


def _place(zone: str, country: str = "") -> str:
    """The zone's place in words: "America/Indiana/Tell_City" -> "Indiana, Tell City"
    (without the country's name, which the label gives already)."""
    parts = [part.replace("_", " ") for part in zone.split("/")[1:]]
    return ", ".join(part for part in parts if part.casefold() != country.casefold())


def _with_country(country: str, place: str) -> str:
    return f"{country} — {place}" if place else country


def _us_label(zone: str, comment: str) -> str:
    if zone in US_MAIN_ZONES:
        return US_MAIN_ZONES[zone]
    kind = _US_KINDS.get(comment.split(" ", 1)[0].rstrip(" -"), "")
    return f"{kind} — {_place(zone)}" if kind else _place(zone)


@functools.cache
def timezone_choices() -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    """The picker's choices as option groups: the United States (its main zones first,
    east to west, then the others by name), then each region by country and city,
    then UTC."""
    countries = _country_names()
    us_main, us_other, regions = [], [], {}
    for zone, (code, comment) in _zone_table().items():
        if code == "US" or code in US_TERRITORIES:
            if zone in US_MAIN_ZONES:
                us_main.append((zone, US_MAIN_ZONES[zone]))
            elif code == "US":
                us_other.append((zone, _us_label(zone, comment)))
            else:  # a territory: its own name says more than its zone's city
                country = countries.get(code, code)
                us_other.append((zone, _with_country(country, _place(zone, country))))
            continue
        area = zone.split("/", 1)[0]
        region = dict(_REGIONS).get(area, "Other")
        country = countries.get(code, code)
        regions.setdefault(region, []).append((zone, _with_country(country, _place(zone, country))))
    order = list(US_MAIN_ZONES)
    us_main.sort(key=lambda choice: order.index(choice[0]))
    # The states' other zones by name, then the territories.
    us_other.sort(key=lambda choice: (_zone_table()[choice[0]][0] != "US", choice[1]))
    groups = [("United States", tuple(us_main + us_other))]
    for region in dict.fromkeys(name for _, name in _REGIONS):
        if region in regions:
            groups.append((region, tuple(sorted(regions[region], key=lambda c: c[1]))))
    groups.append(("Other", ((UTC, "UTC (Coordinated Universal Time)"),)))
    return tuple(groups)


def listed_zones() -> frozenset[str]:
    """Every zone the picker lists."""
    return frozenset(zone for _, choices in timezone_choices() for zone, _ in choices)


@functools.cache
def browser_aliases() -> dict[str, str]:
    """Alias -> listed zone, for a browser that names a zone by an older spelling
    (Chromium says "Asia/Calcutta"): the page's script maps it before selecting."""
    listed = listed_zones()
    return {
        alias: canonical_zone(alias)
        for alias in _links()
        if alias not in listed and canonical_zone(alias) != UTC or alias in ("Etc/UTC", "GMT")
    }


class TimeZoneField(forms.ChoiceField):
    """The time-zone picker: the grouped zones above, in a <select>.

    `prepare(stored, fallback=...)` sets what it shows. For a person whose zone was never
    chosen (still the UTC every account starts with) that is `fallback` (a sensible
    guess, such as the zone of their city), and the <select> carries
    `data-browser-timezone`, so hive.js selects the browser's own zone instead. The
    browser may spell it the old way ("Asia/Calcutta"), hence the aliases beside it."""

    widget = QuickSelect

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Your time zone")
        super().__init__(choices=timezone_choices, **kwargs)

    def prepare(self, stored: str, *, fallback: str = "") -> None:
        """Show `stored` (as the picker lists it); if it was never chosen, `fallback`
        and let the browser choose."""
        if stored and stored != UTC:
            self.initial = canonical_zone(stored)
            return
        self.initial = canonical_zone(fallback) if fallback else UTC
        self.widget.attrs["data-browser-timezone"] = ""
        self.widget.attrs["data-zone-aliases"] = json.dumps(browser_aliases())
