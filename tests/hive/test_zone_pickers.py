"""Events and groups ask for a time zone with the same grouped picker as a member's own
settings: plain place names under regions, canonical zones only, and an old spelling
("US/Eastern") shown as the zone it stands for."""

import re

import pytest

from tests.events.factories import OnlineEventFactory
from tests.groups.factories import make_group
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db


def _select(html: str, name: str) -> str:
    match = re.search(rf'<select name="{name}".*?</select>', html, re.S)
    assert match, f"no <select name={name}>"
    return match.group(0)


def _selected(select: str) -> list[str]:
    return re.findall(r'<option value="([^"]+)"[^>]*selected', select)


@pytest.mark.parametrize(("url", "field"), [("/events/new/", "timezone"), ("/groups/new/", "zone")])
def test_new_forms_offer_the_grouped_picker_with_the_organizers_zone(client, url, field):
    client.force_login(MemberFactory(timezone="US/Eastern"))
    select = _select(client.get(url).content.decode(), field)
    assert '<optgroup label="United States">' in select
    assert "Eastern Time" in select
    assert _selected(select) == ["America/New_York"]
    assert 'value="US/Eastern"' not in select


def test_editing_an_event_stored_under_an_old_spelling_selects_its_zone(client):
    event = OnlineEventFactory(timezone="US/Pacific")
    client.force_login(event.created_by)
    select = _select(client.get(f"/events/{event.slug}/edit/").content.decode(), "timezone")
    assert _selected(select) == ["America/Los_Angeles"]


def test_editing_a_group_stored_under_an_old_spelling_selects_its_zone(client):
    group = make_group(zone="US/Central")
    client.force_login(group.organizer)
    select = _select(client.get(f"/groups/{group.slug}/edit/").content.decode(), "zone")
    assert _selected(select) == ["America/Chicago"]


def test_a_zone_outside_the_list_is_refused_with_a_message(client):
    client.force_login(MemberFactory())
    response = client.post("/groups/new/", {"name": "Weekly case consult", "zone": "Mars/Olympus"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
