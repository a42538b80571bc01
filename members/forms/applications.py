"""Forms of the applicant's side: the application, the license renewal, and the
answers of references and vouching members."""

from __future__ import annotations

from datetime import date

from django import forms
from django.db import transaction
from django.utils import timezone

from members.models import GUIDELINES_VERSION, Application, Profile, Term
from members.validators import normalise_npi, validate_npi
from members.vetting import application_save_draft
from members.vetting.tiers import tier_for, tier_problem, tiers_for

# --- The application ------------------------------------------------------------------------

# The application's own fields, in the order the form shows them.
APPLICATION_FIELDS = [
    "legal_name",
    "display_name",
    "pronouns",
    "profession",
    "credential_tier",
    "supervisor_name",
    "practice_setting",
    "city",
    "license_type",
    "license_number",
    "license_jurisdiction",
    "license_expiry",
    "npi",
    "why_join",
]
REFERENCE_PARTS = ("name", "email", "relationship")
# Everything a problem can be attached to, in the order of the page: the error summary
# lists problems in this order. "reference_<n>" is a reference's fieldset as a whole.
PAGE_ORDER = [
    *APPLICATION_FIELDS[: APPLICATION_FIELDS.index("why_join")],
    *[
        key
        for position in (1, 2)
        for key in (
            f"reference_{position}",
            *(f"reference_{position}_{part}" for part in REFERENCE_PARTS),
        )
    ],
    "why_join",
    "accept_guidelines",
]


