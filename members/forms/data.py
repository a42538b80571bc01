"""Forms of a member's data pages (/me/data/, /me/delete/) and of the staff audit log
(/review/audit/)."""

from __future__ import annotations

from django import forms

from members.data_rights import DELETION_CONFIRMATION
from members.models import AuditEvent


class DeletionForm(forms.Form):
    """The typed confirmation of an account deletion."""

    confirmation = forms.CharField(
        label=f"Type “{DELETION_CONFIRMATION}” to confirm",
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
    )

    def clean_confirmation(self) -> str:
        value = " ".join(self.cleaned_data["confirmation"].split()).lower()
        if value != DELETION_CONFIRMATION:
            raise forms.ValidationError(
                f"Type “{DELETION_CONFIRMATION}” exactly, so we know you mean it."
            )
        return value


class AuditFilterForm(forms.Form):
    """The audit log's filters (GET). A bad value is reported on its field and the log
    is shown unfiltered by it, never a server error."""

    member = forms.CharField(
        label="Member (email, handle or account number)", max_length=254, required=False
    )
    action = forms.ChoiceField(
        choices=[("", "Any action"), *AuditEvent.Action.choices], required=False
    )
    since = forms.DateField(
        label="From (UTC)", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label="Until (UTC, inclusive)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", "The end date is before the start date.")
        return cleaned
