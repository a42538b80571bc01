"""The notification settings form: a channel per kind, pause, quiet hours, digest."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from hive.timezones import TimeZoneField
from hive.widgets import QuickSelect
from notifications import registry
from notifications.models import Settings


class SettingsForm(forms.ModelForm):
    timezone = TimeZoneField(
        help_text="Every time in Hive and in our emails is shown in this zone.",
    )

    class Meta:
        model = Settings
        fields = ["paused_until", "quiet_start", "quiet_end", "digest_frequency"]
        labels = {
            "paused_until": "Pause emails until (on leave)",
            "quiet_start": "Quiet hours from",
            "quiet_end": "Quiet hours until",
            "digest_frequency": "Digest email",
        }
        help_texts = {
            "paused_until": "No emails up to and including this day; Hive keeps them in "
            "your notification center. Security emails still arrive.",
            "quiet_start": "Emails that would arrive in your quiet hours wait until they end.",
            "digest_frequency": "Notifications you put in the digest arrive together at 8:00 "
            "in the morning, your time.",
        }
        widgets = {
            "paused_until": forms.DateInput(attrs={"type": "date"}),
            "quiet_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "quiet_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["timezone"].prepare(user.timezone)
        self.kinds = [k for k in registry.KINDS.values() if user.is_staff or not k.staff_only]
        chosen = dict(user.notification_prefs.values_list("kind", "channel"))
        for kind in self.kinds:
            self.fields[f"kind_{kind.name}"] = forms.ChoiceField(
                label=kind.label,
                help_text=kind.description,
                choices=kind.channel_choices(),
                initial=registry.EMAIL
                if kind.mandatory
                else chosen.get(kind.name, kind.default_channel),
                disabled=kind.mandatory,
                required=False,
                widget=QuickSelect,
            )

    def kind_fields(self):
        return [self[f"kind_{kind.name}"] for kind in self.kinds]

    def clean_paused_until(self):
        value = self.cleaned_data.get("paused_until")
        today = timezone.localdate(timezone=self.user.zone)
        if value is not None and value < today:
            raise forms.ValidationError(
                "That day has already passed. Choose today or a later day, or leave it empty."
            )
        return value

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("quiet_start"), cleaned.get("quiet_end")
        if (start is None) != (end is None):
            raise forms.ValidationError("Quiet hours need both a start and an end time.")
        if start is not None and start == end:
            self.add_error("quiet_end", "Quiet hours must end at a different time than they start.")
        return cleaned

    def channels(self) -> dict[str, str]:
        # A kind missing from the POST (a form older than the kind) keeps its setting.
        return {
            kind.name: self.cleaned_data[f"kind_{kind.name}"]
            for kind in self.kinds
            if not kind.mandatory and self.cleaned_data.get(f"kind_{kind.name}")
        }
