"""Forms around allauth's account pages."""

from __future__ import annotations

from django import forms

from hive.timezones import validate_timezone
from members.models import User


class SignupExtraForm(forms.Form):
    """Extra fields on allauth's sign-up form (ACCOUNT_SIGNUP_FORM_CLASS).

    The time zone is filled in by static/js/hive.js from the browser; without JavaScript
    it stays UTC and can be changed in the notification settings.
    """

    timezone = forms.CharField(
        required=False, widget=forms.HiddenInput(attrs={"data-browser-timezone": ""})
    )

    def clean_timezone(self) -> str:
        value = self.cleaned_data.get("timezone") or "UTC"
        try:
            validate_timezone(value)
        except forms.ValidationError:
            return "UTC"  # a browser with an odd zone name must not block sign-up
        return value

    def signup(self, request, user: User) -> None:
        user.timezone = self.cleaned_data["timezone"]
        user.save(update_fields=["timezone"])
