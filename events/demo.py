"""The events app's demo: past and upcoming events of every type in a handful of US
cities and online, some full with a waitlist; for member@hive.test a past CE workshop
they were checked in at (a certificate to download) and an upcoming one they organize.

Rows are written in bulk (slugs made here, since bulk_create skips save()); they all
hang off demo people, so they go when members' demo module clears them.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from django.utils.text import slugify

from events.models import Event, Organizer, Rsvp, new_slug_suffix
from hive.demo import DemoContext
from members.places import search_places

CITIES = (
    ("Oakland, CA", "America/Los_Angeles"),
    ("Portland, OR", "America/Los_Angeles"),
    ("Denver, CO", "America/Denver"),
    ("Chicago, IL", "America/Chicago"),
    ("Brooklyn, NY", "America/New_York"),
    ("Atlanta, GA", "America/New_York"),
)
TITLES = {
    Event.Kind.CE_WORKSHOP: (
        "Ethics and boundaries in telehealth",
        "Suicide risk assessment: an update",
        "Trauma-informed supervision",
        "Cultural humility in practice",
    ),
    Event.Kind.MEETUP: (
        "Private practice meetup",
        "New clinicians' meetup",
        "Group practice owners",
    ),
    Event.Kind.COFFEE_SOCIAL: ("Saturday coffee", "Coffee after caseload", "Morning coffee"),
    Event.Kind.STUDY_GROUP: (
        "Reading group: The Body Keeps the Score",
        "ACT study group",
        "DBT skills study group",
    ),
    Event.Kind.CONFERENCE: ("Community mental health day", "Regional practitioners' forum"),
}
DESCRIPTION = (
    "A relaxed gathering of colleagues. **Bring a question** about your practice, or just "
    "come to listen.\n\nNo client information, please: we talk about our work, not our clients."
)


def _slug(title: str) -> str:
    return f"{slugify(title)[:60]}-{new_slug_suffix()}"


def loaded(context: DemoContext) -> bool:
    return Event.objects.filter(created_by_id__in=context.people).exists()


def seed(context: DemoContext) -> None:
    people = list(context.people)
    member_id = context.login_ids.get("member")
    if len(people) < 12:
        return
    rng = context.random("events:events")
    others = [p for p in people if p != member_id]
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    places = {}
    for label, zone in CITIES:
        found = search_places(label, limit=1)
        if found:
            places[label] = (found[0], zone)
    count = max(12, len(people) // 10)
    events: list[Event] = []
    kinds = list(Event.Kind)
    for index in range(count):
        kind = kinds[index % len(kinds)]
        title = rng.choice(TITLES[kind])
        days = rng.randint(-40, 60)
        online = rng.random() < 0.35 or not places
        label = rng.choice(list(places)) if places else ""
        place, zone = places.get(label, (None, "America/New_York"))
        start = now + timedelta(days=days, hours=rng.choice((-3, 0, 2, 5)))
        event = Event(
            slug=_slug(title),
            kind=kind,
            title=title,
            description=DESCRIPTION,
            starts_at=start,
            ends_at=start + timedelta(hours=rng.choice((1, 2, 3, 6))),
            timezone=zone,
            capacity=rng.choice((4, 8, 12, 20, 40)),
            created_by_id=rng.choice(others),
            **_venue(place, online, index),
        )
        if kind == Event.Kind.CE_WORKSHOP:
            event.ce_hours = Decimal(rng.choice(("1.5", "2", "3", "6")))
            event.approving_body = rng.choice(("NASW California Chapter", "APA", "NBCC"))
        events.append(event)
    if member_id:
        past = Event(
            slug=_slug("Ethics and boundaries in telehealth"),
            kind=Event.Kind.CE_WORKSHOP,
            title="Ethics and boundaries in telehealth",
            description=DESCRIPTION,
            starts_at=now - timedelta(days=12),
            ends_at=now - timedelta(days=12) + timedelta(hours=3),
            timezone="America/Los_Angeles",
            capacity=12,
            ce_hours=Decimal(3),
            approving_body="NASW California Chapter",
            created_by_id=others[0],
            **_venue(None, True, 0),
        )
        theirs = Event(
            slug=_slug("Trauma-informed supervision"),
            kind=Event.Kind.CE_WORKSHOP,
            title="Trauma-informed supervision",
            description=DESCRIPTION,
            starts_at=now + timedelta(days=9, hours=2),
            ends_at=now + timedelta(days=9, hours=5),
            timezone="America/Los_Angeles",
            capacity=6,
            ce_hours=Decimal(3),
            approving_body="NASW California Chapter",
            created_by_id=member_id,
            **_venue(places.get("Oakland, CA", (None,))[0], False, 1),
        )
        events += [past, theirs]
    Event.objects.bulk_create(events)
    Organizer.objects.bulk_create(
        [Organizer(event=event, user_id=event.created_by_id) for event in events]
    )
    rsvps = []
    for event in events:
        # About a third fill up and have a waitlist.
        wanted = (
            event.capacity + rng.randint(1, 4)
            if rng.random() < 0.3
            else rng.randint(0, event.capacity)
        )
        pool = [p for p in others if p != event.created_by_id]
        chosen = rng.sample(pool, min(wanted, len(pool)))
        if member_id and event is events[-2]:
            chosen = [member_id, *chosen[: event.capacity - 1]]
        for position, user_id in enumerate(chosen):
            asked = event.starts_at - timedelta(days=20) + timedelta(minutes=position)
            going = position < event.capacity
            ended = event.ends_at <= now
            rsvps.append(
                Rsvp(
                    event=event,
                    user_id=user_id,
                    status=Rsvp.Status.GOING if going else Rsvp.Status.WAITLISTED,
                    queued_at=asked,
                    going_since=asked if going else None,
                    checked_in_at=event.starts_at + timedelta(minutes=5)
                    if going and ended and (user_id == member_id or rng.random() < 0.85)
                    else None,
                )
            )
    Rsvp.objects.bulk_create(rsvps)
    context.summary.append(f"{len(events)} events")


def _venue(place, online: bool, index: int) -> dict:
    if online or place is None:
        return {"online_url": f"https://meet.example.org/hive-demo-{index}"}
    return {
        "place_name": place.name,
        "place_region": place.admin1_code,
        "latitude": place.latitude,
        "longitude": place.longitude,
        "venue_notes": "Second floor, the room by the garden. Street parking.",
    }
