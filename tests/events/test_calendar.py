"""Calendar files: the right local time across both 2026 DST changes in New York and
London, TZID with VTIMEZONE, SEQUENCE and STATUS:CANCELLED, and the private feed's
secret, revocable, regenerable address."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from events.forms import parse_local
from events.services import event_cancel, event_update, rsvp_going
from members.models import CalendarToken
from tests.events.factories import EventFactory
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db
NEW_YORK, LONDON = ZoneInfo("America/New_York"), ZoneInfo("Europe/London")

# (zone, local wall-clock start, its UTC moment): each side of each 2026 change.
DST_CASES = [
    (NEW_YORK, datetime(2026, 3, 7, 18, 0), datetime(2026, 3, 7, 23, 0, tzinfo=UTC)),
    (NEW_YORK, datetime(2026, 3, 9, 18, 0), datetime(2026, 3, 9, 22, 0, tzinfo=UTC)),
    (NEW_YORK, datetime(2026, 10, 31, 18, 0), datetime(2026, 10, 31, 22, 0, tzinfo=UTC)),
    (NEW_YORK, datetime(2026, 11, 2, 18, 0), datetime(2026, 11, 2, 23, 0, tzinfo=UTC)),
    (LONDON, datetime(2026, 3, 28, 10, 0), datetime(2026, 3, 28, 10, 0, tzinfo=UTC)),
    (LONDON, datetime(2026, 3, 30, 10, 0), datetime(2026, 3, 30, 9, 0, tzinfo=UTC)),
    (LONDON, datetime(2026, 10, 24, 10, 0), datetime(2026, 10, 24, 9, 0, tzinfo=UTC)),
    (LONDON, datetime(2026, 10, 26, 10, 0), datetime(2026, 10, 26, 10, 0, tzinfo=UTC)),
]


def _feed(user) -> icalendar.Calendar:
    client = Client()
    client.force_login(user)
    client.post("/me/calendar/regenerate/")
    token = CalendarToken.objects.get(user=user).token
    response = Client().get(f"/calendar/{token}.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return icalendar.Calendar.from_ical(response.content)


@pytest.mark.parametrize(("zone", "local", "moment"), DST_CASES)
def test_local_times_typed_by_organizers_land_on_the_right_utc_moment(zone, local, moment):
    assert parse_local(local.strftime("%Y-%m-%dT%H:%M"), zone) == moment


def test_a_time_the_clocks_skip_is_refused():
    with pytest.raises(ValidationError):
        parse_local("2026-03-08T02:30", NEW_YORK)
    with pytest.raises(ValidationError):
        parse_local("2026-03-29T01:30", LONDON)


def test_the_feed_keeps_each_events_local_time_across_dst():
    member = MemberFactory(timezone="America/Chicago")
    events = []
    for zone, local, moment in DST_CASES:
        event = EventFactory(
            starts_at=moment, ends_at=moment + timedelta(hours=2), timezone=zone.key
        )
        # Past events (the March ones, once 2026 is under way) still count within 90 days;
        # put the member on every one through the database, not the service (which
        # refuses finished events).
        event.rsvps.create(user=member, status="going", going_since=moment - timedelta(days=9))
        events.append((event, zone, local))
    calendar = _feed(member)
    found = {str(c["uid"]): c for c in calendar.walk("VEVENT")}
    zones = {str(c["tzid"]) for c in calendar.walk("VTIMEZONE")}
    for event, zone, local in events:
        uid = f"event-{event.pk}@hive"
        if event.ends_at < datetime.now(UTC) - timedelta(days=90):
            assert uid not in found
            continue
        start = found[uid]["dtstart"].dt
        assert start.replace(tzinfo=None) == local
        assert str(found[uid]["dtstart"].params["TZID"]) == zone.key
        assert start.astimezone(UTC) == event.starts_at
        assert zone.key in zones


def test_the_same_moment_reads_the_same_on_the_page_and_in_the_file():
    event = EventFactory(
        starts_at=datetime(2026, 11, 2, 23, 0, tzinfo=UTC),
        ends_at=datetime(2026, 11, 3, 1, 0, tzinfo=UTC),
        timezone="America/New_York",
    )
    member = MemberFactory(timezone="Europe/London")
    client = Client()
    client.force_login(member)
    page = client.get(f"/events/{event.slug}/").content.decode()
    assert "11:00 PM" in page  # London, GMT again by then
    assert "6:00 PM" in page  # and where it is held: New York, EST
    file = icalendar.Calendar.from_ical(client.get(f"/events/{event.slug}/calendar.ics").content)
    entry = file.walk("VEVENT")[0]
    assert entry["dtstart"].dt.astimezone(ZoneInfo("Europe/London")).hour == 23


def test_changes_bump_the_sequence_and_cancelling_marks_the_entry_cancelled():
    event = EventFactory()
    member = MemberFactory()
    rsvp_going(event=event, user=member)
    event_update(
        event=event,
        editor=event.created_by,
        changes={"starts_at": event.starts_at + timedelta(hours=1)},
    )
    entry = _feed(member).walk("VEVENT")[0]
    assert int(entry["sequence"]) == 1 and str(entry["status"]) == "CONFIRMED"
    event_cancel(event=event, by=event.created_by)
    entry = _feed(member).walk("VEVENT")[0]
    assert int(entry["sequence"]) == 2 and str(entry["status"]) == "CANCELLED"
    assert str(entry["uid"]) == f"event-{event.pk}@hive"


def test_the_feed_address_is_secret_regenerable_and_revocable(client):
    member = MemberFactory()
    client.force_login(member)
    assert "Turn on my private calendar" in client.get("/me/calendar/").content.decode()
    client.post("/me/calendar/regenerate/")
    first = member.calendar_token.token
    assert first in client.get("/me/calendar/").content.decode()
    assert Client().get(f"/calendar/{first}.ics").status_code == 200
    client.post("/me/calendar/regenerate/")
    member.refresh_from_db()
    second = member.calendar_token.token
    assert second != first
    assert Client().get(f"/calendar/{first}.ics").status_code == 404
    client.post("/me/calendar/revoke/")
    assert Client().get(f"/calendar/{second}.ics").status_code == 404
    assert Client().get("/calendar/not-a-token.ics").status_code == 404


def test_a_member_no_longer_in_good_standing_has_no_feed(client):
    member = MemberFactory()
    client.force_login(member)
    client.post("/me/calendar/regenerate/")
    token = member.calendar_token.token
    member.membership_status = "suspended"
    member.save()
    assert Client().get(f"/calendar/{token}.ics").status_code == 404
