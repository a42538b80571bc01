"""The events app's forms: the event editor, the list's filters, co-organizers."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from events.models import MAX_CAPACITY, Event, Tier
from hive.timezones import TimeZoneField, canonical_zone
from hive.widgets import QuickCheckboxSelectMultiple, QuickSelect
from members.markdown import HELP_TEXT as MARKDOWN_HELP
from members.places import search_places

LOCAL_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S")


def parse_local(value: str, zone: ZoneInfo) -> datetime:
    """A wall-clock time typed for `zone` as an aware datetime. A time that does not
    exist there (the hour skipped when clocks go forward) is refused rather than moved."""
    for fmt in LOCAL_FORMATS:
        try:
            naive = datetime.strptime(value.strip(), fmt)  # noqa: DTZ007 - made aware below
            break
        except ValueError:
            continue
    else:
        raise ValidationError("Enter a date and time, like 2026-03-14 18:30.")
    if not 2000 <= naive.year <= 2100:
        raise ValidationError("Enter a date between 2000 and 2100.")
    aware = naive.replace(tzinfo=zone)
    if aware.astimezone(ZoneInfo("UTC")).astimezone(zone).replace(tzinfo=None) != naive:
        raise ValidationError("This time does not exist there: the clocks skip it. Pick another.")
    return aware


class LocalDateTimeInput(forms.TextInput):
    input_type = "datetime-local"


class EventForm(forms.Form):
    """Create or edit an event. Times are typed in the event's own time zone."""

    kind = forms.ChoiceField(label="Type", choices=Event.Kind.choices, widget=QuickSelect)
    title = forms.CharField(max_length=140)
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}), required=False, help_text=MARKDOWN_HELP
    )
    starts = forms.CharField(label="Starts", widget=LocalDateTimeInput)
    ends = forms.CharField(label="Ends", widget=LocalDateTimeInput)
    timezone = TimeZoneField(label="Time zone")
    near = forms.CharField(
        label="City (in person)",
        max_length=120,
        required=False,
        help_text="Leave empty for an online-only event.",
    )
    venue_notes = forms.CharField(
        label="Venue notes",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
        help_text="Address, room, parking: shown only to members going.",
    )
    online_url = forms.URLField(
        label="Online link",
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text="Shown only to members going.",
    )
    capacity = forms.IntegerField(min_value=1, max_value=MAX_CAPACITY, initial=20)
    ce_hours = forms.DecimalField(
        label="CE hours",
        required=False,
        min_value=Decimal("0.25"),
        max_value=Decimal(40),
        max_digits=4,
        decimal_places=2,
        help_text="CE workshops only.",
    )
    approving_body = forms.CharField(
        label="Approving body",
        max_length=160,
        required=False,
        help_text="CE workshops only, e.g. “NASW California Chapter”.",
    )
    allowed_tiers = forms.MultipleChoiceField(
        label="Open to",
        choices=Tier.choices,
        required=False,
        widget=QuickCheckboxSelectMultiple,
        help_text="Tick none to open it to every member.",
    )
    public = forms.BooleanField(
        label="Also show a public page to visitors (without attendees or the link)",
        required=False,
    )

    def __init__(self, *args, event: Event | None = None, **kwargs):
        self.event = event
        super().__init__(*args, **kwargs)
        self.place = None

    @classmethod
    def initial_for(cls, event: Event) -> dict:
        zone = event.zone
        return {
            "kind": event.kind,
            "title": event.title,
            "description": event.description,
            "starts": event.starts_at.astimezone(zone).strftime("%Y-%m-%dT%H:%M"),
            "ends": event.ends_at.astimezone(zone).strftime("%Y-%m-%dT%H:%M"),
            "timezone": canonical_zone(event.timezone),
            "near": event.place_label if event.place_name else "",
            "venue_notes": event.venue_notes,
            "online_url": event.online_url,
            "capacity": event.capacity,
            "ce_hours": event.ce_hours,
            "approving_body": event.approving_body,
            "allowed_tiers": event.allowed_tiers,
            "public": event.public,
        }

    def clean(self):
        data = super().clean()
        zone_name = data.get("timezone")
        if zone_name:
            zone = ZoneInfo(zone_name)
            for name in ("starts", "ends"):
                if data.get(name):
                    try:
                        data[f"{name}_at"] = parse_local(data[name], zone)
                    except ValidationError as error:
                        self.add_error(name, error)
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends", "The event ends after it starts.")
        if ends and ends <= timezone.now() and self.event is None:
            self.add_error("ends", "This time has passed: events are planned ahead.")
        near = (data.get("near") or "").strip()
        if near:
            if self.event is not None and near == self.event.place_label:
                self.place = "unchanged"
            else:
                found = search_places(near, limit=1)
                if found:
                    self.place = found[0]
                else:
                    self.add_error("near", f"We couldn’t find a city called “{near}”.")
        if not near and not data.get("online_url") and "near" not in self.errors:
            self.add_error("online_url", "Give a city or an online link (or both).")
        if data.get("kind") == Event.Kind.CE_WORKSHOP:
            if data.get("ce_hours") is None and "ce_hours" not in self.errors:
                self.add_error("ce_hours", "A CE workshop gives its CE hours.")
            if not (data.get("approving_body") or "").strip():
                self.add_error("approving_body", "A CE workshop names the body that approved it.")
        return data

    def values(self) -> dict:
        """Event field → value, as the services take them."""
        data = self.cleaned_data
        is_ce = data["kind"] == Event.Kind.CE_WORKSHOP
        values = {
            "kind": data["kind"],
            "title": data["title"].strip(),
            "description": data["description"],
            "starts_at": data["starts_at"],
            "ends_at": data["ends_at"],
            "timezone": data["timezone"],
            "venue_notes": data["venue_notes"],
            "online_url": data["online_url"],
            "capacity": data["capacity"],
            "ce_hours": data["ce_hours"] if is_ce else None,
            "approving_body": data["approving_body"].strip() if is_ce else "",
            "allowed_tiers": [t for t in Tier.values if t in data["allowed_tiers"]],
            "public": data["public"],
        }
        if self.place is None:
            values |= {"place_name": "", "place_region": "", "latitude": None, "longitude": None}
        elif self.place != "unchanged":
            place = self.place
            values |= {
                "place_name": place.name,
                "place_region": place.admin1_code if place.is_us else place.country_code,
                "latitude": place.latitude,
                "longitude": place.longitude,
            }
        return values