class DateInput(forms.DateInput):
    """A native date picker; browsers without one still accept YYYY-MM-DD."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class ApplicationForm(forms.ModelForm):
    """Every field of the application, none of them required: a draft may be saved at
    any stage. Format problems (an email address, an NPI, a date that has passed) are
    errors here; what is merely missing is for `missing_for_submission()` to say when
    the applicant submits.

    Use `is_valid()` then `save_draft()`: it saves every field that is valid, even when
    others are not, and returns the names it could not save.
    """

    npi = forms.CharField(
        label="NPI",
        required=False,
        max_length=20,  # room for spaces or dashes typed between the digits
        help_text="Your 10-digit National Provider Identifier, if you have one.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    credential_tier = forms.ChoiceField(
        label="Credential tier",
        required=False,
        choices=Profile.Tier.choices,
        widget=forms.RadioSelect,
        help_text="Some groups and events are open to particular tiers only.",
    )
    accept_guidelines = forms.BooleanField(
        label="I have read and accept the community guidelines and values statement.",
        required=False,
    )

    optional_fields = frozenset({"pronouns", "npi"})

    class Meta:
        model = Application
        fields = APPLICATION_FIELDS
        labels = {
            "legal_name": "Legal name",
            "display_name": "Display name",
            "pronouns": "Pronouns",
            "profession": "Profession",
            "supervisor_name": "Supervisor’s name",
            "practice_setting": "Practice setting",
            "city": "City",
            "license_type": "License or certification type",
            "license_number": "License or certificate number",
            "license_jurisdiction": "Issuing state or jurisdiction",
            "license_expiry": "Expiry date",
            "why_join": "Why you want to join",
        }
        help_texts = {
            "legal_name": "As it appears on your license. Only our staff see it.",
            "display_name": "The name other members will see.",
            "pronouns": "For example: she/her, he/him, they/them.",
            "supervisor_name": "Required for pre-licensed associates: the licensed clinician "
            "who supervises your clinical work.",
            "city": "Where you practice, for example “Oakland, CA”. If you work online only, "
            "where you live.",
            "license_type": "For example: LCSW, LPC, LMFT, PsyD, PMHNP, CPRS.",
            "license_expiry": "We remind you 30 and 7 days before it expires.",
            "why_join": "A few sentences are plenty. Only our staff read this.",
        }
        widgets = {
            "license_expiry": DateInput(),
            "why_join": forms.Textarea(attrs={"rows": 6}),
            "legal_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "display_name": forms.TextInput(attrs={"autocomplete": "nickname"}),
            "city": forms.TextInput(attrs={"autocomplete": "address-level2"}),
        }

    def __init__(self, *args, instance: Application, **kwargs):
        self.references = {r.position: r for r in instance.references.all()}
        initial = {"accept_guidelines": instance.guidelines_version == GUIDELINES_VERSION}
        for position in (1, 2):
            reference = self.references.get(position)
            for part in REFERENCE_PARTS:
                initial[f"reference_{position}_{part}"] = getattr(reference, part, "")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, instance=instance, initial=initial, **kwargs)
        for position in (1, 2):
            # autocomplete off: a browser would offer the applicant's own name and email.
            self.fields[f"reference_{position}_name"] = forms.CharField(
                label="Name",
                required=False,
                max_length=120,
                widget=forms.TextInput(attrs={"autocomplete": "off"}),
            )
            self.fields[f"reference_{position}_email"] = forms.EmailField(
                label="Email address",
                required=False,
                max_length=254,
                widget=forms.EmailInput(attrs={"autocomplete": "off"}),
            )
            self.fields[f"reference_{position}_relationship"] = forms.CharField(
                label="How they know you",
                required=False,
                max_length=200,
                help_text="For example: my clinical supervisor 2019–2022; a colleague at "
                "the same agency.",
            )
        self._set_tier_choices()
        self.fields["profession"].empty_label = "Choose your profession"
        self.fields["license_jurisdiction"].choices = [("", "Choose a state or jurisdiction")] + [
            choice for choice in self.fields["license_jurisdiction"].choices if choice[0]
        ]
        self.fields["practice_setting"].choices = [("", "Choose a setting")] + [
            choice for choice in self.fields["practice_setting"].choices if choice[0]
        ]
        # Errors that belong to a reference as a whole ("reference_1"), from submission.
        self.reference_errors: dict[str, list[str]] = {}
        # Valid values we must not save yet (see clean()): kept for the next try.
        self.held_back: set[str] = set()

    def _set_tier_choices(self) -> None:
        """Only the tiers the (posted, else saved) profession allows (members.vetting.tiers):
        none to choose when it allows one, which is then set for the applicant."""
        profession = self.instance.profession if self.instance.profession_id else None
        if self.is_bound and self.add_prefix("profession") in self.data:
            posted = self.data.get(self.add_prefix("profession")) or ""
            profession = (
                Term.objects.filter(pk=posted, kind=Term.Kind.PROFESSION).first()
                if posted.isdigit()
                else None
            )
        self.profession_chosen = profession
        self.tier_fixed = tier_for(profession)
        field = self.fields["credential_tier"]
        allowed = tiers_for(profession)
        field.choices = [(value, Profile.Tier(value).label) for value in allowed]
        if profession is not None:
            field.error_messages["invalid_choice"] = tier_problem(profession, "?") or (
                "Choose one of the tiers below."
            )
            if len(allowed) > 1:
                field.help_text = (
                    f"{profession.label}s hold different credentials: choose the one that "
                    "fits yours. Some groups and events are open to particular tiers only."
                )

    @property
    def tier_label(self) -> str:
        return Profile.Tier(self.tier_fixed).label if self.tier_fixed else ""

    # Field checks: the format of what was typed, never whether it is there.

    def clean_npi(self) -> str:
        value = normalise_npi(self.cleaned_data.get("npi", ""))
        if value:
            validate_npi(value)
        return value

    def clean_license_expiry(self):
        value = self.cleaned_data.get("license_expiry")
        if value is not None and value <= timezone.localdate():
            raise forms.ValidationError(
                "This date has passed: enter the expiry date of your current license."
            )
        return value

    def clean(self):
        cleaned = super().clean()
        if self.tier_fixed and "profession" in cleaned:
            # The profession decides; nothing to choose (or to get wrong).
            cleaned["credential_tier"] = self.tier_fixed
            self._errors.pop("credential_tier", None)
        # Once the application has been sent (and sent back for changes), the database
        # insists that an associate names a supervisor, so the two are saved together.
        if self.instance.status != Application.Status.DRAFT:
            tier = cleaned.get("credential_tier", self.instance.credential_tier)
            supervisor = cleaned.get("supervisor_name", self.instance.supervisor_name)
            if Application.supervisor_missing(tier, supervisor):
                self.add_error(
                    "supervisor_name", "As a pre-licensed associate, name your supervisor."
                )
                if not self.instance.supervisor_name and "credential_tier" in cleaned:
                    cleaned.pop("credential_tier")
                    self.held_back.add("credential_tier")
                    if self.tier_fixed and "profession" in cleaned:
                        # The tier comes with the profession: hold both back.
                        cleaned.pop("profession")
                        self.held_back.add("profession")
        return cleaned

    # Saving

    @transaction.atomic
    def save_draft(self) -> set[str]:
        """Save every valid field, whatever the others hold; return the names not saved
        (members.vetting.application_save_draft does the write)."""
        cleaned = self.cleaned_data
        self.instance, saved = application_save_draft(
            application=self.instance,
            values={name: cleaned[name] for name in APPLICATION_FIELDS if name in cleaned},
            references={
                position: {
                    part: cleaned[f"reference_{position}_{part}"]
                    for part in REFERENCE_PARTS
                    if f"reference_{position}_{part}" in cleaned
                }
                for position in (1, 2)
            },
            accept_guidelines=cleaned.get("accept_guidelines"),
        )
        return set(self.fields) - saved

    def unsaved_values(self, names: set[str]) -> dict[str, str]:
        """What the applicant typed into fields that could not be saved, as posted."""
        return {name: self.data.get(self.add_prefix(name), "") for name in names}

    def data_from_instance(self) -> dict[str, str]:
        """The saved application as form data, to re-check it next to unsaved input."""
        data = {}
        for name, field in self.fields.items():
            value = self[name].initial
            if isinstance(field, forms.BooleanField):
                if value:
                    data[name] = "on"
                continue
            if hasattr(value, "pk"):
                value = value.pk
            if isinstance(value, date):
                value = value.isoformat()
            data[name] = "" if value is None else str(value)
        return data

    # Presentation

    def add_submission_errors(self, errors: dict[str, list[str]]) -> None:
        """Place what `application_submit()` says is missing next to the right fields,
        unless the field already shows a problem with what was typed."""
        for key, messages in errors.items():
            if key in self.fields:
                if not self.errors.get(key):
                    for message in messages:
                        self.add_error(key, message)
            elif key.startswith("reference_"):
                self.reference_errors.setdefault(key, []).extend(messages)
            else:
                for message in messages:
                    self.add_error(None, message)

    @property
    def reference_groups(self) -> list[dict]:
        return [
            {
                "position": position,
                "fields": [self[f"reference_{position}_{part}"] for part in REFERENCE_PARTS],
                "errors": self.reference_errors.get(f"reference_{position}", []),
            }
            for position in (1, 2)
        ]

    @property
    def problems(self) -> list[dict]:
        """Every problem on the form, in page order, each with a link to its place."""
        problems = [
            {"href": "#application-form", "label": "", "message": message}
            for message in self.non_field_errors()
        ]
        for key in PAGE_ORDER:
            if key in self.fields:
                messages, href = self.errors.get(key, []), f"#{self[key].id_for_label}"
            else:
                messages, href = self.reference_errors.get(key, []), f"#{key.replace('_', '-')}"
            for message in messages:
                problems.append(
                    {"href": href, "label": self.summary_label(key), "message": message}
                )
        return problems

    def summary_label(self, key: str) -> str:
        if key == "accept_guidelines":
            return "Community guidelines"
        if key.startswith("reference_"):
            position, _, part = key.removeprefix("reference_").partition("_")
            if not part:
                return f"Reference {position}"
            label = self.fields[key].label
            return f"Reference {position}, {label[0].lower()}{label[1:]}"
        return self.fields[key].label


# --- Renewal, references, vouches -----------------------------------------------------------


class RenewalForm(forms.Form):
    """A lapsed member's renewed license: the new number (often unchanged) and expiry."""

    license_number = forms.CharField(
        label="License or certificate number",
        max_length=40,
        help_text="The number on your renewed license (it is often the same as before).",
        error_messages={"required": "Enter the number on your renewed license."},
    )
    license_expiry = forms.DateField(
        label="New expiry date",
        widget=DateInput(),
        error_messages={"required": "Enter the date your renewed license expires."},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean_license_expiry(self):
        value = self.cleaned_data["license_expiry"]
        if value <= timezone.localdate():
            raise forms.ValidationError("This date has passed: enter the new expiry date.")
        return value


class ReferenceAnswerForm(forms.Form):
    """A reference's answer: the button they press, and an optional comment."""

    answer = forms.ChoiceField(
        choices=[("yes", "Yes"), ("no", "No")],
        error_messages={"required": "Choose one of the two answers below."},
    )
    comment = forms.CharField(
        label="A comment for our staff",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Optional. Only our staff read it; the applicant never sees it.",
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class VouchForm(forms.Form):
    note = forms.CharField(
        label="A note for our staff",
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional: how you know their work, in a sentence or two. Only our staff "
        "read it.",
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class ReplaceReferenceForm(forms.Form):
    """Someone else in place of a reference who has not confirmed, while staff review
    the application (members.vetting.reference_replace checks the person)."""

    name = forms.CharField(
        label="Their name", max_length=120, error_messages={"required": "Enter their name."}
    )
    email = forms.EmailField(
        label="Their email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        error_messages={"required": "Enter their email address."},
    )
    relationship = forms.CharField(
        label="How they know you",
        max_length=200,
        help_text="For example: my clinical supervisor 2019–2022.",
        error_messages={"required": "Say how they know your work."},
    )

    def __init__(self, *args, position: int, **kwargs):
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("prefix", f"replace-{position}")
        super().__init__(*args, **kwargs)
        self.position = position
