"""The coffee page's forms: settings, "don't pair me with", the check-in and how it
went. Distances are typed in the member's unit (miles in the US) and stored in km."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms

from coffee import availability
from coffee.models import MAX_TRAVEL_KM, CoffeeSettings, Participant
from hive.widgets import QuickRadioSelect

KM_PER_MILE = 1.609344
MAX_SNOOZE = timedelta(days=366)


class SettingsForm(forms.Form):
    """Opt in, how often, in person or virtual, how far, when, and a snooze."""

    opted_in = forms.BooleanField(
        label="Pair me for coffee dates",
        required=False,
        help_text="Each round we pair you with a colleague who fits; you can say yes or pass.",
    )
    cadence = forms.ChoiceField(
        label="How often",
        choices=CoffeeSettings.Cadence.choices,
        widget=QuickRadioSelect,
    )
    format = forms.ChoiceField(
        label="How you'd like to meet",
        choices=CoffeeSettings.Format.choices,
        widget=QuickRadioSelect,
    )
    travel = forms.DecimalField(
        label="How far you'll travel to meet in person",
        min_value=1,
        max_digits=5,
        decimal_places=1,
    )
    availability = forms.MultipleChoiceField(
        label="When you could meet (your time)",
        choices=[(slot, slot) for slot in availability.SLOTS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    snoozed_until = forms.DateField(
        label="Snooze until",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="No pairings up to and including this day. Leave empty to be paired as usual.",
    )

    def __init__(self, data=None, *, miles: bool, today: date, current: CoffeeSettings):
        self.miles = miles
        self.today = today
        unit = "miles" if miles else "km"
        travel = current.travel_km / KM_PER_MILE if miles else current.travel_km
        initial = {
            "opted_in": current.opted_in,
            "cadence": current.cadence,
            "format": current.format,
            "travel": round(travel),
            "availability": list(current.availability),
            "snoozed_until": current.snoozed_until,
        }
        super().__init__(data, initial=initial)
        limit = MAX_TRAVEL_KM / KM_PER_MILE if miles else MAX_TRAVEL_KM
        self.max_travel = int(limit)
        travel_field = self.fields["travel"]
        travel_field.label = f"How far you'll travel to meet in person ({unit})"
        travel_field.max_value = self.max_travel
        travel_field.widget.attrs.update({"min": 1, "max": self.max_travel, "step": 1})
        travel_field.validators.append(_at_most(self.max_travel, unit))
        travel_field.help_text = f"Up to {self.max_travel} {unit}."

    def clean_snoozed_until(self) -> date | None:
        value = self.cleaned_data.get("snoozed_until")
        if value is None:
            return None
        if value < self.today:
            raise forms.ValidationError("Choose today or a day ahead (or leave it empty).")
        if value > self.today + MAX_SNOOZE:
            raise forms.ValidationError("Snooze for at most a year.")
        return value

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("opted_in") and not cleaned.get("availability"):
            self.add_error(
                "availability",
                "Tick at least one time you could meet, so we can suggest times you share.",
            )
        return cleaned

    @property
    def travel_km(self) -> float:
        value = float(self.cleaned_data["travel"])
        return min(MAX_TRAVEL_KM, value * KM_PER_MILE if self.miles else value)

    def grid(self) -> list[dict]:
        """The availability checkboxes as rows of days, for the template's table."""
        value = self["availability"].value() or []
        chosen = set(value if isinstance(value, list) else [value])
        return [
            {
                "label": day_label,
                "slots": [
                    {
                        "code": f"{day}-{window.code}",
                        "label": f"{day_label} {window.label.lower()}",
                        "checked": f"{day}-{window.code}" in chosen,
                    }
                    for window in availability.WINDOWS
                ],
            }
            for day, day_label in availability.DAYS
        ]


def _at_most(limit: int, unit: str):
    def check(value):
        if value is not None and value > limit:
            raise forms.ValidationError(f"At most {limit} {unit}.")

    return check


class ApartForm(forms.Form):
    """Someone never to be paired with, by the handle in their profile's address."""

    handle = forms.CharField(
        label="Their handle",
        max_length=60,
        help_text="The part after /members/ in the address of their profile.",
    )

    def clean_handle(self) -> str:
        value = self.cleaned_data["handle"].strip().strip("/").split("/")[-1].lower()
        if not value:
            raise forms.ValidationError("Enter their handle.")
        return value


class CheckInForm(forms.Form):
    met = forms.ChoiceField(
        label="Did you meet?", choices=Participant.Met.choices, widget=QuickRadioSelect
    )


class RatingForm(forms.Form):
    rating = forms.ChoiceField(
        label="How did it go?", choices=Participant.Rating.choices, widget=QuickRadioSelect
    )
