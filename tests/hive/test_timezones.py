"""hive.timezones: the picker's grouped zones, aliases and the field that preselects."""

import json

from hive.timezones import (
    TimeZoneField,
    browser_aliases,
    canonical_zone,
    is_us_zone,
    known_timezones,
    listed_zones,
    timezone_choices,
)


def test_the_picker_groups_zones_by_region_with_the_us_first_in_plain_words():
    groups = dict(timezone_choices())
    names = [name for name, _ in timezone_choices()]
    assert names[0] == "United States" and names[-1] == "Other"
    assert {"Americas", "Europe", "Asia", "Africa", "Australia and the Pacific"} <= set(names)
    us = groups["United States"]
    # The main zones lead, east to west, in the words members use.
    assert [label for _, label in us[:5]] == [
        "Eastern Time — New York",
        "Central Time — Chicago",
        "Mountain Time — Denver",
        "Mountain Time, no daylight saving — Phoenix",
        "Pacific Time — Los Angeles",
    ]
    assert ("America/Indiana/Indianapolis", "Eastern Time — Indiana, Indianapolis") in us
    assert ("America/Puerto_Rico", "Puerto Rico") in us
    assert ("America/Argentina/Buenos_Aires", "Argentina — Buenos Aires") in groups["Americas"]
    assert ("Europe/Berlin", "Germany — Berlin") in groups["Europe"]
    assert ("Asia/Kolkata", "India — Kolkata") in groups["Asia"]


def test_it_lists_each_real_zone_once_and_no_raw_aliases():
    zones = [zone for _, choices in timezone_choices() for zone, _ in choices]
    assert len(zones) == len(set(zones))
    # About 420 zones rather than Python's ~600 names: no "US/Eastern", "Etc/GMT+5".
    assert 350 < len(zones) < 500 < len(known_timezones())
    assert not {"US/Eastern", "Etc/GMT+5", "Asia/Calcutta", "EST5EDT"} & set(zones)
    assert set(zones) <= known_timezones()


def test_aliases_map_to_the_zone_listed():
    assert canonical_zone("US/Eastern") == "America/New_York"
    assert canonical_zone("Asia/Calcutta") == "Asia/Kolkata"
    assert canonical_zone("America/Indianapolis") == "America/Indiana/Indianapolis"
    assert canonical_zone("America/Chicago") == "America/Chicago"
    assert canonical_zone("UTC") == "UTC"
    assert canonical_zone("Mars/Olympus_Mons") == "UTC"
    aliases = browser_aliases()
    assert aliases["Asia/Calcutta"] == "Asia/Kolkata"
    assert set(aliases.values()) <= listed_zones()


def test_us_zones_include_the_territories_and_nothing_else():
    for zone in ("America/New_York", "America/Indianapolis", "Pacific/Honolulu", "Pacific/Guam"):
        assert is_us_zone(zone), zone
    for zone in ("America/Toronto", "Europe/London", "UTC", "Asia/Tokyo", ""):
        assert not is_us_zone(zone), zone


def test_the_field_preselects_a_chosen_zone_and_lets_the_browser_fill_an_unset_one():
    chosen = TimeZoneField()
    chosen.prepare("US/Pacific")
    assert chosen.initial == "America/Los_Angeles"
    assert "data-browser-timezone" not in chosen.widget.attrs

    unset = TimeZoneField()
    unset.prepare("UTC", fallback="America/New_York")
    assert unset.initial == "America/New_York"
    assert unset.widget.attrs["data-browser-timezone"] == ""
    assert json.loads(unset.widget.attrs["data-zone-aliases"])["Asia/Calcutta"] == "Asia/Kolkata"
    html = unset.widget.render("timezone", unset.initial)
    assert '<optgroup label="United States">' in html
    assert '<option value="America/New_York" selected>Eastern Time — New York</option>' in html

    assert TimeZoneField().clean("Europe/Berlin") == "Europe/Berlin"
