"""Forms for consultation groups: the group itself (with its cadence and, for a new
group, the first agreement's clauses), a new agreement version, notes, a post, a move,
a handover, an introductory conversation, a report and the moderators' decision."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import forms
from django.utils import timezone

from groups.cadence import FREQUENCIES, MONTHLY, ORDINALS, WEEKDAYS, Cadence, parse_rule
from groups.models import MAX_CAPACITY, MIN_CAPACITY, Group, GroupReport, Post
from hive.timezones import TimeZoneField, canonical_zone
from members.models import Profile
from members.places import search_places


class GroupForm(forms.ModelForm):
    frequency = forms.ChoiceField(label="How often", choices=FREQUENCIES, initial=MONTHLY)
    ordinal = forms.TypedChoiceField(
        label="Which week of the month (monthly groups)",
        choices=ORDINALS,
        coerce=int,
        initial=2,
    )
    weekday = forms.TypedChoiceField(label="Day", choices=WEEKDAYS, coerce=int, initial=1)
    place_query = forms.CharField(
        label="City (in-person groups)",
        required=False,
        max_length=100,
        help_text="Type the city the group meets in, e.g. “Oakland, CA”.",
    )
    allowed_tiers = forms.MultipleChoiceField(
        label="Who may join",
        choices=Profile.Tier.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked to welcome every credential tier.",
    )

    class Meta:
        model = Group
        fields = [
            "name",
            "focus",
            "format",
            "starts_on",
            "start_time",
            "duration_minutes",
            "zone",
            "capacity",
            "join_policy",
            "intro_conversation",
            "listed",
            "allowed_tiers",
        ]
        labels = {
            "starts_on": "First session on or after",
            "start_time": "Start time (your time zone)",
            "duration_minutes": "Length in minutes",
            "zone": "Time zone",
            "listed": "List this group on the groups page",
            "intro_conversation": "Offer a short introductory conversation to each person "
            "who asks to join (groups by request)",
        }
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}),
            "start_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "format": forms.RadioSelect,
            "join_policy": forms.RadioSelect,
        }

    def __init__(self, *args, organizer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["zone"] = TimeZoneField(label="Time zone")
        if self.initial.get("zone"):
            self.initial["zone"] = canonical_zone(self.initial["zone"])
        self.fields["capacity"].widget.attrs.update(min=MIN_CAPACITY, max=MAX_CAPACITY)
        if self.instance.pk and self.instance.unlisted_by_staff:
            self.fields["listed"].disabled = True
            self.fields["listed"].help_text = "The moderators took this group off the list."
        self.fields["duration_minutes"].widget.attrs.update(min=15, max=480)
        if self.instance.pk:
            try:
                cadence = parse_rule(self.instance.rrule)
            except ValueError:
                cadence = None
            if cadence:
                self.initial.update(
                    frequency=cadence.frequency, weekday=cadence.weekday, ordinal=cadence.ordinal
                )
            self.initial.setdefault("place_query", self.instance.place_label)
        elif organizer is not None:
            self.initial.setdefault("zone", canonical_zone(organizer.timezone))
            self.initial.setdefault("starts_on", timezone.localdate(timezone=organizer.zone))
            self.initial.setdefault("start_time", "19:00")
        self.place = None

    def clean(self):
        data = super().clean()
        if data.get("format") == Group.Format.IN_PERSON:
            query = (data.get("place_query") or "").strip()
            found = search_places(query, limit=1) if query else []
            if not found:
                self.add_error("place_query", "Type the city where the group meets.")
            else:
                self.place = found[0]
        return data

    def cadence(self) -> Cadence:
        return Cadence(
            self.cleaned_data["frequency"],
            self.cleaned_data["weekday"],
            self.cleaned_data.get("ordinal") or 1,
        )

    def service_fields(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        if data["join_policy"] != Group.JoinPolicy.REQUEST:
            data["intro_conversation"] = False
        data["place_id"] = self.place.geonameid if self.place else None
        data["place_label"] = self.place.label if self.place else ""
        return data


class NewGroupForm(GroupForm):
    clauses = forms.CharField(
        label="Your own agreement clauses",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Optional, one per line: added after the covenant every group shares.",
    )


class AgreementForm(forms.Form):
    clauses = forms.CharField(
        label="Your own clauses",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="One per line. Publishing makes a new version: every member must accept "
        "it again before they see the group's sessions and discussion.",
    )


class NotesForm(forms.Form):
    notes = forms.CharField(
        label="Session notes",
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="De-identified only. Markdown: *italics*, **bold**, lists, quotes.",
    )


class PostForm(forms.ModelForm):
    class Meta:
        model = Post
        fields = ["body"]
        labels = {"body": "Write to the group"}
        widgets = {"body": forms.Textarea(attrs={"rows": 3})}


class MoveForm(forms.Form):
    starts_at = forms.DateTimeField(
        label="New start (your time zone)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )

    def clean_starts_at(self) -> datetime:
        value = self.cleaned_data["starts_at"]
        if value <= timezone.now():
            raise forms.ValidationError("Choose a time in the future.")
        if value > timezone.now() + timedelta(days=400):
            raise forms.ValidationError("Choose a time within the next year.")
        return value


class HandoverForm(forms.Form):
    """The organizer chooses who to ask to take the group over: members who accepted
    the current agreement, by their (unguessable) membership id."""

    member = forms.ChoiceField(label="Ask a member to organize the group")

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = [
            (str(m.pk), m.member.profile.display_name) for m in candidates
        ]


class IntroProposalForm(forms.Form):
    at = forms.DateTimeField(
        label="When (your time zone)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    channel = forms.CharField(
        label="How",
        max_length=200,
        help_text="E.g. “Video call, I’ll send a link by message” or “Phone, 20 minutes”.",
    )

    def clean_at(self) -> datetime:
        value = self.cleaned_data["at"]
        if value <= timezone.now():
            raise forms.ValidationError("Choose a time in the future.")
        if value > timezone.now() + timedelta(days=120):
            raise forms.ValidationError("Choose a time within the next four months.")
        return value


class ReportForm(forms.ModelForm):
    class Meta:
        model = GroupReport
        fields = ["reason", "note"]
        labels = {"reason": "What is wrong?", "note": "Tell the moderators more"}
        widgets = {"reason": forms.RadioSelect, "note": forms.Textarea(attrs={"rows": 4})}
        help_texts = {
            "note": "Optional. Only Hive’s moderators read it. Please leave out anything "
            "said in the group’s sessions about clients."
        }


class ModerationForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Decision",
        widget=forms.RadioSelect,
        choices=[
            (GroupReport.Outcome.DISMISSED, "Dismiss: nothing to act on"),
            (GroupReport.Outcome.WARNED, "Warn the organizer (they read your note)"),
            (GroupReport.Outcome.UNLISTED, "Take the group off the list (they are told)"),
        ],
    )
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept in the audit log. For a warning, this is what the organizer reads.",
    )

    def clean(self):
        data = super().clean()
        if data.get("outcome") == GroupReport.Outcome.WARNED and not data.get("note", "").strip():
            self.add_error("note", "Write the warning the organizer will read.")
        return data