class CoOrganizerForm(forms.Form):
    handle = forms.SlugField(label="Member’s handle", max_length=40)


WHEN_CHOICES = [("", "Any time"), ("week", "This week"), ("month", "This month")]
FORMAT_CHOICES = [("", "Online or in person"), ("online", "Online"), ("in_person", "In person")]
RADIUS_CHOICES = [("10", "10"), ("25", "25"), ("50", "50"), ("100", "100")]


class EventFilterForm(forms.Form):
    """The list's filters (GET). Values that are not choices are dropped, so an edited
    URL still shows a sensible list."""

    kind = forms.ChoiceField(
        label="Type", choices=[("", "Any type"), *Event.Kind.choices], required=False
    )
    format = forms.ChoiceField(label="Format", choices=FORMAT_CHOICES, required=False)
    when = forms.ChoiceField(label="When", choices=WHEN_CHOICES, required=False)
    near = forms.CharField(label="Near (city)", max_length=120, required=False)
    radius = forms.ChoiceField(label="Within", choices=RADIUS_CHOICES, required=False)
    ce = forms.BooleanField(label="CE only", required=False)
    seats = forms.BooleanField(label="With seats left", required=False)
    mine = forms.BooleanField(label="My events", required=False)

    def __init__(self, data, *, miles: bool):
        cleaned = {}
        for name, value in data.items():
            field = self.base_fields.get(name)
            if field is None:
                continue
            choices = getattr(field, "choices", None)
            if choices is not None and value not in dict(choices):
                continue
            cleaned[name] = value[:120]
        super().__init__(cleaned)
        unit = "miles" if miles else "km"
        self.fields["radius"].choices = [(v, f"{v} {unit}") for v, _ in RADIUS_CHOICES]
        self.fields["kind"].widget = QuickSelect(choices=self.fields["kind"].choices)
        for name in ("format", "when", "radius"):
            self.fields[name].widget = QuickSelect(choices=self.fields[name].choices)

    def values(self) -> dict:
        self.is_valid()
        return self.cleaned_data
